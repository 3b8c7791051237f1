#!/usr/bin/python3
"""Small HDF5 helpers for the resume and Slurm tests (h5py; run with /usr/bin/python3).

  twh5.py progress FILE            print "<done> <total> <finished>" (blocks), tolerant of
                                   a file that is being written; exit 1 if unreadable
  twh5.py compare A B [GROUP...]   bitwise comparison of every dataset (and its attributes)
                                   under the groups (default /inputs /outputs /status
                                   /summary) and of the root attributes that define the
                                   run; exit 0 when identical, 1 with a list of differences
  twh5.py compare --ignore-config A B [GROUP...]
                                   the same without the config text and its hash (for
                                   configs that differ only in keys that do not change
                                   results, such as the test models' cost_us)
  twh5.py wait FILE N [TIMEOUT]    poll until at least N blocks are done; print the count
"""
import os
import sys
import time

# The engine writes with MPI-IO (no file lock); a reader must not try to lock
# either, or opening a file that is being written fails.
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
import h5py  # noqa: E402
import numpy as np  # noqa: E402

GROUPS = ["/inputs", "/outputs", "/status", "/summary"]
# Root attributes that say what was run; timing and decomposition ones
# (created, mpi_ranks, omp_threads, wall times) may differ.
RUN_ATTRS = ["format", "model", "design", "seed", "n_samples", "config", "config_sha256",
             "finished"]


def progress(path):
    with h5py.File(path, "r") as f:
        bd = np.asarray(f["/status/block_done"][...])
        fin = int(f.attrs.get("finished", 0))
        return int(np.count_nonzero(bd)), int(bd.size), fin


def block_done(path):
    """The /status/block_done flags as booleans."""
    with h5py.File(path, "r") as f:
        return np.asarray(f["/status/block_done"][...]) != 0


def progress_retry(path, tries=20):
    err = None
    for _ in range(tries):
        try:
            return progress(path)
        except Exception as e:  # a half-written file: try again shortly
            err = e
            time.sleep(0.02)
    raise err


def _bits(a):
    a = np.asarray(a)
    if a.dtype.kind in "OSUa":  # strings: compare the values
        return ("str", a.shape, [x.decode() if isinstance(x, bytes) else str(x)
                                 for x in a.reshape(-1).tolist()])
    return (a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes())


def _attr_bits(obj):
    # Dimension-scale bookkeeping holds object references, which h5py reads
    # as Python objects (their bytes are addresses in this process): compare
    # the scales each axis has by name instead; REFERENCE_LIST is the inverse.
    out = {k: _bits(v) for k, v in obj.attrs.items() if k not in ("DIMENSION_LIST", "REFERENCE_LIST")}
    if "DIMENSION_LIST" in obj.attrs:
        out["DIMENSION_LIST"] = [[sc.name for sc in dim.values()] for dim in obj.dims]
    return out


def compare(pa, pb, groups, ignore_config=False):
    diffs = []
    attrs = [a for a in RUN_ATTRS if not (ignore_config and a in ("config", "config_sha256"))]
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        for k in attrs:
            if (k in fa.attrs) != (k in fb.attrs):
                diffs.append(f"root attribute {k}: present in only one file")
            elif k in fa.attrs and _bits(fa.attrs[k]) != _bits(fb.attrs[k]):
                diffs.append(f"root attribute {k}: {fa.attrs[k]!r} != {fb.attrs[k]!r}")
        for g in groups:
            if g not in fa or g not in fb:
                diffs.append(f"{g}: missing in {'A' if g not in fa else 'B'}")
                continue
            names = {}
            for f, tag in ((fa, "A"), (fb, "B")):
                found = []
                f[g].visititems(lambda n, o, found=found: found.append(n)
                                if isinstance(o, h5py.Dataset) else None)
                names[tag] = set(found)
            for n in sorted(names["A"] ^ names["B"]):
                diffs.append(f"{g}/{n}: only in {'A' if n in names['A'] else 'B'}")
            for n in sorted(names["A"] & names["B"]):
                da, db = fa[g][n], fb[g][n]
                if da.shape != db.shape or da.dtype != db.dtype:
                    diffs.append(f"{g}/{n}: shape/dtype {da.shape} {da.dtype} != {db.shape} {db.dtype}")
                    continue
                xa, xb = da[()], db[()]
                if _bits(xa) != _bits(xb):
                    a, b = np.asarray(xa), np.asarray(xb)
                    where = ""
                    if a.dtype.kind in "fiub" and a.shape:
                        fa_, fb_ = a.reshape(-1).astype(float), b.reshape(-1).astype(float)
                        ne = (fa_ != fb_) & ~(np.isnan(fa_) & np.isnan(fb_))
                        idx = np.flatnonzero(ne)
                        where = f" ({idx.size} elements differ, first at flat index {idx[:5].tolist()})"
                    diffs.append(f"{g}/{n}: data differ{where}")
                if _attr_bits(da) != _attr_bits(db):
                    diffs.append(f"{g}/{n}: attributes differ")
    return diffs


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "progress":
        try:
            d, t, fin = progress_retry(argv[2])
        except Exception as e:
            print(f"twh5: cannot read progress of {argv[2]}: {e}", file=sys.stderr)
            return 1
        print(d, t, fin)
        return 0
    if cmd == "wait":
        path, n = argv[2], int(argv[3])
        timeout = float(argv[4]) if len(argv) > 4 else 120
        t0 = time.time()
        while time.time() - t0 < timeout:
            if os.path.exists(path):
                try:
                    d, t, fin = progress(path)
                    if d >= n or fin:
                        print(d, t, fin)
                        return 0
                except Exception:
                    pass
            time.sleep(0.01)
        print(f"twh5: timeout waiting for {n} blocks in {path}", file=sys.stderr)
        return 1
    if cmd == "compare":
        ignore = len(argv) > 2 and argv[2] == "--ignore-config"
        rest = argv[3:] if ignore else argv[2:]
        groups = rest[2:] or GROUPS
        diffs = compare(rest[0], rest[1], groups, ignore_config=ignore)
        for d in diffs:
            print(f"DIFF {d}")
        if diffs:
            print(f"twh5: {rest[0]} and {rest[1]} differ ({len(diffs)} differences)")
            return 1
        print(f"twh5: identical: {' '.join(groups)} and run attributes")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
