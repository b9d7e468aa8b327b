"""Plain, frozen result records of ``opcheck bound`` (JSON-able via ``as_dict``).

Renderers read these and never compute; :mod:`opcheck.theory.compute` builds them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from opcheck.checks.conditions import ceil_width
from opcheck.theory.evaluate import Number
from opcheck.theory.xi import XiValue


def _num(x: Number | None) -> float | None:
    if x is None:
        return None
    return x.value if math.isfinite(x.value) else None


def _width(x: Number | None) -> int | float | None:
    """A width as the integer a network can have, ⌈x⌉ (what the tables show); None beyond float range."""
    return ceil_width(_num(x))


def _log(x: Number | None) -> float | None:
    return None if x is None else x.log10


def _f(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass(frozen=True)
class Value:
    """An input of the evaluation with its provenance.

    ``source``: ``user`` (a flag), ``default`` (documented default), ``data``
    (measured on --data), ``order analysis`` (§5.3 assumption), ``paper``, ``derived``.
    """

    name: str
    value: float | int | str | None
    source: str
    note: str = ""

    def as_dict(self) -> dict:
        v = _f(self.value) if isinstance(self.value, float) else self.value
        return {"value": v, "source": self.source, "note": self.note}


@dataclass(frozen=True)
class TheoremRow:
    """One width requirement evaluated at the inputs.

    In ``--solve-for d1`` mode ``required_width`` is the width the theorem asks
    for at n.  In ``--solve-for n`` mode ``solved_n`` is the largest n it
    certifies at the given width and ``required_width`` is its width at that n
    (the round trip; equal to the given width unless a cap applies).
    ``factor`` is relative to this paper's headline (21): width / width(21) in
    d1 mode, n(21) / n in n mode.
    """

    key: str
    name: str
    citation: str
    trained: str
    activation: str
    init: str
    setting: str
    source: str
    parts: tuple[dict, ...]
    formula: str
    latex: str
    pretty: str
    required_width: Number | None
    parameters: Number | None
    factor: float | None
    exponent_n: str
    this_paper: bool
    reference: bool
    note: str = ""
    t: int | None = None
    omega1_width: Number | None = None
    omega1_t: int | None = None
    omega1_note: str = ""
    solved_n: float | None = None
    omega1_solved_n: float | None = None
    solve_method: str = ""

    @property
    def exponent_value(self) -> float:
        num, _, den = self.exponent_n.partition("/")
        return float(num) / float(den or 1)

    def as_dict(self) -> dict:
        out = {
            "key": self.key,
            "name": self.name,
            "citation": self.citation,
            "trained": self.trained,
            "activation": self.activation,
            "init": self.init,
            "setting": self.setting,
            "source": self.source,
            "parts": list(self.parts),
            "formula": self.formula,
            "latex": self.latex,
            "required_width": _width(self.required_width),
            "required_width_exact": _num(self.required_width),
            "required_width_log10": _log(self.required_width),
            "parameters": _num(self.parameters),
            "parameters_log10": _log(self.parameters),
            "factor_vs_this_paper": _f(self.factor),
            "exponent_n": self.exponent_value,
            "exponent_n_exact": self.exponent_n,
            "this_paper": self.this_paper,
            "note": self.note,
        }
        if self.t is not None or self.omega1_width is not None or self.omega1_note:
            out["t"] = self.t
            out["required_width_omega1_scale"] = _width(self.omega1_width)
            out["required_width_omega1_scale_exact"] = _num(self.omega1_width)
            out["required_width_omega1_scale_log10"] = _log(self.omega1_width)
            out["omega1_t"] = self.omega1_t
            out["omega1_note"] = self.omega1_note
        if self.solve_method:
            out["solved_n"] = _f(self.solved_n)
            out["solved_n_floor"] = None if self.solved_n is None or not math.isfinite(self.solved_n) else int(math.floor(self.solved_n * (1 + 1e-12)))
            out["solved_n_omega1_scale"] = _f(self.omega1_solved_n)
            out["solve_method"] = self.solve_method
        return out


@dataclass(frozen=True)
class TRow:
    """ξ_t and (20) at one t, unit scale and ω1 scale [derived]."""

    t: int
    unit: XiValue
    omega1: XiValue
    sigma_min_assumed: float
    sigma_min_data: float | None
    width_unit: Number | None
    width_omega1: Number | None
    width_unit_assumed: Number | None  # order analysis, shown beside the data's value
    n_unit: float | None
    n_omega1: float | None
    note: str

    def as_dict(self) -> dict:
        return {
            "t": self.t,
            "unit_scale": self.unit.as_dict(),
            "omega1_scale": self.omega1.as_dict(),
            "sigma_min_xt_assumed": self.sigma_min_assumed,
            "sigma_min_xt_data": self.sigma_min_data,
            "required_width_unit": _width(self.width_unit),
            "required_width_unit_exact": _num(self.width_unit),
            "required_width_omega1": _width(self.width_omega1),
            "required_width_omega1_exact": _num(self.width_omega1),
            "required_width_unit_order_analysis": _width(self.width_unit_assumed),
            "required_width_unit_order_analysis_exact": _num(self.width_unit_assumed),
            "solved_n_unit": _f(self.n_unit),
            "solved_n_omega1": _f(self.n_omega1),
            "note": self.note,
        }


@dataclass(frozen=True)
class FrameworkRow:
    """A framework formula, with its value under the order analysis [derived] at this paper's width."""

    key: str
    name: str
    citation: str
    source: str
    formula: str
    latex: str
    pretty: str
    value: Number | None
    value_name: str
    note: str
    flag: str = ""  # set when the value is not what value_name says (e.g. (14)'s factor outside (0, 1))

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "flag": self.flag or None,
            "name": self.name,
            "citation": self.citation,
            "source": self.source,
            "formula": self.formula,
            "latex": self.latex,
            "value": None if self.value is None else (self.value.value if math.isfinite(self.value.value) else None),
            "value_name": self.value_name,
            "value_source": "derived (order analysis)" if self.value is not None and self.key not in ("alpha-f", "beta-f") else self.source,
            "formula_source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class Comparison:
    """An order-analysis assumption beside the data's own value."""

    quantity: str
    assumed: float | None
    assumed_source: str
    actual: float
    note: str = ""

    def as_dict(self) -> dict:
        return {"quantity": self.quantity, "assumed": _f(self.assumed), "assumed_source": self.assumed_source, "actual": _f(self.actual), "note": self.note}


@dataclass(frozen=True)
class BoundReport:
    """Everything ``opcheck bound`` shows."""

    solve_for: str
    inputs: tuple[Value, ...]
    theorems: tuple[TheoremRow, ...]
    per_t: tuple[TRow, ...]
    framework: tuple[FrameworkRow, ...]
    comparisons: tuple[Comparison, ...] = ()
    activation_notes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    legend: str = ""
    data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "command": "bound",
            "solve_for": self.solve_for,
            "inputs": {v.name: v.as_dict() for v in self.inputs},
            "theorems": [r.as_dict() for r in self.theorems],
            "per_t": [r.as_dict() for r in self.per_t],
            "framework": [r.as_dict() for r in self.framework],
            "data_vs_assumed": [c.as_dict() for c in self.comparisons],
            "activation_assumption_failures": list(self.activation_notes),
            "notes": list(self.notes),
            "legend": self.legend,
            "data": self.data,
        }
