"""The structured Gram J Jᵀ against explicit Jacobians (analytic and finite differences)."""
import numpy as np
import pytest
from oracles import assert_matches_dense, assert_operator_matches_dense, explicit_jacobian, fd_jacobian

from opcheck.model.activations import NAMES, get_activation
from opcheck.linalg.gram import jacobian_gram, v_block_gram, w_block_gram
from opcheck.linalg.jacobian import jvp, vjp


def _problem(d2: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    d0, n, d1 = 3, 5, 7
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W = rng.standard_normal((d1, d0))
    V = rng.standard_normal((d2, d1))
    assert np.abs(W @ X).min() > 1e-3  # away from ReLU's kink, so FD is valid
    return X, W, V


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("d2", [1, 3])
def test_gram_matches_explicit_jacobians(name, d2):
    X, W, V = _problem(d2)
    act = get_activation(name)
    pre = W @ X
    G = jacobian_gram(V, act.phi(pre), act.dphi(pre), X.T @ X)
    J = explicit_jacobian(W, V, X, act.phi, act.dphi)
    analytic = assert_matches_dense(G, J @ J.T, 1e-12, f"{name} d2={d2} analytic")
    Jfd = fd_jacobian(W, V, X, act.phi)
    rel = np.abs(G - Jfd @ Jfd.T).max() / np.abs(J @ J.T).max()  # scaled by the exact Gram
    print(f"{name} d2={d2}: analytic {analytic:.1e}, finite differences {rel:.1e}")
    assert rel <= 1e-7


def test_blocks_are_the_two_layers(small_problem):
    X, W, V = small_problem
    act = get_activation("gelu")
    J = explicit_jacobian(W, V, X, act.phi, act.dphi)
    d1, d0 = W.shape
    Jw, Jv = J[:, : d1 * d0], J[:, d1 * d0 :]
    pre = W @ X
    assert_matches_dense(w_block_gram(V, act.dphi(pre), X.T @ X), Jw @ Jw.T, 1e-12, "W block")
    A = act.phi(pre)
    assert_matches_dense(np.kron(np.eye(V.shape[0]), v_block_gram(A)), Jv @ Jv.T, 1e-12, "V block")


def test_jvp_vjp_match_explicit(small_problem):
    X, W, V = small_problem
    act = get_activation("softplus")
    J = explicit_jacobian(W, V, X, act.phi, act.dphi)
    pre = W @ X
    A, B = act.phi(pre), act.dphi(pre)
    d1, d0 = W.shape
    d2, n = V.shape[0], X.shape[1]

    def matvec(theta):
        return jvp(V, A, B, X, theta[: d1 * d0].reshape(d1, d0), theta[d1 * d0 :].reshape(d2, d1)).ravel()

    def rmatvec(u):
        g = vjp(V, A, B, X, u.reshape(d2, n))
        return np.concatenate([g.W.ravel(), g.V.ravel()])

    assert_operator_matches_dense(matvec, rmatvec, J, np.random.default_rng(5), label="J")
