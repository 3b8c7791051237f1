"""Sobol' indices (/sensitivity) and results by regime (/summary_by) of a result file.

    tradewar-analyze sensitivity FILE [-o DIR] [--outcome NAME[LABEL] ...] [--format ...]
    tradewar-analyze regimes FILE [--outcome NAME[LABEL] ...] [--format ...]

The layout is docs/FORMAT.md's: /sensitivity/factor (a dimension scale),
/sensitivity/<outcome>/{S1, ST} [factor, element dims], {S1_ci, ST_ci}
[..., 2], status; /summary_by/<param>/<level>/<outcome>/{mean, quantiles, ...}.
Reading is plain h5py, independent of the rest of the package, so the report
can show the same tables (``sensitivity_table``, ``regimes_table``,
``plot_sensitivity``).
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple

import h5py
import numpy as np
import pandas as pd

from .loader import AnalysisError

STATUS_TEXT = {0: "", 1: "constant outcome", 2: "too few usable samples"}


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _labels(ds: h5py.Dataset, dim: int) -> List[str]:
    """Labels of dimension ``dim`` of a dataset from its attached scale (else indices)."""
    try:
        if len(ds.dims[dim]):
            return [_text(x) for x in ds.dims[dim][0][()]]
    except (KeyError, RuntimeError, ValueError):
        pass
    return [str(i) for i in range(ds.shape[dim])]


def _elements(ds: h5py.Dataset, lead: int) -> List[Tuple[str, Tuple[int, ...]]]:
    """(label, index) of every element of a dataset after its first ``lead`` dimensions."""
    shape = ds.shape[lead:]
    if not shape:
        return [("", ())]
    labels = [_labels(ds, lead + d) for d in range(len(shape))]
    out = []
    for idx in np.ndindex(*shape):
        out.append((",".join(labels[d][i] for d, i in enumerate(idx)), idx))
    return out


def _split_targets(targets: Optional[Sequence[str]]) -> Dict[str, Optional[List[str]]]:
    """``NAME`` or ``NAME[LABEL]`` -> {name: None (all elements) or [labels]}."""
    want: Dict[str, Optional[List[str]]] = {}
    for t in targets or ():
        if "[" in t and t.endswith("]"):
            name, lab = t[:-1].split("[", 1)
            if want.get(name, []) is not None:
                want.setdefault(name, []).append(lab)
        else:
            want[t] = None
    return want


def _open(path: str) -> h5py.File:
    try:
        return h5py.File(path, "r")
    except (OSError, FileNotFoundError) as exc:
        raise AnalysisError("%s: cannot open (%s)" % (path, exc)) from None


def sensitivity_table(path: str, targets: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """One row per (outcome, element, factor): S1, ST and their intervals, sorted
    by outcome, element and ST (largest first)."""
    with _open(path) as f:
        if "sensitivity" not in f:
            raise AnalysisError("%s has no /sensitivity: not a run with a sensitivity: section "
                                "(docs/SENSITIVITY.md)" % path)
        g = f["sensitivity"]
        factors = [_text(x) for x in g["factor"][()]]
        members = [_text(x) for x in g["factor_members"][()]] if "factor_members" in g else factors
        want = _split_targets(targets)
        names = [k for k in g if isinstance(g[k], h5py.Group)]
        for name in want:
            if name not in names:
                raise AnalysisError("%s: no Sobol' indices for outcome '%s' (analysed: %s)"
                                    % (path, name, ", ".join(names)))
        rows = []
        for name in (list(want) if want else names):
            o = g[name]
            S1, ST, S1c, STc = o["S1"][()], o["ST"][()], o["S1_ci"][()], o["ST_ci"][()]
            status = np.atleast_1d(o["status"][()]).reshape(-1)
            elems = _elements(o["S1"], 1)
            labs = want.get(name)
            if labs:
                unknown = [x for x in labs if x not in [e[0] for e in elems]]
                if unknown:
                    raise AnalysisError("%s: outcome '%s' has no element %s" % (path, name, unknown[0]))
            for ei, (lab, idx) in enumerate(elems):
                if labs and lab not in labs:
                    continue
                for i, fac in enumerate(factors):
                    k = (i,) + idx
                    rows.append(dict(outcome=name, element=lab, factor=fac, members=members[i],
                                     S1=S1[k], S1_low=S1c[k][0], S1_high=S1c[k][1],
                                     ST=ST[k], ST_low=STc[k][0], ST_high=STc[k][1],
                                     status=STATUS_TEXT.get(int(status[ei]), str(status[ei]))))
    df = pd.DataFrame(rows, columns=["outcome", "element", "factor", "members", "S1", "S1_low", "S1_high",
                                     "ST", "ST_low", "ST_high", "status"])
    if len(df):
        order = {n: i for i, n in enumerate(dict.fromkeys(df["outcome"]))}
        df = df.assign(_o=df["outcome"].map(order), _st=df["ST"].fillna(-np.inf))
        df = df.sort_values(["_o", "element", "_st"], ascending=[True, True, False], kind="stable")
        df = df.drop(columns=["_o", "_st"]).reset_index(drop=True)
    return df


def plot_sensitivity(path: str, outdir: str, targets: Optional[Sequence[str]] = None,
                     max_charts: int = 40) -> List[str]:
    """A bar chart per outcome element: S1 and ST per factor with their intervals,
    factors sorted by ST. Returns the file names written in ``outdir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = sensitivity_table(path, targets)
    os.makedirs(outdir, exist_ok=True)
    written = []
    with _open(path) as f:
        conf = float(f["sensitivity"].attrs.get("confidence", 0.95))
        nbase = int(f["sensitivity"].attrs.get("base_samples_used", 0))
    for (name, lab), d in df.groupby(["outcome", "element"], sort=False):
        if len(written) >= max_charts:
            break
        d = d.iloc[::-1]  # largest ST at the top
        y = np.arange(len(d))
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(d) + 1.6))
        h = 0.38
        for off, col, color, text in ((h / 2, "S1", "#1f77b4", "first order S1"),
                                      (-h / 2, "ST", "#d62728", "total order ST")):
            v = d[col].to_numpy(float)
            lo = np.clip(v - d[col + "_low"].to_numpy(float), 0, None)
            hi = np.clip(d[col + "_high"].to_numpy(float) - v, 0, None)
            ax.barh(y + off, np.nan_to_num(v), height=h, color=color, alpha=0.8, label=text,
                    xerr=np.vstack([np.nan_to_num(lo), np.nan_to_num(hi)]), capsize=2,
                    error_kw=dict(elinewidth=0.8))
        ax.set_yticks(y)
        ax.set_yticklabels(d["factor"])
        ax.axvline(0, color="k", lw=0.5)
        title = name + ("[%s]" % lab if lab else "")
        note = "" if not d["status"].astype(bool).any() else " (%s: indices undefined)" % d["status"].iloc[0]
        ax.set_title("Sobol' indices of %s%s" % (title, note), fontsize=10)
        ax.set_xlabel("share of variance (bars: %d%% bootstrap intervals, N = %d)" % (round(conf * 100), nbase))
        ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        fn = "sobol_%s%s.png" % (name, ("_" + lab.replace(",", "_").replace("/", "_")) if lab else "")
        fig.savefig(os.path.join(outdir, fn), dpi=150)
        plt.close(fig)
        written.append(fn)
    return written


def regimes_table(path: str, targets: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """One row per (parameter, level, outcome element) of /summary_by: samples at
    the level, mean, 5%, median and 95% quantiles. Without targets: the scalar
    outcomes."""
    with _open(path) as f:
        if "summary_by" not in f:
            raise AnalysisError("%s has no /summary_by: the run's config has no "
                                "`summary: {by: [...]}`" % path)
        levels = [float(x) for x in f["summary/quantile_levels"][()]] if "summary/quantile_levels" in f else []
        qi = {q: levels.index(q) for q in (0.05, 0.5, 0.95) if q in levels}
        want = _split_targets(targets)
        rows = []
        for p in f["summary_by"]:
            gp = f["summary_by"][p]
            for lev in sorted(gp, key=lambda s: float(s)):
                gl = gp[lev]
                names = list(want) if want else [o for o in gl if gl[o]["mean"].ndim == 0]
                for name in names:
                    if name not in gl:
                        raise AnalysisError("%s: no outcome '%s' in /summary_by" % (path, name))
                    o = gl[name]
                    mean, q = o["mean"][()], o["quantiles"][()]
                    for lab, idx in _elements(o["mean"], 0):
                        if want.get(name) and lab not in want[name]:
                            continue
                        qq = q[idx]
                        rows.append(dict(parameter=p, level=lev, samples=int(gl.attrs.get("n_converged", 0)),
                                         outcome=name, element=lab, mean=mean[idx],
                                         q05=qq[qi[0.05]] if 0.05 in qi else np.nan,
                                         median=qq[qi[0.5]] if 0.5 in qi else np.nan,
                                         q95=qq[qi[0.95]] if 0.95 in qi else np.nan))
    return pd.DataFrame(rows, columns=["parameter", "level", "samples", "outcome", "element", "mean", "q05",
                                       "median", "q95"])
