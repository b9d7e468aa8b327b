"""The generic framework as data (theory.md §3, §10): (9), (13), (14), ρ of Lemma 1, α_f = β_f = 2.

Each O(·) carries its own constant (C9, C13, C14; theory.md §10).  ``value`` is
what opcheck evaluates under :data:`FRAMEWORK_ORDER_ANALYSIS`.
"""
from __future__ import annotations

import sympy as sp

from opcheck.theory import symbols as S
from opcheck.theory.entries import DERIVED, PAPER, THIS_PAPER, FrameworkFormula

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
