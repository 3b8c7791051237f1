"""Inter-country input-output tables: the OECD ICIO and WIOD CSV layouts.

Both readers return a ``Table``: industry rows (country, industry), the
intermediate-use matrix, final demand by destination country and category,
and the gross-output / value-added / taxes rows, with the file's line numbers
so that errors can name them.

OECD ICIO (2023 release, docs/DATA.md): one CSV per year. The first row holds
the column labels, the first column the row labels. Industry rows and columns
are ``CCC_IND`` (country, underscore, industry code, e.g. ``USA_D01T02``);
final-demand columns are ``CCC_HFCE``, ``CCC_NPISH``, ``CCC_GGFC``,
``CCC_GFCF``, ``CCC_INVNT`` and ``CCC_DPABR`` (``DIRPA`` accepted);
the last column ``OUT`` is gross output; the last rows are ``TLS`` (taxes
less subsidies on intermediate products), ``VA`` (value added) and ``OUT``.
The labels of earlier releases (``TAXSUB``, ``VALU``, ``OUTPUT``, ``TOTAL``)
are accepted too.

WIOD (2016 release, WIOT sheet saved as CSV): four label columns (industry
code, description, country, row number) and four header rows above the data
(column codes, descriptions, countries, column numbers); final-demand codes
CONS_h, CONS_np, CONS_g, GFCF, INVEN; the column ``GO`` (country ``TOT``)
is gross output; rows II_fob, TXSP, EXP_adj, PURR, PURNR, VA, IntTTM, GO
(country ``TOT``) follow the industry rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from . import DataError

ICIO_FD = ["HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR"]
ICIO_FD_ALIASES = {"DIRPA": "DPABR", "P33": "DPABR"}
ICIO_OUT = ("OUT", "OUTPUT", "TOTAL")
ICIO_VA = ("VA", "VALU")
ICIO_TLS = ("TLS", "TAXSUB")

WIOD_FD = ["CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN"]
WIOD_VALUE_ROWS = ["II_fob", "TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM", "GO"]


@dataclass
class Table:
    path: str
    countries: List[str]            # in order of first appearance in the rows
    industries: List[str]
    rows: List[Tuple[str, str]]     # (country, industry) of each industry row
    row_line: List[int]             # file line of each industry row
    T: np.ndarray                   # [row, row] intermediate use (columns in row order)
    F: np.ndarray                   # [row, country, category] final demand
    fd_names: List[str]
    out: np.ndarray                 # [row] published gross output (OUT row)
    out_line: int
    va: Optional[np.ndarray]        # [row] published value added (None if absent)
    tls: Optional[np.ndarray]       # [row] taxes less subsidies (other adjustment rows of WIOD summed)


def _floats(path, line, labels, fields, start):
    try:
        return np.array(fields[start:], dtype=float)
    except ValueError:
        for k, x in enumerate(fields[start:]):
            try:
                float(x)
            except ValueError:
                raise DataError(f"{path}:{line}: column '{labels[k]}': not a number: "
                                f"'{x[:32]}'") from None
        raise


def _open(path):
    try:
        return open(path, newline="", encoding="utf-8-sig")
    except OSError as e:
        raise DataError(f"{path}: cannot open: {e.strerror}") from None


def _assemble(path, rows, row_line, row_vals, cols, fd_cols, fd_names, out_vals, out_line,
              va_vals, tls_vals, col_line):
    """Common checks and reordering of both layouts.

    rows: industry-row keys (country, industry); row_vals: their numeric fields
    (industry columns, then final demand, in the file's column order); cols:
    industry-column keys in file order; fd_cols: (country, category) of the
    final-demand columns; *_vals: value rows over the file's columns."""
    seen = {}
    for k, (key, ln) in enumerate(zip(rows, row_line)):
        if key in seen:
            raise DataError(f"{path}:{ln}: duplicate row '{key[0]}_{key[1]}' "
                            f"(first on line {row_line[seen[key]]})")
        seen[key] = k
    cpos = {}
    for c, key in enumerate(cols):
        if key in cpos:
            raise DataError(f"{path}:{col_line}: duplicate column '{key[0]}_{key[1]}'")
        cpos[key] = c
    for key, ln in zip(rows, row_line):
        if key not in cpos:
            raise DataError(f"{path}:{ln}: row '{key[0]}_{key[1]}' has no column of the same "
                            "code (rows and columns must list the same country-industries)")
    for key in cols:
        if key not in seen:
            raise DataError(f"{path}:{col_line}: column '{key[0]}_{key[1]}' has no row of the "
                            "same code (rows and columns must list the same country-industries)")
    if out_vals is None:
        raise DataError(f"{path}: no gross-output row (OUT)")
    countries, industries = [], []
    for c, i in rows:
        if c not in countries:
            countries.append(c)
        if i not in industries:
            industries.append(i)
    fdc = sorted({c for c, _ in fd_cols})
    for c in fdc:
        if c not in countries:
            raise DataError(f"{path}:{col_line}: final-demand columns for '{c}', which has no "
                            "industry rows")
    for c in countries:
        if c not in fdc:
            raise DataError(f"{path}:{col_line}: country '{c}' has industry rows but no "
                            f"final-demand columns ({', '.join(fd_names)})")
    nI = len(cols)
    order = np.array([cpos[k] for k in rows])
    M = np.vstack(row_vals) if row_vals else np.zeros((0, nI + len(fd_cols)))
    T = M[:, :nI][:, order]
    ci = {c: k for k, c in enumerate(countries)}
    fi = {f: k for k, f in enumerate(fd_names)}
    F = np.zeros((len(rows), len(countries), len(fd_names)))
    for q, (c, cat) in enumerate(fd_cols):
        F[:, ci[c], fi[cat]] += M[:, nI + q]
    out = out_vals[:nI][order]
    for r, k in enumerate(order):
        if out[r] < 0:
            c, i = rows[r]
            raise DataError(f"{path}:{out_line}: row 'OUT', column '{c}_{i}': negative gross "
                            f"output {out[r]:.6g}")
    tot = T.sum(1) + F.sum((1, 2))
    for r in range(len(rows)):
        if tot[r] < 0:
            c, i = rows[r]
            raise DataError(f"{path}:{row_line[r]}: row '{c}_{i}': negative gross output "
                            f"{tot[r]:.6g} (intermediate plus final use)")
    va = None if va_vals is None else va_vals[:nI][order]
    tls = None if tls_vals is None else tls_vals[:nI][order]
    return Table(path, countries, industries, list(rows), list(row_line), T, F, list(fd_names),
                 out, out_line, va, tls)


def read_icio(path) -> Table:
    with _open(path) as f:
        rd = csv.reader(f)
        try:
            header = [h.strip() for h in next(rd)]
        except StopIteration:
            raise DataError(f"{path}:1: empty file") from None
        labels = header[1:]
        cols, fd_cols, out_col = [], [], None
        for c, h in enumerate(labels):
            if h in ICIO_OUT:
                if out_col is not None:
                    raise DataError(f"{path}:1: column '{h}' (field {c + 2}): a second output column")
                out_col = c
                continue
            cc, sep, code = h.partition("_")
            if not sep or not cc or not code:
                raise DataError(f"{path}:1: column '{h[:40]}' (field {c + 2}): expected CCC_IND, "
                                "a final-demand column CCC_HFCE... or OUT")
            code = ICIO_FD_ALIASES.get(code, code)
            if code in ICIO_FD:
                fd_cols.append((c, (cc, code)))
            else:
                if fd_cols or out_col is not None:
                    raise DataError(f"{path}:1: column '{h}' (field {c + 2}): industry columns "
                                    "must come before the final-demand and output columns")
                cols.append((cc, code))
        nI = len(cols)
        if [c for c, _ in fd_cols] != list(range(nI, nI + len(fd_cols))):
            raise DataError(f"{path}:1: final-demand columns must follow the industry columns")
        rows, row_line, row_vals = [], [], []
        val = {}
        width = len(header)
        for fields in rd:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            ln = rd.line_num
            if len(fields) != width:
                raise DataError(f"{path}:{ln}: {len(fields)} fields, the header has {width}")
            lab = fields[0].strip()
            v = _floats(path, ln, labels, fields, 1)
            kind = ("OUT" if lab in ICIO_OUT else "VA" if lab in ICIO_VA
                    else "TLS" if lab in ICIO_TLS else None)
            if kind:
                if kind in val:
                    raise DataError(f"{path}:{ln}: a second '{lab}' row")
                val[kind] = (v, ln)
                continue
            if val:
                raise DataError(f"{path}:{ln}: row '{lab[:40]}' after the TLS/VA/OUT rows")
            cc, sep, code = lab.partition("_")
            if not sep or not cc or not code:
                raise DataError(f"{path}:{ln}: row '{lab[:40]}': expected CCC_IND, TLS, VA or OUT")
            rows.append((cc, code))
            row_line.append(ln)
            row_vals.append(v[: nI + len(fd_cols)])
    out, out_line = val.get("OUT", (None, 0))
    return _assemble(path, rows, row_line, row_vals, cols, [k for _, k in fd_cols], ICIO_FD,
                     out, out_line, val.get("VA", (None,))[0], val.get("TLS", (None,))[0], 1)


def read_wiod(path) -> Table:
    with _open(path) as f:
        rd = csv.reader(f)
        lines = [(rd.line_num, [x.strip() for x in r]) for r in rd]
    code_row = next(((ln, r) for ln, r in lines if "CONS_h" in r[4:]), None)
    if code_row is None:
        raise DataError(f"{path}: no header row with the column codes (none lists CONS_h); "
                        "expected the WIOT sheet saved as CSV")
    cl, codes = code_row
    k0 = codes.index("CONS_h")
    ctry_row = next(((ln, r) for ln, r in lines if ln > cl and len(r) == len(codes)
                     and r[-1] == "TOT"), None)
    if ctry_row is None:
        raise DataError(f"{path}: no header row with the column countries (ending in TOT) "
                        f"below line {cl}")
    ctl, ctry = ctry_row
    width = len(codes)
    cols, fd_cols, out_col = [], [], None
    labels = []
    for c in range(4, width):
        code, cc = codes[c], ctry[c]
        labels.append(f"{cc}_{code}")
        if code in ("GO", "TOT") and cc == "TOT":
            out_col = c
        elif code in WIOD_FD:
            fd_cols.append((cc, code))
        elif c < k0:
            if not code or not cc:
                raise DataError(f"{path}:{cl}: field {c + 1}: empty column code or country")
            cols.append((cc, code))
        else:
            raise DataError(f"{path}:{cl}: column '{cc}_{code}' (field {c + 1}): not an industry, "
                            f"a final use ({', '.join(WIOD_FD)}) or GO")
    if out_col is not None and out_col != width - 1:
        raise DataError(f"{path}:{cl}: the GO column must be the last")
    nI = len(cols)
    rows, row_line, row_vals, val = [], [], [], {}
    for ln, r in lines:
        if ln <= ctl or not any(r):
            continue
        if len(r) != width:
            raise DataError(f"{path}:{ln}: {len(r)} fields, the header has {width}")
        code, cc = r[0], r[2]
        if not code and not cc:
            continue
        v = _floats(path, ln, labels, r, 4)
        if cc == "TOT" or code in WIOD_VALUE_ROWS:
            if code not in WIOD_VALUE_ROWS:
                raise DataError(f"{path}:{ln}: row '{code}': unknown total row (valid: "
                                f"{', '.join(WIOD_VALUE_ROWS)})")
            val[code] = (v, ln)
            continue
        if val:
            raise DataError(f"{path}:{ln}: row '{cc}_{code}' after the total rows")
        if not cc or not code:
            raise DataError(f"{path}:{ln}: empty industry code or country")
        rows.append((cc, code))
        row_line.append(ln)
        row_vals.append(v[: nI + len(fd_cols)])
    out, out_line = val.get("GO", (None, 0))
    tls = None
    for k in ("TXSP", "EXP_adj", "PURR", "PURNR", "IntTTM"):
        if k in val:
            tls = val[k][0] if tls is None else tls + val[k][0]
    return _assemble(path, rows, row_line, row_vals, cols, fd_cols, WIOD_FD, out, out_line,
                     val.get("VA", (None,))[0], tls, cl)


# ---------------------------------------------------------------------------
# Writers (synthetic tables, round trips)

def _g(v):
    return repr(float(v))


def _cells(vals):
    """repr of each value (exact round trip), '0' for zeros (small files)."""
    vals = np.asarray(vals, dtype=float).ravel()
    cells = ["0"] * len(vals)
    for k in np.flatnonzero(vals):
        cells[k] = repr(float(vals[k]))
    return cells


def write_icio(path, countries, industries, T, F, va, tls, fd_names=ICIO_FD):
    """Write an ICIO-layout CSV. T [CI, CI], F [CI, C, len(fd_names)], rows ordered
    country-major (country 0's industries first); OUT = row sums."""
    keys = [f"{c}_{i}" for c in countries for i in industries]
    out = T.sum(1) + F.sum((1, 2))
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["V1"] + keys + [f"{c}_{d}" for c in countries for d in fd_names] + ["OUT"])
        C = len(countries)
        for r, k in enumerate(keys):
            w.writerow([k] + _cells(T[r]) + _cells(F[r]) + [_g(out[r])])
        pad = [""] * (C * len(fd_names) + 1)
        w.writerow(["TLS"] + _cells(tls) + ["0"] * (len(pad)))
        w.writerow(["VA"] + _cells(va) + ["0"] * (len(pad)))
        w.writerow(["OUT"] + _cells(out) + ["0"] * (len(pad)))


def write_wiod(path, countries, industries, T, F, va, tls):
    """Write a WIOD-layout CSV (WIOT sheet saved as CSV), F over WIOD_FD."""
    C = len(countries)
    keys = [(c, i) for c in countries for i in industries]
    out = T.sum(1) + F.sum((1, 2))
    ncol = len(keys) + C * len(WIOD_FD) + 1
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["World Input-Output Table (synthetic)", "", "", ""] + [""] * ncol)
        w.writerow(["", "", "", ""] + [i for _, i in keys]
                   + [d for _ in countries for d in WIOD_FD] + ["GO"])
        w.writerow(["", "", "", ""] + [f"industry {i}" for _, i in keys]
                   + [f"final use {d}" for _ in countries for d in WIOD_FD] + ["Total output"])
        w.writerow(["", "", "", ""] + [c for c, _ in keys]
                   + [c for c in countries for _ in WIOD_FD] + ["TOT"])
        w.writerow(["", "", "", ""] + [f"c{k + 1}" for k in range(ncol)])
        for r, (c, i) in enumerate(keys):
            w.writerow([i, f"industry {i}", c, f"r{r + 1}"] + _cells(T[r]) + _cells(F[r])
                       + [_g(out[r])])
        zeros = ["0"] * (C * len(WIOD_FD) + 1)
        for name, vals in (("II_fob", T.sum(0)), ("TXSP", tls), ("VA", va), ("GO", out)):
            w.writerow([name, name, "TOT", name] + _cells(vals) + zeros)


def dataset_to_table(ds, fd_split: Optional[Dict[str, float]] = None, fd_names=ICIO_FD):
    """A dataset written as an inter-country table (the inverse of the converter
    with identity maps).

    Intermediate use of good k by industry j of region n (tariff-inclusive
    gamma[n,k,j] Y[n,j]) is split over source regions by n's expenditure shares
    pi[n,i,k] and valued at exporter prices; final demand is the rest of
    Z[n,i,k] (= Z alpha I / X >= 0), split over the categories by ``fd_split``
    (default: all household consumption). TLS holds the tariffs paid on
    intermediates, VA the rest of the column."""
    from .dataset import derive
    d = derive(ds)
    N, J = ds.N, ds.J
    Z, tau, G, Y, X = ds.Z, ds.tau, ds.gamma, d["Y"], d["X"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pi = np.where(X[:, None, :] > 0, Z * (1 + tau) / X[:, None, :], 0.0)  # [n,i,k]
    # fob[i,k,n,j] = pi[n,i,k] / (1+tau[n,i,k]) * G[n,k,j] * Y[n,j]
    fob = np.einsum("nik,nkj,nj->iknj", pi / (1 + tau), G, Y)
    T = fob.reshape(N * J, N * J)
    used = fob.sum(3)                                       # [i,k,n]
    fd = np.transpose(Z, (1, 2, 0)) - used                  # [i,k,n]
    fd = np.where(np.abs(fd) < 1e-12 * np.maximum(1.0, np.abs(np.transpose(Z, (1, 2, 0)))), 0.0, fd)
    split = fd_split or {fd_names[0]: 1.0}
    F = np.zeros((N * J, N, len(fd_names)))
    for name, share in split.items():
        F[:, :, fd_names.index(name)] = fd.reshape(N * J, N) * share
    inputs_tax = np.einsum("iknj,nik->nj", fob, tau).reshape(N * J)
    inputs = T.sum(0)
    out = T.sum(1) + F.sum((1, 2))
    va = out - inputs - inputs_tax
    return T, F, va, inputs_tax
