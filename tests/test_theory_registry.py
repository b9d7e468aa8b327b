"""The registry's formulas against hand-computed values, exponents as sympy limits,
the SGD variant at b = n, and the derivation of ξ from condition (9)."""
from __future__ import annotations

import math

import pytest
import sympy as sp

from opcheck.errors import InputError
from opcheck.theory import registry as R
from opcheck.theory import symbols as S
from opcheck.theory.evaluate import evaluate, exponent_in_n

# n = 10^4, d0 = 100, C = 2, λ0 = 1/4, δ = 1/10, L = 3, b = 100, ξ = 7, σ_max = 3, σ_min = 1/2
VALUES = {S.n: 10_000, S.d0: 100, S.d2: 1, S.C: 2, S.C20: 2, S.C21: 2, S.lambda0: 0.25, S.delta: 0.1, S.L: 3, S.b: 100, S.xi: 7, S.sigma_max: 3, S.sigma_min: 0.5}

# each by hand from the formula in theory.md
HAND = {
    "song2021-20": 2 * 7 * 9 * 100 / 0.125,  # C ξ σ_max² √n / σ_min³ = 100 800
    "song2021-21": 2 * 1e6 / 100,  # C n^{3/2}/d0 = 20 000
    "sgd": 2 * 7 * 9 * 1e4 / (0.125 * 10),  # C ξ σ_max² m/(σ_min³ √b) = 1 008 000
    "sgd-headline": 2 * 1e8 / (10 * 100),  # C m²/(√b d0) = 200 000
    "oymak2020": 2 * 1e8 / 100,  # C n²/d0
    "kawaguchi2019": 2 * 1e4 / 100,  # the text: Omega~(n) parameters -> width n/d0
    "song-yang2019": 2 * 1e8 / 100,  # the text: Omega~(n^2) parameters -> width n^2/d0
    "du2019": 2 * 1e24 / (0.25**4 * 0.1**3),  # = 5.12e29
    "zou-gu2019": 2 * 1e32 * 531_441 / 101,  # 3^12 = 531 441 total parameters, width = parameters/(d0 + d2)
    "allen-zhu2019": 2 * 1e96 * 531_441 / 101,
    "nguyen-mondelli2020": 2 * 1e4,
    "bombari2022": 2 * 1e4 / 100,  # later work: Omega~(n) parameters -> width n/d0
}

STATED = {"song2021-20": 1.5, "song2021-21": 1.5, "sgd": 2, "sgd-headline": 2, "oymak2020": 2, "kawaguchi2019": 1,
          "song-yang2019": 2, "du2019": 6, "zou-gu2019": 8, "allen-zhu2019": 24, "nguyen-mondelli2020": 1,
          "bombari2022": 1}


def test_registry_covers_every_entry_of_the_issue():
    assert set(HAND) == {th.key for th in R.WIDTH_THEOREMS}
    assert {f.key for f in R.FRAMEWORK} == {"condition-9", "step-size-13", "rate-14", "radius-lemma1", "alpha-f", "beta-f"}
    assert HAND["du2019"] == pytest.approx(5.12e29)


@pytest.mark.parametrize("key", sorted(HAND))
def test_width_formula_matches_hand_value(key):
    got = evaluate(R.width_theorem(key).width, VALUES)
    assert got.value == pytest.approx(HAND[key], rel=1e-12)
    assert got.log10 == pytest.approx(math.log10(HAND[key]), abs=1e-12)


@pytest.mark.parametrize("key", sorted(HAND))
def test_exponent_is_the_sympy_limit_and_matches_the_statement(key):
    th = R.width_theorem(key)
    exp = exponent_in_n(th.width)  # lim n d/dn log(width) under the §5.3 order analysis, b fixed
    assert exp == th.stated_exponent
    assert float(exp) == STATED[key]
    # independent: finite difference of log width between n = 1e6 and 1e7 (monomials: exact)
    vals = {k: v for k, v in VALUES.items() if k not in (S.sigma_max, S.sigma_min)}
    expr = th.width.subs(S.ORDER_ANALYSIS)
    lo = evaluate(expr, {**vals, S.n: 10**6}).log10
    hi = evaluate(expr, {**vals, S.n: 10**7}).log10
    assert hi - lo == pytest.approx(STATED[key], abs=1e-9)


def test_exponent_of_sgd_at_full_batch_is_three_halves():
    assert exponent_in_n(R.width_theorem("sgd").width, {**S.ORDER_ANALYSIS, S.b: S.n}) == sp.Rational(3, 2)


def test_sgd_variant_at_b_equal_n_is_eq20_and_its_headline_is_eq21():
    sgd, eq20 = R.width_theorem("sgd").width, R.width_theorem("song2021-20").width
    assert sp.simplify(sgd.subs(S.b, S.n) - eq20) == 0
    head, eq21 = R.width_theorem("sgd-headline").width, R.width_theorem("song2021-21").width
    assert sp.simplify(head.subs(S.b, S.n) - eq21) == 0
    # and numerically at b = n = 10^4
    vals = {**VALUES, S.b: 10_000}
    assert evaluate(sgd, vals).value == pytest.approx(HAND["song2021-20"], rel=1e-14)


def test_headline_is_eq20_under_the_order_analysis_when_c21_is_c20_xi():
    """Derived relation of the constants model: (21) at C21 equals (20) under the order analysis iff C21 = C20 xi."""
    eq20 = R.width_theorem("song2021-20").width.subs(S.ORDER_ANALYSIS)
    assert sp.simplify(eq20 - R.width_theorem("song2021-21").width.subs(S.C21, S.C20 * S.xi)) == 0


def test_parameter_counts_by_hand():
    vals = {S.d1: 10, S.d0: 100, S.d2: 1, S.L: 3}
    assert evaluate(R.SHALLOW_PARAMS, vals).value == 10 * 100 + 1 * 10
    assert evaluate(R.DEEP_PARAMS, vals).value == 100 * 10 + 2 * 10 * 10 + 10 * 1
    assert evaluate(R.DEEP_PARAMS, {**vals, S.L: 1}).value == evaluate(R.SHALLOW_PARAMS, vals).value


def test_xi_formula_by_hand():
    got = float(R.XI.subs({S.c0: 0.5, S.ct: 0.25, S.t: 3}))
    assert got == pytest.approx(0.5 * 6**1.5 / (math.sqrt(2) * 0.25**3), rel=1e-14)  # xi includes 1/sqrt(alpha_f)
    assert got == pytest.approx(470.3020306143702 / math.sqrt(2), rel=1e-12)


def test_framework_formulas_by_hand():
    f = {x.key: x for x in R.FRAMEWORK}
    vals = {S.h0: 2, S.beta: 3, S.nu: 5, S.alpha_f: 2, S.mu: 1.5, S.C9: 1}
    assert evaluate(f["condition-9"].value, vals).value == pytest.approx(2 * 9 * 25 / (2 * 1.5**6))
    vals = {S.C13: 1, S.C14: 0.25, S.mu: 2, S.beta: 3, S.h0: 4, S.beta_f: 2, S.nu: 5, S.alpha_f: 2}
    eta = 4 / (3 * 2 * 2 + 3 * 4 + 2 * 25)  # C13 μ²/(β 2√h0 + β μ² + β_f ν²) = 4/74
    assert evaluate(f["step-size-13"].value, vals).value == pytest.approx(eta)
    # C14 enters once, C13 once (inside eta): no constant squared (defect 2)
    assert evaluate(f["rate-14"].value, vals).value == pytest.approx(1 - 0.25 * eta * 2 * 4)
    assert evaluate(f["rate-14"].value, {**vals, S.C13: 2}).value == pytest.approx(1 - 0.25 * 2 * eta * 2 * 4)
    assert evaluate(f["radius-lemma1"].value, vals).value == pytest.approx(2 / 6)
    assert evaluate(f["alpha-f"].value, {}).value == 2 and evaluate(f["beta-f"].value, {}).value == 2
    assert f["alpha-f"].source == R.DERIVED and f["beta-f"].source == R.DERIVED
    # the rate statement is (1 - C14 η α_f μ²)^i h0
    rate = f["rate-14"].rhs.subs({S.C14: 1, S.eta: 0.1, S.alpha_f: 2, S.mu: 1, S.i: 3, S.h0: 5})
    assert float(rate) == pytest.approx(0.8**3 * 5)


def test_xi_is_what_condition_9_gives_under_the_order_analysis():
    """theory.md §5 [derived]: (9) with h0 ≃ σ_max², μ² ≃ d1 c_t²/t! σ_min², ν² ≃ c0² d1 n, β ≃ σ_max
    solved for d1 is ξ σ_max² √n / σ_min³ times 1/√C9 (ξ carries 1/√α_f): (20) at C20 = 1/√C9 is (9) at C9."""
    cond = next(f for f in R.FRAMEWORK if f.key == "condition-9")
    eq = sp.Eq(cond.lhs, cond.rhs).subs(R.FRAMEWORK_ORDER_ANALYSIS)
    sols = [s for s in sp.solve(eq, S.d1) if s.is_positive is not False]
    assert len(sols) == 1
    target = R.XI * S.sigma_max**2 * sp.sqrt(S.n) / S.sigma_min**3
    assert sp.simplify(sols[0] / target - 1 / sp.sqrt(S.C9)) == 0


def test_provenance_fields():
    for th in R.WIDTH_THEOREMS:
        assert th.source in R.SOURCES and th.parts and th.citation
        assert th.this_paper == th.key.startswith(("song2021", "sgd"))
        if th.source == R.SCALING:
            assert all(p.source == R.SCALING for p in th.parts)
    assert [th.key for th in R.WIDTH_THEOREMS if th.reference] == ["song2021-21"]
    assert R.width_theorem("song2021-20").uses_xi and not R.width_theorem("song2021-21").uses_xi
    described = R.width_theorem("du2019").describe()
    assert described["formula"] == "C*n**6/(delta**3*lambda_0**4)" and "\\lambda_{0}" in described["latex"]


def test_select_filters_and_rejects_unknown_names():
    widths, frames = R.select([])
    assert len(widths) == len(R.WIDTH_THEOREMS) and len(frames) == len(R.FRAMEWORK)
    widths, frames = R.select(["DU2019", "condition-9"])
    assert [w.key for w in widths] == ["du2019"] and [f.key for f in frames] == ["condition-9"]
    with pytest.raises(InputError, match="unknown theorem 'nope'"):
        R.select(["nope"])
