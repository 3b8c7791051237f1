"""Paired comparison of two runs that share their samples (common random numbers).

    tradewar-analyze compare --paired A.h5 B.h5 [--outcome NAME[LABEL] ...] [--format ...]

Sample s of a run depends only on (config, seed, design, s) and the parameter
list (docs/FORMAT.md), so two runs with the same seed, design, sample count
and parameters draw the same uniforms for every sample: two scenarios that
differ in a mechanism or a distribution see the same "world" sample by
sample. The difference B - A is then estimated from the per-sample
differences, whose standard error is usually far smaller than that of the
difference of two independent means (shown as ``sem_unpaired``).
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import h5py
import numpy as np
import pandas as pd

from .loader import AnalysisError
from .sensitivity import _elements, _split_targets, _text

PAIRED_KEYS = ("seed", "design", "n_samples")


def _params(f: h5py.File) -> List[str]:
    return list(f["inputs"]) if "inputs" in f else []


def check_paired(a: h5py.File, b: h5py.File, pa: str, pb: str) -> None:
    """Raise AnalysisError unless the two files share their samples."""
    for k in PAIRED_KEYS:
        va, vb = a.attrs.get(k), b.attrs.get(k)
        if va is None or vb is None:
            raise AnalysisError("%s: not a tradewar result file (attribute '%s' missing)"
                                % (pa if va is None else pb, k))
        if _text(va) != _text(vb):
            raise AnalysisError("%s and %s are not paired: %s differs (%s vs %s); --paired needs two runs "
                                "with the same seed, design, sample count and parameter list"
                                % (pa, pb, k, _text(va), _text(vb)))
    if _params(a) != _params(b):
        only = sorted(set(_params(a)) ^ set(_params(b)))
        raise AnalysisError("%s and %s are not paired: the parameter lists differ (%s); --paired needs two "
                            "runs with the same seed, design, sample count and parameter list"
                            % (pa, pb, ", ".join(only) or "order"))


def paired_table(pa: str, pb: str, targets: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Per outcome element: pairs used, mean of A and B, mean difference B - A with
    its standard error and 95% interval, and the unpaired standard error."""
    try:
        a, b = h5py.File(pa, "r"), h5py.File(pb, "r")
    except OSError as exc:
        raise AnalysisError("cannot open %s" % exc) from None
    with a, b:
        check_paired(a, b, pa, pb)
        ok = (a["status/converged"][()] != 0) & (b["status/converged"][()] != 0)
        if not ok.any():
            raise AnalysisError("%s and %s have no sample that converged in both" % (pa, pb))
        common = [o for o in a["outputs"] if o in b["outputs"] and isinstance(a["outputs"][o], h5py.Dataset)]
        want = _split_targets(targets)
        for name in want:
            if name not in common:
                raise AnalysisError("outcome '%s' is not in both files (common: %s)" % (name, ", ".join(common)))
        # outcomes are float64 [sample, ...]; skip anything else (e.g. an integer index)
        common = [o for o in common if a["outputs"][o].dtype.kind == "f"]
        names = list(want) if want else [o for o in common if a["outputs"][o].ndim == 1]
        rows = []
        for name in names:
            da, db = a["outputs"][name], b["outputs"][name]
            if da.shape != db.shape:
                raise AnalysisError("outcome '%s' has different shapes in %s and %s" % (name, pa, pb))
            xa, xb = da[()], db[()]
            for lab, idx in _elements(da, 1):
                if want.get(name) and lab not in want[name]:
                    continue
                ya, yb = xa[(slice(None),) + idx], xb[(slice(None),) + idx]
                m = ok & np.isfinite(ya) & np.isfinite(yb)
                n = int(m.sum())
                d = yb[m] - ya[m]
                sem = d.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
                sem_u = (np.sqrt(ya[m].var(ddof=1) / n + yb[m].var(ddof=1) / n) if n > 1 else np.nan)
                rows.append(dict(outcome=name, element=lab, pairs=n, mean_A=ya[m].mean(), mean_B=yb[m].mean(),
                                 diff=d.mean(), sem=sem, ci95_low=d.mean() - 1.96 * sem,
                                 ci95_high=d.mean() + 1.96 * sem, sem_unpaired=sem_u))
    return pd.DataFrame(rows, columns=["outcome", "element", "pairs", "mean_A", "mean_B", "diff", "sem",
                                       "ci95_low", "ci95_high", "sem_unpaired"])
