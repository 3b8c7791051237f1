"""The Python API: loader, summary, sensitivity measures (synthetic files)."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from tradewar_analysis import AnalysisError, ResultFile, outcome_summary, summary_table
from tradewar_analysis.loader import as_text, parse_targets, parse_version
from tradewar_analysis.plots import (Target, headline_targets, parse_target, read_element, running_mean, spearman,
                                     srrc)


def test_metadata_and_dimension_labels(files):
    with ResultFile(files["tradewar"]) as rf:
        assert rf.model == "tradewar" and rf.format_version == (1, 0)
        assert rf.n_samples == 1000 and rf.block_size == 128 and rf.n_blocks == 8
        assert rf.finished and rf.progress_warning() is None
        assert rf.dims["region"] == ("USA", "CHN", "VNM", "MEX", "EUR", "ROW")
        assert rf.dims["partner"] == ("VNM", "MEX", "EUR")
        info = rf.info("output_pct")
        assert info.dims == ("region", "sector") and info.shape == (6, 4) and info.units == "percent"
        assert info.element_labels()[:2] == ["USA,AGR", "USA,MAN"]
        assert rf.info("rerouted_value_by_partner").dims == ("partner",)
        assert rf.info("t_us_cn", "input").distribution.startswith("triangular(")
        assert isinstance(rf.attrs["seed"], int) and isinstance(rf.attrs["config"], str)


def test_labelled_frames(files):
    with ResultFile(files["tradewar"]) as rf:
        w = rf.outcome_frame("welfare_pct")
        assert list(w.columns) == ["USA", "CHN", "VNM", "MEX", "EUR", "ROW"] and w.columns.name == "region"
        assert w.index.name == "sample" and w.attrs["units"] == "percent"
        o = rf.outcome_frame("output_pct")
        assert isinstance(o.columns, pd.MultiIndex) and o.columns.names == ["region", "sector"]
        lev = rf.outcome_frame("leverage_pp", converged_only=False)
        assert isinstance(lev, pd.Series) and len(lev) == 1000
        with h5py.File(files["tradewar"], "r") as f:
            raw = f["outputs/output_pct"][()]
            conv = f["status/converged"][()] == 1
        np.testing.assert_array_equal(o[("CHN", "CRM")].to_numpy(), raw[conv, 1, 2])
        np.testing.assert_allclose((w["USA"] - w["CHN"]).to_numpy(), rf.outcome_frame("leverage_pp").to_numpy())
        x = rf.inputs_frame()
        assert list(x.columns) == rf.parameters and len(x) == conv.sum()


def test_unfinished_reads_only_done_blocks(files):
    with ResultFile(files["partial"]) as rf:
        assert not rf.finished and "5 of 8 blocks" in rf.progress_warning()
        assert rf.n_done_samples == 5 * 128 - 24  # the last block has 104 samples
        rows = np.concatenate([c.samples for c in rf.chunks(outcomes=["leverage_pp"])])
        expect = np.concatenate([np.arange(b * 128, min(1000, b * 128 + 128)) for b in (0, 1, 3, 6, 7)])
        np.testing.assert_array_equal(rows, expect)
        assert rf.stored_summary("leverage_pp") is None  # no /summary in unfinished files
        s = outcome_summary(rf, "leverage_pp")
        assert s.source == "recomputed" and np.isfinite(s.mean)


def test_chunks_respect_memory_budget(files):
    with ResultFile(files["tradewar"], memory_bytes=1) as rf:
        sizes = [c.stop - c.start for c in rf.chunks(outcomes=["output_pct"])]
        assert max(sizes) == 128 and sum(sizes) == 1000  # one block at a time
        a = summary_table(rf, ["output_pct", "welfare_pct"], recompute=True)
    with ResultFile(files["tradewar"]) as rf:
        b = summary_table(rf, ["output_pct", "welfare_pct"])
    num = [c for c in a.columns if c not in ("outcome", "element", "units")]
    np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=1e-12, atol=1e-14)


def test_deterministic_prefix_subsample(files):
    with ResultFile(files["partial"]) as rf:
        t = Target("welfare_pct", "CHN")
        idx1, y1, x1 = read_element(rf, t, ["t_us_cn"], max_samples=300)
        idx2, y2, x2 = read_element(rf, t, ["t_us_cn"], max_samples=300)
        np.testing.assert_array_equal(idx1, idx2)
        np.testing.assert_array_equal(y1, y2)
        assert idx1.max() <= 3 * 128 + 43 and len(idx1) <= 300  # 256 + 44 finished samples
        assert not np.isin(np.arange(256, 384), idx1).any()  # block 2 is not done


def test_targets(files):
    with ResultFile(files["tradewar"]) as rf:
        heads = [str(t) for t in headline_targets(rf)]
        assert heads == ["cn_exports_to_us_pct", "cn_exports_total_pct", "welfare_pct[USA]", "welfare_pct[CHN]",
                         "leverage_pp", "rerouted_value", "us_crm_price_pct"]
        # one spelling (tradewar info's), "/" accepted, labels case-insensitive
        assert str(Target("output_pct", "CHN,CRM")) == "output_pct[CHN,CRM]"
        for text in ("output_pct[CHN,CRM]", "output_pct[CHN/CRM]", "output_pct[ chn , crm ]"):
            assert parse_target(rf, text) == Target("output_pct", "CHN,CRM")
        # a slice: every sector of one region, in file order
        sl = parse_targets(rf, "output_pct[usa]")
        assert [t.element for t in sl] == ["USA," + s for s in rf.info("output_pct").labels[1]]
        assert len(parse_targets(rf, "output_pct")) == rf.info("output_pct").size
        with pytest.raises(AnalysisError, match="names %d elements" % len(sl)):
            parse_target(rf, "output_pct[USA]")
        with pytest.raises(AnalysisError, match="has no sector 'XYZ'"):
            parse_target(rf, "output_pct[USA,XYZ]")
        with pytest.raises(AnalysisError, match="2 dimension"):
            parse_target(rf, "output_pct[USA,AGR,X]")
        assert parse_target(rf, "welfare_pct") == Target("welfare_pct", "USA")
        with pytest.raises(AnalysisError, match="is a scalar"):
            parse_target(rf, "leverage_pp[USA]")
    with ResultFile(files["ishigami"]) as rf:
        assert [str(t) for t in headline_targets(rf)] == ["y"]


def test_srrc_and_spearman_known_answers():
    rng = np.random.default_rng(3)
    n = 4000
    X = {"a": rng.uniform(size=n), "b": rng.uniform(size=n), "c": rng.uniform(size=n), "const": np.ones(n)}
    y = 3.0 * X["a"] - 1.0 * X["b"] + 0.0 * X["c"]
    coef, r2 = srrc(X, y)
    assert set(coef) == {"a", "b", "c"}  # constants are dropped
    assert coef["a"] > 0.8 and -0.4 < coef["b"] < -0.2 and abs(coef["c"]) < 0.03 and r2 > 0.95
    # For independent inputs and a linear model SRRC ~ SRC = b_i sd_i / sd_y.
    np.testing.assert_allclose(coef["a"], 3 / np.sqrt(10), atol=0.03)
    assert spearman(X["a"], np.exp(X["a"])) == pytest.approx(1.0)
    assert np.isnan(spearman(X["const"], y))


def test_running_mean_ends_at_the_mean(files):
    with ResultFile(files["ishigami"]) as rf:
        k, m, h = running_mean(rf, Target("y"))
        s = outcome_summary(rf, "y")
        assert k[-1] == s.count and np.all(np.diff(k) > 0)
        np.testing.assert_allclose(m[-1], s.mean, rtol=1e-10)
        np.testing.assert_allclose(h[-1], 1.96 * s.sem, rtol=1e-8)
        y = rf.outcome_frame("y").to_numpy()
        j = len(k) // 2
        np.testing.assert_allclose(m[j], y[: k[j]].mean(), rtol=1e-10)


def test_version_and_text_helpers():
    assert parse_version("1.0") == (1, 0) and parse_version("12.34") == (12, 34)
    for bad in ("1", "1.0.0", "v1.0", ""):
        with pytest.raises(AnalysisError):
            parse_version(bad)
    assert as_text(b"USA\x00") == "USA" and as_text(np.bytes_(b"CHN")) == "CHN" and as_text("x") == "x"
    assert as_text(np.array([b"abc"])) == "abc"


def test_string_attributes_as_variable_length_str(tmp_path, files):
    """h5py may hand back str instead of bytes (variable-length strings)."""
    import shutil

    p = str(tmp_path / "vlen.h5")
    shutil.copy(files["ishigami"], p)
    with h5py.File(p, "a") as f:
        for k in ("format", "format_version", "model"):
            v = f.attrs[k]
            del f.attrs[k]
            f.attrs[k] = v.decode() if isinstance(v, bytes) else str(v)
    with ResultFile(p) as rf:
        assert rf.model == "ishigami" and rf.format_version == (1, 0)
