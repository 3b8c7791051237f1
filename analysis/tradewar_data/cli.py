"""The ``tradewar-data`` command line.

    tradewar-data from-icio ICIO.csv --region-map R.csv --sector-map S.csv --sectors SECTORS.csv
                  [--tariffs T.csv] -o DIR [--force]
    tradewar-data from-wiod WIOT.csv  (same options)
    tradewar-data check DIR
    tradewar-data synth -N REGIONS -J SECTORS [--seed S] [--layout icio|wiod] -o DIR

Exit status: 0 success, 2 bad input (the message names file, line and code)
or a dataset whose checks fail, 1 an internal error. On any error nothing is
written to DIR: the dataset is written to a temporary folder next to it and
renamed when complete. set TRADEWAR_DATA_DEBUG=1 for the traceback of an
internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Optional, Sequence

from . import DataError, __version__

PROG = "tradewar-data"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write(f"{PROG}: error: {message}\n")
        sys.exit(2)


def _convert(args, reader):
    from .check import report
    from .convert import convert
    from .dataset import read_dir, write_dir_atomic
    t0 = time.time()
    table = reader(args.table)
    ds, rep = convert(table, args.region_map, args.sector_map, args.sectors, args.tariffs)
    ok, text = report(ds, "Checks of the converted dataset")
    if not ok:
        fails = "; ".join(x[6:] for x in text.splitlines() if x.startswith("FAIL: "))
        raise DataError(f"{args.table}: the converted dataset fails its checks: {fails}")
    notes = "\n".join(rep)
    readme = (f"# Dataset converted by tradewar-data {args.cmd}\n\n"
              f"Source table: `{os.path.basename(args.table)}`; region map "
              f"`{os.path.basename(args.region_map)}`, sector map "
              f"`{os.path.basename(args.sector_map)}`, sectors `{os.path.basename(args.sectors)}`, "
              f"tariffs `{os.path.basename(args.tariffs) if args.tariffs else 'none (all 0)'}`.\n"
              "Units: those of the table. See docs/DATA.md for the conversion rules.\n\n"
              "## Conversion notes\n\n" + notes + "\n\n" + text + "\n")
    write_dir_atomic(ds, args.output, force=args.force, extra={"README.md": readme})
    # read back what was written, with the independent reader
    back = read_dir(args.output)
    ok, _ = report(back)
    print(notes)
    print(f"- wrote {args.output}: {ds.N} regions x {ds.J} sectors "
          f"({time.time() - t0:.1f} s); checks: {'pass' if ok else 'FAIL'}")
    return 0 if ok else 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = _Parser(prog=PROG, description="Convert input-output tables to tradewar datasets.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    for name, what in (("from-icio", "an OECD ICIO CSV (2023 release layout)"),
                       ("from-wiod", "a WIOD world input-output table saved as CSV")):
        s = sub.add_parser(name, help=f"convert {what}")
        s.add_argument("table")
        s.add_argument("--region-map", required=True, help="code,region[,name] (unmapped -> ROW)")
        s.add_argument("--sector-map", required=True, help="code,sector (every industry)")
        s.add_argument("--sectors", required=True, help="SECTORS.csv: code,name,theta,industrial,critical")
        s.add_argument("--tariffs", help="importer,exporter,sector,rate at the aggregated level")
        s.add_argument("-o", "--output", required=True, help="dataset folder to create")
        s.add_argument("--force", action="store_true", help="replace an existing DIR")
    c = sub.add_parser("check", help="consistency report of a dataset folder")
    c.add_argument("dir")
    g = sub.add_parser("synth", help="write a synthetic table, maps and SECTORS.csv (not data)")
    g.add_argument("-N", type=int, required=True, help="economies, ROW included (<= 77)")
    g.add_argument("-J", type=int, required=True, help="industries (<= 45)")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--layout", choices=["icio", "wiod"], default="icio")
    g.add_argument("--inventories", action="store_true",
                   help="move part of household consumption to (+/-) inventory changes")
    g.add_argument("-o", "--output", required=True)
    args = p.parse_args(argv)
    try:
        if args.cmd == "from-icio":
            from .tables import read_icio
            return _convert(args, read_icio)
        if args.cmd == "from-wiod":
            from .tables import read_wiod
            return _convert(args, read_wiod)
        if args.cmd == "check":
            from .check import report
            from .dataset import read_dir
            ok, text = report(read_dir(args.dir), f"Checks of {args.dir}")
            print(text)
            return 0 if ok else 2
        if args.cmd == "synth":
            from .synth import synth_dataset, write_synth
            try:
                ds = synth_dataset(args.N, args.J, args.seed)
            except ValueError as e:
                raise DataError(str(e)) from None
            path = write_synth(ds, args.output, args.layout, args.inventories, args.seed)
            print(f"- wrote {path} ({args.N} x {args.J}), regions.map.csv, sectors.map.csv, "
                  f"SECTORS.csv, tariffs.csv in {args.output}")
            return 0
    except DataError as e:
        sys.stderr.write(f"{PROG}: error: {e}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as e:  # noqa: BLE001
        if os.environ.get("TRADEWAR_DATA_DEBUG"):
            raise
        sys.stderr.write(f"{PROG}: internal error: {type(e).__name__}: {e} "
                         "(TRADEWAR_DATA_DEBUG=1 for the traceback)\n")
        return 1
    return 1
