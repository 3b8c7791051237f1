"""Files the engine writes follow tests/analysis/layout.tsv: every dataset
matches a row (type and attached scales), every required row is present."""

import fnmatch
import os

import h5py
import numpy as np
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


# -- the reader side: a file made from layout.tsv alone ------------------------

N_SAMPLES, BLOCK = 12, 4
N_STARTS = 2  # rows of /history
REGIONS = ("USA", "CHN", "ROW")


def _instance(pattern):
    """The dataset path a layout row stands for, '*' read as a made-up name."""
    name = pattern.replace("inputs/*", "inputs/p_test")
    name = name.replace("outputs/*", "outputs/y_region")
    name = name.replace("summary/*", "summary/y_region")
    return name


def write_from_layout(path, drop=()):
    """Write every required row of layout.tsv (no engine involved): a parameter
    p_test, an outcome y_region over the region dimension, its summary; the
    scales each row names are created in the dataset's own group."""
    rng = np.random.default_rng(7)
    values = {}
    levels = np.array([0.05, 0.5, 0.95])
    nbin = 4
    with h5py.File(path, "w") as f:
        f.attrs.update({"format": "tradewar", "format_version": "1.1", "model": "layout_test",
                        "n_samples": N_SAMPLES, "n_blocks": N_SAMPLES // BLOCK,
                        "block_size": BLOCK, "finished": 1})
        utf8 = h5py.string_dtype("utf-8")

        def scale(group, name, data, dtype=None):
            full = (group + "/" + name).lstrip("/")
            if full not in f:
                ds = f.create_dataset(full, data=data, dtype=dtype)
                ds.make_scale(name)
            return f[full]

        for pat, dtype, dims, req in layout():
            if not req or pat in drop:
                continue
            name = _instance(pat)
            if name in f:
                continue
            group, leaf = name.rsplit("/", 1) if "/" in name else ("", name)
            if dims == "-":  # a scale or a scalar
                if leaf in LABEL_DIMS:
                    scale(group, leaf, list(REGIONS), utf8)
                elif leaf == "sample":
                    scale(group, leaf, np.arange(N_SAMPLES, dtype=np.int64))
                elif leaf == "block":
                    scale(group, leaf, np.arange(N_SAMPLES // BLOCK, dtype=np.int64))
                elif leaf == "quantile_levels":
                    scale(group, leaf, levels)
                elif leaf == "bin":
                    scale(group, leaf, np.arange(nbin, dtype=np.int64))
                elif leaf == "bin_edge":
                    scale(group, leaf, np.arange(nbin + 1, dtype=np.int64))
                elif leaf == "start":
                    scale(group, leaf, np.arange(N_STARTS, dtype=np.int64))
                else:
                    raise AssertionError("layout row %s: no rule to make it in this test" % pat)
                continue
            axes = []
            for d in dims.split(","):
                if d == "ELEM":
                    axes.append(("region", len(REGIONS)))
                else:
                    axes.append((d, {"sample": N_SAMPLES, "block": N_SAMPLES // BLOCK, "start": N_STARTS,
                                     "quantile_levels": len(levels), "bin": nbin,
                                     "bin_edge": nbin + 1}[d]))
            shape = tuple(n for _, n in axes)
            if dtype == "utf8":
                data = np.array(["text %d" % i for i in range(int(np.prod(shape)))], dtype=object).reshape(shape)
            elif leaf == "block_done":
                data = np.ones(shape, np.uint8)
            elif leaf == "converged":
                data = np.ones(shape, np.uint8)
            else:
                data = rng.standard_normal(shape).astype(dtype)
            ds = f.create_dataset(name, data=data, dtype=utf8 if dtype == "utf8" else None)
            values[name] = data
            ds.attrs["units"] = "test units"
            ds.attrs["description"] = "made from layout.tsv"
            for axis, (d, n) in enumerate(axes):
                if d == "region":
                    sc = scale(group, "region", list(REGIONS), utf8)
                elif d == "sample":
                    sc = scale(group, "sample", np.arange(N_SAMPLES, dtype=np.int64))
                elif d == "block":
                    sc = scale(group, "block", np.arange(N_SAMPLES // BLOCK, dtype=np.int64))
                elif d == "start":
                    sc = scale(group, "start", np.arange(N_STARTS, dtype=np.int64))
                elif d == "quantile_levels":
                    sc = scale(group, "quantile_levels", levels)
                elif d == "bin":
                    sc = scale(group, "bin", np.arange(nbin, dtype=np.int64))
                else:
                    sc = scale(group, "bin_edge", np.arange(nbin + 1, dtype=np.int64))
                ds.dims[axis].attach_scale(sc)
    return values


def test_reader_follows_the_layout(tmp_path):
    """tradewar-analyze's reader understands a file written from layout.tsv
    alone: the table is the one description of the format that both the C
    writer (test above) and the Python reader are tested against."""
    from tradewar_analysis.loader import ResultFile

    path = str(tmp_path / "layout.h5")
    values = write_from_layout(path)
    assert check(path) == [], "the file made from the table must itself follow the table"
    with ResultFile(path) as rf:
        assert rf.finished
        assert rf.parameters == ["p_test"]
        assert rf.outcomes == ["y_region"]
        info = rf.info("y_region")
        assert info.dims == ("region",) and info.labels == (REGIONS,)
        assert info.units == "test units" and info.description == "made from layout.tsv"
        _, got = rf.read(["y_region", "p_test"])
        np.testing.assert_array_equal(got["y_region"], values["outputs/y_region"])
        np.testing.assert_array_equal(got["p_test"], values["inputs/p_test"])
        stored = rf.stored_summary("y_region")
        assert stored is not None, "a complete /summary group per layout.tsv must be used"
        for field in ("mean", "std", "sem", "min", "max", "quantiles"):
            np.testing.assert_array_equal(stored[field], values["summary/y_region/" + field])


def test_reader_layout_negative_control(tmp_path):
    """Without a required summary field the reader does not trust the stored
    summary (it recomputes), and the writer-side check names the gap."""
    from tradewar_analysis.loader import ResultFile

    path = str(tmp_path / "layout_missing.h5")
    write_from_layout(path, drop=("summary/*/sem",))
    assert "required summary/*/sem: missing" in check(path)
    with ResultFile(path) as rf:
        assert rf.stored_summary("y_region") is None
