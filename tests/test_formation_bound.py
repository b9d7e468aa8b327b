"""The Gram's formation error from its own trace, and when the row-sum pass is still run.

Oracle: the explicit Jacobian in ``np.longdouble`` (x87 extended, u = 2⁻⁶⁴), as in test_gram_fresh.
"""
from __future__ import annotations

import numpy as np
import pytest

from opcheck.linalg import gram, gram_error, jacobian_spectrum, spectra
from opcheck.linalg.intervals import REFINE_ABOVE, SAFETY, FormationBound, gamma
from opcheck.model.activations import get_activation
from tests.test_gram_fresh import ORACLE_SIZES, _explicit_jacobian_ld, _formed, _oracle_case, _problem, needs_extended


@needs_extended
@pytest.mark.parametrize("fresh", [0, 48])
@pytest.mark.parametrize("d2", [1, 3])
@pytest.mark.parametrize("block", ["both", "first", "second"])
def test_trace_bound_covers_the_true_error_and_exceeds_the_pass_bound_by_at_most_d2(fresh, d2, block):
    """‖fl(G) − G‖₂ (extended-precision oracle) ≤ the trace bound, for dsyrk β = 1 and fresh products; the trace bound
    is ≥ γ_m ‖|J||J|ᵀ‖₂ (it bounds it), and at most (1 + small) d2 times the row-sum pass's bound."""
    n, d0, d1, chunk = ORACLE_SIZES
    X, Vb, src, G, J = _oracle_case(block, d2, fresh)
    err2 = float(np.linalg.norm((G.astype(np.longdouble) - J @ J.T).astype(np.float64), 2))
    absJ = np.abs(J).astype(np.float64)
    b, C = (fresh, -(-d1 // fresh)) if fresh else (None, None)  # m written out here, not through gram_error (module docstring)
    m = ({"second": d1, "first": d0 + d1 + 3, "both": d0 + 2 * d1 + 6} if not fresh else
         {"second": b + C - 1, "first": d0 + b + C + 2, "both": d0 + b + 2 * C + 2})[block]
    assert gram_error.source_inner_length(block, d0, d1, src) == m
    passed = gram_error.FormationErrors(Vb, X, src)
    assert passed.inner_length(block) == m
    by_trace = gram_error.trace_formation_error(m, np.diagonal(G).copy())
    exact_diag = np.diagonal(J @ J.T)  # long double: the exact diagonal to ~1e-19
    g = np.longdouble(gamma(m))
    assert np.all(np.diagonal(G).astype(np.longdouble) >= (1 - g) * exact_diag)  # the premise: non-negative terms, each within γ_m
    exact_norm = float(np.linalg.norm(absJ @ absJ.T, 2))
    print(f"{block} d2={d2} fresh={fresh}: true {err2:.2e}, trace bound {by_trace:.2e}, pass bound {passed(block):.2e}, "
          f"gamma_m |||J||J|^T|| {gamma(m) * exact_norm:.2e}")
    assert err2 <= by_trace
    assert by_trace >= float(g * np.sum(exact_diag))  # γ_m tr(J Jᵀ), exact trace: what the bound claims to exceed
    assert by_trace >= gamma(m) * exact_norm
    assert by_trace <= passed(block) * 2 * (d2 if block != "second" else 1)  # the documented magnitude (not a soundness property)


def test_trace_bound_carries_its_factors_exactly():
    """With m = 2⁵¹, γ_m = 1/3 and γ/(1 − γ) = 1/2: the bound of a diagonal of 10⁶ entries summing to 3 is 3/2 times the
    inflation of a 10⁶-term sum (1 + γ_{10⁶+8} ≈ 1 + 1.1e-10) and SAFETY (1 + 1e-6) — a dropped 1/(1 − γ), inflation or
    SAFETY shows at rel 1e-12."""
    m = 2**51
    assert gamma(m) == pytest.approx(1 / 3, rel=1e-15)
    diag = np.full(1_000_000, 3e-6)
    value = gram_error.trace_formation_error(m, diag)
    expected = 0.5 * float(np.sum(diag)) * (1 + gamma(diag.size + 8)) * SAFETY
    assert value == pytest.approx(expected, rel=1e-12)
    assert value > 1.5 * (1 + 1e-7)
    assert gram_error.trace_formation_error(10, np.array([-1e-300, 0.0])) == 0.0  # no negative mass


def test_source_inner_length_reads_the_scheme_without_a_pass():
    """β = 1, fresh products of one chunk and of several, a ragged last chunk, and the streamed source."""
    X, V, A, B = _problem(30, 4, 130, 2)
    for fresh in (0, 16, 40):
        src = gram.array_chunks(A, B, 16, fresh=fresh)
        for block in ("both", "first", "second"):
            assert gram_error.source_inner_length(block, 4, 130, src) == gram_error.FormationErrors(V, X, src).inner_length(block)
    W = np.random.default_rng(0).standard_normal((130, 4))
    streamed = gram.StreamedFactors(W, X, get_activation("gelu").phi_and_dphi, 16, 48)
    assert gram_error.source_inner_length("both", 4, 130, streamed) == gram_error.FormationErrors(V, X, streamed).inner_length("both")


def test_the_tighter_bound_runs_only_when_the_first_is_large_against_lambda_min():
    calls = []

    def tighter() -> float:
        calls.append(1)
        return 1e-9

    bound = FormationBound(2e-8, tighter)
    assert bound.for_estimate(2e-8 / REFINE_ABOVE) == 2e-8 and not calls  # exactly at the threshold: kept
    assert bound.for_estimate(1e-7) == 1e-9 and len(calls) == 1  # 20 % of λ_min: refined
    assert bound.for_estimate(-1.0) == 1e-9 and len(calls) == 2  # a non-positive estimate: always refined
    assert FormationBound(3e-8, lambda: 1.0).for_estimate(0.0) == 3e-8  # never looser than the first
    assert FormationBound.of(0.5) == FormationBound(0.5)


def _count_passes(monkeypatch) -> list[int]:
    count: list[int] = []
    real = gram_error.FormationErrors.of.__func__

    def counted(cls, *args, **kwargs):
        count.append(1)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(gram_error.FormationErrors, "of", classmethod(counted))
    return count


def test_well_conditioned_gram_skips_the_pass_and_stays_certified(monkeypatch):
    """d2 = 1, data on the sphere: the trace bound is far below 1 % of λ_min, so no pass runs; the interval
    still encloses the dense eigvalsh of the explicit-Jacobian Gram, with the trace bound as its formation error."""
    n, d0, d1 = 60, 8, 400
    X, V, A, B = _problem(n, d0, d1, 1, seed=7)
    passes = _count_passes(monkeypatch)
    ext = jacobian_spectrum.jacobian_extremes(V, A, B, X, ("second", "both"))
    assert not passes
    for block, J in (("both", _explicit_jacobian_ld(V, A, B, X, "both")), ("second", _explicit_jacobian_ld(V, A, B, X, "second"))):
        lam = np.linalg.eigvalsh((J @ J.T).astype(np.float64))
        iv = ext[block].lambda_min_interval
        assert iv.lo <= lam[0] <= iv.hi and iv.lo > 0
        G = _formed(block, V[:1] if block == "second" else V, X, gram.array_chunks(A, B), 1)
        assert iv.formation_error == gram_error.trace_formation_error(gram_error.inner_length(block, d0, d1), np.diagonal(G).copy())
        assert iv.formation_error <= REFINE_ABOVE * iv.value
        np.testing.assert_allclose(ext[block].lambda_min, lam[0], rtol=1e-8)


def test_nearly_singular_gram_runs_the_pass_once_for_all_blocks(monkeypatch):
    """Two nearly equal samples make λ_min tiny: the trace bound exceeds 1 % of it, the row-sum pass runs once
    (shared by both blocks), and the certified interval carries the smaller bound."""
    n, d0, d1 = 60, 8, 400
    X, V, A, B = _problem(n, d0, d1, 1, seed=8)
    X[:, 1] = X[:, 0] + 2e-5 * X[:, 2]
    X[:, 1] /= np.linalg.norm(X[:, 1])
    W = np.random.default_rng(9).standard_normal((d1, d0)) / np.sqrt(d0)
    A, B = get_activation("gelu").phi_and_dphi(W @ X)
    passes = _count_passes(monkeypatch)
    jacobian_spectrum.jacobian_extremes(V, A, B, X, ("first",))
    assert not passes  # J_W alone: its lower end is 0 whatever the bound, so no pass
    ext = jacobian_spectrum.jacobian_extremes(V, A, B, X, ("second", "both"))
    assert len(passes) == 1
    shared = gram_error.FormationErrors.of(V, A, B, X)
    for block in ("second", "both"):
        iv = ext[block].lambda_min_interval
        first = gram_error.trace_formation_error(gram_error.inner_length(block, d0, d1), np.diagonal(_formed(block, V[:1] if block == "second" else V, X, gram.array_chunks(A, B), 1)).copy())
        assert first > REFINE_ABOVE * max(iv.value, 0.0)
        assert iv.formation_error == pytest.approx(min(first, shared(block)), rel=1e-12)
        J = _explicit_jacobian_ld(V, A, B, X, block)
        lam = np.linalg.eigvalsh((J @ J.T).astype(np.float64))[0]
        print(f"{block}: lambda_min {lam:.3e} in [{iv.lo:.3e}, {iv.hi:.3e}], trace bound {first:.2e}, pass {shared(block):.2e}")
        assert iv.lo <= lam <= iv.hi


def test_store_extremes_takes_a_plain_float_as_before():
    rng = np.random.default_rng(1)
    M = rng.standard_normal((80, 120))
    G = M @ M.T
    lam = np.linalg.eigvalsh(G)
    ext = spectra.store_extremes(spectra.SymmetricStore(G.copy()), 0, 1e-12)
    assert ext.lambda_min_interval.formation_error == 1e-12
    assert ext.lambda_min_interval.lo <= lam[0] <= ext.lambda_min_interval.hi


@pytest.mark.parametrize("n, d1", [(60, 400), (300, 2000)])
def test_the_planner_counts_the_pass_it_may_run_beside_the_gram(n, d1):
    """The pass can now run while the formed Gram is alive, so the planner adds its allocations
    (gram_error.pass_bytes); what it allocates (tracemalloc, which numpy reports to) stays within them."""
    import tracemalloc

    d0 = 8
    X, V, A, B = _problem(n, d0, d1, 1, seed=11)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        gram_error.FormationErrors.of(V, A, B, X)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    planned = gram_error.pass_bytes(d0, d1, n)
    print(f"n = {n}, d1 = {d1}: the pass allocated {peak} B at its peak, planned {planned:.0f} B")
    assert peak <= planned
    from opcheck.linalg.jacobian_spectrum import _formed_bytes

    assert _formed_bytes("both", n, d0, d1, 1, False) == gram.gram_bytes(n, d1, 1) + planned
