"""Gradient descent with tracking, laziness and the Lipschitz lower estimate.

Oracles: a naive gradient descent on the explicit Jacobian (``tests/oracles``),
dense linearised GD, SVD of explicit Jacobians, a brute-force rate constant, and
Lemma 3's β_Φ recomputed here from theory.md §4.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from oracles import explicit_jacobian
from opcheck.checks import gradient_descent as dynamics
from opcheck.model.activations import get_activation
from opcheck.checks.gradient_descent import TrainConfig, empirical_rate_constant, log_steps, stored_rows, train
from opcheck.errors import InputError
from opcheck.linalg.loss_derivatives import HessianProducts
from opcheck.checks.lipschitz import jacobian_difference_norm, jacobian_lipschitz_lower
from opcheck.model.network import Params
from opcheck.checks.smoothness import measure_smoothness

SMOOTH = ["gelu", "softplus", "tanh", "sigmoid", "silu"]


def data(n, d0, d2, seed=1, y_norm=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    Y = rng.standard_normal((d2, n))
    return X, y_norm * Y / np.linalg.norm(Y)


def init(d0, d1, d2, w1, w2, seed=2):
    rng = np.random.default_rng(seed)
    return Params(w1 * rng.standard_normal((d1, d0)), w2 * rng.standard_normal((d2, d1)))


def lemma3(X, p0, act):
    """μ_Φ, ν_Φ, β_Φ, ρ = μ_Φ/(2β_Φ) of theory.md §4, from dense SVDs."""
    A = act.phi(p0.W @ X)
    s = np.linalg.svd(A, compute_uv=False)
    n = X.shape[1]
    mu = float(s[-1]) if A.shape[0] >= n else 0.0
    sx = float(np.linalg.norm(X, 2))
    sv = float(np.linalg.norm(p0.V, 2))
    dmax, ddmax = act.dphi_max.value, act.ddphi_max.value
    chi = sv + mu / (2 * math.sqrt(2) * sx * dmax)
    beta = math.sqrt(2) * sx * (dmax + ddmax * chi)
    nu = dmax * sx * sv + float(s[0])
    return mu, nu, beta, mu / (2 * beta)


# ------------------------------------------------------------------ convergence
def test_wide_case_converges_stays_in_ball_and_tracks_sigma():
    n, d0, d1, d2 = 20, 8, 200, 1
    X, Y = data(n, d0, d2)
    act = get_activation("gelu")
    p0 = init(d0, d1, d2, 3.0, 1.0 / d1)  # κ_init = ω1 ω2 √(d0 d1) = 0.6, (19) holds
    mu, nu, beta, rho = lemma3(X, p0, act)
    h0 = float(np.sum((p0.V @ act.phi(p0.W @ X) - Y) ** 2))
    cfg = TrainConfig(steps=4000, tol=1e-8 * h0, sigma_points=5, path_points=5)
    r = train(X, Y, p0, act, mu=mu, rho=rho, nu=nu, config=cfg)
    assert r.final_loss < 1e-8 * h0 and r.summary.tol_reached and r.steps_run < 4000
    assert r.summary.initial_loss == pytest.approx(h0, rel=1e-13)
    assert r.stayed_in_ball and 0 < r.max_distance_ratio < 1
    assert r.c_emp is not None and r.c_emp > 0 and r.summary.linear_convergence
    assert r.summary.sigma_min_stayed_above_half_mu
    # every recorded h_i obeys the rate (14) with C = c_emp (and not with a larger C)
    q = r.lr * 2.0 * mu**2
    i = r.step.astype(float)
    assert np.all(r.loss <= (1 - r.c_emp * q) ** i * h0 * (1 + 1e-9))
    assert np.any(r.loss > (1 - 1.01 * r.c_emp * q) ** i * h0) or r.step.size < r.steps_run + 1
    # the distances are those of the kept iterates
    last = r.iterates[-1]
    assert r.iterate_steps[-1] == r.steps_run
    d_last = math.sqrt(np.sum((last.W - p0.W) ** 2) + np.sum((last.V - p0.V) ** 2))
    assert r.distance[-1] == pytest.approx(d_last, rel=1e-12)
    assert r.summary.path_length_total >= r.distance[-1]
    # σ_min(J(Θ_i)) at the kept steps equals the SVD of the explicit Jacobian
    for s, it in zip(r.iterate_steps, r.iterates):
        k = list(r.sigma_step).index(s)
        sv = np.linalg.svd(explicit_jacobian(it.W, it.V, X, act.phi, act.dphi), compute_uv=False)
        assert r.sigma_min[k] == pytest.approx(sv[-1], rel=1e-8)
        assert r.sigma_max[k] == pytest.approx(sv[0], rel=1e-8)


@pytest.mark.parametrize("layers", ["both", "first", "second"])
def test_trajectory_matches_naive_gd_on_the_explicit_jacobian(layers):
    n, d0, d1, d2 = 5, 3, 6, 2
    X, Y = data(n, d0, d2, seed=4)
    act = get_activation("tanh")
    p0 = init(d0, d1, d2, 1.0, 0.5, seed=5)
    lr, steps = 0.05, 6
    r = train(X, Y, p0, act, mu=0.1, rho=1.0, nu=1.0, config=TrainConfig(steps=steps, lr=lr, layers=layers))
    sw = d1 * d0
    mask = np.zeros(sw + d2 * d1, dtype=bool)
    mask[:sw] = layers in ("both", "first")
    mask[sw:] = layers in ("both", "second")
    theta = p0.flat()
    J0 = explicit_jacobian(p0.W, p0.V, X, act.phi, act.dphi)
    Z0 = (p0.V @ act.phi(p0.W @ X)).ravel()
    delta = np.zeros_like(theta)
    losses, lin = [], []
    for i in range(steps + 1):
        W, V = Params.unflat(theta, d0, d1, d2).W, Params.unflat(theta, d0, d1, d2).V
        res = (V @ act.phi(W @ X) - Y).ravel()
        losses.append(res @ res)
        rl = Z0 + J0 @ delta - Y.ravel()
        lin.append(rl @ rl)
        if i == steps:
            break
        J = explicit_jacobian(W, V, X, act.phi, act.dphi)
        theta = theta - lr * mask * (2 * J.T @ res)
        delta = delta - lr * mask * (2 * J0.T @ rl)
    np.testing.assert_allclose(r.loss, losses, rtol=1e-12)
    np.testing.assert_allclose(r.lin_loss, lin, rtol=1e-12)
    np.testing.assert_allclose(r.lazy_gap, np.abs(np.array(losses) - np.array(lin)), atol=1e-13)
    moved = Params.unflat(theta - p0.flat(), d0, d1, d2)
    assert r.w_motion[-1] == pytest.approx(np.linalg.norm(moved.W) / np.linalg.norm(p0.W), rel=1e-10, abs=0)
    assert r.v_motion[-1] == pytest.approx(np.linalg.norm(moved.V) / np.linalg.norm(p0.V), rel=1e-10, abs=0)
    assert r.summary.sigma_jacobian == {"both": "full J", "first": "W-block J_W", "second": "V-block J_V"}[layers]


def test_default_lr_is_inverse_hessian_lambda_max():
    n, d0, d1, d2 = 6, 3, 7, 2
    X, Y = data(n, d0, d2, seed=6)
    act = get_activation("softplus")
    p0 = init(d0, d1, d2, 1.0, 0.4, seed=7)
    for layers in ("both", "first"):
        H = HessianProducts(p0, X, Y, act, layers)
        dense = np.column_stack([H.matvec(e) for e in np.eye(H.size)])
        lam = np.linalg.eigvalsh(0.5 * (dense + dense.T))[-1]
        r = train(X, Y, p0, act, mu=0.1, rho=1.0, nu=1.0, config=TrainConfig(steps=3, layers=layers))
        assert r.lr == pytest.approx(1.0 / lam, rel=1e-6)
        assert r.summary.lr_source.startswith("derived: 1/lambda_max")


# ------------------------------------------------------------------ too narrow
def test_too_narrow_width_is_never_reported_as_holding():
    n, d0, d2 = 20, 8, 1
    X, Y = data(n, d0, d2, seed=3)
    act = get_activation("gelu")
    # d1 = 10 < n: φ(W0X) has rank <= 10, μ_Φ = 0; no ball and no rate can be certified
    p0 = init(d0, 10, d2, 1.0, 0.1)
    mu, nu, _, rho = lemma3(X, p0, act)
    assert mu == 0.0 and rho == 0.0
    r = train(X, Y, p0, act, mu=mu, rho=rho, nu=nu, config=TrainConfig(steps=300, tol=1e-8))
    assert not r.stayed_in_ball and r.c_emp is None and not r.summary.linear_convergence
    assert r.summary.c_emp_note.startswith("mu = 0")
    out = r.as_dict()
    assert out["max_distance_ratio"] is None  # inf is not JSON: null
    json.dumps(out, allow_nan=False)
    # d1 = 2: p = d1 (d0 + d2) = 18 < d2 n = 20 — σ_min(J) = 0 at every step, tol never reached
    p0 = init(d0, 2, d2, 1.0, 0.5)
    h0 = float(np.sum((p0.V @ act.phi(p0.W @ X) - Y) ** 2))
    r = train(X, Y, p0, act, mu=0.0, rho=0.0, nu=1.0, config=TrainConfig(steps=500, tol=1e-8 * h0))
    assert np.all(r.sigma_min == 0.0) and r.sigma_min.size >= 2
    assert r.summary.tol_reached is False and r.final_loss > 1e-3 * h0
    assert r.summary.sigma_min_stayed_above_half_mu is False  # μ = 0: vacuous, not "holds"
    # second layer only, d1 < n: the V-block J_V = I ⊗ φ(W0X)ᵀ is singular, least squares in V cannot fit
    p0 = init(d0, 10, d2, 1.0, 0.1)
    r = train(X, Y, p0, act, mu=0.0, rho=0.0, nu=1.0, config=TrainConfig(steps=300, tol=1e-8, layers="second"))
    assert np.all(r.sigma_min == 0.0) and r.summary.tol_reached is False


# ------------------------------------------------------------------ laziness
def test_lazy_gap_is_zero_at_start_and_second_order_after_one_step():
    n, d0, d1, d2 = 10, 5, 40, 2
    X, Y = data(n, d0, d2, seed=8)
    act = get_activation("gelu")
    p0 = init(d0, d1, d2, 1.0, 0.3, seed=9)
    gaps = []
    for lr in (1e-4, 5e-5):
        r = train(X, Y, p0, act, mu=0.1, rho=1.0, nu=1.0, config=TrainConfig(steps=1, lr=lr, sigma_points=0, path_points=0))
        assert r.lazy_gap[0] == 0.0
        gaps.append(r.lazy_gap[1])
    assert 0 < gaps[0] < 1e-5 * r.summary.initial_loss
    assert gaps[0] / gaps[1] == pytest.approx(4.0, rel=0.05)  # Θ1 = Θ~1, gap = O(η²)


def test_lazy_init_small_omega2_over_omega1_keeps_gap_small():
    n, d0, d1, d2 = 20, 8, 200, 1
    X, Y = data(n, d0, d2)
    act = get_activation("gelu")
    prod = 2.0 / math.sqrt(d0 * d1)  # He product, as in the paper's §6 sweep
    rel = {}
    for ratio in (0.01, 1.0):
        p0 = init(d0, d1, d2, math.sqrt(prod / ratio), math.sqrt(prod * ratio))
        r = train(X, Y, p0, act, mu=0.1, rho=1.0, nu=1.0, config=TrainConfig(steps=300, sigma_points=0, path_points=0))
        assert r.final_loss < 0.01 * r.summary.initial_loss
        rel[ratio] = r.summary.max_lazy_gap / r.summary.initial_loss
    assert rel[0.01] < 1e-4 and rel[1.0] > 10 * rel[0.01]


# ------------------------------------------------------------------ summaries and plumbing
def test_empirical_rate_constant_against_brute_force():
    rng = np.random.default_rng(0)
    h = 3.0 * np.cumprod(np.r_[1.0, rng.uniform(0.5, 0.99, 30)])
    lr, mu = 0.1, 0.7
    c = empirical_rate_constant(h, lr, mu)
    q = lr * 2 * mu * mu
    i = np.arange(h.size)
    assert np.all(h <= (1 - c * q) ** i * h[0] * (1 + 1e-12))
    assert not np.all(h <= (1 - 1.001 * c * q) ** i * h[0])
    assert empirical_rate_constant(np.r_[1.0, 1.5, 0.1], lr, mu) < 0  # h_1 > h0: no linear rate
    assert empirical_rate_constant(h, lr, 0.0) is None and empirical_rate_constant(h[:1], lr, mu) is None


def test_stored_rows_subsample_keeps_ends_and_summaries_use_every_step():
    assert log_steps(100, 5)[0] == 0 and log_steps(100, 5)[-1] == 100 and log_steps(0, 3) == [0]
    rows = stored_rows(10_000, 50)
    assert rows[0] == 0 and rows[-1] == 9999 and rows.size <= 52 and np.all(np.diff(rows) > 0)
    n, d0, d1, d2 = 8, 4, 30, 1
    X, Y = data(n, d0, d2, seed=10)
    act = get_activation("silu")
    p0 = init(d0, d1, d2, 1.0, 0.2)
    full = train(X, Y, p0, act, mu=0.2, rho=1.0, nu=1.0, config=TrainConfig(steps=120, sigma_points=0))
    thin = train(X, Y, p0, act, mu=0.2, rho=1.0, nu=1.0, config=TrainConfig(steps=120, sigma_points=0, max_points=20))
    assert thin.step.size <= 22 and thin.step[-1] == 120 and full.step.size == 121
    np.testing.assert_allclose(thin.loss, full.loss[thin.step], rtol=1e-14)
    assert thin.c_emp == full.c_emp and thin.max_distance_ratio == full.max_distance_ratio
    # sigma_points = 0: σ_min is never measured (not even at the last step), and says so
    assert full.sigma_min.size == 0 and full.summary.sigma_min_min is None
    assert full.summary.sigma_min_stayed_above_half_mu is None


def test_json_keys_progress_and_matrix_free_sigma(monkeypatch):
    n, d0, d1, d2 = 6, 3, 12, 2
    X, Y = data(n, d0, d2, seed=11)
    act = get_activation("gelu")
    p0 = init(d0, d1, d2, 1.0, 0.3)
    seen = []
    r = train(X, Y, p0, act, mu=0.2, rho=0.5, nu=1.0, config=TrainConfig(steps=15, sigma_points=3), progress=lambda s, h: seen.append((s, h)))
    assert [s for s, _ in seen] == list(range(16))
    np.testing.assert_allclose([h for _, h in seen], r.loss, rtol=0)
    out = json.loads(json.dumps(r.as_dict(), allow_nan=False))
    for key in ("step", "loss", "distance", "sigma_min", "lazy_gap", "w_motion", "v_motion", "final_loss", "stayed_in_ball", "max_distance_ratio", "c_emp", "steps_run", "lr"):
        assert key in out
    assert isinstance(out["stayed_in_ball"], bool) and len(out["loss"]) == 16
    # when the Gram does not fit, σ_min comes from matrix-free Lanczos — same values
    monkeypatch.setattr(dynamics.memory, "fits", lambda nbytes: False)
    r2 = train(X, Y, p0, act, mu=0.2, rho=0.5, nu=1.0, config=TrainConfig(steps=15, sigma_points=3))
    assert all("Lanczos" in m for m in r2.sigma_method)
    np.testing.assert_allclose(r2.sigma_min, r.sigma_min, rtol=1e-6)


@pytest.mark.parametrize(
    "cfg, kw",
    [
        (TrainConfig(layers="middle"), {}),
        (TrainConfig(lr=-1.0), {}),
        (TrainConfig(steps=-3), {}),
        (TrainConfig(tol=float("nan")), {}),
        (TrainConfig(), {"mu": -1.0}),
    ],
)
def test_bad_inputs_are_input_errors(cfg, kw):
    X, Y = data(4, 3, 1)
    p0 = init(3, 5, 1, 1.0, 0.3)
    args = {"mu": 0.1, "rho": 0.1, "nu": 1.0, **kw}
    with pytest.raises(InputError):
        train(X, Y, p0, get_activation("gelu"), config=cfg, **args)
    with pytest.raises(InputError):
        train(X[:2], Y, p0, get_activation("gelu"), mu=0.1, rho=0.1, nu=1.0)


# ------------------------------------------------------------------ Lipschitz
@pytest.mark.parametrize("name, d2, n", [("gelu", 2, 6), ("sigmoid", 1, 5), ("tanh", 3, 40)])
def test_difference_norm_matches_explicit_jacobians(name, d2, n):
    act = get_activation(name)
    d0, d1 = 3, 7  # n = 40, d2 = 3: d2 n = 120 > p = 42, the Dᵀ D side
    X, _ = data(n, d0, d2, seed=12)
    a = init(d0, d1, d2, 1.0, 0.5, seed=13)
    rng = np.random.default_rng(14)
    b = Params(a.W + 0.3 * rng.standard_normal(a.W.shape), a.V + 0.3 * rng.standard_normal(a.V.shape))
    D = explicit_jacobian(a.W, a.V, X, act.phi, act.dphi) - explicit_jacobian(b.W, b.V, X, act.phi, act.dphi)
    dn = jacobian_difference_norm(a, b, X, act, tol=1e-12)
    assert dn.side == ("D D^T" if d2 * n <= d1 * (d0 + d2) else "D^T D")
    assert dn.sigma_max == pytest.approx(np.linalg.norm(D, 2), rel=1e-8)


@pytest.mark.parametrize("name", SMOOTH)
def test_lipschitz_lower_estimate_never_exceeds_lemma3_beta(name):
    act = get_activation(name)
    n, d0, d1, d2 = 10, 5, 40, 2
    X, Y = data(n, d0, d2, seed=15, y_norm=0.1)
    p0 = init(d0, d1, d2, 1.5, 1.0 / d1, seed=16)
    mu, nu, beta, rho = lemma3(X, p0, act)
    assert mu > 0
    tr = train(X, Y, p0, act, mu=mu, rho=rho, nu=nu, config=TrainConfig(steps=200, sigma_points=0, path_points=4))
    est = jacobian_lipschitz_lower(p0, X, act, rho, seed=1, sphere_pairs=3, neuron_pairs=4, path=tr.iterates)
    assert est.by_kind["sphere"]["in_ball_pairs"] == 3 and est.by_kind["neuron"]["in_ball_pairs"] == 4
    assert est.by_kind["path"]["pairs"] > 0
    assert 0.05 * beta < est.value <= beta  # informative, and below the bound
    # every sampled pair is in the ball, so the estimate is at least their best ratio
    assert est.value >= max(est.by_kind["sphere"]["max_ratio"], est.by_kind["neuron"]["max_ratio"])
    assert est.value <= est.value_all


def test_smoothness_result_and_loud_flag():
    act = get_activation("gelu")
    n, d0, d1, d2 = 8, 4, 20, 2
    X, Y = data(n, d0, d2, seed=17)
    p0 = init(d0, d1, d2, 1.5, 1.0 / d1, seed=18)
    mu, _, beta, rho = lemma3(X, p0, act)
    s = measure_smoothness(X, Y, p0, act, rho=rho, beta_phi=beta, sphere_pairs=2, neuron_pairs=2)
    out = json.loads(json.dumps(s.as_dict(), allow_nan=False))
    for key in ("hessian_max_eig", "hessian_min_eig", "jacobian_lipschitz_lower", "beta_phi"):
        assert key in out
    H = HessianProducts(p0, X, Y, act)
    w = np.linalg.eigvalsh(np.column_stack([H.matvec(e) for e in np.eye(H.size)]))
    assert s.hessian_max_eig == pytest.approx(w[-1], rel=1e-6) and s.hessian_min_eig == pytest.approx(w[0], rel=1e-6)
    assert not s.lipschitz_exceeds_bound and 0 < s.jacobian_lipschitz_lower <= beta
    # the flag fires when the bound is below the measurement
    bad = measure_smoothness(X, Y, p0, act, rho=rho, beta_phi=0.5 * s.jacobian_lipschitz_lower, hessian=s.hessian, sphere_pairs=2, neuron_pairs=2)
    assert bad.lipschitz_exceeds_bound


def test_divergence_is_reported_not_warned(recwarn):
    n, d0, d1, d2 = 6, 3, 12, 2
    X, Y = data(n, d0, d2, seed=19)
    act = get_activation("softplus")
    p0 = init(d0, d1, d2, 1.0, 0.3)
    r = train(X, Y, p0, act, mu=0.2, rho=0.5, nu=1.0, config=TrainConfig(steps=2000, lr=50.0, sigma_points=0))
    assert r.summary.diverged and r.steps_run < 2000 and r.c_emp is None
    assert not r.stayed_in_ball and not r.summary.linear_convergence
    json.dumps(r.as_dict(), allow_nan=False)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("layers", ["both", "first", "second"])
@pytest.mark.parametrize("use_gram", [False, True])  # two Jacobian products per step, or the Gram J0 J0ᵀ
@pytest.mark.parametrize("d2", [1, 2])
def test_linearised_step_is_the_explicit_ntk_map_either_way(monkeypatch, layers, use_gram, d2):
    from opcheck.checks import gd_loop

    monkeypatch.setattr(gd_loop, "LINEAR_GRAM_BYTES", 1 << 30 if use_gram else 0)
    n, d0, d1, steps = 4, 6, 30, 50
    assert gd_loop.gram_pays(n, d0, d1, d2, steps) is use_gram
    X, Y = data(n, d0, d2, seed=8)
    p0 = init(d0, d1, d2, 1.0, 0.7, seed=9)
    act = get_activation("gelu")
    pre = p0.W @ X
    step = gd_loop.linearised_step(p0.V, act.phi(pre), act.dphi(pre), X, X.T @ X, layers, steps)
    J = explicit_jacobian(p0.W, p0.V, X, act.phi, act.dphi)
    cols = {"both": slice(None), "first": slice(0, d1 * d0), "second": slice(d1 * d0, None)}[layers]
    R = np.random.default_rng(10).standard_normal((d2, n))
    expect = (2.0 * J[:, cols] @ (J[:, cols].T @ R.ravel())).reshape(d2, n)
    np.testing.assert_allclose(step(R), expect, rtol=1e-11, atol=1e-12)


def test_stop_gap_ends_the_run_at_the_first_step_past_it():
    X, Y = data(12, 4, 1, seed=11)
    p0 = init(4, 6, 1, 1.0, 1.0, seed=12)
    act = get_activation("gelu")
    full = train(X, Y, p0, act, mu=0.0, rho=math.inf, nu=0.0, config=TrainConfig(steps=60, lr=0.05, sigma_points=0, max_points=100))
    limit = 0.5 * float(np.max(full.lazy_gap))
    first = int(np.argmax(full.lazy_gap > limit))
    assert 0 < first < 60
    cut = train(X, Y, p0, act, mu=0.0, rho=math.inf, nu=0.0,
                config=TrainConfig(steps=60, lr=0.05, sigma_points=0, max_points=100, stop_gap=limit))
    assert cut.steps_run == first and not cut.summary.tol_reached
    np.testing.assert_array_equal(cut.loss, full.loss[: first + 1])  # same trajectory up to the stop
