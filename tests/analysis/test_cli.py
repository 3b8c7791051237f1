"""The tradewar-analyze command on synthetic files (no engine needed)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

from checks import (assert_one_error_line, assert_png_ok, assert_table_equals_stored, parse_markdown,
                    read_csv, stored_summary)
from conftest import ANALYSIS, LAUNCHER, run_cli
from tradewar_analysis.loader import ResultFile

HEADLINE_PNGS = ["dist_cn_exports_to_us_pct.png", "dist_cn_exports_total_pct.png", "dist_welfare_pct_USA.png",
                 "dist_welfare_pct_CHN.png", "dist_leverage_pp.png", "dist_rerouted_value.png",
                 "dist_us_crm_price_pct.png", "welfare_by_region.png", "cn_exports_by_destination.png",
                 "scatter_leverage_pp.png", "tornado_leverage_pp.png", "convergence_leverage_pp.png",
                 # the region x sector heatmap, rerouting by partner, and the outcomes the fixture's
                 # deal coin flip splits into two humps, drawn per regime
                 "heatmap_output_pct.png", "rerouted_value_by_partner.png", "regime_deal_cn_exports_to_us_pct.png",
                 "regime_deal_leverage_pp.png", "regime_deal_welfare_pct_CHN.png", "regime_deal_welfare_pct_USA.png"]


# -- summary ---------------------------------------------------------------------

def test_summary_csv_equals_stored_summary(files):
    r = run_cli("summary", files["tradewar"], "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    df = read_csv(r.stdout)
    assert list(df.columns[:4]) == ["outcome", "element", "units", "count"]
    assert {"mean", "ci95_low", "ci95_high", "std", "sem", "p1", "p5", "p50", "p95", "p99"} <= set(df.columns)
    assert assert_table_equals_stored(df, files["tradewar"]) == 6 * 7 + 6 * 4 * 2 + 8 + 3


def test_summary_recompute_equals_stored_summary(files):
    for name in ("tradewar", "ishigami"):
        r = run_cli("summary", files[name], "--format", "csv", "--recompute")
        assert r.returncode == 0, r.stderr
        assert_table_equals_stored(read_csv(r.stdout), files[name])


def test_summary_recompute_with_tiny_memory_budget(files):
    """One column per pass and one block per chunk: the same numbers."""
    r = run_cli("summary", files["tradewar"], "--format", "csv", "--recompute", "--memory-mb", "0.001")
    assert r.returncode == 0, r.stderr
    assert_table_equals_stored(read_csv(r.stdout), files["tradewar"])


def test_summary_markdown_parses(files):
    r = run_cli("summary", files["tradewar"], "--format", "markdown", "--outcome", "welfare_pct", "leverage_pp")
    assert r.returncode == 0, r.stderr
    df = parse_markdown(r.stdout)
    assert list(df["outcome"]) == ["welfare_pct"] * 6 + ["leverage_pp"]
    assert list(df["element"][:6]) == ["USA", "CHN", "VNM", "MEX", "EUR", "ROW"]
    ref = stored_summary(files["tradewar"])
    for _, row in df.iterrows():  # 4 significant digits
        np.testing.assert_allclose(float(row["mean"]), ref[(row["outcome"], row["element"])]["mean"], rtol=1e-3)


def test_summary_table_format(files):
    r = run_cli("summary", files["ishigami"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["outcome", "mean", "+-95%", "p5", "p50", "p95", "units"]
    assert len(lines) == 2 and lines[1].split()[0] == "y"
    # a person's table: one spelling, narrow enough for a terminal
    r = run_cli("summary", files["tradewar"], "--outcome", "output_pct[usa,man]", "leverage_pp")
    lines = r.stdout.splitlines()
    assert [l.split()[0] for l in lines[1:]] == ["output_pct[USA,MAN]", "leverage_pp"]
    assert max(len(l) for l in lines) < 100


def test_summary_outcome_element_filter(files):
    r = run_cli("summary", files["tradewar"], "--format", "csv", "--outcome", "output_pct[CHN,MAN]",
                "--outcome", "rerouted_value_by_partner")
    assert r.returncode == 0, r.stderr
    df = read_csv(r.stdout)
    assert list(zip(df["outcome"], df["element"])) == [("output_pct", "CHN,MAN")] + [
        ("rerouted_value_by_partner", p) for p in ("VNM", "MEX", "EUR")]
    assert_table_equals_stored(df, files["tradewar"], complete=False)


def test_module_entry_point(files):
    env = dict(os.environ, PYTHONPATH=ANALYSIS)
    r = subprocess.run([sys.executable, "-m", "tradewar_analysis", "summary", files["ishigami"], "--format", "csv"],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 0, r.stderr
    assert_table_equals_stored(read_csv(r.stdout), files["ishigami"])


def test_launcher_shebang_and_version():
    with open(LAUNCHER) as fh:
        assert fh.readline().strip() == "#!/usr/bin/python3"
    assert os.access(LAUNCHER, os.X_OK)
    r = subprocess.run([LAUNCHER, "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    assert r.returncode == 0 and r.stdout.startswith("tradewar-analyze "), r.stderr


def test_launcher_from_installed_layout(tmp_path, files):
    """<prefix>/bin/tradewar-analyze finds <prefix>/share/tradewar/python."""
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy2(LAUNCHER, prefix / "bin" / "tradewar-analyze")
    shutil.copytree(os.path.join(ANALYSIS, "tradewar_analysis"), prefix / "share" / "tradewar" / "python" /
                    "tradewar_analysis", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([sys.executable, "-I", str(prefix / "bin" / "tradewar-analyze"), "summary", files["ishigami"]],
                       env=env, cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith("y ")


# -- unfinished runs -------------------------------------------------------------

def test_unfinished_run_uses_finished_blocks_with_warning(files):
    r = run_cli("summary", files["partial"], "--format", "csv")
    assert r.returncode == 0, r.stderr
    warn = r.stderr.strip().splitlines()
    assert len(warn) == 1 and warn[0].startswith("tradewar-analyze: warning: ")
    assert "unfinished" in warn[0] and "5 of 8 blocks" in warn[0] and "616 of 1000 samples" in warn[0]
    df = read_csv(r.stdout)
    with h5py.File(files["partial"], "r") as f:
        done = np.repeat(f["status/block_done"][()], 128)[:1000].astype(bool)
        conv = f["status/converged"][()] == 1
        y = f["outputs/leverage_pp"][()]
        w = f["outputs/welfare_pct"][()]
    ok = done & conv & np.isfinite(y)
    row = df[df["outcome"] == "leverage_pp"].iloc[0]
    assert row["count"] == ok.sum() and 550 < ok.sum() <= 616
    np.testing.assert_allclose(row["mean"], y[ok].mean(), rtol=1e-12)
    np.testing.assert_allclose(row["std"], y[ok].std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(row["p5"], np.quantile(y[ok], 0.05), rtol=1e-12)
    row = df[(df["outcome"] == "welfare_pct") & (df["element"] == "CHN")].iloc[0]
    np.testing.assert_allclose(row["p99"], np.quantile(w[done & conv, 1], 0.99), rtol=1e-12)


def test_newer_minor_version_is_accepted(files):
    r = run_cli("summary", files["v1_7"], "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert read_csv(r.stdout)["outcome"].tolist() == ["y"]


# -- bad input -------------------------------------------------------------------

@pytest.mark.parametrize("key, extra, pattern", [
    ("text", [], "not an HDF5 file"),
    ("missing", [], "no such file"),
    ("noformat", [], "not a tradewar result file"),
    ("otherformat", [], "not a tradewar result file"),
    ("v2", [], r"format_version 2\.0 is not supported"),
    ("empty", [], "no finished block"),
    ("tradewar", ["--outcome", "no_such_outcome"], "unknown outcome 'no_such_outcome'"),
    ("tradewar", ["--outcome", "welfare_pct[XXX]"], r"has no region .XXX."),
    ("ishigami", ["--outcome", "leverage_pp"], "unknown outcome 'leverage_pp'"),
])
@pytest.mark.parametrize("command", ["summary", "plot", "report"])
def test_bad_input_one_line_exit_2(files, tmp_path, key, extra, pattern, command):
    args = [command, files[key]] + extra + (["-o", tmp_path / "out"] if command != "summary" else [])
    r = run_cli(*args)
    assert_one_error_line(r, 2, pattern)
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out")


@pytest.mark.parametrize("key, extra, pattern", [
    ("text", [], "not an HDF5 file"),
    ("v2", [], r"format_version 2\.0 is not supported"),
    ("empty", [], "no finished block"),
    ("tradewar", ["--outcome", "no_such_outcome"], "unknown outcome"),
])
def test_bad_input_launcher_process(files, key, extra, pattern):
    """The same through the launcher in its own process: no traceback anywhere."""
    assert_one_error_line(run_cli("summary", files[key], *extra, subproc=True), 2, pattern)


def test_bad_input_compare(files):
    assert_one_error_line(run_cli("compare", files["tradewar"], files["v2"]), 2, "format_version 2.0")
    assert_one_error_line(run_cli("compare", files["tradewar"], files["ishigami"]), 2, "no headline outcome in common")
    assert_one_error_line(run_cli("compare", files["tradewar"], files["ishigami"], "--outcome", "y"), 2,
                          "unknown outcome 'y'")
    assert_one_error_line(run_cli("compare", files["tradewar"]), 2, "at least two files")


def test_damaged_and_incomplete_files(files, tmp_path):
    trunc = tmp_path / "truncated.h5"
    with open(files["tradewar"], "rb") as src:
        trunc.write_bytes(src.read(300_000))
    assert_one_error_line(run_cli("summary", trunc), 2, "cannot open HDF5 file")
    nouts = tmp_path / "no_outputs.h5"
    shutil.copy(files["ishigami"], nouts)
    with h5py.File(nouts, "a") as f:
        del f["outputs"]
    assert_one_error_line(run_cli("summary", nouts), 2, "without the /outputs group")
    nodone = tmp_path / "no_block_done.h5"
    shutil.copy(files["ishigami"], nodone)
    with h5py.File(nodone, "a") as f:
        del f["status/block_done"]
    assert_one_error_line(run_cli("plot", nodone, "-o", tmp_path / "p"), 2, "block_done")


def test_all_blocks_done_but_not_finished(files, tmp_path):
    """The engine writes /summary after the last block: recompute meanwhile."""
    p = tmp_path / "almost.h5"
    shutil.copy(files["tradewar"], p)
    with h5py.File(p, "a") as f:
        f.attrs["finished"] = np.int32(0)
        del f["summary"]
        w = f["outputs/welfare_pct"]
        a = w[()]
        a[:, 5] = np.nan  # an element without any finite value
        w[...] = a
    r = run_cli("summary", p, "--format", "csv", "--outcome", "leverage_pp", "welfare_pct[ROW]")
    assert r.returncode == 0, r.stderr
    assert "not marked finished" in r.stderr and len(r.stderr.splitlines()) == 1
    df = read_csv(r.stdout)
    ref = stored_summary(files["tradewar"])
    np.testing.assert_allclose(df["mean"][0], ref[("leverage_pp", "")]["mean"], rtol=1e-12)
    assert df["count"][1] == 0 and np.isnan(df["mean"][1])
    r = run_cli("plot", p, "-o", tmp_path / "plots", "-q", "--outcome", "welfare_pct[ROW]")
    assert r.returncode == 0, r.stderr
    assert_png_ok(str(tmp_path / "plots" / "welfare_by_region.png"))


def test_directory_and_unwritable_output(files, tmp_path):
    assert_one_error_line(run_cli("summary", str(tmp_path)), 2, "is a directory")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_one_error_line(run_cli("plot", files["ishigami"], "-o", blocker / "sub"), 2)


def test_usage_error_exit_2(files):
    r = run_cli("summary", files["tradewar"], "--format", "xml", subproc=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("tradewar-analyze: error: ")


# -- plots, report, compare -------------------------------------------------------------

def test_plot_tradewar(files, tmp_path):
    out = tmp_path / "plots"
    r = run_cli("plot", files["tradewar"], "-o", out)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    listed = [os.path.basename(l) for l in r.stdout.split()]
    assert sorted(listed) == sorted(HEADLINE_PNGS)
    for name in HEADLINE_PNGS:
        assert_png_ok(str(out / name))


def test_plot_outcome_choice(files, tmp_path):
    out = tmp_path / "plots"
    r = run_cli("plot", files["tradewar"], "-o", out, "--outcome", "cn_exports_to_us_pct", "output_pct[usa/crm]")
    assert r.returncode == 0, r.stderr
    for name in ("tornado_cn_exports_to_us_pct.png", "scatter_output_pct_USA_CRM.png",
                 "convergence_output_pct_USA_CRM.png", "tornado_output_pct_USA_CRM.png"):
        assert_png_ok(str(out / name))
    assert not (out / "tornado_leverage_pp.png").exists()


def test_plot_generic_model(files, tmp_path):
    out = tmp_path / "plots"
    r = run_cli("plot", files["ishigami"], "-o", out)
    assert r.returncode == 0, r.stderr
    names = sorted(os.listdir(out))
    assert names == ["convergence_y.png", "dist_y.png", "scatter_y.png", "tornado_y.png"]
    for n in names:
        assert_png_ok(str(out / n))


def test_report(files, tmp_path):
    out = tmp_path / "report"
    r = run_cli("report", files["tradewar"], "-o", out)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(out / "index.html")
    pngs = sorted(p for p in os.listdir(out) if p.endswith(".png"))
    assert sorted(pngs) == sorted(HEADLINE_PNGS)
    html = (out / "index.html").read_text()
    md = (out / "index.md").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    for p in pngs:
        assert_png_ok(str(out / p))
        assert html.count('src="%s"' % p) == 1, p
        assert "](%s)" % p in md, p
    for text in (html, md):
        assert "tradewar.h5" in text and "t_us_cn" in text and "triangular(min=0.3" in text
        assert "leverage_pp" in text and "config_sha256" in text
    full = read_csv((out / "summary.csv").read_text())
    assert_table_equals_stored(full, files["tradewar"])
    assert "Warning" not in html


def test_report_unfinished_says_so(files, tmp_path):
    out = tmp_path / "report"
    r = run_cli("report", files["partial"], "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("tradewar-analyze: warning: ") and len(r.stderr.splitlines()) == 1
    for name in HEADLINE_PNGS:
        assert_png_ok(str(out / name))
    assert "run unfinished" in (out / "index.html").read_text()
    assert "run unfinished" in (out / "index.md").read_text()


def _split_target(text):
    """"welfare_pct[USA]" -> ("welfare_pct", "USA"); "leverage_pp" -> ("leverage_pp", "")."""
    m = re.fullmatch(r"([^\[]+)(?:\[(.*)\])?", text)
    return m.group(1), m.group(2) or ""


def test_compare(files, tmp_path):
    out = tmp_path / "cmp"
    r = run_cli("compare", files["tradewar"], files["tradewar_b"], files["partial"], "-o", out, "--format", "csv")
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(io.StringIO(r.stdout))
    assert list(df["outcome"]) == ["cn_exports_to_us_pct", "cn_exports_total_pct", "welfare_pct[USA]",
                                   "welfare_pct[CHN]", "leverage_pp", "rerouted_value", "us_crm_price_pct"]
    for lab in ("tradewar", "tradewar_b", "partial"):
        assert {"%s mean" % lab, "%s ci95" % lab, "%s p5" % lab, "%s p50" % lab, "%s p95" % lab} <= set(df.columns)
    ref = stored_summary(files["tradewar_b"])
    np.testing.assert_allclose(df["tradewar_b mean"], [ref[_split_target(o)]["mean"] for o in df["outcome"]],
                               rtol=1e-12)
    np.testing.assert_allclose(df["tradewar_b p95"], [ref[_split_target(o)]["p95"] for o in df["outcome"]],
                               rtol=1e-12)
    err = r.stderr.strip().splitlines()
    assert err[0].startswith("tradewar-analyze: warning: ") and "partial.h5" in err[0]
    assert len(err) == 1 + 7  # the warning, then one line per figure written
    for o in df["outcome"]:
        name, elem = _split_target(o)
        assert_png_ok(str(out / ("compare_%s.png" % (name + ("_" + elem if elem else "")))))
    md_rows = [l for l in (out / "compare.md").read_text().splitlines() if l.startswith("|")]
    assert parse_markdown("\n".join(md_rows)).shape[0] == 7
    assert pd.read_csv(out / "compare.csv").shape == df.shape


def test_plots_are_deterministic(files, tmp_path):
    for d in ("a", "b"):
        r = run_cli("plot", files["ishigami"], "-o", tmp_path / d, "-q", "--max-points", "500")
        assert r.returncode == 0, r.stderr
    names = sorted(os.listdir(tmp_path / "a"))
    assert names and names == sorted(os.listdir(tmp_path / "b"))
    for n in names:
        assert (tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes(), n


@pytest.mark.parametrize("command", [[], ["summary"], ["plot"], ["compare"], ["report"]])
def test_help(command):
    r = run_cli(*command, "--help")
    assert r.returncode == 0 and "usage: tradewar-analyze" in r.stdout


# -- one spelling, options, --by, differences ---------------------------------------

def test_outcome_option_does_not_swallow_the_file(files):
    for args in (["--outcome", "welfare_pct[usa]", files["tradewar"]],
                 [files["tradewar"], "--outcome", "welfare_pct[USA]"]):
        r = run_cli("summary", *args, "--format", "csv")
        assert r.returncode == 0, r.stderr
        assert list(zip(read_csv(r.stdout)["outcome"], read_csv(r.stdout)["element"])) == [("welfare_pct", "USA")]
    assert_one_error_line(run_cli("summary", "--outcome", "welfare_pct"), 2, "required: FILE")


def test_slice_of_a_region(files):
    r = run_cli("summary", files["tradewar"], "--outcome", "output_pct[chn]", "--format", "csv")
    assert r.returncode == 0, r.stderr
    df = read_csv(r.stdout)
    with ResultFile(files["tradewar"]) as rf:
        sectors = rf.info("output_pct").labels[1]
    assert df["element"].tolist() == ["CHN," + s for s in sectors]


def test_summary_by_a_bernoulli_parameter(files):
    r = run_cli("summary", files["tradewar"], "--by", "deal", "--outcome", "leverage_pp", "--format", "csv")
    assert r.returncode == 0, r.stderr
    df = read_csv(r.stdout)
    assert df["by"].tolist() == ["deal=0", "deal=1"]
    with ResultFile(files["tradewar"]) as rf:
        _, d = rf.read(["leverage_pp", "deal"])
    for v in (0, 1):
        y = d["leverage_pp"][(d["deal"] == v) & np.isfinite(d["leverage_pp"])]
        row = df[df["by"] == "deal=%d" % v].iloc[0]
        assert row["count"] == y.size
        np.testing.assert_allclose(row["mean"], y.mean(), rtol=1e-12)
        np.testing.assert_allclose(row["p50"], np.median(y), rtol=1e-12)
    assert df["count"].sum() == read_csv(run_cli("summary", files["tradewar"], "--outcome", "leverage_pp",
                                                 "--format", "csv").stdout)["count"].sum()


def test_by_refuses_a_continuous_or_unknown_parameter(files, tmp_path):
    assert_one_error_line(run_cli("summary", files["tradewar"], "--by", "t_us_cn"), 2,
                          "--by t_us_cn: a continuous parameter")
    assert_one_error_line(run_cli("plot", files["tradewar"], "-o", tmp_path / "p", "--by", "t_us_cn"), 2,
                          "continuous parameter")
    assert not (tmp_path / "p").exists()
    assert_one_error_line(run_cli("summary", files["tradewar"], "--by", "nope"), 2, "unknown parameter 'nope'")


def test_plot_by_draws_each_headline(files, tmp_path):
    r = run_cli("plot", files["tradewar"], "-o", tmp_path / "p", "--by", "deal", "-q")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "p" / "by_deal_leverage_pp.png").stat().st_size > 10_000


def test_max_points_zero_refused(files, tmp_path):
    for cmd in ("plot", "report"):
        assert_one_error_line(run_cli(cmd, files["tradewar"], "-o", tmp_path / "x", "--max-points", "0"), 2,
                              "--max-points: must be at least 1, not 0")


def test_compare_difference_column(files):
    r = run_cli("compare", files["tradewar"], files["tradewar_b"], "--format", "csv")
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(io.StringIO(r.stdout))
    a, b = [c[:-len(" mean")] for c in df.columns if c.endswith(" mean")]
    np.testing.assert_allclose(df["%s - %s" % (b, a)], df["%s mean" % b] - df["%s mean" % a], rtol=1e-12)
    np.testing.assert_allclose(df["%s - %s ci95" % (b, a)], np.hypot(df["%s ci95" % b], df["%s ci95" % a]))
