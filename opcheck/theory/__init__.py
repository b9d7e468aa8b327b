"""Symbolic side of opcheck: the width bounds of theory.md §3, §5, §6 and §8.

Catalogue
---------
symbols
    the named sympy symbols (n, d0, d1, t, λ0, δ, L, b, C, ξ, σ_max(X), σ_min(X^{*t}), …)
    and the §5.3 order-analysis substitutions
registry
    every theorem as data (:class:`~opcheck.theory.registry.WidthTheorem`) and the
    framework formulas (9), (13), (14), ρ of Lemma 1, α_f = β_f = 2
xi
    ξ_t = c0 (t!)^{3/2}/(√α_f |c_t|³) of (20) [derived] at unit scale and at scale ω1
evaluate
    numeric evaluation, exponents in n as sympy limits, solve for n (sympy, then brentq)
data_inputs
    σ_max(X), σ_min(X^{*t}) and λ0 of the ReLU NTK from a data set
request, compute, bound_result
    the ``opcheck bound`` inputs, their evaluation, and the plain result records
"""
