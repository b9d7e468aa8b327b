"""Extreme eigenvalue solvers against numpy's dense SVD of the explicit Jacobian."""
import numpy as np
import pytest
from oracles import explicit_jacobian

from opcheck.linalg import spectra
from opcheck.model.activations import get_activation
from opcheck.linalg.gram import jacobian_gram
from opcheck.linalg.jacobian import jvp, vjp


def _case(d0=6, n=12, d1=30, d2=2, seed=3, name="gelu"):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W = rng.standard_normal((d1, d0)) / np.sqrt(d0)
    V = rng.standard_normal((d2, d1)) / np.sqrt(d1)
    act = get_activation(name)
    pre = W @ X
    A, B = act.phi(pre), act.dphi(pre)
    J = explicit_jacobian(W, V, X, act.phi, act.dphi)
    s = np.linalg.svd(J, compute_uv=False)
    return X, V, A, B, s


def test_dense_path_matches_svd():
    X, V, A, B, s = _case()
    e = spectra.gram_extremes(jacobian_gram(V, A, B, X.T @ X))
    assert e.method == spectra.Method.DENSE.value
    print(f"dense: sigma_min rel err {abs(e.sigma_min - s[-1]) / s[-1]:.1e}")
    assert abs(e.sigma_min - s[-1]) <= 1e-8 * s[-1]
    assert abs(e.sigma_max - s[0]) <= 1e-8 * s[0]


def test_shift_invert_path_matches_svd(monkeypatch):
    monkeypatch.setattr(spectra, "DENSE_LIMIT", 4)
    X, V, A, B, s = _case()
    e = spectra.gram_extremes(jacobian_gram(V, A, B, X.T @ X))
    assert e.method == spectra.Method.SHIFT_INVERT.value
    print(f"shift-invert: sigma_min rel err {abs(e.sigma_min - s[-1]) / s[-1]:.1e}, residual {e.residual_min:.1e}")
    assert abs(e.sigma_min - s[-1]) <= 1e-8 * s[-1]
    assert abs(e.sigma_max - s[0]) <= 1e-8 * s[0]
    assert e.residual_min < 1e-8 and e.iterations > 0


def test_matrix_free_lanczos_matches_svd():
    X, V, A, B, s = _case()
    d2, n = V.shape[0], X.shape[1]

    def mv(u):
        g = vjp(V, A, B, X, u.reshape(d2, n))
        return jvp(V, A, B, X, g.W, g.V).ravel()

    e = spectra.operator_extremes(mv, d2 * n)
    assert e.method == spectra.Method.LANCZOS.value
    print(f"lanczos: sigma_min rel err {abs(e.sigma_min - s[-1]) / s[-1]:.1e}")
    assert abs(e.sigma_min - s[-1]) <= 1e-8 * s[-1]
    assert abs(e.sigma_max - s[0]) <= 1e-8 * s[0]


def test_singular_matrix_reports_zero_not_noise(monkeypatch):
    rng = np.random.default_rng(0)
    M = rng.standard_normal((40, 10))
    G = M @ M.T  # rank 10 < 40
    assert spectra.gram_extremes(G.copy()).lambda_min == 0.0
    monkeypatch.setattr(spectra, "DENSE_LIMIT", 4)
    e = spectra.gram_extremes(G.copy())
    assert e.lambda_min == 0.0 and "numerically singular" in e.note
    assert abs(e.lambda_max - np.linalg.eigvalsh(G)[-1]) < 1e-8 * e.lambda_max


@pytest.mark.parametrize("shape", [(20, 5), (5, 20)])
def test_matrix_singular_extremes(shape):
    M = np.random.default_rng(1).standard_normal(shape)
    s = np.linalg.svd(M, compute_uv=False)
    e = spectra.matrix_singular_extremes(M)
    assert abs(e.sigma_max - s[0]) < 1e-12 * s[0] and abs(e.sigma_min - s[-1]) < 1e-10 * s[0]


def test_structural_zero_when_j_has_more_rows_than_columns():
    from opcheck.linalg.jacobian_spectrum import jacobian_extremes

    rng = np.random.default_rng(4)
    d0, n, d1, d2 = 2, 10, 3, 3  # p = d1 (d0 + d2) = 15 < d2 n = 30; W-block 6 < 30; V-block rank 3 < 10
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W, V = rng.standard_normal((d1, d0)), rng.standard_normal((d2, d1))
    act = get_activation("gelu")
    pre = W @ X
    A, B = act.phi(pre), act.dphi(pre)
    J = explicit_jacobian(W, V, X, act.phi, act.dphi)
    ext = jacobian_extremes(V, A, B, X, ("both", "first", "second"))
    refs = {"both": J, "first": J[:, : d1 * d0], "second": A}
    for block, M in refs.items():
        e = ext[block]
        assert e.method == spectra.Method.STRUCTURAL.value and e.lambda_min == 0.0, block
        s0 = np.linalg.svd(M, compute_uv=False)[0]
        assert abs(e.sigma_max - s0) <= 1e-8 * s0, block
