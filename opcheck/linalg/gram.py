"""The structured Gram ``J Jᵀ`` of the shallow network's Jacobian (design.md).

For ``Φ(Θ) = V φ(W X)`` with ``A = φ(W X)``, ``B = φ'(W X)`` (d1 × n), ``K = XᵀX``
and rows ordered (k, a) → k·n + a, the empirical NTK Gram is

    (J Jᵀ)[(k,a),(k',b)] = δ_kk' (AᵀA)_ab  +  K_ab · Σ_j V_kj V_k'j B_ja B_jb
                         = [I_d2 ⊗ AᵀA]  +  [K ⊙ (Bᵀ diag(V_k ⊙ V_k') B)]_{k,k'} .

The first term is the V-block ``J_V J_Vᵀ`` (∂Φ/∂V), the second the W-block
``J_W J_Wᵀ`` (∂Φ/∂W); both are PSD, so ``σ_min(J) ≥ σ_min(A) = μ_Φ`` (theory.md §4).
Cost: d2(d2+1)/2 GEMMs of n × d1 × n — O(d2² n² d1) — and (d2 n)² floats of memory;
the explicit Jacobian would need d2 n · d1 (d0 + d2) floats.

In place (:func:`form_w_block`, :func:`add_v_block`): the Gram is accumulated into one Fortran-ordered
N × N array, lower triangle only — ``Σ_c S_cᵀS_c`` over chunks c of hidden units,
then ``⊙ K`` by column panels (K's panel from X, never the n × n K), then
``I ⊗ AᵀA`` added into the diagonal blocks.  A, B are read chunk by chunk, so they
can be produced on the fly from W (:class:`StreamedFactors`) instead of being held
whole.  No second N × N array.

Two accumulations of ``Σ_c F_cᵀF_c`` (F = S or A), chosen by the chunk source's
``fresh`` attribute (:func:`accumulate`), with different rounding bounds
(:mod:`opcheck.linalg.gram_error`):

* β = 1 — BLAS ``dsyrk`` adds each chunk's product straight into H; the kernel
  may sum the old H into its inner product anywhere, so an entry's rounding is
  only bounded by ``γ_{d1}`` (every one of the d1 products may pass through d1
  roundings);
* fresh (:func:`add_products`) — ``fresh`` hidden units at a time (whole chunks
  packed into one buffer), each tile of their ``F_gᵀF_g`` is evaluated with β = 0
  into a scratch (numpy's matmul with ``out=``: the product is complete in the
  scratch before H is touched) and then added to H by one rounded addition per
  entry.  A product of group g passes ≤ b roundings inside its group's inner
  product (length b) and one per later group, so ``γ_{b + C − 1}`` (C groups).
  The scratch: one FRESH_PANEL × TILE_ROWS tile and the packing buffers
  (:func:`fresh_scratch_shapes`).  It costs time (the tiles' additions, the
  GEMMs' smaller shapes), so the streamed path (order 20 000, where the bound
  decides whether σ_min(J) is certified away from 0) uses it and the held-array
  path keeps β = 1 (benchmarks/bench_fresh_gram.py).
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
from scipy.linalg import blas

from opcheck._runtime import memory
from opcheck.linalg import block_krylov, symmetric_store

CHUNK = 512  # hidden units per chunk (one dsyrk update with β = 1)
FRESH_UNITS = 2048  # hidden units per fresh product where the source asks for it (the streamed path)
PANEL = 512  # columns per Hadamard panel
FRESH_PANEL = 256  # columns per panel of fresh products (add_products): narrow, so little of the diagonal is wasted
TILE_ROWS = 20480  # rows per fresh product tile (a whole panel up to order 20 480)


def gram_bytes(n: int, d1: int, d2: int, chunk: int = CHUNK, with_v_block_copy: bool = False, fresh: int = 0) -> float:
    """Peak bytes of forming a Jacobian Gram in place and certifying its extremes.

    One N × N array (N = d2·n), a stacked chunk S_c (chunk × N) and the chunk of
    A, B it reads, the Hadamard panel (N × PANEL, twice), the symmetric store's
    block scratch (N × BLOCK, three) and the Lanczos basis with its images; plus the
    n × n ``AᵀA`` when it is kept beside the Gram (d2 > 1, or μ_Φ asked as well);
    with ``fresh`` hidden units per fresh product, the scratch of :func:`fresh_scratch_shapes`.
    """
    N = d2 * n
    c = min(chunk, d1)
    extra = [(n, n)] if (with_v_block_copy or d2 > 1) else []
    scratch = fresh_scratch_shapes(N, c, fresh_grouping(chunk, fresh)) if fresh else []
    return memory.float64_bytes((N, N), (c, N), (c, n), (c, n), (N, PANEL), (N, PANEL), (N, 3 * symmetric_store.BLOCK),
                                (N, block_krylov.basis_columns(N)), *extra, *scratch)


def fresh_scratch_shapes(N: int, chunk: int, per: int) -> list[tuple[int, int]]:
    """What the fresh accumulation allocates beside H (order N, ``per`` chunks of ``chunk``
    rows per product): the :func:`add_products` tile and the buffer packing the chunks of S (per·chunk × N;
    A's, per·chunk × n, is allocated after it is freed)."""
    packed = [(per * chunk, N)] if per > 1 else []
    return [(min(FRESH_PANEL, N), min(TILE_ROWS, N)), *packed]


def fresh_grouping(chunk: int, fresh: int) -> int:
    """Chunks per fresh product: as many whole chunks of ``chunk`` units as ``fresh`` holds, at least one."""
    return max(1, fresh // max(chunk, 1))


Chunk = tuple[slice, np.ndarray, np.ndarray]
Chunks = Callable[[], Iterator[Chunk]]


class ArrayChunks:
    """Chunks (rows c, A[c], B[c]) of held arrays; ``fresh`` > 0: hidden units per fresh product
    (the accumulation, module docstring), 0: ``dsyrk`` with β = 1."""

    def __init__(self, A: np.ndarray, B: np.ndarray, chunk: int = CHUNK, fresh: int = 0):
        self.A, self.B, self.chunk, self.fresh = A, B, chunk, fresh

    def __call__(self) -> Iterator[Chunk]:
        d1 = self.A.shape[0]
        for j in range(0, d1, self.chunk):
            yield slice(j, min(j + self.chunk, d1)), self.A[j : j + self.chunk], self.B[j : j + self.chunk]


def array_chunks(A: np.ndarray, B: np.ndarray, chunk: int = CHUNK, fresh: int = 0) -> ArrayChunks:
    """Chunks (rows c, A[c], B[c]) of held arrays."""
    return ArrayChunks(A, B, chunk, fresh)


class StreamedFactors:
    """``A = φ(W X)``, ``B = φ'(W X)`` produced chunk by chunk from W (never whole); fresh products of
    ``fresh`` hidden units by default."""

    def __init__(self, W: np.ndarray, X: np.ndarray, phi_and_dphi: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                 chunk: int = CHUNK, fresh: int = FRESH_UNITS):
        self.W, self.X, self.f, self.chunk, self.fresh = W, X, phi_and_dphi, chunk, fresh

    def __call__(self) -> Iterator[Chunk]:
        d1 = self.W.shape[0]
        for j in range(0, d1, self.chunk):
            A, B = self.f(self.W[j : j + self.chunk] @ self.X)
            yield slice(j, min(j + self.chunk, d1)), A, B


def accumulation(chunks: Chunks) -> tuple[bool, int]:
    """(fresh, chunks per fresh product) the chunk source asks for; a plain callable: ``dsyrk`` with β = 1."""
    fresh = int(getattr(chunks, "fresh", 0) or 0)
    return fresh > 0, fresh_grouping(int(getattr(chunks, "chunk", 1)), fresh)


def new_gram(N: int) -> np.ndarray:
    """An uninitialised Fortran-ordered N × N array for :func:`form_w_block`."""
    return np.empty((N, N), order="F")


def add_products(H: np.ndarray, F: np.ndarray, first: bool) -> np.ndarray:
    """Lower triangle of H ← H + FᵀF (H ← FᵀF when ``first``), every tile of FᵀF formed fresh.

    F is k × N (any BLAS-compatible strides), H Fortran-ordered N × N.  Column panel
    [j0, j1) (FRESH_PANEL columns) of the lower triangle, from its diagonal block
    down, in tiles of TILE_ROWS rows: numpy's matmul with ``out=`` a scratch tile
    evaluates the tile's products (β = 0; a diagonal block whole, as a GEMM — one
    small ``dsyrk`` per panel was slower; the wasted upper half of the diagonal
    blocks is FRESH_PANEL / N of the work), and the tile is complete before one
    rounded addition per entry puts it into H.  So each entry of FᵀF is one
    length-k inner product rounded into the scratch, then added once: the premise
    of the ``γ_{b + C − 1}`` bound (:mod:`opcheck.linalg.gram_error`).  H's upper
    part outside the diagonal blocks is not touched.
    """
    N = F.shape[1]
    P = min(FRESH_PANEL, N)
    tile = np.empty(P * min(TILE_ROWS, N))
    for j0 in range(0, N, P):
        j1 = min(j0 + P, N)
        Fj = F[:, j0:j1]
        for i0 in range(j0, N, TILE_ROWS):
            i1 = min(i0 + TILE_ROWS, N)
            T = tile[: (j1 - j0) * (i1 - i0)].reshape(j1 - j0, i1 - i0)
            np.matmul(Fj.T, F[:, i0:i1], out=T)
            if first:
                H[i0:i1, j0:j1] = T.T
            else:
                H[i0:i1, j0:j1] += T.T
    return H


def accumulate(H: np.ndarray | None, factors: Iterator[np.ndarray], chunks: Chunks, first: bool) -> np.ndarray:
    """Lower triangle of H ← [H +] Σ_c F_cᵀF_c over the factor chunks, by the scheme ``chunks`` asks for.

    β = 1: one ``dsyrk`` per chunk straight into H.  Fresh: ``per`` consecutive chunks
    packed into one buffer (rows), whose product :func:`add_products` forms fresh.
    H None: a new N × N Fortran array of zeros (its upper part stays finite, as
    :func:`add_v_block` adds whole diagonal panels of it).
    """
    fresh, per = accumulation(chunks)
    buf, rows, count = None, 0, 0
    for F in factors:
        if H is None:
            H = np.zeros((F.shape[1], F.shape[1]), order="F")
        if not fresh:  # a row-major F is Fᵀ column-major: FᵀF as (Fᵀ)(Fᵀ)ᵀ without a transposing copy
            beta = 0.0 if first else 1.0
            if F.flags.c_contiguous:
                H = blas.dsyrk(1.0, F.T, beta=beta, c=H, trans=0, lower=1, overwrite_c=1)
            else:
                H = blas.dsyrk(1.0, np.asfortranarray(F), beta=beta, c=H, trans=1, lower=1, overwrite_c=1)
            first = False
            continue
        if per == 1:
            H, first = add_products(H, F, first), False
            continue
        if buf is None:  # in the chunks' own order, so packing copies contiguous runs
            buf = np.empty((per * F.shape[0], F.shape[1]), order="F" if F.flags.f_contiguous else "C")
        buf[rows : rows + F.shape[0]] = F
        rows, count = rows + F.shape[0], count + 1
        if count == per:
            H, first, rows, count = add_products(H, buf[:rows], first), False, 0, 0
    if rows:
        H = add_products(H, buf[:rows], first)
    return H


def _stacked(V: np.ndarray, chunks: Chunks, n: int) -> Iterator[np.ndarray]:
    """The stacked factors ``S_c = [diag(V_1[c]) B_c, …, diag(V_d2[c]) B_c]`` (chunk × d2·n, row-major like B:
    written without a transposition), in one reused buffer: each is valid until the next is requested."""
    d2 = V.shape[0]
    buf = None  # one buffer for every chunk: a fresh 4 MB array per chunk costs its page faults again
    for c, _A, B in chunks():
        if buf is None or buf.shape[0] < B.shape[0]:
            buf = np.empty((B.shape[0], d2 * n))
        S = buf[: B.shape[0]]
        for k in range(d2):
            np.multiply(B, V[k, c][:, None], out=S[:, k * n : (k + 1) * n])
        yield S


def form_w_block(H: np.ndarray, V: np.ndarray, chunks: Chunks, X: np.ndarray) -> np.ndarray:
    """Lower triangle of H ← ``J_W J_Wᵀ = [K ⊙ Bᵀ diag(V_k ⊙ V_k') B]``; H is Fortran-ordered N × N."""
    d2, n = V.shape[0], X.shape[1]
    if V.shape[1] == 0:
        H[...] = 0.0
    H = accumulate(H, _stacked(V, chunks, n), chunks, first=True)
    Xt = np.tile(X, (1, d2)) if d2 > 1 else X
    # the upper part of each diagonal panel is uninitialised scratch (never read): garbage times K
    # may be inf/NaN there, which must not trip the entry point's "numerical warnings are errors"
    with np.errstate(invalid="ignore", over="ignore"):
        for j0 in range(0, d2 * n, PANEL):
            j1 = min(j0 + PANEL, d2 * n)
            H[j0:, j0:j1] *= Xt[:, j0:].T @ Xt[:, j0:j1]  # the tiled K, panel by panel (upper part is scratch)
    return H


def add_v_block(H: np.ndarray, d2: int, chunks: Chunks, AtA: np.ndarray | None = None) -> np.ndarray:
    """Lower triangle of H += ``I_d2 ⊗ AᵀA``: from a given ``AtA`` (its lower triangle), else
    chunk by chunk straight into H when d2 = 1, else through one n × n AᵀA (:func:`form_v_block`)."""
    if AtA is None and d2 == 1:
        return accumulate(H, (A for _c, A, _B in chunks()), chunks, first=False)
    if AtA is None:
        AtA = form_v_block(chunks)
    n = AtA.shape[0]
    with np.errstate(invalid="ignore", over="ignore"):  # the diagonal panels' upper parts may be scratch (form_w_block)
        for k in range(d2):
            blk = H[k * n : (k + 1) * n, k * n : (k + 1) * n]
            for j0 in range(0, n, PANEL):
                blk[j0:, j0 : j0 + PANEL] += AtA[j0:, j0 : j0 + PANEL]
    return H


def form_v_block(chunks: Chunks) -> np.ndarray:
    """``AᵀA`` (n × n, Fortran order, lower triangle) accumulated over chunks (:func:`accumulate`)."""
    return accumulate(None, (A for _c, A, _B in chunks()), chunks, first=True)


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
