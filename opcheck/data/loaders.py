"""Read samples from disk or from a built-in dataset, and validate them.

On disk samples are **rows** (n × d0), the numpy convention; :mod:`opcheck.data.prepare`
transposes to the paper's columns.  Supported:

* ``.npy`` — X only, loaded with ``allow_pickle=False``;
* ``.npz`` — key ``X`` and optionally ``y`` or ``Y``;
* ``.csv`` — numeric cells, optional header row; ``label_column`` (name or
  0-based index) names the label column.

Built-in: ``digits`` (scikit-learn's bundled handwritten digits, 1797 × 64,
real data, labels 0–9) and ``sphere`` (points uniform on the unit sphere S^{d0-1}).

Every problem is an :class:`~opcheck.errors.InputError` with a one-line message.
"""
from __future__ import annotations

import csv
import math
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from opcheck._runtime import seeding
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


def load_file(path: str, label_column: str | None = None) -> RawSamples:
    """Load and validate a ``.npy``, ``.npz`` or ``.csv`` file of samples."""
    if not os.path.exists(path):
        raise InputError(f"file not found: {path}")
    if os.path.isdir(path):
        raise InputError(f"{path} is a directory, expected a .npy, .npz or .csv file")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        if label_column is not None:
            raise InputError("--label-column applies to .csv files only")
        X, y, classes = _load_npy(path), None, False
    elif ext == ".npz":
        if label_column is not None:
            raise InputError("--label-column applies to .csv files only")
        X, y = _load_npz(path)
        classes = y is not None and _is_integer_dtype(y)
    elif ext == ".csv":
        X, y = _load_csv(path, label_column)
        classes = y is not None and bool(np.all(np.mod(y, 1) == 0))
    else:
        raise InputError(f"unknown file extension '{ext or '(none)'}' for {path}; expected .npy, .npz or .csv")
    X = validate_samples(X, path)
    y = validate_labels(y, X.shape[0], path)
    return RawSamples(X, y, os.path.abspath(path), classes)


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
        G = seeding.rng(seed, "sphere").standard_normal((n, d0))
        X = G / np.linalg.norm(G, axis=1, keepdims=True)
        return RawSamples(X, None, f"sphere (uniform on S^{d0 - 1}, n = {n}, d0 = {d0}, seed {seed})", False)
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
        raise InputError(f"{where}: {what} has {int(bad.sum())} non-finite entries (first: {kind} at index {first})")
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
    """Labels: 1-D (n) or 2-D (n × d2), numeric, finite, one per sample."""
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise InputError(f"{where}: labels must be 1-D (n) or 2-D (n x d2), got shape {y.shape}")
    if y.shape[0] != n:
        raise InputError(f"{where}: {y.shape[0]} labels for {n} samples; expected one label per sample")
    if y.size == 0:
        raise InputError(f"{where}: labels are empty (shape {y.shape})")
    keep_int = _is_integer_dtype(y)
    out = _check_numeric(y, "labels", where)
    return out.astype(np.int64) if keep_int and y.ndim == 1 else out


# --------------------------------------------------------------------- formats
def _load_npy(path: str) -> np.ndarray:
    with open(path, "rb") as fh:
        magic = fh.read(6)
    if magic[:2] == b"PK":
        raise InputError(f"{path} is a .npz archive, not a .npy file; rename it to .npz")
    if magic != b"\x93NUMPY":
        if magic[:1] == b"\x80":
            raise InputError(f"{path} is a Python pickle, not a .npy file; opcheck never unpickles (allow_pickle=False)")
        raise InputError(f"{path} is not a valid .npy file (no NumPy header)" if magic else f"{path} is empty")
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "pickle" in str(exc).lower():
            raise InputError(f"{path} holds pickled Python objects; opcheck loads plain numeric arrays only (allow_pickle=False)") from None
        raise InputError(f"{path} is not a valid .npy file ({_short(exc)})") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path} is not a valid .npy file ({_short(exc)})") from None
    if isinstance(arr, np.lib.npyio.NpzFile):
        arr.close()
        raise InputError(f"{path} is a .npz archive, not a .npy file; rename it to .npz")
    return arr


def _open_npz(path: str) -> np.lib.npyio.NpzFile:
    """Open an .npz archive with ``allow_pickle=False``; anything else is an InputError."""
    if not os.path.exists(path):
        raise InputError(f"file not found: {path}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path} is not a valid .npz file ({_short(exc)})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise InputError(f"{path} is a plain .npy array, not a .npz archive; rename it to .npy")
    return archive


def _read_npz(archive: np.lib.npyio.NpzFile, path: str, key: str) -> np.ndarray:
    """One array of an open archive; pickled members are refused."""
    try:
        return archive[key]
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise InputError(f"{path} holds pickled Python objects; opcheck loads plain numeric arrays only (allow_pickle=False)") from None
        raise InputError(f"{path}: cannot read '{key}' ({_short(exc)})") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{path}: cannot read '{key}' ({_short(exc)})") from None


def _load_npz(path: str) -> tuple[np.ndarray, np.ndarray | None]:
    with _open_npz(path) as archive:
        keys = set(archive.files)
        if "X" not in keys:
            raise InputError(f"{path} has no array 'X' (found: {', '.join(sorted(keys)) or 'nothing'}); save samples as X=..., labels as y=...")
        if "y" in keys and "Y" in keys:
            raise InputError(f"{path} has both 'y' and 'Y'; keep one label array")
        label_key = "y" if "y" in keys else "Y" if "Y" in keys else None
        X = _read_npz(archive, path, "X")
        y = _read_npz(archive, path, label_key) if label_key else None
    return X, y


def load_npz_arrays(path: str, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Named arrays from an .npz (allow_pickle=False), each required."""
    with _open_npz(path) as archive:
        missing = [k for k in names if k not in archive.files]
        if missing:
            raise InputError(f"{path} lacks {', '.join(missing)} (found: {', '.join(archive.files) or 'nothing'})")
        return {k: _read_npz(archive, path, k) for k in names}


def _parse_float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _load_csv(path: str, label_column: str | None) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a text CSV file (not UTF-8)") from None
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV ({_short(exc)})") from None
    if not rows:
        raise InputError(f"{path} is empty")
    header: list[str] | None = None
    if any(_parse_float(c.strip()) is None for c in rows[0]):
        header, rows = [c.strip() for c in rows[0]], rows[1:]
        if not rows:
            raise InputError(f"{path} has a header row but no data rows")
    width = len(header) if header else len(rows[0])
    data = np.empty((len(rows), width))
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"{path}: row {i + 1 + bool(header)} has {len(row)} cells, expected {width}")
        for j, cell in enumerate(row):
            v = _parse_float(cell.strip())
            if v is None:
                raise InputError(f"{path}: row {i + 1 + bool(header)}, column {j + 1}: '{cell.strip()}' is not a number")
            data[i, j] = v
    if label_column is None:
        return data, None
    col = _resolve_column(label_column, header, width, path)
    y = data[:, col]
    X = np.delete(data, col, axis=1)
    return X, y


def _resolve_column(label_column: str, header: list[str] | None, width: int, path: str) -> int:
    if header and label_column in header:
        return header.index(label_column)
    try:
        idx = int(label_column)
    except ValueError:
        names = f" (columns: {', '.join(header)})" if header else " (the file has no header; give a 0-based index)"
        raise InputError(f"{path}: no column named '{label_column}'{names}") from None
    if not -width <= idx < width:
        raise InputError(f"{path}: label column index {idx} is out of range for {width} columns")
    return idx % width


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] if text else type(exc).__name__


def finite_positive(value: float, name: str) -> float:
    """Validate a user-given positive finite float."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InputError(f"{name} must be a positive finite number, got {value}")
    return float(value)
