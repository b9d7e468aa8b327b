"""Independent oracles: explicit Jacobians built entry by entry.

These never call opcheck's structured code: the analytic Jacobian follows the
chain rule written per entry, and the finite-difference Jacobian perturbs each
parameter of the forward pass.  Row (k, a) → k·n + a; columns [vec W, vec V].
"""
from __future__ import annotations

import numpy as np


def explicit_jacobian(W, V, X, phi, dphi):
    """Analytic J: ∂Z_ka/∂W_jl = V_kj φ'(w_j·x_a) X_la, ∂Z_ka/∂V_k'j = δ_kk' φ(w_j·x_a)."""
    d1, d0 = W.shape
    d2 = V.shape[0]
    n = X.shape[1]
    pre = W @ X
    A, B = phi(pre), dphi(pre)
    J = np.zeros((d2 * n, d1 * d0 + d2 * d1))
    for k in range(d2):
        for a in range(n):
            row = k * n + a
            for j in range(d1):
                J[row, j * d0 : (j + 1) * d0] = V[k, j] * B[j, a] * X[:, a]
                J[row, d1 * d0 + k * d1 + j] = A[j, a]
    return J


def fd_jacobian(W, V, X, phi, h=1e-6):
    """Central finite differences of vec(V φ(W X)) in every parameter."""
    d1, d0 = W.shape
    d2 = V.shape[0]
    theta = np.concatenate([W.ravel(), V.ravel()])

    def out(th):
        Wt = th[: d1 * d0].reshape(d1, d0)
        Vt = th[d1 * d0 :].reshape(d2, d1)
        return (Vt @ phi(Wt @ X)).ravel()

    cols = []
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        cols.append((out(theta + e) - out(theta - e)) / (2 * h))
    return np.stack(cols, axis=1)


def assert_matches_dense(actual, dense, rel=1e-12, label=""):
    """``max |actual − dense| ≤ rel · max |dense|``: the one dense comparison of the suite.

    Scaling by the dense matrix's largest entry makes one tolerance serve Grams,
    Jacobians and Hessians of any size; ``label`` names the case on failure.
    """
    actual, dense = np.asarray(actual, dtype=float), np.asarray(dense, dtype=float)
    assert actual.shape == dense.shape, f"{label}: shape {actual.shape} != dense {dense.shape}"
    scale = max(np.abs(dense).max(), np.finfo(float).tiny)
    err = np.abs(actual - dense).max() / scale
    assert err <= rel, f"{label}: relative error {err:.2e} > {rel:.0e}"
    return err


def assert_operator_matches_dense(matvec, rmatvec, dense, rng, probes=3, rel=1e-12, label=""):
    """A matrix-free operator (``matvec = M v``, ``rmatvec = Mᵀ u``) against its dense ``M`` on random probes."""
    dense = np.asarray(dense, dtype=float)
    for _ in range(probes):
        v = rng.standard_normal(dense.shape[1])
        assert_matches_dense(matvec(v), dense @ v, rel, f"{label} matvec")
        if rmatvec is not None:
            u = rng.standard_normal(dense.shape[0])
            assert_matches_dense(rmatvec(u), dense.T @ u, rel, f"{label} rmatvec")
