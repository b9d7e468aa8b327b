"""Where a report comes from: version, command, seeds, data hash, machine, libraries.

Everything here is deterministic for a given command on a given machine, so two
runs with the same seed produce the same ``provenance`` block (the creation time
lives with the timings, not here).
"""
from __future__ import annotations

import hashlib
import os
import platform
import sys
from dataclasses import dataclass
from importlib import metadata

import numpy as np

from opcheck import __version__

LIBRARIES = ("numpy", "scipy", "sympy", "matplotlib", "scikit-learn", "rich", "typer")


def array_sha256(*arrays: np.ndarray | None) -> str:
    """sha256 over dtype, shape and C-order bytes of each array (None hashes as a marker)."""
    h = hashlib.sha256()
    for a in arrays:
        if a is None:
            h.update(b"<none>")
            continue
        c = np.ascontiguousarray(a)
        h.update(f"{c.dtype.str}{c.shape}".encode())
        h.update(c.tobytes())
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries the numbers depend on, and Python's."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def machine() -> dict:
    """Platform and CPU count (the timings depend on them)."""
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python_implementation": platform.python_implementation(),
        "byteorder": sys.byteorder,
    }


@dataclass(frozen=True)
class Provenance:
    """The provenance block of a report."""

    opcheck_version: str
    command_line: str
    options: dict
    seeds: dict
    data: dict
    machine: dict
    libraries: dict

    def as_dict(self) -> dict:
        return {
            "opcheck_version": self.opcheck_version,
            "command_line": self.command_line,
            "options": self.options,
            "seeds": self.seeds,
            "data": self.data,
            "machine": self.machine,
            "libraries": self.libraries,
        }


def collect(command_line: str, options: dict, seeds: dict, data: dict) -> Provenance:
    """Gather the provenance of one run (``data`` holds the hashes and the source)."""
    return Provenance(__version__, command_line, options, seeds, data, machine(), library_versions())
