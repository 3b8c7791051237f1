"""Every common reader opens a real engine file (format 1.1).

For each xarray engine (netcdf4 = netCDF-C, h5netcdf) a child process opens
every group of a file the engine wrote with two MPI ranks (open_groups.py);
a crash of the reader (netCDF-C segfaulted on format 1.0's fixed-length
labels) is a failure here, not of pytest. Asserted: every group opens, every
dimension of every variable has a coordinate, labels are text equal to the
file's, and ``.sel(region="USA")`` picks the USA column.
"""

import json
import os
import signal
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import HERE

ENGINES = ("netcdf4", "h5netcdf")


def _groups(path):
    out = [""]
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.append(n) if isinstance(o, h5py.Group) else None)
    return out


def open_all(engine, *paths):
    """Records of open_groups.py, one per group; fails on a crash."""
    pytest.importorskip("xarray")
    pytest.importorskip("netCDF4" if engine == "netcdf4" else "h5netcdf")
    r = subprocess.run([sys.executable, os.path.join(HERE, "open_groups.py"), engine] + list(paths),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
    recs = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0:
        how = ("killed by %s" % signal.Signals(-r.returncode).name if r.returncode < 0
               else "exit %d" % r.returncode)
        last = recs[-1]["group"] if recs else "(none)"
        pytest.fail("xarray/%s %s after group %r of %s\n%s" % (engine, how, last, paths, r.stderr[-2000:]))
    return recs


@pytest.mark.parametrize("engine", ENGINES)
def test_every_group_opens_labelled(engine, engine_tradewar, engine_ishigami):
    recs = open_all(engine, engine_tradewar, engine_ishigami)
    for path in (engine_tradewar, engine_ishigami):
        got = [r["group"] for r in recs if r["file"] == path]
        assert got == _groups(path), "not every group was opened"
    for r in recs:
        assert r["bare_dims"] == [], "%s:/%s: dimensions without coordinates %s" % (r["file"], r["group"], r["bare_dims"])
    with h5py.File(engine_tradewar, "r") as f:
        assert f.attrs["format_version"].decode() == "1.1"
        labels = {d: [x.decode("utf-8") for x in f[d][()]] for d in ("region", "sector", "partner")}
        usa = labels["region"].index("USA")
        want_usa = f["outputs/welfare_pct"][:5, usa]
        for d in labels:  # variable-length UTF-8 strings
            t = h5py.check_string_dtype(f[d].dtype)
            assert t is not None and t.length is None and t.encoding == "utf-8", d
    tw = {r["group"]: r for r in recs if r["file"] == engine_tradewar}
    for g in ("", "outputs", "baseline/data", "baseline/central/outputs", "summary/output_pct"):
        for d, want in labels.items():
            if d in tw[g]["coords"]:
                assert tw[g]["coords"][d] == want, (g, d)
                assert tw[g]["coord_types"][d] == "str", (g, d)
    assert set(labels) <= set(tw["outputs"]["coords"])
    assert {"region", "sector", "quantile_levels", "bin", "bin_edge"} <= set(tw["summary/output_pct"]["coords"])
    assert tw["status"]["coords"]["block"] == [str(i) for i in range(4)]
    assert tw["inputs"]["coords"]["sample"] == [str(i) for i in range(256)]
    # scales are coordinates, not variables
    assert "sample" not in tw["outputs"]["vars"] and "welfare_pct" in tw["outputs"]["vars"]
    assert tw["outputs"]["welfare_usa_dims"] == ["sample"]
    assert np.array_equal(np.array(tw["outputs"]["welfare_usa"]), want_usa)


def test_format_1_0_labels_still_read(files):
    """tradewar-analyze reads format 1.0 files (fixed-length labels in the root only)."""
    from tradewar_analysis.loader import ResultFile

    with h5py.File(files["tradewar"], "r") as f:
        assert f.attrs["format_version"].decode() == "1.0"
        assert f["region"].dtype.kind == "S"
    with ResultFile(files["tradewar"]) as rf:
        info = rf.info("output_pct")
        assert info.dims == ("region", "sector")
        assert info.labels[0][0] == "USA"
        assert "sample" not in rf.outcomes and "region" not in rf.outcomes
