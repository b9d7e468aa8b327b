"""compute_bound end to end (no CLI): headline numbers, best t, data mode, solve-for-n round trips."""
from __future__ import annotations

import math

import numpy as np
import pytest

from opcheck.errors import InputError
from opcheck.theory.compute import compute_bound
from opcheck.theory.data_inputs import data_spectra
from opcheck.theory.request import BoundRequest

GELU_C0, GELU_C2, GELU_C4 = 0.2820948, 0.4231422, -0.3526185  # theory.md §2
XI2 = GELU_C0 * 2**1.5 / GELU_C2**3 / math.sqrt(2)  # xi carries 1/sqrt(alpha_f)
XI4 = GELU_C0 * 24**1.5 / abs(GELU_C4) ** 3 / math.sqrt(2)


def rows(report):
    return {r.key: r for r in report.theorems}


@pytest.fixture(scope="module")
def headline():
    return compute_bound(BoundRequest(n=10_000, d0=100))


def test_issue_acceptance_headline(headline):
    r = rows(headline)
    assert r["song2021-21"].required_width.value == pytest.approx(10_000, rel=1e-14)
    assert r["song2021-21"].exponent_value == 1.5 and r["du2019"].exponent_value == 6
    assert r["song2021-21"].factor == pytest.approx(1.0)
    # Du et al. with the documented defaults λ0 = 0.5, δ = 0.1: n⁶/(λ0⁴ δ³)
    assert r["du2019"].required_width.value == pytest.approx(1e24 / (0.5**4 * 0.1**3), rel=1e-12)
    assert r["du2019"].factor == pytest.approx(1e24 / (0.5**4 * 0.1**3) / 1e4, rel=1e-12)
    assert r["song2021-21"].parameters.value == pytest.approx(10_000 * 101)


def test_best_t_skips_zero_coefficients_and_rank_deficient_powers(headline):
    # n = 10^4 > C(101, 2) = 5050 rules out t = 1, 2; c_3 = c_5 = 0 for GELU; ξ_4 < ξ_6
    per_t = {p.t: p for p in headline.per_t}
    assert per_t[1].width_unit is None and per_t[2].width_unit is None and "5050" in per_t[2].note
    assert per_t[3].width_unit is None and "c_3 = 0" in per_t[3].note
    r20 = rows(headline)["song2021-20"]
    assert r20.t == 4
    # (20) under the order analysis: ξ_4 (n/d0) √n
    assert r20.required_width.value == pytest.approx(XI4 * 100 * 100, rel=1e-6)
    assert r20.source == "derived" and r20.omega1_width is not None and r20.omega1_width.value > r20.required_width.value


def test_sorted_by_required_width_this_paper_first_on_ties(headline):
    logs = [r.required_width.log10 for r in headline.theorems if r.required_width is not None]
    assert logs == sorted(logs)
    # read as the paper's text, Kawaguchi & Huang (Omega~(n) parameters, last layer only) needs the smallest width
    assert headline.theorems[0].key == "kawaguchi2019"
    assert [r.key for r in headline.theorems if r.this_paper][0] == "song2021-21"


def test_sgd_at_default_batch_equals_eq20_and_scales_with_batch():
    full = rows(compute_bound(BoundRequest(n=10_000, d0=784)))
    assert full["sgd"].required_width.value == pytest.approx(full["song2021-20"].required_width.value, rel=1e-14)
    assert full["sgd"].exponent_value == 1.5
    mini = rows(compute_bound(BoundRequest(n=10_000, d0=784, batch_size=100)))
    assert mini["sgd"].required_width.value == pytest.approx(full["song2021-20"].required_width.value * math.sqrt(10_000 / 100), rel=1e-12)
    assert mini["sgd-headline"].required_width.value == pytest.approx(1e8 / (10 * 784), rel=1e-12)
    assert mini["sgd"].exponent_value == 2


def test_constant_depth_lambda0_delta_enter_as_documented():
    """--constant is C9; (21) uses C21 = 1/sqrt(C9); prior results their unstated constant 1 (docs/theory.md)."""
    r = rows(compute_bound(BoundRequest(n=1000, d0=50, constant=3.0, depth=2, lambda0=0.1, delta=0.5)))
    assert r["song2021-21"].required_width.value == pytest.approx(1000**1.5 / 50 / math.sqrt(3))
    # Zou & Gu: the text counts total parameters n^8 L^12; width = parameters/(d0 + d2)
    assert r["zou-gu2019"].parameters.value == pytest.approx(1000.0**8 * 2**12)
    assert r["zou-gu2019"].required_width.value == pytest.approx(1000.0**8 * 2**12 / 51)
    assert r["du2019"].required_width.value == pytest.approx(1000.0**6 / (0.1**4 * 0.5**3))
    # Table 1 read as the text: Kawaguchi & Huang sqrt(n) below (21), Song & Yang equal to Oymak & Soltanolkotabi
    assert r["kawaguchi2019"].required_width.value == pytest.approx(1000 / 50)
    assert r["song-yang2019"].parameters.value == pytest.approx(r["oymak2020"].parameters.value)


def test_framework_at_eq20_width_has_implied_constant_c9():
    """Derived identity of the constants model: at d1 = (20) with C20 = 1/sqrt(C9), (9)'s implied constant is C9."""
    rep = compute_bound(BoundRequest(n=10_000, d0=784, constant=2.0))
    fw = {f.key: f for f in rep.framework}
    assert fw["condition-9"].value.value == pytest.approx(2.0, rel=1e-10)
    # ρ = μ/(2β) with μ² = d1 c_2²/2! σ_min², β = σ_max = √(n/d0), t = 2
    d1 = rows(rep)["song2021-20"].required_width.value
    assert rows(rep)["song2021-20"].t == 2
    assert d1 == pytest.approx(XI2 / math.sqrt(2) * (10_000 / 784) * 100, rel=1e-6)
    mu = math.sqrt(d1 * GELU_C2**2 / 2)
    assert fw["radius-lemma1"].value.value == pytest.approx(mu / (2 * math.sqrt(10_000 / 784)), rel=1e-6)


def test_xavier_omega1_uses_the_headline_width():
    rep = compute_bound(BoundRequest(n=10_000, d0=784, init="xavier"))
    omega = next(v for v in rep.inputs if v.name == "omega1")
    d1 = math.ceil(10_000**1.5 / 784)  # C21 = 1 at C9 = 1
    assert omega.value == pytest.approx(math.sqrt(2 / (784 + d1))) and "headline" in omega.note


def test_tanh_has_no_xi_but_other_rows_stand():
    r = rows(compute_bound(BoundRequest(n=1000, d0=50, activation="tanh")))
    assert r["song2021-20"].required_width is None and "c_0 = 0" in r["song2021-20"].note
    assert r["song2021-21"].required_width.value == pytest.approx(1000**1.5 / 50)


def test_data_mode_uses_measured_values():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((8, 60))
    X /= np.linalg.norm(X, axis=0)
    spec = data_spectra(X, list(range(1, 7)), "test")
    rep = compute_bound(BoundRequest(), spec)
    r = rows(rep)
    t = r["song2021-20"].t
    xi = next(p for p in rep.per_t if p.t == t).unit.xi
    assert r["song2021-20"].required_width.value == pytest.approx(xi * spec.sigma_max_x**2 * math.sqrt(60) / spec.sigma_min(t) ** 3, rel=1e-12)
    assert r["du2019"].required_width.value == pytest.approx(60.0**6 / (spec.lambda0**4 * 0.1**3), rel=1e-12)
    quantities = [c.quantity for c in rep.comparisons]
    assert quantities[0] == "sigma_max(X)" and quantities[-1] == "lambda0 (ReLU NTK)"
    assert rep.comparisons[0].assumed == pytest.approx(math.sqrt(60 / 8))


def test_solve_for_n_round_trips_through_d1_mode():
    """width at n = 10000 per theorem → solve n at that width → 10000 again."""
    d1_rows = rows(compute_bound(BoundRequest(n=10_000, d0=784)))
    for key, row in d1_rows.items():
        rep = compute_bound(BoundRequest(d0=784, solve_for="n", width=row.required_width.value, theorems=(key,)))
        solved = rows(rep)[key]
        assert solved.solved_n == pytest.approx(10_000, rel=1e-9), key
        assert solved.required_width.value == pytest.approx(row.required_width.value, rel=1e-9)


def test_solve_for_n_caps_at_the_rank_bound():
    rep = compute_bound(BoundRequest(d0=10, solve_for="n", width=1e9, t=2))
    r20 = rows(rep)["song2021-20"]
    assert r20.solved_n == 55 and "capped" in r20.note  # C(11, 2) = 55
    assert r20.required_width.value < 1e9


@pytest.mark.parametrize(
    "req,match",
    [
        (BoundRequest(n=0, d0=10), "--n must be a positive"),
        (BoundRequest(n=-3, d0=10), "--n must be a positive"),
        (BoundRequest(n=10, d0=0), "--d0 must be a positive"),
        (BoundRequest(n=10, d0=10, t=0), "--t must be at least 1"),
        (BoundRequest(n=10, d0=10, t=3), "c_3 of gelu is 0.*try --t"),
        (BoundRequest(n=10, d0=10, theorems=("nope",)), "unknown theorem"),
        (BoundRequest(d0=10, solve_for="n"), "--solve-for n needs --width"),
        (BoundRequest(n=10, d0=10, solve_for="m"), "--solve-for must be one of"),
        (BoundRequest(n=10, d0=10, batch_size=11), "exceeds the number of samples"),
        (BoundRequest(n=10, d0=10, delta=1.5), "failure probability"),
        (BoundRequest(n=10, d0=10, constant=0.0), "--constant must be a positive"),
        (BoundRequest(n=10, d0=10, init="glorot"), "unknown init"),
        (BoundRequest(n=10, d0=10, activation="swish"), "unknown activation"),
        (BoundRequest(d0=10), "give --n and --d0"),
        (BoundRequest(n=10, d0=10, solve_for="n", width=100.0), "--n conflicts"),
    ],
)
def test_bad_requests(req, match):
    with pytest.raises(InputError, match=match):
        compute_bound(req)
