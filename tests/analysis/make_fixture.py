#!/usr/bin/python3
"""Write synthetic tradewar result files (format_version 1.0) with h5py.

The files follow the layout the engine writes (docs/DESIGN.md, "HDF5
output") exactly: fixed-length ASCII string attributes, dimension scales in the
root group attached to every dataset, /inputs, /outputs, /status, /summary (only
when finished) and /baseline/central. The numbers are made up (smooth
functions of the parameters plus noise), so tests of the analysis package and
of bad inputs do not need the engine.

    /usr/bin/python3 tests/analysis/make_fixture.py OUT.h5 [--model tradewar|ishigami]
        [-n 1000] [--block-size 128] [--done 1,1,0,...] [--format-version 1.0] [--no-format]
"""

from __future__ import annotations

import argparse
import hashlib
import math
from typing import Dict, Optional, Sequence

import h5py
import numpy as np

QUANTILE_LEVELS = np.array([0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99])
REGIONS = ("USA", "CHN", "VNM", "MEX", "EUR", "ROW")
SECTORS = ("AGR", "MAN", "CRM", "SRV")
PARTNERS = ("VNM", "MEX", "EUR")


def _s(text: str) -> np.bytes_:
    """A fixed-length ASCII string (what the engine writes)."""
    return np.bytes_(text.encode("ascii"))


def _ishigami(rng: np.random.Generator, n: int):
    x = rng.uniform(-math.pi, math.pi, size=(n, 3))
    y = np.sin(x[:, 0]) + 7.0 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    params = {f"x{i+1}": (x[:, i], "1", f"Ishigami input x{i+1}", "uniform(min=-3.14159, max=3.14159)")
              for i in range(3)}
    outcomes = {"y": (y, (), "1", "Ishigami function value")}
    config = "model: ishigami\nsamples: %d\nseed: 1\ndesign: mc\n" % n
    central = {"y": np.float64(7.0 * math.sin(0.0) ** 2)}
    return params, outcomes, config, central


def _tradewar(rng: np.random.Generator, n: int):
    """Plausible-looking outcomes of the trade model (not the model!)."""
    u = rng.uniform(size=n)
    t_us_cn = 0.3 + (1.45 - 0.3) * np.sqrt(u)  # triangular(0.3, 1.45, 1.45): mode at the max
    t_cn_us = rng.uniform(0.10, 1.25, size=n)
    deal = (rng.uniform(size=n) < 0.3).astype(np.float64)
    comp = {p: rng.beta(2.0, 2.0, size=n) for p in PARTNERS}
    e_ship = rng.uniform(0.2, 0.9, size=n)
    sigma_re = rng.uniform(0.0, 0.8, size=n)
    params = {
        "t_us_cn": (t_us_cn, "1", "additional US tariff on Chinese goods (ad valorem)",
                    "triangular(min=0.3, mode=1.45, max=1.45)"),
        "t_cn_us": (t_cn_us, "1", "China's retaliatory tariff on US goods", "uniform(min=0.1, max=1.25)"),
        "deal": (deal, "1", "1 if a US-China deal halves the tariffs", "bernoulli(p=0.3)"),
        "e_ship": (e_ship, "1", "effectiveness of partners' transshipment blocking", "uniform(min=0.2, max=0.9)"),
        "sigma_re": (sigma_re, "1", "severity of China's rare-earth export restriction",
                     "uniform(min=0, max=0.8)"),
    }
    for p in PARTNERS:
        params["compliance_" + p] = (comp[p], "1", "compliance of %s with US demands" % p, "beta(a=2, b=2)")
    c_mean = np.mean([comp[p] for p in PARTNERS], axis=0)
    t_eff = t_us_cn * (1.0 - 0.5 * deal)
    r_eff = t_cn_us * (1.0 - 0.5 * deal)
    noise = lambda s, shape=(): rng.normal(0.0, s, size=(n,) + shape)
    to_us = -100.0 * (1.0 - np.exp(-1.1 * t_eff * (0.6 + 0.4 * e_ship * c_mean))) + noise(0.5)
    reroute_share = (1.0 - e_ship * c_mean) * t_eff / (1.0 + t_eff)
    to_partners = 8.0 * reroute_share * 10 - 4.0 * c_mean + noise(0.5)
    to_rest = 3.0 * t_eff + noise(0.3)
    total = 0.16 * to_us + 0.25 * to_partners + 0.59 * to_rest + noise(0.1)
    N, J, P = len(REGIONS), len(SECTORS), len(PARTNERS)
    welfare = np.empty((n, N))
    welfare[:, 0] = -0.25 * t_eff - 0.35 * r_eff - 0.6 * sigma_re + noise(0.03)
    welfare[:, 1] = -0.9 * t_eff - 0.1 * r_eff + 0.2 * (1 - c_mean) + noise(0.05)
    for k, p in enumerate(PARTNERS):
        welfare[:, 2 + k] = 0.3 * (1 - comp[p]) * t_eff - 0.1 * comp[p] + noise(0.04)
    welfare[:, 5] = 0.05 * t_eff + noise(0.02)
    real_wage = welfare * 1.1 + noise(0.01, (N,))
    exports = welfare * 3.0 + noise(0.2, (N,))
    imports = exports * 0.9 + noise(0.2, (N,))
    cpi = -welfare * 0.8 + noise(0.05, (N,))
    tb_change = (exports - imports) * 10.0
    tariff_rev = np.abs(welfare) * 50.0 + 5.0 + noise(0.5, (N,))
    output = welfare[:, :, None] * np.array([0.5, 2.0, 4.0, 0.3])[None, None, :] + noise(0.3, (N, J))
    domestic = np.clip(0.7 + 0.01 * output, 0.0, 1.0)
    rerouted_p = np.stack([reroute_share * (1 - e_ship * comp[p]) * (30.0 + 10 * k)
                           for k, p in enumerate(PARTNERS)], axis=1) + np.abs(noise(0.2, (P,)))
    outcomes = {
        "welfare_pct": (welfare, ("region",), "percent", "real income change"),
        "real_wage_pct": (real_wage, ("region",), "percent", "real wage change"),
        "exports_pct": (exports, ("region",), "percent", "change of exports (excl. domestic sales)"),
        "imports_pct": (imports, ("region",), "percent", "change of imports (excl. domestic sales)"),
        "cpi_numeraire_pct": (cpi, ("region",), "percent", "consumer price index change"),
        "trade_balance_change": (tb_change, ("region",), "numeraire", "change of exports minus imports"),
        "tariff_revenue": (tariff_rev, ("region",), "numeraire", "tariff revenue"),
        "output_pct": (output, ("region", "sector"), "percent", "nominal gross output change"),
        "domestic_share": (domestic, ("region", "sector"), "1", "domestic expenditure share pi'[n,n,j]"),
        "cn_exports_to_us_pct": (to_us, (), "percent", "China's exports to the US"),
        "cn_exports_total_pct": (total, (), "percent", "China's total exports"),
        "cn_exports_to_partners_pct": (to_partners, (), "percent", "China's exports to the partners"),
        "cn_exports_to_rest_pct": (to_rest, (), "percent", "China's exports to the rest of the world"),
        "relocated_capacity_value": (np.abs(noise(1.0)) + 2 * t_eff, (), "numeraire",
                                     "value of capacity relocated out of China"),
        "us_crm_price_pct": (60.0 * sigma_re ** 1.5 + noise(1.0), (), "percent",
                             "US price of critical minerals"),
        "leverage_pp": (welfare[:, 0] - welfare[:, 1], (), "percentage points",
                        "welfare_pct[USA] - welfare_pct[CHN] (positive: China loses more)"),
        "rerouted_value": (rerouted_p.sum(axis=1), (), "numeraire", "Chinese goods rerouted via partners"),
        "rerouted_value_by_partner": (rerouted_p, ("partner",), "numeraire", "rerouted value per partner"),
    }
    config = ("model: tradewar\ndata: data/world\nsamples: %d\nseed: 1\ndesign: lhs\n"
              "parameters:\n  t_us_cn: {dist: triangular, min: 0.30, mode: 1.45, max: 1.45}\n" % n)
    central = {k: np.median(v[0], axis=0) for k, v in outcomes.items()}
    return params, outcomes, config, central


def reference_summary(values: np.ndarray, converged: np.ndarray) -> Dict[str, np.ndarray]:
    """The /summary statistics as the design defines them, computed naively."""
    n = values.shape[0]
    elem = values.shape[1:]
    flat = values.reshape(n, -1)
    E = flat.shape[1]
    out = {k: np.full(E, np.nan) for k in ("mean", "std", "sem", "min", "max")}
    out["count"] = np.zeros(E, np.uint64)
    out["quantiles"] = np.full((E, QUANTILE_LEVELS.size), np.nan)
    out["hist_counts"] = np.zeros((E, 40), np.uint64)
    out["hist_edges"] = np.full((E, 41), np.nan)
    for k in range(E):
        v = flat[(converged == 1) & np.isfinite(flat[:, k]), k]
        if v.size == 0:
            continue
        out["count"][k] = v.size
        out["mean"][k] = v.mean()
        out["std"][k] = v.std(ddof=1) if v.size > 1 else np.nan
        out["sem"][k] = out["std"][k] / math.sqrt(v.size)
        out["min"][k], out["max"][k] = v.min(), v.max()
        out["quantiles"][k] = np.quantile(v, QUANTILE_LEVELS)
        lo, hi = v.min(), v.max()
        c, e = np.histogram(v, bins=40, range=(lo, hi) if hi > lo else (lo - 0.5, hi + 0.5))
        out["hist_counts"][k], out["hist_edges"][k] = c, e
    for key in ("mean", "std", "sem", "min", "max", "count"):
        out[key] = out[key].reshape(elem)
    for key in ("quantiles", "hist_counts", "hist_edges"):
        out[key] = out[key].reshape(elem + out[key].shape[-1:])
    return out


def make_fixture(path: str, model: str = "tradewar", n_samples: int = 1000, block_size: int = 128,
                 seed: int = 20250409, done: Optional[Sequence[int]] = None,
                 format_version: Optional[str] = "1.0", format_name: Optional[str] = "tradewar",
                 nonconverged_fraction: float = 0.01) -> str:
    """Write one synthetic result file and return its path.

    ``done``: per-block 0/1 (default all 1: a finished run with /summary);
    with any 0 the file is unfinished (finished=0, no /summary, NaN rows).
    ``format_version``/``format_name`` None omit that attribute.
    """
    rng = np.random.default_rng(seed)
    if model == "ishigami":
        params, outcomes, config, central = _ishigami(rng, n_samples)
    elif model == "tradewar":
        params, outcomes, config, central = _tradewar(rng, n_samples)
    else:
        raise ValueError("model must be ishigami or tradewar")
    n_blocks = -(-n_samples // block_size)
    done_arr = np.ones(n_blocks, np.uint8) if done is None else np.asarray(done, np.uint8)
    if done_arr.shape != (n_blocks,):
        raise ValueError("done must have %d entries" % n_blocks)
    finished = int(done_arr.all())
    row_done = np.repeat(done_arr, block_size)[:n_samples].astype(bool)

    converged = (rng.uniform(size=n_samples) >= nonconverged_fraction).astype(np.uint8)
    iterations = rng.integers(5, 60, size=n_samples).astype(np.int32)
    residual = np.where(converged == 1, 1e-12, 1e-6) * rng.uniform(0.1, 1.0, size=n_samples)
    converged[~row_done] = 0
    iterations[~row_done] = 0
    residual[~row_done] = np.nan

    with h5py.File(path, "w") as f:
        if format_name is not None:
            f.attrs["format"] = _s(format_name)
        if format_version is not None:
            f.attrs["format_version"] = _s(format_version)
        f.attrs["engine_version"] = _s("0.1.0-fixture")
        f.attrs["model"] = _s(model)
        f.attrs["design"] = _s("lhs" if model == "tradewar" else "mc")
        f.attrs["seed"] = np.uint64(seed)
        f.attrs["n_samples"] = np.uint64(n_samples)
        f.attrs["block_size"] = np.uint64(block_size)
        f.attrs["n_blocks"] = np.uint64(n_blocks)
        f.attrs["created"] = _s("2026-11-28T12:00:00Z")
        f.attrs["mpi_ranks"] = np.int32(2)
        f.attrs["omp_threads"] = np.int32(2)
        f.attrs["config"] = _s(config)
        f.attrs["config_sha256"] = _s(hashlib.sha256(config.encode()).hexdigest())
        f.attrs["finished"] = np.int32(finished)
        if finished:
            f.attrs["n_converged"] = np.uint64(int(converged.sum()))
        f.attrs["elapsed_seconds"] = np.float64(12.5)

        sample = f.create_dataset("sample", data=np.arange(n_samples, dtype=np.int64))
        sample.make_scale("sample")
        sample.attrs["units"] = _s("1")
        sample.attrs["description"] = _s("sample index")
        scales = {"sample": sample}
        if model == "tradewar":
            for dname, labels, desc in (("region", REGIONS, "region code"), ("sector", SECTORS, "sector code"),
                                        ("partner", PARTNERS, "partner region code")):
                d = f.create_dataset(dname, data=np.array([l.encode() for l in labels], dtype="S3"))
                d.make_scale(dname)
                d.attrs["units"] = _s("1")
                d.attrs["description"] = _s(desc)
                scales[dname] = d

        chunk = (min(block_size, n_samples),)
        gi = f.create_group("inputs")
        for name, (vals, units, desc, dist) in params.items():
            v = np.where(row_done, vals, np.nan)
            ds = gi.create_dataset(name, data=v, chunks=chunk)
            ds.attrs["units"], ds.attrs["description"], ds.attrs["distribution"] = _s(units), _s(desc), _s(dist)
            ds.dims[0].attach_scale(sample)
        go = f.create_group("outputs")
        stored = {}
        for name, (vals, dims, units, desc) in outcomes.items():
            v = np.array(vals, dtype=np.float64)
            v[~row_done] = np.nan
            stored[name] = v
            ds = go.create_dataset(name, data=v, chunks=chunk + v.shape[1:])
            ds.attrs["units"], ds.attrs["description"] = _s(units), _s(desc)
            ds.dims[0].attach_scale(sample)
            for axis, dname in enumerate(dims, start=1):
                ds.dims[axis].attach_scale(scales[dname])
        gs = f.create_group("status")
        for name, data, desc in (("converged", converged, "1 if the solver converged"),
                                 ("iterations", iterations, "solver iterations"),
                                 ("residual", residual, "final residual")):
            ds = gs.create_dataset(name, data=data)
            ds.attrs["units"], ds.attrs["description"] = _s("1"), _s(desc)
            ds.dims[0].attach_scale(sample)
        ds = gs.create_dataset("block_done", data=done_arr)
        ds.attrs["units"], ds.attrs["description"] = _s("1"), _s("1 once the block's rows are written")

        if finished:
            gsum = f.create_group("summary")
            gsum.create_dataset("quantile_levels", data=QUANTILE_LEVELS)
            for name, v in stored.items():
                g = gsum.create_group(name)
                g.attrs["n_converged"] = np.uint64(int(converged.sum()))
                g.attrs["n_samples"] = np.uint64(n_samples)
                for key, arr in reference_summary(v, converged).items():
                    g.create_dataset(key, data=arr)
        gc = f.create_group("baseline/central/outputs")
        for name, v in central.items():
            gc.create_dataset(name, data=np.asarray(v, dtype=np.float64))
    return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--model", default="tradewar", choices=("tradewar", "ishigami"))
    ap.add_argument("-n", "--samples", type=int, default=1000)
    ap.add_argument("--block-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=20250409)
    ap.add_argument("--done", help="comma-separated 0/1 per block (default: all done)")
    ap.add_argument("--format-version", default="1.0")
    ap.add_argument("--no-format", action="store_true", help="omit the format attribute")
    a = ap.parse_args(argv)
    done = [int(x) for x in a.done.split(",")] if a.done else None
    make_fixture(a.out, a.model, a.samples, a.block_size, a.seed, done, a.format_version,
                 None if a.no_format else "tradewar")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
