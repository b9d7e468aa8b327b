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

from dataclasses import dataclass

import sympy as sp

from opcheck.errors import InputError
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

_EQ20 = S.C20 * S.xi * S.sigma_max**2 * sp.sqrt(S.n) / S.sigma_min**3
_EQ21 = S.C21 * S.n ** sp.Rational(3, 2) / S.d0
_SGD = S.C20 * S.xi * S.sigma_max**2 * S.n / (S.sigma_min**3 * sp.sqrt(S.b))
_SGD_HEADLINE = S.C21 * S.n**2 / (sp.sqrt(S.b) * S.d0)

_SMOOTH = "smooth (Assumption 2: phi(0)=0, bounded phi', phi'')"
_GAUSS = "Gaussian (17) with omega1*omega2 <~ 1/sqrt(d0 d1) (19)"

WIDTH_THEOREMS: tuple[WidthTheorem, ...] = (
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
    WidthTheorem(
        key="oymak2020",
        name="Oymak & Soltanolkotabi 2020",
        citation="S. Oymak, M. Soltanolkotabi, 'Toward moderate overparameterization: global convergence "
        "guarantees for training shallow neural networks', IEEE JSAIT 2020",
        trained="first layer",
        activation="smooth or ReLU",
        init="random Gaussian",
        setting="quadratic loss",
        width=S.C * S.n**2 / S.d0,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2); the theorem counts d0*d1 >~ n^2",
        source=PAPER,
        parts=(Part("d0 d1 >~ n^2", PAPER),),
        stated_exponent=sp.Integer(2),
    ),
    WidthTheorem(
        key="kawaguchi2019",
        name="Kawaguchi & Huang 2019",
        citation="K. Kawaguchi, J. Huang, 'Gradient descent finds global minima for generalizable deep "
        "neural networks of practical sizes', Allerton 2019",
        trained="last layer",
        activation="any",
        init="random",
        setting="convex Lipschitz loss",
        width=S.C * S.n / S.d0,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2); the paper's text reads Omega~(n) parameters, so d0 d1 >~ n",
        source=SCALING,
        parts=(Part("Omega~(n) parameters (Table 1: Omega(n))", SCALING),),
        stated_exponent=sp.Integer(1),
        note="read as the paper's text: Omega~(n) parameters, i.e. width n/d0 (sqrt(n) below (21))",
    ),
    WidthTheorem(
        key="song-yang2019",
        name="Song & Yang 2019",
        citation="Z. Song, X. Yang, 'Quadratic suffices for over-parametrization via matrix Chernoff bound', "
        "arXiv:1906.03593, 2019",
        trained="first layer",
        activation="ReLU",
        init="random Gaussian",
        setting="separable data",
        width=S.C * S.n**2 / S.d0,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2); the paper's text reads Omega~(n^2) parameters, so d0 d1 >~ n^2",
        source=SCALING,
        parts=(Part("Omega~(n^2) parameters (Table 1: Omega(n^2))", SCALING),),
        stated_exponent=sp.Integer(2),
        note="read as the paper's text: Omega~(n^2) parameters, as for Oymak & Soltanolkotabi",
    ),
    WidthTheorem(
        key="du2019",
        name="Du et al. 2019",
        citation="S. S. Du, X. Zhai, B. Poczos, A. Singh, 'Gradient descent provably optimizes "
        "over-parameterized neural networks', ICLR 2019",
        trained="first layer",
        activation="ReLU",
        init="random Gaussian, fixed random signs in layer 2",
        setting="separable data, quadratic loss",
        width=S.C * S.n**6 / (S.lambda0**4 * S.delta**3),
        parameters=SHALLOW_PARAMS,
        parameters_note="m (d0 + d2) [derived]",
        source=PAPER,
        parts=(
            Part("m = Omega(n^6 / (lambda0^4 delta^3))", PAPER),
            Part("lambda0 = lambda_min(H_inf) (--lambda0 or from --data)", PAPER),
        ),
        stated_exponent=sp.Integer(6),
        note="lambda0 is held fixed when solving for n (it depends on the data)",
    ),
    WidthTheorem(
        key="zou-gu2019",
        name="Zou & Gu 2019",
        citation="D. Zou, Q. Gu, 'An improved analysis of training over-parameterized deep neural "
        "networks', NeurIPS 2019",
        trained="all layers, depth L",
        activation="ReLU",
        init="random Gaussian",
        setting="separable data, quadratic loss",
        width=S.C * S.n**8 * S.L**12 / (S.d0 + S.d2),
        parameters=S.C * S.n**8 * S.L**12,
        parameters_note="the paper's text reads the scaling as the total number of parameters",
        source=SCALING,
        parts=(Part("Omega(n^8 L^12) total parameters", SCALING),),
        note="width = parameters/(d0 + d2): a depth-1 network with that many parameters; at depth L > 1 the per-layer width solves d0 d1 + (L-1) d1^2 + d1 d2 = parameters",
        stated_exponent=sp.Integer(8),
    ),
    WidthTheorem(
        key="allen-zhu2019",
        name="Allen-Zhu et al. 2019",
        citation="Z. Allen-Zhu, Y. Li, Z. Song, 'A convergence theory for deep learning via "
        "over-parameterization', ICML 2019",
        trained="all layers (SGD), depth L",
        activation="ReLU",
        init="random Gaussian",
        setting="separable data, quadratic loss",
        width=S.C * S.n**24 * S.L**12 / (S.d0 + S.d2),
        parameters=S.C * S.n**24 * S.L**12,
        parameters_note="the paper's text reads the scaling as the total number of parameters",
        source=SCALING,
        parts=(Part("Omega(n^24 L^12) total parameters", SCALING),),
        note="width = parameters/(d0 + d2): a depth-1 network with that many parameters; at depth L > 1 the per-layer width solves d0 d1 + (L-1) d1^2 + d1 d2 = parameters",
        stated_exponent=sp.Integer(24),
    ),
    WidthTheorem(
        key="nguyen-mondelli2020",
        name="Nguyen & Mondelli 2020",
        citation="Q. Nguyen, M. Mondelli, 'Global convergence of deep networks with one wide layer "
        "followed by pyramidal topology', NeurIPS 2020",
        trained="all layers",
        activation="smooth",
        init="lazy (LeCun-type) initialization, pyramidal widths",
        setting="quadratic loss, lazy regime",
        width=S.C * S.n,
        parameters=SHALLOW_PARAMS,
        parameters_note="first wide layer and output only: d1 (d0 + d2), a lower bound [derived]",
        source=SCALING,
        parts=(Part("subquadratic (the paper's words); '~ n' is Rolland et al.'s reading", SCALING),),
        stated_exponent=sp.Integer(1),
        note="the paper calls it subquadratic; the width ~ n evaluated here is Rolland et al.'s reading, not this paper's",
    ),
)

# ----------------------------------------------------------------------------- framework
_h_i = sp.Symbol("h_i", positive=True)
_rho = sp.Symbol("rho", positive=True)
_C_needed = S.h0 * S.beta**2 * S.nu**2 / (S.alpha_f * S.mu**6)
_ETA = S.C13 * S.mu**2 / (S.beta * 2 * sp.sqrt(S.h0) + S.beta * S.mu**2 + S.beta_f * S.nu**2)

FRAMEWORK: tuple[FrameworkFormula, ...] = (
    FrameworkFormula(
        key="condition-9",
        name="condition (9), Theorems 1-2",
        citation=THIS_PAPER + ", Theorems 1-2, condition (9)",
        lhs=S.h0,
        relation="<=",
        rhs=S.C9 * S.alpha_f * S.mu**6 / (S.beta**2 * S.nu**2),
        value=_C_needed,
        value_name="implied constant C9* = h0 beta^2 nu^2 / (alpha_f mu^6) (smaller is better)",
        source=PAPER,
    ),
    FrameworkFormula(
        key="step-size-13",
        name="step size (13), Theorem 2",
        citation=THIS_PAPER + ", Theorem 2, eq. (13)",
        lhs=S.eta,
        relation="=",
        rhs=_ETA,
        value=_ETA,
        value_name="eta (with ||grad f(Phi(w0))|| = 2 sqrt(h0))",
        source=PAPER,
        note="printed as in the paper; ||grad f(Phi(w0))|| = 2 sqrt(h0) for f = ||Z - Y||_F^2",
    ),
    FrameworkFormula(
        key="rate-14",
        name="rate (14), Theorem 2",
        citation=THIS_PAPER + ", Theorem 2, eq. (14)",
        lhs=_h_i,
        relation="<=",
        rhs=(1 - S.C14 * S.eta * S.alpha_f * S.mu**2) ** S.i * S.h0,
        value=1 - S.C14 * _ETA * S.alpha_f * S.mu**2,
        value_name="per-step factor 1 - C14 eta alpha_f mu^2 at the eta of (13) (a rate only inside (0, 1))",
        source=PAPER,
        note="C14 = 1/4 [derived], C13 = 1; a value outside (0, 1) is flagged, never shown as a rate",
    ),
    FrameworkFormula(
        key="radius-lemma1",
        name="radius rho, Lemma 1",
        citation=THIS_PAPER + ", Lemma 1",
        lhs=_rho,
        relation="=",
        rhs=S.mu / (2 * S.beta),
        value=S.mu / (2 * S.beta),
        value_name="rho (mu/2 <= sigma_min <= sigma_max <= 3 nu/2 inside ball(w0, rho))",
        source=PAPER,
    ),
    FrameworkFormula(
        key="alpha-f",
        name="PL constant alpha_f of f",
        citation="theory.md section 1: ||grad f||^2 = 4 f for f(Z) = ||Z - Y||_F^2",
        lhs=S.alpha_f,
        relation="=",
        rhs=sp.Integer(2),
        value=sp.Integer(2),
        value_name="alpha_f",
        source=DERIVED,
    ),
    FrameworkFormula(
        key="beta-f",
        name="smoothness beta_f of f",
        citation="theory.md section 1: f(Z) = ||Z - Y||_F^2 has Hessian 2 I",
        lhs=S.beta_f,
        relation="=",
        rhs=sp.Integer(2),
        value=sp.Integer(2),
        value_name="beta_f",
        source=DERIVED,
    ),
)

#: [derived] order analysis of the framework quantities for the shallow network
#: (theory.md §5): h0 ≃ σ_max(X)², μ² ≃ d1 c_t²/t! σ_min(X^{*t})², ν² ≃ c0² d1 n,
#: β ≃ σ_max(X), α_f = β_f = 2.
FRAMEWORK_ORDER_ANALYSIS = {
    S.h0: S.sigma_max**2,
    S.mu: sp.sqrt(S.d1 * S.ct**2 / sp.factorial(S.t)) * S.sigma_min,
    S.nu: S.c0 * sp.sqrt(S.d1 * S.n),
    S.beta: S.sigma_max,
    S.alpha_f: sp.Integer(2),
    S.beta_f: sp.Integer(2),
}

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
