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

from conftest import HERE, _engine_cmd

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
    # /history: parallel 1-D columns along `start`, text decoded as str
    with h5py.File(engine_tradewar, "r") as f:
        h = f["history"]
        want = {k: [str(x) for x in (h[k].asstr()[()] if h5py.check_string_dtype(h[k].dtype) else h[k][()]).tolist()]
                for k in ("exit_reason", "mpi_ranks", "blocks_at_end", "started")}
        n_blocks = int(f.attrs["n_blocks"])
    assert tw["history"]["history_dims"] == ["start"] and tw["history"]["coords"]["start"] == ["0"]
    assert tw["history"]["history"] == want
    assert want["exit_reason"] == ["complete"] and want["blocks_at_end"] == [str(n_blocks)]
    cmd = _engine_cmd()  # mpiexec -n 2 ... or the program alone
    assert want["mpi_ranks"] == [cmd[cmd.index("-n") + 1] if "-n" in cmd else "1"]


def test_history_reads_with_pandas(engine_ishigami):
    """tradewar-analyze gives /history as a DataFrame, equal to what xarray's
    to_dataframe() makes of the group (both engines)."""
    pytest.importorskip("xarray")
    import xarray as xr
    from tradewar_analysis.loader import ResultFile

    with ResultFile(engine_ishigami) as rf:
        df = rf.history()
    assert list(df.index) == [0] and df.index.name == "start"
    assert df["exit_reason"].tolist() == ["complete"] and df["exit_status"].tolist() == [0]
    assert df["blocks_at_start"].tolist() == [0]
    assert df["cpu_seconds"].iloc[0] > 0 and df["max_rss_bytes"].iloc[0] > 1 << 20
    for engine in ENGINES:
        pytest.importorskip("netCDF4" if engine == "netcdf4" else "h5netcdf")
        with xr.open_dataset(engine_ishigami, group="history", engine=engine) as ds:
            xf = ds.to_dataframe()
        assert list(xf.index) == [0]
        for col in ("exit_reason", "hosts", "started", "mpi_ranks", "blocks_at_end", "cpu_seconds"):
            assert xf[col].tolist() == df[col].tolist(), (engine, col)


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
