"""tradewar-analyze on files written by the real engine (TRADEWAR_BIN).

Ishigami (the engine's analytic test model) must always work; the trade
model's case is skipped, with the engine's message, while ``tradewar check``
rejects its config.
"""

from __future__ import annotations

import os

import h5py
import numpy as np

from checks import assert_one_error_line, assert_png_ok, assert_table_equals_stored, parse_markdown, read_csv
from conftest import run_cli
from tradewar_analysis import ResultFile


def _check_layout(path, model):
    """What the analysis relies on is in the engine's file."""
    with ResultFile(path) as rf:
        assert rf.model == model and rf.finished and rf.format_version[0] == 1
        assert rf.n_done_samples == rf.n_samples
        for name in rf.outcomes:
            assert rf.stored_summary(name) is not None, "incomplete /summary/%s" % name
            info = rf.info(name)
            assert all(not d.startswith("dim") for d in info.dims), (name, info.dims)  # scales attached


def test_engine_ishigami_summary_equals_file(engine_ishigami):
    _check_layout(engine_ishigami, "ishigami")
    for extra in ([], ["--recompute"]):
        r = run_cli("summary", engine_ishigami, "--format", "csv", *extra)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        df = read_csv(r.stdout)
        assert list(df["outcome"]) == ["y"] and df["count"][0] > 500
        assert_table_equals_stored(df, engine_ishigami)
    r = run_cli("summary", engine_ishigami, "--format", "markdown")
    assert parse_markdown(r.stdout).shape[0] == 1


def test_engine_ishigami_report(engine_ishigami, tmp_path):
    out = tmp_path / "report"
    r = run_cli("report", engine_ishigami, "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    pngs = sorted(p for p in os.listdir(out) if p.endswith(".png"))
    assert pngs == ["convergence_y.png", "dist_y.png", "scatter_y.png", "tornado_y.png"]
    html = (out / "index.html").read_text()
    for p in pngs:
        assert_png_ok(str(out / p))
        assert 'src="%s"' % p in html
    assert "x1" in html and "ishigami" in html


def test_engine_file_made_unfinished(engine_ishigami, tmp_path):
    """Mark blocks of a real file undone: works from the rest, with a warning;
    none done: a clear error."""
    import shutil

    p = str(tmp_path / "cut.h5")
    shutil.copy(engine_ishigami, p)
    with h5py.File(p, "a") as f:
        done = f["status/block_done"][()]
        done[1::2] = 0
        f["status/block_done"][...] = done
        f.attrs["finished"] = np.int32(0)
        bs = int(f.attrs["block_size"])
        n = int(f.attrs["n_samples"])
        rows = np.repeat(done, bs)[:n].astype(bool)
        conv = f["status/converged"][()] == 1
        y = f["outputs/y"][()]
    r = run_cli("summary", p, "--format", "csv")
    assert r.returncode == 0 and "unfinished" in r.stderr and len(r.stderr.splitlines()) == 1
    df = read_csv(r.stdout)
    ok = rows & conv & np.isfinite(y)
    assert df["count"][0] == ok.sum()
    np.testing.assert_allclose(df["mean"][0], y[ok].mean(), rtol=1e-12)
    with h5py.File(p, "a") as f:
        f["status/block_done"][...] = 0
    assert_one_error_line(run_cli("summary", p), 2, "no finished block")


def test_engine_tradewar(engine_tradewar, tmp_path):
    _check_layout(engine_tradewar, "tradewar")
    r = run_cli("summary", engine_tradewar, "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert_table_equals_stored(read_csv(r.stdout), engine_tradewar)
    r = run_cli("summary", engine_tradewar, "--format", "csv", "--recompute", "--outcome", "welfare_pct",
                "leverage_pp", "output_pct")
    assert r.returncode == 0, r.stderr
    assert_table_equals_stored(read_csv(r.stdout), engine_tradewar, complete=False)
    out = tmp_path / "report"
    r = run_cli("report", engine_tradewar, "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    pngs = sorted(p for p in os.listdir(out) if p.endswith(".png"))
    for must in ("welfare_by_region.png", "cn_exports_by_destination.png", "dist_leverage_pp.png",
                 "dist_welfare_pct_USA.png", "dist_welfare_pct_CHN.png", "tornado_leverage_pp.png",
                 "scatter_leverage_pp.png", "convergence_leverage_pp.png"):
        assert must in pngs
    html = (out / "index.html").read_text()
    for p in pngs:
        assert_png_ok(str(out / p))
        assert 'src="%s"' % p in html
    with ResultFile(engine_tradewar) as rf:
        assert rf.dims["region"][:2] == ("USA", "CHN")
        assert rf.info("output_pct").dims == ("region", "sector")
        w = rf.outcome_frame("welfare_pct")
        np.testing.assert_allclose((w["USA"] - w["CHN"]).to_numpy(), rf.outcome_frame("leverage_pp").to_numpy(),
                                   rtol=1e-6, atol=1e-9)


def test_engine_compare(engine_tradewar, tmp_path, files):
    r = run_cli("compare", engine_tradewar, files["tradewar"], "-o", tmp_path / "cmp", "--format", "markdown")
    assert r.returncode == 0, r.stderr
    assert parse_markdown(r.stdout).shape[0] >= 5
