"""A tradewar dataset in memory, its reader, its atomic writer and the derived baseline.

Arrays follow MODEL.md / twm_data.c:
  Z[n, i, j]      trade flow, importer n, exporter i, sector j (exporter prices)
  tau[n, i, j]    ad-valorem tariff (0 on the diagonal)
  gamma[n, k, j]  input k's share in the gross output of sector j in region n
The reader is independent of the engine's C loader (a second implementation of
the same identities), so ``check`` also cross-checks the engine's input.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List

import numpy as np

from . import DataError

SECTOR_COLS = ["code", "name", "theta", "industrial", "critical"]


@dataclass
class Sectors:
    """The rows of a sectors.csv (the project's sectors format)."""

    code: List[str]
    name: List[str]
    theta: np.ndarray
    industrial: np.ndarray
    critical: np.ndarray
    line: Dict[str, int] = field(default_factory=dict)  # code -> line in the file


@dataclass
class Dataset:
    regions: List[str]
    region_names: List[str]
    sectors: Sectors
    Z: np.ndarray
    tau: np.ndarray
    gamma: np.ndarray

    @property
    def N(self):
        return len(self.regions)

    @property
    def J(self):
        return len(self.sectors.code)


def _num(path, line, col, text):
    try:
        v = float(text)
    except ValueError:
        raise DataError(f"{path}:{line}: column '{col}': not a number: '{text[:32]}'") from None
    if not np.isfinite(v):
        raise DataError(f"{path}:{line}: column '{col}': not a finite number: '{text[:32]}'")
    return v


def _rows(path, cols):
    """Yield (line, fields) of a CSV file whose header must start with ``cols``."""
    try:
        f = open(path, newline="", encoding="utf-8")
    except OSError as e:
        raise DataError(f"{path}: cannot open: {e.strerror}") from None
    with f:
        rd = csv.reader(f)
        try:
            header = next(rd)
        except StopIteration:
            raise DataError(f"{path}:1: empty file (expected header {','.join(cols)})") from None
        header = [h.strip() for h in header]
        if header[: len(cols)] != cols:
            raise DataError(f"{path}:1: header must be {','.join(cols)}, got {','.join(header)[:80]}")
        for fields in rd:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) < len(cols):
                raise DataError(f"{path}:{rd.line_num}: {len(fields)} fields, expected {len(cols)}")
            yield rd.line_num, [x.strip() for x in fields], header


def read_sectors(path) -> Sectors:
    code, name, theta, ind, crit, line = [], [], [], [], [], {}
    for ln, f, _ in _rows(path, SECTOR_COLS):
        c = f[0]
        if not c:
            raise DataError(f"{path}:{ln}: column 'code': empty code")
        if c in line:
            raise DataError(f"{path}:{ln}: duplicate sector code '{c}' (first on line {line[c]})")
        t = _num(path, ln, "theta", f[2])
        if not t > 0:
            raise DataError(f"{path}:{ln}: column 'theta': must be > 0, got {f[2]}")
        flags = []
        for k, col in ((3, "industrial"), (4, "critical")):
            if f[k] not in ("0", "1"):
                raise DataError(f"{path}:{ln}: column '{col}': must be 0 or 1, got '{f[k][:32]}'")
            flags.append(int(f[k]))
        if flags[1] and any(crit):
            first = code[crit.index(1)]
            raise DataError(f"{path}:{ln}: column 'critical': a second critical sector '{c}' "
                            f"(the first is '{first}' on line {line[first]}); the critical-input "
                            "nest supports one critical sector")
        line[c] = ln
        code.append(c)
        name.append(f[1])
        theta.append(t)
        ind.append(flags[0])
        crit.append(flags[1])
    if not code:
        raise DataError(f"{path}: no sectors")
    return Sectors(code, name, np.array(theta), np.array(ind, dtype=np.uint8),
                   np.array(crit, dtype=np.uint8), line)


def read_dir(d) -> Dataset:
    """Read a dataset folder; DataError names the file, line and code."""
    p = lambda fn: os.path.join(d, fn)  # noqa: E731
    regions, names, rline = [], [], {}
    for ln, f, _ in _rows(p("regions.csv"), ["code", "name"]):
        if not f[0]:
            raise DataError(f"{p('regions.csv')}:{ln}: column 'code': empty code")
        if f[0] in rline:
            raise DataError(f"{p('regions.csv')}:{ln}: duplicate region code '{f[0]}'")
        rline[f[0]] = ln
        regions.append(f[0])
        names.append(f[1])
    if not regions:
        raise DataError(f"{p('regions.csv')}: no regions")
    sec = read_sectors(p("sectors.csv"))
    ri = {r: k for k, r in enumerate(regions)}
    si = {s: k for k, s in enumerate(sec.code)}
    N, J = len(regions), len(sec.code)

    def look(path, ln, col, code, table, what):
        if code not in table:
            raise DataError(f"{path}:{ln}: column '{col}': unknown {what} code '{code[:64]}'")
        return table[code]

    def cells(fn, cols, kinds, out, bad):
        """Rows of three codes (kinds: "region" or "sector") and a value into
        out[index of each code]; bad(index, value, fields): what is wrong with
        the value, or None."""
        path = p(fn)
        seen = set()
        table = {"region": ri, "sector": si}
        for ln, f, _ in _rows(path, cols):
            x = tuple(look(path, ln, cols[k], f[k], table[kinds[k]], kinds[k]) for k in range(3))
            if x in seen:
                raise DataError(f"{path}:{ln}: duplicate row for ({f[0]}, {f[1]}, {f[2]})")
            seen.add(x)
            v = _num(path, ln, cols[3], f[3])
            why = bad(x, v, f)
            if why:
                raise DataError(f"{path}:{ln}: column '{cols[3]}': {why}")
            out[x] = v

    def negative(x, v, f):
        return f"value {f[3]} must be >= 0" if v < 0 else None

    def tariff(x, v, f):
        if x[0] == x[1] and v > 0:  # a negative one: "must be >= 0" below
            return (f"a tariff on domestic sales (importer = exporter = {f[0]}) must be 0, "
                    f"got {f[3]}")
        return negative(x, v, f)

    Z = np.zeros((N, N, J))
    tau = np.zeros((N, N, J))
    gamma = np.zeros((N, J, J))
    bilateral = ("region", "region", "sector")
    cells("trade.csv", ["importer", "exporter", "sector", "value"], bilateral, Z, negative)
    cells("tariffs.csv", ["importer", "exporter", "sector", "rate"], bilateral, tau, tariff)
    cells("io.csv", ["region", "input_sector", "sector", "share"], ("region", "sector", "sector"),
          gamma, lambda x, v, f: None if 0 <= v <= 1 else f"{f[3]} outside [0, 1]")
    return Dataset(regions, names, sec, Z, tau, gamma)


def derive(ds: Dataset) -> dict:
    """The baseline of MODEL.md section 2 (the same formulas as twm_data_derive)."""
    Z, T, G = ds.Z, ds.tau, ds.gamma
    Y = Z.sum(0)                                  # [i, j] gross output
    X = (Z * (1 + T)).sum(1)                      # [n, j] expenditure
    gva = 1 - G.sum(1)                            # [n, j]
    VA = (gva * Y).sum(1)
    R = (T * Z).sum((1, 2))
    D = Z.sum((1, 2)) - Y.sum(1)
    I = VA + R + D
    inter = np.einsum("nkj,nj->nk", G, Y)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = (X - inter) / I[:, None]
    return dict(Y=Y, X=X, gva=gva, VA=VA, R=R, D=D, I=I, inter=inter, alpha=alpha)


def _fmt(v):
    # repr: the shortest string that reads back to the same double (exact round trips)
    return repr(float(v))


def write_files(ds: Dataset, d, extra: Dict[str, str] = None):
    """Write the dataset's CSVs into the existing folder ``d`` (zero entries omitted)."""
    N, J = ds.N, ds.J
    R, S = ds.regions, ds.sectors.code

    def clean(s):
        return s.replace(",", " ").replace("\n", " ").replace('"', "")

    with open(os.path.join(d, "regions.csv"), "w") as f:
        f.write("code,name\n")
        for r, nm in zip(R, ds.region_names):
            f.write(f"{r},{clean(nm)}\n")
    sec = ds.sectors
    with open(os.path.join(d, "sectors.csv"), "w") as f:
        f.write("code,name,theta,industrial,critical\n")
        for j in range(J):
            f.write(f"{S[j]},{clean(sec.name[j])},{_fmt(sec.theta[j])},{int(sec.industrial[j])},"
                    f"{int(sec.critical[j])}\n")
    for fn, col, A in (("trade.csv", "value", ds.Z), ("tariffs.csv", "rate", ds.tau)):
        with open(os.path.join(d, fn), "w") as f:
            f.write(f"importer,exporter,sector,{col}\n")
            for n, i, j in zip(*np.nonzero(A)):
                f.write(f"{R[n]},{R[i]},{S[j]},{_fmt(A[n, i, j])}\n")
    with open(os.path.join(d, "io.csv"), "w") as f:
        f.write("region,input_sector,sector,share\n")
        for n, k, j in zip(*np.nonzero(ds.gamma)):
            f.write(f"{R[n]},{S[k]},{S[j]},{_fmt(ds.gamma[n, k, j])}\n")
    for fn, text in (extra or {}).items():
        with open(os.path.join(d, fn), "w") as f:
            f.write(text)


def write_dir_atomic(ds: Dataset, out, force=False, extra=None):
    """Write into a temporary folder next to ``out``, then rename it to ``out``.

    Nothing appears at ``out`` unless every file was written; an existing
    ``out`` is replaced only with ``force`` (and only after the new one is
    complete)."""
    out = os.path.normpath(out)
    parent = os.path.dirname(os.path.abspath(out))
    if os.path.exists(out) and not force:
        raise DataError(f"{out}: exists (use --force to replace it)")
    try:
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".tmp-", dir=parent)
    except OSError as e:
        raise DataError(f"{out}: cannot create a folder next to it: {e.strerror}") from None
    try:
        write_files(ds, tmp, extra)
        os.chmod(tmp, 0o755)
        if os.path.exists(out):
            old = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".old-", dir=parent)
            os.rmdir(old)
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise DataError(f"{out}: cannot write: {e.strerror}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
