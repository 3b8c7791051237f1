"""The ``tradewar-analyze`` command line.

    tradewar-analyze summary FILE [--format table|csv|markdown] [--outcome NAME ...] [--recompute]
    tradewar-analyze plot FILE -o DIR [--outcome NAME ...] [--max-points N]
    tradewar-analyze compare FILE FILE ... [-o DIR] [--format ...] [--outcome NAME ...]
    tradewar-analyze compare --paired A.h5 B.h5 [--format ...] [--outcome NAME ...]
    tradewar-analyze sensitivity FILE [-o DIR] [--format ...] [--outcome NAME ...]
    tradewar-analyze regimes FILE [--format ...] [--outcome NAME ...]
    tradewar-analyze report FILE -o DIR [--outcome NAME ...]

Exit status: 0 success, 2 bad input (not an HDF5 or tradewar file, a newer
major format version, an unknown outcome, a run without any finished block,
an unwritable output folder) or bad usage, 1 an internal error. Errors are one
line on stderr, ``tradewar-analyze: error: ...``; set TRADEWAR_ANALYZE_DEBUG=1
to get the Python traceback of an internal error instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from contextlib import ExitStack
from typing import List, Optional, Sequence

import numpy as np

from . import __version__
from .loader import _TARGET_RE, DEFAULT_MEMORY_BYTES, AnalysisError, ResultFile, parse_targets
from .summary import compact_table, format_table, summary_table

PROG = "tradewar-analyze"


def _err(msg: str) -> None:
    sys.stderr.write("%s: error: %s\n" % (PROG, " ".join(str(msg).split())))


def _warn(msg: str) -> None:
    sys.stderr.write("%s: warning: %s\n" % (PROG, " ".join(str(msg).split())))


def _open(path: str, args) -> ResultFile:
    rf = ResultFile(path, memory_bytes=int(args.memory_mb * 1024 * 1024))
    try:
        rf.require_samples()  # an empty run is an error, not a warning
    except AnalysisError:
        rf.close()
        raise
    w = rf.progress_warning()
    if w:
        _warn(w)
    return rf


def _outcome_filter(rf: ResultFile, names: Optional[Sequence[str]]):
    """Split --outcome values into outcome names and element filters
    (None: every element of that outcome)."""
    if not names:
        return None, None
    outs, elems = [], {}
    for text in names:
        ts = parse_targets(rf, text)
        name = ts[0].name
        if name not in outs:
            outs.append(name)
        if "[" not in text:
            elems[name] = None
        elif elems.get(name, ()) is not None:
            elems.setdefault(name, []).extend(t.element for t in ts)
    return outs, elems


def cmd_summary(args) -> int:
    with _open(args.file, args) as rf:
        outs, elems = _outcome_filter(rf, args.outcome)
        df = summary_table(rf, outs, recompute=args.recompute, by=args.by)
        if elems:
            keep = [elems.get(o) is None or e in elems[o] for o, e in zip(df["outcome"], df["element"])]
            df = df[keep].reset_index(drop=True)
        sys.stdout.write(format_table(compact_table(df) if args.format == "table" else df, args.format))
    return 0


def cmd_plot(args) -> int:
    from .plots import make_plots

    with _open(args.file, args) as rf:
        written = make_plots(rf, args.output, targets=args.outcome, max_points=args.max_points,
                             recompute=args.recompute, by=args.by, fmt=args.figure_format)
    if not args.quiet:
        for p in written:
            print(os.path.join(args.output, p.filename))
    return 0


def cmd_compare(args) -> int:
    from .compare import compare_table, compare_targets, file_labels, make_compare_plots

    if args.paired:
        from .paired import paired_table

        if len(args.files) != 2:
            raise AnalysisError("compare --paired needs exactly two files (A and B)")
        sys.stdout.write(format_table(paired_table(args.files[0], args.files[1], args.outcome), args.format))
        return 0
    if len(args.files) < 2:
        raise AnalysisError("compare needs at least two files")
    labels = file_labels(args.files)
    with ExitStack() as stack:
        files = []
        for p in args.files:
            files.append(stack.enter_context(_open(p, args)))
        targets = compare_targets(files, args.outcome)
        df = compare_table(files, labels, targets, recompute=args.recompute)
        sys.stdout.write(format_table(df, args.format))
        if args.output:
            written = make_compare_plots(files, labels, targets, args.output, recompute=args.recompute)
            with open(os.path.join(args.output, "compare.csv"), "w") as fh:
                fh.write(format_table(df, "csv"))
            with open(os.path.join(args.output, "compare.md"), "w") as fh:
                fh.write("# Comparison: %s\n\n" % ", ".join(labels))
                fh.write(format_table(df, "markdown") + "\n")
                for p in written:
                    fh.write("![%s](%s)\n\n" % (p.title, p.filename))
            if not args.quiet:
                for p in written:
                    sys.stderr.write("wrote %s\n" % os.path.join(args.output, p.filename))
    return 0


def cmd_sensitivity(args) -> int:
    from .sensitivity import plot_sensitivity, sensitivity_table

    sys.stdout.write(format_table(sensitivity_table(args.file, args.outcome), args.format))
    if args.output:
        for fn in plot_sensitivity(args.file, args.output, args.outcome):
            if not args.quiet:
                sys.stderr.write("wrote %s\n" % os.path.join(args.output, fn))
    return 0


def cmd_regimes(args) -> int:
    from .sensitivity import regimes_table

    sys.stdout.write(format_table(regimes_table(args.file, args.outcome), args.format))
    return 0


def cmd_export(args) -> int:
    from .export import export

    with _open(args.file, args) as rf:
        outs, _ = _outcome_filter(rf, args.outcome)
        written = export(rf, args.output, args.format, outs)
    if not args.quiet:
        for p in written:
            print(p)
    return 0


def cmd_report(args) -> int:
    from .report import write_report

    with _open(args.file, args) as rf:
        paths = write_report(rf, args.output, targets=args.outcome, recompute=args.recompute,
                             max_points=args.max_points, fmt=args.figure_format)
    if not args.quiet:
        print(paths[0])
    return 0


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text)
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1, not %d" % v)
    return v


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors in the tool's format (exit 2)."""

    def error(self, message: str):
        _err("%s (see %s --help)" % (message, self.prog))
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog=PROG, description="Summaries, plots, comparisons and reports of tradewar HDF5 result files.",
                 epilog="Unfinished runs are analysed from their finished blocks (with a warning). "
                        "Exit status 2 on bad input.")
    ap.add_argument("--version", action="version", version="%(prog)s " + __version__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--outcome", nargs="+", action="extend", metavar="NAME",
                        help="outcomes to use: NAME, NAME[USA], NAME[USA,ELE] or the slice NAME[USA] of "
                             "a region x sector outcome (labels case-insensitive); repeatable; a value "
                             "that is an existing file is taken as FILE")
    common.add_argument("--recompute", action="store_true",
                        help="recompute statistics from the samples even if /summary is complete")
    common.add_argument("--memory-mb", type=float, default=DEFAULT_MEMORY_BYTES / 2 ** 20, metavar="MB",
                        help="memory budget for reading blocks (default %(default)g)")
    common.add_argument("-q", "--quiet", action="store_true", help="do not list the files written")
    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument("--format", choices=("table", "csv", "markdown"), default="table",
                     help="table format on stdout (default: table; csv has full precision)")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("summary", parents=[common, fmt], help="statistics per outcome element",
                       description="Per outcome element: count, mean with 95% CI (mean +- 1.96 sem), std, "
                                   "sem, min, quantiles, max. Numbers come from the file's /summary when the "
                                   "run is finished, else from the finished blocks.")
    p.add_argument("file", metavar="FILE", nargs="?")
    p.add_argument("--by", metavar="PARAM", help="one table per value of a discrete parameter (e.g. deal)")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("plot", parents=[common], help="write the standard figures (PNG)",
                       description="Distributions of the headline outcomes, welfare by region, China's exports "
                                   "by destination, scatter with Spearman rho, SRRC tornado and convergence of "
                                   "the mean (for --outcome, default leverage_pp or the first headline outcome).")
    p.add_argument("file", metavar="FILE", nargs="?")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the PNG files")
    p.add_argument("--by", metavar="PARAM",
                   help="also draw the headline outcomes (or --outcome) per value of a discrete parameter")
    p.add_argument("--format", dest="figure_format", choices=("png", "svg", "pdf"), default="png",
                   help="figure format (default png, 150 dpi)")
    p.add_argument("--max-points", type=_positive_int, default=100_000, metavar="N",
                   help="samples used for scatter/Spearman/SRRC: the first N finished ones (default %(default)d)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("compare", parents=[common, fmt], help="several files side by side",
                       description="Headline outcomes of several files side by side; with -o also overlaid "
                                   "distributions (PNG), compare.csv and compare.md.")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("-o", "--output", metavar="DIR", help="folder for overlay plots and tables")
    p.add_argument("--paired", action="store_true",
                   help="two runs sharing their samples (same seed, design, sample count, parameters): "
                        "per-sample differences B - A with standard errors")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("sensitivity", parents=[common, fmt], help="Sobol' indices with intervals",
                       description="S1 and ST with bootstrap intervals per factor (from /sensitivity of a "
                                   "sensitivity: run), factors sorted by ST; with -o a bar chart per outcome "
                                   "element (sobol_<outcome>.png).")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", metavar="DIR", help="folder for the bar charts")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("regimes", parents=[common, fmt], help="outcomes per level of deal, pause, ...",
                       description="Mean and 5/50/95% quantiles per level of the parameters of "
                                   "`summary: {by: [...]}` (from /summary_by); scalar outcomes unless --outcome.")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_regimes)

    p = sub.add_parser("export", parents=[common], help="the samples as a tidy long table (CSV or netCDF)",
                       description="One row per sample and outcome element: sample, outcome, region, sector, "
                                   "partner, value, converged; and the parameters per sample (CSV: "
                                   "OUT.parameters.csv; netCDF: the same file). Streamed in chunks: memory "
                                   "stays within --memory-mb. --outcome NAME limits the outcomes (whole outcomes).")
    p.add_argument("file", metavar="FILE", nargs="?")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file (.csv or .nc)")
    p.add_argument("--format", choices=("csv", "netcdf"), default="csv", help="default: csv")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", parents=[common], help="a report folder with index.html and index.md",
                       description="Run metadata, parameters, summary tables and all figures in DIR.")
    p.add_argument("file", metavar="FILE", nargs="?")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="report folder")
    p.add_argument("--format", dest="figure_format", choices=("png", "svg", "pdf"), default="png",
                   help="figure format (default png, 150 dpi; pdf figures are linked, not shown)")
    p.add_argument("--max-points", type=_positive_int, default=100_000, metavar="N",
                   help="samples used for scatter/Spearman/SRRC (default %(default)d)")
    p.set_defaults(func=cmd_report)
    return ap


def _unswallow(ap: argparse.ArgumentParser, args) -> None:
    """``--outcome X FILE`` reads FILE as an outcome (nargs="+"): values that
    are not outcome spellings but existing files are the FILE(s)."""
    outs = list(args.outcome or [])
    files = [o for o in outs if not _TARGET_RE.fullmatch(o) and os.path.exists(o)]
    args.outcome = [o for o in outs if o not in files] or None
    if hasattr(args, "files"):
        args.files = list(args.files) + files
        if not args.files:
            ap.error("compare: the following arguments are required: FILE")
        return
    if files and args.file is None:
        args.file = files.pop(0)
    if files:
        ap.error("%s: one FILE only (also got %s)" % (args.command, ", ".join(files)))
    if args.file is None:
        ap.error("%s: the following arguments are required: FILE" % args.command)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command; returns the exit status (never raises for bad input)."""
    ap = build_parser()
    args = ap.parse_args(argv)
    _unswallow(ap, args)
    debug = bool(os.environ.get("TRADEWAR_ANALYZE_DEBUG"))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            if not debug:
                warnings.simplefilter("ignore")
            return args.func(args)
    except AnalysisError as exc:
        _err(exc)
        return 2
    except BrokenPipeError:  # e.g. piped into head: not an error
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except OSError as exc:  # output folder not writable, disk full, ...
        if debug:
            raise
        _err("%s%s" % (exc.strerror or exc, ": %s" % exc.filename if getattr(exc, "filename", None) else ""))
        return 2
    except Exception as exc:  # an internal error: still one line unless debugging
        if debug:
            raise
        _err("internal error: %s: %s (set TRADEWAR_ANALYZE_DEBUG=1 for details)" % (type(exc).__name__, exc))
        return 1


if __name__ == "__main__":
    sys.exit(main())
