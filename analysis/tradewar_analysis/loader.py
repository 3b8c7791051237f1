"""Open a tradewar result file and read it as labelled data, block by block.

The layout is fixed by docs/DESIGN.md ("HDF5 output"): root attributes that
say what the file is, dimension scales ``/sample``, ``/region``, ``/sector``,
``/partner`` in the root group, ``/inputs/<param>`` and ``/outputs/<outcome>``
with the sample as first dimension, ``/status/*`` and, once a run finished,
``/summary/<outcome>/*``.

Nothing here reads a whole outcome at once unless asked to: ``chunks()`` walks
the finished blocks in groups whose size is bounded by a memory budget, so a
file with 10^6 samples need not fit in memory. Only samples of blocks marked
done in ``/status/block_done`` are ever read, which makes the reader work on
runs that are still going or were interrupted.

Usage::

    with ResultFile("run.h5") as rf:
        print(rf.model, rf.n_done_samples, rf.outcomes)
        w = rf.outcome_frame("welfare_pct")      # DataFrame, columns = regions
        for chunk in rf.chunks(outcomes=["y"]):
            ...                                  # chunk.data["y"], chunk.converged
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

try:  # h5py is a hard requirement, but say so clearly if it is missing
    import h5py
except ImportError as exc:  # pragma: no cover - environment problem
    raise ImportError("tradewar_analysis needs h5py (Debian: apt-get install python3-h5py); "
                      "run it with /usr/bin/python3") from exc

#: The format this package reads; files with the same major and any minor
#: version are accepted (minor versions only add things).
FORMAT_NAME = "tradewar"
FORMAT_VERSION = (1, 1)

#: Names of the dimension scales the engine may write, in the root group.
KNOWN_DIMS = ("region", "sector", "partner")

#: Between the labels of a multi-dimensional element: output_pct[USA,AGR].
ELEMENT_SEP = ","

#: Default memory budget for one chunk of rows or one group of columns.
DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024


class AnalysisError(Exception):
    """A problem with the input (file, version, outcome name) that the user
    can fix; the CLI prints it as one line and exits with status 2."""


def as_text(value) -> str:
    """Decode an HDF5 string attribute or element (bytes, numpy bytes,
    str, or a one-element array of those) to ``str``."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ValueError("expected a single string, got an array of %d" % value.size)
        value = value.reshape(()).item()
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace").rstrip("\x00")
    return str(value)


def _as_scalar(value):
    """Convert an attribute to a plain Python scalar or string."""
    if isinstance(value, (bytes, np.bytes_, str)):
        return as_text(value)
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return _as_scalar(value.reshape(()).item())
        if value.dtype.kind in "SO":
            return [as_text(v) for v in value.ravel()]
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _is_data(obj) -> bool:
    """A dataset that is not a dimension scale."""
    return isinstance(obj, h5py.Dataset) and h5py.h5ds.is_scale(obj.id) == 0


def parse_version(text: str) -> Tuple[int, int]:
    """Parse ``"MAJOR.MINOR"``; raises AnalysisError on anything else."""
    m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", text)
    if not m:
        raise AnalysisError("format_version %r is not of the form MAJOR.MINOR" % text)
    return int(m.group(1)), int(m.group(2))


@dataclass(frozen=True)
class VariableInfo:
    """What the file says about one input parameter or outcome.

    ``shape`` is the shape of one sample's value (``()`` for a scalar), and
    ``dims``/``labels`` name each of those axes (from the dimension scales).
    """

    name: str
    kind: str  # "input" or "output"
    shape: Tuple[int, ...]
    dims: Tuple[str, ...]
    labels: Tuple[Tuple[str, ...], ...]
    units: str = ""
    description: str = ""
    distribution: str = ""

    @property
    def size(self) -> int:
        """Number of elements per sample."""
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def is_scalar(self) -> bool:
        return self.shape == ()

    def element_labels(self) -> List[str]:
        """One label per element in row-major order: ``""`` for a scalar,
        ``"USA"`` for a region vector, ``"USA,AGR"`` for region x sector (the
        spelling ``tradewar info`` prints: ``output_pct[USA,AGR]``)."""
        if self.is_scalar:
            return [""]
        grids = np.meshgrid(*[np.asarray(l, dtype=object) for l in self.labels], indexing="ij")
        flat = [g.ravel() for g in grids]
        return [ELEMENT_SEP.join(str(part) for part in parts) for parts in zip(*flat)]

    def element_index(self) -> Optional[pd.Index]:
        """A pandas (Multi)Index over the elements, named by dimension."""
        if self.is_scalar:
            return None
        if len(self.dims) == 1:
            return pd.Index(list(self.labels[0]), name=self.dims[0])
        return pd.MultiIndex.from_product([list(l) for l in self.labels], names=list(self.dims))

    def display_name(self, element: str = "") -> str:
        """``name`` or ``name[element]``."""
        return "%s[%s]" % (self.name, element) if element else self.name


@dataclass
class Chunk:
    """Rows ``start:stop`` of the file (all within finished blocks).

    ``data`` maps names to arrays of shape ``(stop-start,) + element shape``;
    ``converged`` is the boolean status of each row.
    """

    start: int
    stop: int
    converged: np.ndarray
    data: Dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def samples(self) -> np.ndarray:
        return np.arange(self.start, self.stop, dtype=np.int64)


class ResultFile:
    """A tradewar HDF5 result file, opened read-only and validated.

    Raises AnalysisError when the path is not an HDF5 file, not a tradewar
    file, has a newer major format version, or lacks the parts every file has.
    Use as a context manager or call close().
    """

    def __init__(self, path: str, memory_bytes: int = DEFAULT_MEMORY_BYTES):
        self.path = os.fspath(path)
        self.memory_bytes = int(memory_bytes)
        if not os.path.exists(self.path):
            raise AnalysisError("%s: no such file" % self.path)
        if os.path.isdir(self.path):
            raise AnalysisError("%s: is a directory, not an HDF5 file" % self.path)
        try:
            is_hdf5 = h5py.is_hdf5(self.path)
        except OSError as exc:
            raise AnalysisError("%s: cannot read: %s" % (self.path, exc)) from None
        if not is_hdf5:
            raise AnalysisError("%s: not an HDF5 file" % self.path)
        try:
            self._f = h5py.File(self.path, "r")
        except OSError as exc:
            raise AnalysisError("%s: cannot open HDF5 file: %s" % (self.path, exc)) from None
        try:
            self._validate()
        except AnalysisError:
            self.close()
            raise
        except (KeyError, ValueError, OSError, TypeError) as exc:
            self.close()
            raise AnalysisError("%s: damaged or incomplete tradewar file: %s" % (self.path, exc)) from None

    # -- opening and validation -------------------------------------------------

    def _validate(self) -> None:
        f = self._f
        fmt = f.attrs.get("format")
        if fmt is None:
            raise AnalysisError("%s: not a tradewar result file (no 'format' attribute)" % self.path)
        if as_text(fmt) != FORMAT_NAME:
            raise AnalysisError("%s: not a tradewar result file (format is %r)" % (self.path, as_text(fmt)))
        ver = f.attrs.get("format_version")
        if ver is None:
            raise AnalysisError("%s: tradewar file without 'format_version'" % self.path)
        self.format_version = parse_version(as_text(ver))
        if self.format_version[0] != FORMAT_VERSION[0]:
            raise AnalysisError(
                "%s: format_version %d.%d is not supported (this tradewar-analyze reads %d.x%s)"
                % (self.path, self.format_version[0], self.format_version[1], FORMAT_VERSION[0],
                   "; install a newer tradewar-analyze" if self.format_version[0] > FORMAT_VERSION[0] else ""))
        self.attrs = {k: _as_scalar(v) for k, v in f.attrs.items()}
        for group in ("inputs", "outputs", "status"):
            if group not in f or not isinstance(f[group], h5py.Group):
                raise AnalysisError("%s: tradewar file without the /%s group" % (self.path, group))
        if "block_done" not in f["status"]:
            raise AnalysisError("%s: tradewar file without /status/block_done" % self.path)

        self.n_samples = int(self.attrs.get("n_samples", f["status/converged"].shape[0]))
        self.block_done = np.asarray(f["status/block_done"][()], dtype=np.uint8).astype(bool)
        self.n_blocks = int(self.attrs.get("n_blocks", self.block_done.shape[0]))
        if "block_size" in self.attrs:
            self.block_size = int(self.attrs["block_size"])
        else:  # derive it: ceil(n / n_blocks)
            self.block_size = max(1, -(-self.n_samples // max(1, self.n_blocks)))
        if self.block_done.shape[0] != self.n_blocks:
            raise AnalysisError("%s: /status/block_done has %d entries, n_blocks is %d"
                                % (self.path, self.block_done.shape[0], self.n_blocks))

        self.dims = {}
        for name in KNOWN_DIMS:
            if name in f and isinstance(f[name], h5py.Dataset):
                self.dims[name] = tuple(as_text(v) for v in f[name][()])
        # format 1.1 keeps copies of the dimension scales in each group
        self.parameters = sorted(k for k, v in f["inputs"].items() if _is_data(v))
        self.outcomes = [k for k, v in f["outputs"].items() if _is_data(v)]
        self._infos: Dict[Tuple[str, str], VariableInfo] = {}

    def close(self) -> None:
        f = getattr(self, "_f", None)
        if f is not None:
            f.close()
            self._f = None

    def __enter__(self) -> "ResultFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return "ResultFile(%r, model=%r, %d/%d samples done)" % (
            self.path, self.model, self.n_done_samples, self.n_samples)

    # -- metadata ---------------------------------------------------------------

    @property
    def model(self) -> str:
        return str(self.attrs.get("model", "?"))

    @property
    def finished(self) -> bool:
        """True when the engine marked the run complete and every block is done (or the
        run stopped on its target error, `stop:`: the blocks after it are never computed)."""
        return bool(int(self.attrs.get("finished", 0) or 0)) and (
            bool(self.block_done.all()) or "stop_reason" in self.attrs)

    @property
    def done_blocks(self) -> np.ndarray:
        return np.flatnonzero(self.block_done)

    def block_range(self, b: int) -> Tuple[int, int]:
        """Samples ``[start, stop)`` of block b."""
        start = b * self.block_size
        return start, min(self.n_samples, start + self.block_size)

    @property
    def n_done_samples(self) -> int:
        return int(sum(self.block_range(b)[1] - self.block_range(b)[0] for b in self.done_blocks))

    def done_mask(self) -> np.ndarray:
        """Boolean [n_samples]: True for samples of finished blocks."""
        mask = np.zeros(self.n_samples, dtype=bool)
        for start, stop in self._done_runs():
            mask[start:stop] = True
        return mask

    def progress_warning(self) -> Optional[str]:
        """A one-line note if the run is unfinished, else None."""
        if self.finished:
            return None
        if self.block_done.all():
            return ("%s: run not marked finished (all %d blocks done, summary not written yet); "
                    "statistics are recomputed from the samples" % (self.path, self.n_blocks))
        return ("%s: run unfinished: %d of %d blocks done (%d of %d samples); "
                "using the finished blocks only"
                % (self.path, int(self.block_done.sum()), self.n_blocks,
                   self.n_done_samples, self.n_samples))

    def require_samples(self) -> None:
        """Raise AnalysisError if no block is finished (nothing to analyse)."""
        if not self.block_done.any():
            raise AnalysisError("%s: no finished block (0 of %d); nothing to analyse yet"
                                % (self.path, self.n_blocks))

    def info(self, name: str, kind: str = "output") -> VariableInfo:
        """Metadata of ``/outputs/<name>`` (kind "output") or ``/inputs/<name>``."""
        key = (kind, name)
        if key in self._infos:
            return self._infos[key]
        group = "outputs" if kind == "output" else "inputs"
        names = self.outcomes if kind == "output" else self.parameters
        if name not in names:
            what = "outcome" if kind == "output" else "parameter"
            raise AnalysisError("%s: unknown %s %r (the file has: %s)"
                                % (self.path, what, name, ", ".join(names) or "none"))
        ds = self._f[group][name]
        shape = tuple(int(s) for s in ds.shape[1:])
        dims, labels = [], []
        for axis in range(1, ds.ndim):
            dname = self._dim_name(ds, axis)
            # the labels of the scale attached to this axis (format 1.1 keeps
            # them in the dataset's own group), else the root copy (1.0)
            lab = self._scale_labels(ds, axis) or self.dims.get(dname)
            if lab is None or len(lab) != ds.shape[axis]:
                lab = tuple(str(i) for i in range(ds.shape[axis]))
            dims.append(dname)
            labels.append(lab)
        info = VariableInfo(
            name=name, kind=kind, shape=shape, dims=tuple(dims), labels=tuple(labels),
            units=as_text(ds.attrs["units"]) if "units" in ds.attrs else "",
            description=as_text(ds.attrs["description"]) if "description" in ds.attrs else "",
            distribution=as_text(ds.attrs["distribution"]) if "distribution" in ds.attrs else "",
        )
        self._infos[key] = info
        return info

    @staticmethod
    def _scale_labels(ds, axis: int) -> Optional[Tuple[str, ...]]:
        """Text labels of the dimension scale attached to an axis, or None."""
        try:
            scales = list(ds.dims[axis].values())
        except Exception:  # no DIMENSION_LIST, or an unresolvable reference
            return None
        if not scales or h5py.check_string_dtype(scales[0].dtype) is None:
            return None
        return tuple(as_text(v) for v in scales[0][()])

    def _dim_name(self, ds, axis: int) -> str:
        """Name of the dimension scale attached to an axis, or a guess."""
        try:
            scales = list(ds.dims[axis].values())
        except Exception:  # no DIMENSION_LIST, or an unresolvable reference
            scales = []
        if scales:
            return os.path.basename(scales[0].name)
        # No scale attached: match by length if that is unambiguous.
        matches = [d for d, lab in self.dims.items() if len(lab) == ds.shape[axis]]
        return matches[0] if len(matches) == 1 else "dim%d" % axis

    def check_outcomes(self, names: Sequence[str]) -> List[str]:
        """Validate outcome names (AnalysisError on an unknown one)."""
        for n in names:
            self.info(n)
        return list(names)

    # -- reading samples --------------------------------------------------------

    def _done_runs(self) -> List[Tuple[int, int]]:
        """Maximal runs of consecutive finished blocks, as sample ranges."""
        runs: List[Tuple[int, int]] = []
        for b in self.done_blocks:
            start, stop = self.block_range(int(b))
            if start >= stop:
                continue
            if runs and runs[-1][1] == start:
                runs[-1] = (runs[-1][0], stop)
            else:
                runs.append((start, stop))
        return runs

    def _dataset(self, name: str):
        if name in self.outcomes:
            return self._f["outputs"][name]
        if name in self.parameters:
            return self._f["inputs"][name]
        raise AnalysisError("%s: unknown outcome or parameter %r" % (self.path, name))

    def chunks(self, outcomes: Sequence[str] = (), inputs: Sequence[str] = (),
               max_samples: Optional[int] = None, chunk_samples: Optional[int] = None) -> Iterator[Chunk]:
        """Iterate over the finished samples in chunks of whole blocks.

        Each chunk holds at most ``chunk_samples`` rows (default: as many as
        fit the memory budget, at least one block) and lies within one run of
        consecutive finished blocks. ``max_samples`` stops after that many
        finished samples (a deterministic prefix).
        """
        names = list(outcomes) + list(inputs)
        dsets = {n: self._dataset(n) for n in names}
        row_bytes = 8 + sum(8 * max(1, int(np.prod(d.shape[1:], dtype=np.int64))) for d in dsets.values())
        if chunk_samples is None:
            chunk_samples = max(self.block_size, (self.memory_bytes // row_bytes) // self.block_size * self.block_size)
        conv_ds = self._f["status"]["converged"]
        left = self.n_samples if max_samples is None else int(max_samples)
        for run_start, run_stop in self._done_runs():
            start = run_start
            while start < run_stop and left > 0:
                stop = min(run_stop, start + chunk_samples, start + left)
                chunk = Chunk(start, stop, np.asarray(conv_ds[start:stop]) == 1)
                for n, d in dsets.items():
                    chunk.data[n] = np.asarray(d[start:stop], dtype=np.float64)
                left -= stop - start
                start = stop
                yield chunk

    def read(self, names: Sequence[str], max_samples: Optional[int] = None,
             converged_only: bool = True) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
        """Read outcomes and/or parameters of the finished samples into memory.

        Returns (sample indices, {name: array}). ``max_samples`` limits the
        read to the first finished samples (deterministic subsample for plots
        of large files). With ``converged_only`` rows whose solve did not
        converge are dropped.
        """
        outs = [n for n in names if n in self.outcomes]
        ins = [n for n in names if n not in self.outcomes]
        idx_parts, parts = [], {n: [] for n in names}
        for ch in self.chunks(outs, ins, max_samples=max_samples):
            keep = ch.converged if converged_only else np.ones(ch.stop - ch.start, bool)
            idx_parts.append(ch.samples[keep])
            for n in names:
                parts[n].append(ch.data[n][keep])
        if not idx_parts:
            return np.zeros(0, np.int64), {n: np.zeros((0,) + self._dataset(n).shape[1:]) for n in names}
        return np.concatenate(idx_parts), {n: np.concatenate(parts[n]) for n in names}

    def inputs_frame(self, names: Optional[Sequence[str]] = None, max_samples: Optional[int] = None,
                     converged_only: bool = True) -> pd.DataFrame:
        """Parameters of the finished samples: a DataFrame indexed by sample."""
        names = list(self.parameters if names is None else names)
        for n in names:
            self.info(n, "input")
        idx, data = self.read(names, max_samples=max_samples, converged_only=converged_only)
        return pd.DataFrame({n: data[n] for n in names}, index=pd.Index(idx, name="sample"))

    def outcome_frame(self, name: str, max_samples: Optional[int] = None, converged_only: bool = True):
        """One outcome of the finished samples, labelled.

        A scalar outcome gives a Series indexed by sample; an array outcome a
        DataFrame indexed by sample whose columns are its labels (a
        MultiIndex region x sector for two dimensions).
        """
        info = self.info(name)
        idx, data = self.read([name], max_samples=max_samples, converged_only=converged_only)
        index = pd.Index(idx, name="sample")
        values = data[name]
        if info.is_scalar:
            s = pd.Series(values, index=index, name=name)
            s.attrs.update(units=info.units, description=info.description)
            return s
        df = pd.DataFrame(values.reshape(len(idx), info.size), index=index, columns=info.element_index())
        df.attrs.update(units=info.units, description=info.description, name=name)
        return df

    def parameters_table(self) -> pd.DataFrame:
        """One row per parameter: distribution, units, description."""
        rows = []
        for p in self.parameters:
            i = self.info(p, "input")
            rows.append({"parameter": p, "distribution": i.distribution, "units": i.units,
                         "description": i.description})
        return pd.DataFrame(rows, columns=["parameter", "distribution", "units", "description"])

    def status_counts(self) -> Dict[str, int]:
        """Counts over the finished samples: done, converged."""
        n_conv = 0
        for ch in self.chunks():
            n_conv += int(ch.converged.sum())
        return {"samples": self.n_samples, "done": self.n_done_samples, "converged": n_conv,
                "blocks": self.n_blocks, "blocks_done": int(self.block_done.sum())}

    # -- stored summary and baseline ---------------------------------------------

    @property
    def quantile_levels(self) -> np.ndarray:
        """The quantile levels of /summary (or the documented default)."""
        if "summary" in self._f and "quantile_levels" in self._f["summary"]:
            return np.asarray(self._f["summary/quantile_levels"][()], dtype=np.float64)
        return np.array([0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99])

    _SUMMARY_FIELDS = ("mean", "std", "sem", "min", "max", "count", "quantiles", "hist_counts", "hist_edges")

    def stored_summary(self, name: str) -> Optional[Dict[str, np.ndarray]]:
        """``/summary/<name>`` as arrays, or None when the run is unfinished
        or the group is missing or incomplete (then recompute)."""
        if not self.finished or "summary" not in self._f:
            return None
        s = self._f["summary"]
        if "quantile_levels" not in s or name not in s or not isinstance(s[name], h5py.Group):
            return None
        g = s[name]
        if any(k not in g for k in self._SUMMARY_FIELDS):
            return None
        out = {k: np.asarray(g[k][()]) for k in self._SUMMARY_FIELDS}
        shape = self.info(name).shape
        if out["mean"].shape != shape or out["quantiles"].shape != shape + (len(self.quantile_levels),):
            return None
        out["levels"] = self.quantile_levels
        return out

    def baseline_central(self, name: str) -> Optional[np.ndarray]:
        """The deterministic central scenario's value of an outcome, if stored."""
        path = "baseline/central/outputs/%s" % name
        if path in self._f:
            return np.asarray(self._f[path][()], dtype=np.float64)
        return None

    def baseline_central_input(self, name: str) -> Optional[float]:
        """The central scenario's value of a parameter, if stored."""
        path = "baseline/central/inputs/%s" % name
        return float(self._f[path][()]) if path in self._f else None

    def history(self) -> pd.DataFrame:
        """``/history`` as a DataFrame, one row per start of the run (the
        first and every resume), indexed by ``start``; empty for a file made
        before the history existed. ``exit_reason`` is as stored:
        ``unfinished`` is a start whose end was never recorded (killed, or
        still running; ``tradewar info`` tells which)."""
        if "history" not in self._f:
            return pd.DataFrame(index=pd.Index([], name="start"))
        g = self._f["history"]
        cols = {}
        for k, ds in g.items():
            if k == "start" or not isinstance(ds, h5py.Dataset):
                continue
            cols[k] = ds.asstr()[()] if h5py.check_string_dtype(ds.dtype) else ds[()]
        return pd.DataFrame(cols, index=pd.Index(g["start"][()], name="start"))

    def metadata(self) -> Dict[str, object]:
        """Root attributes (config text excluded) in file order."""
        return {k: v for k, v in self.attrs.items() if k != "config"}

    @property
    def config_text(self) -> str:
        return str(self.attrs.get("config", ""))


@dataclass(frozen=True)
class Target:
    """One element of an outcome: ``name`` and its element label ("" for scalars)."""

    name: str
    element: str = ""

    def __str__(self) -> str:
        return "%s[%s]" % (self.name, self.element) if self.element else self.name

    @property
    def slug(self) -> str:
        """A file-name-safe form: ``welfare_pct_USA``."""
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(self).replace("[", "_").rstrip("]"))


_TARGET_RE = re.compile(r"\s*([A-Za-z0-9_]+)\s*(?:\[\s*([^\]]*?)\s*\])?\s*")


def parse_targets(rf: ResultFile, text: str, bare: str = "all") -> List[Target]:
    """The elements ``text`` names, in the one spelling every command shares.

    ``name`` (a scalar; for an array all elements, or with ``bare="first"``
    the first one), ``name[USA]``, ``name[USA,ELE]`` (``/`` is accepted for
    ``,``), and a slice ``name[USA]`` of a region x sector outcome (every
    sector of USA). Labels match case-insensitively.
    """
    m = _TARGET_RE.fullmatch(text)
    if not m:
        raise AnalysisError("cannot parse outcome %r (use NAME, NAME[USA] or NAME[USA,ELE])" % text)
    info = rf.info(m.group(1))
    elem = m.group(2) or ""
    if info.is_scalar:
        if elem:
            raise AnalysisError("outcome %s is a scalar; it has no element [%s]" % (info.name, elem))
        return [Target(info.name)]
    labels = info.element_labels()
    if not elem:
        return [Target(info.name, labels[0])] if bare == "first" else [Target(info.name, e) for e in labels]
    parts = [p.strip() for p in re.split(r"[,/]", elem)]
    if len(parts) > len(info.dims):
        raise AnalysisError("outcome %s has %d dimension(s) (%s), not %d: [%s]"
                            % (info.name, len(info.dims), ", ".join(info.dims), len(parts), elem))
    fixed = []
    for d, part in enumerate(parts):
        hit = [l for l in info.labels[d] if l == part] or [l for l in info.labels[d] if l.lower() == part.lower()]
        if not hit:
            raise AnalysisError("outcome %s has no %s %r (has: %s)"
                                % (info.name, info.dims[d], part, ", ".join(info.labels[d])))
        fixed.append(hit[0])
    return [Target(info.name, e) for e in labels if e.split(ELEMENT_SEP)[:len(fixed)] == fixed]


def parse_target(rf: ResultFile, text: str) -> Target:
    """One element (see parse_targets); a bare array outcome means its first
    element, a slice is refused."""
    ts = parse_targets(rf, text, bare="first")
    if len(ts) != 1:
        raise AnalysisError("%r names %d elements; name one, e.g. %s" % (text, len(ts), ts[0]))
    return ts[0]


def open_result(path: str, memory_bytes: int = DEFAULT_MEMORY_BYTES) -> ResultFile:
    """Open and validate a result file (see ResultFile)."""
    return ResultFile(path, memory_bytes=memory_bytes)
