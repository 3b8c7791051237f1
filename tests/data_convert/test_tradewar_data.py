"""tradewar-data: ICIO/WIOD conversion, aggregation, clipping, bad input, check.

Every table here is synthetic (tradewar_data.synth or written inline) in
exactly the ICIO / WIOD CSV layouts; nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "analysis"))

from tradewar_data.cli import main  # noqa: E402
from tradewar_data.dataset import derive, read_dir  # noqa: E402
from tradewar_data.synth import synth_dataset, write_synth  # noqa: E402


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main([str(a) for a in args])
        except SystemExit as e:
            rc = e.code
    return rc, out.getvalue(), err.getvalue()


def convert(src, out, layout="icio", table=None, **over):
    a = dict(region_map=os.path.join(src, "regions.map.csv"),
             sector_map=os.path.join(src, "sectors.map.csv"),
             sectors=os.path.join(src, "SECTORS.csv"),
             tariffs=os.path.join(src, "tariffs.csv"))
    a.update(over)
    args = [f"from-{layout}", table or os.path.join(src, f"{layout}.csv"), "-o", out]
    for k, v in a.items():
        if v is not None:
            args += ["--" + k.replace("_", "-"), v]
    return run(*args)


def assert_same_inputs(a, b, rtol=1e-12):
    assert a.regions == b.regions
    assert a.sectors.code == b.sectors.code
    np.testing.assert_array_equal(a.sectors.theta, b.sectors.theta)
    np.testing.assert_array_equal(a.sectors.critical, b.sectors.critical)
    np.testing.assert_allclose(b.Z, a.Z, rtol=rtol, atol=1e-9)
    np.testing.assert_array_equal(b.tau, a.tau)
    np.testing.assert_allclose(b.gamma, a.gamma, rtol=rtol, atol=1e-15)
    da, db = derive(a), derive(b)
    for k in ("alpha", "D", "VA", "R", "I"):
        np.testing.assert_allclose(db[k], da[k], rtol=1e-10, atol=1e-9, err_msg=k)


@pytest.mark.parametrize("layout,inv", [("icio", False), ("wiod", False), ("icio", True)])
def test_round_trip(tmp_path, layout, inv):
    """A dataset written as an ICIO / WIOD table and converted back with identity
    maps gives the same model inputs (Z, tau, gamma) and the same baseline."""
    ds = synth_dataset(7, 6, seed=11)
    src = str(tmp_path / "src")
    write_synth(ds, src, layout, inventories=inv, seed=11)
    rc, out, err = convert(src, str(tmp_path / "ds"), layout)
    assert rc == 0, err
    assert "checks: pass" in out
    back = read_dir(str(tmp_path / "ds"))
    assert_same_inputs(ds, back)
    assert "negative final demand: none" in out


def test_icio_labels(tmp_path):
    """The synthetic file uses the ICIO layout: CCC_IND rows/columns, six
    final-demand columns per country, OUT column, TLS/VA/OUT rows."""
    ds = synth_dataset(3, 4, seed=2)
    write_synth(ds, str(tmp_path), "icio")
    with open(tmp_path / "icio.csv") as f:
        rows = list(csv.reader(f))
    h = rows[0]
    assert h[1] == "USA_D01T02" and h[4] == "USA_D07T08"
    assert h[13:19] == [f"USA_{x}" for x in ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")]
    assert h[-1] == "OUT"
    assert [r[0] for r in rows[-3:]] == ["TLS", "VA", "OUT"]


def test_aggregation(tmp_path):
    """Two countries merged into one region, one country left unmapped (-> ROW, with
    ROW), two industries merged: Z is the sum of the member flows and gamma the
    cost-weighted average (no tariffs, so costs are gamma * Y)."""
    ds = synth_dataset(5, 4, seed=5, tariffs=False)   # USA CHN ARG AUS ROW
    src = str(tmp_path / "src")
    write_synth(ds, src, "icio")
    with open(os.path.join(src, "rmap.csv"), "w") as f:
        f.write("code,region,name\nUSA,USA,United States\nCHN,CHN,China\nARG,SAM,South\n")
    # AUS unmapped -> ROW
    with open(os.path.join(src, "smap.csv"), "w") as f:
        f.write("code,sector\nD01T02,AGR\nD03,AGR\nD05T06,MIN\nD07T08,CRM\n")
    with open(os.path.join(src, "S.csv"), "w") as f:
        f.write("code,name,theta,industrial,critical\nAGR,Agri,5,0,0\nMIN,Mining,8,0,0\n"
                "CRM,Critical,2,1,1\n")
    rc, out, err = convert(src, str(tmp_path / "ds"), region_map=os.path.join(src, "rmap.csv"),
                           sector_map=os.path.join(src, "smap.csv"),
                           sectors=os.path.join(src, "S.csv"), tariffs=None)
    assert rc == 0, err
    assert "countries not in" in out and "-> ROW (2): AUS ROW" in out
    agg = read_dir(str(tmp_path / "ds"))
    assert agg.regions == ["USA", "CHN", "SAM", "ROW"]
    assert agg.region_names[:3] == ["United States", "China", "South"]
    rg = np.array([0, 1, 2, 3, 3])
    sg = np.array([0, 0, 1, 2])
    Zx = np.zeros((4, 4, 3))
    np.add.at(Zx, (rg[:, None, None], rg[None, :, None], sg[None, None, :]), ds.Z)
    np.testing.assert_allclose(agg.Z, Zx, rtol=1e-12)
    Y = derive(ds)["Y"]
    cost = ds.gamma * Y[:, None, :]
    Cx = np.zeros((4, 3, 3))
    np.add.at(Cx, (rg[:, None, None], sg[None, :, None], sg[None, None, :]), cost)
    Yx = np.zeros((4, 3))
    np.add.at(Yx, (rg[:, None], sg[None, :]), Y)
    np.testing.assert_allclose(agg.gamma, Cx / Yx[:, None, :], rtol=1e-10)


def _edit_icio(path, fn):
    with open(path) as f:
        rows = list(csv.reader(f))
    rows = fn(rows)
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def test_negative_final_demand_clipped(tmp_path):
    """A net-negative final demand (inventory drawdown larger than the rest) is
    set to 0, reported, and the baseline re-derived (checks pass)."""
    ds = synth_dataset(4, 3, seed=8, tariffs=False)
    src = str(tmp_path / "src")
    write_synth(ds, src, "icio")
    # CHN's INVNT of USA_D03 (row 3): minus twice the row's total CHN final demand
    def f(rows):
        h = rows[0]
        c = h.index("CHN_INVNT")
        fd = [h.index(f"CHN_{x}") for x in ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")]
        r = rows[2]
        assert r[0] == "USA_D03"
        tot = sum(float(r[k]) for k in fd)
        r[c] = repr(float(r[c]) - 2 * tot)
        r[-1] = repr(float(r[-1]) - 2 * tot)
        return rows
    _edit_icio(os.path.join(src, "icio.csv"), f)
    rc, out, err = convert(src, str(tmp_path / "ds"), tariffs=None)
    assert rc == 0, err
    assert "negative final demand (inventories, direct purchases abroad) set to 0 in 1 cells" in out
    assert "CHN<-USA/D03" in out
    back = read_dir(str(tmp_path / "ds"))
    # the flow is now intermediate use only: Z - final demand of the original
    d = derive(ds)
    fd_orig = ds.Z[1, 0, 1] * d["alpha"][1, 1] * d["I"][1] / d["X"][1, 1]
    np.testing.assert_allclose(back.Z[1, 0, 1], ds.Z[1, 0, 1] - fd_orig, rtol=1e-10)
    assert "all checks pass" in open(tmp_path / "ds" / "README.md").read()


BAD = [
    ("drop a row", lambda r: r[:3] + r[4:],
     "icio.csv:1: column 'USA_D05T06' has no row of the same code"),
    ("rename a row", lambda r: r[:2] + [["USA_XX"] + r[2][1:]] + r[3:],
     "icio.csv:3: row 'USA_XX' has no column of the same code"),
    ("negative OUT", lambda r: r[:-1] + [r[-1][:2] + ["-5.0"] + r[-1][3:]],
     "icio.csv:13: row 'OUT', column 'USA_D03': negative gross output -5"),
    ("short row", lambda r: r[:4] + [r[4][:-2]] + r[5:],
     "icio.csv:5: 27 fields, the header has 29"),
    ("not a number", lambda r: r[:5] + [r[5][:3] + ["abc"] + r[5][4:]] + r[6:],
     "icio.csv:6: column 'USA_D05T06': not a number: 'abc'"),
]


@pytest.mark.parametrize("name,edit,msg", BAD, ids=[b[0] for b in BAD])
def test_bad_table(tmp_path, name, edit, msg):
    ds = synth_dataset(3, 3, seed=4)
    src = str(tmp_path / "src")
    write_synth(ds, src, "icio")
    _edit_icio(os.path.join(src, "icio.csv"), edit)
    out = tmp_path / "ds"
    rc, _, err = convert(src, str(out))
    assert rc == 2
    assert err.startswith("tradewar-data: error: ") and msg in err, err
    assert err.count("\n") == 1
    assert not out.exists()
    assert os.listdir(tmp_path) == ["src"]          # no temporary folder left either


def _write(p, text):
    with open(p, "w") as f:
        f.write(text)
    return str(p)


def test_bad_maps(tmp_path):
    ds = synth_dataset(3, 3, seed=4)
    src = str(tmp_path / "src")
    write_synth(ds, src, "icio")
    out = str(tmp_path / "ds")
    smap = _write(tmp_path / "s1.csv", "code,sector\nD01T02,D01T02\nD03,D03\n")
    rc, _, err = convert(src, out, sector_map=smap)
    assert rc == 2 and "icio.csv:4: row 'USA_D05T06': industry 'D05T06' is missing from the " \
        f"sector map {smap}" in err, err
    rmap = _write(tmp_path / "r1.csv", "code,region\nUSA,USA\nXYZ,CHN\n")
    rc, _, err = convert(src, out, region_map=rmap)
    assert rc == 2 and f"{rmap}:3: country 'XYZ' is not in the table" in err, err
    sectors = os.path.join(src, "SECTORS.csv")
    with open(sectors, "a") as f:
        f.write("EMPTY,nothing,3,0,0\n")
    rc, _, err = convert(src, out, tariffs=None)
    assert rc == 2 and f"{sectors}:5: sector 'EMPTY' is empty" in err, err
    smap = _write(tmp_path / "s2.csv", "code,sector\nD01T02,D01T02\nD03,NOPE\nD05T06,D05T06\n")
    rc, _, err = convert(src, out, sector_map=smap, tariffs=None)
    assert rc == 2 and f"{smap}:3: sector 'NOPE' is not in {sectors}" in err, err
    tar = _write(tmp_path / "t.csv", "importer,exporter,sector,rate\nUSA,USA,D03,0.1\n")
    rc, _, err = convert(src, out, tariffs=tar, sectors=os.path.join(src, "SECTORS.csv"))
    assert rc == 2
    assert not os.path.exists(out)


def test_existing_output_kept(tmp_path):
    ds = synth_dataset(3, 3, seed=4)
    src = str(tmp_path / "src")
    write_synth(ds, src, "icio")
    out = tmp_path / "ds"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    rc, _, err = convert(src, str(out))
    assert rc == 2 and f"{out}: exists (use --force to replace it)" in err
    assert os.listdir(out) == ["mine.txt"]
    rc, _, err = run("from-icio", os.path.join(src, "icio.csv"), "--region-map",
                     os.path.join(src, "regions.map.csv"), "--sector-map",
                     os.path.join(src, "sectors.map.csv"), "--sectors",
                     os.path.join(src, "SECTORS.csv"), "-o", str(out), "--force")
    assert rc == 0, err
    assert sorted(os.listdir(out)) == ["README.md", "io.csv", "regions.csv", "sectors.csv",
                                       "tariffs.csv", "trade.csv"]


def test_check_world():
    """check on the shipped world: passes; its US-China flow is Census's 438.9."""
    rc, out, err = run("check", os.path.join(ROOT, "configs", "data", "world"))
    assert rc == 0, err
    assert "RESULT: all checks pass" in out
    line = [x for x in out.splitlines() if x.startswith("- US imports from China")][0]
    # goods (438.9) plus services (22.0)
    assert line.startswith("- US imports from China: 460.9")


WORLD_FILES = ("regions.csv", "sectors.csv", "trade.csv", "tariffs.csv", "io.csv",
               "partners.csv", "tariffs_2025_extra.csv", "checks.md", "README.md", "partners.md")


def test_world_build_reproduces_shipped_files(tmp_path):
    """build_world.py, run on a copy, writes exactly the shipped files (every figure
    in the CSVs has its source in the script) and its own checks pass (exit 0)."""
    import shutil
    src = os.path.join(ROOT, "configs", "data", "world")
    dst = tmp_path / "world"
    shutil.copytree(src, dst)
    p = subprocess.run([sys.executable, str(dst / "build_world.py")], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr
    assert "RESULT: all checks pass" in p.stdout
    for f in WORLD_FILES:
        with open(os.path.join(src, f), "rb") as a, open(dst / f, "rb") as b:
            assert a.read() == b.read(), f + " differs from what build_world.py writes"


def test_world_matches_audit_targets():
    """Issue 8 item 6 and item 2: the shipped world reproduces the published
    totals it was balanced to (README "Data audit"): US deficit = BEA's BoP
    goods-and-services deficit, China's surplus = SAFE's BoP goods (+768) and
    services (-229) balance, deficits sum to zero, US baseline tariff revenue =
    2024 customs receipts (79), and China supplies about 70% of US critical-
    mineral imports (USGS)."""
    ds = read_dir(os.path.join(ROOT, "configs", "data", "world"))
    d = derive(ds)
    u, c = ds.regions.index("USA"), ds.regions.index("CHN")
    assert abs(d["D"][u] - ((3296.0 + 814.0) - (2084.0 + 1108.0))) < 1.0
    assert abs(d["D"][c] - -(768.0 - 229.0)) < 1.0
    assert abs(d["D"].sum()) < 1e-6 * d["Y"].sum()
    assert abs(d["R"][u] - 79.0) < 0.5
    k = int(np.argmax(ds.sectors.critical))
    m = ds.Z[u, :, k].copy()
    m[u] = 0.0
    assert 0.65 <= m[c] / m.sum() <= 0.75
    # the US tariff on China is the revenue residual, below the statutory 20.8%
    t = (ds.tau[u, c] * ds.Z[u, c]).sum() / ds.Z[u, c].sum()
    assert 0.05 < t < 0.15


def test_check_fails(tmp_path):
    """An inconsistent dataset (input shares too large for the expenditure) fails
    check with exit 2 and a FAIL line naming the cell."""
    ds = synth_dataset(3, 3, seed=4)
    ds.gamma[0, 2, :] = 0.6
    from tradewar_data.dataset import write_files
    os.makedirs(tmp_path / "bad")
    write_files(ds, str(tmp_path / "bad"))
    rc, out, _ = run("check", tmp_path / "bad")
    assert rc == 2
    assert "FAIL: negative final-demand share at USA/D05T06" in out
    assert out.rstrip().endswith("RESULT: SOME CHECKS FAIL")


def test_check_bad_file(tmp_path):
    ds = synth_dataset(3, 3, seed=4)
    from tradewar_data.dataset import write_files
    write_files(ds, str(tmp_path))
    with open(tmp_path / "trade.csv", "a") as f:
        f.write("USA,MARS,D03,1.0\n")
    n = sum(1 for _ in open(tmp_path / "trade.csv"))
    rc, _, err = run("check", tmp_path)
    assert rc == 2
    assert f"trade.csv:{n}: column 'exporter': unknown region code 'MARS'" in err


@pytest.mark.parametrize("what", ["value", "rate", "domestic", "share", "duplicate"])
def test_read_bad_cells(tmp_path, what):
    """Each rule of the three cell files (trade, tariffs, io) names file and column."""
    from tradewar_data import DataError
    from tradewar_data.dataset import write_files
    ds = synth_dataset(3, 3, seed=4)
    R, S = ds.regions, ds.sectors.code
    fn, want = {
        "value": ("trade.csv", "column 'value': value -1.0 must be >= 0"),
        "rate": ("tariffs.csv", "column 'rate': value -0.5 must be >= 0"),
        "domestic": ("tariffs.csv", "column 'rate': a tariff on domestic sales (importer = "
                     f"exporter = {R[1]}) must be 0, got 0.25"),
        "share": ("io.csv", "column 'share': 1.5 outside [0, 1]"),
        "duplicate": ("io.csv", f"duplicate row for ({R[0]}, {S[0]}, {S[0]})"),
    }[what]
    if what == "value":
        ds.Z[0, 1, 0] = -1.0
    elif what == "rate":
        ds.tau[0, 1, 0] = -0.5
    elif what == "domestic":
        ds.tau[1, 1, 0] = 0.25
    elif what == "share":
        ds.gamma[0, 0, 0] = 1.5
    else:
        ds.gamma[0, 0, 0] = 0.1
    write_files(ds, str(tmp_path))
    if what == "duplicate":
        with open(tmp_path / "io.csv", "a") as f:
            f.write(f"{R[0]},{S[0]},{S[0]},0.1\n")
    with pytest.raises(DataError) as e:
        read_dir(str(tmp_path))
    assert f"{fn}:" in str(e.value) and want in str(e.value), str(e.value)


def test_launcher(tmp_path):
    """The launcher runs with /usr/bin/python3 as users run it."""
    p = subprocess.run([sys.executable, os.path.join(ROOT, "analysis", "tradewar-data"), "check",
                        str(tmp_path / "none")], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.startswith("tradewar-data: error: ") and "regions.csv: cannot open" in p.stderr


def test_inputs_above_output_scaled(tmp_path):
    """A column whose intermediate inputs exceed its output (negative value
    added) gets its input shares scaled to a 1% value-added share, reported;
    the dataset passes the checks."""
    ds = synth_dataset(3, 3, seed=6, tariffs=False)
    src = str(tmp_path / "src")
    write_synth(ds, src, "icio")
    # raise every input into CHN_D03 (column 5) to twice that column's output
    def f(rows):
        h = rows[0]
        c = h.index("CHN_D03")
        out = float([r for r in rows if r[0] == "OUT"][0][c])
        ind = [r for r in rows[1:] if r[0] not in ("TLS", "VA", "OUT")]
        tot = sum(float(r[c]) for r in ind)
        for r in ind:
            x = float(r[c]) * 2 * out / tot
            r[-1] = repr(float(r[-1]) + x - float(r[c]))   # keep OUT = row sum
            r[c] = repr(x)
        return rows
    _edit_icio(os.path.join(src, "icio.csv"), f)
    rc, out, err = convert(src, str(tmp_path / "ds"), tariffs=None)
    assert rc == 0, err
    assert "input shares scaled in 1 columns: CHN/D03 x" in out
    back = read_dir(str(tmp_path / "ds"))
    np.testing.assert_allclose(1 - back.gamma[1, :, 1].sum(), 0.01, rtol=1e-9)


def test_wiod_bad_total_row(tmp_path):
    ds = synth_dataset(3, 3, seed=4)
    src = str(tmp_path / "src")
    write_synth(ds, src, "wiod")
    _edit_icio(os.path.join(src, "wiod.csv"),
               lambda r: r[:-1] + [["XX", "XX", "TOT", "r99"] + r[-1][4:]])
    rc, _, err = convert(src, str(tmp_path / "ds"), "wiod")
    assert rc == 2
    assert "wiod.csv:18: row 'XX': unknown total row (valid: II_fob, TXSP" in err, err
    assert not (tmp_path / "ds").exists()
