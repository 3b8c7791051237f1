"""Synthetic worlds (not data): a consistent N x J dataset from a seed, and its
inter-country table in the ICIO or WIOD layout with identity mapping files.

Used by the tests (round trips, small worlds) and by the ICIO-size scenario
(configs/icio_synthetic.yaml, 76 economies x 45 ICIO industries). Numbers are
drawn to look like a world table (home bias, a few large economies, sparse
foreign sourcing so that the 76 x 45 CSV stays small), not to match any year.
"""

from __future__ import annotations

import os

import numpy as np

from .dataset import Dataset, Sectors, derive

# OECD ICIO 2023 release: the 76 economies (ROW is the 77th) and the 45 industries
ICIO_COUNTRIES = (
    "USA CHN ARG AUS AUT BEL BGD BGR BLR BRA BRN CAN CHE CHL CIV CMR COL CRI CYP CZE DEU DNK "
    "EGY ESP EST FIN FRA GBR GRC HKG HRV HUN IDN IND IRL ISL ISR ITA JOR JPN KAZ KHM KOR LAO "
    "LTU LUX LVA MAR MEX MLT MMR MYS NGA NLD NOR NZL PAK PER PHL POL PRT ROU RUS SAU SEN SGP "
    "SVK SVN SWE THA TUN TUR TWN UKR VNM ZAF").split()
ICIO_INDUSTRIES = (
    "D01T02 D03 D05T06 D07T08 D09 D10T12 D13T15 D16 D17T18 D19 D20 D21 D22 D23 D24 D25 D26 "
    "D27 D28 D29 D30 D31T33 D35 D36T39 D41T43 D45T47 D49 D50 D51 D52 D53 D55T56 D58T60 D61 "
    "D62T63 D64T66 D68 D69T75 D77T82 D84 D85 D86T88 D90T93 D94T96 D97T98").split()
N_GOODS = 22            # D01T02 .. D31T33 are goods; D35 on are utilities and services
CRITICAL = "D07T08"     # metal ores and other mining: the critical-input sector of the scenario
THETA_GOODS = [9.1, 8.0, 13.5, 2.0, 10.0, 2.6, 8.1, 11.5, 16.5, 10.0, 3.1, 3.1, 1.7, 2.4,
               3.3, 7.0, 8.0, 10.0, 1.5, 1.8, 1.0, 4.0]  # Caliendo-Parro-like, rounded


def icio_sectors(J):
    """The first J ICIO industries as a Sectors (theta, industrial, critical)."""
    codes = ICIO_INDUSTRIES[:J]
    theta = [THETA_GOODS[k] if k < N_GOODS else 5.0 for k in range(J)]
    ind = [1 if (k == 3 or 5 <= k < N_GOODS) else 0 for k in range(J)]
    crit = [1 if c == CRITICAL else 0 for c in codes]
    return Sectors(codes, [f"industry {c}" for c in codes], np.array(theta, float),
                   np.array(ind, np.uint8), np.array(crit, np.uint8),
                   {c: k + 2 for k, c in enumerate(codes)})


def synth_dataset(N, J, seed, partners=8, tariffs=True) -> Dataset:
    """A consistent world: every importer buys each good from itself, the US,
    China and ``partners`` other sources drawn by size."""
    if not 2 <= N <= len(ICIO_COUNTRIES) + 1 or not 1 <= J <= len(ICIO_INDUSTRIES):
        raise ValueError(f"N must be in 2..{len(ICIO_COUNTRIES) + 1}, J in 1..{len(ICIO_INDUSTRIES)}")
    rng = np.random.default_rng(seed)
    regions = ICIO_COUNTRIES[: N - 1] + ["ROW"]
    sec = icio_sectors(J)
    size = np.exp(rng.normal(0.0, 1.2, N))
    size[0], size[1] = size.max() * 1.6, size.max() * 1.2          # USA, CHN the largest
    size[-1] = size.sum() * 0.3                                      # ROW
    size *= 1000.0 / size.max()
    goods = np.arange(J) < N_GOODS
    w = np.where(goods, rng.uniform(0.3, 1.5, J), rng.uniform(1.0, 4.0, J))
    Z = np.zeros((N, N, J))
    p = size / size.sum()
    for n in range(N):
        for j in range(J):
            Z[n, n, j] = w[j] * size[n] * (12.0 if goods[j] else 40.0)
            k = min(partners, N - 1)
            srcs = set(rng.choice(N, size=k, replace=False, p=p)) | {0, 1}
            srcs.discard(n)
            for i in srcs:
                Z[n, i, j] = w[j] * size[n] * size[i] / 400.0 * rng.uniform(0.5, 1.5) \
                    * (1.0 if goods[j] else 0.15)
    ci = int(np.argmax(sec.critical)) if sec.critical.any() else -1
    if ci >= 0:                                  # China dominates the critical sector
        Z[:, 1, ci] *= 6.0
        Z[:, :, ci] *= 0.2
    tau = np.zeros((N, N, J))
    if tariffs:
        mfn = rng.uniform(0.0, 0.12, (N, J)) * goods[None, :]
        tau = np.broadcast_to(mfn[:, None, :], (N, N, J)).copy()
        tau[0, 1, :] += 0.2 * goods
        tau[1, 0, :] += 0.2 * goods
        tau[np.arange(N), np.arange(N), :] = 0.0
        tau = np.round(tau, 4)
    Z = np.round(Z, 3)
    # input shares: each column uses itself, the critical sector (if industrial)
    # and a few random inputs; value-added share 0.35-0.65
    G = np.zeros((N, J, J))
    for n in range(N):
        for j in range(J):
            ks = set(rng.choice(J, size=min(6, J), replace=False)) | {j}
            if ci >= 0 and sec.industrial[j]:
                ks.add(ci)
            ks = sorted(ks)
            s = rng.uniform(0.2, 1.0, len(ks))
            G[n, ks, j] = s / s.sum() * (1.0 - rng.uniform(0.35, 0.65))
            if ci >= 0 and ci in ks and j != ci:
                G[n, ci, j] = min(G[n, ci, j], 0.02)
    # final demand must stay >= 5% of expenditure: scale input rows down where not
    ds = Dataset(regions, list(regions), sec, Z, tau, G)
    for _ in range(20):
        d = derive(ds)
        lim = 0.95 * d["X"]
        over = d["inter"] > lim
        if not over.any():
            break
        f = np.where(over, lim / np.maximum(d["inter"], 1e-300), 1.0)
        ds.gamma *= f[:, :, None]
    ds.gamma = np.round(ds.gamma, 8)
    return ds


def write_synth(ds: Dataset, outdir, layout="icio", inventories=False, seed=0):
    """Write the table (icio.csv or wiod.csv), regions.map.csv, sectors.map.csv,
    SECTORS.csv and tariffs.csv (aggregate level) for ``tradewar-data from-*``."""
    from .tables import ICIO_FD, WIOD_FD, dataset_to_table, write_icio, write_wiod
    os.makedirs(outdir, exist_ok=True)
    names = ICIO_FD if layout == "icio" else WIOD_FD
    split = {names[0]: 0.7, names[2]: 0.2, names[3]: 0.1}
    T, F, va, tls = dataset_to_table(ds, split, names)
    if inventories:
        # inventory changes of either sign, taken from household consumption of the
        # same good, so that final demand (and the model inputs) are unchanged
        rng = np.random.default_rng(seed + 1)
        inv = names.index("INVNT" if layout == "icio" else "INVEN")
        hf = F[:, :, 0]
        move = rng.uniform(-0.05, 0.05, hf.shape) * hf   # drawdowns (< 0) and build-ups
        F[:, :, inv] += move
        F[:, :, 0] -= move
    if layout == "icio":
        table = os.path.join(outdir, "icio.csv")
        write_icio(table, ds.regions, ds.sectors.code, T, F, va, tls)
    else:
        table = os.path.join(outdir, "wiod.csv")
        write_wiod(table, ds.regions, ds.sectors.code, T, F, va, tls)
    with open(os.path.join(outdir, "regions.map.csv"), "w") as f:
        f.write("code,region\n" + "".join(f"{r},{r}\n" for r in ds.regions if r != "ROW"))
    with open(os.path.join(outdir, "sectors.map.csv"), "w") as f:
        f.write("code,sector\n" + "".join(f"{s},{s}\n" for s in ds.sectors.code))
    sec = ds.sectors
    with open(os.path.join(outdir, "SECTORS.csv"), "w") as f:
        f.write("code,name,theta,industrial,critical\n")
        for j, c in enumerate(sec.code):
            f.write(f"{c},{sec.name[j]},{sec.theta[j]!r},{int(sec.industrial[j])},"
                    f"{int(sec.critical[j])}\n")
    with open(os.path.join(outdir, "tariffs.csv"), "w") as f:
        f.write("importer,exporter,sector,rate\n")
        for n, i, j in zip(*np.nonzero(ds.tau)):
            f.write(f"{ds.regions[n]},{ds.regions[i]},{sec.code[j]},{ds.tau[n, i, j]!r}\n")
    return table
