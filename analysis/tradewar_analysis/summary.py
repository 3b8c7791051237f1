"""Summary statistics of outcomes: read from /summary or recomputed.

The definitions are the engine's (docs/DESIGN.md): statistics use converged
samples (``/status/converged == 1``) with finite values, per element;
``std`` has ddof=1, ``sem = std / sqrt(count)``, quantiles are numpy's
default (linear interpolation, Hyndman-Fan type 7), the histogram has 40 equal
bins from min to max. The 95% confidence interval of the mean is
``mean +- 1.96 sem``.

When the run is finished and ``/summary/<outcome>`` is complete the stored
numbers are used as they are; otherwise (unfinished run, or ``recompute=True``)
they are recomputed from the finished blocks. Recomputation is exact and
memory-bounded: the outcome's elements are processed in groups of columns
small enough that one group over all samples fits the memory budget, each
group gathered by reading the file block-chunk by block-chunk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .loader import AnalysisError, ResultFile, VariableInfo

Z95 = 1.96  # the 95% confidence interval of the mean is mean +- 1.96 sem
N_HIST_BINS = 40


@dataclass
class OutcomeSummary:
    """Statistics of one outcome; arrays have the outcome's element shape
    (quantiles and histograms add a trailing axis)."""

    info: VariableInfo
    count: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    sem: np.ndarray
    min: np.ndarray
    max: np.ndarray
    quantiles: np.ndarray
    levels: np.ndarray
    hist_counts: np.ndarray
    hist_edges: np.ndarray
    source: str  # "file" (/summary) or "recomputed"

    @property
    def ci_low(self) -> np.ndarray:
        return self.mean - Z95 * self.sem

    @property
    def ci_high(self) -> np.ndarray:
        return self.mean + Z95 * self.sem

    def quantile(self, level: float) -> np.ndarray:
        """The stored quantile at ``level`` (must be one of ``levels``)."""
        k = np.flatnonzero(np.isclose(self.levels, level))
        if k.size == 0:
            raise KeyError("quantile level %g not available" % level)
        return self.quantiles[..., k[0]]

    def element(self, label: str) -> Dict[str, np.ndarray]:
        """Statistics of one element by label ("" for a scalar)."""
        labels = self.info.element_labels()
        if label not in labels:
            raise AnalysisError("%s has no element %r (has %s)" % (self.info.name, label, ", ".join(labels)))
        k = labels.index(label)
        flat = lambda a, extra=0: a.reshape((self.info.size,) + a.shape[a.ndim - extra:])[k]
        return {"count": flat(self.count), "mean": flat(self.mean), "std": flat(self.std),
                "sem": flat(self.sem), "min": flat(self.min), "max": flat(self.max),
                "quantiles": flat(self.quantiles, 1), "hist_counts": flat(self.hist_counts, 1),
                "hist_edges": flat(self.hist_edges, 1)}


def _column_stats(v: np.ndarray, levels: np.ndarray):
    """Statistics of one element's valid values (1-D)."""
    n = v.size
    nan = float("nan")
    if n == 0:
        return (0, nan, nan, nan, nan, nan, np.full(levels.size, nan),
                np.zeros(N_HIST_BINS, np.uint64), np.full(N_HIST_BINS + 1, nan))
    mean = float(np.mean(v))
    std = float(np.std(v, ddof=1)) if n > 1 else nan
    sem = std / math.sqrt(n) if n > 1 else nan
    lo, hi = float(np.min(v)), float(np.max(v))
    q = np.quantile(v, levels)
    counts, edges = np.histogram(v, bins=N_HIST_BINS, range=(lo, hi) if hi > lo else (lo - 0.5, hi + 0.5))
    return n, mean, std, sem, lo, hi, q, counts.astype(np.uint64), edges


def compute_summary(rf: ResultFile, name: str, where: Optional[Tuple[str, float]] = None) -> OutcomeSummary:
    """Recompute the statistics of one outcome from the finished blocks.

    Memory: at most ``rf.memory_bytes`` for the gathered columns (plus one
    chunk), whatever the number of samples.
    """
    info = rf.info(name)
    levels = rf.quantile_levels
    E = info.size
    n_done = max(1, rf.n_done_samples)
    cols_per_pass = max(1, min(E, rf.memory_bytes // (8 * n_done)))
    count = np.zeros(E, np.uint64)
    mean, std, sem, mn, mx = (np.full(E, np.nan) for _ in range(5))
    quant = np.full((E, levels.size), np.nan)
    hcounts = np.zeros((E, N_HIST_BINS), np.uint64)
    hedges = np.full((E, N_HIST_BINS + 1), np.nan)
    for c0 in range(0, E, cols_per_pass):
        c1 = min(E, c0 + cols_per_pass)
        cols: List[List[np.ndarray]] = [[] for _ in range(c0, c1)]
        for ch in rf.chunks(outcomes=[name], inputs=[where[0]] if where else ()):
            x = ch.data[name].reshape(ch.stop - ch.start, E)[:, c0:c1]
            ok = ch.converged[:, None] & np.isfinite(x)
            if where:  # only the samples with parameter == value
                ok &= (ch.data[where[0]] == where[1])[:, None]
            for k in range(c1 - c0):
                cols[k].append(x[ok[:, k], k])
        for k, parts in enumerate(cols):
            v = np.concatenate(parts) if parts else np.zeros(0)
            (count[c0 + k], mean[c0 + k], std[c0 + k], sem[c0 + k], mn[c0 + k], mx[c0 + k],
             quant[c0 + k], hcounts[c0 + k], hedges[c0 + k]) = _column_stats(v, levels)
    shp = info.shape
    return OutcomeSummary(info, count.reshape(shp), mean.reshape(shp), std.reshape(shp), sem.reshape(shp),
                          mn.reshape(shp), mx.reshape(shp), quant.reshape(shp + (levels.size,)), levels,
                          hcounts.reshape(shp + (N_HIST_BINS,)), hedges.reshape(shp + (N_HIST_BINS + 1,)),
                          "recomputed")


def outcome_summary(rf: ResultFile, name: str, recompute: bool = False) -> OutcomeSummary:
    """Statistics of one outcome: /summary when present and complete (and
    not ``recompute``), else recomputed from the finished blocks."""
    info = rf.info(name)
    stored = None if recompute else rf.stored_summary(name)
    if stored is None:
        rf.require_samples()
        return compute_summary(rf, name)
    f = lambda k: np.asarray(stored[k], dtype=np.float64)
    return OutcomeSummary(info, np.asarray(stored["count"]), f("mean"), f("std"), f("sem"), f("min"), f("max"),
                          f("quantiles"), f("levels"), np.asarray(stored["hist_counts"]), f("hist_edges"), "file")


def level_name(level: float) -> str:
    """Column name of a quantile level: 0.05 -> "p5", 0.5 -> "p50"."""
    return "p%s" % ("%g" % (100.0 * level))


#: A parameter with at most this many distinct sampled values can split a table.
MAX_BY_VALUES = 12


def by_values(rf: ResultFile, param: str) -> List[float]:
    """The distinct values of a discrete parameter (bernoulli, discrete) in
    the finished samples; AnalysisError for a continuous one."""
    rf.info(param, kind="input")  # unknown name: one-line error
    seen: set = set()
    for ch in rf.chunks(inputs=[param]):
        seen.update(np.unique(ch.data[param][np.isfinite(ch.data[param])]).tolist())
        if len(seen) > MAX_BY_VALUES:
            raise AnalysisError("--by %s: a continuous parameter (more than %d distinct values); "
                                "use a bernoulli or discrete one" % (param, MAX_BY_VALUES))
    return sorted(seen)


def summary_table(rf: ResultFile, outcomes: Optional[Sequence[str]] = None,
                  recompute: bool = False, by: Optional[str] = None) -> pd.DataFrame:
    """One row per outcome element: count, mean, 95% CI, std, sem, min,
    quantiles, max (in the file's units).

    Columns: outcome, element, units, count, mean, ci95_low, ci95_high, std,
    sem, min, p1 ... p99, max. ``element`` is "" for scalars, "USA" or
    "USA/AGR" for arrays.
    """
    names = list(rf.outcomes if not outcomes else outcomes)
    rf.check_outcomes(names)
    if by:  # one table per value of the parameter, stacked, column "by" first
        parts = []
        for v in by_values(rf, by):
            part = _table(rf, names, lambda name: compute_summary(rf, name, where=(by, v)))
            part.insert(0, "by", "%s=%g" % (by, v))
            parts.append(part)
        return pd.concat(parts, ignore_index=True)
    return _table(rf, names, lambda name: outcome_summary(rf, name, recompute=recompute))


def _table(rf: ResultFile, names: Sequence[str], summarise) -> pd.DataFrame:
    rows = []
    for name in names:
        s = summarise(name)
        labels = s.info.element_labels()
        E = s.info.size
        flat = lambda a: np.asarray(a).reshape(E)
        q = s.quantiles.reshape(E, -1)
        for k, lab in enumerate(labels):
            row = {"outcome": name, "element": lab, "units": s.info.units, "count": int(flat(s.count)[k]),
                   "mean": flat(s.mean)[k], "ci95_low": flat(s.ci_low)[k], "ci95_high": flat(s.ci_high)[k],
                   "std": flat(s.std)[k], "sem": flat(s.sem)[k], "min": flat(s.min)[k]}
            for j, lev in enumerate(s.levels):
                row[level_name(lev)] = q[k, j]
            row["max"] = flat(s.max)[k]
            rows.append(row)
    return pd.DataFrame(rows)


def _fmt(x) -> str:
    """Human formatting: 4 significant digits."""
    if isinstance(x, str):
        return x
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return "%.4g" % x


def formatted_cells(df: pd.DataFrame):
    """(header, rows of formatted cells, is-numeric per column) of a table."""
    cells = [[_fmt(v) for v in row] for row in df.itertuples(index=False, name=None)]
    header = [str(c) for c in df.columns]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    return header, cells, numeric


def compact_table(df: pd.DataFrame) -> pd.DataFrame:
    """The columns a person reads on a terminal: outcome[element], mean,
    the 95% CI half-width, 5th/50th/95th percentiles, units (and ``by``)."""
    out = pd.DataFrame()
    if "by" in df:
        out["by"] = df["by"]
    out["outcome"] = [("%s[%s]" % (o, e)) if e else o for o, e in zip(df["outcome"], df["element"].fillna(""))]
    out["mean"] = df["mean"]
    out["+-95%"] = (df["ci95_high"] - df["ci95_low"]) / 2.0
    for c in ("p5", "p50", "p95"):
        if c in df:
            out[c] = df[c]
    out["units"] = df["units"]
    return out


def format_table(df: pd.DataFrame, fmt: str = "table") -> str:
    """Render a table as ``table`` (aligned text), ``markdown`` or ``csv``
    with pandas (``to_string``, ``to_markdown``, ``to_csv``).

    CSV keeps full precision (repr of each float) so that its numbers equal
    the file's; the other two show 4 significant digits.
    """
    if fmt == "csv":
        return df.to_csv(index=False, float_format="%.17g", na_rep="nan", lineterminator="\n")
    if fmt not in ("table", "markdown"):
        raise AnalysisError("unknown table format %r (choose table, csv or markdown)" % fmt)
    shown = df.copy()
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    for c in df.columns:
        shown[c] = [_fmt(v) for v in df[c]]
    if fmt == "markdown":
        shown = shown.apply(lambda col: col.str.replace("|", "\\|", regex=False))
        return shown.to_markdown(index=False, colalign=["right" if n else "left" for n in numeric],
                                 disable_numparse=True) + "\n"
    # text columns left-aligned (to_string right-aligns values by default)
    fmts = {c: (lambda v, w=max([len(x) for x in shown[c]] + [len(str(c))]): v.ljust(w))
            for c, n in zip(df.columns, numeric) if not n}
    return shown.to_string(index=False, formatters=fmts, justify="left") + "\n"
