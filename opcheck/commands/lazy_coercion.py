"""Typer coerces a missing option value without building its pydantic adapter.

Typer (0.2x) converts every parameter's value through a pydantic ``TypeAdapter`` that it
builds the first time the parameter processes a value, even a missing one (``None``),
which needs no conversion (Typer's own coercer returns ``None``, or ``()`` for a
multi-value parameter, without consulting the adapter).  ``opcheck verify --help``
processes the root group's ``--install-completion``/``--show-completion`` (default
``None``) before the sub-command prints its help, and so imported pydantic, about a
third of the start-up, for nothing.  :func:`apply` defers the adapter until a value is
present.  Values whose conversion is unambiguous — a default that already has its
type, a decimal integer or a plain decimal float for a number, a string, a path without
checks, within the parameter's range — are converted here without pydantic (about
0.1 s of every command's start); anything else (enums given as text, ``inf``, ranges
violated, checked paths) goes through Typer's coercer unchanged, errors included.
"""
from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Any

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
MISS = object()  # "not converted here": Typer's coercer decides


def plain_value(value: Any, descriptor: Any) -> Any:
    """``value`` converted as Typer/pydantic would, when that is unambiguous; else :data:`MISS`."""
    ann, info = descriptor.annotation, descriptor.parameter_info
    if descriptor.file_annotation is not None or isinstance(value, bool) or ann is bool:
        return MISS
    if ann is str and isinstance(value, str):
        return value
    if ann is Path and isinstance(value, (str, Path)) and _unchecked_path(info):
        return Path(value)
    if ann in (int, float):
        if isinstance(value, str):
            if _INT.fullmatch(value):
                value = int(value)
            elif ann is float and _FLOAT.fullmatch(value):
                value = float(value)
            else:
                return MISS
        if not isinstance(value, (int, float)) or (ann is int and not isinstance(value, int)):
            return MISS
        value = ann(value)
        if getattr(info, "clamp", False) or (info.min is not None and value < info.min) or (info.max is not None and value > info.max):
            return MISS
        return value
    if isinstance(ann, type) and issubclass(ann, enum.Enum) and isinstance(value, ann):
        return value  # an enum default (text goes to Typer: its choice matching decides)
    return MISS


def _unchecked_path(info: Any) -> bool:
    """A Path parameter Typer only converts (no existence, kind, permission or resolution checks)."""
    return (not info.exists and info.file_okay and info.dir_okay and not info.writable and info.readable
            and not info.resolve_path and not info.allow_dash and info.path_type is None)


class _Deferred:
    """Stands in for a parameter's runtime coercer until a value needs one."""

    __slots__ = ("build",)

    def __init__(self, build):
        self.build = build

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # what Typer's RuntimeParam.coerce returns for a missing value
            return () if (param.multiple or param.nargs == -1) else None
        if not (param.multiple or param.nargs != 1):
            plain = plain_value(value, param.type_descriptor)
            if plain is not MISS:
                return plain
        return self.build().coerce(value, param=param, ctx=ctx)


def apply() -> bool:
    """Patch Typer's parameter class once; return whether it was patched (False on other Typer versions)."""
    try:
        from typer.core import _TyperParameter
    except ImportError:  # pragma: no cover - depends on the installed Typer
        return False
    original = getattr(_TyperParameter, "get_runtime_param", None)
    if original is None:  # pragma: no cover - depends on the installed Typer
        return False
    if getattr(original, "_opcheck", False):
        return True

    def get_runtime_param(self):
        if getattr(self, "_runtime_param", None) is None:
            return _Deferred(lambda: original(self))
        return original(self)

    get_runtime_param._opcheck = True
    _TyperParameter.get_runtime_param = get_runtime_param
    return True
