"""Certified spectral intervals against eigenvalues computed in extended precision (mpmath).

The oracle builds the exact Jacobian of the *stored* float64 arrays entry by entry
in 60-digit arithmetic (a product of three doubles is exact there), forms J Jᵀ
exactly and takes its eigenvalues with ``mpmath.eigsy`` — no float64 step.
"""
import math

import mpmath
import numpy as np
import pytest

from opcheck.linalg import spectra
from opcheck.linalg.intervals import Bound, SpectralInterval
from opcheck.linalg.jacobian_spectrum import jacobian_extremes
from opcheck.linalg.khatri_rao import khatri_rao_extremes
from opcheck.linalg.symmetric_store import SymmetricStore
from opcheck.model.activations import get_activation

mpmath.mp.dps = 60


def _case(d0, n, d1, d2, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W = scale * rng.standard_normal((d1, d0)) / np.sqrt(d0)
    V = rng.standard_normal((d2, d1)) / np.sqrt(d1)
    act = get_activation("gelu")
    P = W @ X
    return V, act.phi(P), act.dphi(P), X


def _exact_eigenvalues(rows):
    """Eigenvalues (ascending, mpf) of M Mᵀ for a list of rows of mpf entries, all in 60 digits."""
    N = len(rows)
    G = mpmath.matrix(N, N)
    for i in range(N):
        for j in range(i, N):
            G[i, j] = G[j, i] = mpmath.fsum(a * b for a, b in zip(rows[i], rows[j]))
    return sorted(mpmath.eigsy(G, eigvals_only=True))


def _exact_jacobian_rows(V, A, B, X, block):
    mp = mpmath.mpf
    d2, d1 = V.shape
    d0, n = X.shape
    rows = []
    for k in range(d2):
        for a in range(n):
            row = []
            if block in ("both", "first"):
                row += [mp(V[k, j]) * mp(B[j, a]) * mp(X[l, a]) for j in range(d1) for l in range(d0)]
            if block in ("both", "second"):
                row += [mp(A[j, a]) if kk == k else mp(0) for kk in range(d2) for j in range(d1)]
            rows.append(row)
    return rows


def _contains(iv: SpectralInterval, exact) -> bool:
    return mpmath.mpf(iv.lo) <= exact <= mpmath.mpf(iv.hi)


@pytest.mark.parametrize("dense_limit", [10_000, 4], ids=["dense", "shift-invert"])
@pytest.mark.parametrize("block", ["both", "first"])
def test_formed_gram_intervals_contain_the_extended_precision_eigenvalues(monkeypatch, dense_limit, block):
    monkeypatch.setattr(spectra, "DENSE_LIMIT", dense_limit)
    V, A, B, X = _case(d0=3, n=8, d1=12, d2=2, seed=1)
    exact = _exact_eigenvalues(_exact_jacobian_rows(V, A, B, X, block))
    e = jacobian_extremes(V, A, B, X, (block,))[block]
    assert _contains(e.lambda_min_interval, exact[0]) and _contains(e.lambda_max_interval, exact[-1])
    smin = mpmath.sqrt(exact[0])
    assert _contains(e.sigma_min_interval, smin)
    # sigma_min(J) is certified from below by a Cholesky; the W-block (no verdict rests on it) gets [0, hi]
    expected = Bound.CHOLESKY if block == "both" else Bound.GRAM_PSD
    assert e.lambda_min_interval.lo_by is expected and e.sigma_min_interval.positive == (block == "both")
    rows = _exact_jacobian_rows(V, A, B, X, block)
    G = np.array([[float(mpmath.fsum(a * b for a, b in zip(r1, r2))) for r2 in rows] for r1 in rows])  # exact Gram, rounded once
    full = spectra.gram_extremes(G, formation_error=2.0**-53 * float(np.abs(G).sum(axis=1).max()))  # every end tight
    assert full.lambda_min_interval.lo_by is Bound.CHOLESKY and full.lambda_min_interval.positive
    assert _contains(full.lambda_min_interval, exact[0]) and _contains(full.lambda_max_interval, exact[-1])
    print(f"{block}: sigma_min in [{e.sigma_min_interval.lo:.15g}, {e.sigma_min_interval.hi:.15g}], exact {mpmath.nstr(smin, 17)}")


def test_matrix_free_intervals_contain_the_extended_precision_eigenvalues():
    V, A, B, X = _case(d0=3, n=8, d1=12, d2=2, seed=1)
    exact = _exact_eigenvalues(_exact_jacobian_rows(V, A, B, X, "both"))
    from opcheck.linalg import gram_error

    def mv(u):
        from opcheck.linalg.jacobian import jvp, vjp

        g = vjp(V, A, B, X, u.reshape(2, 8))
        return jvp(V, A, B, X, g.W, g.V).ravel()

    e = spectra.operator_extremes(
        mv, 16, rayleigh=lambda u: gram_error.rayleigh_factored("both", V, A, B, X, u),
        upper_bound=gram_error.operator_norm_bound("both", V, A, B, X),
    )
    assert _contains(e.lambda_min_interval, exact[0]) and _contains(e.lambda_max_interval, exact[-1])
    assert e.lambda_min_interval.lo == 0.0 and e.lambda_min_interval.lo_by is Bound.GRAM_PSD  # no factorisation, no lower certificate
    assert e.lambda_min_interval.hi <= float(exact[0]) * (1 + 1e-8)  # the Rayleigh end is tight


def test_well_conditioned_interval_is_at_most_1e_minus_8_relative_wide():
    from opcheck.linalg import gram_error
    from opcheck.linalg.gram import jacobian_gram

    V, A, B, X = _case(d0=20, n=30, d1=600, d2=1, seed=2)
    ext = jacobian_extremes(V, A, B, X, ("both", "second"))
    tight = [ext["both"].lambda_min_interval, ext["both"].sigma_min_interval]  # what verdicts rest on
    tight += [getattr(ext["second"], k) for k in ("lambda_min_interval", "lambda_max_interval", "sigma_min_interval", "sigma_max_interval")]
    full = spectra.gram_extremes(jacobian_gram(V, A, B, X.T @ X), formation_error=gram_error.formation_error("both", V, A, B, X))
    tight += [full.lambda_min_interval, full.lambda_max_interval, full.sigma_min_interval, full.sigma_max_interval]
    for iv in tight:
        assert iv.relative_width <= 1e-8, iv
    assert full.lambda_max / full.lambda_min < 1e3  # indeed well conditioned


def test_singular_gram_interval_reaches_zero_and_contains_the_truth():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((80, 10))  # G = M Mᵀ has rank 10 < 80: exact λ_min = 0
    e = spectra.gram_extremes(M @ M.T)
    assert e.lambda_min_interval.lo == 0.0 and e.lambda_min_interval.hi >= 0.0
    assert e.lambda_min == 0.0 and "numerically singular" in e.note
    assert not e.sigma_min_interval.positive


def test_unconverged_lanczos_gives_an_interval_not_a_zero():
    """Issue 9 defect 9 in small: a starved matrix-free run must still enclose the true λ_min."""
    V, A, B, X = _case(d0=4, n=60, d1=90, d2=3, seed=5)
    exact = np.linalg.eigvalsh(_dense_w_gram(V, B, X))
    from opcheck.linalg import gram_error
    from opcheck.linalg.jacobian_spectrum import _matvec

    e = spectra.operator_extremes(
        _matvec("first", V, A, B, X), 180, max_products=40,
        rayleigh=lambda u: gram_error.rayleigh_factored("first", V, A, B, X, u),
        upper_bound=gram_error.operator_norm_bound("first", V, A, B, X),
    )
    iv = e.lambda_min_interval
    assert not iv.converged and "did not converge" in e.note
    assert iv.lo <= exact[0] * (1 - 1e-9) and exact[0] <= iv.hi
    assert e.lambda_min > 0 and "numerically singular" not in e.note


def _dense_w_gram(V, B, X):
    d2, n = V.shape[0], X.shape[1]
    S = np.hstack([B * V[k][:, None] for k in range(d2)])
    return (S.T @ S) * np.tile(X.T @ X, (d2, d2))


def test_khatri_rao_intervals_contain_the_extended_precision_values():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 9))
    X /= np.linalg.norm(X, axis=0)
    mp = mpmath.mpf
    for k in khatri_rao_extremes(X, [2, 3]):
        rows = []
        for a in range(9):  # column a of X^{*t}: all t-fold products of x_a's entries
            idx = np.indices((4,) * k.t).reshape(k.t, -1).T
            rows.append([math.prod((mp(X[i, a]) for i in ii), start=mp(1)) for ii in idx])
        exact = _exact_eigenvalues(rows)
        assert _contains(k.sigma_min_interval, mpmath.sqrt(exact[0])), k.t
        assert _contains(k.sigma_max_interval, mpmath.sqrt(exact[-1])), k.t


def test_symmetric_store_products_survive_factorisations():
    rng = np.random.default_rng(7)
    M = rng.standard_normal((300, 700))
    G = M @ M.T
    ref = G.copy()
    store = SymmetricStore(G)
    x = rng.standard_normal(300)
    for shift, sign in ((1.0, 1.0), (-1e6, -1.0), (1e9, 1.0)):  # success, success, breakdown
        store.factor(shift, sign)
        assert np.allclose(store.matvec(x), ref @ x, rtol=1e-12, atol=1e-9)
    assert np.array_equal(np.tril(store.restore()), np.tril(ref))
    assert np.allclose(store.abs_matvec(np.abs(x)), np.abs(ref) @ np.abs(x), rtol=1e-12)


def test_interval_algebra():
    iv = SpectralInterval(4.0, 3.9, 4.1, Bound.CHOLESKY, Bound.RAYLEIGH)
    s = iv.sqrt()
    assert s.lo == pytest.approx(math.sqrt(3.9)) and s.hi == pytest.approx(math.sqrt(4.1)) and s.positive
    assert iv.with_lower(4.0, Bound.GRAM_PSD).lo == 4.0 and iv.with_lower(1.0, Bound.GRAM_PSD) is iv
    with pytest.raises(ValueError):
        SpectralInterval(1.0, 2.0, 1.0, Bound.NONE, Bound.NONE)
    assert iv.as_dict()["interval"] == [3.9, 4.1]


def test_matrix_free_jacobian_is_certified_positive_by_the_v_block(monkeypatch):
    """Issue 9 defect 9: with the Gram over the memory budget, σ_min(J) comes as a certified interval with lo > 0."""
    from opcheck._runtime import memory
    from opcheck.linalg.jacobian_spectrum import _formed_bytes

    V, A, B, X = _case(d0=4, n=60, d1=90, d2=3, seed=5)
    lo_b, hi_b = _formed_bytes("second", 60, 4, 90, 3, True), _formed_bytes("both", 60, 4, 90, 3, True)
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", str(0.5 * (lo_b + hi_b) / memory.GB))
    ext = jacobian_extremes(V, A, B, X, ("both", "first", "second"))
    assert ext["both"].method == spectra.Method.LANCZOS.value and ext["second"].method != spectra.Method.LANCZOS.value
    JJ = _dense_w_gram(V, B, X) + np.kron(np.eye(3), A.T @ A)
    exact = np.linalg.eigvalsh(JJ)[0]
    iv = ext["both"].lambda_min_interval
    assert iv.lo_by is Bound.V_BLOCK and iv.positive and iv.lo <= exact <= iv.hi
    assert ext["both"].iterations <= 2 * spectra.MATRIX_FREE_PRODUCTS + 4


def test_streamed_gram_path_matches_the_held_arrays_path():
    """A, B streamed from W in chunks (bench_scale's path) give the same certified spectrum."""
    from opcheck.linalg.streamed_gram import plan, streamed_jacobian_extremes

    rng = np.random.default_rng(8)
    d0, n, d1 = 6, 150, 260
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W, V = rng.standard_normal((d1, d0)) / np.sqrt(d0), rng.standard_normal((1, d1)) / np.sqrt(d1)
    act = get_activation("gelu")
    A, B = act.phi_and_dphi(W @ X)
    ref = jacobian_extremes(V, A, B, X, ("both",))["both"]
    got, p = streamed_jacobian_extremes(W, V, X, act.phi_and_dphi, chunk=64)
    assert abs(got.lambda_min - ref.lambda_min) <= 1e-9 * ref.lambda_max
    assert got.lambda_min_interval.lo <= ref.lambda_min <= got.lambda_min_interval.hi
    assert p.working_bytes >= 8.0 * n * n and p.predicted_peak_bytes > p.working_bytes
