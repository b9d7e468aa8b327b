"""Shift-invert under a known floor (spectra.store_extremes(..., floor=)) against a dense eigvalsh.

G = I_4 ⊗ M + Q (Q PSD and small) has its four smallest eigenvalues in a cluster just
above λ_min(M) — the shape of J Jᵀ = I_d2 ⊗ AᵀA + J_W J_Wᵀ with d2 = 4.  With the floor
λ_min(M) the one factorisation of G − sI (s just under it) must give the estimate and
its certificate; with a floor far below, or a floor that is wrong (above λ_min), the
result must still enclose the dense λ_min (only a factorisation that ran proves anything).
"""
import numpy as np
import pytest

from opcheck.linalg import spectra
from opcheck.linalg.symmetric_store import SymmetricStore


def _clustered(seed=0, n=40, d2=4, q_scale=1e-3):
    rng = np.random.default_rng(seed)
    F = rng.standard_normal((n, n + 5))
    M = F @ F.T / n
    lam_m = float(np.linalg.eigvalsh(M)[0])
    Z = rng.standard_normal((d2 * n, 3))
    Q = q_scale * lam_m * (Z @ Z.T) / d2
    G = np.kron(np.eye(d2), M) + Q
    return G, lam_m, float(np.linalg.eigvalsh(G)[0])


def _run(G, floor, monkeypatch):
    calls = []
    original = SymmetricStore.factor

    def counted(self, shift, sign=1.0):
        ok = original(self, shift, sign)
        calls.append((shift, sign, ok))
        return ok

    monkeypatch.setattr(SymmetricStore, "factor", counted)
    monkeypatch.setattr(spectra, "DENSE_LIMIT", 4)
    e = spectra.store_extremes(SymmetricStore(G.copy()), 0, 0.0, tight_max=False, floor=floor)
    return e, [c for c in calls if c[1] > 0]


def test_floor_gives_estimate_and_certificate_in_one_factorisation(monkeypatch):
    G, lam_m, truth = _clustered()
    e, calls = _run(G, lam_m, monkeypatch)
    iv = e.lambda_min_interval
    print(f"floor {lam_m:.6g}, dense lambda_min {truth:.12g}, estimate {e.lambda_min:.12g}, [{iv.lo:.6g}, {iv.hi:.6g}], factorisations {len(calls)}")
    assert abs(e.lambda_min - truth) <= 1e-8 * truth
    assert iv.lo <= truth <= iv.hi
    assert iv.lo >= 0.95 * truth and iv.positive
    assert len(calls) == 1 and calls[0][0] > 0  # G − sI with s > 0, and no certificate factorisation after it


def test_far_floor_falls_back_to_the_certificate_factorisation(monkeypatch):
    G, lam_m, truth = _clustered(seed=1)
    e, calls = _run(G, 0.5 * lam_m, monkeypatch)
    iv = e.lambda_min_interval
    assert abs(e.lambda_min - truth) <= 1e-8 * truth
    assert iv.lo <= truth <= iv.hi
    assert iv.lo >= 0.99 * truth  # the tight certificate, not the far floor
    assert len(calls) == 2


@pytest.mark.parametrize("factor", [1.5, 3.0])
def test_wrong_floor_cannot_certify_anything_false(monkeypatch, factor):
    G, lam_m, truth = _clustered(seed=2)
    e, _calls = _run(G, factor * truth, monkeypatch)
    iv = e.lambda_min_interval
    assert abs(e.lambda_min - truth) <= 1e-8 * truth
    assert iv.lo <= truth <= iv.hi


@pytest.mark.parametrize("block_from", [4, 10**9])  # block Lanczos / ARPACK
def test_v_block_starts_change_the_speed_not_the_answer(monkeypatch, block_from):
    """Starting from e_a ⊗ u (u: M's extreme eigenvectors), as jacobian_spectrum does with the V-block's Ritz
    vectors: the same λ_min, λ_max as the dense eigvalsh, and for block Lanczos no more products than a random start."""
    G, lam_m, truth = _clustered(seed=2, q_scale=0.3)
    w = np.linalg.eigvalsh(G)
    monkeypatch.setattr(spectra, "DENSE_LIMIT", 4)
    monkeypatch.setattr(spectra, "BLOCK_FROM", block_from)
    n = G.shape[0] // 4
    F = np.random.default_rng(2).standard_normal((n, n + 5))  # M of _clustered(seed=2): the same first draw
    _, U = np.linalg.eigh(F @ F.T / n)
    starts = tuple(np.kron(np.eye(4), u.reshape(-1, 1)) for u in (U[:, 0], U[:, -1]))
    plain = spectra.store_extremes(SymmetricStore(G.copy()), 0, 0.0, tight_max=False, floor=lam_m)
    started = spectra.store_extremes(SymmetricStore(G.copy()), 0, 0.0, tight_max=False, floor=lam_m, starts=starts)
    print(f"products: random start {plain.iterations}, V-block start {started.iterations}")
    for e in (plain, started):
        assert abs(e.lambda_min - w[0]) <= 1e-8 * w[0] and abs(e.lambda_max - w[-1]) <= 1e-10 * w[-1]
        v_min, v_max = e.vectors
        assert abs(np.linalg.norm(v_max) - 1.0) < 1e-12 and np.linalg.norm(G @ v_max - e.lambda_max * v_max) <= 1e-8 * w[-1]
    if block_from == 4:
        assert started.iterations <= plain.iterations


def test_v_block_starts_are_one_copy_per_output_and_at_most_one_lanczos_block():
    from opcheck.linalg import block_krylov
    from opcheck.linalg.extremes import Extremes
    from opcheck.linalg.jacobian_spectrum import _v_block_starts

    n, d2 = 7, 20
    u_min, u_max = np.arange(1.0, n + 1), -np.arange(1.0, n + 1)
    second = Extremes(1.0, 2.0, "m", 1, 0.0, 0.0, 0.0, vectors=(u_min, u_max))
    s_min, s_max = _v_block_starts("both", {"second": second}, d2)
    m = block_krylov.BLOCK
    assert s_min.shape == s_max.shape == (d2 * n, m)
    for a in range(m):
        e = np.zeros(d2)
        e[a] = 1.0
        np.testing.assert_array_equal(s_min[:, a], np.kron(e, u_min))
        np.testing.assert_array_equal(s_max[:, a], np.kron(e, u_max))
    assert _v_block_starts("first", {"second": second}, d2) == (None, None)
    assert _v_block_starts("both", {}, d2) == (None, None)
