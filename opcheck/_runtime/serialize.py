"""One generic strict-JSON serializer for every result in opcheck.

:func:`to_data` walks a result the way :func:`dataclasses.asdict` does and turns it
into plain JSON data:

* dataclasses become dicts of their fields, in declaration order (a field whose
  metadata says ``{"serialize": False}`` — see :func:`internal` — is left out:
  parameters, datasets and other bulky inputs ride along without being written);
* :class:`enum.Enum` members become their ``value`` (keys too);
* non-finite floats (``inf``, ``nan``) become ``None``: strict JSON has no
  Infinity/NaN tokens (RFC 8259), and a reader never has to special-case them;
* numpy scalars become Python numbers, numpy arrays nested lists;
* tuples, lists, sets and frozensets become lists, :class:`pathlib.Path` a string;
* anything else with an ``as_dict()`` method is serialised through it (records
  that predate the dataclass walk).

:func:`dumps` is :func:`json.dumps` of that data with ``allow_nan=False``: a NaN
that slipped through would be an error, never an invalid file.

Examples
--------
>>> import enum, math
>>> from dataclasses import dataclass
>>> class Source(enum.Enum):
...     PAPER = "paper"
>>> @dataclass(frozen=True)
... class Row:
...     source: Source
...     value: float
>>> to_data(Row(Source.PAPER, math.inf))
{'source': 'paper', 'value': None}
>>> dumps({"x": float("nan"), "n": 3}, indent=None)
'{"x": null, "n": 3}'
"""
from __future__ import annotations

import dataclasses
import enum
import json
import math
from pathlib import PurePath
from typing import Any

__all__ = ["dumps", "finite_or_none", "internal", "to_data"]


def internal(**kwargs: Any) -> Any:
    """A dataclass field that is carried but never serialised (nor shown in ``repr``).

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class R:
    ...     value: float
    ...     cache: list = internal(default_factory=list)
    >>> to_data(R(1.0, [1, 2]))
    {'value': 1.0}
    """
    return dataclasses.field(repr=False, compare=False, metadata={"serialize": False}, **kwargs)


def finite_or_none(x: Any) -> Any:
    """A number for strict JSON: finite floats pass, ``inf``/``nan`` become ``None``.

    Booleans, ``None`` and integers pass unchanged; values that are not numbers pass
    unchanged too (so the function can be mapped over mixed rows).

    >>> finite_or_none(float("inf")) is None, finite_or_none(2.5), finite_or_none(7)
    (True, 2.5, 7)
    """
    if x is None or isinstance(x, (bool, int)):
        return x
    if hasattr(x, "dtype") and getattr(x, "shape", None) == ():  # numpy scalar
        x = x.item()
        if isinstance(x, (bool, int)):
            return x
    try:
        f = float(x)
    except (TypeError, ValueError):
        return x
    return f if math.isfinite(f) else None


def _key(k: Any) -> str:
    if isinstance(k, enum.Enum):
        k = k.value
    return str(k)


def to_data(obj: Any) -> Any:
    """Plain JSON data (dict/list/str/int/float/bool/None) for any opcheck result."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, enum.Enum):
        return to_data(obj.value)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return finite_or_none(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: to_data(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if f.metadata.get("serialize", True)
        }
    if isinstance(obj, dict):
        return {_key(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_data(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((to_data(v) for v in obj), key=repr)
    if isinstance(obj, PurePath):
        return str(obj)
    if hasattr(obj, "dtype"):  # numpy scalar or array, without importing numpy here
        return to_data(obj.tolist()) if getattr(obj, "shape", ()) != () else finite_or_none(obj)
    as_dict = getattr(obj, "as_dict", None)
    if callable(as_dict):
        return to_data(as_dict())
    return obj


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text of :func:`to_data` (no NaN/Infinity tokens), keys in the order built."""
    return json.dumps(to_data(obj), indent=indent, allow_nan=False)
