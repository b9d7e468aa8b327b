"""Fresh per-chunk Gram accumulation: the formed Gram against an extended-precision oracle, within its bound.

The oracle is the explicit Jacobian written entry by entry from A, B, V, X and multiplied in
``np.longdouble`` (x87 extended, u = 2⁻⁶⁴: its own error is ≈ 2000x below the bounds tested).
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from opcheck.linalg import gram, gram_error
from opcheck.linalg.intervals import SAFETY, gamma
from opcheck.model.activations import get_activation

EXTENDED = np.finfo(np.longdouble).eps < 1e-18
needs_extended = pytest.mark.skipif(not EXTENDED, reason="np.longdouble is not extended precision here")


def _problem(n: int, d0: int, d1: int, d2: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W = rng.standard_normal((d1, d0)) / np.sqrt(d0)
    V = rng.standard_normal((d2, d1)) / np.sqrt(d1)
    A, B = get_activation("gelu").phi_and_dphi(W @ X)
    return X, V, A, B


def _explicit_jacobian_ld(V, A, B, X, block: str) -> np.ndarray:
    """J (rows (k, a)) in long double: ∂Z_ka/∂W_jl = V_kj B_ja X_la, ∂Z_ka/∂V_k'j = δ_kk' A_ja."""
    Vl, Al, Bl, Xl = (np.asarray(M, dtype=np.longdouble) for M in (V, A, B, X))
    d2, d1 = V.shape
    d0, n = X.shape
    parts = []
    if block in ("both", "first"):
        parts.append((Vl[:, None, :, None] * Bl.T[None, :, :, None] * Xl.T[None, :, None, :]).reshape(d2 * n, d1 * d0))
    if block in ("both", "second"):
        k_out = 1 if block == "second" else d2
        JV = np.zeros((k_out, n, k_out, d1), dtype=np.longdouble)
        for k in range(k_out):
            JV[k, :, k, :] = Al.T
        parts.append(JV.reshape(k_out * n, k_out * d1))
    return np.concatenate(parts, axis=1)


ORACLE_SIZES = (40, 5, 300, 16)  # n, d0, d1, chunk of the extended-precision cases


def _oracle_case(block: str, d2: int, fresh: int):
    """(X, the block's V, the chunk source, the formed Gram, the long-double explicit J) at :data:`ORACLE_SIZES`."""
    n, d0, d1, chunk = ORACLE_SIZES
    X, V, A, B = _problem(n, d0, d1, d2)
    Vb = V[:1] if block == "second" else V
    src = gram.array_chunks(A, B, chunk, fresh=fresh)
    return X, Vb, src, _formed(block, Vb, X, src, Vb.shape[0]), _explicit_jacobian_ld(V, A, B, X, block)


def _formed(block: str, V, X, src, d2: int) -> np.ndarray:
    """The block's Gram as verify forms it in place (lower triangle), symmetrised."""
    if block == "second":
        H = gram.form_v_block(src)
    else:
        H = gram.form_w_block(gram.new_gram(d2 * X.shape[1]), V, src, X)
        if block == "both":
            H = gram.add_v_block(H, d2, src)
    L = np.tril(H)
    return L + np.tril(L, -1).T


@needs_extended
@pytest.mark.parametrize("fresh", [16, 48])
@pytest.mark.parametrize("d2", [1, 3])
@pytest.mark.parametrize("block", ["both", "first", "second"])
def test_fresh_gram_within_its_bound_against_extended_precision(monkeypatch, fresh, d2, block):
    """n = 40, d0 = 5, d1 = 300 in chunks of ≤ 16 units, fresh products of one chunk (C = 19) or of three packed
    (b = 48, C = 7); panels of 32 and tiles of 40 rows, so the diagonal blocks, the tiles below them and the
    ragged last ones all occur.  Elementwise |fl(G) − G| ≤ γ_m |J||J|ᵀ and ‖fl(G) − G‖₂ ≤ the bound, with
    m = b + C − 1, d0 + b + C + 2, d0 + b + 2C + 2."""
    monkeypatch.setattr(gram, "PANEL", 32)
    monkeypatch.setattr(gram, "FRESH_PANEL", 32)
    monkeypatch.setattr(gram, "TILE_ROWS", 40)
    n, d0, d1, chunk = ORACLE_SIZES
    X, Vb, src, G, J = _oracle_case(block, d2, fresh)
    exact = J @ J.T
    absJ = np.abs(J)
    M = absJ @ absJ.T

    errs = gram_error.FormationErrors(Vb, X, src)
    b, C = fresh, -(-d1 // fresh)
    m = {"second": b + C - 1, "first": d0 + b + C + 2, "both": d0 + b + 2 * C + 2}[block]
    assert (errs.chunk, errs.chunks) == (b, C) and errs.inner_length(block) == m
    diff = np.abs(G.astype(np.longdouble) - exact)
    assert np.all(diff <= gamma(m) * M)
    err2 = float(np.linalg.norm(diff.astype(np.float64), 2))
    assert err2 <= errs(block)
    assert errs(block) >= gamma(m) * float(np.linalg.norm(M.astype(np.float64), 2))
    old = errs.inner_length(block, fresh=False)
    assert old == gram_error.inner_length(block, d0, d1)
    ratio = errs(block, fresh=False) / errs(block)
    print(f"{block} d2={d2}: max |fl(G) - G| = {float(diff.max()):.2e}, 2-norm {err2:.2e}; bound {errs(block):.2e} "
          f"(m = {m}), beta = 1 bound {errs(block, fresh=False):.2e} (m = {old}), ratio {ratio:.2f}")
    assert ratio == pytest.approx(gamma(old) / gamma(m), rel=1e-6) and ratio > 4.0
    assert ratio == pytest.approx({"second": 300 / 34, "first": 308 / 42, "both": 611 / 61}[block] if fresh == 16 else
                                  {"second": 300 / 54, "first": 308 / 62, "both": 611 / 69}[block], rel=1e-6)


@needs_extended
def test_beta_one_gram_within_the_old_bound_against_extended_precision():
    """The dsyrk β = 1 accumulation (the in-memory default) stays within γ_{d0 + 2 d1 + 6} |J||J|ᵀ."""
    n, d0, d1, d2 = 40, 5, 300, 2
    X, V, A, B = _problem(n, d0, d1, d2, seed=4)
    src = gram.array_chunks(A, B, 16)
    assert gram.accumulation(src) == (False, 1)
    G = _formed("both", V, X, src, d2)
    J = _explicit_jacobian_ld(V, A, B, X, "both")
    absJ = np.abs(J)
    errs = gram_error.FormationErrors(V, X, src)
    assert errs.inner_length("both") == d0 + 2 * d1 + 6
    assert np.all(np.abs(G.astype(np.longdouble) - J @ J.T) <= gamma(d0 + 2 * d1 + 6) * (absJ @ absJ.T))


def test_fresh_and_beta_one_agree_and_streamed_source_is_fresh():
    """Both schemes form the same Gram (to rounding) as the whole-array one; the streamed source asks for fresh."""
    n, d0, d1, d2 = 60, 4, 90, 2
    X, V, A, B = _problem(n, d0, d1, d2, seed=5)
    ref = gram.jacobian_gram(V, A, B, X.T @ X)
    for fresh in (0, 8, 40):
        G = _formed("both", V, X, gram.array_chunks(A, B, 8, fresh), d2)
        np.testing.assert_allclose(G, ref, rtol=0, atol=1e-13 * np.abs(ref).max())
    streamed = gram.StreamedFactors(np.zeros((3, d0)), X, get_activation("gelu").phi_and_dphi)
    assert gram.accumulation(streamed) == (True, gram.FRESH_UNITS // gram.CHUNK)
    assert gram.accumulation(lambda: iter(())) == (False, 1)  # a plain callable: the β = 1 bound, never smaller


def test_inner_length_of_the_fresh_scheme_at_scale():
    """bench_scale's case (d0 = 64, d1 = 20 000, fresh products of 2048 units: C = 10): m falls from
    d0 + 2 d1 + 6 to d0 + b + 2C + 2."""
    old = gram_error.inner_length("both", 64, 20000)
    new = gram_error.inner_length("both", 64, 20000, 2048, 10)
    assert (old, new) == (40070, 2134)
    assert gram_error.inner_length("second", 64, 100, 512, 1) == 100  # one chunk: the plain inner product


def test_planner_counts_the_fresh_scratch(monkeypatch):
    """gram_bytes with fresh products adds exactly the tile and the packing buffers, and grows with TILE_ROWS;
    what add_products and the whole in-place formation allocate beside H (tracemalloc, which numpy reports
    to) stays within the planned bytes."""
    n, d1, d2, chunk, fresh = 300, 64, 2, 16, 32
    N = d2 * n
    monkeypatch.setattr(gram, "FRESH_PANEL", 64)
    monkeypatch.setattr(gram, "TILE_ROWS", 100)
    small = gram.gram_bytes(n, d1, d2, chunk, fresh=fresh)
    assert small - gram.gram_bytes(n, d1, d2, chunk) == 8.0 * (64 * 100 + 2 * chunk * N)
    monkeypatch.setattr(gram, "TILE_ROWS", 200)
    planned = gram.gram_bytes(n, d1, d2, chunk, fresh=fresh)
    assert planned - small == 8.0 * 64 * 100
    X, V, A, B = _problem(n, 5, d1, d2, seed=6)
    src = gram.array_chunks(A, B, chunk, fresh=fresh)
    H = gram.new_gram(N)
    F = np.asfortranarray(np.ones((chunk, N)))
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        gram.add_products(H, F, True)
        scratch = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        gram.add_v_block(gram.form_w_block(H, V, src, X), d2, src)
        beside_h = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    print(f"add_products allocated {scratch} B (tile {8 * 64 * 200} B); formation beside H {beside_h} B, "
          f"planned beside H {planned - 8.0 * N * N} B")
    assert 8 * 64 * 200 <= scratch <= 8 * 64 * 200 + 4096
    assert beside_h <= planned - 8.0 * N * N
