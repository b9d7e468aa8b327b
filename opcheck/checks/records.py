"""Plain result records shared by every computation: quantities and conditions.

A :class:`Quantity` is a number with its provenance (``paper``, ``derived`` or
``measured``) and the equation it instantiates; a :class:`Condition` is a row
of the verdict: value, threshold, whether it holds (``None`` = informational),
source and a one-line detail.  Both serialise to JSON-safe dicts: non-finite
floats become ``null`` (strict JSON has no inf/NaN) with the reason in the note.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from opcheck._runtime.serialize import finite_or_none, to_data

SOURCES = ("paper", "derived", "measured", "user")


#: strict-JSON helpers, one definition for the package (:mod:`opcheck._runtime.serialize`)
json_float = finite_or_none
jsonable = to_data


@dataclass(frozen=True)
class Quantity:
    """A reported number with provenance."""

    value: float
    source: str  # paper | derived | measured | user
    equation: str  # e.g. "Lemma 3", "(9)", "theory.md §4"
    note: str = ""

    def as_dict(self) -> dict:
        return {"value": json_float(self.value), "source": self.source, "equation": self.equation, "note": self.note}


@dataclass(frozen=True)
class Condition:
    """One row of the verdict."""

    name: str
    equation: str
    value: Any
    threshold: Any
    holds: bool | None  # None = informational, not counted
    source: str
    detail: str = ""
    relation: str = "<="  # how value compares with threshold when it holds

    def margin(self) -> float | None:
        """How far the condition is from its threshold, as a ratio > 1 when it holds.

        For ``<=`` rows: threshold / value; for ``>=`` rows: value / threshold;
        None for informational or non-numeric rows and zero thresholds.
        """
        try:
            v, t = float(self.value), float(self.threshold)
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(v) and math.isfinite(t)) or self.relation not in ("<=", ">="):
            return None
        if self.relation == "<=":
            return t / v if v > 0 else None
        return v / t if t > 0 else None

    def as_dict(self) -> dict:
        return {
            "margin": json_float(self.margin()),
            "name": self.name,
            "equation": self.equation,
            "value": jsonable(self.value),
            "threshold": jsonable(self.threshold),
            "holds": self.holds,
            "source": self.source,
            "detail": self.detail,
            "relation": self.relation,
        }


def all_hold(conditions: list[Condition]) -> bool:
    """True when every counted condition holds (informational rows are skipped)."""
    return all(c.holds for c in conditions if c.holds is not None)
