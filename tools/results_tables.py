#!/usr/bin/python3
"""Tables of docs/RESULTS.md from the result files of its runs.

    /usr/bin/python3 tools/results_tables.py results/default.h5 \
        [--compare NAME=results/x.h5 ...]

Prints (markdown) the headline table (mean [5%, 95%] over converged samples,
and the means without / with a deal), welfare by region, how often China
loses more than the US, the rerouted change by transit partner, the Spearman
correlations of the leverage with the inputs, the regime table, and for each
--compare file the means of a few outcomes next to the main file's. Pure
reading: every number comes from the files (no constants copied from a run).
"""
import argparse

import h5py
import numpy as np

HEADLINE = [
    ("China's exports to the US (incl. rerouted, all sectors), %", "cn_exports_to_us_pct", None),
    ("China's **goods** exports to the US (incl. rerouted), %", "cn_goods_exports_to_us_pct", None),
    ("US goods imports from China **as recorded**, %", "us_goods_imports_from_cn_recorded_pct", None),
    ("US-China trade, both directions, all sectors, %", "us_cn_trade_pct", None),
    ("US-China **goods** trade, %", "us_cn_goods_trade_pct", None),
    ("China's total exports, %", "cn_exports_total_pct", None),
    ("China's total **goods** exports, %", "cn_goods_exports_total_pct", None),
    ("China's exports to partners, %", "cn_exports_to_partners_pct", None),
    ("rerouted via partners (level), USD bn", "rerouted_value", None),
    ("rerouted **change**, USD bn", "rerouted_change", None),
    ("relocated Chinese (US-bound) capacity, USD bn", "relocated_capacity_value", None),
    ("US critical-minerals price, %", "us_crm_price_pct", None),
    ("licensing wedge on China's CRM to the US, %", "re_wedge_pct", "US"),
    ("leverage = welfare US - welfare CN, pp", "leverage_pp", None),
    ("leverage in USD bn", "leverage_usd", None),
    ("welfare US, %", "welfare_pct", "US"),
    ("welfare China, %", "welfare_pct", "CN"),
    ("welfare US, USD bn", "welfare_usd", "US"),
    ("welfare China, USD bn", "welfare_usd", "CN"),
    ("US consumer prices vs the world numeraire, %", "cpi_numeraire_pct", "US"),
    ("US consumer prices vs the US wage, %", "cpi_wage_pct", "US"),
    ("US tariff revenue, USD bn", "tariff_revenue", "US"),
    ("US tariff revenue change, USD bn", "tariff_revenue_change", "US"),
    ("operating profits returned to China, USD bn", "fdi_profit_transfer", "CN"),
]


def labels(f, name):
    return [s.decode() if isinstance(s, bytes) else s for s in f[name][()]]


class Run:
    def __init__(self, path):
        self.f = h5py.File(path, "r")
        self.ok = self.f["status/converged"][()].astype(bool)
        self.regions = labels(self.f, "outputs/region")
        self.partners = labels(self.f, "outputs/partner")
        self.us = self.regions.index("USA")
        self.cn = self.regions.index("CHN")

    def out(self, key, who=None):
        x = self.f["outputs/" + key][()][self.ok]
        if who == "US":
            x = x[:, self.us]
        elif who == "CN":
            x = x[:, self.cn]
        elif isinstance(who, int):
            x = x[:, who]
        return x

    def inp(self, key):
        return self.f["inputs/" + key][()][self.ok]


def fmt(v):
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def mci(x):
    return "%s [%s, %s]" % (fmt(x.mean()), fmt(np.quantile(x, 0.05)), fmt(np.quantile(x, 0.95)))


def rank(x):
    r = np.empty(len(x))
    r[np.argsort(x, kind="stable")] = np.arange(len(x))
    return r


def spearman(a, b):
    ra, rb = rank(a), rank(b)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("main")
    ap.add_argument("--compare", action="append", default=[], help="NAME=file.h5")
    a = ap.parse_args()
    r = Run(a.main)
    n = int(r.ok.sum())
    deal = r.inp("deal") > 0.5
    print("samples converged: %d of %d" % (n, len(r.ok)))
    print("\n| outcome | all | no deal | deal |\n|---|---|---|---|")
    for name, key, who in HEADLINE:
        if "outputs/" + key not in r.f:
            continue
        x = r.out(key, who)
        print("| %s | %s | %s | %s |" % (name, mci(x), fmt(x[~deal].mean()), fmt(x[deal].mean())))

    print("\nWelfare by region, %, mean [5%, 95%]:\n")
    w = r.out("welfare_pct")
    for k, reg in enumerate(r.regions):
        print("| %s | %s |" % (reg, mci(w[:, k])))
    wu = r.out("welfare_usd")
    print("\nChina loses more than the US: %.1f%% of samples (percent), %.1f%% (USD); "
          "the US gains in %.1f%%" % (100 * np.mean(w[:, r.cn] < w[:, r.us]),
                                       100 * np.mean(wu[:, r.cn] < wu[:, r.us]),
                                       100 * np.mean(w[:, r.us] > 0)))

    print("\nRerouted change by transit partner, no deal, mean USD bn:")
    rc = r.out("rerouted_change_by_partner")[~deal]
    print(", ".join("%s %+.1f" % (p, rc[:, k].mean()) for k, p in enumerate(r.partners)))
    rl = r.out("relocated_capacity_value")
    print("relocated, USD bn: all %s, no deal %.1f, deal %.1f" % (mci(rl), rl[~deal].mean(), rl[deal].mean()))

    print("\nSpearman correlation of the leverage (pp) with the inputs (|rho| >= 0.1):")
    lev = r.out("leverage_pp")
    rho = [(spearman(r.inp(k), lev), k) for k in r.f["inputs"] if k != "sample"]
    for v, k in sorted(rho, key=lambda t: -abs(t[0])):
        if abs(v) >= 0.1:
            print("  %-18s %+.2f" % (k, v))
    rcg = r.out("rerouted_change")
    print("rerouted change: Spearman with deal %+.2f, eta_gap %+.2f" %
          (spearman(r.inp("deal"), rcg), spearman(r.inp("eta_gap"), rcg)))

    print("\nRegimes, mean [5%, 95%]:\n")
    masks = [("no deal", ~deal), ("deal", deal),
             ("pause holds", r.inp("pause_expires") <= 0.5), ("pause expires", r.inp("pause_expires") > 0.5),
             ("no ban", r.inp("re_suspended") <= 0.5), ("ban", r.inp("re_suspended") > 0.5)]
    print("| outcome | " + " | ".join("%s (%d)" % (m, s.sum()) for m, s in masks) + " |")
    for name, key, who in [("leverage, pp", "leverage_pp", None), ("welfare US, %", "welfare_pct", "US"),
                           ("welfare China, %", "welfare_pct", "CN"),
                           ("China's exports to the US, %", "cn_exports_to_us_pct", None),
                           ("US critical-minerals price, %", "us_crm_price_pct", None)]:
        x = r.out(key, who)
        print("| %s | " % name + " | ".join(mci(x[s]) for _, s in masks) + " |")

    for spec in a.compare:
        nm, path = spec.split("=", 1)
        c = Run(path)
        print("\n%s (%s): %d converged" % (nm, path, int(c.ok.sum())))
        for name, key, who in [("China's total exports, %", "cn_exports_total_pct", None),
                               ("China's goods exports, total, %", "cn_goods_exports_total_pct", None),
                               ("China's goods exports to partners, %", "cn_goods_exports_to_partners_pct", None),
                               ("China's goods exports to the US, %", "cn_goods_exports_to_us_pct", None),
                               ("rerouted level, USD bn", "rerouted_value", None),
                               ("rerouted change, USD bn", "rerouted_change", None),
                               ("relocated, USD bn", "relocated_capacity_value", None),
                               ("leverage, pp", "leverage_pp", None),
                               ("leverage, USD bn", "leverage_usd", None),
                               ("welfare US, %", "welfare_pct", "US"),
                               ("welfare China, %", "welfare_pct", "CN"),
                               ("welfare Viet Nam, %", "welfare_pct", c.regions.index("VNM")),
                               ("US tariff revenue change, USD bn", "tariff_revenue_change", "US")]:
            print("  %-40s %s" % (name, fmt(c.out(key, who).mean())))


if __name__ == "__main__":
    main()
