"""``--json``: one strict-JSON object on stdout and nothing else.

The serialisation itself is :mod:`opcheck._runtime.serialize` (one walk for every
result); this module adds the ``schema_version`` of each command's document.
Readers should check it: a key is only ever renamed or removed together with a
new version (docs/report-format.md lists the history).
"""
from __future__ import annotations

import sys
from typing import Any

from opcheck._runtime.serialize import dumps as _dumps

__all__ = ["BOUND_SCHEMA_VERSION", "VERIFY_SCHEMA_VERSION", "dumps", "emit"]

#: version of the ``opcheck verify --json`` document
VERIFY_SCHEMA_VERSION = 2
#: version of the ``opcheck bound --json`` document
BOUND_SCHEMA_VERSION = 2


def dumps(obj: Any, *, schema_version: int | None = None) -> str:
    """Strict JSON (no NaN/Infinity tokens), keys in the order built.

    With ``schema_version``, a dict gets that key first.

    >>> print(dumps({"x": float("inf")}, schema_version=1))
    {
      "schema_version": 1,
      "x": null
    }
    """
    if schema_version is not None and isinstance(obj, dict):
        obj = {"schema_version": schema_version, **obj}
    return _dumps(obj)


def emit(obj: Any, *, schema_version: int | None = None) -> None:
    """Write the object to stdout followed by a newline."""
    sys.stdout.write(dumps(obj, schema_version=schema_version) + "\n")
    sys.stdout.flush()
