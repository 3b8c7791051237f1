"""tradewar-analyze export: the long table equals the file, in any chunking."""

import io

import h5py
import numpy as np
import pandas as pd
import pytest

from checks import assert_one_error_line
from conftest import run_cli


def _export(path, out, *extra):
    r = run_cli("export", path, "-o", out, "-q", *extra)
    assert r.returncode == 0, r.stderr
    return out


def test_csv_long_table_equals_the_file(files, tmp_path):
    big = pd.read_csv(_export(files["tradewar"], str(tmp_path / "a.csv")), keep_default_na=False, float_precision="round_trip")
    # a tiny budget: many chunks (one block each); the same table
    small = pd.read_csv(_export(files["tradewar"], str(tmp_path / "b.csv"), "--memory-mb", "0.01"),
                        keep_default_na=False, float_precision="round_trip")
    pd.testing.assert_frame_equal(big, small)
    assert list(big.columns) == ["sample", "outcome", "region", "sector", "partner", "value", "converged"]
    with h5py.File(files["tradewar"], "r") as f:
        n = f["status/converged"].shape[0]
        width = sum(int(np.prod(f["outputs"][k].shape[1:])) for k in f["outputs"] if not h5py.h5ds.is_scale(f["outputs"][k].id))
        assert len(big) == n * width
        regions = [r.decode() for r in f["region"][()]]
        sectors = [s.decode() for s in f["sector"][()]]
        want = f["outputs/output_pct"][:, regions.index("CHN"), sectors.index("MAN")]
        conv = f["status/converged"][()]
        lev = f["outputs/leverage_pp"][()]
        deal = f["inputs/deal"][()]
    got = big[(big.outcome == "output_pct") & (big.region == "CHN") & (big.sector == "MAN")].sort_values("sample")
    np.testing.assert_array_equal(got["value"].to_numpy(), want)  # 17 digits: exact
    np.testing.assert_array_equal(got["converged"].to_numpy(), conv)
    got = big[big.outcome == "leverage_pp"].sort_values("sample")
    assert (got["region"] == "").all() and (got["partner"] == "").all()
    np.testing.assert_array_equal(got["value"].to_numpy(), lev)
    params = pd.read_csv(str(tmp_path / "a.parameters.csv"), float_precision="round_trip")
    np.testing.assert_array_equal(params["deal"].to_numpy(), deal)
    np.testing.assert_array_equal(params["sample"].to_numpy(), np.arange(n))


def test_unfinished_file_exports_finished_blocks(files, tmp_path):
    df = pd.read_csv(_export(files["partial"], str(tmp_path / "p.csv"), "--outcome", "leverage_pp"))
    with h5py.File(files["partial"], "r") as f:
        bs = int(f.attrs["block_size"])
        done = f["status/block_done"][()]
    want = [s for b, d in enumerate(done) if d for s in range(b * bs, min((b + 1) * bs, 1000))]
    assert df["sample"].tolist() == want


def test_netcdf_equals_csv(files, tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("netCDF4")
    csv = pd.read_csv(_export(files["tradewar"], str(tmp_path / "a.csv"), "--outcome", "welfare_pct", "leverage_pp"),
                      keep_default_na=False, float_precision="round_trip")
    nc = _export(files["tradewar"], str(tmp_path / "a.nc"), "--format", "netcdf", "--outcome", "welfare_pct",
                 "leverage_pp", "--memory-mb", "0.02")
    with xr.open_dataset(nc) as ds:
        assert ds.sizes["row"] == len(csv)
        np.testing.assert_array_equal(ds["value"].values, csv["value"].to_numpy())
        assert ds["region"].values.tolist() == csv["region"].tolist()
        np.testing.assert_array_equal(ds["row_sample"].values, csv["sample"].to_numpy())
        params = pd.read_csv(str(tmp_path / "a.parameters.csv"), float_precision="round_trip")
        np.testing.assert_array_equal(ds["t_us_cn"].values, params["t_us_cn"].to_numpy())


def test_export_bad_output(files, tmp_path):
    assert_one_error_line(run_cli("export", files["tradewar"], "-o", str(tmp_path / "no" / "x.csv")), 2,
                          "does not exist")
    assert_one_error_line(run_cli("export", files["tradewar"], "-o", str(tmp_path / "x"), "--format", "xml"), 2,
                          "invalid choice")
    assert_one_error_line(run_cli("export", files["empty"], "-o", str(tmp_path / "x.csv")), 2, "no finished block")
