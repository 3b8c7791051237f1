"""Files the engine writes follow tests/analysis/layout.tsv: every dataset
matches a row (type and attached scales), every required row is present."""

import fnmatch
import os

import h5py
import pytest

from conftest import HERE

LABEL_DIMS = ("region", "sector", "partner")


def layout():
    rows = []
    with open(os.path.join(HERE, "layout.tsv")) as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                pat, dtype, dims, req = line.rstrip("\n").split("\t")
                rows.append((pat, dtype, dims, req == "yes"))
    return rows


def _dtype(ds):
    t = h5py.check_string_dtype(ds.dtype)
    if t is not None:
        return "utf8" if t.length is None and t.encoding == "utf-8" else "fixed-string"
    return ds.dtype.name


def check(path):
    rows, seen, problems = layout(), set(), []

    def visit(name, obj):
        if not isinstance(obj, h5py.Dataset) or name.startswith(("sensitivity", "summary_by")):
            return  # groups of other sections (docs/SENSITIVITY.md) have their own tests
        hit = next((r for r in rows if fnmatch.fnmatchcase(name, r[0])), None)
        if hit is None:
            problems.append("%s: not in layout.tsv" % name)
            return
        seen.add(hit[0])
        if _dtype(obj) != hit[1]:
            problems.append("%s: type %s, layout says %s" % (name, _dtype(obj), hit[1]))
        group = name.rsplit("/", 1)[0] if "/" in name else ""
        got = []
        for d in obj.dims:
            scales = list(d.values())
            got.append(scales[0].name.lstrip("/") if scales else None)
        want = [] if hit[2] == "-" else hit[2].split(",")
        if "ELEM" in want:  # the element dimensions: label scales, any number
            i = want.index("ELEM")
            n_elem = obj.ndim - (len(want) - 1)
            want = want[:i] + [None] * n_elem + want[i + 1:]
        if len(want) != obj.ndim and not (hit[2] == "-" and obj.ndim <= 1):
            problems.append("%s: %d dimensions, layout says %s" % (name, obj.ndim, hit[2]))
            return
        for axis, (g, w) in enumerate(zip(got, want)):
            if g is None:
                problems.append("%s: axis %d has no scale" % (name, axis))
                continue
            gpath, gname = (g.rsplit("/", 1) if "/" in g else ("", g))
            if gpath != group:
                problems.append("%s: axis %d uses the scale /%s outside its group" % (name, axis, g))
            if (w is None and gname not in LABEL_DIMS) or (w is not None and gname != w):
                problems.append("%s: axis %d scale %s, layout says %s" % (name, axis, gname, w or "a label"))

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    for pat, _, _, req in rows:
        if req and pat not in seen:
            problems.append("required %s: missing" % pat)
    return problems


def test_engine_files_follow_the_layout(engine_tradewar, engine_ishigami):
    for p in (engine_tradewar, engine_ishigami):
        assert check(p) == [], p


def test_layout_check_can_fail(engine_ishigami, tmp_path):
    import shutil

    p = str(tmp_path / "bad.h5")
    shutil.copy(engine_ishigami, p)
    with h5py.File(p, "a") as f:
        del f["summary/quantile_levels"]
        f["outputs/extra"] = [1, 2, 3]
    probs = check(p)
    assert "required summary/quantile_levels: missing" in probs
    assert any(x.startswith("outputs/extra: axis 0 has no scale") for x in probs), probs
