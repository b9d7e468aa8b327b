"""Typer coerces a missing option value without building its pydantic adapter.

Typer (0.2x) converts every parameter's value through a pydantic ``TypeAdapter`` that it
builds the first time the parameter processes a value, even a missing one (``None``),
which needs no conversion (Typer's own coercer returns ``None``, or ``()`` for a
multi-value parameter, without consulting the adapter).  ``opcheck verify --help``
processes the root group's ``--install-completion``/``--show-completion`` (default
``None``) before the sub-command prints its help, and so imported pydantic, about a
third of the start-up, for nothing.  :func:`apply` defers the adapter until a value is
present; every value still goes through Typer's coercer unchanged.
"""
from __future__ import annotations

from typing import Any


class _Deferred:
    """Stands in for a parameter's runtime coercer until a value needs one."""

    __slots__ = ("build",)

    def __init__(self, build):
        self.build = build

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # what Typer's RuntimeParam.coerce returns for a missing value
            return () if (param.multiple or param.nargs == -1) else None
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
