"""The named sympy symbols of the width bounds (theory.md §3, §5, §6, §8).

Every symbol is positive (widths, sample counts, constants and spectra are), so
sympy can simplify powers and take limits without case splits.

================  ==========================================================
symbol            meaning
================  ==========================================================
``n``             number of samples (the SGD variant's m is this n)
``d0``            input dimension
``d1``            width (hidden units; m in Du et al.)
``d2``            output dimension
``t``             Khatri–Rao power of (20)
``lambda0``       λ0 = λ_min of the infinite-width ReLU NTK Gram (Du et al.)
``delta``         failure probability δ of Du et al.
``L``             depth (hidden layers) of Zou & Gu, Allen-Zhu et al.
``b``             batch size of the SGD variant (§6)
``C``             a prior result's unstated constant (evaluated as 1 and said so)
``C9`` … ``C21``  this paper's constants of (9), (13), (14), (20), (21) (docs/theory.md)
``xi``            ξ of (20) [derived value, see :mod:`opcheck.theory.xi`]
``sigma_max``     σ_max(X)
``sigma_min``     σ_min(X^{*t})
``c0``, ``ct``    Hermite coefficients c_0 and c_t of φ
``h0`` …          framework quantities of Theorems 1–2 and Lemma 1
================  ==========================================================

:data:`ORDER_ANALYSIS` are the §5.3 assumptions σ_max(X) ≃ √(n/d0) and
σ_min(X^{*t}) ≃ 1 [paper], used whenever no data are given and always for the
exponent in n.
"""
from __future__ import annotations

import sympy as sp

n = sp.Symbol("n", positive=True)
d0 = sp.Symbol("d_0", positive=True)
d1 = sp.Symbol("d_1", positive=True)
d2 = sp.Symbol("d_2", positive=True)
t = sp.Symbol("t", positive=True, integer=True)
lambda0 = sp.Symbol("lambda_0", positive=True)
delta = sp.Symbol("delta", positive=True)
L = sp.Symbol("L", positive=True)
b = sp.Symbol("b", positive=True)
C = sp.Symbol("C", positive=True)  # a prior result's unstated constant (evaluated as 1)
# this paper's constants, one per O/Omega statement (docs/theory.md, the constants model)
C9 = sp.Symbol("C_9", positive=True)
C13 = sp.Symbol("C_13", positive=True)
C14 = sp.Symbol("C_14", positive=True)
C20 = sp.Symbol("C_20", positive=True)
C21 = sp.Symbol("C_21", positive=True)
xi = sp.Symbol("xi", positive=True)
sigma_max = sp.Symbol("sigma_max", positive=True)
sigma_min = sp.Symbol("sigma_min", positive=True)
c0 = sp.Symbol("c_0", positive=True)
ct = sp.Symbol("c_t", positive=True)  # stands for |c_t|

# framework quantities (theory.md §3)
h0 = sp.Symbol("h_0", positive=True)
mu = sp.Symbol("mu", positive=True)
nu = sp.Symbol("nu", positive=True)
beta = sp.Symbol("beta", positive=True)
alpha_f = sp.Symbol("alpha_f", positive=True)
beta_f = sp.Symbol("beta_f", positive=True)
eta = sp.Symbol("eta", positive=True)
i = sp.Symbol("i", nonnegative=True, integer=True)

#: §5.3 order analysis [paper]: σ_max(X) ≃ √(n/d0), σ_min(X^{*t}) ≃ 1.
ORDER_ANALYSIS = {sigma_max: sp.sqrt(n / d0), sigma_min: sp.Integer(1)}

#: LaTeX names that say what the spectra are of.
LATEX_NAMES = {
    sigma_max: r"\sigma_{\max}(X)",
    sigma_min: r"\sigma_{\min}(X^{*t})",
    c0: "c_0",
    ct: r"|c_t|",
}

#: CLI/JSON input name → symbol.
BY_NAME = {
    "n": n,
    "d0": d0,
    "d1": d1,
    "d2": d2,
    "t": t,
    "lambda0": lambda0,
    "delta": delta,
    "L": L,
    "b": b,
    "C": C,
    "C9": C9,
    "C13": C13,
    "C14": C14,
    "C20": C20,
    "C21": C21,
    "xi": xi,
    "sigma_max": sigma_max,
    "sigma_min": sigma_min,
}

LEGEND = (
    "sigma_max = sigma_max(X), sigma_min = sigma_min(X^{*t}) (Khatri-Rao power), "
    "xi = xi(t, phi, c_i) of (20), C_9 = constant of (9) (--constant), C_20 = 1/sqrt(C_9), C_21 = 1/sqrt(C_9), "
    "C_13 = 1, C_14 = 1/4 (docs/theory.md), C = a prior result's unstated constant (1), "
    "lambda_0 = lambda_min(H_inf), delta = failure probability, L = depth, b = batch size"
)


def latex(expr: sp.Basic) -> str:
    """LaTeX of ``expr`` with the spectra written out (σ_max(X), σ_min(X^{*t}))."""
    return sp.latex(expr, symbol_names=LATEX_NAMES)


def pretty(expr: sp.Basic) -> str:
    """Unicode pretty-print of ``expr`` (sympy's 2-D layout)."""
    return sp.pretty(expr, use_unicode=True)
