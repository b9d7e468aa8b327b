"""Read a CSV of samples: numeric feature cells, an optional header, any label cells.

* A UTF-8 byte-order mark is dropped (it is not part of the first cell).
* The separator is ``,`` unless the first line has none and has ``;`` or a tab.
* Blank lines are skipped; the first row is a header when any cell is not a number.
* ``label_column`` (header name or 0-based index) names the label column; its
  cells may be numbers or words (``setosa``), the latter being class names.
* Without ``label_column``, a last column named like a label (``label``, ``target``,
  ``class``, ``y``...) is still read as a feature, and a note says so.
"""
from __future__ import annotations

import csv
import io

import numpy as np

from opcheck.errors import InputError

#: header names that suggest the last column holds labels
LABEL_NAMES = ("label", "labels", "target", "targets", "class", "classes", "y", "species")


def parse_float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "," in first:
        return ","
    for sep in (";", "\t"):
        if sep in first:
            return sep
    return ","


def decode(raw: bytes, path: str) -> str:
    """Bytes → text; a UTF-8 byte-order mark is dropped."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a text CSV file (not UTF-8)") from None


def parse_csv(text: str, path: str, label_column: str | None) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """``(X, y, notes)``; y is float when every label cell is a number, else the cells as text."""
    try:
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV ({' '.join(str(exc).split())[:120]})") from None
    if not rows:
        raise InputError(f"{path} is empty")
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"{path}: row {i + 1} has {len(row)} cells, expected {width}")
    col = None if label_column is None else _resolve_column(label_column, rows[0], width, path)
    header: list[str] | None = None
    if any(parse_float(c) is None for j, c in enumerate(rows[0]) if j != col) or (
        col is not None and rows[0][col] == label_column and len(rows) > 1
    ):
        header, rows = rows[0], rows[1:]
        if not rows:
            raise InputError(f"{path} has a header row but no data rows")
    if col is not None and header is None and parse_float(label_column) is None:
        raise InputError(f"{path}: no column named '{label_column}' (the file has no header; give a 0-based index)")
    first = 1 + bool(header)
    feats = [j for j in range(width) if j != col]
    data = np.empty((len(rows), len(feats)))
    for i, row in enumerate(rows):
        for k, j in enumerate(feats):
            v = parse_float(row[j])
            if v is None:
                raise InputError(f"{path}: row {i + first}, column {j + 1}: '{row[j]}' is not a number")
            data[i, k] = v
    notes: list[str] = []
    if col is None and header is not None and header[-1].strip().lower() in LABEL_NAMES:
        notes.append(f"{path}: the last column is named '{header[-1]}' but is read as a feature; "
                     f"pass --label-column {header[-1]} to use it as the labels")
    if col is None:
        return data, None, notes
    cells = [row[col] for row in rows]
    nums = [parse_float(c) for c in cells]
    y = np.array(nums, dtype=np.float64) if all(v is not None for v in nums) else np.array(cells, dtype=str)
    return data, y, notes


def _resolve_column(label_column: str, first_row: list[str], width: int, path: str) -> int:
    if label_column in first_row and parse_float(label_column) is None:
        return first_row.index(label_column)
    try:
        idx = int(label_column)
    except ValueError:
        names = [c for c in first_row if parse_float(c) is None]
        listing = f" (columns: {', '.join(first_row)})" if names else " (the file has no header; give a 0-based index)"
        raise InputError(f"{path}: no column named '{label_column}'{listing}") from None
    if not -width <= idx < width:
        raise InputError(f"{path}: label column index {idx} is out of range for {width} columns")
    return idx % width
