"""SymmetricStore reads only the lower triangle: garbage above it changes nothing (dense numpy as the oracle)."""
import numpy as np
import pytest

from opcheck.linalg.symmetric_store import SymmetricStore


def _spd(N=50, seed=0):
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((N, N + 3))
    return F @ F.T / N


def _with_garbage_above(G):
    H = np.asfortranarray(G.copy())
    iu = np.triu_indices(G.shape[0], 1)
    H[iu] = np.random.default_rng(9).standard_normal(iu[0].size) * 1e3
    return H


@pytest.mark.parametrize("N", [50, 150])  # one column block of 64, and several with a partial last one
@pytest.mark.parametrize("k", [None, 5])
def test_products_before_and_after_a_factorisation(k, N):
    G = _spd(N)
    store = SymmetricStore(_with_garbage_above(G))
    x = np.random.default_rng(1).random(N if k is None else (N, k))
    assert np.allclose(store.matvec(x), G @ x, rtol=1e-13, atol=1e-12)
    assert np.allclose(store.abs_matvec(np.abs(x)), np.abs(G) @ np.abs(x), rtol=1e-13, atol=1e-12)
    assert store.factor(-0.5)  # G + 0.5 I: SPD
    assert np.allclose(store.matvec(x), G @ x, rtol=1e-13, atol=1e-12)  # the factor overwrote the diagonal and the upper part
    assert np.allclose(store.abs_matvec(np.abs(x)), np.abs(G) @ np.abs(x), rtol=1e-13, atol=1e-12)


def test_factorisations_of_a_store_whose_upper_triangle_was_never_mirrored():
    G = _spd(seed=2)
    lam = np.linalg.eigvalsh(G)
    store = SymmetricStore(_with_garbage_above(G))
    s = 0.5 * lam[0]
    assert store.factor(s)
    b = np.random.default_rng(3).random(50)
    assert np.allclose(store.solve(b), np.linalg.solve(G - s * np.eye(50), b), rtol=1e-10)
    assert not store.factor(lam[0] + 1e-3)  # indefinite: breaks down
    assert store.factor(s)  # rebuilt from the untouched lower triangle
    assert np.allclose(store.solve(b), np.linalg.solve(G - s * np.eye(50), b), rtol=1e-10)
    H = store.restore()
    assert np.array_equal(H, H.T) and np.allclose(H, G, rtol=0, atol=0)
    assert store.factor(s)  # after restore() only the diagonal is shifted
    assert np.allclose(store.solve(b), np.linalg.solve(G - s * np.eye(50), b), rtol=1e-10)


def test_lower_gives_back_the_lower_triangle_and_diagonal_without_a_mirror():
    G = _spd(seed=4)
    store = SymmetricStore(_with_garbage_above(G))
    assert store.factor(-1e-3)  # G + 1e-3 I
    L = store.lower()
    assert np.array_equal(np.tril(L), np.tril(G))
    x = np.ones(50)
    assert np.allclose(store.matvec(x), G @ x, rtol=1e-13)


def test_factor_rounding_bound_refined_by_collatz_wielandt_still_bounds_the_spectral_radius():
    """γ_{N+1} ρ(|Rᵀ||R|) ≤ refined bound ≤ ∞-norm bound, and the power steps reach ρ (dense eigvalsh as the oracle)."""
    from opcheck.linalg.intervals import gamma

    N = 300
    rng = np.random.default_rng(5)
    F = np.abs(rng.standard_normal((N, 2 * N)))  # positive entries: G = F Fᵀ has a dominant Perron mode
    G = F @ F.T / N
    store = SymmetricStore(G.copy())
    assert store.factor(0.5 * np.linalg.eigvalsh(G)[0])
    R = np.triu(store.H)
    rho = np.linalg.eigvalsh(np.abs(R.T) @ np.abs(R))[-1]
    inf_norm = store.factor_rounding_bound(tight_below=0.0)
    refined = store.factor_rounding_bound(tight_below=0.0, refine_above=0.0)
    g = gamma(N + 1)
    print(f"gamma*rho {g * rho:.3e}, refined {refined:.3e}, inf-norm {inf_norm:.3e}")
    assert g * rho <= refined <= inf_norm
    assert refined <= 1.05 * g * rho * 1.01  # converged to the spectral radius (within SAFETY-sized slack)


def test_abs_factor_product_is_abs_rt_abs_r_times_x():
    """The blocked |Rᵀ|(|R| x) against the dense product, at an order that is not a multiple of the block."""
    N = 150
    rng = np.random.default_rng(7)
    F = rng.standard_normal((N, 2 * N))
    store = SymmetricStore(F @ F.T)
    assert store.factor(0.0)
    R = np.triu(store.H)
    x = rng.random(N)
    np.testing.assert_allclose(store._abs_factor_product(x), np.abs(R.T) @ (np.abs(R) @ x), rtol=1e-13)
