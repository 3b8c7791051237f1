"""Assertions shared by the analysis tests."""

from __future__ import annotations

import io
import os
import re

import h5py
import numpy as np
import pandas as pd


def assert_png_ok(path: str, min_bytes: int = 5000) -> None:
    """The file is a PNG of reasonable size whose pixels are not all alike."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg

    assert os.path.isfile(path), path
    assert os.path.getsize(path) >= min_bytes, "%s is only %d bytes" % (path, os.path.getsize(path))
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n", "%s is not a PNG" % path
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] >= 200 and img.shape[1] >= 300, img.shape
    rgb = img[..., :3]
    assert float(rgb.std()) > 0.02, "%s looks blank (pixel std %.4f)" % (path, rgb.std())
    # Something besides the white background: at least 1% non-white pixels.
    assert float((rgb.min(axis=2) < 0.9).mean()) > 0.01, "%s is nearly all white" % path


def assert_one_error_line(proc, code: int = 2, contains: str = "") -> str:
    """Exit ``code``, stderr exactly one line ``tradewar-analyze: error: ...``."""
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.strip("\n").splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("tradewar-analyze: error: "), lines[0]
    if contains:
        assert re.search(contains, lines[0], re.I), lines[0]
    return lines[0]


def stored_summary(path: str) -> dict:
    """{(outcome, element label): {stat: value}} from the file's /summary."""
    out = {}
    with h5py.File(path, "r") as f:
        levels = f["summary/quantile_levels"][()]
        dims = {d: [v.decode() if isinstance(v, bytes) else str(v) for v in f[d][()]]
                for d in ("region", "sector", "partner") if d in f}
        for name, g in f["summary"].items():
            if not isinstance(g, h5py.Group):
                continue
            ds = f["outputs"][name]
            axes = [dims[list(ds.dims[a].values())[0].name.rsplit("/", 1)[-1]] for a in range(1, ds.ndim)]
            labels = [""] if not axes else [",".join(t) for t in
                                             np.array(np.meshgrid(*axes, indexing="ij")).reshape(len(axes), -1).T]
            E = len(labels)
            stats = {k: g[k][()].reshape(E) for k in ("mean", "std", "sem", "min", "max", "count")}
            q = g["quantiles"][()].reshape(E, len(levels))
            for k, lab in enumerate(labels):
                row = {s: float(v[k]) for s, v in stats.items()}
                for j, lev in enumerate(levels):
                    row["p%g" % (100 * lev)] = float(q[k, j])
                out[(name, lab)] = row
    return out


def read_csv(text: str) -> pd.DataFrame:
    df = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=["nan", "NaN"])
    df["element"] = df["element"].astype(str)
    return df


def assert_table_equals_stored(df: pd.DataFrame, path: str, rtol: float = 1e-12, complete: bool = True) -> int:
    """Every row of a summary table equals /summary (relative 1e-12, absolute
    1e-12 times the element's std for values near zero). Returns rows checked."""
    ref = stored_summary(path)
    n = 0
    for _, row in df.iterrows():
        r = ref[(row["outcome"], row["element"])]
        scale = abs(r["std"]) if np.isfinite(r["std"]) else 1.0
        for stat, val in r.items():
            np.testing.assert_allclose(float(row[stat]), val, rtol=rtol, atol=rtol * scale,
                                       err_msg="%s[%s] %s" % (row["outcome"], row["element"], stat))
        np.testing.assert_allclose(row["ci95_low"], r["mean"] - 1.96 * r["sem"], rtol=rtol, atol=rtol * scale)
        np.testing.assert_allclose(row["ci95_high"], r["mean"] + 1.96 * r["sem"], rtol=rtol, atol=rtol * scale)
        n += 1
    assert not complete or n == len(ref), "table has %d rows, /summary %d elements" % (n, len(ref))
    return n


def parse_markdown(text: str) -> pd.DataFrame:
    """Parse a pipe table (header, separator, rows); checks its shape."""
    lines = [l for l in text.splitlines() if l.strip()]
    assert len(lines) >= 3 and lines[0].startswith("|") and set(lines[1]) <= set("|:- ")
    split = lambda l: [c.strip() for c in re.split(r"(?<!\\)\|", l.strip())[1:-1]]
    header = split(lines[0])
    rows = [split(l) for l in lines[2:]]
    assert all(len(r) == len(header) for r in rows), "ragged markdown table"
    return pd.DataFrame(rows, columns=header)
