"""``tradewar-data check DIR``: the consistency report of a dataset.

The checks of configs/data/world/checks.md that hold for any dataset (the
comparisons with published national figures are specific to that build):
balances (world exports = imports, sum of deficits 0, sum_j alpha = 1),
shares (alpha >= 0, value-added shares in (0, 1]), deficits, tariff revenue,
trade by region, the US-China pair and the critical sector when present.
"""

from __future__ import annotations

from typing import List, Tuple

import numpy as np

from .dataset import Dataset, derive

TOL_D = 1e-6       # |sum D| relative to world output
TOL_ALPHA = 1e-9


def report(ds: Dataset, title="Checks") -> Tuple[bool, str]:
    d = derive(ds)
    reg, sec = ds.regions, ds.sectors.code
    N, J = ds.N, ds.J
    Z, T = ds.Z, ds.tau
    out: List[str] = []
    P = out.append
    fails = []
    P(f"## {title}\n")
    P(f"- {N} regions x {J} sectors; world gross output {d['Y'].sum():,.6g}")
    world = d["Y"].sum()
    ex = Z.sum(0).sum(1) - np.einsum("nnj->n", Z)          # exports of each region
    im = Z.sum(1).sum(1) - np.einsum("nnj->n", Z)
    P(f"- world exports {ex.sum():,.6g} = world imports {im.sum():,.6g}; "
      f"sum of deficits D over regions {d['D'].sum():.3g}")
    if abs(d["D"].sum()) > TOL_D * max(world, 1.0):
        fails.append("sum of deficits is not 0")
    gva = d["gva"]
    k = np.unravel_index(gva.argmin(), gva.shape)
    P(f"- value-added shares of gross output: min {gva.min():.4f} at {reg[k[0]]}/{sec[k[1]]}, "
      f"max {gva.max():.4f}")
    if (gva < 0).any():
        fails.append("negative value-added share")
    for n in range(N):
        if not d["Y"][n].sum() > 0:
            fails.append(f"region {reg[n]}: zero gross output")
        if not d["VA"][n] > 0:
            fails.append(f"region {reg[n]}: zero value added")
        if not d["I"][n] > 0:
            fails.append(f"region {reg[n]}: income VA + R + D = {d['I'][n]:.6g} is not positive")
    a = d["alpha"]
    if np.isfinite(a).all():
        k = np.unravel_index(a.argmin(), a.shape)
        P(f"- final-demand shares alpha: min {a.min():.3g} at {reg[k[0]]}/{sec[k[1]]}; "
          f"max |sum_j alpha - 1| = {np.abs(a.sum(1) - 1).max():.1e}")
        if a.min() < -TOL_ALPHA:
            fails.append(f"negative final-demand share at {reg[k[0]]}/{sec[k[1]]} "
                         "(intermediate demand exceeds expenditure)")
        if np.abs(a.sum(1) - 1).max() > 1e-9:
            fails.append("final-demand shares do not sum to 1")
    else:
        fails.append("final-demand shares not finite")
    emp = [f"{reg[n]}/{sec[j]}" for n in range(N) for j in range(J) if d["Y"][n, j] == 0]
    P(f"- region-sectors without output: {len(emp)}" + (f" ({', '.join(emp[:8])}"
                                                         f"{' ...' if len(emp) > 8 else ''})" if emp else ""))
    P("- tariff revenue R: " + ", ".join(f"{r} {d['R'][n]:,.4g}" for n, r in enumerate(reg[:30]))
      + (" ..." if N > 30 else ""))
    if "USA" in reg and "CHN" in reg:
        u, c = reg.index("USA"), reg.index("CHN")
        for a_, b_, lab in ((u, c, "US imports from China"), (c, u, "China's imports from the US")):
            v = Z[a_, b_].sum()
            t = (T[a_, b_] * Z[a_, b_]).sum() / v if v > 0 else 0.0
            P(f"- {lab}: {v:,.6g}, trade-weighted tariff {100 * t:.1f}%")
    if ds.sectors.critical.any():
        k = int(np.argmax(ds.sectors.critical))
        Yk = d["Y"][:, k]
        top = int(Yk.argmax())
        P(f"- critical sector {sec[k]}: world output {Yk.sum():,.4g}, largest producer "
          f"{reg[top]} ({100 * Yk[top] / max(Yk.sum(), 1e-300):.0f}%)")
    P("")
    P("| region | gross output | value added | VA/GO | exports | imports | D | R | income |")
    P("|---|---|---|---|---|---|---|---|---|")
    for n, r in enumerate(reg):
        y = d["Y"][n].sum()
        P(f"| {r} | {y:,.1f} | {d['VA'][n]:,.1f} | {d['VA'][n] / y if y else 0:.3f} | "
          f"{ex[n]:,.1f} | {im[n]:,.1f} | {d['D'][n]:+,.1f} | {d['R'][n]:,.1f} | {d['I'][n]:,.1f} |")
    P("")
    if J <= 12 and N <= 30:
        P("Final-demand shares alpha (percent):\n")
        P("| region | " + " | ".join(sec) + " |")
        P("|---|" + "---|" * J)
        for n, r in enumerate(reg):
            P(f"| {r} | " + " | ".join(f"{100 * a[n, j]:.2f}" for j in range(J)) + " |")
        P("")
    for f in fails:
        P(f"FAIL: {f}")
    P("RESULT: " + ("all checks pass" if not fails else "SOME CHECKS FAIL"))
    return not fails, "\n".join(out)
