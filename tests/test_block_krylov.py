"""Block Lanczos (opcheck.linalg.block_krylov) against LAPACK's dense eigensolver, and the block products it relies on."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from opcheck.linalg import block_krylov, spectra
from opcheck.linalg.symmetric_store import SymmetricStore


def _matrix(N: int, spectrum: np.ndarray, seed: int = 0) -> np.ndarray:
    U, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((N, N)))
    G = (U * spectrum) @ U.T
    return 0.5 * (G + G.T)


@pytest.mark.parametrize("N", [3, 40, 300])
def test_top_eigenpair_matches_dense_eigh(N):
    spectrum = np.logspace(-3, 2, N)
    G = _matrix(N, spectrum)
    v0 = np.random.default_rng(1).standard_normal(N)
    pair = block_krylov.top_eigenpair(lambda X: G @ X, N, v0, tol=1e-10, seed_columns=np.random.default_rng(2))
    top = linalg.eigvalsh(G)[-1]
    assert pair.converged
    assert abs(pair.value - top) <= 1e-9 * top
    assert pair.residual <= 1e-8 * top
    assert abs(abs(pair.vector @ linalg.eigh(G)[1][:, -1]) - 1.0) < 1e-6


def test_cluster_at_the_top_within_one_block():
    """Eight nearly equal top eigenvalues (relative gaps 1e-6): the block resolves the largest."""
    N = 400
    spectrum = np.concatenate([np.linspace(0.1, 1.0, N - 8), 10.0 * (1.0 + 1e-6 * np.arange(8))])
    G = _matrix(N, spectrum, seed=3)
    pair = block_krylov.top_eigenpair(lambda X: G @ X, N, np.ones(N), tol=1e-12, seed_columns=np.random.default_rng(4))
    assert abs(pair.value - spectrum.max()) <= 1e-11 * spectrum.max()


def test_restart_keeps_converging():
    """A slowly converging spectrum (relative gap 1e-3) needs more blocks than the basis holds."""
    N = 600
    spectrum = np.concatenate([np.linspace(0.0, 1.0, N - 1), [1.001]])
    G = _matrix(N, spectrum, seed=5)
    pair = block_krylov.top_eigenpair(lambda X: G @ X, N, np.ones(N), tol=1e-10, seed_columns=np.random.default_rng(6))
    print(f"products {pair.products} for N = {N}, basis cap {block_krylov.MAX_BLOCKS * block_krylov.block_size(N)}")
    assert pair.products > block_krylov.MAX_BLOCKS * block_krylov.block_size(N)  # it did restart
    assert pair.converged and abs(pair.value - 1.001) <= 1e-10


def test_store_block_products_match_dense_in_both_states():
    N = 50
    G = _matrix(N, np.linspace(1.0, 5.0, N), seed=7)
    X = np.random.default_rng(8).standard_normal((N, 6))
    store = SymmetricStore(G.copy())
    np.testing.assert_allclose(store.matvec(X), G @ X, rtol=1e-12, atol=1e-12)
    assert store.factor(0.5)  # upper triangle now holds a Cholesky factor: products read the lower triangle only
    np.testing.assert_allclose(store.matvec(X), G @ X, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(store.solve(X), np.linalg.solve(G - 0.5 * np.eye(N), X), rtol=1e-10)


def test_formed_gram_takes_the_block_path_and_keeps_its_accuracy(monkeypatch):
    """Force the block path on a small order: λ_min, λ_max and their certificates against eigvalsh."""
    monkeypatch.setattr(spectra, "BLOCK_FROM", 1)
    N = 200
    spectrum = np.concatenate([[1e-6, 1.5e-6], np.logspace(-4, 2, N - 2)])
    G = _matrix(N, spectrum, seed=9)
    ref = linalg.eigvalsh(G)
    ext = spectra.gram_extremes(G.copy(), seed=0)
    assert abs(ext.lambda_min - ref[0]) <= 1e-8 * ref[0] + 1e-13 * ref[-1]
    assert abs(ext.lambda_max - ref[-1]) <= 1e-10 * ref[-1]
    assert ext.lambda_min_interval.lo <= ref[0] <= ext.lambda_min_interval.hi
    assert ext.lambda_max_interval.lo <= ref[-1] <= ext.lambda_max_interval.hi
    assert ext.lambda_min_interval.positive


def test_unconverged_block_run_hands_over_to_arpack(monkeypatch):
    """A run cut short (one block allowed) is continued by ARPACK from its best vector: the answer is still right."""
    monkeypatch.setattr(spectra, "BLOCK_FROM", 1)
    monkeypatch.setattr(spectra, "BLOCK_MAX_PRODUCTS", 1)
    N = 150
    G = _matrix(N, np.logspace(-2, 1, N), seed=10)
    ext = spectra.gram_extremes(G.copy(), seed=0)
    ref = linalg.eigvalsh(G)
    assert abs(ext.lambda_max - ref[-1]) <= 1e-10 * ref[-1]
    assert abs(ext.lambda_min - ref[0]) <= 1e-8 * ref[0]


@pytest.mark.parametrize("d2", [1, 3])
def test_shared_formation_errors_equal_the_per_block_bounds(d2):
    """One pair of absolute passes for all blocks gives the per-block bounds (at most a few ulps of inflation above)."""
    from opcheck.linalg import gram_error

    rng = np.random.default_rng(11)
    n, d0, d1 = 30, 5, 40
    X, V = rng.standard_normal((d0, n)), rng.standard_normal((d2, d1))
    A, B = rng.standard_normal((d1, n)), rng.standard_normal((d1, n))
    shared = gram_error.FormationErrors.of(V, A, B, X)
    for block in ("both", "first", "second"):
        Vb = V[:1] if block == "second" else V
        one = gram_error.formation_error(block, Vb, A, B, X)
        assert one <= shared(block) <= one * (1 + 1e-12)


def test_certificate_when_the_trace_margin_exceeds_lambda_min():
    """Trace-based a-priori margin (γ_{N+1}·tr ≈ 9e-10) above λ_min = 1e-10, true factor rounding tiny (near-diagonal G):
    the one realistic-shift attempt certifies λ_min > 0 from below."""
    from opcheck.linalg import certify

    N = 2000
    rng = np.random.default_rng(12)
    d = np.concatenate([[1e-10], 1.0 + rng.random(N - 1)])
    G = np.diag(d)
    G[1:4, 1:4] += 1e-3 * np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 2.0]])  # a little off-diagonal coupling
    true_min = linalg.eigvalsh(G)[0]
    store = SymmetricStore(G.copy())
    assert 2.0 * certify.predicted_margin(store, true_min, 1.0) > true_min  # the old path gave up here
    lo, by = certify.lower_end(true_min, store, 1e-20, 0.0, psd=True)
    print(f"certified lo {lo:.6g} <= lambda_min {true_min:.6g}")
    assert 0.0 < lo <= true_min and lo > 0.5 * true_min


def test_breakdown_at_the_first_shift_retries_larger_shifts(monkeypatch):
    """fl(G) slightly indefinite (λ_min = −1e-13·λ_max, as rounding can leave a singular Gram): G + NελmaxI breaks
    down, a 16x larger shift factorises, and the shift-inverted estimate keeps ~1e-15·λ_max absolute accuracy
    (the cI − G fall-back would only give ~1e-12·λ_max)."""
    N = 300
    spectrum = np.concatenate([[-1e-13], np.linspace(0.1, 1.0, N - 1)])
    G = _matrix(N, spectrum, seed=13)
    true_min = linalg.eigvalsh(G)[0]
    store = SymmetricStore(G.copy())
    assert not store.factor(-N * spectra.EPS * 1.0)  # the first shift breaks down
    store.restore()
    ext = spectra.store_extremes(store, seed=0)
    store.restore()
    monkeypatch.setattr(spectra, "SHIFT_RETRIES", 0)  # the former path: straight to cI − G
    old = spectra.store_extremes(store, seed=0)
    print(f"residual of the lambda_min pair: {ext.residual_min:.2e} with the retried shift, {old.residual_min:.2e} by cI - G")
    assert ext.residual_min <= 1e-14 < old.residual_min
    assert ext.lambda_min == 0.0 and "numerical resolution" in ext.note  # below the resolution: reported as 0, with why


def test_streamed_row_sums_equal_the_held_arrays_ones():
    """bench_scale's streamed formation bound uses the same |J||J|ᵀ1 and ‖J‖_F² as the held-array path (chunks of 7 units)."""
    from opcheck.linalg import gram, gram_error
    from opcheck.model.activations import get_activation

    rng = np.random.default_rng(14)
    n, d0, d1, d2 = 25, 4, 30, 2
    X, W, V = rng.standard_normal((d0, n)), rng.standard_normal((d1, d0)), rng.standard_normal((d2, d1))
    act = get_activation("gelu")
    A, B = act.phi_and_dphi(W @ X)
    held = gram_error.FormationErrors.of(V, A, B, X)
    streamed = gram_error.FormationErrors(V, X, gram.StreamedFactors(W, X, act.phi_and_dphi, 7))
    np.testing.assert_allclose(streamed.row_w + streamed.row_v[None, :], held.row_w + held.row_v[None, :], rtol=1e-12)
    np.testing.assert_allclose([streamed.frob_w, streamed.frob_a], [held.frob_w, held.frob_a], rtol=1e-12)
    rows = held.row_w + held.row_v[None, :]
    assert np.max(rows) < held.frob_w + d2 * held.frob_a  # the row-sum bound is the tighter one here
    # and the rows are |J|(|J|ᵀ1) of the explicit Jacobian (rows ordered (k, a), columns (W, V))
    from oracles import explicit_jacobian

    J = np.abs(explicit_jacobian(W, V, X, act.phi, act.dphi))
    np.testing.assert_allclose(rows.ravel(), J @ (J.T @ np.ones(J.shape[0])), rtol=1e-12)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_formation_pass_split_over_threads_matches_the_explicit_jacobian(workers, monkeypatch):
    """The held-array pass run as ``workers`` groups of hidden units in Python threads (several chunks each, uneven
    groups) gives the same |J||J|ᵀ1, ‖J‖_F² and bound as one group, and the rows are those of the explicit Jacobian."""
    from oracles import explicit_jacobian

    from opcheck.linalg import gram_error
    from opcheck.model.activations import get_activation

    monkeypatch.setattr(gram_error, "HELD_CHUNK_ELEMS", 4 * 25)  # 16 units a chunk (the floor): 2-3 chunks per group
    rng = np.random.default_rng(15)
    n, d0, d1, d2 = 25, 4, 97, 2
    X, W, V = rng.standard_normal((d0, n)), rng.standard_normal((d1, d0)), rng.standard_normal((d2, d1))
    act = get_activation("gelu")
    A, B = act.phi_and_dphi(W @ X)
    one = gram_error.FormationErrors.of(V, A, B, X, workers=1)
    split = gram_error.FormationErrors.of(V, A, B, X, workers=workers)
    J = np.abs(explicit_jacobian(W, V, X, act.phi, act.dphi))
    rows = split.row_w + split.row_v[None, :]
    np.testing.assert_allclose(rows.ravel(), J @ (J.T @ np.ones(J.shape[0])), rtol=1e-12)
    np.testing.assert_allclose(split.frob_w + d2 * split.frob_a, float(np.sum(J * J)), rtol=1e-12)
    assert (split.chunk, split.chunks) == (one.chunk, one.chunks)  # groups of whole chunks: the same m in γ_m
    for block in ("both", "first", "second"):
        assert split(block) == pytest.approx(one(block), rel=1e-13)
