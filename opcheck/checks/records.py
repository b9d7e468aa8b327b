"""Typed result records shared by every check: quantities, conditions and their keys.

A :class:`Quantity` is a number with two provenance fields kept apart:

* ``formula_source`` — ``paper`` when the formula is stated in the paper,
  ``derived`` when it (or any quantity it is computed from) rests on opcheck's
  derivation (χ_max, α_f = β_f = 2, ξ, the constants model), ``none`` for a
  plain measurement with no formula of the paper behind it;
* ``value_source`` — ``measured`` when evaluated on the user's data and
  parameters, ``computed`` when it follows from constants and options alone.

A :class:`Condition` is one row of the verdict, keyed by :class:`ConditionKey`
(logic branches on the key, never on the display name).  Both serialise to
strict-JSON-safe dicts: non-finite floats become ``null``.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

from opcheck._runtime.serialize import finite_or_none, to_data

SOURCES = ("paper", "derived", "measured", "user")


class FormulaSource(str, enum.Enum):
    PAPER = "paper"
    DERIVED = "derived"
    NONE = "none"  # a plain measurement (a singular value, h0): no formula behind it


class ValueSource(str, enum.Enum):
    MEASURED = "measured"  # evaluated on the data and parameters in use
    COMPUTED = "computed"  # from constants and options only


class ConditionKey(str, enum.Enum):
    """Every verdict row opcheck can produce (the JSON field ``key``)."""

    DATA_ASSUMPTION_2 = "assumption2_data"
    ACTIVATION_ASSUMPTION_2 = "assumption2_activation"
    INIT_SCALE_19 = "init_scale_19"
    MU_PHI_POSITIVE = "mu_phi_positive"
    SIGMA_MIN_J_POSITIVE = "sigma_min_jacobian_positive"
    INITIAL_LOSS_9 = "initial_loss_9"
    STEP_SIZE_13 = "step_size_13"
    WIDTH_20 = "width_20"
    WIDTH_20_UNIT_SCALE = "width_20_unit_scale"
    HEADLINE_21 = "headline_21"
    # conclusions (verify --train)
    STAYED_IN_BALL = "stayed_in_ball"
    SIGMA_MIN_ALONG_GD = "sigma_min_along_gd"
    LINEAR_CONVERGENCE_14 = "linear_convergence_14"
    TOLERANCE_REACHED = "tolerance_reached"
    LIPSCHITZ_BELOW_BETA = "lipschitz_below_beta"
    TRAINING_STEP_13 = "training_step_13"


class Standing(str, enum.Enum):
    """What an uncounted row (``holds`` None) says about the run, as data (JSON ``standing``):
    renderers print the value, logic compares the member, never the text."""

    INSIDE_REGIME = "inside the theorem's regime"
    OUTSIDE_REGIME = "outside the theorem's regime: step above (13)'s"
    NOT_APPLICABLE_9_FAILS = "not applicable: (9) fails"


#: rows measured at Θ0 that are hypotheses of Theorem 3 (the width rows are predictions, (13) is a choice)
HYPOTHESIS_KEYS = frozenset({
    ConditionKey.DATA_ASSUMPTION_2, ConditionKey.ACTIVATION_ASSUMPTION_2, ConditionKey.INIT_SCALE_19,
    ConditionKey.MU_PHI_POSITIVE, ConditionKey.SIGMA_MIN_J_POSITIVE, ConditionKey.INITIAL_LOSS_9,
})


#: strict-JSON helpers, one definition for the package (:mod:`opcheck._runtime.serialize`)
json_float = finite_or_none
jsonable = to_data


def legacy_source(formula: FormulaSource, value: ValueSource) -> str:
    """The single ``source`` label kept in JSON for compatibility: the formula's source, or
    ``measured`` for a plain measurement."""
    return "measured" if formula is FormulaSource.NONE else formula.value


@dataclass(frozen=True)
class Quantity:
    """A reported number with provenance (see the module docstring)."""

    value: float
    formula_source: FormulaSource
    value_source: ValueSource
    equation: str  # e.g. "Lemma 3", "(9)"
    note: str = ""
    interval: tuple[float, float] | None = None  # certified [lo, hi] ∋ value (spectral quantities)

    @property
    def source(self) -> str:
        return legacy_source(self.formula_source, self.value_source)

    def as_dict(self) -> dict:
        return {
            "value": json_float(self.value),
            "interval": None if self.interval is None else [json_float(self.interval[0]), json_float(self.interval[1])],
            "source": self.source,
            "formula_source": self.formula_source.value,
            "value_source": self.value_source.value,
            "equation": self.equation,
            "note": self.note,
        }


@dataclass(frozen=True)
class Condition:
    """One row of the verdict; ``key`` identifies it, ``name`` only displays it."""

    key: ConditionKey
    name: str
    equation: str
    value: Any
    threshold: Any
    holds: bool | None  # None = informational, not counted
    source: str  # formula source of the statement checked: paper | derived
    detail: str = ""
    relation: str = "<="  # how value compares with threshold when it holds
    value_source: ValueSource = ValueSource.MEASURED
    standing: Standing | None = None  # for an uncounted row: what it means for this run (None: plain information)

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
            "key": self.key.value,
            "margin": json_float(self.margin()),
            "name": self.name,
            "equation": self.equation,
            "value": jsonable(self.value),
            "threshold": jsonable(self.threshold),
            "holds": self.holds,
            "source": self.source,
            "formula_source": self.source,
            "value_source": self.value_source.value,
            "detail": self.detail,
            "relation": self.relation,
            "standing": None if self.standing is None else self.standing.value,
        }


def all_hold(conditions: list[Condition]) -> bool:
    """True when every counted condition holds (informational rows are skipped)."""
    return all(c.holds for c in conditions if c.holds is not None)
