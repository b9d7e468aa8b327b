"""The result objects of the Python API (:mod:`opcheck.api`): views of a command's JSON document.

Each wraps the document a command prints with ``--json`` (plain data, the same keys)
and the typed results behind it; it formats and never computes: ``to_dict()``,
``to_json()`` (strict JSON, ``schema_version`` first), ``_repr_html_()`` (a compact
table for Jupyter, :mod:`opcheck.render.html_summary`) and a one-line ``repr``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opcheck._runtime.serialize import dumps, internal
from opcheck.errors import InputError

__all__ = ["BoundResult", "ReportResult", "VerifyResult"]


@dataclass(frozen=True)
class _Document:
    document: dict
    schema_version: int | None = None

    def to_dict(self) -> dict:
        """The command's JSON document as plain data (strict-JSON safe: no inf/nan)."""
        return json.loads(self.to_json())

    def to_json(self, indent: int | None = 2) -> str:
        """Strict JSON text, exactly what the command prints with ``--json``."""
        doc = self.document if self.schema_version is None else {"schema_version": self.schema_version, **self.document}
        return dumps(doc, indent=indent)


@dataclass(frozen=True)
class VerifyResult(_Document):
    """The hypotheses of Theorem 3 at Θ0 (and, from :func:`train`, the conclusions).

    Attributes
    ----------
    all_hold : bool
        Every checked condition holds (the command's exit status 0).
    conditions : list of dict
        One row per condition: ``name``, ``equation``, ``value``, ``relation``,
        ``threshold``, ``holds`` (``None`` = informational), ``source``, ``margin``.
    quantities : dict
        Every reported number by key (``mu_phi``, ``sigma_min_jacobian``, ``c_needed``, ...).
    hypotheses, conclusions
        The typed results of :mod:`opcheck.checks` (Θ0 is ``hypotheses.params``).
    """

    hypotheses: Any = internal(default=None)
    conclusions: Any = internal(default=None)

    @property
    def all_hold(self) -> bool:
        return bool(self.document["all_hold"])

    @property
    def conditions(self) -> list[dict]:
        return self.to_dict()["conditions"]

    @property
    def quantities(self) -> dict:
        return self.to_dict()["quantities"]

    @property
    def training(self) -> dict | None:
        """The gradient-descent record (``None`` unless from :func:`train`)."""
        return self.to_dict().get("training")

    def _repr_html_(self) -> str:
        from opcheck.render.html_summary import verify_table

        return verify_table(self.to_dict())

    def __repr__(self) -> str:
        d = self.document.get("data", {})
        held = sum(1 for c in self.document["conditions"] if c.get("holds"))
        counted = sum(1 for c in self.document["conditions"] if c.get("holds") is not None)
        return f"<VerifyResult n={d.get('n')} d0={d.get('d0')} d1={d.get('d1')}: {held} of {counted} conditions hold>"


@dataclass(frozen=True)
class BoundResult(_Document):
    """The width each theorem requires (``opcheck bound``); ``report`` is the typed result."""

    report: Any = internal(default=None)

    def width(self, key: str) -> int | float | None:
        """The required width of one registry entry, e.g. ``"song2021-21"``: the integer ⌈d1⌉ the table shows
        (a float beyond 2^53, ``None`` beyond float range; the real value is ``required_width_exact`` in ``to_dict()``)."""
        for row in self.to_dict()["theorems"]:
            if row["key"] == key:
                return row["required_width"]
        raise InputError(f"no theorem '{key}' in this result; it has: {', '.join(r['key'] for r in self.to_dict()['theorems'])}")

    def _repr_html_(self) -> str:
        from opcheck.render.html_summary import bound_table

        return bound_table(self.to_dict())

    def __repr__(self) -> str:
        return f"<BoundResult {len(self.document['theorems'])} theorems, solve_for={self.document['solve_for']}>"


@dataclass(frozen=True)
class ReportResult(_Document):
    """A written report: ``path`` is the folder (report.html, report.md, results.json, plots)."""

    path: Path | None = None

    def _repr_html_(self) -> str:
        from opcheck.render.html_summary import report_table

        return report_table(self.to_dict(), str(self.path))

    def __repr__(self) -> str:
        return f"<ReportResult {self.path}: {len(self.document.get('findings', []))} findings>"
