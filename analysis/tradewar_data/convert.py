"""From an inter-country input-output table to a tradewar dataset.

Choices (the issue leaves them open; docs/DATA.md repeats them):

* Trade flow Z[n,i,j] = intermediate use by all industries of n of good j made
  in i, plus n's final demand for it (all categories summed: households,
  NPISH, government, investment, inventories, direct purchases abroad), at
  basic prices.
* Entries the model cannot take are handled as follows and reported:
  - a negative final demand of n for (i, j) after aggregation (inventory
    drawdowns, negative DPABR) is set to 0 ("clip"), and gross output and
    value added are recomputed from the clipped table ("re-derive"), so the
    dataset is an exact baseline equilibrium: gross output Y = row sums of the
    clipped table, not the published OUT; the report gives the largest change;
  - negative intermediate entries are set to 0 the same way;
  - a column whose inputs (tariffs included) reach or exceed its output has
    its input coefficients scaled so that value added is 1% of output
    (MIN_VA_SHARE).
* Input shares gamma[n,k,j] = sum_i (intermediates of k from i)(1 + tau) / Y[n,j]
  (inputs at buyers' prices, as the model's cost shares); value added is the
  rest of the column, so taxes less subsidies (TLS) and, for WIOD, the
  cif/fob and direct-purchase adjustment rows count as value added. The
  published VA row is only compared in the report.
* Tariffs: the tables have none; --tariffs names a tariffs.csv at the
  aggregated level (the engine's format), else all tariffs are 0.
"""

from __future__ import annotations

import csv
from typing import List, Optional, Tuple

import numpy as np

from . import DataError
from .dataset import Dataset, Sectors, read_sectors

MIN_VA_SHARE = 0.01
ROW = "ROW"


def _map_rows(path, cols):
    try:
        f = open(path, newline="", encoding="utf-8-sig")
    except OSError as e:
        raise DataError(f"{path}: cannot open: {e.strerror}") from None
    with f:
        rd = csv.reader(f)
        header = [h.strip() for h in next(rd, [])]
        if header[: len(cols)] != cols:
            raise DataError(f"{path}:1: header must be {','.join(cols)}, got {','.join(header)[:80]}")
        for r in rd:
            if not r or not any(x.strip() for x in r):
                continue
            r = [x.strip() for x in r]
            if len(r) < len(cols) or not r[0] or not r[1]:
                raise DataError(f"{path}:{rd.line_num}: expected {','.join(cols)} with both codes "
                                "non-empty")
            yield rd.line_num, r, header


def read_region_map(path, countries) -> Tuple[List[str], List[str], np.ndarray, List[str]]:
    """code,region[,name]: countries -> regions. Returns region codes (map order,
    ROW last if used), names, country -> region index, unmapped countries."""
    regions, names, cmap, seen = [], [], {}, {}
    for ln, r, header in _map_rows(path, ["code", "region"]):
        c, reg = r[0], r[1]
        if c in seen:
            raise DataError(f"{path}:{ln}: country '{c}' mapped twice (first on line {seen[c]})")
        if c not in countries:
            raise DataError(f"{path}:{ln}: country '{c}' is not in the table")
        if "," in reg:
            raise DataError(f"{path}:{ln}: region code '{reg}' contains a comma")
        seen[c] = ln
        if reg not in regions:
            regions.append(reg)
            nm = r[2] if len(header) > 2 and header[2] == "name" and len(r) > 2 and r[2] else reg
            names.append(nm)
        cmap[c] = reg
    unmapped = [c for c in countries if c not in cmap]
    if unmapped and ROW not in regions:
        regions.append(ROW)
        names.append("Rest of the world")
    ri = {r: k for k, r in enumerate(regions)}
    idx = np.array([ri[cmap.get(c, ROW)] for c in countries])
    return regions, names, idx, unmapped


def read_sector_map(path, table, sectors: Sectors, sectors_path) -> np.ndarray:
    """code,sector: industries -> the sectors of SECTORS.csv. Every industry of
    the table must be mapped and every sector must receive one."""
    smap, seen = {}, {}
    si = {s: k for k, s in enumerate(sectors.code)}
    for ln, r, _ in _map_rows(path, ["code", "sector"]):
        ind, sec = r[0], r[1]
        if ind in seen:
            raise DataError(f"{path}:{ln}: industry '{ind}' mapped twice (first on line {seen[ind]})")
        if ind not in table.industries:
            raise DataError(f"{path}:{ln}: industry '{ind}' is not in the table {table.path}")
        if sec not in si:
            raise DataError(f"{path}:{ln}: sector '{sec}' is not in {sectors_path}")
        seen[ind] = ln
        smap[ind] = si[sec]
    for (c, ind), ln in zip(table.rows, table.row_line):
        if ind not in smap:
            raise DataError(f"{table.path}:{ln}: row '{c}_{ind}': industry '{ind}' is missing "
                            f"from the sector map {path}")
    used = set(smap.values())
    for j, s in enumerate(sectors.code):
        if j not in used:
            raise DataError(f"{sectors_path}:{sectors.line[s]}: sector '{s}' is empty: no "
                            f"industry of {path} maps to it")
    return np.array([smap[i] for i in table.industries])


def read_tariffs(path, regions, sectors):
    N, J = len(regions), len(sectors)
    tau = np.zeros((N, N, J))
    if path is None:
        return tau
    ri = {r: k for k, r in enumerate(regions)}
    si = {s: k for k, s in enumerate(sectors)}
    seen = set()
    for ln, r, _ in _map_rows(path, ["importer", "exporter", "sector", "rate"]):
        if len(r) < 4:
            raise DataError(f"{path}:{ln}: expected importer,exporter,sector,rate")
        for col, code, tab in (("importer", r[0], ri), ("exporter", r[1], ri), ("sector", r[2], si)):
            if code not in tab:
                raise DataError(f"{path}:{ln}: column '{col}': unknown code '{code[:64]}' (not a "
                                "region or sector of the converted dataset)")
        try:
            v = float(r[3])
        except ValueError:
            raise DataError(f"{path}:{ln}: column 'rate': not a number: '{r[3][:32]}'") from None
        if not (np.isfinite(v) and v >= 0):
            raise DataError(f"{path}:{ln}: column 'rate': {r[3]} must be >= 0")
        n, i, j = ri[r[0]], ri[r[1]], si[r[2]]
        if n == i and v != 0:
            raise DataError(f"{path}:{ln}: column 'rate': a tariff on domestic sales "
                            f"(importer = exporter = {r[0]}) must be 0")
        if (n, i, j) in seen:
            raise DataError(f"{path}:{ln}: duplicate row for ({r[0]}, {r[1]}, {r[2]})")
        seen.add((n, i, j))
        tau[n, i, j] = v
    return tau


def convert(table, region_map, sector_map, sectors_path, tariffs=None):
    """Aggregate ``table``; returns (Dataset, report lines)."""
    sec = read_sectors(sectors_path)
    regions, names, cidx, unmapped = read_region_map(region_map, table.countries)
    sidx = read_sector_map(sector_map, table, sec, sectors_path)
    N, J = len(regions), len(sec.code)
    ci = {c: k for k, c in enumerate(table.countries)}
    ii = {i: k for k, i in enumerate(table.industries)}
    r_reg = np.array([cidx[ci[c]] for c, _ in table.rows])   # region of each row
    r_sec = np.array([sidx[ii[i]] for _, i in table.rows])   # sector of each row
    rep = []
    rep.append(f"- table {table.path}: {len(table.countries)} countries x "
               f"{len(table.industries)} industries -> {N} regions x {J} sectors")
    if unmapped:
        rep.append(f"- countries not in {region_map} -> ROW ({len(unmapped)}): "
                   + " ".join(unmapped))

    # aggregation matrices: rows -> (region, sector)
    g = r_reg * J + r_sec

    def agg(M, idx, K):
        # sum the rows of M that share an index (np.add.at: no dense 0/1 matrix)
        out = np.zeros((K,) + M.shape[1:])
        np.add.at(out, idx, M)
        return out
    Tn = table.T
    nneg = int((Tn < 0).sum())
    if nneg:
        rep.append(f"- negative intermediate entries set to 0: {nneg}, total {Tn[Tn < 0].sum():.6g}")
        Tn = np.maximum(Tn, 0.0)
    Tagg = agg(agg(Tn, g, N * J).T, g, N * J).T                                       # [(i,k), (n,j)]
    Fc = table.F.sum(2)                                        # [row, country]
    Fagg = agg(agg(Fc, g, N * J).T, cidx, N).T                                        # [(i,k), n]
    neg = Fagg < 0
    if neg.any():
        idx = np.argwhere(neg)
        worst = sorted(idx, key=lambda t: Fagg[t[0], t[1]])[:5]
        txt = ", ".join(f"{regions[n]}<-{regions[r // J]}/{sec.code[r % J]} {Fagg[r, n]:.4g}"
                        for r, n in worst)
        rep.append(f"- negative final demand (inventories, direct purchases abroad) set to 0 in "
                   f"{int(neg.sum())} cells, total {Fagg[neg].sum():.6g}; largest: {txt}")
        Fagg = np.where(neg, 0.0, Fagg)
    else:
        rep.append("- negative final demand: none")
    T4 = Tagg.reshape(N, J, N, J)                              # [i,k,n,j]
    Z = T4.sum(3).transpose(2, 0, 1) + Fagg.reshape(N, J, N).transpose(2, 0, 1)  # [n,i,k]
    Z = np.where(Z < 0, 0.0, Z)
    tau = read_tariffs(tariffs, regions, sec.code)
    if tariffs is None:
        rep.append("- tariffs: none given (--tariffs), all 0")
    Y = Z.sum(0)                                               # [i, j]
    cost = np.einsum("iknj,nik->nkj", T4, 1.0 + tau)           # tariff-inclusive inputs [n,k,j]
    colcost = cost.sum(1)                                      # [n, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.where(Y[:, None, :] > 0, cost / Y[:, None, :], 0.0)
    for n in range(N):
        for j in range(J):
            if Y[n, j] <= 0 and colcost[n, j] > 0:
                raise DataError(f"{table.path}: region {regions[n]}, sector {sec.code[j]}: inputs "
                                f"{colcost[n, j]:.6g} but no output after aggregation")
    gs = gamma.sum(1)
    bad = np.argwhere(gs > 1 - MIN_VA_SHARE)
    if len(bad):
        fixes = []
        for n, j in bad:
            f = (1 - MIN_VA_SHARE) / gs[n, j]
            gamma[n, :, j] *= f
            fixes.append(f"{regions[n]}/{sec.code[j]} x{f:.4f}")
        rep.append(f"- inputs >= output (value added < {MIN_VA_SHARE:.0%}): input shares scaled in "
                   f"{len(bad)} columns: " + ", ".join(fixes[:10]) + (" ..." if len(fixes) > 10 else ""))
    # report: gross output vs the published OUT row, VA vs the published VA row
    Ypub = agg(table.out, g, N * J)
    dY = np.abs(Y.reshape(-1) - Ypub)
    k = int(dY.argmax())
    rep.append(f"- gross output re-derived from the (clipped) table: max |Y - OUT| = {dY[k]:.4g} at "
               f"{regions[k // J]}/{sec.code[k % J]} ({100 * dY[k] / max(Ypub[k], 1e-300):.3g}% of OUT)")
    rowsum = table.T.sum(1) + table.F.sum((1, 2))
    dr = np.abs(rowsum - table.out)
    r = int(dr.argmax())
    rep.append(f"- published table balance: max |row sum - OUT| = {dr[r]:.4g} "
               f"(line {table.row_line[r]}, {table.rows[r][0]}_{table.rows[r][1]})")
    if table.va is not None:
        VApub = agg(table.va, g, N * J).reshape(N, J).sum(1)
        VAm = ((1 - gamma.sum(1)) * Y).sum(1)
        rel = (VAm - VApub) / np.maximum(np.abs(VApub), 1e-300)
        k = int(np.abs(rel).argmax())
        rep.append(f"- value added (output minus inputs at buyers' prices) vs the published VA row: largest difference "
                   f"{100 * rel[k]:+.2f}% ({regions[k]})")
    ds = Dataset(regions, names, sec, Z, tau, gamma)
    return ds, rep
