"""`tradewar info --brief` and the resume hint, on a real engine file."""

import os
import re
import shutil
import subprocess

import h5py
import numpy as np

from conftest import HERE, _engine_env, engine_run


def info(path, *extra):
    r = subprocess.run([os.environ["TRADEWAR_BIN"], "info", path] + list(extra), env=_engine_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_brief_fits_a_screen_with_headlines(engine_tradewar):
    out = info(engine_tradewar, "--brief")
    lines = out.splitlines()
    assert len(lines) <= 30
    rows = {l.split()[0]: l for l in lines[lines.index(next(x for x in lines if x.startswith("headline outcome"))) + 1:-1]}
    assert list(rows)[:3] == ["leverage_pp", "welfare_pct[USA]", "welfare_pct[CHN]"]
    with h5py.File(engine_tradewar, "r") as f:
        regions = [r.decode() for r in f["region"][()]]
        for shown, (name, elem) in {"leverage_pp": ("leverage_pp", None),
                                    "welfare_pct[CHN]": ("welfare_pct", "CHN")}.items():
            g = f["summary"][name]
            k = () if elem is None else (regions.index(elem),)
            mean, q = g["mean"][()][k], g["quantiles"][()][k]
            lv = list(f["summary/quantile_levels"][()])
            want = "%9.4g  [%9.4g, %9.4g]  %-18s" % (mean, q[lv.index(0.05)], q[lv.index(0.95)],
                                                     g.attrs["units"].decode())
            assert want in rows[shown], (want, rows[shown])
            assert g.attrs["description"].decode()[:20] in rows[shown]


def test_resume_hint_repeats_the_options(tmp_path_factory):
    """The hint of an unfinished file is a command that resumes it: a run
    made with -n 128 (the config says 256) needs -n 128 to resume."""
    ref = engine_run(tmp_path_factory, "tradewar_small.yaml", 128, "n128.h5", probe=False)
    p = ref.replace("n128.h5", "unfinished.h5")
    shutil.copy(ref, p)
    with h5py.File(p, "r+") as f:
        f.attrs["finished"] = np.int64(0)
        bd = f["status/block_done"][()]
        bd[-1] = 0
        f["status/block_done"][...] = bd
    out = info(p)
    m = re.search(r"`(tradewar run CONFIG --resume [^`]*)`", out)
    assert m, out
    cmd = m.group(1)
    assert cmd.endswith(" -o %s -n 128 --seed 20250409 --design lhs" % p), cmd
    args = cmd.split()[1:]
    args[args.index("CONFIG")] = os.path.join(HERE, "tradewar_small.yaml")
    r = subprocess.run([os.environ["TRADEWAR_BIN"]] + args + ["-q"], env=_engine_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with h5py.File(p, "r") as f, h5py.File(ref, "r") as g:
        assert f.attrs["finished"] == 1
        assert np.array_equal(f["outputs/leverage_pp"][()], g["outputs/leverage_pp"][()], equal_nan=True)
