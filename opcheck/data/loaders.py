"""Read samples from disk or from a built-in dataset, and validate them.

On disk samples are **rows** (n × d0), the numpy convention; :mod:`opcheck.data.prepare`
transposes to the paper's columns.  Supported:

* ``.npy`` — X only (:mod:`opcheck.data.npy_files`: one read, header checked first, never unpickled);
* ``.npz`` — key ``X`` and optionally ``y`` or ``Y`` (integer or text labels are classes);
* ``.csv`` — numeric cells, optional header row (:mod:`opcheck.data.csv_files`);
  ``label_column`` (name or 0-based index) names the label column, whose cells
  may be numbers or class names;
* ``-`` — any of these on stdin, told apart by their first bytes.

Built-in: ``digits`` (scikit-learn's bundled handwritten digits, 1797 × 64,
real data, labels 0–9) and ``sphere`` (points uniform on the unit sphere S^{d0-1}).

Every problem is an :class:`~opcheck.errors.InputError` with a one-line message.
"""
from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass

import numpy as np

from opcheck._runtime import memory, seeding
from opcheck.data import csv_files, npy_files
from opcheck.errors import InputError

BUILTIN = ("digits", "sphere")
#: samples of the built-in digits data used when --n is not given (of 1797): the Gram
#: J J^T then has order d2 n = 10 000, which verify factors in well under a minute
DIGITS_DEFAULT_N = 1000


@dataclass(frozen=True)
class RawSamples:
    """Samples as read: ``X`` is n × d0 float64 (rows), ``y`` raw labels or None."""

    X: np.ndarray
    y: np.ndarray | None
    source: str
    labels_are_classes: bool
    notes: tuple[str, ...] = ()  # things the user should know (stderr), e.g. a column that looks like labels
    generated: bool = False  # synthetic samples made to the requested size (sphere): --n sizes them, takes no subset


def load_file(path: str, label_column: str | None = None) -> RawSamples:
    """Load and validate a ``.npy``, ``.npz`` or ``.csv`` file of samples (``-``: stdin).

    From stdin the format is told by the first bytes (NumPy magic, zip, else CSV text).
    """
    if path == "-":
        return _load_stdin(label_column)
    if not os.path.exists(path):
        raise InputError(f"file not found: {path}")
    if os.path.isdir(path):
        raise InputError(f"{path} is a directory, expected a .npy, .npz or .csv file")
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".npy", ".npz", ".csv"):
        raise InputError(f"unknown file extension '{ext or '(none)'}' for {path}; expected .npy, .npz or .csv")
    if ext != ".csv" and label_column is not None:
        raise InputError("--label-column applies to .csv files only")
    if ext == ".npy":
        return _finish(npy_files.read_npy(path), None, path, os.path.abspath(path), csv=False)
    if ext == ".npz":
        X, y = _load_npz(npy_files.NpzArchive(path), path)
        return _finish(X, y, path, os.path.abspath(path), csv=False)
    X, y, notes = csv_files.parse_csv(csv_files.decode(_read_bytes(path), path), path, label_column)
    return _finish(X, y, path, os.path.abspath(path), notes)


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {path} ({exc.strerror or _short(exc)})") from None


def _load_stdin(label_column: str | None) -> RawSamples:
    stream = sys.stdin.buffer
    head = npy_files._read_exact(stream, 6)
    if head[:2] == b"PK" or head == npy_files.MAGIC:
        if label_column is not None:
            raise InputError("--label-column applies to CSV data only")
        if head == npy_files.MAGIC:
            return _finish(npy_files.read_npy_stream(stream, "stdin", "X", head), None, "stdin", "stdin", csv=False)
        X, y = _load_npz(npy_files.NpzArchive("stdin", head + stream.read()), "stdin")
        return _finish(X, y, "stdin", "stdin", csv=False)
    if not head:
        raise InputError("stdin is empty; pipe a .npy, .npz or .csv file into opcheck")
    X, y, notes = csv_files.parse_csv(csv_files.decode(head + stream.read(), "stdin"), "stdin", label_column)
    return _finish(X, y, "stdin", "stdin", notes)


def _finish(X: np.ndarray, y: np.ndarray | None, where: str, source: str, notes: list[str] | tuple = (), csv: bool = True) -> RawSamples:
    """Validate; 1-D integer or text labels are classes (in a CSV also whole-number cells)."""
    X = validate_samples(X, where)
    y = validate_labels(y, X.shape[0], where)
    classes = y is not None and y.ndim == 1 and (y.dtype.kind in "iuU" or (csv and bool(np.all(np.mod(y, 1) == 0))))
    return RawSamples(X, y, source, bool(classes), tuple(notes))


def load_builtin(name: str, n: int | None, d0: int | None, seed: int) -> RawSamples:
    """``digits`` (real, 1797 × 64) or ``sphere`` (synthetic, uniform on S^{d0-1})."""
    key = name.strip().lower()
    if key == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        if d0 is not None and d0 != bunch.data.shape[1]:
            raise InputError(f"the digits dataset has d0 = {bunch.data.shape[1]}; --d0 applies to --dataset sphere only")
        return RawSamples(np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target), "digits (scikit-learn, 1797 x 64)", True)
    if key == "sphere":
        n = 1000 if n is None else n
        d0 = 64 if d0 is None else d0
        if n < 1 or d0 < 1:
            raise InputError(f"--n and --d0 must be positive for --dataset sphere, got n = {n}, d0 = {d0}")
        memory.require(npy_files.COPIES_WHILE_PREPARING * memory.float64_bytes((n, d0)),
                       f"--dataset sphere with n = {n}, d0 = {d0}", "use a smaller --n or --d0")
        G = seeding.rng(seed, "sphere").standard_normal((n, d0))
        X = G / np.linalg.norm(G, axis=1, keepdims=True)
        return RawSamples(X, None, f"sphere (uniform on S^{d0 - 1}, n = {n}, d0 = {d0}, seed {seed})", False, generated=True)
    raise InputError(f"unknown dataset '{name}'; choose one of: {', '.join(BUILTIN)}")


# ------------------------------------------------------------------ validation
def _is_integer_dtype(a: np.ndarray) -> bool:
    return a.dtype.kind in "iub"


def _check_numeric(a: np.ndarray, what: str, where: str) -> np.ndarray:
    if a.dtype.kind == "O":
        raise InputError(f"{where}: {what} holds Python objects, expected a numeric array")
    if a.dtype.kind == "c":
        raise InputError(f"{where}: {what} is complex, expected real numbers")
    if a.dtype.kind not in "iufb":
        raise InputError(f"{where}: {what} has dtype {a.dtype}, expected a numeric array")
    a = np.asarray(a, dtype=np.float64)
    bad = ~np.isfinite(a)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(a[first]) else "inf"
        count = int(bad.sum())
        raise InputError(f"{where}: {what} has {count} non-finite {'entry' if count == 1 else 'entries'} (first: {kind} at index {first})")
    return a


def validate_samples(X: np.ndarray, where: str) -> np.ndarray:
    """2-D, non-empty, real, finite; returned as float64 n × d0."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise InputError(f"{where}: X must be 2-D (n samples x d0 features, samples as rows), got shape {X.shape}")
    if X.size == 0:
        raise InputError(f"{where}: X is empty (shape {X.shape})")
    return _check_numeric(X, "X", where)


def validate_labels(y: np.ndarray | None, n: int, where: str) -> np.ndarray | None:
    """Labels: 1-D (n) or 2-D (n × d2), numeric and finite or class names (text), one per sample."""
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise InputError(f"{where}: labels must be 1-D (n) or 2-D (n x d2), got shape {y.shape}")
    if y.shape[0] != n:
        raise InputError(f"{where}: {y.shape[0]} labels for {n} samples; expected one label per sample")
    if y.size == 0:
        raise InputError(f"{where}: labels are empty (shape {y.shape})")
    if y.dtype.kind in "US":
        if y.ndim != 1:
            raise InputError(f"{where}: class names must be one label per sample (1-D), got shape {y.shape}")
        return y.astype(str)
    keep_int = _is_integer_dtype(y)
    out = _check_numeric(y, "labels", where)
    return out.astype(np.int64) if keep_int and y.ndim == 1 else out


# --------------------------------------------------------------------- formats
def _load_npz(archive: npy_files.NpzArchive, path: str) -> tuple[np.ndarray, np.ndarray | None]:
    with archive:
        keys = set(archive.files)
        if "X" not in keys:
            raise InputError(f"{path} has no array 'X' (found: {', '.join(sorted(keys)) or 'nothing'}); save samples as X=..., labels as y=...")
        if "y" in keys and "Y" in keys:
            raise InputError(f"{path} has both 'y' and 'Y'; keep one label array")
        label_key = "y" if "y" in keys else "Y" if "Y" in keys else None
        X = archive.read("X")
        y = archive.read(label_key) if label_key else None
    return X, y


def load_npz_arrays(path: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Named arrays from an .npz (never unpickled; headers checked before decompressing), each required."""
    if not os.path.exists(path):
        raise InputError(f"file not found: {path}")
    if os.path.isdir(path):
        raise InputError(f"{path} is a directory, expected an .npz file")
    with npy_files.NpzArchive(path) as archive:
        missing = [k for k in names if k not in archive.files]
        if missing:
            raise InputError(f"{path} lacks {', '.join(missing)} (found: {', '.join(archive.files) or 'nothing'})")
        return {k: archive.read(k) for k in names}


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] if text else type(exc).__name__


def finite_positive(value: float, name: str) -> float:
    """Validate a user-given positive finite float."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InputError(f"{name} must be a positive finite number, got {value}")
    return float(value)
