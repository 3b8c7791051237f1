"""``tradewar-analyze export``: the samples as a tidy long table.

One row per (sample, outcome element): ``sample, outcome, region, sector,
partner, value, converged`` (label columns empty where the outcome has no
such dimension), and the sampled parameters per sample. Read and written
chunk by chunk (``ResultFile.chunks``), so the memory used is bounded by
``--memory-mb`` whatever the number of samples.

- ``--format csv -o OUT.csv``: OUT.csv (the long table) and
  ``OUT.parameters.csv`` (``sample, converged, <param>...``).
- ``--format netcdf -o OUT.nc``: one netCDF-4 file, dimension ``row``
  (unlimited) for the long table and ``sample`` for the parameters; xarray
  opens it with ``xr.open_dataset(OUT.nc)``.
"""

from __future__ import annotations

import os
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .loader import AnalysisError, ResultFile

LONG_COLUMNS = ("sample", "outcome", "region", "sector", "partner", "value", "converged")
LABEL_DIMS = ("region", "sector", "partner")
#: Bytes one long row takes in pandas (strings are shared objects): sizes the chunks.
LONG_ROW_BYTES = 80


def _element_columns(rf: ResultFile, name: str) -> Dict[str, np.ndarray]:
    """Per element of an outcome, its region / sector / partner label ("" if none)."""
    info = rf.info(name)
    E = info.size
    cols = {d: np.full(E, "", dtype=object) for d in LABEL_DIMS}
    if not info.is_scalar:
        grids = np.meshgrid(*[np.asarray(l, dtype=object) for l in info.labels], indexing="ij")
        for dim, g in zip(info.dims, grids):
            if dim in cols:
                cols[dim] = g.ravel()
    return cols


def long_chunks(rf: ResultFile, outcomes: Sequence[str]) -> Iterator[Tuple[pd.DataFrame, pd.DataFrame]]:
    """(long table, parameters) of each chunk of finished samples. Rows are
    sample-major (all elements of sample s, outcome by outcome, then s+1),
    so the table does not depend on the chunking."""
    cols = {d: [] for d in ("outcome",) + LABEL_DIMS}
    for n in outcomes:
        lab = _element_columns(rf, n)
        cols["outcome"].append(np.full(rf.info(n).size, n, dtype=object))
        for d in LABEL_DIMS:
            cols[d].append(lab[d])
    per_elem = {d: np.concatenate(v) if v else np.zeros(0, object) for d, v in cols.items()}
    width = per_elem["outcome"].size
    per_sample = max(1, width) * LONG_ROW_BYTES + 8 * (width + len(rf.parameters) + 1)
    chunk = max(1, rf.memory_bytes // per_sample)
    for ch in rf.chunks(outcomes=outcomes, inputs=rf.parameters, chunk_samples=chunk):
        s = np.arange(ch.start, ch.stop, dtype=np.int64)
        n = s.size
        values = np.concatenate([ch.data[o].reshape(n, rf.info(o).size) for o in outcomes], axis=1) \
            if outcomes else np.zeros((n, 0))
        longdf = pd.DataFrame({"sample": np.repeat(s, width), "outcome": np.tile(per_elem["outcome"], n),
                               "region": np.tile(per_elem["region"], n), "sector": np.tile(per_elem["sector"], n),
                               "partner": np.tile(per_elem["partner"], n), "value": values.ravel(),
                               "converged": np.repeat(ch.converged.astype(np.uint8), width)},
                              columns=LONG_COLUMNS)
        params = pd.DataFrame({"sample": s, "converged": ch.converged.astype(np.uint8)})
        for p in rf.parameters:
            params[p] = ch.data[p]
        yield longdf, params


def _csv(rf: ResultFile, outcomes: Sequence[str], out: str) -> List[str]:
    stem = out[:-4] if out.endswith(".csv") else out
    pout = stem + ".parameters.csv"
    first = True
    with open(out, "w", newline="") as fl, open(pout, "w", newline="") as fp:
        for longdf, params in long_chunks(rf, outcomes):
            longdf.to_csv(fl, index=False, header=first, float_format="%.17g", na_rep="nan", lineterminator="\n")
            params.to_csv(fp, index=False, header=first, float_format="%.17g", na_rep="nan", lineterminator="\n")
            first = False
    return [out, pout]


def _netcdf(rf: ResultFile, outcomes: Sequence[str], out: str) -> List[str]:
    try:
        import netCDF4
    except ImportError:  # pragma: no cover - Debian's python3-netcdf4 is a dependency
        raise AnalysisError("--format netcdf needs python3-netcdf4 (apt-get install python3-netcdf4)")
    with netCDF4.Dataset(out, "w", format="NETCDF4") as nc:
        nc.title = "tradewar samples, long table (tradewar-analyze export)"
        nc.source = os.path.abspath(rf.path)
        nc.createDimension("row", None)
        nc.createDimension("sample", None)
        v = {}
        for c, t in (("row_sample", "i8"), ("outcome", str), ("region", str), ("sector", str), ("partner", str),
                     ("value", "f8"), ("row_converged", "u1")):
            v[c] = nc.createVariable(c, t, ("row",))
        v["value"].long_name = "outcome value (units per outcome: the result file's /outputs/<outcome> units)"
        v["row_sample"].long_name = "sample index of the row"
        sv = nc.createVariable("sample", "i8", ("sample",))
        cv = nc.createVariable("converged", "u1", ("sample",))
        pv = {p: nc.createVariable(p, "f8", ("sample",)) for p in rf.parameters}
        for p in rf.parameters:
            info = rf.info(p, kind="input")
            pv[p].units, pv[p].long_name = info.units or "1", info.description or p
        r0 = s0 = 0
        for longdf, params in long_chunks(rf, outcomes):
            r1 = r0 + len(longdf)
            v["row_sample"][r0:r1] = longdf["sample"].to_numpy()
            for c in ("outcome", "region", "sector", "partner"):
                v[c][r0:r1] = longdf[c].to_numpy(dtype=object)
            v["value"][r0:r1] = longdf["value"].to_numpy()
            v["row_converged"][r0:r1] = longdf["converged"].to_numpy()
            s1 = s0 + len(params)
            sv[s0:s1] = params["sample"].to_numpy()
            cv[s0:s1] = params["converged"].to_numpy()
            for p in rf.parameters:
                pv[p][s0:s1] = params[p].to_numpy()
            r0, s0 = r1, s1
    return [out]


def export(rf: ResultFile, out: str, fmt: str = "csv", outcomes: Optional[Sequence[str]] = None) -> List[str]:
    """Write the long table (and the parameters) of the finished samples;
    returns the files written."""
    rf.require_samples()
    names = list(outcomes) if outcomes else list(rf.outcomes)
    rf.check_outcomes(names)
    d = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(d):
        raise AnalysisError("%s: the folder %s does not exist" % (out, d))
    if not os.access(d, os.W_OK):
        raise AnalysisError("%s: the folder %s is not writable" % (out, d))
    if fmt == "csv":
        return _csv(rf, names, out)
    if fmt == "netcdf":
        return _netcdf(rf, names, out)
    raise AnalysisError("unknown export format %r (choose csv or netcdf)" % fmt)
