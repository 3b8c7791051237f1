"""Compare several result files (e.g. scenarios or configs) side by side.

``compare_table`` lists the headline outcomes of each file next to each
other (mean, 95% CI half-width, 5%, median, 95%); ``plot_overlay`` draws one
outcome's distributions from all files on common bins (histograms streamed
over the finished blocks, so large files are fine).
"""

from __future__ import annotations

import math
import os
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .loader import AnalysisError, ResultFile
from .plots import COLORS, PlotFile, Target, _element_index, axis_label, headline_targets, parse_target, save, title_of
from .summary import OutcomeSummary, Z95, outcome_summary

N_BINS = 50


def file_labels(paths: Sequence[str]) -> List[str]:
    """Short unique labels for files: the file name without .h5, with the
    parent folder added where names clash, and a counter as last resort."""
    stems = [os.path.splitext(os.path.basename(p))[0] for p in paths]
    labels = []
    for p, s in zip(paths, stems):
        if stems.count(s) > 1:
            s = "%s/%s" % (os.path.basename(os.path.dirname(os.path.abspath(p))), s)
        labels.append(s)
    seen: Dict[str, int] = {}
    out = []
    for l in labels:
        seen[l] = seen.get(l, 0) + 1
        out.append(l if labels.count(l) == 1 else "%s#%d" % (l, seen[l]))
    return out


def compare_targets(files: Sequence[ResultFile], outcomes: Optional[Sequence[str]] = None) -> List[Target]:
    """Targets to compare: the given ones (checked against every file), or
    the first file's headline outcomes that every file has."""
    if outcomes:
        targets = [parse_target(files[0], o) for o in outcomes]
        for rf in files[1:]:
            for o in outcomes:
                parse_target(rf, o)
        return targets
    common = []
    for t in headline_targets(files[0]):
        if all(t.name in rf.outcomes and (not t.element or t.element in rf.info(t.name).element_labels())
               for rf in files[1:]):
            common.append(t)
    if not common:
        raise AnalysisError("the files have no headline outcome in common; name outcomes with --outcome")
    return common


def compare_table(files: Sequence[ResultFile], labels: Sequence[str], targets: Sequence[Target],
                  recompute: bool = False) -> pd.DataFrame:
    """One row per target; per file the columns ``<label> mean``,
    ``<label> ci95`` (half-width 1.96 sem), ``<label> p5``, ``<label> p50``,
    ``<label> p95``; for every file after the first, ``<label> - <first>``
    (difference of the means) and its ``ci95`` half-width."""
    cache: Dict[tuple, OutcomeSummary] = {}
    rows = []
    for t in targets:
        row = {"outcome": str(t), "units": files[0].info(t.name).units}
        for rf, lab in zip(files, labels):
            key = (id(rf), t.name)
            if key not in cache:
                cache[key] = outcome_summary(rf, t.name, recompute=recompute)
            s = cache[key]
            k = _element_index(s.info, t.element)
            flat = lambda a: np.asarray(a).reshape(s.info.size)[k]
            q = np.asarray(s.quantiles).reshape(s.info.size, -1)[k]
            lev = list(np.round(s.levels, 6))
            row["%s mean" % lab] = flat(s.mean)
            row["%s ci95" % lab] = Z95 * flat(s.sem)
            for level in (0.05, 0.5, 0.95):
                row["%s p%g" % (lab, 100 * level)] = q[lev.index(level)] if level in lev else np.nan
            if lab != labels[0]:
                # difference of means to the first file; the runs are independent,
                # so the half-width combines both standard errors
                row["%s - %s" % (lab, labels[0])] = row["%s mean" % lab] - row["%s mean" % labels[0]]
                row["%s - %s ci95" % (lab, labels[0])] = math.hypot(row["%s ci95" % lab], row["%s ci95" % labels[0]])
        rows.append(row)
    return pd.DataFrame(rows)


def stream_histogram(rf: ResultFile, target: Target, edges: np.ndarray) -> np.ndarray:
    """Counts of one outcome element's converged finite values in ``edges``
    (values outside are dropped), accumulated chunk by chunk."""
    info = rf.info(target.name)
    k = _element_index(info, target.element)
    counts = np.zeros(edges.size - 1, np.int64)
    for ch in rf.chunks(outcomes=[target.name]):
        v = ch.data[target.name].reshape(ch.stop - ch.start, info.size)[:, k]
        v = v[ch.converged & np.isfinite(v)]
        counts += np.histogram(v, bins=edges)[0]
    return counts


def plot_overlay(files: Sequence[ResultFile], labels: Sequence[str], target: Target,
                 summaries: Optional[Sequence[OutcomeSummary]] = None) -> Figure:
    """Overlaid density histograms (step lines) of one outcome element, one
    per file, on common bins spanning all files' min..max; means dashed."""
    ss = summaries or [outcome_summary(rf, target.name) for rf in files]
    info = files[0].info(target.name)
    k = _element_index(info, target.element)
    lo = min(float(np.asarray(s.min).reshape(-1)[k]) for s in ss)
    hi = max(float(np.asarray(s.max).reshape(-1)[k]) for s in ss)
    fig = Figure(figsize=(7.0, 4.5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        ax.text(0.5, 0.5, "no converged samples", ha="center", va="center", transform=ax.transAxes)
    else:
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, N_BINS + 1)
        for i, (rf, lab, s) in enumerate(zip(files, labels, ss)):
            c = stream_histogram(rf, target, edges).astype(float)
            dens = c / (c.sum() * np.diff(edges)) if c.sum() else c
            color = COLORS[i % len(COLORS)]
            ax.stairs(dens, edges, color=color, linewidth=1.6, label="%s (n=%d)" % (lab, int(c.sum())))
            ax.stairs(dens, edges, color=color, alpha=0.12, fill=True)
            ax.axvline(float(np.asarray(s.mean).reshape(-1)[k]), color=color, linestyle="--", linewidth=1.0)
        ax.legend(fontsize=8, frameon=False, title="file (dashed: mean)", title_fontsize=8)
    ax.set_title("%s: distributions compared" % title_of(info, target.element), fontsize=10)
    ax.set_xlabel(axis_label(info, target.element))
    ax.set_ylabel("probability density (per %s)" % info.units if info.units and info.units != "1"
                  else "probability density")
    ax.grid(alpha=0.25)
    return fig


def make_compare_plots(files: Sequence[ResultFile], labels: Sequence[str], targets: Sequence[Target],
                       outdir: str, recompute: bool = False) -> List[PlotFile]:
    """Write one overlay figure per target into ``outdir``."""
    os.makedirs(outdir, exist_ok=True)
    out = []
    for t in targets:
        ss = [outcome_summary(rf, t.name, recompute=recompute) for rf in files]
        fname = "compare_%s.png" % t.slug
        save(plot_overlay(files, labels, t, ss), os.path.join(outdir, fname))
        out.append(PlotFile(fname, "%s compared" % t, "Distributions of %s in %s." % (t, ", ".join(labels))))
    return out
