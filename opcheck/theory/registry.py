"""The theorem registry: every width bound and framework formula as data.

A :class:`WidthTheorem` is one row of the comparison — this paper's (20) with the
derived ξ and its headline (21), the SGD variant (theory.md §6), and every row of
the paper's Table 1 (theory.md §8).  A :class:`FrameworkFormula` is one formula
of the generic framework (theory.md §3): condition (9), step size (13), rate
(14), radius ρ (Lemma 1) and α_f = β_f = 2.

Nothing here computes: :mod:`opcheck.theory.evaluate` evaluates, solves and
takes limits of these expressions.  Provenance follows theory.md: ``paper`` (the
formula is stated), ``derived`` (a part rests on opcheck's derivation, e.g. ξ),
``scaling only, constant 1`` (only the order in n is stated; opcheck evaluates
the scaling with constant C, default 1, and says so).
"""
from __future__ import annotations

import sympy as sp

from opcheck.errors import InputError
from opcheck.theory import symbols as S
from opcheck.theory.entries import (  # noqa: F401  (re-exported: the registry is the one import for callers)
    DEEP_PARAMS, DERIVED, PAPER, SCALING, SHALLOW_PARAMS, SOURCES, THIS_PAPER, XI, FrameworkFormula, Part, WidthTheorem,
)
from opcheck.theory.framework import FRAMEWORK, FRAMEWORK_ORDER_ANALYSIS  # noqa: F401  (re-exported)
from opcheck.theory.prior_results import LATER_WORK, PRIOR_RESULTS

_EQ20 = S.C20 * S.xi * S.sigma_max**2 * sp.sqrt(S.n) / S.sigma_min**3
_EQ21 = S.C21 * S.n ** sp.Rational(3, 2) / S.d0
_SGD = S.C20 * S.xi * S.sigma_max**2 * S.n / (S.sigma_min**3 * sp.sqrt(S.b))
_SGD_HEADLINE = S.C21 * S.n**2 / (sp.sqrt(S.b) * S.d0)

_SMOOTH = "smooth (Assumption 2: phi(0)=0, bounded phi', phi'')"
_GAUSS = "Gaussian (17) with omega1*omega2 <~ 1/sqrt(d0 d1) (19)"

THIS_PAPER_THEOREMS: tuple[WidthTheorem, ...] = (
    WidthTheorem(
        key="song2021-20",
        name="Song et al. 2021, Thm 3 (20)",
        citation=THIS_PAPER + ", Theorem 3, eq. (20)",
        trained="both layers (full-batch GD)",
        activation=_SMOOTH,
        init=_GAUSS,
        setting="quadratic loss (16), unit-norm samples",
        width=_EQ20,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2), eq. (15)",
        source=DERIVED,
        parts=(
            Part("form C xi sigma_max(X)^2 sqrt(n) / sigma_min(X^{*t})^3", PAPER),
            Part("xi = c0 (t!)^{3/2} / (sqrt(alpha_f) |c_t|^3)", DERIVED),
            Part("constant C20 = 1/sqrt(C9) (C9 = --constant)", DERIVED),
        ),
        stated_exponent=sp.Rational(3, 2),
        this_paper=True,
        note="xi is only in the paper's appendix; opcheck's xi is derived from (9) (theory.md section 5)",
    ),
    WidthTheorem(
        key="song2021-21",
        name="Song et al. 2021, headline (21)",
        citation=THIS_PAPER + ", section 5.3, eq. (21)",
        trained="both layers (full-batch GD)",
        activation=_SMOOTH,
        init=_GAUSS,
        setting="quadratic loss, n ~ d0^t, sigma_max(X) ~ sqrt(n/d0), sigma_min(X^{*t}) ~ 1",
        width=_EQ21,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2); d0*d1 = Omega~(n^{3/2}) [paper]",
        source=PAPER,
        parts=(Part("d1 >~ n^{3/2} / d0", PAPER), Part("constant C21 = 1/sqrt(C9) (C9 = --constant)", DERIVED)),
        stated_exponent=sp.Rational(3, 2),
        this_paper=True,
        reference=True,
    ),
    WidthTheorem(
        key="sgd",
        name="SGD variant (Rolland et al.)",
        citation="Rolland et al. (same group as " + THIS_PAPER.split(",")[0] + " et al.), SGD variant of Theorem 3",
        trained="both layers (SGD, batch b)",
        activation=_SMOOTH,
        init=_GAUSS,
        setting="quadratic loss, m = n samples, batch size b",
        width=_SGD,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2)",
        source=DERIVED,
        parts=(
            Part("form C xi sigma_max(X)^2 m / (sigma_min(X^{*t})^3 sqrt(b))", PAPER),
            Part("xi as in (20)", DERIVED),
        ),
        stated_exponent=sp.Integer(2),
        this_paper=True,
        note="reduces to (20) at b = n",
    ),
    WidthTheorem(
        key="sgd-headline",
        name="SGD variant, headline",
        citation="Rolland et al., SGD variant of Theorem 3, headline",
        trained="both layers (SGD, batch b)",
        activation=_SMOOTH,
        init=_GAUSS,
        setting="as (21), batch size b",
        width=_SGD_HEADLINE,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2)",
        source=PAPER,
        parts=(Part("d1 >~ m^2 / (sqrt(b) d0)", PAPER),),
        stated_exponent=sp.Integer(2),
        this_paper=True,
        note="reduces to (21) at b = n",
    ),
)

WIDTH_THEOREMS: tuple[WidthTheorem, ...] = THIS_PAPER_THEOREMS + PRIOR_RESULTS + LATER_WORK

KEYS: tuple[str, ...] = tuple(th.key for th in WIDTH_THEOREMS) + tuple(f.key for f in FRAMEWORK)


def width_theorem(key: str) -> WidthTheorem:
    for th in WIDTH_THEOREMS:
        if th.key == key:
            return th
    raise KeyError(key)


def select(names: tuple[str, ...] | list[str]) -> tuple[tuple[WidthTheorem, ...], tuple[FrameworkFormula, ...]]:
    """The entries named (case-insensitive keys); all of them when ``names`` is empty."""
    if not names:
        return WIDTH_THEOREMS, FRAMEWORK
    wanted = {nm.strip().lower() for nm in names}
    unknown = sorted(wanted - set(KEYS))
    if unknown:
        raise InputError(f"unknown theorem '{unknown[0]}'; choose from: {', '.join(KEYS)}")
    return (
        tuple(th for th in WIDTH_THEOREMS if th.key in wanted),
        tuple(f for f in FRAMEWORK if f.key in wanted),
    )
