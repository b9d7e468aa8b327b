"""``--json``: one strict-JSON object on stdout and nothing else."""
from __future__ import annotations

import json
import sys
from typing import Any

from opcheck.checks.records import jsonable


def dumps(obj: Any) -> str:
    """Strict JSON (no NaN/Infinity tokens), stable key order as built."""
    return json.dumps(jsonable(obj), indent=2, allow_nan=False)


def emit(obj: Any) -> None:
    """Write the object to stdout followed by a newline."""
    sys.stdout.write(dumps(obj) + "\n")
    sys.stdout.flush()
