"""Gradient, Hessian-vector products and Hessian extremes of h (eq. 16) against oracles.

Oracles: central finite differences of ``opcheck.model.network.loss`` (gradient), central
finite differences of the gradient (HVP, dense Hessian), an explicit per-entry
Hessian built from ``tests/oracles.explicit_jacobian`` plus hand-written second
derivatives, and LAPACK ``eigvalsh`` on the dense Hessian (Lanczos extremes).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from oracles import explicit_jacobian
from opcheck.model.activations import NAMES, get_activation
from opcheck.linalg.loss_derivatives import HessianProducts, gradient, hvp, loss_and_gradient
from opcheck.linalg.hessian_spectrum import hessian_extremes, hessian_lambda_max
from opcheck.model.network import Params, loss

SMOOTH = [a for a in NAMES if a != "relu"]


def make_case(d0, d1, d2, n, seed, w_scale=1.0, kink_margin=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    Y = rng.standard_normal((d2, n))
    for _ in range(200):
        W = w_scale * rng.standard_normal((d1, d0))
        if kink_margin is None or np.abs(W @ X).min() > kink_margin:
            break
    V = rng.standard_normal((d2, d1)) / math.sqrt(d1)
    return X, Y, Params(W, V)


def flat_fns(X, Y, act, d0, d1, d2):
    def f(t):
        return loss(Params.unflat(t, d0, d1, d2), X, Y, act)

    def g(t):
        return gradient(Params.unflat(t, d0, d1, d2), X, Y, act).flat()

    return f, g


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("d2", [1, 3])
def test_gradient_matches_central_differences(name, d2):
    act = get_activation(name)
    d0, d1, n = 3, 5, 4
    X, Y, p = make_case(d0, d1, d2, n, seed=11 + d2, kink_margin=1e-3 if name == "relu" else None)
    if name == "relu":  # the finite differences below never cross the kink
        assert np.abs(p.W @ X).min() > 1e-3
    f, _ = flat_fns(X, Y, act, d0, d1, d2)
    th = p.flat()
    step = 1e-6
    fd = np.array([(f(th + step * e) - f(th - step * e)) / (2 * step) for e in np.eye(th.size)])
    lg = loss_and_gradient(p, X, Y, act)
    assert lg.loss == pytest.approx(f(th), rel=1e-14)
    np.testing.assert_allclose(lg.grad.flat(), fd, rtol=1e-6, atol=1e-7 * np.abs(fd).max())
    # the closed forms of the module docstring
    R = p.V @ act.phi(p.W @ X) - Y
    np.testing.assert_allclose(lg.grad.V, 2 * R @ act.phi(p.W @ X).T, rtol=1e-13)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("d2", [1, 3])
def test_hvp_matches_differences_of_gradients(name, d2):
    act = get_activation(name)
    d0, d1, n = 3, 6, 5
    X, Y, p = make_case(d0, d1, d2, n, seed=5 + d2, kink_margin=1e-2 if name == "relu" else None)
    if name == "relu":
        assert np.abs(p.W @ X).min() > 1e-2  # eps * |direction| stays far from the kink
    _, g = flat_fns(X, Y, act, d0, d1, d2)
    th = p.flat()
    H = HessianProducts(p, X, Y, act)
    rng = np.random.default_rng(0)
    eps = 1e-5
    for _ in range(3):
        v = rng.standard_normal(th.size)
        v /= np.linalg.norm(v)
        fd = (g(th + eps * v) - g(th - eps * v)) / (2 * eps)
        np.testing.assert_allclose(H.matvec(v), fd, rtol=1e-6, atol=1e-7 * np.abs(fd).max())
    # symmetry u·Hv = v·Hu, and the one-shot helper agrees
    u, v = rng.standard_normal(th.size), rng.standard_normal(th.size)
    assert u @ H.matvec(v) == pytest.approx(v @ H.matvec(u), rel=1e-12)
    pv = Params.unflat(v, d0, d1, d2)
    np.testing.assert_allclose(hvp(p, X, Y, act, pv.W, pv.V).flat(), H.matvec(v), rtol=1e-13)


def explicit_hessian(W, V, X, Y, act):
    """2 JᵀJ + 2 Σ R_ka ∇²Φ_ka, second derivatives written entry by entry."""
    d1, d0 = W.shape
    d2, n = V.shape[0], X.shape[1]
    J = explicit_jacobian(W, V, X, act.phi, act.dphi)
    pre = W @ X
    R = V @ act.phi(pre) - Y
    p = d1 * d0 + d2 * d1
    M = np.zeros((p, p))
    for k in range(d2):
        for a in range(n):
            for j in range(d1):
                for l in range(d0):
                    wl = j * d0 + l
                    for l2 in range(d0):  # W–W: V_kj φ''(w_j·x_a) X_la X_l'a
                        M[wl, j * d0 + l2] += R[k, a] * V[k, j] * act.ddphi(pre[j, a]) * X[l, a] * X[l2, a]
                    vi = d1 * d0 + k * d1 + j  # W–V: φ'(w_j·x_a) X_la
                    M[wl, vi] += R[k, a] * act.dphi(pre[j, a]) * X[l, a]
                    M[vi, wl] += R[k, a] * act.dphi(pre[j, a]) * X[l, a]
    return 2 * J.T @ J + 2 * M


@pytest.mark.parametrize("name", SMOOTH)
def test_dense_hessian_three_ways_and_lanczos_extremes(name):
    act = get_activation(name)
    d0, d1, d2, n = 4, 8, 2, 5  # p = 48 > ncv: ARPACK restarts
    X, Y, p = make_case(d0, d1, d2, n, seed=3, w_scale=1.5)
    _, g = flat_fns(X, Y, act, d0, d1, d2)
    th = p.flat()
    H = HessianProducts(p, X, Y, act)
    H_hvp = np.column_stack([H.matvec(e) for e in np.eye(th.size)])
    eps = 1e-5
    H_fd = np.column_stack([(g(th + eps * e) - g(th - eps * e)) / (2 * eps) for e in np.eye(th.size)])
    H_ex = explicit_hessian(p.W, p.V, X, Y, act)
    scale = np.abs(H_ex).max()
    np.testing.assert_allclose(H_hvp, H_ex, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(H_fd, H_ex, rtol=0, atol=1e-7 * scale)
    w = np.linalg.eigvalsh(0.5 * (H_ex + H_ex.T))
    assert w[0] < 0 < w[-1]  # R ≠ 0: indefinite
    ext = hessian_extremes(p, X, Y, act, tol=1e-12)
    assert ext.converged_max and ext.converged_min and ext.size == th.size
    assert ext.lambda_max == pytest.approx(w[-1], rel=1e-6)
    assert ext.lambda_min == pytest.approx(w[0], rel=1e-6)
    assert ext.residual_max < 1e-8 * w[-1] and ext.residual_min < 1e-8 * w[-1]
    # the FD-built Hessian gives the same extremes (independent of the HVP formula)
    wf = np.linalg.eigvalsh(0.5 * (H_fd + H_fd.T))
    assert ext.lambda_max == pytest.approx(wf[-1], rel=1e-6)
    assert ext.lambda_min == pytest.approx(wf[0], rel=1e-6)
    assert hessian_lambda_max(p, X, Y, act, tol=1e-12).value == pytest.approx(w[-1], rel=1e-6)


@pytest.mark.parametrize("block", ["first", "second"])
def test_block_restricted_extremes_match_dense_subblock(block):
    act = get_activation("gelu")
    d0, d1, d2, n = 4, 8, 3, 6
    X, Y, p = make_case(d0, d1, d2, n, seed=9, w_scale=1.5)
    H_ex = explicit_hessian(p.W, p.V, X, Y, act)
    sw = d1 * d0
    sub = H_ex[:sw, :sw] if block == "first" else H_ex[sw:, sw:]
    w = np.linalg.eigvalsh(sub)
    H = HessianProducts(p, X, Y, act, block)
    np.testing.assert_allclose(np.column_stack([H.matvec(e) for e in np.eye(sub.shape[0])]), sub, atol=1e-12 * np.abs(sub).max())
    ext = hessian_extremes(p, X, Y, act, block=block, tol=1e-12)
    assert ext.lambda_max == pytest.approx(w[-1], rel=1e-6)
    assert ext.lambda_min == pytest.approx(w[0], rel=1e-6, abs=1e-9 * w[-1])
    if block == "second":  # Φ is linear in V: the V–V block 2 I ⊗ AAᵀ is PSD
        assert ext.lambda_min >= -1e-9 * ext.lambda_max


def test_hessian_is_gauss_newton_at_zero_residual():
    act = get_activation("softplus")
    d0, d1, d2, n = 3, 7, 2, 4
    X, _, p = make_case(d0, d1, d2, n, seed=2)
    Y = p.V @ act.phi(p.W @ X)  # interpolation: R = 0
    J = explicit_jacobian(p.W, p.V, X, act.phi, act.dphi)
    H = HessianProducts(p, X, Y, act)
    dense = np.column_stack([H.matvec(e) for e in np.eye(J.shape[1])])
    np.testing.assert_allclose(dense, 2 * J.T @ J, atol=1e-13 * np.abs(J).max() ** 2)
    gn = np.column_stack([H.gauss_newton(*_split(e, d0, d1, d2)).flat() for e in np.eye(J.shape[1])])
    np.testing.assert_allclose(gn, 2 * J.T @ J, atol=1e-13 * np.abs(J).max() ** 2)
    ext = hessian_extremes(p, X, Y, act, tol=1e-12)
    # p = 35 > d2 n = 8: 2JᵀJ is singular, λ_min = 0 to rounding, never clearly negative
    assert abs(ext.lambda_min) < 1e-8 * ext.lambda_max
    assert ext.lambda_max == pytest.approx(2 * np.linalg.norm(J, 2) ** 2, rel=1e-8)


def _split(e, d0, d1, d2):
    q = Params.unflat(e, d0, d1, d2)
    return q.W, q.V
