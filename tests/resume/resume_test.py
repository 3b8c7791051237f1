#!/usr/bin/python3
"""Resume, signal and refusal tests of `tradewar run` (ctest label mpi).

  resume_test.py CASE --tradewar BIN --mpiexec MPIEXEC --work DIR [--h5diff H5DIFF]

Cases (one ctest test each):
  history     /history: a run stopped by --max-time (2x1), a resume seen running by
              `info --json` then kill -9'd (1x2), a completing resume (3x1): three
              rows (stopped, unfinished shown as killed, complete), ranks x threads as
              launched, blocks monotone, CPU time and peak RSS; result bitwise the
              uninterrupted run's; a resume of the finished file adds no row
  kill        kill -9 (every process of the run) after 1, 3, 7 and about half of
              the blocks are marked done, and once more on the resumed run; then
              `run --resume` (on other ranks x threads layouts): the file's /inputs
              /outputs /status /summary and run attributes are bitwise identical to
              an uninterrupted run (h5py bit comparison and h5diff)
  signals     SIGTERM to every rank, SIGUSR1 to mpiexec (which forwards it), SIGINT
              to rank 0 only, SIGTERM to rank 1 only, SIGTERM to a run without
              mpiexec: exit 3 within a few blocks, an unfinished consistent file
              (`tradewar info` reads it) whose done blocks are whole rounds (every
              rank stopped after the same round), and `--resume` finishes it
              identical to the uninterrupted run
  deadrank    SIGKILL to one rank only (rank 1 of 2, as a failing node would): mpiexec
              ends the whole job with a nonzero exit within 60 s (the survivor never
              hangs in a collective), the file is unfinished but consistent, and
              `--resume` finishes it identical to the uninterrupted run; a SIGSEGV
              in one rank: MPI_Abort ends the job with a message, the file resumes
  fault       a disk that fills up mid-run (LD_PRELOAD shim: pwrite fails with ENOSPC
              after N writes), on every rank and on rank 1 only: exit 2 with a message
              naming the file, no hang, an unfinished consistent file that `--resume`
              (without the fault) finishes identical to the uninterrupted run
  writers     HDF5 file locking on: while a run writes a file (mid-run, and paused
              inside its summary pass by the LD_PRELOAD shim), a second writer
              (`--resume`, `--force`) is refused with exit 1 naming the holder (host,
              rank 0's pid, job) and changes nothing; `tradewar info`, h5py (default
              locking) and tradewar-analyze read the file; the run then finishes
              identical to the uninterrupted run. After kill -9 the stale lock file
              is taken over with a message naming the dead holder, and the lock file
              is gone after a run
  stops       stops at the end of a run and by time: SIGTERM during the last round (a
              one-round run), while the summary pass writes (paused by the shim) and
              inside the summary of the one outcome (between its slabs): exit 3,
              every block done but finished=0, `--resume` redoes the pass and
              gives the uninterrupted result; `--max-time 4` exits 3 within the limit
              (+ MPI start-up) and resumes identical; unparsable --max-time values: exit 1
  provenance  a trade-model run on a copy of the data: the file's data_sha256 lists every
              CSV read with its true SHA-256; after one data value changes, `--resume`
              exits 1 naming that file and leaves the result file untouched; with the
              data restored but another engine_version in the file, `--resume` warns
              naming both versions and finishes
  mismatch    `--resume` with another config, seed, sample count or design: exit 1,
              the message names what differs, the file is not modified; then the
              right `--resume` still gives the uninterrupted result
  corrupt     a truncated result file, random bytes, an HDF5 file that is not a
              tradewar file: `--resume` exits 2 with a message naming the file and
              does not modify it; `info` on the truncated file fails cleanly; a
              block flagged done whose row was never written (iterations -1) is
              recomputed by `--resume`, which ends identical to the uninterrupted run
  unwritable  an output directory that cannot be written (permission, as the user
              nobody when running as root; a parent that is a file; /proc): exit 2
              quickly, before any work, and no file is left
  exists      an existing file (finished result, text file) without --resume or
              --force: exit 1, untouched; --resume on a finished file: exit 0, untouched
              (with another seed: exit 1); --force: overwritten with the right result
  local       jobs/local.sh: the layout it picks; with N ranks x 1 thread and 1 rank x
              N threads each rank's CPU affinity (/proc) is N / 1 core(s) of its own,
              disjoint from the others; a full run, Ctrl-C (SIGINT to its
              process group) gives exit 3, TW_RUN_ARGS=--resume finishes it identical
              to an uninterrupted run
  pbs         jobs/pbs/*.pbs in a simulated PBS environment (PBS_* variables, a node
              file, stand-in qsub/qstat; no PBS server here): hybrid.pbs, one array
              subjob, and long.pbs whose timer stops the run before the "walltime" and
              submits a continuation (qsub -W depend=afterany -v ...); the
              continuations are run until the chain ends: identical result
  shard       sharded runs: shards 1/3, 2/3, 3/3 on 1, 2 and 3 ranks (and 2 shards, and
              1/1), `merge` on 1 and 2 ranks: /inputs /outputs /status /summary /baseline
              bitwise identical to the unsharded run (also with summary by regime and a
              sensitivity run); `info` and `--resume` on the merged file; a part stopped
              by SIGTERM is refused by merge, resumed, merged. Refusals, each with the
              parts byte-identical (sha256) before and after and no OUT (nor
              OUT.merging) left: --shard 0/3, 4/3, 3/0, garbage, more shards than
              blocks, with stop:; merge with a missing shard, a duplicated shard, parts
              of another seed or config, an unfinished part, a file that is not a part,
              a truncated part (exit 2), an existing OUT, the recorded config gone (then
              --config finds it), --config of another config; --resume of a part as
              another shard
"""
import argparse
import atexit
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import twh5  # noqa: E402

ARGS = None
FAILS = []
# Slow enough to stop mid-way (75 blocks of 16 samples, 4 ms each: ~2.5 s on 2 ranks),
# quick in total.
CONFIG = """model: ishigami
samples: {samples}
seed: {seed}
design: lhs
block_size: 16
cost_us: {cost}
"""


def log(msg):
    print(f"[resume_test {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def check(cond, msg):
    if cond:
        log(f"ok: {msg}")
    else:
        log(f"FAIL: {msg}")
        FAILS.append(msg)
    return cond


def write_config(name, samples=1200, seed=7, cost=4000):
    path = os.path.join(ARGS.work, name)
    with open(path, "w") as f:
        f.write(CONFIG.format(samples=samples, seed=seed, cost=cost))
    return path


# The writers case runs with HDF5's file locking on (its default), as users do.
LOCKING = False


def env(threads=1):
    e = dict(os.environ)
    e.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
             OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS=str(threads),
             HDF5_USE_FILE_LOCKING="FALSE")
    if LOCKING:
        del e["HDF5_USE_FILE_LOCKING"]
    return e


def mpi_cmd(ranks, *args):
    return [ARGS.mpiexec, "-n", str(ranks), "--bind-to", "none", ARGS.tradewar, *args]


def run(cmd, threads=1, timeout=300, **kw):
    """Run to completion; returns (rc, output, seconds)."""
    t0 = time.time()
    p = subprocess.run(cmd, env=env(threads), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout, **kw)
    return p.returncode, p.stdout, time.time() - t0


def start(cmd, threads=1):
    return subprocess.Popen(cmd, env=env(threads), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def children(pid):
    """Every descendant of pid (from /proc)."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def ranks_of(p):
    """The tradewar processes under a launcher (or the process itself)."""
    found = []
    for c in children(p.pid) + [p.pid]:
        try:
            with open(f"/proc/{c}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode()
        except OSError:
            continue
        if os.path.basename(argv0) == os.path.basename(ARGS.tradewar):
            found.append(c)
    return sorted(found)


def wait_blocks(p, out, n, timeout=120):
    """Poll /status/block_done until >= n blocks are done; (done, total) or None."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if p.poll() is not None:
            return None
        if os.path.exists(out):
            try:
                d, t, _ = twh5.progress(out)
                if d >= n:
                    return d, t
            except Exception:
                pass
        time.sleep(0.005)
    return None


def kill9(p):
    """SIGKILL the launcher and every process under it, as a node failure would."""
    victims = children(p.pid) + [p.pid]
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def reference(cfg, name="ref.h5", ranks=2):
    out = os.path.join(ARGS.work, name)
    rc, o, dt = run(mpi_cmd(ranks, "run", cfg, "-o", out, "-q"))
    if rc != 0:
        log(o)
        raise SystemExit(f"the uninterrupted reference run failed (exit {rc})")
    log(f"uninterrupted reference run: {dt:.1f} s, {ranks} ranks x 1 thread")
    return out


def same_as(ref, out, what, h5diff=True):
    diffs = twh5.compare(ref, out, twh5.GROUPS)
    ok = check(not diffs, f"{what}: /inputs /outputs /status /summary bitwise identical to the "
                          f"uninterrupted run" + ("" if not diffs else f": {diffs[:5]}"))
    if h5diff and ARGS.h5diff:
        bad = []
        for g in twh5.GROUPS:
            rc, o, _ = run([ARGS.h5diff, "-r", ref, out, g, g])
            if rc != 0:
                bad.append(f"{g} (h5diff exit {rc}: {o.strip().splitlines()[-1:]})")
        ok &= check(not bad, f"{what}: h5diff -r finds no difference" + (f": {bad}" if bad else ""))
    d, t, fin = twh5.progress(out)
    ok &= check(fin == 1 and d == t, f"{what}: finished=1, {d}/{t} blocks done")
    return ok


def progress_str(out):
    try:
        d, t, fin = twh5.progress(out)
        return f"{d}/{t} blocks, finished={fin}"
    except Exception as e:
        return f"unreadable ({e})"


# --- cases ------------------------------------------------------------------

def case_kill():
    cfg = write_config("kill.yaml")
    ref = reference(cfg)
    # (kill after >= this many blocks, resume ranks, resume threads)
    plan = [(1, 2, 1), (3, 1, 2), (7, 3, 1), ("half", 2, 1)]
    for k, rr, rt in plan:
        out = os.path.join(ARGS.work, f"kill_{k}.h5")
        p = start(mpi_cmd(2, "run", cfg, "-o", out, "-q"))
        want = 38 if k == "half" else k
        got = wait_blocks(p, out, want)
        if got is None:
            check(False, f"kill at {k}: the run ended or stalled before {want} blocks: "
                         f"{p.communicate()[0][-2000:]}")
            continue
        kill9(p)
        log(f"kill -9 after >= {want} blocks (seen {got[0]}/{got[1]}); file now: {progress_str(out)}")
        rc, o, dt = run(mpi_cmd(rr, "run", cfg, "-o", out, "--resume", "-q"), threads=rt)
        if not check(rc == 0, f"kill at {k}: --resume on {rr} ranks x {rt} threads exits 0 "
                              f"(got {rc}, {dt:.1f} s)"):
            log(o)
            continue
        same_as(ref, out, f"kill at {k}, resumed on {rr}x{rt}")
    # Twice: kill, resume, kill the resumed run, resume again.
    out = os.path.join(ARGS.work, "kill_twice.h5")
    p = start(mpi_cmd(2, "run", cfg, "-o", out, "-q"))
    got1 = wait_blocks(p, out, 20)
    kill9(p)
    p = start(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
    got2 = wait_blocks(p, out, (got1 or (20,))[0] + 30)
    kill9(p)
    log(f"killed twice: after {got1} and {got2} blocks; file now: {progress_str(out)}")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
    if check(rc == 0, f"killed twice: the second --resume exits 0 (got {rc})"):
        same_as(ref, out, "killed twice")
    else:
        log(o)


def case_signals():
    cfg = write_config("sig.yaml")
    ref = reference(cfg)
    # (name, signal, whom, launcher ranks or 0 for no mpiexec)
    plan = [("TERM to every rank", signal.SIGTERM, "ranks", 2),
            ("USR1 to mpiexec", signal.SIGUSR1, "launcher", 2),
            ("INT to rank 0 only", signal.SIGINT, "rank0", 2),
            ("TERM to rank 1 only", signal.SIGTERM, "rank1", 2),
            ("TERM without mpiexec", signal.SIGTERM, "launcher", 0)]
    for i, (name, sig, whom, ranks) in enumerate(plan):
        out = os.path.join(ARGS.work, f"sig_{i}.h5")
        cmd = mpi_cmd(ranks, "run", cfg, "-o", out, "-q") if ranks else \
            [ARGS.tradewar, "run", cfg, "-o", out, "-q"]
        p = start(cmd)
        got = wait_blocks(p, out, 5)
        if got is None:
            check(False, f"{name}: the run ended before 5 blocks: {p.communicate()[0][-2000:]}")
            continue
        procs = ranks_of(p)
        targets = {"ranks": procs, "launcher": [p.pid], "rank0": procs[:1],
                   "rank1": procs[1:2]}[whom]
        if whom != "launcher" and len(procs) != ranks:
            check(False, f"{name}: found {len(procs)} tradewar processes under mpiexec, "
                         f"expected {ranks}")
        t0 = time.time()
        for pid in targets:
            os.kill(pid, sig)
        try:
            o = p.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            kill9(p)
            check(False, f"{name}: no exit within 30 s of the signal")
            continue
        dt = time.time() - t0
        rc = p.returncode
        check(rc == 3, f"{name}: exit 3 (got {rc}) {dt:.2f} s after the signal, "
                       f"sent at {got[0]} blocks")
        if rc != 3:
            log(o[-3000:])
        d, t, fin = twh5.progress(out)
        check(fin == 0 and got[0] <= d < t,
              f"{name}: unfinished consistent file, {d}/{t} blocks done, finished={fin}")
        # the ranks agree on a stop one round late (runner.c): all must
        # still stop after the same round, each with its block of that
        # round written: the first d blocks, d whole rounds
        done = twh5.block_done(out)
        check(done[:d].all() and d % max(ranks, 1) == 0,
              f"{name}: every rank stopped after the same round: the first {d} blocks done, "
              f"a multiple of {max(ranks, 1)} rank(s)")
        irc, io, _ = run([ARGS.tradewar, "info", out])
        check(irc == 0 and "UNFINISHED" in io.upper(),
              f"{name}: `tradewar info` reads it and says it is unfinished (exit {irc})")
        rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
        if check(rc == 0, f"{name}: --resume exits 0 (got {rc})"):
            same_as(ref, out, name, h5diff=False)
        else:
            log(o)


def interrupted(cfg, out, blocks=5):
    """A run stopped with SIGTERM after a few blocks (exit 3)."""
    p = start(mpi_cmd(2, "run", cfg, "-o", out, "-q"))
    if wait_blocks(p, out, blocks) is None:
        raise SystemExit(f"could not make an interrupted file: {p.communicate()[0][-2000:]}")
    for pid in ranks_of(p):
        os.kill(pid, signal.SIGTERM)
    o = p.communicate(timeout=60)[0]
    if p.returncode != 3:
        raise SystemExit(f"interrupted run exited {p.returncode}, not 3: {o[-2000:]}")
    log(f"interrupted file {os.path.basename(out)}: {progress_str(out)}")
    return out


def refused(cmd, path, code, words, what, threads=1):
    before = sha(path) if os.path.exists(path) else None
    rc, o, dt = run(cmd, threads=threads)
    after = sha(path) if os.path.exists(path) else None
    msg = o.strip().splitlines()
    first = next((m for m in msg if "error" in m.lower()), msg[0] if msg else "")
    ok = check(rc == code, f"{what}: exit {code} (got {rc}): {first}")
    missing = [w for w in words if w.lower() not in o.lower()]
    ok &= check(not missing, f"{what}: the message names {words}" +
                (f" (missing {missing})" if missing else ""))
    ok &= check(before == after, f"{what}: the file is not modified")
    return ok, dt


def case_mismatch():
    cfg = write_config("mm.yaml")
    ref = reference(cfg)
    out = interrupted(cfg, os.path.join(ARGS.work, "mm.h5"))
    other = write_config("mm_other.yaml", seed=8)
    refused(mpi_cmd(1, "run", other, "-o", out, "--resume", "-q"), out, 1,
            ["config"], "--resume with another config")
    refused(mpi_cmd(1, "run", cfg, "-o", out, "--resume", "--seed", "8", "-q"), out, 1,
            ["seed", "7", "8"], "--resume with --seed 8")
    refused(mpi_cmd(1, "run", cfg, "-o", out, "--resume", "-n", "2000", "-q"), out, 1,
            ["samples", "1200", "2000"], "--resume with -n 2000")
    refused(mpi_cmd(1, "run", cfg, "-o", out, "--resume", "--design", "mc", "-q"), out, 1,
            ["design", "lhs", "mc"], "--resume with --design mc")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
    if check(rc == 0, f"after the refusals the right --resume exits 0 (got {rc})"):
        same_as(ref, out, "resumed after refusals", h5diff=False)
    else:
        log(o)


def case_corrupt():
    cfg = write_config("cr.yaml")
    part = interrupted(cfg, os.path.join(ARGS.work, "cr_part.h5"))
    # The fill values, written by both ranks (each its own rows): every row
    # of a block not done reads as never computed (iterations -1, not
    # converged, NaN results), whichever rank filled it.
    with twh5.h5py.File(part, "r") as f:
        np_ = twh5.np
        bd, bs = f["status/block_done"][()], int(f.attrs["block_size"])
        n = f["status/iterations"].shape[0]
        rows = np_.zeros(n, bool)
        for b in np_.flatnonzero(bd == 0):
            rows[b * bs:(b + 1) * bs] = True
        it, cv = f["status/iterations"][()], f["status/converged"][()]
        y = f["outputs/y"][()]
        check(rows.any() and (it[rows] == -1).all() and (cv[rows] == 0).all()
              and np_.isnan(y[rows]).all(),
              f"the {int(rows.sum())} rows of blocks not done hold the fill values (both "
              "ranks' halves)")
    trunc = os.path.join(ARGS.work, "cr_trunc.h5")
    shutil.copyfile(part, trunc)
    os.truncate(trunc, os.path.getsize(part) // 2)
    refused(mpi_cmd(2, "run", cfg, "-o", trunc, "--resume", "-q"), trunc, 2,
            [os.path.basename(trunc)], "--resume on a truncated file")
    refused([ARGS.tradewar, "info", trunc], trunc, 2, [os.path.basename(trunc)],
            "info on a truncated file")
    junk = os.path.join(ARGS.work, "cr_junk.h5")
    with open(junk, "wb") as f:
        f.write(os.urandom(100000))
    refused(mpi_cmd(1, "run", cfg, "-o", junk, "--resume", "-q"), junk, 2,
            [os.path.basename(junk)], "--resume on random bytes")
    alien = os.path.join(ARGS.work, "cr_alien.h5")
    with twh5.h5py.File(alien, "w") as f:
        f["x"] = [1.0, 2.0]
    refused(mpi_cmd(1, "run", cfg, "-o", alien, "--resume", "-q"), alien, 2,
            [os.path.basename(alien), "tradewar"], "--resume on an HDF5 file that is not tradewar's")
    # A block whose flag reached the disk before its rows (a machine crash):
    # its rows still hold the fill values (iterations -1, NaN); --resume
    # reads /status/iterations in slabs, recomputes that block only and ends
    # bitwise equal to the uninterrupted run.
    early = os.path.join(ARGS.work, "cr_early.h5")
    shutil.copyfile(part, early)
    with twh5.h5py.File(early, "r+") as f:
        bd, bs = f["status/block_done"], int(f.attrs["block_size"])
        b = int(twh5.np.flatnonzero(bd[()])[-1])
        f["status/iterations"][b * bs + bs // 2] = -1
        f["outputs/y"][b * bs + bs // 2] = twh5.np.nan
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", early, "--resume", "-q"))
    if check(rc == 0, f"a done flag without its rows: --resume exits 0 (got {rc})"):
        same_as(reference(cfg, "cr_ref.h5"), early, "a done flag without its rows, resumed",
                h5diff=False)
    # A result whose block_done says done but whose rows are gone cannot be
    # detected without checksums; a damaged header can: zero the superblock.
    zap = os.path.join(ARGS.work, "cr_zap.h5")
    shutil.copyfile(part, zap)
    with open(zap, "r+b") as f:
        f.write(b"\0" * 64)
    refused(mpi_cmd(1, "run", cfg, "-o", zap, "--resume", "-q"), zap, 2,
            [os.path.basename(zap)], "--resume on a file with a zeroed superblock")


def case_unwritable():
    # 100 000 evaluations of 4 ms: minutes of work if it started; refusals take ~1 s.
    cfg = write_config("uw.yaml", samples=100000, cost=4000)
    os.chmod(cfg, 0o644)
    limit = 20.0
    afile = os.path.join(ARGS.work, "a_file")
    open(afile, "w").close()
    cases = [(os.path.join(afile, "out.h5"), "a parent that is a regular file", None),
             ("/proc/tradewar_resume_test.h5", "a directory in /proc", None)]
    ro = os.path.join(ARGS.work, "readonly")
    os.makedirs(ro, exist_ok=True)
    os.chmod(ro, 0o555)
    tw = ARGS.tradewar
    if os.geteuid() == 0:
        # root writes anywhere; the permission case runs as nobody. nobody may
        # not reach the build tree (a clone in /root is mode 700 on a fresh
        # Debian), so the binary, the config and the directory are staged in
        # a world-readable folder under /tmp (setpriv is in util-linux, which
        # every Debian has).
        stage = tempfile.mkdtemp(prefix="tw_unwritable_", dir="/tmp")
        atexit.register(shutil.rmtree, stage, True)
        os.chmod(stage, 0o755)
        tw = shutil.copy2(ARGS.tradewar, os.path.join(stage, "tradewar"))
        cfg = shutil.copy2(cfg, os.path.join(stage, "uw.yaml"))
        ro = os.path.join(stage, "readonly")
        os.makedirs(ro)
        os.chmod(ro, 0o555)
        cases.append((os.path.join(ro, "out.h5"), "a read-only directory (as nobody)",
                      ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]))
    else:
        cases.append((os.path.join(ro, "out.h5"), "a read-only directory", None))
    for out, what, prefix in cases:
        cmd = (prefix or []) + [ARGS.mpiexec, "-n", "1", "--bind-to", "none", tw,
                                "run", cfg, "-o", out, "-q"]
        e = env()
        if prefix:
            e = {k: v for k, v in e.items() if not k.startswith("OMPI_ALLOW")}
            e["HOME"] = e["TMPDIR"] = "/tmp"
        t0 = time.time()
        # nobody's working directory must be one it can enter (mpiexec's
        # start-up fails in one it cannot)
        p = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=300, cwd=os.path.dirname(tw) if prefix else None)
        dt = time.time() - t0
        first = next((m for m in p.stdout.splitlines() if "error" in m.lower()), "")
        check(p.returncode == 2, f"output in {what}: exit 2 (got {p.returncode}): {first}")
        check(dt < limit, f"output in {what}: refused before any work ({dt:.1f} s < {limit:.0f} s)")
        check(not os.path.exists(out), f"output in {what}: no file left")
        check(os.path.basename(out) in p.stdout or os.path.dirname(out) in p.stdout,
              f"output in {what}: the message names the path")
    os.chmod(ro, 0o755)


def case_exists():
    cfg = write_config("ex.yaml")
    ref = reference(cfg)
    done = os.path.join(ARGS.work, "ex_done.h5")
    shutil.copyfile(ref, done)
    refused(mpi_cmd(1, "run", cfg, "-o", done, "-q"), done, 1, ["--resume", "--force"],
            "run onto a finished result without --resume/--force")
    text = os.path.join(ARGS.work, "ex_text.h5")
    with open(text, "w") as f:
        f.write("precious notes\n")
    refused(mpi_cmd(1, "run", cfg, "-o", text, "-q"), text, 1, ["exists"],
            "run onto a text file without --resume/--force")
    # A finished run has nothing to resume: a no-op (exit 0), the file stays as it is;
    # a different run is still refused.
    before = sha(done)
    rc, o, _ = run(mpi_cmd(1, "run", cfg, "-o", done, "--resume", "-q"))
    check(rc == 0 and sha(done) == before, f"--resume on a finished file: exit 0 (got {rc}), "
                                           f"file untouched {o.strip().splitlines()[:1]}")
    refused(mpi_cmd(1, "run", cfg, "-o", done, "--resume", "--seed", "8", "-q"), done, 1,
            ["seed"], "--resume on a finished file with another seed")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", text, "--force", "-q"))
    if check(rc == 0, f"--force over the text file exits 0 (got {rc})"):
        same_as(ref, text, "--force result", h5diff=False)
    else:
        log(o)


def cpulist(text):
    """'0-2,5' -> {0, 1, 2, 5}"""
    out = set()
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out.update(range(int(a), int(b) + 1))
        elif part:
            out.add(int(part))
    return out


def case_local():
    script = os.path.join(ARGS.jobs, "local.sh")
    cfg = write_config("loc.yaml", samples=2000, cost=4000)
    ref = reference(cfg)
    e = env()
    del e["OMP_NUM_THREADS"]
    e["TRADEWAR"] = ARGS.tradewar
    e["MPIEXEC"] = ARGS.mpiexec
    p = subprocess.run([script, cfg], env=dict(e, TW_DRY_RUN="1"), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    cores = os.cpu_count() if not hasattr(os, "sched_getaffinity") else len(os.sched_getaffinity(0))
    ranks = (cores + 7) // 8
    want = f"{cores} cores -> {ranks} ranks x {cores // ranks} threads"
    check(p.returncode == 0 and want in p.stdout, f"local.sh picks '{want}' (dry run): "
                                                  f"{p.stdout.strip().splitlines()[:1]}")
    # Binding: every rank on its own cores, disjoint, `threads` of them each
    # (read back from /proc/PID/status of the running ranks).
    ncores = len(os.sched_getaffinity(0))
    for lr, lt in ((ncores, 1), (1, ncores)):
        aout = os.path.join(ARGS.work, f"aff_{lr}x{lt}.h5")
        p = subprocess.Popen([script, cfg, aout, "-q"], env=dict(e, TW_RANKS=str(lr),
                             TW_THREADS=str(lt)), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True)
        got = wait_blocks(p, aout, 2)
        masks = {}
        for q in ranks_of(p):
            # the union over the rank's threads (OpenMP pins each thread to
            # one core of the rank's set; the main thread shows only its own)
            masks[q] = set()
            for task in os.listdir(f"/proc/{q}/task"):
                try:
                    with open(f"/proc/{q}/task/{task}/status") as f:
                        for line in f:
                            if line.startswith("Cpus_allowed_list:"):
                                masks[q] |= cpulist(line.split(":", 1)[1].strip())
                except OSError:
                    pass
        kill9(p)
        sets = list(masks.values())
        disjoint = all(not (a & b) for i, a in enumerate(sets) for b in sets[i + 1:])
        check(got is not None and len(sets) == lr and disjoint and all(len(m) == lt for m in sets),
              f"local.sh {lr} ranks x {lt} threads: each rank bound to {lt} core(s) of its own, "
              f"disjoint: {[sorted(m) for m in sets]}")
    out = os.path.join(ARGS.work, "loc.h5")
    # SIGINT to the process group, as Ctrl-C on a terminal does.
    p = subprocess.Popen([script, cfg, out, "-q"], env=e, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    got = wait_blocks(p, out, 5)
    if got is None:
        check(False, f"local.sh: the run ended before 5 blocks: {p.communicate()[0][-2000:]}")
        return
    os.killpg(p.pid, signal.SIGINT)
    o = p.communicate(timeout=60)[0]
    check(p.returncode == 3, f"local.sh: Ctrl-C after {got[0]} blocks gives exit 3 (got {p.returncode})")
    check("--resume" in o, "local.sh: says how to continue")
    p = subprocess.run([script, cfg, out, "-q"], env=dict(e, TW_RUN_ARGS="--resume"),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check(p.returncode == 0, f"local.sh with TW_RUN_ARGS=--resume exits 0 (got {p.returncode})"):
        same_as(ref, out, "local.sh interrupted and resumed", h5diff=False)
        check("results: " in p.stdout and "progress" in p.stdout,
              "local.sh prints where the results are and `tradewar info`")
    else:
        log(p.stdout[-3000:])


def case_pbs():
    import json
    import shlex
    pbs = os.path.join(ARGS.jobs, "pbs")
    fake = os.path.join(ARGS.work, "fakebin")
    os.makedirs(fake)
    qlog = os.path.join(ARGS.work, "qsub.jsonl")
    with open(os.path.join(fake, "qsub"), "w") as f:
        f.write("#!/usr/bin/python3\nimport json, sys\n"
                f"n = sum(1 for _ in open({qlog!r})) if __import__('os').path.exists({qlog!r}) else 0\n"
                f"open({qlog!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
                "print(f'{200 + n}.fakepbs')\n")
    with open(os.path.join(fake, "qstat"), "w") as f:   # walltime 6 s
        f.write("#!/bin/sh\necho \"Job Id: $2\"\necho '    Resource_List.walltime = 00:00:06'\n")
    for n in ("qsub", "qstat"):
        os.chmod(os.path.join(fake, n), 0o755)
    host = subprocess.run(["hostname"], stdout=subprocess.PIPE, text=True).stdout.strip()
    nf2 = os.path.join(ARGS.work, "nodes2")
    nf1 = os.path.join(ARGS.work, "nodes1")
    with open(nf2, "w") as f:
        f.write(f"{host}\n{host}\n")
    with open(nf1, "w") as f:
        f.write(f"{host}\n")

    def pbs_env(**kw):
        e = env()
        e.update(PATH=fake + os.pathsep + e["PATH"], PBS_O_WORKDIR=ARGS.work, PBS_JOBID="100.fakepbs",
                 TRADEWAR=ARGS.tradewar, TW_MPIRUN=ARGS.mpiexec, PBS_NODEFILE=nf2)
        e.update(kw)
        return e

    def job(script, **kw):
        p = subprocess.run(["bash", os.path.join(pbs, script)], env=pbs_env(**kw), cwd="/",
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        return p.returncode, p.stdout

    # hybrid.pbs: 2 ranks from the node file
    cfg = write_config("pbs_a.yaml", samples=800, cost=500)
    ref = reference(cfg)
    rc, o = job("hybrid.pbs", TW_CONFIG="pbs_a.yaml", TW_OUT="out/hyb.h5")
    if check(rc == 0 and "2 ranks x 1 threads" in o,
             f"hybrid.pbs: exit 0 with 2 ranks x 1 thread from the node file (exit {rc})"):
        same_as(ref, os.path.join(ARGS.work, "out/hyb.h5"), "hybrid.pbs", h5diff=False)
    else:
        log(o[-3000:])
    # array.pbs: subjob 1 of a two-config list
    write_config("pbs_b.yaml", samples=800, seed=9, cost=500)
    with open(os.path.join(ARGS.work, "sweep.txt"), "w") as f:
        f.write("# two configs\npbs_a.yaml\npbs_b.yaml\n")
    rc, o = job("array.pbs", TW_CONFIGS="sweep.txt", TW_OUTDIR="sweep", PBS_ARRAY_INDEX="1")
    outb = os.path.join(ARGS.work, "sweep/pbs_b.h5")
    if check(rc == 0 and os.path.exists(outb) and not os.path.exists(os.path.join(ARGS.work, "sweep/pbs_a.h5")),
             f"array.pbs subjob 1 runs the second config only (exit {rc})"):
        d, t, fin = twh5.progress(outb)
        check(fin == 1, f"array.pbs subjob 1: finished ({d}/{t} blocks)")
    else:
        log(o[-3000:])
    rc, o = job("array.pbs", TW_CONFIGS="sweep.txt", PBS_ARRAYID="5")
    check(rc == 1 and "only 2 configs" in o, f"array.pbs with index 5 of 2: exit 1 naming the count (exit {rc})")
    # long.pbs: walltime 6 s (stand-in qstat), margin 4 s: the timer stops the run after
    # 2 s; each job submits its continuation; run them until the chain ends.
    cfg = write_config("pbs_long.yaml", samples=3000, cost=4000)   # ~6 s on 1 x 2
    ref = reference(cfg, name="ref_long.h5", ranks=2)
    # Each job gets ~2 s of work done; a loaded machine needs more jobs (hence the caps).
    env_next = dict(TW_CONFIG="pbs_long.yaml", TW_OUT="out/long.h5", TW_MARGIN_S="4",
                    TW_SCRIPT=os.path.join(pbs, "long.pbs"), PBS_NODEFILE=nf1, OMP_NUM_THREADS="2",
                    TW_MAX_RESTARTS="60")
    jobs, codes = 0, []
    while env_next is not None and jobs < 60:
        before = sum(1 for _ in open(qlog)) if os.path.exists(qlog) else 0
        rc, o = job("long.pbs", **env_next)
        jobs += 1
        codes.append(rc)
        calls = [json.loads(x) for x in open(qlog)] if os.path.exists(qlog) else []
        env_next = None
        if len(calls) > before:
            argv = calls[-1]
            ok = "-W" in argv and argv[argv.index("-W") + 1] == "depend=afterany:100.fakepbs" and "-v" in argv
            if not check(ok, f"long.pbs job {jobs}: continuation submitted with depend=afterany and -v: "
                             f"{shlex.join(argv)[:200]}"):
                break
            env_next = dict(kv.split("=", 1) for kv in argv[argv.index("-v") + 1].split(","))
            check(env_next.get("TW_MAX_RESTARTS") == "60", "long.pbs passes TW_MAX_RESTARTS on")
            env_next.update(PBS_NODEFILE=nf1, OMP_NUM_THREADS="2")
            log(f"long.pbs job {jobs}: exit {rc}, file {progress_str(os.path.join(ARGS.work, 'out/long.h5'))}, "
                f"continuation TW_RESTART={env_next.get('TW_RESTART')}")
        elif rc != 0:
            log(o[-3000:])
    out = os.path.join(ARGS.work, "out/long.h5")
    check(jobs >= 2 and codes[-1] == 0 and all(c == 0 for c in codes),
          f"long.pbs: {jobs} jobs in the chain (>= 2: the timer stopped it), all exit 0: {codes}")
    if os.path.exists(out):
        same_as(ref, out, "long.pbs chain", h5diff=False)
    rc, o = job("long.pbs", TW_CONFIG="pbs_long.yaml", TW_OUT="out/long.h5", PBS_NODEFILE=nf1)
    check(rc == 0 and "finished already" in o, f"long.pbs on the finished file: nothing to do, exit 0 (exit {rc})")


def case_deadrank():
    cfg = write_config("dead.yaml")
    ref = reference(cfg)
    out = os.path.join(ARGS.work, "dead.h5")
    p = start(mpi_cmd(2, "run", cfg, "-o", out, "-q"))
    got = wait_blocks(p, out, 5)
    procs = ranks_of(p)
    if got is None or len(procs) != 2:
        check(False, f"dead rank: no 5 blocks or not 2 ranks ({procs}): "
                     f"{p.communicate()[0][-2000:]}")
        return
    victim = procs[-1]
    t0 = time.time()
    os.kill(victim, signal.SIGKILL)
    try:
        o = p.communicate(timeout=60)[0]
        dt = time.time() - t0
    except subprocess.TimeoutExpired:
        kill9(p)
        check(False, "dead rank: mpiexec still running 60 s after one rank was killed (a hang)")
        return
    check(p.returncode != 0, f"dead rank: the job ends {dt:.1f} s after rank pid {victim} was "
                             f"killed, exit {p.returncode} (nonzero)")
    left = [q for q in procs if os.path.exists(f"/proc/{q}")
            and open(f"/proc/{q}/stat").read().split()[2] != "Z"]
    check(not left, f"dead rank: no rank left running ({left})")
    d, t, fin = twh5.progress(out)
    check(fin == 0 and got[0] <= d < t, f"dead rank: unfinished consistent file, {d}/{t} blocks")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
    if check(rc == 0, f"dead rank: --resume exits 0 (got {rc})"):
        same_as(ref, out, "dead rank, resumed", h5diff=False)
    else:
        log(o)
    # A crashing rank (SIGSEGV) calls MPI_Abort: the job ends with its message.
    out = os.path.join(ARGS.work, "crash.h5")
    p = start(mpi_cmd(2, "run", cfg, "-o", out, "-q"))
    got = wait_blocks(p, out, 5)
    procs = ranks_of(p)
    if got is None or len(procs) != 2:
        check(False, f"crash: no 5 blocks or not 2 ranks ({procs})")
        kill9(p)
        return
    t0 = time.time()
    os.kill(procs[-1], signal.SIGSEGV)
    try:
        o = p.communicate(timeout=60)[0]
    except subprocess.TimeoutExpired:
        kill9(p)
        check(False, "crash: mpiexec still running 60 s after a rank crashed")
        return
    check(p.returncode != 0 and "fatal signal in this rank: aborting the whole job" in o,
          f"crash: a SIGSEGV in one rank aborts the job in {time.time() - t0:.1f} s with "
          f"exit {p.returncode} and says so")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
    if check(rc == 0, f"crash: --resume exits 0 (got {rc})"):
        same_as(ref, out, "crash, resumed", h5diff=False)


def case_fault():
    cfg = write_config("fault.yaml")
    ref = reference(cfg)
    shim = os.path.abspath(ARGS.fault_shim or "")
    if not check(os.path.isfile(shim), f"fault: the shim {shim} exists"):
        return
    # How many pwrites a clean run makes per rank: the fault goes to the middle.
    probe = os.path.join(ARGS.work, "probe.h5")
    rc, o, _ = run([ARGS.mpiexec, "-n", "2", "--bind-to", "none", "-x", f"LD_PRELOAD={shim}",
                    "-x", "TW_FAULT_VERBOSE=1", ARGS.tradewar, "run", cfg, "-o", probe, "-q"])
    counts = [int(w.split()[1]) for w in o.splitlines() if w.startswith("fault_pwrite:")]
    if not check(rc == 0 and len(counts) == 2 and min(counts) > 20,
                 f"fault: a run under the shim without a fault works, pwrites per rank {counts}"):
        log(o)
        return
    for who, rank_env in (("every rank", []), ("rank 1 only", ["-x", "TW_FAULT_RANK=1"])):
        out = os.path.join(ARGS.work, f"fault_{len(rank_env)}.h5")
        after = min(counts) // 2
        t0 = time.time()
        rc, o, dt = run([ARGS.mpiexec, "-n", "2", "--bind-to", "none", "-x", f"LD_PRELOAD={shim}",
                         "-x", f"TW_FAULT_PWRITE_AFTER={after}", *rank_env, ARGS.tradewar, "run",
                         cfg, "-o", out], timeout=120)
        check(rc == 2 and f"{out}: writing block" in o and "use --resume" in o,
              f"fault on {who} after {after} pwrites: exit 2 (got {rc}) in {dt:.1f} s, "
              f"the message names the file and says --resume")
        if rc != 2:
            log(o[-2000:])
        if not check(os.path.exists(out), f"fault on {who}: the file is kept"):
            continue
        d, t, fin = twh5.progress(out)
        check(fin == 0 and 0 < d < t, f"fault on {who}: unfinished file, {d}/{t} blocks done")
        rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
        if check(rc == 0, f"fault on {who}: --resume without the fault exits 0 (got {rc})"):
            same_as(ref, out, f"fault on {who}, resumed", h5diff=False)
        else:
            log(o)


def case_writers():
    global LOCKING
    LOCKING = True
    cfg = write_config("writers.yaml")
    ref = reference(cfg)
    out = os.path.join(ARGS.work, "writers.h5")
    mark = os.path.join(ARGS.work, "in_summary")
    shim = os.path.abspath(ARGS.fault_shim or "")
    host = os.uname().nodename
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis")
    p = start([ARGS.mpiexec, "-n", "2", "--bind-to", "none", "-x", f"LD_PRELOAD={shim}",
               "-x", "TW_FAULT_PAUSE_GROUP=summary", "-x", f"TW_FAULT_PAUSE_MARK={mark}",
               "-x", "TW_FAULT_PAUSE_SECONDS=6", ARGS.tradewar, "run", cfg, "-o", out, "-q"])
    got = wait_blocks(p, out, 5)
    procs = ranks_of(p)
    if got is None or len(procs) != 2:
        check(False, f"writers: no 5 blocks or not 2 ranks ({procs})")
        kill9(p)
        return

    def readers_and_writers(phase):
        for extra in (["--resume"], ["--force"]):
            before = twh5.progress(out)[0]
            rc, o, _ = run([ARGS.tradewar, "run", cfg, "-o", out, *extra])
            named = "being written by another run" in o and f"host {host}" in o and \
                any(f"pid {q} " in o for q in procs)
            check(rc == 1 and named and twh5.progress(out)[0] >= before,
                  f"writers, {phase}: a second writer ({extra[0]}) is refused with exit 1 "
                  f"(got {rc}) naming host and rank 0's pid, the file not reset"
                  + ("" if named else f": {o.strip()[-300:]}"))
        rc, o, _ = run([ARGS.tradewar, "info", "--json", out])
        try:
            js = json.loads(o)
        except ValueError:
            js = {}
        check(rc == 0 and js.get("status") == "running" and f"host {host}" in js.get("writer", "")
              and 0 < js.get("blocks_done", 0) <= js.get("n_blocks", 0) and js.get("finished") is False,
              f"writers, {phase}: `info --json` says running, names the writer, blocks "
              f"{js.get('blocks_done')}/{js.get('n_blocks')} (exit {rc})")
        rc, o, _ = run([ARGS.tradewar, "info", out])
        check(rc == 0 and "being written now" in o,
              f"writers, {phase}: `tradewar info` reads it and says it is being written (exit {rc})"
              + ("" if rc == 0 else f": {o.strip()[-300:]}"))
        try:
            d, t, _ = twh5.progress(out)
            check(True, f"writers, {phase}: h5py with HDF5 file locking on reads it: {d}/{t} blocks")
        except Exception as e:  # noqa: BLE001
            check(False, f"writers, {phase}: h5py with locking on cannot read it: {e}")
        e = env()
        e["PYTHONPATH"] = analysis
        a = subprocess.run([sys.executable, "-m", "tradewar_analysis", "summary", out], env=e,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check("cannot open" not in a.stdout and "damaged" not in a.stdout,
              f"writers, {phase}: tradewar-analyze opens it (exit {a.returncode}: "
              f"{a.stdout.strip().splitlines()[-1:]})")

    readers_and_writers("mid-run")
    t0 = time.time()
    while not os.path.exists(mark) and p.poll() is None and time.time() - t0 < 120:
        time.sleep(0.05)
    if check(os.path.exists(mark), "writers: the run reached its summary pass (paused there)"):
        readers_and_writers("summary pass")
    o = p.communicate(timeout=120)[0]
    check(p.returncode == 0, f"writers: the first run finishes (exit {p.returncode})")
    if p.returncode != 0:
        log(o[-2000:])
    same_as(ref, out, "writers: the first run", h5diff=False)
    check(not os.path.exists(out + ".lock"), "writers: no lock file left after the run")
    js = json.loads(run([ARGS.tradewar, "info", "--json", out])[1])
    check(js["status"] == "finished" and js["finished"] is True and js["writer"] == ""
          and js["blocks_done"] == js["n_blocks"] and js["samples_done"] == js["n_samples"],
          f"writers: `info --json` after the run: {js['status']}, {js['blocks_done']}/{js['n_blocks']}")

    # a stale lock: its holder was killed
    out2 = os.path.join(ARGS.work, "stale.h5")
    p = start(mpi_cmd(2, "run", cfg, "-o", out2, "-q"))
    wait_blocks(p, out2, 5)
    procs = ranks_of(p)
    kill9(p)
    check(os.path.exists(out2 + ".lock"), "stale: kill -9 leaves the lock file behind")
    js = json.loads(run([ARGS.tradewar, "info", "--json", out2])[1])
    check(js["status"] == "unfinished" and js["writer"] == "",
          f"stale: `info --json` says unfinished, no writer (a dead holder is none): {js['status']}")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out2, "--resume"))
    check(rc == 0 and "taking over the write lock of a run that is gone" in o
          and any(f"pid {q} " in o for q in procs),
          f"stale: --resume takes over the dead run's lock with a message naming it (exit {rc})"
          + ("" if rc == 0 else f": {o[-500:]}"))
    same_as(ref, out2, "stale: resumed", h5diff=False)


# The shim pauses the summary pass where the TW_FAULT_PAUSE_* variables
# say: /outputs/y opened, in slabs of 100 rows.
# (the start-up opens every per-sample dataset once: the pause is at the
# next open, the first pass's)
PAUSE_Y_SLABS = ["TW_FAULT_PAUSE_DATASET=outputs/y", "TW_FAULT_PAUSE_DATASET_SKIP=1",
                 "TW_SUMMARY_SLAB_ROWS=100"]


def stop_in_summary(shim, cfg, ref, name, markname, pause, says, what, says_what, label):
    """Run cfg on 2 ranks with the fault shim pausing where `pause` says,
    SIGTERM the ranks once paused, check exit 3 with every block done,
    unfinished, and `says` in the message; then --resume and compare with
    ref. Returns the output path if the resume exited 0, else None."""
    out = os.path.join(ARGS.work, name)
    mark = os.path.join(ARGS.work, markname)
    env = []
    for v in pause + [f"TW_FAULT_PAUSE_MARK={mark}", "TW_FAULT_PAUSE_SECONDS=3"]:
        env += ["-x", v]
    p = start([ARGS.mpiexec, "-n", "2", "--bind-to", "none", "-x", f"LD_PRELOAD={shim}"]
              + env + [ARGS.tradewar, "run", cfg, "-o", out])
    t0 = time.time()
    while not os.path.exists(mark) and p.poll() is None and time.time() - t0 < 120:
        time.sleep(0.02)
    procs = ranks_of(p)
    for q in procs:
        os.kill(q, signal.SIGTERM)
    o = p.communicate(timeout=120)[0]
    d, t, fin = twh5.progress(out)
    check(p.returncode == 3 and d == t and fin == 0 and says in o,
          f"{what}: exit 3 (got {p.returncode}), {d}/{t} blocks, finished={fin}, {says_what}")
    if p.returncode != 3:
        log(o[-1500:])
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
    if check(rc == 0, f"{label}: --resume exits 0 (got {rc})"):
        same_as(ref, out, f"{label}, resumed", h5diff=False)
        return out
    return None


def case_stops():
    shim = os.path.abspath(ARGS.fault_shim or "")
    # (a) the last round: a one-round run (2 blocks of 16 on 2 ranks, 0.1 s a sample)
    cfg = write_config("last.yaml", samples=32, cost=100000)
    ref = reference(cfg, "ref_last.h5")
    out = os.path.join(ARGS.work, "last.h5")
    p = start(mpi_cmd(2, "run", cfg, "-o", out, "-q"))
    t0 = time.time()
    while not os.path.exists(out) and p.poll() is None and time.time() - t0 < 60:
        time.sleep(0.01)
    procs = ranks_of(p)
    for q in procs:
        os.kill(q, signal.SIGTERM)
    o = p.communicate(timeout=120)[0]
    d, t, fin = twh5.progress(out)
    check(p.returncode == 3 and d == t and fin == 0,
          f"SIGTERM in the last round: exit 3 (got {p.returncode}), {d}/{t} blocks, finished={fin}")
    if p.returncode != 3:
        log(o[-1500:])
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
    if check(rc == 0, f"last round: --resume exits 0 (got {rc})"):
        same_as(ref, out, "last round, resumed", h5diff=False)
    # (b) the summary pass, paused there by the shim
    cfg = write_config("pass.yaml")
    ref = reference(cfg, "ref_pass.h5")
    stop_in_summary(shim, cfg, ref, "pass.h5", "in_summary", ["TW_FAULT_PAUSE_GROUP=summary"],
                    "while writing the summary",
                    "SIGTERM in the summary pass", "the message says where", "summary pass")
    # (b2) inside one outcome's summary (Ishigami has one: y), paused as the
    # pass opens /outputs/y; the stop is honoured between its slabs, before
    # the pass ends (issue 11 item 3), and the resumed pass redoes it
    stop_in_summary(shim, cfg, ref, "pass_y.h5", "in_summary_y", PAUSE_Y_SLABS,
                    "during the summary pass (in outcome 'y')",
                    "SIGTERM inside the summary of outcome y", "the message names the outcome",
                    "summary of y")
    # (b3) inside the summary by regime (x1 made a coin flip, summary.by: [x1]),
    # paused as that pass opens /outputs/y (it runs before the summary pass):
    # the stop is honoured between its slabs, the message names the pass and
    # the outcome, and the resumed run redoes it (/summary_by compared too)
    cfg = write_config("pass_by.yaml")
    with open(cfg, "a") as f:
        f.write("parameters:\n  x1: {dist: bernoulli, p: 0.3}\nsummary:\n  by: [x1]\n")
    ref = reference(cfg, "ref_pass_by.h5")
    out = stop_in_summary(shim, cfg, ref, "pass_by.h5", "in_summary_by", PAUSE_Y_SLABS,
                          "during the summary by regime (in outcome 'y')",
                          "SIGTERM inside the summary by regime",
                          "the message names the pass and the outcome", "summary by regime")
    if out:
        diffs = twh5.compare(ref, out, ["/summary_by"])
        check(not diffs, "summary by regime, resumed: /summary_by bitwise identical"
              + ("" if not diffs else f": {diffs[:5]}"))
    # (c) --max-time
    cfg = write_config("maxtime.yaml", samples=3000)
    out = os.path.join(ARGS.work, "maxtime.h5")
    rc, o, dt = run(mpi_cmd(2, "run", cfg, "-o", out, "--max-time", "4", "-q"))
    d, t, fin = twh5.progress(out)
    check(rc == 3 and "stopped by --max-time (4 s)" in o and dt < 4 + 3 and fin == 0 and d < t,
          f"--max-time 4: exit 3 (got {rc}) after {dt:.1f} s (limit 4 s + MPI start-up), "
          f"{d}/{t} blocks, the message names --max-time")
    ref = reference(cfg, "ref_maxtime.h5")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "--max-time", "1:00:00", "-q"))
    if check(rc == 0, f"--max-time: --resume with a long limit exits 0 (got {rc})"):
        same_as(ref, out, "--max-time, resumed", h5diff=False)
    for bad in ("abc", "0", "-5", "10x", "5:61", "1:2:3:4", "1-25:00:00x"):
        rc, o, _ = run([ARGS.tradewar, "run", cfg, "-o", os.path.join(ARGS.work, "no.h5"),
                        "--max-time", bad])
        check(rc == 1 and f"--max-time: expected a duration" in o and f"got '{bad}'" in o
              and not os.path.exists(os.path.join(ARGS.work, "no.h5")),
              f"--max-time '{bad}': exit 1 (got {rc}) with a message, no file")


def case_provenance():
    import h5py
    import numpy as np
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "configs", "data",
                       "world")
    data = os.path.join(ARGS.work, "world")
    shutil.copytree(src, data)
    cfg = os.path.join(ARGS.work, "prov.yaml")
    with open(cfg, "w") as f:
        f.write(f"model: tradewar\ndata: {data}\nsamples: 24\nseed: 3\nblock_size: 8\n"
                f"counterfactual:\n  tariffs: {data}/tariffs_2025_extra.csv\n")
    out = os.path.join(ARGS.work, "prov.h5")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "-q"))
    if not check(rc == 0, f"provenance: the trade-model run finishes (exit {rc})"):
        log(o[-2000:])
        return
    with h5py.File(out, "r") as f:
        listed = f.attrs["data_sha256"]
        listed = listed.decode() if isinstance(listed, bytes) else listed
    lines = [ln.split("  ", 1) for ln in listed.splitlines()]
    truth = all(sha(p) == h for h, p in lines)
    csvs = {os.path.join(data, n) for n in os.listdir(data) if n.endswith(".csv")}
    read = {os.path.normpath(p) for _, p in lines}
    check(lines and truth and os.path.join(data, "tariffs_2025_extra.csv") in read
          and read <= {os.path.normpath(c) for c in csvs},
          f"provenance: data_sha256 lists {len(lines)} CSV files, each with its true SHA-256")
    victim = os.path.normpath(lines[0][1])
    with open(victim) as f:
        text = f.read()
    before = sha(out)
    with open(victim, "w") as f:
        f.write(text + "\n")  # one more newline: same numbers, other bytes
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume"))
    check(rc == 1 and f"data file {victim} differs" in o and sha(out) == before,
          f"provenance: a changed data file is refused on --resume with exit 1 (got {rc}) "
          f"naming it, the result file untouched" + ("" if rc == 1 else f": {o[-400:]}"))
    with open(victim, "w") as f:
        f.write(text)
    with h5py.File(out, "r+") as f:
        f.attrs["engine_version"] = np.bytes_("0.0-old")  # fixed-length, as tradewar writes
        f.attrs["finished"] = 0
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume"))
    check(rc == 0 and "was started by tradewar 0.0-old, this is" in o,
          f"provenance: another engine version only warns on --resume (exit {rc})"
          + ("" if rc == 0 else f": {o[-400:]}"))


def history(out):
    """/history as a list of dicts (h5py), one per start."""
    import h5py
    with h5py.File(out, "r") as f:
        g = f["history"]
        cols = {k: (g[k].asstr()[()] if h5py.check_string_dtype(g[k].dtype) else g[k][()]).tolist()
                for k in g}
    return [{k: v[i] for k, v in cols.items()} for i in range(len(cols["start"]))]


def info_json(out):
    p = subprocess.run([ARGS.tradewar, "info", out, "--json"], env=env(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, errors="replace", timeout=60)
    return json.loads(p.stdout) if p.returncode == 0 else {"error": p.stderr}


def case_history():
    """/history: one row per start with how it was launched and how it ended:
    a stop (exit 3), a kill -9 (never finalized: killed), a completing
    resume; blocks monotone from row to row; the result still bitwise the
    uninterrupted run's."""
    import socket
    cfg = write_config("hist.yaml")
    ref = reference(cfg, "ref_hist.h5")
    out = os.path.join(ARGS.work, "hist.h5")
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--max-time", "1", "-q"), threads=1)
    h = history(out)
    d0, t, _ = twh5.progress(out)
    check(rc == 3 and len(h) == 1 and h[0]["exit_reason"] == "stopped" and h[0]["exit_status"] == 3
          and "--max-time" in h[0]["exit_detail"] and (h[0]["mpi_ranks"], h[0]["omp_threads"]) == (2, 1)
          and h[0]["blocks_at_start"] == 0 and 0 < h[0]["blocks_at_end"] == d0 < t,
          f"history: a run stopped by --max-time (exit {rc}) has one row: stopped, exit 3, 2x1, "
          f"0 -> {d0} blocks: {h}")
    check(h[0]["hosts"] == socket.gethostname() and h[0]["job_id"] == "none"
          and h[0]["cpu_seconds"] > 0 and h[0]["max_rss_bytes"] > 1 << 20
          and 0 < h[0]["wall_seconds"] < 30 and h[0]["started"] <= h[0]["ended"],
          f"history: host, job, CPU time, peak RSS, wall time and times of the stopped start: {h[0]}")
    # a resume on 1 rank x 2 threads, seen running, then killed
    p = start(mpi_cmd(1, "run", cfg, "-o", out, "--resume", "-q"), threads=2)
    got = wait_blocks(p, out, d0 + 5)
    live = info_json(out)
    kill9(p)
    h = history(out)
    d1, _, _ = twh5.progress(out)
    hist_live = live.get("history", [])
    check(got is not None and len(hist_live) == 2 and hist_live[1]["exit_reason"] == "running"
          and hist_live[1]["ended"] is None and hist_live[0]["exit_reason"] == "stopped",
          f"history: `info --json` during the resume shows the new start running: {hist_live}")
    check(len(h) == 2 and h[1]["exit_reason"] == "unfinished" and h[1]["ended"] == ""
          and h[1]["blocks_at_start"] == h[0]["blocks_at_end"] and h[1]["blocks_at_end"] == -1
          and (h[1]["mpi_ranks"], h[1]["omp_threads"]) == (1, 2),
          f"history: the kill -9'd resume keeps its start row, unfinished, 1x2, starting at "
          f"{h[0]['blocks_at_end']} blocks: {h[1:]}")
    j = info_json(out).get("history", [])
    rc, text, _ = run([ARGS.tradewar, "info", out])
    check(len(j) == 2 and j[1]["exit_reason"] == "killed" and j[1]["cpu_seconds"] is None
          and rc == 0 and " killed " in text,
          f"history: `tradewar info` shows the killed start as killed: {j[1:]}")
    # the resume that completes, on 3 ranks
    rc, o, _ = run(mpi_cmd(3, "run", cfg, "-o", out, "--resume", "-q"), threads=1)
    h = history(out)
    check(rc == 0 and len(h) == 3 and h[2]["exit_reason"] == "complete" and h[2]["exit_status"] == 0
          and h[2]["blocks_at_end"] == t and h[2]["blocks_at_start"] >= d1 - 1
          and (h[2]["mpi_ranks"], h[2]["omp_threads"]) == (3, 1) and h[2]["exit_detail"] == "",
          f"history: the completing resume (exit {rc}) adds a third row: complete, 3x1, "
          f"-> {t} blocks: {h[2:]}")
    starts = [r["blocks_at_start"] for r in h]
    ok = all(a <= b for a, b in zip(starts, starts[1:]))
    for r, nxt in zip(h, h[1:]):  # a recorded end is where the next start begins
        ok &= r["blocks_at_end"] < 0 or (r["blocks_at_start"] <= r["blocks_at_end"] == nxt["blocks_at_start"])
    check(ok, f"history: blocks done never decrease from start to start: "
              f"{[(r['blocks_at_start'], r['blocks_at_end']) for r in h]}")
    same_as(ref, out, "history: stopped, killed and resumed", h5diff=False)
    rc, o, _ = run(mpi_cmd(2, "run", cfg, "-o", out, "--resume", "-q"))
    check(rc == 0 and len(history(out)) == 3,
          f"history: --resume on the finished file changes nothing, adds no row (exit {rc})")
    # a stop message longer than exit_detail's 511 bytes whose 511th byte
    # falls inside a UTF-8 character (the path twice, 2 bytes a character;
    # the sample count in the message moves the cut, so configs of growing
    # name length, named once in it, are tried until one cuts a character):
    # the stored text is the longest valid UTF-8 prefix. (Paths stay under ~250 bytes: Open MPI
    # 4.1's OMPIO overflows a buffer in MPI_File_open on longer ones.)
    def broken(b):
        try:
            b.decode("utf-8")
            return False
        except UnicodeDecodeError:
            return True
    cut = False
    for pad in range(6):
        deep = os.path.join(ARGS.work, "%d" % pad + "\u00e9" * 70)
        os.makedirs(deep)
        out = os.path.join(deep, "h.h5")
        cfg_pad = write_config("hist%s.yaml" % ("x" * pad))
        rc, o, _ = run(mpi_cmd(1, "run", cfg_pad, "-o", out, "--max-time", "1", "-q"))
        line = next((ln for ln in o.splitlines() if ln.startswith("tradewar: interrupted: ")), "")
        msg = line[len("tradewar: interrupted: "):].encode()
        if rc != 3 or len(msg) <= 511 or not broken(msg[:511]):
            continue
        cut = True
        try:
            h, err = history(out), ""  # asstr() decodes every string as UTF-8
        except Exception as e:  # noqa: BLE001 (any failure to decode is the finding)
            h, err = [], repr(e)
        j = info_json(out).get("history", [])
        check(len(h) == 1 and h[0]["exit_detail"].encode() == msg[:510] and len(j) == 1
              and j[0]["exit_detail"] == msg[:510].decode(),
              f"history: a stop message cut inside a UTF-8 character is stored as its longest "
              f"valid prefix (510 bytes){': ' + err if err else ''}")
        break
    check(cut, "history: one of the padded config names made the stop message's 511th byte "
               "fall inside a character")


def tw_cmd(ranks, *args):
    """mpi_cmd, but one rank runs without mpiexec (MPI singleton): a second faster each."""
    return [ARGS.tradewar, *args] if ranks == 1 else mpi_cmd(ranks, *args)


def case_shard():
    cfg = write_config("sh.yaml", samples=600, cost=2000)  # 38 blocks of 16
    ref = reference(cfg)
    groups = twh5.GROUPS + ["/baseline"]
    w = ARGS.work

    def shard(i, n, ranks, threads=1, config=cfg, extra=()):
        tag = os.path.splitext(os.path.basename(config))[0] + "".join(extra)
        out = os.path.join(w, f"{tag}_part{i}of{n}.h5")
        rc, o, _ = run(tw_cmd(ranks, "run", config, "--shard", f"{i}/{n}", "-o", out, "-q",
                               *extra), threads=threads)
        if rc != 0:
            log(o)
            raise SystemExit(f"shard {i}/{n} exited {rc}")
        return out

    def merge_ok(out, parts, ranks, what, reference=ref, grp=groups):
        rc, o, _ = run(tw_cmd(ranks, "merge", out, *parts, "-q"))
        if not check(rc == 0, f"{what}: merge exits 0 (got {rc})"):
            log(o)
            return False
        diffs = twh5.compare(reference, out, grp)
        return check(not diffs, f"{what}: {' '.join(grp)} bitwise identical to the unsharded "
                                f"run" + ("" if not diffs else f": {diffs[:5]}"))

    parts = [shard(1, 3, 1, threads=2), shard(2, 3, 2), shard(3, 3, 3)]
    merged = os.path.join(w, "sh_merged.h5")
    merge_ok(merged, parts, 2, "3 shards on 1x2, 2x1, 3x1 ranks x threads, merged on 2 ranks")
    with twh5.h5py.File(merged, "r") as f:
        check(not [k for k in f.attrs if k.startswith("shard_")] and
              int(f.attrs["merged_shards"]) == 3,
              "merged file: no shard_* attributes, merged_shards = 3")
    hp = [len(history(x)) for x in parts]
    hm = history(merged)
    check(hp == [1, 1, 1] and [(r["mpi_ranks"], r["omp_threads"]) for r in hm] ==
          [(1, 2), (2, 1), (3, 1)],
          f"merged /history: the starts of the parts in shard order (1x2, 2x1, 3x1): {hm}")
    if ARGS.h5diff:
        bad = [g for g in groups if run([ARGS.h5diff, "-r", ref, merged, g, g])[0] != 0]
        check(not bad, f"h5diff -r finds no difference in {groups}" + (f": {bad}" if bad else ""))
    rc, o, _ = run([ARGS.tradewar, "info", merged])
    check(rc == 0 and "finished" in o and "from 3 shards" in o,
          f"info on the merged file: exit 0, finished, merged from 3 shards (got {rc})")
    before = sha(merged)
    rc, o, _ = run(tw_cmd(1, "run", cfg, "-o", merged, "--resume"))
    check(rc == 0 and "already finished" in o and sha(merged) == before,
          f"--resume on the merged file: nothing to do, exit 0 (got {rc}), file untouched")
    rc, o, _ = run([ARGS.tradewar, "info", "--json", parts[1]])
    try:
        js = json.loads(o)
    except ValueError:
        js = {}
    check(rc == 0 and js.get("shard") == "2/3" and js.get("status") == "finished" and
          js.get("blocks_done") == js.get("shard_blocks") == 38 * 2 // 3 - 38 // 3,
          f"info --json on part 2/3: shard 2/3, finished, blocks 12..24 done ({o.strip()[:400]})")
    merge_ok(os.path.join(w, "sh_merged2.h5"), [shard(2, 2, 2), shard(1, 2, 1)], 1,
             "2 shards given out of order, merged on 1 rank")
    merge_ok(os.path.join(w, "sh_merged1.h5"), [shard(1, 1, 2)], 1, "1 shard of 1")

    # the other passes: summary by regime and sensitivity (pick-freeze rows), one config
    both = os.path.join(w, "sh_passes.yaml")
    with open(both, "w") as f:
        f.write("model: ishigami\nseed: 5\nblock_size: 16\nparameters:\n"
                "  x1: {dist: bernoulli, p: 0.3}\nsummary:\n  by: [x1]\n"
                "sensitivity: {base_samples: 64, bootstrap: 50}\n")
    r = reference(both, name="sh_passes_ref.h5")
    ps = [shard(i, 3, 2 if i == 2 else 1, config=both) for i in (1, 2, 3)]
    merge_ok(os.path.join(w, "sh_passes_merged.h5"), ps, 2, "summary by regime + sensitivity",
             reference=r, grp=groups + ["/summary_by", "/sensitivity"])

    # --- refusals: the parts never change, no OUT is left behind
    out = os.path.join(w, "sh_refused.h5")

    def refused_merge(files, code, words, what, ranks=1, args=()):
        before = {p: sha(p) for p in files if os.path.exists(p)}
        rc, o, _ = run(tw_cmd(ranks, "merge", out, *files, *args))
        after = {p: sha(p) for p in files if os.path.exists(p)}
        first = next((m for m in o.splitlines() if "error" in m), o.strip()[:200])
        check(rc == code, f"merge {what}: exit {code} (got {rc}): {first}")
        missing = [x for x in words if x.lower() not in o.lower()]
        check(not missing, f"merge {what}: the message names {words}" +
              (f" (missing {missing})" if missing else ""))
        check(before == after, f"merge {what}: every part byte-identical (sha256)")
        check(not os.path.exists(out) and not os.path.exists(out + ".merging"),
              f"merge {what}: no {os.path.basename(out)} (nor .merging) left")

    names = [os.path.basename(p) for p in parts]
    refused_merge([parts[0], parts[2]], 1, ["2/3", "missing"], "with shard 2/3 missing", ranks=2)
    refused_merge([parts[0], parts[1], parts[1], parts[2]], 1,
                  ["2/3", "twice", names[1]], "with shard 2/3 given twice")
    other_seed = shard(2, 3, 1, extra=("--seed", "8"))
    refused_merge([parts[0], other_seed, parts[2]], 1, ["different runs", "seed", "7", "8"],
                  "with a part of another seed")
    cfg2 = write_config("sh_other.yaml", samples=600, cost=1000)
    other_cfg = shard(3, 3, 1, config=cfg2)
    refused_merge([parts[0], parts[1], other_cfg], 1, ["different runs", "config_sha256"],
                  "with a part of another config")
    refused_merge([parts[0], ref, parts[2]], 1, [os.path.basename(ref), "not a part"],
                  "with an unsharded result as a part")
    trunc = os.path.join(w, "sh_trunc.h5")
    shutil.copyfile(parts[1], trunc)
    os.truncate(trunc, os.path.getsize(trunc) // 2)
    refused_merge([parts[0], trunc, parts[2]], 2, [os.path.basename(trunc)], "with a truncated part")
    # an unfinished part: shard 2/3 stopped by SIGTERM after 2 of its 13 blocks
    part2 = os.path.join(w, "sh_stopped.h5")
    p = start(tw_cmd(1, "run", cfg, "--shard", "2/3", "-o", part2, "-q"))
    if wait_blocks(p, part2, 2) is None:
        raise SystemExit(f"could not stop shard 2/3: {p.communicate()[0][-2000:]}")
    for pid in ranks_of(p):
        os.kill(pid, signal.SIGTERM)
    o = p.communicate(timeout=60)[0]
    check(p.returncode == 3 and "--shard 2/3" in o,
          f"shard 2/3 stopped by SIGTERM: exit 3 (got {p.returncode}), the hint repeats --shard 2/3")
    refused_merge([parts[0], part2, parts[2]], 1, [os.path.basename(part2), "unfinished", "2/3"],
                  "with an unfinished part")
    before = sha(part2)
    rc, o, _ = run(tw_cmd(1, "run", cfg, "--shard", "1/3", "-o", part2, "--resume", "-q"))
    check(rc == 1 and "shard differs" in o and sha(part2) == before,
          f"--resume of part 2/3 as shard 1/3: exit 1 (got {rc}), 'shard differs', untouched")
    rc, o, _ = run(tw_cmd(1, "run", cfg, "-o", part2, "--resume", "-q"))
    check(rc == 1 and "shard differs" in o and sha(part2) == before,
          f"--resume of part 2/3 without --shard: exit 1 (got {rc}), untouched")
    rc, o, _ = run(tw_cmd(2, "run", cfg, "--shard", "2/3", "-o", part2, "--resume", "-q"))
    check(rc == 0, f"--resume of the stopped part 2/3 exits 0 (got {rc})")
    merge_ok(out, [parts[0], part2, parts[2]], 2, "with the resumed part 2/3")
    # an existing OUT: refused without --force (untouched), replaced with it
    before = sha(out)
    rc, o, _ = run(tw_cmd(1, "merge", out, *parts))
    check(rc == 1 and "--force" in o and sha(out) == before,
          f"merge onto an existing OUT: exit 1 (got {rc}), OUT untouched")
    rc, o, _ = run(tw_cmd(1, "merge", parts[0], *parts))
    check(rc == 1 and "one of the parts" in o, f"merge onto one of its parts: exit 1 (got {rc})")
    rc, o, _ = run(tw_cmd(1, "merge", out, *parts, "--force", "-q"))
    check(rc == 0 and not twh5.compare(ref, out, groups), f"merge --force: exit 0 (got {rc}), identical")
    os.unlink(out)
    # the config: the path the parts recorded is gone (exit 1, naming it and
    # --config); --config finds it elsewhere; --config of another config: refused
    moved = cfg + ".moved"
    os.rename(cfg, moved)
    rc, o, _ = run(tw_cmd(1, "merge", out, *parts))
    check(rc == 1 and "--config" in o and os.path.basename(cfg) in o and not os.path.exists(out),
          f"merge when the recorded config is gone: exit 1 (got {rc}) naming it and --config")
    rc, o, _ = run(tw_cmd(1, "merge", out, *parts, "--config", moved, "-q"))
    check(rc == 0 and not twh5.compare(ref, out, groups),
          f"merge --config (the moved config): exit 0 (got {rc}), identical")
    os.unlink(out)
    os.rename(moved, cfg)
    refused_merge(parts, 1, ["differs", "config_sha256", "sh_other.yaml"],
                  "with --config of another config", args=("--config", cfg2))

    # --shard refusals: exit 1 before anything is written
    stopcfg = os.path.join(w, "sh_stop.yaml")
    with open(stopcfg, "w") as f:
        f.write("model: ishigami\nsamples: 4096\nblock_size: 16\n"
                "stop: {outcome: y, sem: 0.01}\n")
    for spec, words, c in (("0/3", ["--shard", "0/3"], cfg), ("4/3", ["--shard", "4/3"], cfg),
                           ("3/0", ["--shard", "3/0"], cfg), ("x", ["--shard", "'x'"], cfg),
                           ("1/3/5", ["--shard"], cfg), ("-1/3", ["--shard"], cfg),
                           ("39/39", ["only 38 block"], cfg), ("1/2", ["stop:"], stopcfg)):
        bad = os.path.join(w, "sh_bad.h5")
        rc, o, _ = run(tw_cmd(1, "run", c, "--shard", spec, "-o", bad, "-q"))
        check(rc == 1 and all(x in o for x in words) and not os.path.exists(bad),
              f"--shard {spec}: exit 1 (got {rc}), message names {words}, no file: "
              f"{o.strip().splitlines()[:1]}")


CASES = {"history": case_history, "provenance": case_provenance, "stops": case_stops, "writers": case_writers, "fault": case_fault, "deadrank": case_deadrank,
         "kill": case_kill, "signals": case_signals, "mismatch": case_mismatch,
         "corrupt": case_corrupt, "unwritable": case_unwritable, "exists": case_exists,
         "local": case_local, "pbs": case_pbs, "shard": case_shard}


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--tradewar", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--fault-shim", help="the LD_PRELOAD library of the fault case")
    ap.add_argument("--h5diff", default=shutil.which("h5diff"))
    ap.add_argument("--jobs", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "..", "..", "jobs"), help="the jobs/ folder")
    ARGS = ap.parse_args()
    ARGS.tradewar = os.path.abspath(ARGS.tradewar)
    ARGS.work = os.path.abspath(ARGS.work)
    ARGS.jobs = os.path.abspath(ARGS.jobs)
    if os.path.isdir(ARGS.work):
        for root, dirs, _ in os.walk(ARGS.work):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(ARGS.work)
    os.makedirs(ARGS.work)
    t0 = time.time()
    CASES[ARGS.case]()
    log(f"{ARGS.case}: {len(FAILS)} failure(s) in {time.time() - t0:.0f} s")
    for f in FAILS:
        log(f"  FAILED: {f}")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
