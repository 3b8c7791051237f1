"""The report as a person sees it: rendered by headless Chromium (no
missing image, no console error), figures at >= 150 dpi or as SVG, key
findings written from the numbers."""

import os
import re
import shutil
import struct
import subprocess

import h5py
import numpy as np
import pytest

from conftest import run_cli

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def render(html_path, tmp_path, *extra):
    """Run Chromium on the page; returns (dom, console lines)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("%s not installed (Debian package chromium): browser check skipped" % CHROMIUM)
    prof = tmp_path / ("profile%d" % len(os.listdir(tmp_path)))
    r = subprocess.run([CHROMIUM] + FLAGS + ["--user-data-dir=%s" % prof, "--enable-logging=stderr", "--v=0",
                                             "--virtual-time-budget=5000"] + list(extra) + ["file://" + html_path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout, [l for l in r.stderr.splitlines() if ":CONSOLE" in l]


def browser_problems(html_path, tmp_path):
    dom, console = render(html_path, tmp_path, "--dump-dom")
    assert "</html>" in dom
    return console + re.findall(r'<img[^>]*class="broken"[^>]*>', dom)


def png_dpi(path):
    with open(path, "rb") as fh:
        data = fh.read()
    i = data.find(b"pHYs")
    assert i > 0, "no pHYs chunk in %s" % path
    ppu_x, _, unit = struct.unpack(">IIB", data[i + 4:i + 13])
    assert unit == 1  # per metre
    return ppu_x * 0.0254


def test_report_in_a_browser(files, tmp_path):
    out = tmp_path / "rep"
    r = run_cli("report", files["tradewar"], "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    page = str(out / "index.html")
    assert browser_problems(page, tmp_path) == []
    # the check can fail: a missing figure is reported on the console
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    os.remove(broken / "heatmap_output_pct.png")
    probs = browser_problems(str(broken / "index.html"), tmp_path)
    assert any("image did not load: heatmap_output_pct.png" in p for p in probs), probs
    # a screenshot is drawn
    shot = tmp_path / "shot.png"
    render(page, tmp_path, "--window-size=1200,1600", "--screenshot=%s" % shot)
    assert shot.stat().st_size > 20_000
    html = open(page).read()
    for png in re.findall(r'<img src="([^"]+\.png)"', html):
        assert png_dpi(str(out / png)) >= 149.9, png
    # contents, findings before figures, config collapsed
    assert html.index("Key findings") < html.index('id="figures"')
    assert re.search(r"<details><summary>The YAML", html) or "(not stored)" in html
    for anchor in ("findings", "run", "headline", "figures", "parameters", "config"):
        assert 'href="#%s"' % anchor in html and 'id="%s"' % anchor in html
    # the finding on leverage_pp says what the file says
    with h5py.File(files["tradewar"], "r") as f:
        y = f["outputs/leverage_pp"][()]
        ok = (f["status/converged"][()] == 1) & np.isfinite(y)
        done = np.repeat(f["status/block_done"][()].astype(bool), int(f.attrs["block_size"]))[:y.size]
        y = y[ok & done]
    m = re.search(r"<b>leverage_pp</b>: mean (\S+) percentage points, 90% of samples between (\S+) and (\S+); "
                  r"above zero in (\d+)% of samples", html)
    assert m, html[:3000]
    assert float(m.group(1)) == pytest.approx(y.mean(), rel=2e-3)
    assert float(m.group(2)) == pytest.approx(np.quantile(y, 0.05), rel=2e-3)
    assert int(m.group(4)) == round(100 * np.mean(y > 0))
    # the deal coin flip splits some headline outcome: a per-regime figure with deal / no deal
    assert re.search(r'<img src="regime_deal_[^"]+\.png"', html)


def test_report_svg_figures(files, tmp_path):
    out = tmp_path / "svg"
    r = run_cli("report", files["tradewar"], "-o", out, "-q", "--format", "svg")
    assert r.returncode == 0, r.stderr
    html = open(out / "index.html").read()
    svgs = re.findall(r'<img src="([^"]+\.svg)"', html)
    assert svgs and not re.findall(r'<img src="[^"]+\.png"', html)
    assert open(out / svgs[0]).read(200).lstrip().startswith("<?xml")
    assert browser_problems(str(out / "index.html"), tmp_path) == []


def test_report_shows_sobol_indices(files, tmp_path):
    """A file with /sensitivity (the engine's layout: factor labels, per
    outcome S1, ST [k] and S1_ci, ST_ci [k, 2]) gets a Sobol' section."""
    p = tmp_path / "sens.h5"
    shutil.copy(files["tradewar"], p)
    k = 3
    with h5py.File(p, "a") as f:
        g = f.create_group("sensitivity")
        g.attrs["confidence"] = 0.95
        g.attrs["base_samples_used"] = 128
        fac = g.create_dataset("factor", data=["deal", "t_us_cn", "compliance*"], dtype=h5py.string_dtype())
        fac.make_scale("factor")
        g.create_dataset("factor_members", data=["deal", "t_us_cn", "compliance_a,compliance_b"],
                         dtype=h5py.string_dtype())
        o = g.create_group("leverage_pp")
        o["S1"], o["ST"] = np.array([0.5, 0.2, 0.1]), np.array([0.6, 0.3, 0.15])
        o["S1_ci"] = np.array([[0.4, 0.6], [0.1, 0.3], [0.0, 0.2]])
        o["ST_ci"] = np.array([[0.5, 0.7], [0.2, 0.4], [0.1, 0.2]])
        o["status"] = np.uint8(0)
        o["S1"].dims[0].attach_scale(fac)
    r = run_cli("report", p, "-o", tmp_path / "rep", "-q")
    assert r.returncode == 0, r.stderr
    html = open(tmp_path / "rep" / "index.html").read()
    assert 'href="#sobol"' in html and '<img src="sobol_leverage_pp.png"' in html
    assert png_dpi(str(tmp_path / "rep" / "sobol_leverage_pp.png")) >= 149.9
    assert browser_problems(str(tmp_path / "rep" / "index.html"), tmp_path) == []
