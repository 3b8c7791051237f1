"""Child process of test_readers.py: open every group of result files with
one xarray engine and print one JSON line per group.

    /usr/bin/python3 open_groups.py ENGINE FILE...

Run in a child so that a reader crashing (netCDF-C segfaulted on the
fixed-length labels of format 1.0) fails the test instead of killing pytest.
Each line is flushed at once: after a crash the last line names the group
opened before the one that crashed.
"""

import json
import sys

import h5py
import xarray as xr


def groups(path):
    out = [""]
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Group) else None)
    return out


def main(engine, paths):
    for path in paths:
        for g in groups(path):
            kw = {"group": g} if g else {}
            with xr.open_dataset(path, engine=engine, **kw) as ds:
                ds.load()
                rec = {
                    "file": path,
                    "group": g,
                    # dimensions of data variables that have no coordinate
                    "bare_dims": sorted({d for v in ds.data_vars.values() for d in v.dims if d not in ds.coords}),
                    "coords": {k: [str(x) for x in c.values.tolist()] for k, c in ds.coords.items() if c.ndim == 1},
                    "coord_types": {k: type(c.values.tolist()[0]).__name__ for k, c in ds.coords.items()
                                    if c.ndim == 1 and c.size},
                    "vars": sorted(ds.data_vars),
                }
                if g == "history":  # the run history, as xarray decodes it
                    rec["history"] = {k: [str(x) for x in ds[k].values.tolist()]
                                      for k in ("exit_reason", "mpi_ranks", "blocks_at_end", "started")}
                    rec["history_dims"] = sorted({d for v in ds.data_vars.values() for d in v.dims})
                if g == "outputs" and "region" in ds.coords:
                    v = ds["welfare_pct"].sel(region="USA")
                    rec["welfare_usa"] = v.values[:5].tolist()
                    rec["welfare_usa_dims"] = list(v.dims)
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
