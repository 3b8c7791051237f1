"""tradewar-analyze sensitivity / regimes / compare --paired on real engine runs.

Each test runs the engine built here (TRADEWAR_BIN) on a small analytic
config, then checks the tool's numbers against the file or numpy.
"""

from __future__ import annotations

import os
import subprocess

import h5py
import numpy as np
import pytest

from conftest import _engine_cmd, _engine_env, run_cli


def _run(tmp_path, name, text, *extra):
    cfg = tmp_path / (name + ".yaml")
    cfg.write_text(text)
    out = str(tmp_path / (name + ".h5"))
    cmd = _engine_cmd()[-1:]  # serial: small runs
    r = subprocess.run(cmd + ["run", str(cfg), "-o", out, "-q", "--force"] + list(extra), env=_engine_env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return out


ISHIGAMI = "model: ishigami\nseed: 3\nsensitivity: {base_samples: 512, bootstrap: 100}\n"
SOBOL_G = "model: sobol_g\ncoefficients: [0, 1, 4.5]\nsamples: 800\nseed: 9\ndesign: %s\n%s"


def test_sensitivity_table_and_charts(tmp_path):
    path = _run(tmp_path, "ish", ISHIGAMI)
    r = run_cli("sensitivity", path, "--format", "csv", "-o", tmp_path / "plots")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("outcome,element,factor,members,S1,S1_low,S1_high,ST,ST_low,ST_high")
    rows = [ln.split(",") for ln in lines[1:]]
    assert len(rows) == 3
    with h5py.File(path, "r") as f:
        st = dict(zip([x.decode() for x in f["sensitivity/factor"][:]], f["sensitivity/y/ST"][:]))
        s1ci = dict(zip([x.decode() for x in f["sensitivity/factor"][:]], f["sensitivity/y/S1_ci"][:]))
    # sorted by ST, largest first, with the file's values
    assert [r_[2] for r_ in rows] == sorted(st, key=lambda k: -st[k])
    for r_ in rows:
        assert float(r_[7]) == pytest.approx(st[r_[2]], rel=1e-12)
        assert float(r_[5]) == pytest.approx(s1ci[r_[2]][0], rel=1e-12)
    assert os.path.getsize(tmp_path / "plots" / "sobol_y.png") > 5000


def test_sensitivity_refuses_plain_run(files):
    r = run_cli("sensitivity", files["ishigami"])
    assert r.returncode == 2
    assert "has no /sensitivity: not a run with a sensitivity: section" in r.stderr


def test_regimes_table(tmp_path):
    path = _run(tmp_path, "by", SOBOL_G % ("lhs", "parameters: {x1: {dist: bernoulli, p: 0.25}}\n"
                                               "summary: {by: [x1]}\n"))
    r = run_cli("regimes", path, "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = [ln.split(",") for ln in r.stdout.strip().splitlines()[1:]]
    with h5py.File(path, "r") as f:
        x, y = f["inputs/x1"][:], f["outputs/y"][:]
    assert [(r_[0], r_[1]) for r_ in rows] == [("x1", "0"), ("x1", "1")]
    for r_, v in zip(rows, (0.0, 1.0)):
        assert int(r_[2]) == int((x == v).sum())
        assert float(r_[5]) == pytest.approx(y[x == v].mean(), rel=1e-12)
        assert float(r_[8]) == pytest.approx(np.quantile(y[x == v], 0.95), rel=1e-12)


def test_paired_compare(tmp_path):
    # B differs from A in one distribution: same seed, design, samples, parameter list
    a = _run(tmp_path, "a", SOBOL_G % ("sobol", ""))
    b = _run(tmp_path, "b", SOBOL_G % ("sobol", "parameters: {x3: {dist: uniform, min: 0, max: 0.5}}\n"))
    r = run_cli("compare", "--paired", a, b, "--format", "csv")
    assert r.returncode == 0, r.stderr
    head, row = r.stdout.strip().splitlines()[:2]
    assert head == "outcome,element,pairs,mean_A,mean_B,diff,sem,ci95_low,ci95_high,sem_unpaired"
    v = row.split(",")
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        # common random numbers: x1 and x2 are the same sample by sample
        assert np.array_equal(fa["inputs/x1"][:], fb["inputs/x1"][:])
        d = fb["outputs/y"][:] - fa["outputs/y"][:]
    assert int(v[2]) == 800
    assert float(v[5]) == pytest.approx(d.mean(), rel=1e-9)
    assert float(v[6]) == pytest.approx(d.std(ddof=1) / np.sqrt(800), rel=1e-9)
    assert float(v[6]) < float(v[9])  # pairing removes the shared variance


def test_paired_refuses_unpaired(tmp_path):
    a = _run(tmp_path, "a", SOBOL_G % ("sobol", ""))
    c = _run(tmp_path, "c", SOBOL_G % ("sobol", ""), "--seed", "10")
    r = run_cli("compare", "--paired", a, c)
    assert r.returncode == 2
    assert ("are not paired: seed differs (9 vs 10); --paired needs two runs with the same seed, design, "
            "sample count and parameter list") in r.stderr
    d = _run(tmp_path, "d", SOBOL_G % ("lhs", ""))
    r = run_cli("compare", "--paired", a, d)
    assert r.returncode == 2 and "design differs (sobol vs lhs)" in r.stderr
    r = run_cli("compare", "--paired", a, a, d)
    assert r.returncode == 2 and "compare --paired needs exactly two files" in r.stderr
