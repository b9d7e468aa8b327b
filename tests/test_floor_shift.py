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
