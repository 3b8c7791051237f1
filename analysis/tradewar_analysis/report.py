"""A report folder for one result file: index.html and index.md.

The folder holds the figures of ``plots.make_plots`` (PNG), ``summary.csv``
(every outcome element, full precision) and two pages showing the same
content: run metadata and progress, the parameters and their distributions,
the headline outcomes, the full summary (HTML: collapsible) and the figures.
The HTML page is self-contained apart from the PNG files next to it.
"""

from __future__ import annotations

import html
import os
from typing import List, Optional, Sequence

import pandas as pd

from .loader import ResultFile
from .plots import (DEFAULT_SENSITIVITY_SAMPLES, REGION_NAMES, PlotFile, TargetStats, headline_stats,
                    headline_targets, make_plots, parse_target, read_element, regime_label, srrc,
                    varying_parameters)
from .summary import format_table, formatted_cells, summary_table
from . import __version__

META_KEYS = ("model", "design", "seed", "n_samples", "block_size", "n_blocks", "finished", "n_converged",
             "created", "engine_version", "format_version", "mpi_ranks", "omp_threads", "elapsed_seconds",
             "config_sha256")


def metadata_table(rf: ResultFile) -> pd.DataFrame:
    """Root attributes worth showing, known ones first, as (key, value) rows."""
    meta = rf.metadata()
    keys = [k for k in META_KEYS if k in meta] + [k for k in meta if k not in META_KEYS and k != "format"]
    show = lambda v: ("%.4g" % v) if isinstance(v, float) else str(v)
    return pd.DataFrame({"attribute": keys, "value": [show(meta[k]) for k in keys]})


def _num(x: float) -> str:
    return "%.3g" % x


def findings(rf: ResultFile, stats: List[TargetStats], max_points: int) -> List[str]:
    """Key findings in words, from the numbers: each headline outcome's mean,
    90% range and probability of a gain, the regimes that split them, and
    the parameters that drive the leverage (or the first headline) most."""
    out = []
    for st in stats:
        info = rf.info(st.target.name)
        unit = "" if info.units in ("", "1") else " " + info.units
        where = " (%s)" % REGION_NAMES[st.target.element] if st.target.element in REGION_NAMES else ""
        out.append("<b>%s</b>%s: mean %s%s, 90%% of samples between %s and %s; above zero in %.0f%% of "
                   "samples." % (html.escape(str(st.target)), html.escape(where), _num(st.mean), html.escape(unit),
                                 _num(st.p5), _num(st.p95), 100 * st.p_positive))
        for p, reg in st.splits.items():
            parts = ["%s: mean %s, P(&gt; 0) = %.0f%% (%d samples)" % (html.escape(regime_label(p, v)), _num(m),
                                                                         100 * pp, n)
                     for v, (n, m, pp) in sorted(reg.items(), reverse=True)]
            out.append("&nbsp;&nbsp;&rarr; split by <code>%s</code> into two regimes: %s. The overall mean lies "
                       "between them." % (html.escape(p), "; ".join(parts)))
    heads = [st.target for st in stats]
    lev = [t for t in heads if t.name == "leverage_pp"] or heads[:1]
    if lev and rf.parameters:
        _, y, X = read_element(rf, lev[0], rf.parameters, max_points)
        X = {p: X[p] for p in varying_parameters(X)}
        if y.size > len(X) + 2 and X:
            coef, r2 = srrc(X, y)
            top = sorted(coef.items(), key=lambda kv: -abs(kv[1]))[:3]
            out.append("Main drivers of <b>%s</b> (standardised rank regression, R&sup2; = %.2f): %s."
                       % (html.escape(str(lev[0])), r2, ", ".join(
                           "<code>%s</code> (%+.2f: %s)" % (html.escape(p), c, "raises it" if c > 0 else "lowers it")
                           for p, c in top)))
    return out


def headline_table(full: pd.DataFrame, rf: ResultFile) -> pd.DataFrame:
    """The headline rows of a summary table, with the main columns."""
    keys = [(t.name, t.element) for t in headline_targets(rf)]
    sel = full[[(o, e) in keys for o, e in zip(full["outcome"], full["element"])]]
    cols = [c for c in ("outcome", "element", "units", "count", "mean", "ci95_low", "ci95_high", "std",
                        "p5", "p50", "p95") if c in full.columns]
    return sel[cols].reset_index(drop=True)


def _html_table(df: pd.DataFrame) -> str:
    """An HTML table with the same cell formatting as the text tables."""
    header, cells, numeric = formatted_cells(df)
    cls = lambda i: "" if numeric[i] else " class=\"t\""
    head = "".join("<th%s>%s</th>" % (cls(i), html.escape(c)) for i, c in enumerate(header))
    rows = ["<tr>%s</tr>" % "".join("<td%s>%s</td>" % (cls(i), html.escape(c)) for i, c in enumerate(r))
            for r in cells]
    return "<table>\n<thead><tr>%s</tr></thead>\n<tbody>\n%s\n</tbody>\n</table>" % (head, "\n".join(rows))


CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f0f0f0}
td.t,th.t{text-align:left}
figure{margin:1em 0 2em}figcaption{font-size:0.9em;color:#555}img{max-width:100%;border:1px solid #eee}
nav{background:#f6f8fa;border:1px solid #ddd;padding:0.3em 1em;display:inline-block}
ul.findings li{margin:0.3em 0}
.warn{background:#fff3cd;border:1px solid #e0c36c;padding:0.5em}pre{background:#f6f6f6;padding:0.5em;overflow:auto}"""


def write_report(rf: ResultFile, outdir: str, targets: Optional[Sequence[str]] = None,
                 recompute: bool = False, max_points: int = DEFAULT_SENSITIVITY_SAMPLES,
                 fmt: str = "png") -> List[str]:
    """Write the report folder; returns the paths of index.html and index.md."""
    rf.require_samples()
    for t in targets or ():  # check the names before writing anything
        parse_target(rf, t)
    os.makedirs(outdir, exist_ok=True)
    stats = headline_stats(rf)
    plots: List[PlotFile] = make_plots(rf, outdir, targets=targets, max_points=max_points, recompute=recompute,
                                       fmt=fmt, stats=stats)
    sobol: List[str] = []
    if "sensitivity" in rf._f:
        from .sensitivity import plot_sensitivity

        analysed = set(rf._f["sensitivity"])
        wanted = [t.name for t in headline_targets(rf) if not t.element and t.name in analysed]
        sobol = plot_sensitivity(rf.path, outdir, wanted or None, max_charts=12)
    found = findings(rf, stats, max_points)
    full = summary_table(rf, recompute=recompute)
    with open(os.path.join(outdir, "summary.csv"), "w") as fh:
        fh.write(format_table(full, "csv"))
    head = headline_table(full, rf)
    meta = metadata_table(rf)
    params = rf.parameters_table()
    status = rf.status_counts()
    warning = rf.progress_warning()
    source = "recomputed from the finished blocks" if (recompute or not rf.finished) else \
        "read from the file's /summary"
    name = os.path.basename(rf.path)
    status_line = ("%d of %d samples done (%d of %d blocks), %d converged; statistics use converged samples "
                   "only and are %s." % (status["done"], status["samples"], status["blocks_done"],
                                         status["blocks"], status["converged"], source))

    md = ["# tradewar run report: %s" % name, "",
          "Model `%s`, %s design, %s samples. Made by tradewar-analyze %s." % (
              rf.model, rf.attrs.get("design", "?"), rf.n_samples, __version__), ""]
    if warning:
        md += ["> **Warning:** %s" % warning, ""]
    cfg = rf.config_text
    import re as _re

    md += ["## Key findings", ""] + ["- " + _re.sub(r"<[^>]+>", "", f).replace("&gt;", ">").replace(
        "&rarr;", "->").replace("&nbsp;", "").replace("&sup2;", "2") for f in found] + [""]
    md += ["## Run", "", status_line, "", format_table(meta, "markdown"),
           "## Headline outcomes", "", "Mean with its 95% confidence interval (mean \u00b1 1.96 sem), standard "
           "deviation and quantiles; all outcome elements are in [summary.csv](summary.csv).", "",
           format_table(head if len(head) else full, "markdown"), "## Figures", ""]
    for p in plots:
        md += ["### %s" % p.title, "", "![%s](%s)" % (p.title, p.filename), "", p.caption, ""]
    md += ["## Parameters", "", format_table(params, "markdown") if len(params) else "(none)", ""]
    if cfg:
        md += ["## Config", "", "```yaml", cfg.rstrip(), "```", ""]
    md_path = os.path.join(outdir, "index.md")
    with open(md_path, "w") as fh:
        fh.write("\n".join(md))

    e = html.escape
    sections = [("findings", "Key findings"), ("run", "Run"), ("headline", "Headline outcomes"),
                ("figures", "Figures")] + ([("sobol", "Sobol' indices")] if sobol else []) + [
                ("parameters", "Parameters"), ("config", "Config")]
    h = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
         "<title>tradewar report: %s</title><style>%s</style></head><body>" % (e(name), CSS),
         "<h1>tradewar run report: %s</h1>" % e(name),
         "<p>Model <code>%s</code>, %s design, %s samples. Made by tradewar-analyze %s.</p>" % (
             e(rf.model), e(str(rf.attrs.get("design", "?"))), rf.n_samples, e(__version__))]
    if warning:
        h.append("<p class=\"warn\"><b>Warning:</b> %s</p>" % e(warning))
    h += ["<nav><b>Contents</b><ol>%s</ol></nav>" % "".join("<li><a href=\"#%s\">%s</a></li>" % (a, e(t))
                                                          for a, t in sections),
          "<h2 id=\"findings\">Key findings</h2>",
          "<ul class=\"findings\">%s</ul>" % "".join("<li>%s</li>" % f for f in found),
          "<h2 id=\"run\">Run</h2>", "<p>%s</p>" % e(status_line),
          "<details><summary>Run metadata</summary>", _html_table(meta), "</details>",
          "<h2 id=\"headline\">Headline outcomes</h2>",
          "<p>Mean with its 95% confidence interval (mean &plusmn; 1.96 sem), standard deviation and "
          "quantiles.</p>", _html_table(head if len(head) else full),
          "<details><summary>All outcome elements (%d rows; also in <a href=\"summary.csv\">summary.csv</a>)"
          "</summary>" % len(full), _html_table(full), "</details>", "<h2 id=\"figures\">Figures</h2>"]
    for p in plots:
        shown = ("<a href=\"%s\">%s (PDF)</a>" % (e(p.filename), e(p.filename)) if p.filename.endswith(".pdf")
                 else "<img src=\"%s\" alt=\"%s\">" % (e(p.filename), e(p.title)))
        h.append("<figure>%s<figcaption><b>%s.</b> %s</figcaption></figure>" % (shown, e(p.title), e(p.caption)))
    if sobol:
        h.append("<h2 id=\"sobol\">Sobol' indices</h2><p>Share of each outcome's variance due to each factor "
                 "alone (first order S1) and with its interactions (total order ST), with bootstrap intervals, "
                 "from the file's /sensitivity.</p>")
        h += ["<figure><img src=\"%s\" alt=\"%s\"></figure>" % (e(f), e(f)) for f in sobol]
    h += ["<h2 id=\"parameters\">Parameters</h2>", _html_table(params) if len(params) else "<p>(none)</p>"]
    h += ["<h2 id=\"config\">Config</h2>", "<details><summary>The YAML the run was made with (%d lines)</summary>"
          "<pre>%s</pre></details>" % (len(cfg.splitlines()), e(cfg)) if cfg else "<p>(not stored)</p>"]
    # the page reports an image that did not load on the browser console (the browser test checks it)
    h.append("<script>window.addEventListener('load',function(){for(const i of document.images)"
             "{if(!i.complete||i.naturalWidth===0){i.classList.add('broken');"
             "console.error('image did not load: '+i.getAttribute('src'));}}});</script>")
    h.append("</body></html>")
    html_path = os.path.join(outdir, "index.html")
    with open(html_path, "w") as fh:
        fh.write("\n".join(h) + "\n")
    return [html_path, md_path]
