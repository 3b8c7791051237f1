#!/usr/bin/python3
"""Model lines of docs/BACKTEST.md from runs of configs/as_happened_2025*.yaml.

    /usr/bin/python3 tools/backtest_2025.py results/as_happened_2025.h5 [more.h5 ...]

Prints, per file, the median and 90% range over converged samples of the
quantities compared with observed 2025 figures, in the statistics'
concepts (goods only; US imports recorded by origin as customs record them,
i.e. rerouted Chinese goods counted as the transit partner's; China's exports
to ASEAN including the goods later rerouted to the US). Baseline levels come
from the dataset named in the file's config (trade.csv).
"""
import os
import sys

import h5py
import numpy as np


def trade_levels(data_dir, untariffed=("SRV",)):
    z = {}
    with open(os.path.join(data_dir, "trade.csv")) as f:
        next(f)
        for line in f:
            n, i, j, v = line.strip().split(",")
            if j in untariffed:
                continue
            z[(n, i)] = z.get((n, i), 0.0) + float(v)
    return z


def q(x):
    x = x[np.isfinite(x)]
    return np.median(x), np.quantile(x, 0.05), np.quantile(x, 0.95)


def main(paths):
    here = os.path.dirname(os.path.abspath(__file__))
    z = trade_levels(os.path.join(here, "..", "configs", "data", "world"))
    for p in paths:
        with h5py.File(p, "r") as f:
            ok = f["status/converged"][()].astype(bool)
            o = lambda k: f["outputs/" + k][()][ok]
            partners = [s.decode() if isinstance(s, bytes) else s for s in f["partner"][()]]
            regions = [s.decode() if isinstance(s, bytes) else s for s in f["region"][()]]
            lines = []
            lines.append(("China total goods exports, %", o("cn_goods_exports_total_pct")))
            lines.append(("China -> US as recorded (China customs / US Census), %",
                          o("us_goods_imports_from_cn_recorded_pct")))
            lines.append(("China -> US, Chinese origin incl. rerouted, %", o("cn_goods_exports_to_us_pct")))
            # China -> ASEAN (VNM + ASN) as China records it: own use + rerouted onwards
            rv = o("rerouted_value_by_partner")
            rc = o("rerouted_change_by_partner")
            pct = o("cn_goods_exports_by_partner_pct")
            new = 0.0
            base = 0.0
            for code in ("VNM", "ASN"):
                a = partners.index(code)
                z0 = z[(code, "CHN")]
                new = new + z0 * (1 + pct[:, a] / 100) + rv[:, a]
                base = base + z0 + (rv[:, a] - rc[:, a])
            lines.append(("China -> ASEAN incl. Viet Nam (China customs), %", 100 * (new / base - 1)))
            v = partners.index("VNM")
            lines.append(("Viet Nam -> US as recorded (US Census), %", o("us_goods_imports_recorded_pct")[:, v]))
            us = regions.index("USA")
            lines.append(("US tariff revenue change, USD bn", o("tariff_revenue_change")[:, us]))
            r1 = o("tariff_revenue")[:, us]
            r0 = f["baseline/data/tariff_revenue"][()][us] if "baseline/data/tariff_revenue" in f \
                else f["baseline/tariff_revenue"][()][us]
            lines.append(("US tariff revenue, ratio to baseline", r1 / r0))
            lines.append(("rerouted_change, USD bn", o("rerouted_change")))
            lines.append(("US welfare, %", o("welfare_pct")[:, us]))
            lines.append(("China welfare, %", o("welfare_pct")[:, regions.index("CHN")]))
            print(f"== {p}: {ok.sum()} of {len(ok)} samples converged; baseline US revenue {r0:.1f} bn")
            for name, x in lines:
                m, lo, hi = q(np.asarray(x, dtype=float))
                print(f"{name:58s} {m:9.2f}  [{lo:9.2f}, {hi:9.2f}]")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
