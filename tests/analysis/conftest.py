"""Shared fixtures of the analysis tests.

Synthetic files come from make_fixture.py (no engine needed). Tests marked
with the ``engine_*`` fixtures run the real engine: ``TRADEWAR_BIN`` names
the program (set by ctest), ``MPIEXEC`` optionally an mpiexec to run it with
two ranks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
ANALYSIS = os.path.join(ROOT, "analysis")
LAUNCHER = os.path.join(ANALYSIS, "tradewar-analyze")
sys.path.insert(0, HERE)
if ANALYSIS not in sys.path:
    sys.path.insert(0, ANALYSIS)

from make_fixture import make_fixture  # noqa: E402

N, BS = 1000, 128  # 8 blocks, the last one partial (104 samples)


class Result:
    """What a command run gives: returncode, stdout, stderr (like CompletedProcess)."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_cli(*args, cwd=None, env=None, subproc=False):
    """Run tradewar-analyze with ``args``.

    By default in this process (``cli.main``; fast, no interpreter start per
    call) with stdout/stderr captured; ``subproc=True`` runs the launcher
    with /usr/bin/python3 (sys.executable) as users do.
    """
    args = [str(a) for a in args]
    if not subproc and cwd is None and env is None:
        import contextlib
        import io

        from tradewar_analysis.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(args)
            except SystemExit as exc:  # argparse usage errors, --version
                rc = exc.code if isinstance(exc.code, int) else 1
        return Result(rc, out.getvalue(), err.getvalue())
    e = dict(os.environ)
    e.pop("TRADEWAR_ANALYZE_DEBUG", None)
    e["MPLBACKEND"] = "Agg"
    if env:
        e.update(env)
    return subprocess.run([sys.executable, LAUNCHER] + args, cwd=cwd, env=e, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=600)


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    """Synthetic result files, good and bad, by name."""
    d = tmp_path_factory.mktemp("fixtures")
    p = lambda name: str(d / name)
    out = {
        "tradewar": make_fixture(p("tradewar.h5"), "tradewar", N, BS),
        "tradewar_b": make_fixture(p("tradewar_b.h5"), "tradewar", 600, 100, seed=7),
        "ishigami": make_fixture(p("ishigami.h5"), "ishigami", 2000, 256),
        "partial": make_fixture(p("partial.h5"), "tradewar", N, BS, done=[1, 1, 0, 1, 0, 0, 1, 1]),
        "empty": make_fixture(p("empty.h5"), "tradewar", N, BS, done=[0] * 8),
        "v2": make_fixture(p("v2.h5"), "ishigami", 256, 64, format_version="2.0"),
        "v1_7": make_fixture(p("v1_7.h5"), "ishigami", 256, 64, format_version="1.7"),
        "noformat": make_fixture(p("noformat.h5"), "ishigami", 256, 64, format_name=None),
        "otherformat": make_fixture(p("otherformat.h5"), "ishigami", 256, 64, format_name="netcdf"),
    }
    with open(p("text.h5"), "w") as fh:
        fh.write("this is a text file, not HDF5\n" * 20)
    out["text"] = p("text.h5")
    out["missing"] = p("does_not_exist.h5")
    return out


def _engine_cmd():
    """The engine command prefix (mpiexec -n 2 ... tradewar), or skip."""
    bin_ = os.environ.get("TRADEWAR_BIN")
    if not bin_:
        pytest.skip("TRADEWAR_BIN is not set: engine-run tests need the built engine (ctest sets it)")
    if not (os.path.isfile(bin_) and os.access(bin_, os.X_OK)):
        pytest.skip("TRADEWAR_BIN=%s is not an executable file (engine not built?)" % bin_)
    mpiexec = os.environ.get("MPIEXEC")
    if mpiexec and shutil.which(mpiexec):
        return [mpiexec, "-n", "2", bin_]
    return [bin_]


def _engine_env():
    e = dict(os.environ)
    e.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
             OMPI_MCA_rmaps_base_oversubscribe="1")
    return e


def engine_run(tmp_path_factory, config: str, n: int, name: str, probe: bool) -> str:
    """Run ``tradewar run CONFIG -o X -n N -q --force`` and return X.

    With ``probe`` a failing ``tradewar check CONFIG`` skips (the engine does
    not support that model yet); a failing run is always a test failure.
    """
    cmd = _engine_cmd()
    cfg = os.path.join(HERE, config)
    if probe:
        r = subprocess.run(cmd[-1:] + ["check", cfg], env=_engine_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True, timeout=300)
        if r.returncode != 0:
            msg = (r.stderr.strip() or r.stdout.strip() or "no message").splitlines()[-1]
            pytest.skip("the engine cannot run %s yet (`tradewar check` exit %d: %s)" % (config, r.returncode, msg))
    out = str(tmp_path_factory.mktemp("engine") / name)
    r = subprocess.run(cmd + ["run", cfg, "-o", out, "-n", str(n), "-q", "--force"], env=_engine_env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=600)
    if r.returncode != 0:
        pytest.fail("engine run failed (exit %d): %s\n%s" % (r.returncode, " ".join(cmd), r.stderr[-3000:]))
    return out


@pytest.fixture(scope="session")
def engine_ishigami(tmp_path_factory):
    """A real 512-sample Ishigami run (the engine's analytic test model)."""
    return engine_run(tmp_path_factory, "ishigami.yaml", 512, "ishigami.h5", probe=False)


@pytest.fixture(scope="session")
def engine_tradewar(tmp_path_factory):
    """A real 256-sample run of the trade model (skipped while unsupported)."""
    return engine_run(tmp_path_factory, "tradewar_small.yaml", 256, "tradewar.h5", probe=True)
