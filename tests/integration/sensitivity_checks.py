#!/usr/bin/python3
"""Engine checks of `sensitivity:`, `summary: {by: ...}` and `stop:` runs (ctest label "mpi").

    sensitivity_checks.py exact     Ishigami: /sensitivity layout, indices within 0.01 of the
                                    exact values, intervals containing them; a constant
                                    outcome gives NaN indices with status 1 and exit 0
    sensitivity_checks.py decomp    Sobol' G with a named group and an automatic group of
                                    correlated parameters: every dataset, /sensitivity
                                    included, bitwise equal for 1/2/3 ranks x 1/2 threads
    sensitivity_checks.py resume    kill -9 mid-run, --resume on 2 ranks x 2 threads:
                                    bitwise equal to the uninterrupted run
    sensitivity_checks.py cli       bad sensitivity input: exit 1 and file:line messages
    sensitivity_checks.py regimes   /summary_by per level equals numpy on the masked samples
                                    (count, mean, quantiles, histogram), has the datasets of
                                    /summary, is bitwise equal on 3 ranks x 2 threads, shows
                                    in `tradewar info`; bad `summary.by` exits 1 with file:line
    sensitivity_checks.py configsync configs/default_sensitivity.yaml is configs/default.yaml
                                    plus its sensitivity: section (no drift), and `tradewar check`
                                    accepts it (its groups name existing parameters)
    sensitivity_checks.py stop      stop on a target: stops at the first checkpoint (a doubling
                                    of blocks) whose prefix meets it (numpy on the prefixes), the
                                    file records it, summary = prefix, bitwise on 3 ranks x 2
                                    threads and after kill -9 + resume; the ceiling; a
                                    sensitivity run stopping on the widest ST interval; bad
                                    `stop:` input exits 1 with file:line

Environment: TRADEWAR, MPIEXEC and the Open MPI root flags (as engine_checks.py).
"""
import math
import os
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

TRADEWAR = os.environ["TRADEWAR"]
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
GROUPS = ("inputs", "outputs", "status", "summary", "sensitivity")

# Exact Ishigami indices, a = 7, b = 0.1 (the closed forms are in the unit test)
_a, _b = 7.0, 0.1
_V = _a**2 / 8 + _b * math.pi**4 / 5 + _b**2 * math.pi**8 / 18 + 0.5
_V1 = 0.5 * (1 + _b * math.pi**4 / 5) ** 2
_V2 = _a**2 / 8
_V13 = 8 * _b**2 * math.pi**8 / 225
ISHIGAMI_S1 = np.array([_V1, _V2, 0.0]) / _V
ISHIGAMI_ST = np.array([_V1 + _V13, _V2, _V13]) / _V


def run(args, ranks=1, threads=1, check=True, extra_env=None):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), **(extra_env or {}))
    cmd = [TRADEWAR] + args
    if ranks > 1:
        cmd = [MPIEXEC, "-n", str(ranks), "--oversubscribe", "--bind-to", "none"] + cmd
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        assert f.attrs["finished"] == 1, f"{path} not finished"
        for g in GROUPS:
            if g not in f:
                sys.exit(f"FAIL: {path} has no /{g}")

            def visit(name, obj, g=g):
                if isinstance(obj, h5py.Dataset):
                    a = obj[()]
                    if a.dtype.kind == "O":  # variable-length strings: the values
                        out[f"{g}/{name}"] = ("str", a.shape, a.tolist())
                    else:
                        out[f"{g}/{name}"] = (a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes())

            f[g].visititems(visit)
        for k, v in f["sensitivity"].attrs.items():
            out[f"sensitivity@{k}"] = repr(v)
    return out


def same(want, path, what):
    got = datasets(path)
    if got.keys() != want.keys():
        sys.exit(f"FAIL: {what}: datasets differ: {sorted(set(got) ^ set(want))}")
    bad = [k for k in want if got[k] != want[k]]
    if bad:
        sys.exit(f"FAIL: {what}: differs from the reference in {bad[:5]}")
    print(f"ok: {what}: bitwise equal ({len(want)} datasets)")


def check_exact():
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write(tmp, "ish.yaml", "model: ishigami\nseed: 11\n"
                    "sensitivity: {base_samples: 4096, bootstrap: 300, confidence: 0.95}\n")
        out = os.path.join(tmp, "ish.h5")
        p = run(["run", cfg, "-o", out])
        assert "sensitivity: 3 factors x 4096 base samples" in p.stderr, p.stderr
        with h5py.File(out, "r") as f:
            assert f.attrs["design"] == b"pick-freeze", f.attrs["design"]
            assert f.attrs["n_samples"] == 4096 * 5
            g = f["sensitivity"]
            assert [x.decode() for x in g["factor"][:]] == ["x1", "x2", "x3"]
            assert g.attrs["base_samples"] == 4096 and g.attrs["base_samples_used"] == 4096
            assert g.attrs["bootstrap"] == 300
            S1, ST = g["y/S1"][:], g["y/ST"][:]
            S1ci, STci = g["y/S1_ci"][:], g["y/ST_ci"][:]
            assert S1.shape == (3,) and S1ci.shape == (3, 2), (S1.shape, S1ci.shape)
            assert g["y/status"][()] == 0 and g["y/count"][()] == 4096
            # the factor dimension is a scale attached to the indices
            assert g["y/S1"].dims[0].label == "factor"
            assert g["y/S1"].dims[0][0].name == "/sensitivity/factor"
            for i in range(3):
                print(f"x{i + 1}: S1 {S1[i]:.4f} [{S1ci[i, 0]:.4f}, {S1ci[i, 1]:.4f}] exact "
                      f"{ISHIGAMI_S1[i]:.4f}; ST {ST[i]:.4f} [{STci[i, 0]:.4f}, {STci[i, 1]:.4f}] "
                      f"exact {ISHIGAMI_ST[i]:.4f}")
            assert np.all(np.abs(S1 - ISHIGAMI_S1) < 0.01), S1
            assert np.all(np.abs(ST - ISHIGAMI_ST) < 0.01), ST
            assert np.all((S1ci[:, 0] <= ISHIGAMI_S1) & (ISHIGAMI_S1 <= S1ci[:, 1])), S1ci
            assert np.all((STci[:, 0] <= ISHIGAMI_ST) & (ISHIGAMI_ST <= STci[:, 1])), STci
            # the rows are the pick-freeze matrices: AB_2 = A except x2, which is B's
            x = np.stack([f["inputs/x1"][:], f["inputs/x2"][:], f["inputs/x3"][:]], 1).reshape(4096, 5, 3)
            A, B, AB2 = x[:, 0], x[:, 1], x[:, 3]
            assert np.array_equal(AB2[:, [0, 2]], A[:, [0, 2]]) and np.array_equal(AB2[:, 1], B[:, 1])
        print("ok: Ishigami indices within 0.01 of the exact values, intervals contain them")

        # y = 7 sin^2(0) + sin(0)(1 + 0.1 x3^4) = 0 for every x3: a constant outcome
        cfg = write(tmp, "const.yaml", "model: ishigami\nparameters: {x1: 0.0, x2: 0.0}\n"
                    "sensitivity: {base_samples: 64, bootstrap: 50}\n")
        out = os.path.join(tmp, "const.h5")
        run(["run", cfg, "-o", out, "-q"])
        with h5py.File(out, "r") as f:
            g = f["sensitivity/y"]
            assert g["status"][()] == 1, g["status"][()]
            assert np.all(np.isnan(g["S1"][:])) and np.all(np.isnan(g["ST_ci"][:]))
            assert [x.decode() for x in f["sensitivity/factor"][:]] == ["x3"]
        print("ok: a constant outcome gives NaN indices flagged with status 1, exit 0")


def check_decomp():
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write(tmp, "g.yaml", """model: sobol_g
coefficients: [0, 1, 4.5, 9, 99, 99, 99, 99]
seed: 5
block_size: 64
correlation: [{params: [x3, x4], rho: 0.3}]
sensitivity:
  base_samples: 256
  bootstrap: 100
  groups: {small: ["x[5-8]"]}
""")
        ref = os.path.join(tmp, "ref.h5")
        p = run(["run", cfg, "-o", ref])
        assert "correlated parameters x3, x4 form one factor 'x*'" in p.stderr, p.stderr
        with h5py.File(ref, "r") as f:
            labels = [x.decode() for x in f["sensitivity/factor"][:]]
            assert labels == ["x1", "x2", "x*", "small"], labels
            # blocks of whole base samples: 8 base samples x (4 + 2) rows
            assert f.attrs["block_size"] == 48, f.attrs["block_size"]
        want = datasets(ref)
        for ranks, threads in ((2, 1), (3, 1), (1, 2), (3, 2)):
            out = os.path.join(tmp, f"r{ranks}t{threads}.h5")
            run(["run", cfg, "-o", out, "-q"], ranks, threads)
            same(want, out, f"{ranks} rank(s) x {threads} thread(s)")
        # the trade model (outcomes of 14 elements): the pass holds as many
        # whole columns at once as its budget allows; a budget of 1 byte
        # (one column per thread at a time) gives the same file
        root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                             ".."))
        text = open(os.path.join(root, "configs", "default_sensitivity.yaml")).read()
        os.symlink(os.path.join(root, "configs", "data"), os.path.join(tmp, "data"))
        text = text.replace("  base_samples: 4096", "  base_samples: 16")
        cfg = write(tmp, "tw.yaml", text)
        ref = os.path.join(tmp, "tw_ref.h5")
        run(["run", cfg, "-o", ref, "-q"])
        want = datasets(ref)
        out = os.path.join(tmp, "tw_small.h5")
        run(["run", cfg, "-o", out, "-q"], 2, 2, extra_env={"TW_SENS_BUDGET": "1"})
        same(want, out, "trade model, 2 ranks x 2 threads, a column per thread at a time")


def kill_after_blocks(cfg, out, blocks, poll):
    """Runs `tradewar run cfg -o out` (1 rank, 1 thread) and kills it (SIGKILL)
    once the file records `blocks` finished blocks, or after 60 s, or when it
    ends by itself; returns (blocks done, blocks in all) as the file last read
    said (0, 0 if it was never readable)."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.Popen([TRADEWAR, "run", cfg, "-o", out, "-q"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0, done, nb = time.time(), 0, 0
    while time.time() - t0 < 60 and p.poll() is None:
        time.sleep(poll)
        try:
            with h5py.File(out, "r") as f:
                done = int(f["status/block_done"][:].sum())
                nb = len(f["status/block_done"])
        except (OSError, KeyError):
            continue
        if done >= blocks:
            break
    p.send_signal(signal.SIGKILL)
    p.wait()
    return done, nb


def check_resume():
    with tempfile.TemporaryDirectory() as tmp:
        # 1024 x 5 = 5120 samples at 0.2 ms: about 1 s serial (64 blocks of 80)
        cfg = write(tmp, "slow.yaml", "model: ishigami\nseed: 3\ncost_us: 200\nblock_size: 80\n"
                    "sensitivity: {base_samples: 1024, bootstrap: 100}\n")
        ref = os.path.join(tmp, "ref.h5")
        run(["run", cfg, "-o", ref, "-q"], 2, 1)
        want = datasets(ref)
        out = os.path.join(tmp, "killed.h5")
        done, nb = kill_after_blocks(cfg, out, 10, 0.2)
        assert 0 < done < nb, f"the run was not caught mid-way ({done} blocks)"
        print(f"ok: killed with {done}/{nb} blocks done")
        run(["run", cfg, "-o", out, "--resume", "-q"], 2, 2)
        same(want, out, "killed and resumed on 2 ranks x 2 threads")


def check_cli():
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            ("model: ishigami\nsensitivity:\n  base_samples: 100\n", [],
             "bad.yaml:3: key 'sensitivity.base_samples': must be a power of two (Sobol' nets), "
             "got 100; try 64 or 128"),
            ("model: ishigami\nsensitivity:\n  base_samples: 64\n  groups: {g: [x1], h: [x1]}\n",
             [], "bad.yaml:4: key 'sensitivity.groups.h': parameter 'x1' is already in group 'g' "
             "(groups may not overlap)"),
            ("model: ishigami\nsensitivity:\n  base_samples: 64\n  groups: {g: [z]}\n", [],
             "bad.yaml:4: key 'sensitivity.groups.g': 'z' names no parameter of this model"),
            ("model: ishigami\nsensitivity: {base_samples: 64}\n", ["-n", "100"],
             "error: -n cannot be used with a sensitivity: config (set sensitivity.base_samples)"),
            ("model: ishigami\nsensitivity: {base_samples: 64}\n", ["--design", "lhs"],
             "error: --design lhs cannot be used with a sensitivity: config (it uses the sobol "
             "pick-freeze design)"),
        ]
        for text, extra, want in cases:
            cfg = write(tmp, "bad.yaml", text)
            out = os.path.join(tmp, "bad.h5")
            p = run(["run", cfg, "-o", out, "-q"] + extra, check=False)
            assert p.returncode == 1, (p.returncode, p.stderr)
            assert want in p.stderr, f"want {want!r} in {p.stderr!r}"
            assert len(p.stderr.strip().splitlines()) == 1, p.stderr
            assert not os.path.exists(out), "a refused run left a file"
            print(f"ok: exit 1: {want}")


def check_regimes():
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write(tmp, "by.yaml", """model: sobol_g
coefficients: [0, 1, 4.5]
samples: 1500
block_size: 128
design: lhs
parameters:
  x1: {dist: bernoulli, p: 0.3}
  x2: {dist: discrete, values: [0.9, 0.25, 0.5], weights: [2, 1, 1]}
summary:
  by: [x1, x2]
""")
        ref = os.path.join(tmp, "ref.h5")
        run(["run", cfg, "-o", ref, "-q"])
        with h5py.File(ref, "r") as f:
            y = f["outputs/y"][:]
            assert sorted(f["summary_by"]) == ["x1", "x2"]
            for p, levels in (("x1", [0.0, 1.0]), ("x2", [0.25, 0.5, 0.9])):
                x = f[f"inputs/{p}"][:]
                names = sorted(f[f"summary_by/{p}"], key=float)
                assert [float(n) for n in names] == levels, names
                assert sum(int((x == v).sum()) for v in levels) == len(x)
                for name, v in zip(names, levels):
                    g = f[f"summary_by/{p}/{name}"]
                    sel = y[x == v]
                    assert g.attrs["value"] == v and g.attrs["n_samples"] == len(sel)
                    o = g["y"]
                    assert set(o) == set(f["summary/y"]), (set(o), set(f["summary/y"]))
                    assert o["count"][()] == len(sel)
                    assert abs(o["mean"][()] - sel.mean()) <= 1e-12 * max(1, abs(sel.mean()))
                    assert abs(o["std"][()] - sel.std(ddof=1)) <= 1e-12 * max(1, sel.std())
                    q = np.quantile(sel, f["summary/quantile_levels"][:])
                    assert np.array_equal(o["quantiles"][:], q), (o["quantiles"][:], q)
                    h, e = np.histogram(sel, 40)
                    assert np.array_equal(o["hist_counts"][:], h)
                    print(f"ok: {p} = {v}: {len(sel)} samples, mean {sel.mean():.4f}, quantiles "
                          f"and histogram equal numpy's")
        want = {k: v for k, v in datasets_by(ref).items()}
        out = os.path.join(tmp, "r3t2.h5")
        run(["run", cfg, "-o", out, "-q"], 3, 2)
        got = datasets_by(out)
        assert got == want, "3 ranks x 2 threads differ in /summary_by"
        print(f"ok: /summary_by bitwise equal on 3 ranks x 2 threads ({len(want)} datasets)")
        # the streaming pass with buffers of 2 values and slabs of 5 rows (the
        # many-sweep selection for every (column, level))
        out = os.path.join(tmp, "tiny.h5")
        run(["run", cfg, "-o", out, "-q"], 2, 2,
            extra_env={"TW_SUMMARY_CAP": "2", "TW_SUMMARY_SLAB_ROWS": "5"})
        assert datasets_by(out) == want, "tiny summary buffers differ in /summary_by"
        print("ok: /summary_by bitwise equal with 2-value buffers and 5-row slabs")
        info = subprocess.run([TRADEWAR, "info", ref], capture_output=True, text=True).stdout
        assert "by regime of x1" in info and "x1 = 1: " in info and "x2 = 0.25: " in info, info
        print("ok: tradewar info shows the levels")
        cases = [
            ("summary: {by: [x3]}\n", "bad.yaml:5: key 'summary.by': 'x3' is continuous (uniform): "
             "only bernoulli and discrete parameters split the samples into regimes"),
            ("summary: {by: [x2, zz]}\n", "bad.yaml:5: key 'summary.by': unknown parameter 'zz'"),
            ("summary: {by: [x1]}\n", "bad.yaml:5: key 'summary.by': 'x1' is constant: only "
             "bernoulli and discrete parameters split the samples into regimes"),
            ("summary: {by: []}\n", "bad.yaml:5: key 'summary.by': expected a non-empty list of "
             "Bernoulli or discrete parameters, e.g. [deal, pause_expires]"),
        ]
        for extra, msg in cases:
            bad = write(tmp, "bad.yaml", "model: sobol_g\ncoefficients: [0, 1, 4.5]\nsamples: 10\n"
                        "parameters: {x1: 1, x2: {dist: bernoulli, p: 0.5}}\n" + extra)
            p = run(["run", bad, "-o", os.path.join(tmp, "bad.h5"), "-q"], check=False)
            assert p.returncode == 1 and msg in p.stderr, (p.returncode, p.stderr, msg)
            print(f"ok: exit 1: {msg}")


def check_stop():
    with tempfile.TemporaryDirectory() as tmp:
        text = ("model: ishigami\nsamples: 100000\nblock_size: 256\nseed: 4\ndesign: lhs\n"
                "stop: {outcome: y, sem: 0.05}\n")
        cfg = write(tmp, "stop.yaml", text)
        ref = os.path.join(tmp, "ref.h5")
        run(["run", cfg, "-o", ref, "-q"])
        with h5py.File(ref, "r") as f:
            used = int(f.attrs["samples_used"])
            assert f.attrs["stop_reason"] == b"target" and f.attrs["stop_rule"] == b"sem(y) <= 0.05"
            y = f["outputs/y"][:]
            # the first checkpoint (2, 4, 8, ... blocks) whose prefix meets the target
            sems = {c: y[:c * 256].std(ddof=1) / math.sqrt(c * 256) for c in (2, 4, 8, 16, 32, 64)}
            first = min(c for c, e in sems.items() if e <= 0.05)
            assert used == first * 256, (used, sems)
            assert abs(f.attrs["stop_achieved"] - sems[first]) < 1e-12
            assert f.attrs["stop_achieved"] == f["summary/y/sem"][()]
            assert f["summary/y/count"][()] == used == f.attrs["n_converged"]
            assert np.all(np.isnan(y[used:])) and not f["status/converged"][used:].any()
            assert f["status/block_done"][:].sum() == used // 256
        print(f"ok: stopped after {used} samples (sem {sems[first]:.4f} <= 0.05; at "
              f"{used // 2} it was {sems[first // 2]:.4f})")
        want = datasets_nosens(ref)
        out = os.path.join(tmp, "r3t2.h5")
        run(["run", cfg, "-o", out, "-q"], 3, 2)
        assert datasets_nosens(out) == want, "3 ranks x 2 threads stop elsewhere"
        print("ok: the same stop point and file on 3 ranks x 2 threads")

        # kill -9 during the run, resume on 2 ranks: same stop point, same file
        slow = write(tmp, "slow.yaml", text.replace("block_size: 256", "block_size: 256\ncost_us: 150"))
        ref2 = os.path.join(tmp, "ref2.h5")
        run(["run", slow, "-o", ref2, "-q"], 2, 1)
        want2 = datasets_nosens(ref2)
        out = os.path.join(tmp, "killed.h5")
        done, _ = kill_after_blocks(slow, out, 5, 0.1)
        assert 0 < done < used // 256, f"not caught mid-way ({done} blocks)"
        run(["run", slow, "-o", out, "--resume", "-q"], 2, 1)
        assert datasets_nosens(out) == want2, "killed and resumed: differs"
        print(f"ok: killed after {done} blocks, resumed: same stop point, bitwise equal")

        # an unreachable target: the ceiling
        cfg = write(tmp, "ceil.yaml", "model: ishigami\nsamples: 3000\nblock_size: 256\n"
                    "stop: {outcome: y, rel_sem: 0.0001}\n")
        out = os.path.join(tmp, "ceil.h5")
        run(["run", cfg, "-o", out, "-q"])
        with h5py.File(out, "r") as f:
            assert f.attrs["stop_reason"] == b"ceiling" and f.attrs["samples_used"] == 3000
            rel = f["summary/y/sem"][()] / abs(f["summary/y/mean"][()])
            assert abs(f.attrs["stop_achieved"] - rel) < 1e-15
        print("ok: an unreachable target runs to the ceiling and records the achieved error")

        # sensitivity: stop when the widest ST interval is below 0.1
        cfg = write(tmp, "ss.yaml", "model: ishigami\nseed: 4\n"
                    "sensitivity: {base_samples: 16384, bootstrap: 200}\n"
                    "stop: {outcome: y, index: ST, width: 0.1}\n")
        out = os.path.join(tmp, "ss.h5")
        run(["run", cfg, "-o", out, "-q"])
        with h5py.File(out, "r") as f:
            used = int(f.attrs["samples_used"])
            nb = int(f["sensitivity"].attrs["base_samples_used"])
            assert f.attrs["stop_reason"] == b"target" and used == nb * 5 and nb < 16384
            assert nb & (nb - 1) == 0, nb
            widest = np.diff(f["sensitivity/y/ST_ci"][:], axis=1).max()
            assert widest == f.attrs["stop_achieved"] <= 0.1
        print(f"ok: sensitivity run stopped at {nb} base samples (widest ST interval {widest:.4f})")

        cases = [
            ("stop: {outcome: z, sem: 0.1}\n", "bad.yaml:3: key 'stop.outcome': unknown outcome 'z' "
             "(valid: y)"),
            ("stop: {outcome: y, sem: -0.1}\n", "bad.yaml:3: key 'stop.sem': the target must be a "
             "positive number, got -0.1"),
            ("stop: {outcome: y, sem: 0.1, rel_sem: 0.1}\n", "bad.yaml:3: key 'stop': give exactly "
             "one target: 'sem' or 'rel_sem' (or 'width' for a sensitivity run)"),
            ("stop: {outcome: y, width: 0.1}\n", "bad.yaml:3: key 'stop.width': 'width' (of a Sobol' "
             "index interval) needs a sensitivity: section; use 'sem' or 'rel_sem'"),
        ]
        for extra, msg in cases:
            bad = write(tmp, "bad.yaml", "model: ishigami\nsamples: 100\n" + extra)
            p = run(["run", bad, "-o", os.path.join(tmp, "bad.h5"), "-q"], check=False)
            assert p.returncode == 1 and msg in p.stderr, (p.returncode, p.stderr, msg)
            print(f"ok: exit 1: {msg}")


def check_configsync():
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    base = open(os.path.join(root, "configs", "default.yaml")).read().splitlines()
    sens = open(os.path.join(root, "configs", "default_sensitivity.yaml")).read().splitlines()
    # drop the header comment before the first line of default.yaml, and the tail section
    start = sens.index(base[0])
    end = next(i for i, ln in enumerate(sens) if ln.startswith("# CHANGED: the sensitivity analysis"))
    body = [ln for ln in sens[start:end] if "# CHANGED" not in ln]
    want = [ln for ln in base if not ln.startswith(("samples:", "design:", "output:"))]
    while body and not body[-1].strip():
        body.pop()
    while want and not want[-1].strip():
        want.pop()
    if body != want:
        import difflib
        sys.exit("FAIL: configs/default_sensitivity.yaml drifted from configs/default.yaml:\n" +
                 "\n".join(list(difflib.unified_diff(want, body, lineterm=""))[:30]))
    p = run(["check", os.path.join(root, "configs", "default_sensitivity.yaml")], check=False)
    assert p.returncode == 0, p.stderr
    print("ok: default_sensitivity.yaml = default.yaml + its sensitivity: section; check passes")


def datasets_nosens(path):
    out = {}
    with h5py.File(path, "r") as f:
        assert f.attrs["finished"] == 1
        for g in ("inputs", "outputs", "status", "summary"):
            def visit(name, obj, g=g):
                if isinstance(obj, h5py.Dataset):
                    out[f"{g}/{name}"] = np.ascontiguousarray(obj[()]).tobytes()
            f[g].visititems(visit)
        for k in ("stop_reason", "samples_used", "stop_achieved", "n_converged"):
            out["@" + k] = repr(f.attrs[k])
    return out


def datasets_by(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = np.ascontiguousarray(obj[()]).tobytes()
        f["summary_by"].visititems(visit)
    return out


if __name__ == "__main__":
    {"exact": check_exact, "decomp": check_decomp, "resume": check_resume,
     "cli": check_cli, "regimes": check_regimes, "stop": check_stop,
     "configsync": check_configsync}[sys.argv[1]]()
