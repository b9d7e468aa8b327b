"""The building blocks of the theorem registry: provenance labels, records and shared expressions.

:class:`Part`, :class:`WidthTheorem`, :class:`FrameworkFormula`; the parameter
counts of the shallow and deep networks; ξ of (20) [derived].  The rows
themselves are in :mod:`opcheck.theory.registry` (this paper),
:mod:`opcheck.theory.prior_results` (Table 1) and :mod:`opcheck.theory.framework`.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from opcheck.theory import symbols as S

PAPER = "paper"
DERIVED = "derived"
SCALING = "scaling only, constant 1"
SOURCES = (PAPER, DERIVED, SCALING)

THIS_PAPER = (
    "C. Song, A. Ramezani-Kebrya, T. Pethick, A. Eftekhari, V. Cevher, "
    "'Subquadratic Overparameterization for Shallow Neural Networks', NeurIPS 2021"
)


@dataclass(frozen=True)
class Part:
    """One ingredient of a formula and where it comes from."""

    what: str
    source: str  # paper | derived | scaling only, constant 1 | user

    def as_dict(self) -> dict:
        return {"what": self.what, "source": self.source}


@dataclass(frozen=True)
class WidthTheorem:
    """A width requirement ``d1 ≥ width`` with its provenance.

    ``width`` is a sympy expression in :mod:`opcheck.theory.symbols`;
    ``parameters`` is the parameter count of the network at width ``S.d1``;
    ``stated_exponent`` is the exponent in n the source states (under the §5.3
    order analysis, batch size held fixed), which the tests compare with the
    limit of d log(width)/d log(n).
    """

    key: str
    name: str
    citation: str
    trained: str
    activation: str
    init: str
    setting: str
    width: sp.Expr
    parameters: sp.Expr
    parameters_note: str
    source: str
    parts: tuple[Part, ...]
    stated_exponent: sp.Rational
    this_paper: bool = False
    reference: bool = False
    note: str = ""

    @property
    def uses_xi(self) -> bool:
        return S.xi in self.width.free_symbols

    def describe(self) -> dict:
        """The theorem as plain data (no numbers from any input)."""
        return {
            "key": self.key,
            "name": self.name,
            "citation": self.citation,
            "trained": self.trained,
            "activation": self.activation,
            "init": self.init,
            "setting": self.setting,
            "formula": sp.sstr(self.width),
            "latex": S.latex(self.width),
            "parameters_formula": sp.sstr(self.parameters),
            "parameters_note": self.parameters_note,
            "source": self.source,
            "parts": [p.as_dict() for p in self.parts],
            "stated_exponent_n": str(self.stated_exponent),
            "this_paper": self.this_paper,
            "note": self.note,
        }


@dataclass(frozen=True)
class FrameworkFormula:
    """A formula of the generic framework: ``lhs relation rhs`` (theory.md §3).

    ``value`` is the expression opcheck evaluates under the order analysis of
    :data:`FRAMEWORK_ORDER_ANALYSIS` (e.g. the implied constant of (9)), with
    ``value_name`` saying what it is.
    """

    key: str
    name: str
    citation: str
    lhs: sp.Expr
    relation: str  # "<=" or "="
    rhs: sp.Expr
    value: sp.Expr
    value_name: str
    source: str
    note: str = ""

    @property
    def statement(self) -> sp.Basic:
        if self.relation == "<=":
            return sp.Le(self.lhs, self.rhs, evaluate=False)
        return sp.Eq(self.lhs, self.rhs, evaluate=False)


# --------------------------------------------------------------------- parameter counts
#: x ↦ V φ(W x): d1·d0 + d2·d1 weights (no bias) [paper, eq. (15)].
SHALLOW_PARAMS = S.d1 * (S.d0 + S.d2)
#: depth-L fully connected, width d1, no bias: d0·d1 + (L−1)·d1² + d1·d2 [derived].
DEEP_PARAMS = S.d0 * S.d1 + (S.L - 1) * S.d1**2 + S.d1 * S.d2

#: ξ of (20) [derived]: ξ_t = c0 (t!)^{3/2} / (√α_f |c_t|³), α_f = 2 (docs/theory.md §5):
#: with it, (20) at constant C20 gives (9)'s implied constant 1/C20² under the order analysis.
XI = S.c0 * sp.factorial(S.t) ** sp.Rational(3, 2) / (sp.sqrt(2) * S.ct**3)
