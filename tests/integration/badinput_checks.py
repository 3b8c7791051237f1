#!/usr/bin/python3
"""The reproducers of issue 14 (what fuzzing found), as runs of the program.

    badinput_checks.py stop        SIGTERM while a 10^7-block file is created: exit 3 in seconds
    badinput_checks.py reasons     the model's reason, parameter, file:line and range reach the user
    badinput_checks.py nonfinite   infinite inputs refused; non-finite outcomes flagged, not summarised
    badinput_checks.py integers    out-of-range integer keys refused with file:line (no silent change)
    badinput_checks.py noconv      no converged sample: exit 2 and one line on stderr (run and check)
    badinput_checks.py unbounded   /dev/zero as config or trade.csv, deep nesting: a message at once
    badinput_checks.py longpath    an output path too long for Open MPI's MPI-IO: exit 1, no crash
    badinput_checks.py keys        `check --keys` lists every key with its default; the issue-8
                                   keys are refused with file:line and the allowed values

Environment: TRADEWAR (the binary), MPIEXEC, the Open MPI root flags.
Every case checks the exit code and the message, as the issue asks.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

TRADEWAR = os.environ["TRADEWAR"]
MPIEXEC = os.environ.get("MPIEXEC", "mpiexec")
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORLD = os.path.join(SRC, "configs", "data", "world")
SMALL4 = os.path.join(SRC, "tests", "data", "small4")


def run(args, ranks=1, threads=1, timeout=120):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = [TRADEWAR] + args
    if ranks > 1:
        cmd = [MPIEXEC, "-n", str(ranks), "--oversubscribe", "--bind-to", "none"] + cmd
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path


def expect(p, code, *frags, what="", one_line=True):
    """Exit code and message fragments (stderr); the error is one line
    (usage errors print the usage after it: one_line=False)."""
    err = p.stderr
    if p.returncode != code or any(f not in err for f in frags):
        sys.exit(f"FAIL: {what}: exit {p.returncode} (want {code}), stderr {err!r} should "
                 f"contain {frags!r}\nstdout: {p.stdout[-2000:]}")
    errs = [l for l in err.splitlines() if "error" in l]
    if code and one_line and len(errs) != 1:
        sys.exit(f"FAIL: {what}: expected one error line, got {errs!r}")
    for bad in ("Traceback", "Segmentation", "AddressSanitizer", "runtime error"):
        assert bad not in err, f"{what}: {err}"
    print(f"ok: {what}: exit {code}")


def check_stop():
    """Issue 14.1: 10^7 samples in blocks of 1 spent minutes in H5Dcreate
    (one chunk per block) and ignored SIGTERM. Chunks are now sized in bytes,
    and a stop is honoured within seconds with exit 3."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write(tmp, "big.yaml", "model: ishigami\nsamples: 10000000\nblock_size: 1\n")
        out = os.path.join(tmp, "big.h5")
        proc = subprocess.Popen([TRADEWAR, "run", cfg, "-o", out], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, OMP_NUM_THREADS="1"))
        time.sleep(2.0)
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            sys.exit("FAIL: SIGTERM ignored for 30 s")
        waited = time.monotonic() - t0
        if proc.returncode != 3 or "stopped by signal 15" not in err:
            sys.exit(f"FAIL: SIGTERM: exit {proc.returncode}, stderr {err!r}")
        if waited > 15:
            sys.exit(f"FAIL: SIGTERM honoured only after {waited:.1f} s")
        print(f"ok: SIGTERM 2 s into a 10^7-block run: exit 3 after {waited:.1f} s")
        assert "while" in err or "after" in err or "before" in err, err
        if os.path.exists(out):
            with h5py.File(out, "r") as f:
                chunk = f["inputs/x1"].chunks[0]
                # 1 MiB of doubles, whatever the block size
                assert chunk == 131072, f"chunk of /inputs/x1: {chunk} rows"
                assert f["status/converged"].chunks[0] >= 131072
            p = run(["info", out])
            assert p.returncode == 0 and "10000000" in p.stdout, p.stdout + p.stderr
        # a stop while the datasets are being filled (12 slabs of 10^6 rows):
        # sent as soon as the file appears, honoured after the current slab,
        # and the file resumes with every block pending
        if os.path.exists(out):
            os.remove(out)
        cfg = write(tmp, "fill.yaml", "model: ishigami\nsamples: 12000000\nblock_size: 4096\n")
        proc = subprocess.Popen([TRADEWAR, "run", cfg, "-o", out], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, OMP_NUM_THREADS="1"))
        t0 = time.monotonic()
        while not os.path.exists(out) and proc.poll() is None and time.monotonic() - t0 < 60:
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        _, err = proc.communicate(timeout=60)
        waited = time.monotonic() - t0
        if proc.returncode != 3 or "stopped by signal 15 while" not in err:
            sys.exit(f"FAIL: SIGTERM during creation: exit {proc.returncode}, stderr {err!r}")
        assert waited < 15, f"SIGTERM during creation honoured after {waited:.1f} s"
        with h5py.File(out, "r") as f:
            assert f.attrs["finished"] == 0 and f["status/block_done"][()].sum() == 0
            it = f["status/iterations"]
            assert (it[:1000] == -1).all(), "the first slab holds the fill value"
        p = run(["info", out])
        assert p.returncode == 0 and "0/12000000" in p.stdout.replace(",", ""), p.stdout
        print(f"ok: SIGTERM during file creation: exit 3 after {waited:.1f} s, file resumable")
        # more blocks than the runner keeps track of: refused before any work
        huge = write(tmp, "huge.yaml", "model: ishigami\nsamples: 1e9\nblock_size: 1\n")
        expect(run(["run", huge, "-o", os.path.join(tmp, "h.h5")]), 1,
               "1000000000 blocks", "set block_size to at least 60", what="10^9 blocks of 1")
        assert not os.path.exists(os.path.join(tmp, "h.h5"))


def world_copy(tmp):
    dst = os.path.join(tmp, "world")
    shutil.copytree(WORLD, dst)
    return dst


def replace_line(path, old, new):
    text = open(path).read()
    assert old + "\n" in text, f"{old!r} not in {path}"
    open(path, "w").write(text.replace(old + "\n", new + "\n", 1))


def line_of(path, text):
    return open(path).read().splitlines().index(text) + 1


def check_reasons():
    """Issue 14.2: every one of these ended in 'the model failed on the
    central scenario (numerical error)'. Values outside the model's domain are
    now refused when the config or data is read (file:line, range); what fails
    only at run time carries the model's message and the sample index."""
    with tempfile.TemporaryDirectory() as tmp:
        world = world_copy(tmp)
        cfg = write(tmp, "w.yaml", f"model: tradewar\ndata: {world}\nsamples: 8\n")
        for param, rng in (("eta_gap: -1", "[0, 100] of 'eta_gap'"),
                           ("theta_crm: -1", "(0, 100] of 'theta_crm'"),
                           ("eps_crm: 0", "(0, 100] of 'eps_crm'"),
                           ("reroute_capacity: -1", "[0, 100] of 'reroute_capacity'"),
                           ("t_us_cn: 1.0e+308", "[-1, 10] of 't_us_cn'"),
                           ("t_deal_us: {dist: uniform, min: 0.2, max: 1.0e+308}",
                            "[-1, 10] of 't_deal_us'"),
                           ("eps_crm: {dist: uniform, min: 0.1, max: 1.0e+308}",
                            "(0, 100] of 'eps_crm'")):
            c = write(tmp, "p.yaml", f"model: tradewar\ndata: {world}\nsamples: 8\n"
                      f"parameters:\n  {param}\n")
            name = param.split(":")[0]
            for cmd in (["check", c], ["run", c, "-o", os.path.join(tmp, "p.h5")]):
                expect(run(cmd), 1, f"p.yaml:5: key 'parameters.{name}'", rng,
                       what=f"{cmd[0]} with {param}")
            assert not os.path.exists(os.path.join(tmp, "p.h5"))
        # data far outside published ranges: file, line, column and range
        sectors = os.path.join(world, "sectors.csv")
        first = open(sectors).read().splitlines()[1]
        code, name, theta = first.split(",")[:3]
        for bad in ("1e-300", "1e15"):
            replace_line(sectors, first, first.replace(f"{code},{name},{theta},",
                                                       f"{code},{name},{bad},"))
            expect(run(["check", cfg]), 2, "sectors.csv:2: column 'theta'", "outside [0.1, 100]",
                   "0.37 to 64.85", what=f"theta {bad} in sectors.csv")
            shutil.copy(os.path.join(WORLD, "sectors.csv"), sectors)
        tariffs = os.path.join(world, "tariffs.csv")
        replace_line(tariffs, "MEX,IND,MET,0.05", "MEX,IND,MET,1e300")
        n = line_of(tariffs, "MEX,IND,MET,1e300")
        expect(run(["run", cfg, "-o", os.path.join(tmp, "t.h5")]), 2,
               f"tariffs.csv:{n}: column 'rate'", "outside [0, 10]", what="tariff 1e300")
        shutil.copy(os.path.join(WORLD, "tariffs.csv"), tariffs)
        # the model's own message (no domain check on --set: a debugging tool)
        expect(run(["solve", cfg, "--set", "eta_gap=-1"]), 2,
               "the model failed on this scenario: eta_gap is -1 (must be >= 0)",
               what="solve --set eta_gap=-1")
        # a failure met only by some samples (ishigami's test switch
        # fail_above, set above every x1 of the first 40 samples): the lowest
        # failing sample, its block and the model's reason, the same for
        # every decomposition
        base = "model: ishigami\nsamples: 256\nblock_size: 16\ndesign: mc\nseed: 3\n"
        p = run(["run", write(tmp, "ok.yaml", base), "-o", os.path.join(tmp, "ok.h5"), "-q"])
        assert p.returncode == 0, p.stderr
        with h5py.File(os.path.join(tmp, "ok.h5"), "r") as f:
            x1 = f["inputs/x1"][()]
        thr = float(x1[:40].max())
        first = int(np.argmax(x1 > thr))
        assert first >= 40 and x1[first] > thr
        wide = write(tmp, "fail.yaml", base + f"fail_above: {thr!r}\n")
        msgs = set()
        for ranks, threads in ((1, 1), (2, 2), (3, 1)):
            out = os.path.join(tmp, f"fail{ranks}.h5")
            p = run(["run", wide, "-o", out, "-q"], ranks, threads)
            expect(p, 2, f"the model failed on sample {first} (block {first // 16}; not a "
                   "convergence failure): x1 = ", " is above fail_above = ",
                   "earlier blocks are kept", what=f"per-sample failure, {ranks}x{threads}")
            line = [l for l in p.stderr.splitlines() if "failed on sample" in l][0]
            got = float(line.split("x1 = ")[1].split()[0])
            assert got == x1[first], f"{got!r} is not the failing sample's x1 {x1[first]!r}"
            msgs.add(line.split("error: ")[-1])
            with h5py.File(out, "r") as f:
                done = f["status/block_done"][()]
                assert not done[first // 16], "the failing block is not marked done"
                assert done[: first // 16 // ranks * ranks].all(), done
        assert len(msgs) == 1, f"the message depends on the decomposition: {msgs}"
        check_failure_in_flight(tmp)


def check_failure_in_flight(tmp):
    """The ranks agree on a failure one round late (runner.c, "the
    rounds"): on 2 ranks the first failing block b is rank 1's (b odd) and
    rank 0 has already evaluated block b + 1 of the next round, which fails
    too, before the ranks exchange their failures. The message must still
    name the lowest failing sample (in block b), and neither failed block
    may be flagged done. The seed and threshold are searched, not copied
    from a run: fail_above is the largest x1 of the blocks before b, so
    that the first failure is in b."""
    bs = 8
    found = None
    for seed in range(1, 60):
        base = f"model: ishigami\nsamples: 256\nblock_size: {bs}\ndesign: mc\nseed: {seed}\n"
        out = os.path.join(tmp, "probe.h5")
        p = run(["run", write(tmp, "probe.yaml", base), "-o", out, "-q", "--force"])
        assert p.returncode == 0, p.stderr
        with h5py.File(out, "r") as f:
            x1 = f["inputs/x1"][()]
        for b in range(3, len(x1) // bs - 1, 2):
            thr = float(x1[: b * bs].max())
            if x1[b * bs:(b + 1) * bs].max() > thr and x1[(b + 1) * bs:(b + 2) * bs].max() > thr:
                found = base, x1, b, thr
                break
        if found:
            break
    assert found, "no seed gives a failing odd block followed by a failing one"
    base, x1, b, thr = found
    first = int(np.argmax(x1 > thr))
    assert first // bs == b
    cfg = write(tmp, "inflight.yaml", base + f"fail_above: {thr!r}\n")
    msgs = set()
    for ranks, threads in ((2, 1), (2, 2), (1, 1)):
        out = os.path.join(tmp, f"inflight{ranks}{threads}.h5")
        p = run(["run", cfg, "-o", out, "-q"], ranks, threads)
        expect(p, 2, f"the model failed on sample {first} (block {b}; not a convergence "
               "failure): x1 = ", what=f"failure in flight, block {b} then {b + 1}, "
               f"{ranks}x{threads}")
        msgs.add([l for l in p.stderr.splitlines() if "failed on sample" in l][0])
        with h5py.File(out, "r") as f:
            done = f["status/block_done"][()]
            conv = f["status/converged"][()]
        assert not done[b] and not done[b + 1], f"a failed block is flagged done: {done}"
        assert not conv[b * bs:(b + 2) * bs].any(), "rows of a failed block were written"
        assert done[: b // ranks * ranks].all(), f"blocks of earlier rounds missing: {done}"
    assert len(msgs) == 1, f"the message depends on the decomposition: {msgs}"


def check_nonfinite():
    """Issue 14.3: x3 ~ normal(1e308, 1e308) ran with inf inputs and
    converged = 1; x3 = 1e200 made `check` print y = -nan and OK."""
    with tempfile.TemporaryDirectory() as tmp:
        c = write(tmp, "n.yaml", "model: ishigami\nsamples: 100\nparameters:\n"
                  "  x3: {dist: normal, mean: 1.0e+308, sd: 1.0e+308}\n")
        for cmd in (["check", c], ["run", c, "-o", os.path.join(tmp, "n.h5")]):
            expect(run(cmd), 1, "n.yaml:4: key 'parameters.x3'", "overflows a double",
                   what=f"{cmd[0]} with normal(1e308, 1e308)")
        c = write(tmp, "c.yaml", "model: ishigami\nsamples: 100\nparameters:\n  x3: 1.0e+200\n")
        p = run(["check", c])
        expect(p, 2, "non-finite value (outcome 'y' = ", what="check with x3 = 1e200")
        assert "check: OK" not in p.stdout
        # half the samples overflow: flagged, counted, left out of the summary
        c = write(tmp, "h.yaml", "model: ishigami\nsamples: 400\nblock_size: 64\ndesign: mc\n"
                  "parameters:\n  x3: {dist: discrete, values: [0.5, 1.0e+100], "
                  "weights: [1, 1]}\n")
        out = os.path.join(tmp, "h.h5")
        p = run(["run", c, "-o", out, "-q"], 2, 2)
        assert p.returncode == 0, p.stderr
        with h5py.File(out, "r") as f:
            x3 = f["inputs/x3"][()]
            y = f["outputs/y"][()]
            conv = f["status/converged"][()].astype(bool)
            big = x3 == 1e100
            assert 0 < big.sum() < len(x3), big.sum()
            assert (~np.isfinite(y[big])).all(), "1e100^4 should overflow"
            assert (conv == ~big).all(), "converged must be 0 exactly for the overflowing samples"
            assert f.attrs["n_converged"] == (~big).sum()
            s = f["summary/y"]
            assert s["count"][()] == (~big).sum()
            assert np.isfinite(s["mean"][()]) and np.isfinite(s["std"][()])
            assert np.isclose(s["mean"][()], y[conv].mean(), rtol=1e-12, atol=0)
        print(f"ok: {big.sum()} of {len(x3)} overflowing samples flagged and left out")


def check_integers():
    """Issue 14.4: seed 2^64 was used as 2^64 - 1, 1.8446744073709552e19 as 0."""
    with tempfile.TemporaryDirectory() as tmp:
        for key, val, frag in (("seed", "18446744073709551616", "out of range"),
                               ("seed", "1.8446744073709552e19", "2^53"),
                               ("seed", "-1", "out of range"),
                               ("samples", "1e13", "[1, 1000000000000]"),
                               ("block_size", "4294967297", "[1, 1048576]")):
            c = write(tmp, "i.yaml", f"model: ishigami\n{key}: {val}\n")
            for cmd in (["check", c], ["run", c, "-o", os.path.join(tmp, "i.h5")]):
                expect(run(cmd), 1, f"i.yaml:2: key '{key}'", frag,
                       what=f"{cmd[0]} with {key}: {val}")
        c = write(tmp, "m.yaml", "model: ishigami\nsolver: {max_iter: 1.0e+19}\n")
        expect(run(["check", c]), 1, "m.yaml:2: key 'solver.max_iter'", "[1, 100000000]",
               what="max_iter 1e19")
        ok = write(tmp, "ok.yaml", "model: ishigami\nsamples: 16\nseed: 18446744073709551615\n")
        expect(run(["run", ok, "-o", os.path.join(tmp, "o.h5"), "--seed", "18446744073709551616"]),
               1, "--seed", "18446744073709551616", what="--seed 2^64", one_line=False)
        p = run(["run", ok, "-o", os.path.join(tmp, "o.h5"), "-q"])
        assert p.returncode == 0, p.stderr
        with h5py.File(os.path.join(tmp, "o.h5"), "r") as f:
            assert int(f.attrs["seed"]) == 2**64 - 1, f.attrs["seed"]
        print("ok: the largest seed is stored exactly")


def check_noconv():
    """Issue 14.5: `check` exited 2 saying nothing on stderr; `run` exited 0
    with 0 of 8 samples converged and an all-NaN summary."""
    with tempfile.TemporaryDirectory() as tmp:
        c = write(tmp, "nc.yaml", f"model: tradewar\ndata: {WORLD}\nsamples: 8\n"
                  "solver: {max_iter: 2}\n")
        p = run(["check", c])
        expect(p, 2, "the solver did not converge", "max_iter 2", what="check, nothing converges")
        assert "NOT CONVERGED" in p.stdout and "check: OK" not in p.stdout
        out = os.path.join(tmp, "nc.h5")
        for ranks in (1, 2):
            p = run(["run", c, "-o", out, "-q", "--force"], ranks)
            expect(p, 2, "no sample converged (0 of 8", "nc.h5", what=f"run on {ranks} rank(s)")
            with h5py.File(out, "r") as f:
                assert f.attrs["n_converged"] == 0 and f["status/converged"][()].sum() == 0
        # every sample non-finite is the same failure
        c = write(tmp, "inf.yaml", "model: ishigami\nsamples: 50\nparameters:\n  x3: 1.0e+200\n")
        expect(run(["run", c, "-o", os.path.join(tmp, "inf.h5"), "-q"]), 2,
               "no sample converged (0 of 50", what="run, every outcome non-finite")


def timed(args, limit):
    t0 = time.monotonic()
    p = run(args, timeout=limit * 4)
    dt = time.monotonic() - t0
    if dt > limit:
        sys.exit(f"FAIL: tradewar {' '.join(args)} took {dt:.1f} s (limit {limit} s)")
    return p


def check_unbounded():
    """Issue 14.6: /dev/zero as config or as trade.csv grew memory without
    bound; 20,000 levels of flow nesting took 36 s in libyaml."""
    with tempfile.TemporaryDirectory() as tmp:
        expect(timed(["check", "/dev/zero"], 5), 1, "/dev/zero: not a text file",
               what="/dev/zero as config")
        deep = write(tmp, "deep.yaml", "model: " + "[" * 20000 + "]" * 20000 + "\n")
        expect(timed(["check", deep], 5), 1, "deep.yaml:1: nesting deeper than 64 levels",
               what="20,000 levels of nesting")
        big = write(tmp, "big.yaml", "model: ishigami\n" + ("# " + "x" * 1000 + "\n") * 1100)
        expect(timed(["check", big], 5), 1, "big.yaml: the config is larger than 1 MiB",
               what="a 1.1 MB config")
        data = os.path.join(tmp, "small4")
        shutil.copytree(SMALL4, data)
        cfg = write(tmp, "s.yaml", "model: tradewar\ndata: small4\nsamples: 8\n")
        for name in ("trade.csv", "sectors.csv"):
            os.remove(os.path.join(data, name))
            os.symlink("/dev/zero", os.path.join(data, name))
            expect(timed(["check", cfg], 5), 2, f"{name}: contains a NUL byte",
                   what=f"/dev/zero as {name}")
            os.remove(os.path.join(data, name))
            shutil.copy(os.path.join(SMALL4, name), os.path.join(data, name))
        # an endless text stream (a FIFO fed by a writer) ends at the size cap
        fifo = os.path.join(data, "io.csv")
        os.remove(fifo)
        os.mkfifo(fifo)
        feeder = subprocess.Popen(["sh", "-c", f"yes 'USA,AGR,AGR,0.1' > '{fifo}'"],
                                  stderr=subprocess.DEVNULL)
        try:
            expect(timed(["check", cfg], 60), 2, "io.csv: larger than 256 MiB",
                   what="an endless io.csv")
        finally:
            feeder.kill()
            feeder.wait()


def check_keys():
    """Issue 8 item 9: `tradewar check --keys` lists every key (type, bounds,
    default) from the tables the readers use; issue 8 bad input: re_scope,
    deficits, horizon, route weights and the partners' FDI weights are refused
    with file:line and the allowed values."""
    p = run(["check", "--keys"])
    assert p.returncode == 0, p.stderr
    out = p.stdout
    for frag in ("# engine", "# model tradewar", "# model ishigami", "# model sobol_g",
                 "solver.tol", "number in (0, 1)", "1e-10", "solver.max_iter", "5000",
                 "re_scope", "us | aligned | world", "deficits", "fixed | world_share | balanced",
                 "horizon", "short | long", "reroute_weights", "partners.<CODE>.fdi_weight",
                 "partners.<CODE>.reciprocal", "number in [0, 10]", "mechanisms.rare_earths"):
        assert frag in out, f"{frag!r} not in the listing:\n{out}"
    # one model, named or through a config
    one = run(["check", "--keys", "tradewar"]).stdout
    assert "# model tradewar" in one and "# model ishigami" not in one, one
    with tempfile.TemporaryDirectory() as tmp:
        c = write(tmp, "k.yaml", "model: tradewar\n")
        assert run(["check", "--keys", c]).stdout == one
        expect(run(["check", "--keys", os.path.join(tmp, "nosuch.yaml")]), 1, "nosuch.yaml",
               "cannot open", what="check --keys on a missing config")
        for key, frags in (("re_scope: allies", ("key 're_scope'", "(valid: us, aligned, world)")),
                           ("deficits: floating", ("key 'deficits'",
                                                   "(valid: fixed, world_share, balanced)")),
                           ("horizon: medium", ("key 'horizon'", "(valid: short, long)")),
                           ("reroute_weights: hubs", ("key 'reroute_weights'",
                                                      "valid: us_imports, transit")),
                           ("reroute_weights: {VNM: 2}", ("key 'reroute_weights.VNM'", "[0, 1]")),
                           ("partners: {VNM: {fdi_weight: 2}}",
                            ("key 'partners.VNM.fdi_weight'", "must be in [0, 1], got 2"))):
            c = write(tmp, "bad.yaml", f"model: tradewar\ndata: {WORLD}\n{key}\n")
            expect(run(["check", c]), 1, "bad.yaml:3: ", *frags, what=key)


def check_longpath():
    """An output path longer than Open MPI's MPI-IO can open (it aborted in
    MPI_File_open with "buffer overflow detected" past 244 bytes): exit 1
    naming the length, before anything is written; 236 bytes still run."""
    with tempfile.TemporaryDirectory() as tmp:
        c = write(tmp, "i.yaml", "model: ishigami\nsamples: 32\nblock_size: 16\n")
        for n, code in ((237, 1), (236, 0)):
            d = os.path.join(tmp, "d" * 120)
            out = os.path.join(d, "e" * (n - len(d) - 4)) + ".h5"
            assert len(out) == n
            p = run(["run", c, "-o", out, "-q"], ranks=2)
            if code:
                expect(p, 1, f"the output path is {n} bytes long", "longer than 236 bytes",
                       what=f"a {n}-byte output path")
                assert not os.path.exists(out), out
            else:
                expect(p, 0, what=f"a {n}-byte output path runs")
                assert os.path.exists(out)


CHECKS = {"longpath": check_longpath, "keys": check_keys, "stop": check_stop, "reasons": check_reasons, "nonfinite": check_nonfinite,
          "integers": check_integers, "noconv": check_noconv, "unbounded": check_unbounded}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit(__doc__)
    CHECKS[sys.argv[1]]()
