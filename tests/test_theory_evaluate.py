"""Evaluation, solve-for-n (sympy and the brentq fallback), ξ from Hermite coefficients."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from numpy.polynomial import hermite_e
from scipy import integrate

from opcheck.model.activations import get_activation
from opcheck.errors import InputError
from opcheck.theory import registry as R
from opcheck.theory import symbols as S
from opcheck.theory.evaluate import evaluate, solve_for_n, solve_numeric, solve_symbolic
from opcheck.theory.xi import rank_allows, rank_cap, require_usable_t, xi_value

PARAMS = {S.d0: 784, S.d2: 1, S.C: 1.5, S.C20: 1.5, S.C21: 1.5, S.lambda0: 0.3, S.delta: 0.05, S.L: 2, S.b: 64, S.xi: 10.0}


def test_evaluate_beyond_float_range_keeps_log10():
    got = evaluate(R.width_theorem("allen-zhu2019").parameters, {S.C: 1, S.n: 10**17, S.L: 1})
    assert math.isinf(got.value) and got.log10 == pytest.approx(408.0, abs=1e-12)
    assert got.as_dict()["value"] is None


def test_evaluate_requires_every_symbol():
    with pytest.raises(ValueError, match="no value for"):
        evaluate(R.width_theorem("du2019").width, {S.n: 10})


@pytest.mark.parametrize("key", [th.key for th in R.WIDTH_THEOREMS])
@pytest.mark.parametrize("width", [4096.0, 3.7e7])
def test_solve_round_trip_and_fallback_agree(key, width):
    expr = R.width_theorem(key).width.subs(S.ORDER_ANALYSIS)
    sym = solve_symbolic(expr, width, PARAMS)
    num = solve_numeric(expr, width, PARAMS)
    assert sym.method == "sympy solve" and num.method.startswith("brentq")
    assert num.n == pytest.approx(sym.n, rel=1e-10)
    # round trip: the width at the solved n is the given width
    assert evaluate(expr, {**PARAMS, S.n: sym.n}).value == pytest.approx(width, rel=1e-12)


def test_solve_by_hand():
    # (21): C n^{3/2}/d0 = D1  ⇒  n = (D1 d0 / C)^{2/3}
    res = solve_for_n(R.width_theorem("song2021-21").width, 4096.0, {S.C21: 1, S.d0: 784})
    assert res.n == pytest.approx((4096 * 784) ** (2 / 3), rel=1e-12)
    # Du et al.: n = (D1 λ0⁴ δ³ / C)^{1/6}
    res = solve_for_n(R.width_theorem("du2019").width, 4096.0, {S.C: 1, S.lambda0: 0.5, S.delta: 0.1})
    assert res.n == pytest.approx((4096 * 0.5**4 * 0.1**3) ** (1 / 6), rel=1e-12)


def test_numeric_fallback_when_sympy_cannot_solve():
    expr = S.n ** sp.Rational(3, 2) + sp.sqrt(S.n) * sp.log(S.n)  # transcendental: sympy gives up
    res = solve_for_n(expr, 1000.0, {})
    assert res.method.startswith("brentq") and "sympy solve failed" in res.note
    n = res.n
    assert n**1.5 + math.sqrt(n) * math.log(n) == pytest.approx(1000.0, rel=1e-12)


def test_numeric_reports_no_root():
    res = solve_numeric(S.C * S.n, 1e-310, {S.C: 1})  # would need n below e^-690
    assert res.n is None and "no sign change" in res.note


# ------------------------------------------------------------------------- ξ
def _hermite_coeff(phi, i, scale):
    """Independent oracle: c_i(s) = ∫ φ(s g) He_i(g) ϕ(g) dg by adaptive quadrature."""
    he = np.zeros(i + 1)
    he[i] = 1.0
    f = lambda g: float(phi(np.array(scale * g))) * float(hermite_e.hermeval(g, he)) * math.exp(-g * g / 2) / math.sqrt(2 * math.pi)
    return integrate.quad(f, -40, 40, limit=400, epsabs=1e-14, epsrel=1e-12)[0]


def test_xi_gelu_against_theory_reference_values():
    gelu = get_activation("gelu")
    c0, c2, c4 = 0.2820948, 0.4231422, -0.3526185  # theory.md §2 oracles
    r2 = math.sqrt(2)  # xi carries 1/sqrt(alpha_f), alpha_f = 2
    assert xi_value(gelu, 2).xi == pytest.approx(c0 * 2**1.5 / c2**3 / r2, rel=1e-6)
    assert xi_value(gelu, 4).xi == pytest.approx(c0 * 24**1.5 / abs(c4) ** 3 / r2, rel=1e-6)
    assert xi_value(gelu, 1).xi == pytest.approx(c0 / 0.5**3 / r2, rel=1e-6)
    assert xi_value(gelu, 3).xi is None and "c_3 = 0" in xi_value(gelu, 3).note


@pytest.mark.parametrize("name,t,scale", [("gelu", 2, 1 / math.sqrt(784)), ("softplus", 2, math.sqrt(2 / 100)), ("silu", 4, 0.05), ("sigmoid", 1, 0.3)])
def test_xi_at_scale_omega1_against_quadrature(name, t, scale):
    act = get_activation(name)
    c0, ct = _hermite_coeff(act.phi, 0, scale), _hermite_coeff(act.phi, t, scale)
    got = xi_value(act, t, scale, "omega1")
    assert got.scale_label == "omega1" and got.c0 == pytest.approx(c0, rel=1e-8, abs=1e-14)
    assert got.xi == pytest.approx(abs(c0) * math.factorial(t) ** 1.5 / abs(ct) ** 3 / math.sqrt(2), rel=1e-6)


def test_xi_not_applicable_when_c0_is_zero():
    got = xi_value(get_activation("tanh"), 1)
    assert got.xi is None and "c_0 = 0" in got.note


def test_zero_coefficient_is_an_input_error_with_a_suggestion():
    with pytest.raises(InputError, match=r"c_3 of gelu is 0.*try --t 2"):
        require_usable_t(get_activation("gelu"), 3)
    with pytest.raises(InputError, match=r"c_4 of tanh is 0.*c_0 = 0 as well"):
        require_usable_t(get_activation("tanh"), 4)
    with pytest.raises(InputError, match="at least 1"):
        require_usable_t(get_activation("gelu"), 0)
    require_usable_t(get_activation("gelu"), 4)  # fine


def test_rank_bound_of_khatri_rao_powers():
    assert rank_cap(100, 2) == 5050 and rank_cap(784, 1) == 784
    assert rank_allows(5050, 100, 2) and not rank_allows(5051, 100, 2)
