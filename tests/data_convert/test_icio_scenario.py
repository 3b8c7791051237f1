"""The ICIO-size scenario end to end: a synthetic 76 x 45 table in the ICIO
layout -> tradewar-data from-icio -> configs/icio_synthetic.yaml run by the
engine (a few samples, 1 rank and 2 ranks).

Needs the built engine (TRADEWAR_BIN, set by ctest; MPIEXEC for the 2-rank run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))

from tradewar_data.dataset import derive, read_dir  # noqa: E402
from tradewar_data.synth import synth_dataset, write_synth  # noqa: E402

h5py = pytest.importorskip("h5py")
SAMPLES = 6


def _env():
    e = dict(os.environ)
    e.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
             OMPI_MCA_rmaps_base_oversubscribe="1")
    return e


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    bin_ = os.environ.get("TRADEWAR_BIN")
    if not bin_ or not os.access(bin_, os.X_OK):
        pytest.skip("TRADEWAR_BIN is not set: the scenario test needs the built engine")
    tmp = tmp_path_factory.mktemp("icio76")
    # the same steps as tools/make-icio-world.sh, through the launcher as users run it
    td = [sys.executable, os.path.join(ROOT, "analysis", "tradewar-data")]
    src = str(tmp / "table")
    r = subprocess.run(td + ["synth", "-N", "76", "-J", "45", "--seed", "1", "--inventories",
                             "-o", src], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    data = str(tmp / "icio76")
    r = subprocess.run(td + ["from-icio", os.path.join(src, "icio.csv"),
                             "--region-map", os.path.join(src, "regions.map.csv"),
                             "--sector-map", os.path.join(src, "sectors.map.csv"),
                             "--sectors", os.path.join(src, "SECTORS.csv"),
                             "--tariffs", os.path.join(src, "tariffs.csv"), "-o", data],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(ROOT, "configs", "icio_synthetic.yaml")) as f:
        text = f.read()
    text, k = re.subn(r"(?m)^data: .*$", f"data: {data}", text)
    assert k == 1
    cfg = str(tmp / "icio_synthetic.yaml")
    with open(cfg, "w") as f:
        f.write(text)
    outs = {}
    mpiexec = os.environ.get("MPIEXEC")
    runs = [("r1", [bin_])]
    if mpiexec and shutil.which(mpiexec):
        runs.append(("r2", [mpiexec, "-n", "2", bin_]))
    for name, cmd in runs:
        out = str(tmp / f"{name}.h5")
        r = subprocess.run(cmd + ["run", cfg, "-o", out, "-n", str(SAMPLES), "-q", "--force"],
                           env=_env(), capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        outs[name] = out
    return data, outs


def test_converted_world_is_icio_size(world):
    data, _ = world
    ds = read_dir(data)
    assert (ds.N, ds.J) == (76, 45)
    assert ds.regions[0] == "USA" and ds.regions[-1] == "ROW"
    assert ds.sectors.code[3] == "D07T08" and ds.sectors.critical[3] == 1
    # the converted data are the generator's world (inventory moves net out)
    src = synth_dataset(76, 45, seed=1)
    np.testing.assert_allclose(ds.Z, src.Z, rtol=1e-11, atol=1e-9)
    np.testing.assert_allclose(ds.gamma, src.gamma, rtol=1e-11, atol=1e-15)


def test_run_converges_and_matches_baseline(world):
    data, outs = world
    d = derive(read_dir(data))
    with h5py.File(outs["r1"], "r") as f:
        assert f.attrs["finished"] == 1
        assert f["status/converged"][:].tolist() == [1] * SAMPLES
        # the engine's baseline (C loader) = this package's independent derivation
        np.testing.assert_allclose(f["baseline/data/deficit"][:], d["D"], rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(f["baseline/data/value_added"][:], d["VA"], rtol=1e-9)
        n_out = 0
        for k, v in f["outputs"].items():
            if isinstance(v, h5py.Dataset) and v.dtype.kind == "f":   # not the label scales
                assert np.isfinite(v[:]).all(), k
                n_out += 1
        assert n_out >= 10
        # the war tariffs (>= +100 points both ways) cut China's exports to the US
        # and US-China trade in every sample
        assert (f["outputs/cn_exports_to_us_pct"][:] < -10).all()
        assert (f["outputs/us_cn_trade_pct"][:] < -10).all()


def test_ranks_bitwise(world):
    _, outs = world
    if "r2" not in outs:
        pytest.skip("MPIEXEC not set")
    with h5py.File(outs["r1"], "r") as a, h5py.File(outs["r2"], "r") as b:
        for k, v in a["outputs"].items():
            if isinstance(v, h5py.Dataset) and v.dtype.kind == "f":
                assert v[:].tobytes() == b["outputs"][k][:].tobytes(), k
        for k in a["summary"]:
            if isinstance(a["summary"][k], h5py.Group):
                assert a["summary"][k]["mean"][()].tobytes() == b["summary"][k]["mean"][()].tobytes()
