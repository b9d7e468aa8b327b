"""Rounding bounds for the Jacobian Gram and its blocks (inputs of :mod:`.intervals`).

Every entry of ``J Jᵀ`` (:mod:`opcheck.linalg.gram`) is a sum of products of the
stored A, B, V, X; the evaluation writes each as ``Σ_t p_t (1 + θ_t)`` with
``|θ_t| ≤ γ_m`` (Higham §3.4: m roundings on a product's way into the sum), so

    |fl(G) − G| ≤ γ_m · |J||J|ᵀ   elementwise,

because ``|J_W||J_W|ᵀ = (|X|ᵀ|X|) ⊙ (|S|ᵀ|S|)`` and ``|J_V||J_V|ᵀ = I ⊗ |A|ᵀ|A|``.
The roundings: the stacked factor ``S = diag(V_k) B`` (one per factor, two per
product), ``K = XᵀX`` (d0), the Hadamard product (one), and the sums over the
d1 hidden units, which depend on how the chunks c (C of them, ≤ b units each) are
accumulated (:mod:`opcheck.linalg.gram`):

* β = 1 (``dsyrk`` into H, or one whole-d1 product: the distributed path,
  :func:`opcheck.linalg.gram.jacobian_gram`): a sum of d1 products, θ_{d1}.  So
  m = d1 (V-block), d0 + d1 + 3 (W-block), d0 + 2 d1 + 6 (full: the V-block's d1
  further roundings of H on top of the W-block's, β = 1);
* fresh (the product of each group of ≤ b units — whole chunks packed together —
  formed with β = 0, then added to H once; the first group is stored, not added):
  a product of group g passes ≤ b roundings in its group's inner product and
  ≤ C − 1 additions into H (C groups), θ_{b + C − 1}.  So m = b + C − 1 (V-block),
  d0 + b + C + 2 (W-block), d0 + b + 2C + 2 (full: with d2 = 1 the V-block's C fresh
  products are added into H, C more roundings of each W-term, while an A-term sees
  ≤ b + C; with d2 > 1 the fresh n × n AᵀA is added once, d0 + b + C + 3).

:class:`FormationErrors` reads the scheme from the chunk source the Gram is formed
from (:func:`opcheck.linalg.gram.accumulation`: chunks per group) and counts its
chunks: b = chunks per group × the longest chunk, C = ⌈chunks / per group⌉; a plain
callable is taken as β = 1, whose m is never smaller.
For the non-negative symmetric ``M = |J||J|ᵀ``, ``‖M‖₂ ≤ min(‖J‖_F², max(M 1))``;
``M 1 = |J| (|J|ᵀ 1)`` costs two products with the absolute factors, evaluated in
row chunks of W so no d1 × n absolute copy is held.

``‖J‖_F² = tr(J Jᵀ)`` needs no pass at all (:func:`trace_formation_error`): every
diagonal entry of the Gram is a sum of non-negative products, so
``fl(G)_ii ≥ (1 − γ_m) G_ii`` and ``tr G ≤ tr fl(G) / (1 − γ_m)``.  Measured against the
row-sum bound: 1.17x on the digits rows and 1.4–1.6x on Gaussian samples on the sphere
with d2 = 1 (M's mass is in its rows' common direction); with d2 outputs the trace gains
the d2 diagonal copies of that mass and the row sums do not, so roughly d2 times that
(4.4x at d2 = 3 in the tests, 11x on digits at d2 = 10).  The in-memory formed path
(:mod:`opcheck.linalg.jacobian_spectrum`) asks for the pass only when the trace bound is
large against λ_min (:class:`~opcheck.linalg.intervals.FormationBound`); the streamed and
distributed paths always make it.

The same absolute products bound the matrix-free quantities: the rounding of
``Jᵀv`` (``≤ γ_{n+d2+1} ‖|J|ᵀ|v|‖``) for a certified Rayleigh quotient, and
``λ_max(J Jᵀ) ≤ min(‖J‖_F², ‖J‖₁‖J‖_∞, max(M 1))``.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable, Iterator, Sequence

import numpy as np

from opcheck._runtime import memory, threads
from opcheck.linalg.certify import _ratio_interval
from opcheck.linalg.gram import accumulation
from opcheck.linalg.intervals import SAFETY, gamma, inflate
from opcheck.linalg.jacobian import vjp

CHUNK = 1024  # hidden units per chunk of the absolute products
HELD_CHUNK_ELEMS = 1 << 18  # entries per chunk of held A, B in FormationErrors (2 MB: the pass's temporaries stay in cache)


def _parts(block: str) -> tuple[bool, bool]:
    """(W part, V part) of the block: both, first (W only) or second (V only)."""
    return block in ("both", "first"), block in ("both", "second")


def _chunks(d1: int):
    for j0 in range(0, d1, CHUNK):
        yield slice(j0, min(j0 + CHUNK, d1))


def abs_transpose_product(block: str, V, A, B, X, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``|J|ᵀ U`` for U ≥ 0 (d2 × n) as (W part d1 × d0, V part d2 × d1); absent parts are zero."""
    with_w, with_v = _parts(block)
    d1 = A.shape[0]
    gW = np.zeros((d1, X.shape[0]))
    gV = np.zeros((V.shape[0], d1))
    absX = np.abs(X)
    for c in _chunks(d1):
        if with_w:
            gW[c] = ((np.abs(V[:, c]).T @ U) * np.abs(B[c])) @ absX.T
        if with_v:
            gV[:, c] = U @ np.abs(A[c]).T
    return gW, gV


def abs_product(block: str, V, A, B, X, gW: np.ndarray, gV: np.ndarray) -> np.ndarray:
    """``|J| (gW, gV)`` for non-negative directions, d2 × n."""
    with_w, with_v = _parts(block)
    out = np.zeros((V.shape[0], X.shape[1]))
    absX = np.abs(X)
    for c in _chunks(A.shape[0]):
        if with_w:
            out += np.abs(V[:, c]) @ (np.abs(B[c]) * (gW[c] @ absX))
        if with_v:
            out += gV[:, c] @ np.abs(A[c])
    return out


def abs_gram_norm(block: str, V, A, B, X) -> float:
    """An upper bound on ``‖ |J||J|ᵀ ‖₂`` (≥ ‖J Jᵀ‖₂ too): ``min(‖J‖_F², max(|J||J|ᵀ1))``."""
    return FormationErrors.of(V, A, B, X).abs_gram_norm(block)


def inner_length(block: str, d0: int, d1: int, chunk: int | None = None, chunks: int = 1) -> int:
    """m in ``γ_m``: the rounding steps one Gram entry goes through (module docstring).

    ``chunk`` None: the d1 hidden units summed by ``dsyrk`` with β = 1 (or in one product);
    else ``chunks`` fresh products of at most ``chunk`` units each, added into H one by one.
    """
    if chunk is None:
        return {"second": d1, "first": d0 + d1 + 3, "both": d0 + 2 * d1 + 6}[block]
    b, C = min(chunk, d1), chunks
    return {"second": b + C - 1, "first": d0 + b + C + 2, "both": d0 + b + 2 * C + 2}[block]


def pass_bytes(d0: int, d1: int, n: int) -> float:
    """Peak bytes :meth:`FormationErrors.of` allocates beside the arrays it reads: ``|J_W|ᵀ1`` (d1 × d0) and, per row
    group (at most one per CPU), a chunk's absolute copies and products (four chunk-sized arrays, ≤ ``HELD_CHUNK_ELEMS``
    entries each).  It may run while the formed Gram is alive (on demand, :class:`~opcheck.linalg.intervals.FormationBound`),
    so the planner adds it."""
    groups = min(threads.elementwise_threads(), threads.MAX_ROW_WORKERS)
    chunk = min(d1, max(16, HELD_CHUNK_ELEMS // max(1, n))) * n  # the chunk :meth:`FormationErrors.of` cuts
    return memory.float64_bytes((d1, d0), (4 * groups, chunk))


def source_inner_length(block: str, d0: int, d1: int, chunks) -> int:
    """m for the block's Gram accumulated from the chunk source ``chunks`` (its ``fresh`` and ``chunk``
    attributes, as :func:`opcheck.linalg.gram.accumulate` reads them), without a pass over it."""
    fresh, per = accumulation(chunks)
    if not fresh:
        return inner_length(block, d0, d1)
    count = -(-d1 // int(chunks.chunk))
    return inner_length(block, d0, d1, per * int(chunks.chunk), -(-count // per))


def trace_formation_error(m: int, diag: np.ndarray) -> float:
    """``‖fl(G) − G‖₂ ≤ γ_m ‖|J||J|ᵀ‖₂ ≤ γ_m tr(J Jᵀ) ≤ γ_m/(1 − γ_m) · Σ fl(G)_ii`` (sum inflated): from the
    formed Gram's diagonal alone (module docstring)."""
    g = gamma(m)
    return g / (1.0 - g) * inflate(float(np.sum(np.maximum(diag, 0.0))), diag.size) * SAFETY


def formation_error(block: str, V, A, B, X) -> float:
    """Bound on ``‖fl(G) − G‖₂`` for the block's Gram as :mod:`opcheck.linalg.gram` forms it."""
    return FormationErrors.of(V, A, B, X)(block)


class FormationErrors:
    """:func:`formation_error` for every block from one absolute pass over the factors.

    ``|J||J|ᵀ 1`` splits by layer: ``M_W 1`` (d2 × n, from the W-part) and
    ``M_V 1``, whose rows are all ``|A|ᵀ(|A| 1)`` (n).  The full Gram's row sums are
    their sum and the V-block's (``AᵀA``) the latter, so the blocks verify asks
    for (two; three with ``--w-block``) cost the passes of one; the Frobenius norms split the same way and are summed
    on the first pass.  The factors come as chunks of hidden units
    (:data:`opcheck.linalg.gram.Chunks`): held arrays (:meth:`of`) or evaluated from W
    chunk by chunk (the streamed path at large n, where A and B are never whole).
    The source's scheme and its b, C (module docstring) give m (:func:`inner_length`),
    as the Gram formed from the same source accumulates.
    """

    def __init__(self, V, X, chunks: Callable[[], Iterator[tuple[slice, np.ndarray, np.ndarray]]],
                 groups: Sequence[Callable[[], Iterator[tuple[slice, np.ndarray, np.ndarray]]]] = ()):
        self.d0, self.d1, self.d2 = X.shape[0], V.shape[1], V.shape[0]
        n = X.shape[1]
        self.fresh, per = accumulation(chunks)
        sums = _Sums(V, X)
        parts = [sums.absorb(chunks())] if len(groups) < 2 else _in_threads(sums, groups)
        self.frob_w = math.fsum(p.frob_w for p in parts)
        self.frob_a = math.fsum(p.frob_a for p in parts)
        self.row_w = np.sum([p.row_w for p in parts], axis=0)
        self.row_v = np.sum([p.row_v for p in parts], axis=0)
        longest, count = max(p.longest for p in parts), sum(p.count for p in parts)
        self.chunk, self.chunks = per * longest, -(-count // per)  # units per fresh product (at most), products
        self._terms = (self.d1 * n, X.size, V.size, self.d1 + self.d0 + n + self.d2)

    @classmethod
    def of(cls, V, A, B, X, workers: int | None = None) -> FormationErrors:
        """From held factors A = φ(WX), B = φ'(WX): chunks of ``HELD_CHUNK_ELEMS`` entries (their temporaries
        stay in cache), one BLAS thread each, the hidden units split into ``workers`` contiguous groups run
        in Python threads (None: :func:`opcheck._runtime.threads.row_workers`; numpy releases the GIL in
        every step of the pass).  The sums of the groups are added at the end: the bound is the same up
        to the order of its floating-point additions, which its inflation covers."""
        d1 = A.shape[0]
        rows = max(16, HELD_CHUNK_ELEMS // max(1, A.shape[1]))
        chunks = -(-d1 // rows)
        workers = max(1, min(workers or threads.row_workers(), chunks))
        edges = [min(d1, rows * round(chunks * g / workers)) for g in range(workers + 1)]  # whole chunks: the same chunks as one group

        def group(lo: int, hi: int):
            return lambda: ((c, A[c], B[c]) for c in (slice(j, min(j + rows, hi)) for j in range(lo, hi, rows)))

        groups = [group(edges[g], edges[g + 1]) for g in range(workers) if edges[g + 1] > edges[g]]
        with threads.serial():  # many small products: one BLAS thread (2 threads: 260 ms against 24 ms beside a busy process)
            return cls(V, X, group(0, d1), groups)

    def abs_gram_norm(self, block: str) -> float:
        """Upper bound on ``‖ |J||J|ᵀ ‖₂`` for the block: ``min(‖J‖_F², max(|J||J|ᵀ1))``, inflated for rounding."""
        size_a, size_x, size_v, dims = self._terms
        with_w, with_v = _parts(block)
        frob = (self.frob_w if with_w else 0.0) + ((self.d2 if with_w else 1) * self.frob_a if with_v else 0.0)
        frob = inflate(frob, 2 * size_a + size_x + size_v)
        rows = (self.row_w if with_w else 0.0) + (self.row_v[None, :] if with_v else 0.0)
        return min(frob, inflate(float(np.max(rows)), 3 * dims + 2))

    def inner_length(self, block: str, fresh: bool | None = None) -> int:
        """m for the block's Gram formed from this source (``fresh`` None: as the source says)."""
        fresh = self.fresh if fresh is None else fresh
        return inner_length(block, self.d0, self.d1, self.chunk if fresh else None, self.chunks)

    def __call__(self, block: str, fresh: bool | None = None) -> float:
        """Bound on ``‖fl(G) − G‖₂`` for the block's Gram: ``γ_m ‖|J||J|ᵀ‖₂`` (module docstring)."""
        return gamma(self.inner_length(block, fresh)) * self.abs_gram_norm(block) * SAFETY


class _Sums:
    """The pass of :class:`FormationErrors` over one group of hidden units: ``|J_W|ᵀ1`` rows go straight into the
    shared ``gW`` (each unit's row is its own), the rest are this group's partial sums (:class:`_Partial`)."""

    def __init__(self, V, X):
        self.absX, self.absV = np.abs(X), np.abs(V)
        self.v2, self.x2 = np.sum(V * V, axis=0), np.sum(X * X, axis=0)
        self.col = self.absV.T @ np.ones(V.shape[0])
        self.gW = np.zeros((V.shape[1], X.shape[0]))  # |J_W|ᵀ 1
        self.shape = (V.shape[0], X.shape[1])

    def absorb(self, chunks: Iterator[tuple[slice, np.ndarray, np.ndarray]]) -> _Partial:
        """One pass over the chunks: row j of ``|J|ᵀ1`` needs only hidden unit j's own A, B."""
        d2, n = self.shape
        out = _Partial(np.zeros((d2, n)), np.zeros(n))
        absX, gW = self.absX, self.gW
        for c, A, B in chunks:
            out.longest, out.count = max(out.longest, A.shape[0]), out.count + 1
            absA, absB = np.abs(A), np.abs(B)
            gW[c] = (self.col[c, None] * absB) @ absX.T
            gV = absA @ np.ones(n)  # each row of |J_V|ᵀ 1: Σ_a |A_ja|
            out.frob_w += float(self.v2[c] @ ((absB * absB) @ self.x2))
            out.frob_a += float(np.vdot(absA, absA))
            out.row_w += self.absV[:, c] @ (absB * (gW[c] @ absX))
            out.row_v += gV @ absA
        return out


@dataclasses.dataclass
class _Partial:
    """One group's share of the sums in :class:`FormationErrors`."""

    row_w: np.ndarray
    row_v: np.ndarray
    frob_w: float = 0.0
    frob_a: float = 0.0
    longest: int = 0
    count: int = 0


def _in_threads(sums: _Sums, groups: Sequence[Callable[[], Iterator[tuple[slice, np.ndarray, np.ndarray]]]]) -> list[_Partial]:
    """:meth:`_Sums.absorb` of every group, one Python thread each (the caller limits BLAS to one thread)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(groups)) as pool:
        return list(pool.map(lambda g: sums.absorb(g()), groups))


def operator_norm_bound(block: str, V, A, B, X) -> float:
    """Certified ``λ_max(J Jᵀ) ≤ min(‖J‖_F², ‖J‖₁‖J‖_∞, ‖|J||J|ᵀ‖_∞)``."""
    d2, n = V.shape[0], X.shape[1]
    col = abs_transpose_product(block, V, A, B, X, np.ones((d2, n)))
    ones_p = (np.ones(col[0].shape), np.ones(col[1].shape))
    row = abs_product(block, V, A, B, X, *ones_p)
    norm1 = max(float(np.max(col[0], initial=0.0)), float(np.max(col[1], initial=0.0)))
    terms = 3 * (A.shape[0] + X.shape[0] + n + d2)
    return min(abs_gram_norm(block, V, A, B, X), inflate(inflate(norm1, terms) * float(np.max(row)), terms))


def rayleigh_factored(block: str, V, A, B, X, u: np.ndarray) -> tuple[float, float]:
    """Certified ``[lo, hi] ∋ ‖J_blockᵀ u‖² / ‖u‖²`` (= uᵀ(J Jᵀ)u/uᵀu for the exact block)."""
    d2, n = V.shape[0], X.shape[1]
    U = u.reshape(d2, n)
    g = vjp(V, A, B, X, U)
    with_w, with_v = _parts(block)
    gn2 = (float(np.sum(g.W * g.W)) if with_w else 0.0) + (float(np.sum(g.V * g.V)) if with_v else 0.0)
    p = (g.W.size if with_w else 0) + (g.V.size if with_v else 0)
    aW, aV = abs_transpose_product(block, V, A, B, X, np.abs(U))
    err = gamma(n + d2 + 1) * math.sqrt(float(np.sum(aW * aW)) + float(np.sum(aV * aV))) * SAFETY
    gp = gamma(p)
    gnorm_lo = max(math.sqrt(gn2 * (1.0 - gp)) - err, 0.0)
    gnorm_hi = math.sqrt(gn2 * (1.0 + gp)) + err
    nu = float(u @ u)
    gu = gamma(u.size)
    return _ratio_interval(gnorm_lo**2 * (1 - 4e-16), gnorm_hi**2 * (1 + 4e-16), nu / (1.0 + gu), nu / (1.0 - gu))
