"""Reader for sgdsmooth result files (layout: data/schema.md).

Everything is loaded into plain numpy arrays on access, so the returned objects stay valid after
the file is closed. Axes are named after the HDF5 dimension scales the writer attaches.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import h5py
import numpy as np

FILETYPE = "sgdsmooth-result"
SCHEMA_MAJOR = 1  # the schema major version this package understands


class ResultFileError(Exception):
    """The file is not an sgdsmooth result file, or has a schema version this reader cannot read."""


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value.item())
    return str(value)


def _plain(value):
    """HDF5 attribute -> python scalar / str / numpy array."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        return [_text(v) for v in value.ravel()]
    return value


def _attributes(obj) -> Dict[str, object]:
    skip = {"CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST", "_Netcdf4Dimid"}
    return {k: _plain(v) for k, v in obj.attrs.items() if k not in skip}


def _axis_names(dataset: h5py.Dataset) -> Tuple[str, ...]:
    names = []
    for i, dim in enumerate(dataset.dims):
        label = None
        if len(dim) > 0:
            scale = dim[0]
            label = _text(scale.attrs.get("NAME", b"")) or os.path.basename(scale.name)
        names.append(label or f"dim{i}")
    return tuple(names)


def _read_dataset(dataset: h5py.Dataset) -> np.ndarray:
    data = dataset[()]
    if dataset.dtype.kind in "SO":
        data = np.array([_text(v) for v in np.ravel(data)], dtype=object).reshape(np.shape(data))
    return np.asarray(data)


@dataclass
class Series:
    """One recorded observable: mean, its standard error and the number of trajectories at each step."""
    name: str
    mean: np.ndarray
    se: np.ndarray
    count: np.ndarray
    description: str = ""
    axes: Tuple[str, ...] = ("step",)

    def ci95(self) -> Tuple[np.ndarray, np.ndarray]:
        """Normal 95% interval mean -/+ 1.96 SE (the trajectories are independent replicas)."""
        return self.mean - 1.96 * self.se, self.mean + 1.96 * self.se


@dataclass
class Experiment:
    name: str
    parameters: Dict[str, object]
    step: np.ndarray
    diverged: np.ndarray
    series: Dict[str, Series]
    extra: Dict[str, np.ndarray] = field(default_factory=dict)  # datasets not part of a mean/se/count triple

    @property
    def trajectories(self) -> Optional[int]:
        value = self.parameters.get("trajectories")
        return int(value) if value is not None else None

    def parameter(self, key: str, default=None):
        return self.parameters.get(key, default)


@dataclass
class Check:
    name: str
    mutant: str
    verdict: str
    claim: str
    z_threshold: float
    attributes: Dict[str, object]
    table: np.ndarray  # structured: label, estimate, standard_error, oracle, z
    experiments: Dict[str, Experiment]
    # Per comparison (schema 1.5): monte_carlo | deterministic | bound; each trend row's verdict; its interval.
    evidence: List[str] = field(default_factory=list)
    row_verdicts: List[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.verdict == "PASS"


@dataclass
class LabelledGroup:
    """Any other group (/curves/NAME, /networks/NAME, ...): attributes, arrays with axis names, subgroups."""
    name: str
    attributes: Dict[str, object]
    arrays: Dict[str, np.ndarray]
    axes: Dict[str, Tuple[str, ...]]
    groups: Dict[str, "LabelledGroup"]


def _read_labelled(group: h5py.Group) -> LabelledGroup:
    arrays, axes, groups = {}, {}, {}
    for key, obj in group.items():
        if isinstance(obj, h5py.Dataset):
            arrays[key] = _read_dataset(obj)
            axes[key] = _axis_names(obj)
        elif isinstance(obj, h5py.Group):
            groups[key] = _read_labelled(obj)
    return LabelledGroup(os.path.basename(group.name), _attributes(group), arrays, axes, groups)


def _read_experiment(group: h5py.Group) -> Experiment:
    parameters = _attributes(group)
    name = _text(parameters.pop("name", os.path.basename(group.name)))
    step = np.asarray(group["step"][()]) if "step" in group else np.zeros(0, dtype=np.int64)
    diverged = np.asarray(group["diverged"][()]) if "diverged" in group else np.zeros_like(step)
    series, used = {}, {"step", "diverged"}
    for key in group:
        if not key.endswith("_mean") or not isinstance(group[key], h5py.Dataset):
            continue
        base = key[: -len("_mean")]
        if base + "_se" not in group:
            continue
        mean_ds = group[key]
        count = group[base + "_count"][()] if base + "_count" in group else np.full(len(step), -1)
        series[base] = Series(base, np.asarray(mean_ds[()]), np.asarray(group[base + "_se"][()]),
                              np.asarray(count), _text(mean_ds.attrs.get("description", "")),
                              _axis_names(mean_ds))
        used |= {key, base + "_se", base + "_count"}
    extra = {k: _read_dataset(v) for k, v in group.items()
             if isinstance(v, h5py.Dataset) and k not in used and v.attrs.get("CLASS") is None}
    return Experiment(name, parameters, step, diverged, series, extra)


def _read_check(group: h5py.Group) -> Check:
    attributes = _attributes(group)
    labels = [_text(v) for v in group["comparison"][()]] if "comparison" in group else []
    n = len(labels)
    width = max([len(s) for s in labels] + [1])
    table = np.zeros(n, dtype=[("label", f"U{width}"), ("estimate", "f8"), ("standard_error", "f8"),
                               ("oracle", "f8"), ("z", "f8")])
    table["label"] = labels
    for column in ("estimate", "standard_error", "oracle", "z"):
        if column in group:
            table[column] = group[column][()]
    evidence = [_text(v) for v in group["evidence"][()]] if "evidence" in group else ["monte_carlo"] * n
    row_verdicts = [_text(v) for v in group["row_verdict"][()]] if "row_verdict" in group else [""] * n
    experiments = {}
    if "experiments" in group:
        for key, sub in group["experiments"].items():
            experiments[key] = _read_experiment(sub)
    return Check(
        name=_text(attributes.get("name", os.path.basename(group.name))),
        mutant=_text(attributes.get("mutant", "")),
        verdict=_text(attributes.get("verdict", "")),
        claim=_text(attributes.get("claim", "")),
        z_threshold=float(attributes.get("z_threshold", float("nan"))),
        attributes=attributes,
        table=table,
        experiments=experiments,
        evidence=evidence,
        row_verdicts=row_verdicts,
    )


SEAL_MAGIC = b"sgdsmooth-seal 1\n"
SEAL_BLOCK = 512


def seal_problem(filename: str) -> Optional[str]:
    """What is wrong with a file's seal (data/schema.md, "Integrity"), or None when it matches.

    Files without a seal (schema before 1.5, or never completed) give None here; the schema check
    after opening refuses a 1.5 file that has none."""
    import zlib
    with open(filename, "rb") as f:
        block = f.read(SEAL_BLOCK)
        if not block.startswith(SEAL_MAGIC):
            return None
        fields = dict(line.split(" ", 1) for line in block.split(b"\0", 1)[0].decode("ascii", "replace").splitlines()[1:]
                      if " " in line)
        try:
            recorded_bytes, recorded_crc = int(fields["bytes"]), int(fields["crc32"], 16)
        except (KeyError, ValueError):
            return "its seal is unreadable"
        size = os.fstat(f.fileno()).st_size
        if size != recorded_bytes:
            return f"{size} bytes where {recorded_bytes} were sealed"
        at = block.index(b"\ncrc32 ") + 7
        crc = zlib.crc32(block[:at] + b"00000000" + block[at + 8:])
        for chunk in iter(lambda: f.read(1 << 20), b""):
            crc = zlib.crc32(chunk, crc)
    return None if crc & 0xFFFFFFFF == recorded_crc else "checksum mismatch: bytes changed after sgdsmooth wrote it"


class ResultFile:
    """An open result file. Use as a context manager or call close(); the data returned is in memory.

    The file's seal is checked first (every byte): a damaged file is refused, not half read."""

    def __init__(self, filename: str, verify_seal: bool = True):
        self.filename = str(filename)
        self.sealed = False
        if os.path.isfile(self.filename):
            problem = seal_problem(self.filename) if verify_seal else None
            if problem:
                raise ResultFileError(f"'{self.filename}' is corrupted ({problem}); not read")
            with open(self.filename, "rb") as f:
                self.sealed = f.read(len(SEAL_MAGIC)) == SEAL_MAGIC
        try:
            self._file = h5py.File(self.filename, "r")
        except OSError as error:
            raise ResultFileError(f"'{self.filename}' cannot be opened as HDF5: {error}") from None
        try:
            self._validate()
        except ResultFileError:
            self._file.close()
            raise

    def _validate(self) -> None:
        filetype = _text(self._file.attrs.get("filetype", ""))
        if filetype != FILETYPE:
            raise ResultFileError(
                f"'{self.filename}' is not an sgdsmooth result file (root attribute filetype is "
                f"{filetype!r}, expected {FILETYPE!r})")
        version = np.atleast_1d(np.asarray(self._file.attrs.get("schema_version", [])))
        if version.size != 2 or version.dtype.kind not in "iu":
            raise ResultFileError(f"'{self.filename}' has no valid schema_version attribute (found {version.tolist()})")
        major, minor = int(version[0]), int(version[1])
        if major != SCHEMA_MAJOR:
            raise ResultFileError(
                f"'{self.filename}' has schema version {major}.{minor}; this reader (analysis/python/sgdsmooth) "
                f"reads schema {SCHEMA_MAJOR}.x only: use the sgdsmooth version that wrote it")
        self.schema_version = (major, minor)
        if (major, minor) >= (1, 5) and not self.sealed and os.path.isfile(self.filename):
            raise ResultFileError(f"'{self.filename}' has no seal although schema {major}.{minor} seals every file: it "
                                  "was never completed, or its first bytes were damaged")

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # provenance -------------------------------------------------------------------------------
    @property
    def attributes(self) -> Dict[str, object]:
        return _attributes(self._file)

    def top_groups(self) -> List[str]:
        return [k for k, v in self._file.items() if isinstance(v, h5py.Group)]

    # experiments ------------------------------------------------------------------------------
    def experiment_names(self) -> List[str]:
        return list(self._file["experiments"].keys()) if "experiments" in self._file else []

    def experiment(self, name: str) -> Experiment:
        if name not in self.experiment_names():
            raise KeyError(f"no experiment '{name}' in '{self.filename}' (it has {self.experiment_names()})")
        return _read_experiment(self._file["experiments"][name])

    def experiments(self) -> Dict[str, Experiment]:
        return {name: self.experiment(name) for name in self.experiment_names()}

    # checks -----------------------------------------------------------------------------------
    def check_names(self) -> List[str]:
        return list(self._file["checks"].keys()) if "checks" in self._file else []

    def check(self, name: str) -> Check:
        return _read_check(self._file["checks"][name])

    def checks(self) -> Dict[str, Check]:
        return {name: self.check(name) for name in self.check_names()}

    def mutants(self) -> Dict[Tuple[str, str], Check]:
        """(check name, mutant name) -> result of the check against a deliberately wrong theory."""
        out = {}
        if "mutants" in self._file:
            for check_name, group in self._file["mutants"].items():
                for mutant_name, sub in group.items():
                    out[(check_name, mutant_name)] = _read_check(sub)
        return out

    def verdict_table(self) -> np.ndarray:
        """One row per check and mutant: name, mutant, verdict, max |z|, z threshold, claim."""
        rows = [(c.name, "", c.verdict, float(c.attributes.get("max_abs_z", np.nan)), c.z_threshold, c.claim)
                for c in self.checks().values()]
        rows += [(c.name, m, c.verdict, float(c.attributes.get("max_abs_z", np.nan)), c.z_threshold, c.claim)
                 for (_, m), c in self.mutants().items()]
        return np.array(rows, dtype=[("check", "O"), ("mutant", "O"), ("verdict", "O"), ("max_abs_z", "f8"),
                                     ("z_threshold", "f8"), ("claim", "O")])

    # sweeps (sgdsmooth merge) -----------------------------------------------------------------
    def has_sweep(self) -> bool:
        return "sweep" in self._file

    def sweep_table(self) -> Dict[str, np.ndarray]:
        """One entry per sweep point: point, cell, replicate, seed, completed, and each axis value
        under its key without the 'experiment.*.' prefix (e.g. 'schedule.eta')."""
        if "sweep" not in self._file:
            raise KeyError(f"'{self.filename}' holds no /sweep (it is not a merged sweep)")
        group = self._file["sweep"]
        table = {k: np.asarray(group[k][()]) for k in ("point", "cell", "replicate", "seed", "completed") if k in group}
        for key, ds in group.items():
            if key.startswith("coordinate"):
                name = _text(ds.attrs.get("key", key)).replace("experiment.*.", "")
                table[name] = _read_dataset(ds)
        return table

    def sweep_axes(self) -> List[str]:
        return [k for k in self.sweep_table() if k not in ("point", "cell", "replicate", "seed", "completed")]

    def point_experiment(self, point: int, name: str) -> Experiment:
        path = f"points/p{int(point):07d}/{name}"
        if path not in self._file:
            raise KeyError(f"no {path} in '{self.filename}' (point incomplete, or no experiment '{name}')")
        return _read_experiment(self._file[path])

    def point_experiment_names(self) -> List[str]:
        if "points" not in self._file or len(self._file["points"]) == 0:
            return []
        first = next(iter(self._file["points"].values()))
        return [k for k, v in first.items() if isinstance(v, h5py.Group)]

    # other top-level groups -------------------------------------------------------------------
    def group(self, path: str) -> LabelledGroup:
        if path not in self._file:
            raise KeyError(f"no group '{path}' in '{self.filename}' (top-level groups: {self.top_groups()})")
        return _read_labelled(self._file[path])

    def curves(self) -> Dict[str, LabelledGroup]:
        return self._children("curves")

    def networks(self) -> Dict[str, LabelledGroup]:
        return self._children("networks")

    def _children(self, top: str) -> Dict[str, LabelledGroup]:
        if top not in self._file:
            return {}
        return {k: _read_labelled(v) for k, v in self._file[top].items() if isinstance(v, h5py.Group)}


def open_result(filename: str) -> ResultFile:
    """Open a result file, refusing other files and schema majors with a ResultFileError."""
    return ResultFile(filename)
