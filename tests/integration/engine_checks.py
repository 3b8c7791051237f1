#!/usr/bin/python3
"""Engine checks that need real runs (ctest label "mpi").

    engine_checks.py decomp CONFIG DESIGN   same file for 1/2/3 ranks x 1/2 threads (and tiny
                                            summary-pass buffers)
    engine_checks.py ishigami               mean and variance within 3 SE of the truth
    engine_checks.py sobol_g                mean and variance of the G function
    engine_checks.py designs                LHS and Sobol beat MC over repeated seeds
    engine_checks.py cli                    exit codes and messages of bad invocations
    engine_checks.py diskfull               a too small file system: exit 2 before any work
    engine_checks.py nonconv CONFIG         failed samples are flagged, counted, left out of the summary

Environment: TRADEWAR (the binary), MPIEXEC, and the Open MPI root flags.
Every check asserts a property that a wrong engine would violate; nothing is
compared with stored numbers.
"""
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

TRADEWAR = os.environ["TRADEWAR"]
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
GROUPS = ("inputs", "outputs", "status", "summary")


def run(args, ranks=1, threads=1, check=True, extra_env=None):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), **(extra_env or {}))
    cmd = [TRADEWAR] + args
    if ranks > 1:
        cmd = [MPIEXEC, "-n", str(ranks), "--oversubscribe", "--bind-to", "none"] + cmd
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def datasets(path):
    """All datasets under the compared groups, as raw bytes (bitwise compare)."""
    out = {}
    with h5py.File(path, "r") as f:
        # /summary_by too where the config asks for it (tradewar_small.yaml)
        for g in GROUPS + (("summary_by",) if "summary_by" in f else ()):
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
        assert f.attrs["finished"] == 1, f"{path} not finished"
    return out


def check_decomp(config, design):
    with tempfile.TemporaryDirectory() as tmp:
        ref = os.path.join(tmp, "ref.h5")
        run(["run", config, "-o", ref, "-q", "--design", design])
        want = datasets(ref)
        assert len(want) > 5
        # the last: the summary pass with buffers of 3 values and slabs of 7
        # rows (every column summarised by the many-sweep selection path)
        tiny = {"TW_SUMMARY_CAP": "3", "TW_SUMMARY_SLAB_ROWS": "7"}
        # rank 0's share of the by-regime pass's columns: on so few samples
        # its write outweighs its share and it takes none (tw_summary_split);
        # given W / C = 0.2, 3 ranks take 20 %, 40 %, 40 % of the columns' estimated
        # cost (tw_summary_split_w)
        share = {"TW_SUMMARY_WRITE_SHARE": "0.2"}
        for ranks, threads, env in ((2, 1, None), (3, 1, None), (1, 2, None), (2, 2, None),
                                    (3, 2, None), (2, 2, tiny), (3, 1, share)):
            tag = "" if not env else "tiny" if env is tiny else "share"
            out = os.path.join(tmp, f"r{ranks}t{threads}{tag}.h5")
            run(["run", config, "-o", out, "-q", "--design", design], ranks, threads,
                extra_env=env)
            got = datasets(out)
            if got.keys() != want.keys():
                sys.exit(f"FAIL: datasets differ: {sorted(set(got) ^ set(want))}")
            bad = [k for k in want if got[k] != want[k]]
            if bad:
                sys.exit(f"FAIL: {ranks} ranks x {threads} threads differ from 1 x 1 in {bad[:5]}")
            with h5py.File(out, "r") as f:
                assert f.attrs["mpi_ranks"] == ranks and f.attrs["omp_threads"] == threads
            print(f"ok: {design}: {ranks} rank(s) x {threads} thread(s)"
                  f"{'' if not env else ' (tiny summary buffers)' if env is tiny else ' (W/C 0.2)'}"
                  f" bitwise equal "
                  f"({len(want)} datasets)")


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path


def moments_check(y, mean, var, label):
    n = len(y)
    m = y.mean()
    s2 = y.var(ddof=1)
    se_m = math.sqrt(s2 / n)
    m4 = np.mean((y - m) ** 4)
    se_v = math.sqrt(max(m4 - s2 * s2, 0) / n)
    zm, zv = (m - mean) / se_m, (s2 - var) / se_v
    print(f"{label}: mean {m:.5f} (truth {mean:.5f}, z = {zm:+.2f}), "
          f"variance {s2:.5f} (truth {var:.5f}, z = {zv:+.2f})")
    if abs(zm) > 3 or abs(zv) > 3:
        sys.exit(f"FAIL: {label}: estimate more than 3 standard errors from the truth")


def check_ishigami():
    a, b = 7.0, 0.1
    mean = a / 2
    var = a * a / 8 + b * math.pi ** 4 / 5 + b * b * math.pi ** 8 / 18 + 0.5
    assert abs(var - 13.8446) < 1e-4
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write(tmp, "i.yaml", "model: ishigami\nsamples: 20000\nseed: 11\ndesign: mc\n")
        out = os.path.join(tmp, "i.h5")
        run(["run", cfg, "-o", out, "-q"], 2, 1)
        with h5py.File(out, "r") as f:
            y = f["outputs/y"][()]
            s = f["summary/y"]
            # the file's summary is the statistics of the stored samples
            assert np.isclose(s["mean"][()], y.mean(), rtol=1e-12, atol=0)
            assert np.isclose(s["std"][()], y.std(ddof=1), rtol=1e-12)
            q = np.quantile(y, f["summary/quantile_levels"][()])
            assert np.allclose(s["quantiles"][()], q, rtol=1e-12, atol=1e-12)
            assert s["count"][()] == 20000 and s["hist_counts"][()].sum() == 20000
            x1 = f["inputs/x1"][()]
            assert x1.min() >= -math.pi and x1.max() <= math.pi
        moments_check(y, mean, var, "ishigami (mc, 20000)")


def check_sobol_g():
    a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0]
    var = np.prod([1 + 1 / (3 * (1 + ai) ** 2) for ai in a]) - 1
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write(tmp, "g.yaml", f"model: sobol_g\ncoefficients: {a}\nsamples: 20000\n"
                    "seed: 5\ndesign: mc\n")
        out = os.path.join(tmp, "g.h5")
        run(["run", cfg, "-o", out, "-q"], 1, 2)
        with h5py.File(out, "r") as f:
            y = f["outputs/y"][()]
        moments_check(y, 1.0, var, "sobol_g (mc, 20000)")


def check_designs():
    """Over repeated seeds, the error of the mean is smaller for LHS and Sobol
    than for MC (Ishigami, n = 1024)."""
    mean = 3.5
    err = {}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write(tmp, "d.yaml", "model: ishigami\nsamples: 1024\nblock_size: 128\n")
        for design in ("mc", "lhs", "sobol"):
            e = []
            for seed in range(1, 13):
                out = os.path.join(tmp, f"{design}{seed}.h5")
                run(["run", cfg, "-o", out, "-q", "--design", design, "--seed", str(seed)])
                with h5py.File(out, "r") as f:
                    e.append(f["summary/y/mean"][()] - mean)
            err[design] = math.sqrt(np.mean(np.square(e)))
    print("RMS error of the mean over 12 seeds, n = 1024: " +
          ", ".join(f"{d} {v:.4f}" for d, v in err.items()))
    if not (err["lhs"] < err["mc"] and err["sobol"] < err["mc"]):
        sys.exit("FAIL: LHS and Sobol should beat MC")


def check_cli():
    with tempfile.TemporaryDirectory() as tmp:
        good = write(tmp, "ok.yaml", "model: ishigami\nsamples: 100\nblock_size: 32\n")
        bad = write(tmp, "bad.yaml", "model: ishigami\nsamples: 100\nparameters:\n"
                    "  x1: {dist: beta, a: -1, b: 2}\n")
        cases = [
            (["run"], 1, "CONFIG"),
            (["frobnicate"], 1, "unknown command"),
            (["run", good, "--design", "grid"], 1, "--design"),
            (["run", good, "-n", "0"], 1, "-n"),
            (["run", bad, "-o", os.path.join(tmp, "b.h5")], 1, "bad.yaml:4"),
            (["check", bad], 1, "parameters.x1"),
            (["solve", good, "--set", "x9=1"], 1, "unknown parameter"),
            (["solve", good, "--set", "x1=abc"], 1, "finite number"),
            (["info", os.path.join(tmp, "none.h5")], 1, "no such file"),
            (["info", good], 2, "not an HDF5 file"),
            (["run", good, "-o", "/proc/forbidden/x.h5"], 2, "x.h5"),
        ]
        for args, code, frag in cases:
            p = run(args, check=False)
            if p.returncode != code or frag not in p.stderr:
                sys.exit(f"FAIL: tradewar {' '.join(args)}: exit {p.returncode} (want {code}), "
                         f"stderr: {p.stderr!r} should contain {frag!r}")
            assert "Traceback" not in p.stderr and "Segmentation" not in p.stderr
        assert not os.path.exists(os.path.join(tmp, "b.h5")), "a failed run left a file behind"
        # an existing result is never overwritten without --force
        out = os.path.join(tmp, "r.h5")
        run(["run", good, "-o", out, "-q"])
        before = open(out, "rb").read()
        p = run(["run", good, "-o", out, "-q"], check=False)
        assert p.returncode == 1 and "--force" in p.stderr, p.stderr
        assert open(out, "rb").read() == before, "existing file was modified"
        run(["run", good, "-o", out, "-q", "--force"])
        # --resume on a finished file of the same run: a no-op, file untouched
        before = open(out, "rb").read()
        p = run(["run", good, "-o", out, "--resume"], check=False)
        assert p.returncode == 0 and "already finished" in p.stderr, p.stderr
        assert open(out, "rb").read() == before, "a finished file was modified by --resume"
        p = run(["info", out])
        assert "finished" in p.stdout and "100/100 samples" in p.stdout, p.stdout
        # fewer samples than one block, into a directory that does not exist yet
        small = os.path.join(tmp, "new", "dir", "s.h5")
        run(["run", good, "-o", small, "-q", "-n", "7"])
        with h5py.File(small, "r") as f:
            assert f.attrs["finished"] == 1 and f["outputs/y"].shape == (7,)
            assert f["status/converged"][()].sum() == 7
        p = run(["solve", good, "--set", "x1=1.5707963267948966", "--set", "x2=0", "--set", "x3=0"])
        # y = sin(pi/2) + 7 sin(0)^2 + 0 = 1
        assert any(l.split()[:2] == ["y", "1"] for l in p.stdout.splitlines()), p.stdout
    print("ok: command line errors and exit codes")


def check_diskfull():
    """On a 2 MB tmpfs a run that needs ~10 MB is refused before any work,
    with exit 2, a message that says why, and no file left behind. Needs root
    and permission to mount (as in CI); otherwise the check fails loudly."""
    with tempfile.TemporaryDirectory() as tmp:
        mnt = os.path.join(tmp, "small")
        os.mkdir(mnt)
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", mnt],
                           capture_output=True, text=True)
        if m.returncode != 0:
            sys.exit(f"FAIL: cannot mount a small tmpfs to test a full disk: {m.stderr.strip()}")
        try:
            cfg = write(tmp, "d.yaml", "model: ishigami\nsamples: 200000\n")
            out = os.path.join(mnt, "x.h5")
            p = run(["run", cfg, "-o", out, "-q"], check=False)
            if p.returncode != 2 or "not enough disk space" not in p.stderr:
                sys.exit(f"FAIL: full disk: exit {p.returncode}, stderr {p.stderr!r}")
            assert not os.listdir(mnt), f"files left on the full disk: {os.listdir(mnt)}"
            # the same run with fewer samples fits and finishes there
            run(["run", cfg, "-o", out, "-q", "-n", "2000"])
            with h5py.File(out, "r") as f:
                assert f.attrs["finished"] == 1
        finally:
            subprocess.run(["umount", mnt])
    print("ok: full disk refused before any work (exit 2), a fitting run finishes")


def check_nonconv(config):
    """With an iteration limit too low for some samples, those samples are
    flagged in /status, counted, and left out of every summary statistic."""
    with tempfile.TemporaryDirectory() as tmp:
        text = open(config).read().replace("seed: 7", "seed: 7\nsolver: {tol: 1.0e-10, max_iter: 20}")
        base = os.path.dirname(os.path.abspath(config))
        text = text.replace("../../", os.path.join(base, "../../"))
        cfg = write(tmp, "nc.yaml", text)
        out = os.path.join(tmp, "nc.h5")
        run(["run", cfg, "-o", out, "-q"], 2, 1)
        with h5py.File(out, "r") as f:
            conv = f["status/converged"][()].astype(bool)
            it = f["status/iterations"][()]
            res = f["status/residual"][()]
            nconv = int(conv.sum())
            n = len(conv)
            if not 0 < nconv < n:
                sys.exit(f"FAIL: max_iter 20 should fail some but not all samples ({nconv}/{n})")
            assert (res[~conv] > 1e-10).all() and (it[~conv] >= 20).all()
            assert f.attrs["n_converged"] == nconv
            y = f["outputs/leverage_pp"][()]
            s = f["summary/leverage_pp"]
            assert s["count"][()] == nconv
            assert np.isclose(s["mean"][()], y[conv].mean(), rtol=1e-12, atol=0)
            assert not np.isclose(s["mean"][()], y.mean(), rtol=1e-9, atol=0)
            w = f["outputs/welfare_pct"][()][conv]
            assert np.allclose(f["summary/welfare_pct/quantiles"][()],
                               np.quantile(w, f["summary/quantile_levels"][()], axis=0).T,
                               rtol=1e-12, atol=1e-14)
        p = run(["info", out])
        assert f"{nconv} of {n} samples converged" in p.stdout, p.stdout
    print(f"ok: {n - nconv} of {n} samples failed at max_iter 20: flagged, counted, "
          "left out of the summary")


def main():
    what = sys.argv[1]
    if what == "decomp":
        check_decomp(sys.argv[2], sys.argv[3])
    elif what == "ishigami":
        check_ishigami()
    elif what == "sobol_g":
        check_sobol_g()
    elif what == "designs":
        check_designs()
    elif what == "cli":
        check_cli()
    elif what == "diskfull":
        check_diskfull()
    elif what == "nonconv":
        check_nonconv(sys.argv[2])
    else:
        sys.exit(f"unknown check {what}")


if __name__ == "__main__":
    main()
