"""Where the installed manuals are: ``docs/*.md`` ship inside the package as ``opcheck/_docs``.

In the repository ``opcheck/_docs/NAME.md`` is a symbolic link to ``docs/NAME.md``
(one text, no copy to drift); building a wheel or sdist stores the file itself
(``[tool.setuptools.package-data]`` in pyproject.toml).  ``opcheck docs`` and
:func:`opcheck.docs_path` print these paths.
"""
from __future__ import annotations

from pathlib import Path

from opcheck.errors import InputError

__all__ = ["MANUALS", "path"]

#: the manuals shipped with the package, in reading order
MANUALS = ("theory.md", "cli.md", "cluster.md", "numerics.md", "report-format.md", "findings-digits.md", "robustness.md")


def path(name: str = "theory.md") -> Path:
    """The installed path of ``docs/NAME`` (``.md`` may be omitted)."""
    key = name if name.endswith(".md") else f"{name}.md"
    if key not in MANUALS:
        raise InputError(f"no manual '{name}'; the package ships: {', '.join(MANUALS)}")
    where = Path(__file__).resolve().parent.parent / "_docs" / key
    if not where.exists():
        raise InputError(f"{key} is missing from this installation (expected at {where})")
    return where
