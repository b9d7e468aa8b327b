"""The structured Gram ``J Jᵀ`` of the shallow network's Jacobian (design.md).

For ``Φ(Θ) = V φ(W X)`` with ``A = φ(W X)``, ``B = φ'(W X)`` (d1 × n), ``K = XᵀX``
and rows ordered (k, a) → k·n + a, the empirical NTK Gram is

    (J Jᵀ)[(k,a),(k',b)] = δ_kk' (AᵀA)_ab  +  K_ab · Σ_j V_kj V_k'j B_ja B_jb
                         = [I_d2 ⊗ AᵀA]  +  [K ⊙ (Bᵀ diag(V_k ⊙ V_k') B)]_{k,k'} .

The first term is the V-block ``J_V J_Vᵀ`` (∂Φ/∂V), the second the W-block
``J_W J_Wᵀ`` (∂Φ/∂W); both are PSD, so ``σ_min(J) ≥ σ_min(A) = μ_Φ`` (theory.md §4).
Cost: d2(d2+1)/2 GEMMs of n × d1 × n — O(d2² n² d1) — and (d2 n)² floats of memory;
the explicit Jacobian would need d2 n · d1 (d0 + d2) floats.

In place (:func:`form_in_place`): the Gram is accumulated into one Fortran-ordered
N × N array, lower triangle only — ``Σ_c S_cᵀS_c`` by BLAS ``dsyrk`` (β = 1) over
chunks c of hidden units, then ``⊙ K`` by column panels (K's panel from X, never
the n × n K), then ``I ⊗ AᵀA`` added by ``dsyrk`` (β = 1) into the diagonal
blocks.  A, B are read chunk by chunk, so they can be produced on the fly from
W (:class:`StreamedFactors`) instead of being held whole.  No second N × N array.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
from scipy.linalg import blas

from opcheck._runtime import memory
from opcheck.linalg import block_krylov, symmetric_store

CHUNK = 512  # hidden units per dsyrk update
PANEL = 512  # columns per Hadamard panel


def gram_bytes(n: int, d1: int, d2: int, chunk: int = CHUNK, with_v_block_copy: bool = False) -> float:
    """Peak bytes of forming a Jacobian Gram in place and certifying its extremes.

    One N × N array (N = d2·n), a stacked chunk S_c (chunk × N) and the chunk of
    A, B it reads, the Hadamard panel (N × PANEL, twice), the symmetric store's
    block scratch (N × BLOCK, three) and the Lanczos basis with its images; plus the
    n × n ``AᵀA`` when it is kept beside the Gram (d2 > 1, or μ_Φ asked as well).
    """
    N = d2 * n
    c = min(chunk, d1)
    extra = [(n, n)] if (with_v_block_copy or d2 > 1) else []
    return memory.float64_bytes((N, N), (c, N), (c, n), (c, n), (N, PANEL), (N, PANEL), (N, 3 * symmetric_store.BLOCK), (N, block_krylov.basis_columns(N)), *extra)


Chunks = Callable[[], Iterator[tuple[slice, np.ndarray, np.ndarray]]]


def array_chunks(A: np.ndarray, B: np.ndarray, chunk: int = CHUNK) -> Chunks:
    """Chunks (rows c, A[c], B[c]) of held arrays."""
    d1 = A.shape[0]
    return lambda: ((slice(j, min(j + chunk, d1)), A[j : j + chunk], B[j : j + chunk]) for j in range(0, d1, chunk))


class StreamedFactors:
    """``A = φ(W X)``, ``B = φ'(W X)`` produced chunk by chunk from W (never whole)."""

    def __init__(self, W: np.ndarray, X: np.ndarray, phi_and_dphi: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], chunk: int = CHUNK):
        self.W, self.X, self.f, self.chunk = W, X, phi_and_dphi, chunk

    def __call__(self) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
        d1 = self.W.shape[0]
        for j in range(0, d1, self.chunk):
            A, B = self.f(self.W[j : j + self.chunk] @ self.X)
            yield slice(j, min(j + self.chunk, d1)), A, B


def new_gram(N: int) -> np.ndarray:
    """An uninitialised Fortran-ordered N × N array for :func:`form_in_place`."""
    return np.empty((N, N), order="F")


def form_w_block(H: np.ndarray, V: np.ndarray, chunks: Chunks, X: np.ndarray) -> np.ndarray:
    """Lower triangle of H ← ``J_W J_Wᵀ = [K ⊙ Bᵀ diag(V_k ⊙ V_k') B]``; H is Fortran-ordered N × N."""
    d2, n = V.shape[0], X.shape[1]
    beta = 0.0
    for c, _A, B in chunks():
        S = np.empty((B.shape[0], d2 * n), order="F")
        for k in range(d2):
            np.multiply(B, V[k, c][:, None], out=S[:, k * n : (k + 1) * n])
        H = blas.dsyrk(1.0, S, beta=beta, c=H, trans=1, lower=1, overwrite_c=1)
        beta = 1.0
    if beta == 0.0:
        H[...] = 0.0
    Xt = np.tile(X, (1, d2)) if d2 > 1 else X
    # the upper part of each diagonal panel is uninitialised scratch (never read): garbage times K
    # may be inf/NaN there, which must not trip the entry point's "numerical warnings are errors"
    with np.errstate(invalid="ignore", over="ignore"):
        for j0 in range(0, d2 * n, PANEL):
            j1 = min(j0 + PANEL, d2 * n)
            H[j0:, j0:j1] *= Xt[:, j0:].T @ Xt[:, j0:j1]  # the tiled K, panel by panel (upper part is scratch)
    return H


def add_v_block(H: np.ndarray, d2: int, chunks: Chunks, AtA: np.ndarray | None = None) -> np.ndarray:
    """Lower triangle of H += ``I_d2 ⊗ AᵀA``: from a given ``AtA`` (its lower triangle), else by
    dsyrk with β = 1 straight into H when d2 = 1, else through one n × n AᵀA."""
    if AtA is None and d2 == 1:
        for _c, A, _B in chunks():
            H = blas.dsyrk(1.0, np.asfortranarray(A), beta=1.0, c=H, trans=1, lower=1, overwrite_c=1)
        return H
    if AtA is None:
        AtA = form_v_block(chunks)
    n = AtA.shape[0]
    for k in range(d2):
        blk = H[k * n : (k + 1) * n, k * n : (k + 1) * n]
        for j0 in range(0, n, PANEL):
            blk[j0:, j0 : j0 + PANEL] += AtA[j0:, j0 : j0 + PANEL]
    return H


def form_v_block(chunks: Chunks) -> np.ndarray:
    """``AᵀA`` (n × n, Fortran order, lower triangle) by dsyrk over chunks."""
    H = None
    for _c, A, _B in chunks():
        A = np.asfortranarray(A)
        H = blas.dsyrk(1.0, A, trans=1, lower=1) if H is None else blas.dsyrk(1.0, A, beta=1.0, c=H, trans=1, lower=1, overwrite_c=1)
    return H


def w_block_gram(V: np.ndarray, B: np.ndarray, K: np.ndarray) -> np.ndarray:
    """``J_W J_Wᵀ`` — the Gram of the first-layer block, d2·n × d2·n.

    With the stacked factor ``S = [diag(V_1) B, …, diag(V_d2) B]`` (d1 × d2·n),
    ``Bᵀ diag(V_k ⊙ V_k') B`` is block (k, k') of ``SᵀS`` — one symmetric rank-d1
    update (BLAS syrk, which numpy uses for ``S.T @ S``) instead of d2(d2+1)/2
    separate GEMMs — followed by the Hadamard product with the tiled ``K``.
    """
    d2, n = V.shape[0], B.shape[1]
    S = np.empty((B.shape[0], d2 * n))
    for k in range(d2):
        np.multiply(B, V[k][:, None], out=S[:, k * n : (k + 1) * n])
    G = S.T @ S
    del S
    for k in range(d2):
        for kp in range(d2):
            G[k * n : (k + 1) * n, kp * n : (kp + 1) * n] *= K
    return G


def v_block_gram(A: np.ndarray) -> np.ndarray:
    """``AᵀA`` (n × n); the V-block Gram is ``I_d2 ⊗ AᵀA``."""
    return _syrk(A)


def jacobian_gram(V: np.ndarray, A: np.ndarray, B: np.ndarray, K: np.ndarray, w_block: np.ndarray | None = None) -> np.ndarray:
    """``J Jᵀ = I_d2 ⊗ AᵀA + J_W J_Wᵀ``; reuses ``w_block`` (then modified in place) if given."""
    d2, n = V.shape[0], A.shape[1]
    G = w_block_gram(V, B, K) if w_block is None else w_block
    AtA = v_block_gram(A)
    for k in range(d2):
        G[k * n : (k + 1) * n, k * n : (k + 1) * n] += AtA
    return G


def _syrk(A: np.ndarray) -> np.ndarray:
    """``AᵀA`` via BLAS dsyrk (half the flops of a GEMM), symmetrised."""
    C = blas.dsyrk(1.0, np.asfortranarray(A), trans=1, lower=0)
    upper = np.triu(C)
    return upper + np.triu(upper, 1).T
