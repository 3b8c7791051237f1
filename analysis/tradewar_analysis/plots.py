"""Figures of a result file (matplotlib, Agg backend, PNG).

Every function takes an open ResultFile and returns a matplotlib Figure
built without pyplot (no global state); ``make_plots`` writes the standard set
into a folder. Large files are handled without loading them: distributions
and box plots come from the (stored or recomputed) summary histograms and
quantiles, the convergence plot from running sums over block chunks, and the
scatter, Spearman and SRRC figures from a deterministic subsample, the first
``max_points`` finished and converged samples (``DEFAULT_SENSITIVITY_SAMPLES``).

Statistics use converged samples with finite values only, like /summary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # headless; must precede any backend use
import numpy as np
from matplotlib.figure import Figure
from scipy import stats as sstats

from .loader import AnalysisError, ResultFile, Target, VariableInfo, parse_target, parse_targets
from .summary import Z95, OutcomeSummary, by_values, outcome_summary

#: Rows used for scatter plots, Spearman and SRRC (a prefix of the finished samples).
DEFAULT_SENSITIVITY_SAMPLES = 100_000
#: Points drawn per scatter panel.
SCATTER_POINTS = 2_000
#: Names of the region codes of the shipped world data (configs/data/world/regions.csv).
REGION_NAMES = {"USA": "United States", "CHN": "China", "EU27": "European Union", "GBR": "United Kingdom",
                "JPN": "Japan", "KOR": "Korea", "TWN": "Taiwan", "VNM": "Viet Nam", "ASN": "Rest of ASEAN",
                "IND": "India", "MEX": "Mexico", "CAN": "Canada", "BRA": "Brazil", "ROW": "Rest of the world"}
US_CODES = ("USA", "US")
CN_CODES = ("CHN", "CN")
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")

# Friendlier names for the trade model's outcomes (others use their own name).
PRETTY = {
    "cn_exports_to_us_pct": "China's exports to the US",
    "cn_exports_total_pct": "China's total exports",
    "cn_exports_to_partners_pct": "China's exports to partners",
    "cn_exports_to_rest_pct": "China's exports to the rest of the world",
    "welfare_pct": "Welfare (real income)",
    "leverage_pp": "Leverage: US minus China welfare change",
    "rerouted_value": "Chinese goods rerouted through partners",
    "us_crm_price_pct": "US price of critical minerals",
    "relocated_capacity_value": "Capacity relocated out of China",
}


def _element_index(info: VariableInfo, element: str) -> int:
    return info.element_labels().index(element) if element else 0


def _find_code(labels: Sequence[str], codes: Sequence[str]) -> Optional[str]:
    for c in codes:
        if c in labels:
            return c
    return None


def headline_targets(rf: ResultFile, limit: int = 12) -> List[Target]:
    """The outcomes a reader looks at first.

    Trade model: China's exports to the US and in total, welfare of the US and
    China, leverage, rerouted value, the US critical-mineral price (those that
    exist). Other models: every scalar outcome, or else the elements of the
    first outcome.
    """
    out: List[Target] = []
    have = set(rf.outcomes)
    for name in ("cn_exports_to_us_pct", "cn_exports_total_pct"):
        if name in have and rf.info(name).is_scalar:
            out.append(Target(name))
    if "welfare_pct" in have:
        labels = rf.info("welfare_pct").element_labels()
        for codes in (US_CODES, CN_CODES):
            code = _find_code(labels, codes)
            if code:
                out.append(Target("welfare_pct", code))
    for name in ("leverage_pp", "rerouted_value", "us_crm_price_pct"):
        if name in have and rf.info(name).is_scalar:
            out.append(Target(name))
    if out:
        return out
    scalars = [Target(n) for n in rf.outcomes if rf.info(n).is_scalar]
    if scalars:
        return scalars[:limit]
    if rf.outcomes:
        info = rf.info(rf.outcomes[0])
        return [Target(info.name, e) for e in info.element_labels()[:limit]]
    return []


def default_sensitivity_target(rf: ResultFile) -> Optional[Target]:
    """The outcome for scatter, tornado and convergence plots by default:
    ``leverage_pp`` for the trade model, else the first headline outcome."""
    heads = headline_targets(rf)
    for t in heads:
        if t.name == "leverage_pp":
            return t
    return heads[0] if heads else None


def title_of(info: VariableInfo, element: str = "") -> str:
    """A readable title: pretty name (if known), element, and the raw name."""
    pretty = PRETTY.get(info.name) or (info.description[:1].upper() + info.description[1:])
    if pretty:
        base = "%s, %s" % (pretty, element) if element else pretty
        return "%s  (%s)" % (base, info.display_name(element))
    return info.display_name(element)


def with_units(text: str, units: str) -> str:
    """``text (units)``; dimensionless units ("", "1") are left out."""
    return "%s (%s)" % (text, units) if units and units != "1" else text


def axis_label(info: VariableInfo, element: str = "") -> str:
    """``name[elem] (units)`` for an axis."""
    return with_units(info.display_name(element), info.units)


def _new_figure(w: float = 7.0, h: float = 4.5) -> Figure:
    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    return fig


#: Resolution of PNG figures (SVG and PDF are vector).
DPI = 150
FORMATS = ("png", "svg", "pdf")


def save(fig: Figure, path: str) -> str:
    """Write a figure in the format its extension names (png at DPI, svg,
    pdf) and return its path."""
    ext = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    if ext not in FORMATS:
        raise AnalysisError("unknown figure format %r (choose %s)" % (ext, ", ".join(FORMATS)))
    fig.savefig(path, format=ext, dpi=DPI, metadata={"Date": None} if ext in ("svg", "pdf") else None)
    return path


def _flat(a: np.ndarray, info: VariableInfo, extra: int = 0) -> np.ndarray:
    a = np.asarray(a)
    return a.reshape((info.size,) + a.shape[a.ndim - extra:] if extra else (info.size,))


# -- reading one element --------------------------------------------------------

def read_element(rf: ResultFile, target: Target, inputs: Sequence[str] = (),
                 max_samples: Optional[int] = None) -> Tuple[np.ndarray, np.ndarray, Dict[str, np.ndarray]]:
    """Values of one outcome element over the converged finished samples with
    a finite value, from the first ``max_samples`` finished samples, plus the
    named parameters of the same samples. Returns (samples, values, inputs)."""
    info = rf.info(target.name)
    k = _element_index(info, target.element)
    idx, vals, ins = [], [], {p: [] for p in inputs}
    for ch in rf.chunks(outcomes=[target.name], inputs=inputs, max_samples=max_samples):
        v = ch.data[target.name].reshape(ch.stop - ch.start, info.size)[:, k]
        ok = ch.converged & np.isfinite(v)
        idx.append(ch.samples[ok])
        vals.append(v[ok])
        for p in inputs:
            ins[p].append(ch.data[p][ok])
    cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0)
    return cat(idx).astype(np.int64), cat(vals), {p: cat(v) for p, v in ins.items()}


# -- split by a discrete parameter ----------------------------------------------

def regime_label(param: str, value: float) -> str:
    """Legend text of one value of a discrete parameter: ``deal`` / ``no
    deal`` for a 0/1 parameter named by one word, else ``name = value``
    (``pause_expires = 0``: a made-up phrase would misname the parameter)."""
    if value in (0.0, 1.0) and param.isalpha():
        return param if value == 1.0 else "no " + param
    return "%s = %g" % (param, value)


def _legend_below(ax) -> None:
    """The legend under the axes, where it cannot hide the histogram (one
    column: long entries would run off the figure side by side)."""
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1)


def plot_by(rf: ResultFile, target: Target, param: str, values: Sequence[float]) -> Figure:
    """Histograms (density) of one outcome element per value of a discrete
    parameter, with each regime's mean, P(> 0) and the zero line."""
    info = rf.info(target.name)
    _, y, ins = read_element(rf, target, [param])
    fig = _new_figure(7.0, 5.4)
    ax = fig.add_subplot()
    finite = y[np.isfinite(y)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, 41)
    for i, v in enumerate(values):
        yv = y[ins[param] == v]
        if yv.size == 0:
            continue
        c = COLORS[i % len(COLORS)]
        ax.hist(yv, bins=edges, density=True, histtype="stepfilled", alpha=0.35, color=c,
                label="%s: %d samples, mean %.3g, P(>0) = %.0f%%"
                % (regime_label(param, v), yv.size, yv.mean(), 100.0 * np.mean(yv > 0)))
        ax.axvline(yv.mean(), color=c, linewidth=1.5)
    if lo < 0 < hi:
        ax.axvline(0.0, color="black", linewidth=0.8, linestyle="-", alpha=0.7)
    _legend_below(ax)
    ax.set_title("%s, by %s" % (title_of(info, target.element), param), fontsize=11)
    ax.set_xlabel(axis_label(info, target.element))
    ax.set_ylabel("probability density")
    ax.grid(alpha=0.25)
    return fig


# -- distributions ------------------------------------------------------------

def plot_distribution(rf: ResultFile, target: Target, summ: Optional[OutcomeSummary] = None,
                      p_positive: Optional[float] = None) -> Figure:
    """Histogram (density) of one outcome element with its mean, median,
    5-95% range and, when stored, the deterministic central scenario."""
    info = rf.info(target.name)
    s = summ if summ is not None else outcome_summary(rf, target.name)
    k = _element_index(info, target.element)
    counts = _flat(s.hist_counts, info, 1)[k].astype(float)
    edges = _flat(s.hist_edges, info, 1)[k]
    mean, n = float(_flat(s.mean, info)[k]), int(_flat(s.count, info)[k])
    fig = _new_figure(7.0, 6.4)
    ax = fig.add_subplot()
    if n == 0 or not np.all(np.isfinite(edges)):
        ax.text(0.5, 0.5, "no converged samples", ha="center", va="center", transform=ax.transAxes)
    else:
        widths = np.diff(edges)
        dens = counts / (counts.sum() * widths) if counts.sum() > 0 else counts
        ax.stairs(dens, edges, fill=True, color=COLORS[0], alpha=0.45, label="density (%d samples)" % n)
        ax.stairs(dens, edges, color=COLORS[0], linewidth=1.0)
        q = _flat(s.quantiles, info, 1)[k]
        lev = list(np.round(s.levels, 6))
        ax.axvline(mean, color="black", linewidth=1.5, label="mean %.4g" % mean)
        if 0.5 in lev:
            ax.axvline(q[lev.index(0.5)], color="black", linestyle=":", linewidth=1.2,
                       label="median %.4g" % q[lev.index(0.5)])
        if 0.05 in lev and 0.95 in lev:
            lo, hi = q[lev.index(0.05)], q[lev.index(0.95)]
            ax.axvspan(lo, hi, color="grey", alpha=0.12, label="5-95%%: [%.4g, %.4g]" % (lo, hi))
        central = rf.baseline_central(target.name)
        if central is not None and central.size == info.size:
            c = float(central.reshape(info.size)[k])
            ax.axvline(c, color=COLORS[1], linestyle="--", linewidth=1.2,
                       label="central scenario %.4g (one run, every parameter at its median%s)"
                       % (c, central_note(rf, ":\n")))
        if edges[0] < 0 < edges[-1]:
            ax.axvline(0.0, color="black", linewidth=0.8, alpha=0.6)
        if p_positive is not None:
            ax.plot([], [], " ", label="P(> 0) = %.0f%%" % (100 * p_positive))
        _legend_below(ax)
    ax.set_title(title_of(info, target.element), fontsize=11)
    ax.set_xlabel(axis_label(info, target.element))
    ax.set_ylabel("probability density (per %s)" % info.units if info.units and info.units != "1"
                  else "probability density")
    ax.grid(alpha=0.25)
    return fig


def central_note(rf: ResultFile, sep: str = ": ") -> str:
    """What the central scenario means for the 0/1 parameters (the median
    of a bernoulli(p <= 0.5) is 0: e.g. no deal)."""
    notes = []
    for p in rf.parameters:
        if rf.info(p, "input").distribution.startswith("bernoulli"):
            v = rf.baseline_central_input(p)
            if v is not None:
                notes.append(regime_label(p, float(v)))
    return sep + ", ".join(notes) if notes else ""


def plot_heatmap(rf: ResultFile, name: str, summ: Optional[OutcomeSummary] = None) -> Figure:
    """Mean of a region x sector outcome as a heatmap (diverging around 0),
    every cell annotated."""
    info = rf.info(name)
    s = summ if summ is not None else outcome_summary(rf, name)
    m = np.asarray(s.mean, dtype=float).reshape(info.shape)
    R, S = info.shape
    fig = _new_figure(max(6.0, 0.62 * S + 2.5), max(4.0, 0.38 * R + 1.6))
    ax = fig.add_subplot()
    lim = float(np.nanmax(np.abs(m))) if np.isfinite(m).any() else 1.0
    im = ax.imshow(m, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(S))
    ax.set_xticklabels(info.labels[1], rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(R))
    ax.set_yticklabels(["%s %s" % (c, REGION_NAMES.get(c, "")) for c in info.labels[0]], fontsize=8)
    for i in range(R):
        for j in range(S):
            if np.isfinite(m[i, j]):
                ax.text(j, i, "%.1f" % m[i, j], ha="center", va="center", fontsize=6.5,
                        color="white" if abs(m[i, j]) > 0.6 * lim else "black")
    fig.colorbar(im, ax=ax, label="mean %s" % with_units(name, info.units), shrink=0.85)
    ax.set_title("%s: mean by %s and %s" % (PRETTY.get(name) or info.description, info.dims[0], info.dims[1]),
                 fontsize=10)
    return fig


def plot_by_label(rf: ResultFile, name: str, summ: Optional[OutcomeSummary] = None) -> Figure:
    """Mean with the 5-95% range of a one-dimensional outcome, per label
    (e.g. rerouting by transit partner), largest mean first."""
    info = rf.info(name)
    s = summ if summ is not None else outcome_summary(rf, name)
    lev = list(np.round(s.levels, 6))
    mean = np.asarray(s.mean, float)
    q = np.asarray(s.quantiles, float)
    lo, hi = q[:, lev.index(0.05)], q[:, lev.index(0.95)]
    order = np.argsort(-np.nan_to_num(mean, nan=-np.inf))
    labels = ["%s %s" % (info.labels[0][i], REGION_NAMES.get(info.labels[0][i], "")) for i in order]
    fig = _new_figure(7.0, max(3.0, 0.32 * len(order) + 1.4))
    ax = fig.add_subplot()
    y = np.arange(len(order))[::-1]
    ax.barh(y, mean[order], color=COLORS[0], alpha=0.75, label="mean")
    ax.errorbar(mean[order], y, xerr=[np.clip(mean[order] - lo[order], 0, None),
                                      np.clip(hi[order] - mean[order], 0, None)],
                fmt="none", ecolor="black", elinewidth=0.8, capsize=2, label="5-95% of samples")
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel(with_units(name, info.units))
    ax.set_title("%s by %s" % (info.description[:1].upper() + info.description[1:], info.dims[0]), fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.grid(axis="x", alpha=0.25)
    return fig


def plot_welfare_by_region(rf: ResultFile, name: str = "welfare_pct",
                           summ: Optional[OutcomeSummary] = None) -> Figure:
    """Box plot of a per-region outcome from its quantiles: box 25-75%,
    whiskers 5-95%, line median, diamond mean."""
    info = rf.info(name)
    if len(info.shape) != 1:
        raise AnalysisError("%s is not a per-region outcome" % name)
    s = summ if summ is not None else outcome_summary(rf, name)
    lev = list(np.round(s.levels, 6))
    q = lambda level: s.quantiles[..., lev.index(level)]
    boxes = []
    for k, lab in enumerate(info.labels[0]):
        boxes.append({"label": lab, "med": q(0.5)[k], "q1": q(0.25)[k], "q3": q(0.75)[k],
                      "whislo": q(0.05)[k], "whishi": q(0.95)[k], "mean": s.mean[k], "fliers": []})
    fig = _new_figure(max(6.0, 0.8 * len(boxes) + 2), 4.5)
    ax = fig.add_subplot()
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.bxp(boxes, showmeans=True, showfliers=False, patch_artist=True,
           boxprops={"facecolor": "#aec7e8", "edgecolor": "#1f4e79"},
           medianprops={"color": "#1f4e79", "linewidth": 1.5},
           meanprops={"marker": "D", "markerfacecolor": COLORS[1], "markeredgecolor": COLORS[1], "markersize": 5})
    pretty = PRETTY.get(name, name)
    ax.set_title("%s by %s  (%s)\nbox: 25-75%%, whiskers: 5-95%%, line: median, diamond: mean"
                 % (pretty, info.dims[0], name), fontsize=10)
    ax.set_xlabel(info.dims[0])
    ax.set_ylabel(with_units(name, info.units))
    ax.grid(axis="y", alpha=0.25)
    return fig


CN_DESTINATIONS = (("cn_exports_to_us_pct", "to the US"), ("cn_exports_to_partners_pct", "to partners"),
                   ("cn_exports_to_rest_pct", "to the rest"), ("cn_exports_total_pct", "total"))


def plot_intervals(rf: ResultFile, items: Sequence[Tuple[str, str]], title: str,
                   summaries: Optional[Dict[str, OutcomeSummary]] = None) -> Figure:
    """Fan chart of scalar outcomes: nested 1-99%, 5-95%, 25-75% bands,
    median tick and mean dot, one row per (outcome, label)."""
    items = [(n, l) for n, l in items if n in rf.outcomes]
    fig = _new_figure(7.5, 1.0 + 0.7 * len(items))
    ax = fig.add_subplot()
    units = set()
    for row, (name, label) in enumerate(items):
        s = summaries[name] if summaries and name in summaries else outcome_summary(rf, name)
        units.add(s.info.units)
        lev = list(np.round(s.levels, 6))
        q = lambda level: float(np.asarray(s.quantiles).reshape(-1)[lev.index(level)])
        y = len(items) - 1 - row
        for (lo, hi), h, a in (((0.01, 0.99), 0.5, 0.18), ((0.05, 0.95), 0.5, 0.35), ((0.25, 0.75), 0.5, 0.7)):
            ax.barh(y, q(hi) - q(lo), left=q(lo), height=h, color=COLORS[0], alpha=a,
                    label={0.01: "1-99%", 0.05: "5-95%", 0.25: "25-75%"}[lo] if row == 0 else None)
        ax.plot([q(0.5)] * 2, [y - 0.25, y + 0.25], color="black", linewidth=2, label="median" if row == 0 else None)
        ax.plot(float(s.mean), y, "o", color=COLORS[1], markersize=5, label="mean" if row == 0 else None)
        ax.annotate("%.3g" % q(0.5), (q(0.5), y + 0.27), ha="center", va="bottom", fontsize=8)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels(["%s\n(%s)" % (l, n) for n, l in reversed(items)], fontsize=8)
    ax.axvline(0.0, color="grey", linewidth=0.8)
    ax.set_xlabel("change (%s)" % "/".join(sorted(u for u in units if u)) if units else "value")
    ax.set_title(title, fontsize=11)
    ax.set_ylim(-0.6, len(items) - 0.2)
    ax.use_sticky_edges = False  # bars pin the limits to their left edges otherwise
    ax.margins(x=0.05)
    ax.legend(fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.18 if len(items) > 2 else -0.3),
              frameon=False)
    ax.grid(axis="x", alpha=0.25)
    return fig


# -- sensitivity ----------------------------------------------------------------

def varying_parameters(values: Dict[str, np.ndarray]) -> List[str]:
    """Parameters that take more than one value (constants carry no signal)."""
    return [p for p, v in values.items() if v.size > 1 and np.nanmin(v) < np.nanmax(v)]


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); NaN if constant."""
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(sstats.spearmanr(x, y).correlation)


def srrc(X: Dict[str, np.ndarray], y: np.ndarray) -> Tuple[Dict[str, float], float]:
    """Standardised rank regression coefficients of y on the parameters.

    Ranks (average for ties) of every varying parameter and of y are
    standardised and y is regressed on them by least squares; the
    coefficients are the SRRC, and R^2 of that regression says how much of
    the rank variance a monotone additive model explains.
    Returns ({parameter: SRRC}, R^2).
    """
    names = varying_parameters(X)
    if not names or y.size <= len(names) + 1 or np.ptp(y) == 0:
        return {}, float("nan")
    z = lambda v: (lambda r: (r - r.mean()) / r.std())(sstats.rankdata(v))
    A = np.column_stack([z(X[p]) for p in names])
    b = z(y)
    coef, *_ = np.linalg.lstsq(A, b, rcond=None)
    resid = b - A @ coef
    r2 = 1.0 - float(resid @ resid) / float(b @ b)
    return dict(zip(names, (float(c) for c in coef))), r2


def plot_scatter(rf: ResultFile, target: Target, max_points: int = DEFAULT_SENSITIVITY_SAMPLES,
                 n_panels: int = 6, data=None) -> Figure:
    """Scatter of the outcome against the parameters with the largest
    |Spearman rho| (up to ``n_panels``), rho in each panel title."""
    info = rf.info(target.name)
    _, y, X = data if data is not None else read_element(rf, target, rf.parameters, max_points)
    rho = {p: spearman(X[p], y) for p in varying_parameters(X)}
    order = sorted(rho, key=lambda p: -abs(rho[p]) if np.isfinite(rho[p]) else 0.0)[:n_panels]
    ncol = min(3, max(1, len(order)))
    nrow = max(1, -(-len(order) // ncol))
    fig = _new_figure(3.4 * ncol + 0.6, 3.0 * nrow + 0.8)
    fig.suptitle("%s vs. parameters (%d samples; largest |Spearman \u03c1| first)"
                 % (info.display_name(target.element), y.size), fontsize=11)
    if not order:
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no varying parameters or no samples", ha="center", va="center", transform=ax.transAxes)
        return fig
    step = max(1, y.size // SCATTER_POINTS)
    sel = slice(0, None, step)
    rng = np.random.default_rng(0)  # deterministic jitter for discrete parameters
    for i, p in enumerate(order):
        ax = fig.add_subplot(nrow, ncol, i + 1)
        x = X[p][sel]
        if np.unique(X[p]).size <= 10:
            x = x + rng.uniform(-0.04, 0.04, size=x.size) * max(np.ptp(X[p]), 1e-12)
        ax.scatter(x, y[sel], s=5, alpha=0.35, color=COLORS[i % len(COLORS)], edgecolors="none", rasterized=True)
        pinfo = rf.info(p, "input")
        ax.set_xlabel(with_units(p, pinfo.units), fontsize=9)
        if i % ncol == 0:
            ax.set_ylabel(axis_label(info, target.element), fontsize=9)
        ax.set_title("Spearman \u03c1 = %+.2f" % rho[p], fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25)
    return fig


def plot_tornado(rf: ResultFile, target: Target, max_points: int = DEFAULT_SENSITIVITY_SAMPLES,
                 max_params: int = 15, data=None) -> Figure:
    """Tornado chart of the SRRC of each parameter for one outcome element,
    largest |SRRC| on top, coloured by sign."""
    info = rf.info(target.name)
    _, y, X = data if data is not None else read_element(rf, target, rf.parameters, max_points)
    coef, r2 = srrc(X, y)
    names = sorted(coef, key=lambda p: abs(coef[p]))[-max_params:]  # ascending: largest drawn on top
    fig = _new_figure(7.0, 1.4 + 0.38 * max(1, len(names)))
    ax = fig.add_subplot()
    if not names:
        ax.text(0.5, 0.5, "not enough samples or varying parameters", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_yticks([])
    else:
        vals = np.array([coef[p] for p in names])
        ax.barh(range(len(names)), vals, color=[COLORS[0] if v >= 0 else COLORS[1] for v in vals], height=0.65)
        for i, v in enumerate(vals):
            ax.annotate("%+.2f" % v, (v, i), xytext=(4 if v >= 0 else -4, 0), textcoords="offset points",
                        ha="left" if v >= 0 else "right", va="center", fontsize=8)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names, fontsize=9)
        lim = max(0.1, float(np.max(np.abs(vals)))) * 1.25
        ax.set_xlim(-lim, lim)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("SRRC (standardised rank regression coefficient)\nblue: parameter raises the outcome, red: lowers it",
                  fontsize=9)
    ax.set_title("Sensitivity of %s\n(%d samples, rank regression R\u00b2 = %.2f)"
                 % (title_of(info, target.element), y.size, r2), fontsize=10)
    ax.grid(axis="x", alpha=0.25)
    return fig


def running_mean(rf: ResultFile, target: Target, n_points: int = 300):
    """Running mean and its 95% band along the sample order, streamed.

    Returns (k, mean_k, halfwidth_k): the number k of converged finite samples
    seen, the mean of those k values and 1.96 * std_k / sqrt(k), at about
    ``n_points`` geometrically spaced k (and the last one). Sums are taken of
    values minus the first value, which keeps them accurate.
    """
    info = rf.info(target.name)
    kcol = _element_index(info, target.element)
    total = rf.n_done_samples
    marks = np.unique(np.geomspace(2, max(2, total), n_points).astype(np.int64))
    ks, means, halfs = [], [], []
    shift = None
    n, s1, s2 = 0, 0.0, 0.0
    for ch in rf.chunks(outcomes=[target.name]):
        v = ch.data[target.name].reshape(ch.stop - ch.start, info.size)[:, kcol]
        v = v[ch.converged & np.isfinite(v)]
        if v.size == 0:
            continue
        if shift is None:
            shift = float(v[0])
        d = v - shift
        c1 = s1 + np.cumsum(d)
        c2 = s2 + np.cumsum(d * d)
        counts = n + np.arange(1, v.size + 1)
        want = marks[(marks > n) & (marks <= n + v.size)]
        pos = want - n - 1
        for kk, i in zip(want, pos):
            m = c1[i] / kk
            var = max(0.0, (c2[i] - kk * m * m) / (kk - 1)) if kk > 1 else np.nan
            ks.append(kk)
            means.append(m + shift)
            halfs.append(Z95 * np.sqrt(var / kk))
        n, s1, s2 = int(counts[-1]), float(c1[-1]), float(c2[-1])
    if n >= 2 and (not ks or ks[-1] != n):
        m = s1 / n
        ks.append(n)
        means.append(m + shift)
        halfs.append(Z95 * np.sqrt(max(0.0, (s2 - n * m * m) / (n - 1)) / n))
    return np.array(ks), np.array(means), np.array(halfs)


def plot_convergence(rf: ResultFile, target: Target) -> Figure:
    """Running mean of an outcome element with its 95% confidence band
    against the number of samples (log scale)."""
    info = rf.info(target.name)
    k, m, h = running_mean(rf, target)
    fig = _new_figure()
    ax = fig.add_subplot()
    if k.size == 0:
        ax.text(0.5, 0.5, "fewer than 2 converged samples", ha="center", va="center", transform=ax.transAxes)
    else:
        ax.fill_between(k, m - h, m + h, color=COLORS[0], alpha=0.25, linewidth=0, label="95% confidence band")
        ax.plot(k, m, color=COLORS[0], linewidth=1.5, label="running mean")
        ax.axhline(m[-1], color="black", linestyle="--", linewidth=1.0,
                   label="final mean %.4g \u00b1 %.2g" % (m[-1], h[-1]))
        ax.set_xscale("log")
        ax.legend(fontsize=8, frameon=False)
        # Keep the early, wide bands from flattening the end of the curve.
        tail = k >= max(10, k[-1] // 1000)
        if tail.any():
            lo, hi = float(np.min((m - h)[tail])), float(np.max((m + h)[tail]))
            pad = 0.15 * (hi - lo if hi > lo else abs(m[-1]) + 1e-12)
            ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("number of converged samples, in sample order (log scale)")
    ax.set_ylabel("mean of %s" % axis_label(info, target.element))
    ax.set_title("Convergence of the mean of %s" % title_of(info, target.element), fontsize=10)
    ax.grid(alpha=0.25)
    return fig


# -- the standard set -------------------------------------------------------------

@dataclass
class TargetStats:
    """What the report says about one headline outcome element: mean, 5% and
    95% quantiles, P(> 0), and per value of each 0/1 parameter that splits
    it (regime means differ by more than half the regimes' mean standard
    deviation) the regime's count, mean and P(> 0)."""

    target: Target
    n: int
    mean: float
    p5: float
    p95: float
    p_positive: float
    splits: Dict[str, Dict[float, Tuple[int, float, float]]]


def bernoulli_parameters(rf: ResultFile) -> List[str]:
    return [p for p in rf.parameters if rf.info(p, "input").distribution.startswith("bernoulli")]


def headline_stats(rf: ResultFile, targets: Optional[Sequence[Target]] = None) -> List[TargetStats]:
    """TargetStats of the headline outcomes (one streamed read each)."""
    out = []
    params = bernoulli_parameters(rf)
    for t in (targets if targets is not None else headline_targets(rf)):
        _, y, ins = read_element(rf, t, params)
        if y.size == 0:
            continue
        splits = {}
        for p in params:
            groups = {float(v): y[ins[p] == v] for v in np.unique(ins[p])}
            if len(groups) != 2 or min(g.size for g in groups.values()) < 2:
                continue
            a, b = groups.values()
            if abs(a.mean() - b.mean()) > 0.5 * (a.std() + b.std()):
                splits[p] = {v: (g.size, float(g.mean()), float(np.mean(g > 0))) for v, g in groups.items()}
        out.append(TargetStats(t, y.size, float(y.mean()), float(np.quantile(y, 0.05)),
                               float(np.quantile(y, 0.95)), float(np.mean(y > 0)), splits))
    return out


@dataclass
class PlotFile:
    """A written figure: file name (relative to the folder), title, caption."""

    filename: str
    title: str
    caption: str


def make_plots(rf: ResultFile, outdir: str, targets: Optional[Sequence[str]] = None,
               max_points: int = DEFAULT_SENSITIVITY_SAMPLES, recompute: bool = False,
               by: Optional[str] = None, fmt: str = "png",
               stats: Optional[List[TargetStats]] = None) -> List[PlotFile]:
    """Write the standard figures of a result file into ``outdir``.

    ``targets``: outcomes (``name`` or ``name[LABEL]``) for the scatter,
    tornado and convergence figures (default: ``default_sensitivity_target``).
    """
    rf.require_samples()
    by_vals = by_values(rf, by) if by else None  # refuse a continuous one before drawing
    if targets:  # check the names before drawing anything
        tlist = [t for text in targets for t in parse_targets(rf, text, bare="first")]
    else:
        d = default_sensitivity_target(rf)
        tlist = [d] if d else []
    os.makedirs(outdir, exist_ok=True)
    written: List[PlotFile] = []
    cache: Dict[str, OutcomeSummary] = {}

    def summ(name: str) -> OutcomeSummary:
        if name not in cache:
            cache[name] = outcome_summary(rf, name, recompute=recompute)
        return cache[name]

    if fmt not in FORMATS:
        raise AnalysisError("unknown figure format %r (choose %s)" % (fmt, ", ".join(FORMATS)))

    def emit(fig: Figure, fname: str, title: str, caption: str) -> None:
        fname = os.path.splitext(fname)[0] + "." + fmt
        save(fig, os.path.join(outdir, fname))
        written.append(PlotFile(fname, title, caption))

    heads = stats if stats is not None else headline_stats(rf)

    if by:
        for t in (tlist if targets else headline_targets(rf)):
            emit(plot_by(rf, t, by, by_vals), "by_%s_%s.png" % (by, t.slug), "%s by %s" % (t, by),
                 "Distribution of %s per value of %s, with each one's mean and P(> 0)." % (t, by))
    for st in heads:
        t = st.target
        info = rf.info(t.name)
        desc = "%s (%s)" % (info.description, info.units) if info.units and info.units != "1" else info.description
        emit(plot_distribution(rf, t, summ(t.name), p_positive=st.p_positive), "dist_%s.png" % t.slug,
             "Distribution of %s" % t, "%s: %s. Histogram (density) over the converged samples with the mean, "
             "median, 5-95%% range, the zero line, P(> 0) and the central scenario (a single run with every "
             "parameter at its median%s)." % (t, desc, central_note(rf)))
        for p, reg in st.splits.items():
            emit(plot_by(rf, t, p, sorted(reg)), "regime_%s_%s.png" % (p, t.slug),
                 "%s by %s" % (t, p),
                 "%s splits into two humps by %s: one histogram per regime (%s) with its mean and P(> 0); "
                 "the overall mean and median fall between them." % (t, p, " / ".join(
                     regime_label(p, v) for v in sorted(reg, reverse=True))))
    if "output_pct" in rf.outcomes and len(rf.info("output_pct").shape) == 2:
        emit(plot_heatmap(rf, "output_pct", summ("output_pct")), "heatmap_output_pct.png",
             "Output change by region and sector",
             "Mean change of gross output per region (rows) and sector (columns), %s." % rf.info("output_pct").units)
    for name in ("rerouted_change_by_partner", "rerouted_value_by_partner"):
        if name in rf.outcomes and len(rf.info(name).shape) == 1:
            emit(plot_by_label(rf, name, summ(name)), "%s.png" % name, "Rerouting by transit partner",
                 "%s: mean per partner with the 5-95%% range of the samples (%s)."
                 % (rf.info(name).description, rf.info(name).units))
            break
    if "welfare_pct" in rf.outcomes and len(rf.info("welfare_pct").shape) == 1:
        emit(plot_welfare_by_region(rf, "welfare_pct", summ("welfare_pct")), "welfare_by_region.png",
             "Welfare by region", "Welfare change per region: box 25-75%, whiskers 5-95%, median and mean.")
    cn = [(n, l) for n, l in CN_DESTINATIONS if n in rf.outcomes and rf.info(n).is_scalar]
    if cn:
        emit(plot_intervals(rf, cn, "China's exports by destination (change, %)", {n: summ(n) for n, _ in cn}),
             "cn_exports_by_destination.png", "China's exports by destination",
             "Median (bar), mean (dot) and 25-75%, 5-95%, 1-99% ranges of China's export changes.")
    for t in tlist:
        data = read_element(rf, t, rf.parameters, max_points) if rf.parameters else None
        if data is not None:
            emit(plot_scatter(rf, t, max_points, data=data), "scatter_%s.png" % t.slug,
                 "%s against the parameters" % t,
                 "Scatter of %s against the parameters with the largest |Spearman rho| "
                 "(first %d finished samples at most)." % (t, max_points))
            emit(plot_tornado(rf, t, max_points, data=data), "tornado_%s.png" % t.slug,
                 "Sensitivity (SRRC) of %s" % t,
                 "Standardised rank regression coefficients of the parameters for %s." % t)
        emit(plot_convergence(rf, t), "convergence_%s.png" % t.slug, "Convergence of the mean of %s" % t,
             "Running mean of %s in sample order with its 95%% confidence band." % t)
    return written
