"""Exact σ(J) at scale: the formed Gram, streamed from W, in one N × N array.

For n where ``φ(W X)`` and ``φ'(W X)`` (d1 × n each) would not fit beside the
Gram, :func:`streamed_jacobian_extremes` never holds them: it evaluates them for
one chunk of hidden units at a time (:class:`opcheck.linalg.gram.StreamedFactors`),
twice — once for the W-block ``K ⊙ Σ_c S_cᵀS_c``, once for the V-block ``AᵀA``
accumulated on top (both BLAS ``dsyrk`` with β = 1 into the same Fortran array).
The rounding bound of the formation uses ``min(‖J‖_F², max(|J||J|ᵀ1))``
(:mod:`.gram_error`): the first summed on the same passes, the second from two more.  Then :func:`opcheck.linalg.spectra.store_extremes` certifies λ_min
(two Cholesky factorisations in place) — the exact path, not a floor or an estimate.

Before anything is allocated, :func:`plan` predicts the peak resident memory
(the process's current resident set plus :func:`opcheck.linalg.gram.gram_bytes`)
and refuses when the budget cannot hold it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from opcheck._runtime import memory
from opcheck.linalg import gram, spectra
from opcheck.linalg.gram_error import inner_length
from opcheck.linalg.intervals import SAFETY, gamma, inflate
from opcheck.linalg.symmetric_store import SymmetricStore


@dataclass(frozen=True)
class StreamPlan:
    """Predicted peak resident bytes of the streamed path, decided before allocating."""

    order: int
    baseline_bytes: float  # resident set when planning
    working_bytes: float  # gram.gram_bytes: the Gram, chunks, panels, scratch
    chunk: int

    @property
    def predicted_peak_bytes(self) -> float:
        return self.baseline_bytes + self.working_bytes


def resident_bytes(field: str = "VmRSS") -> float:
    """This process's resident set (``VmRSS``) or its high-water mark (``VmHWM``) from /proc/self/status."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return float(line.split()[1]) * 1024.0
    except OSError:  # pragma: no cover - non-Linux
        pass
    return 0.0


def plan(n: int, d1: int, d2: int, chunk: int = gram.CHUNK) -> StreamPlan:
    """The peak of :func:`streamed_jacobian_extremes`; raises (exit 2) when it exceeds the budget."""
    p = StreamPlan(d2 * n, resident_bytes(), gram.gram_bytes(n, d1, d2, chunk), chunk)
    memory.require(p.working_bytes, f"the formed Jacobian Gram of order {d2 * n}", "use a smaller --n (or the matrix-free path)")
    return p


class _FrobeniusTally:
    """Wraps a chunk source and sums ``‖J‖_F²`` over the chunks it yields (A part and W part)."""

    def __init__(self, src: gram.Chunks, V: np.ndarray, X: np.ndarray):
        self.src, self.v2, self.x2 = src, np.sum(V * V, axis=0), np.sum(X * X, axis=0)
        self.d2 = V.shape[0]
        self.w_part = self.a_part = 0.0
        self.terms = 0

    def __call__(self) -> Iterator[tuple[slice, np.ndarray, np.ndarray]]:
        self.w_part = self.a_part = 0.0
        for c, A, B in self.src():
            self.w_part += float(self.v2[c] @ ((B * B) @ self.x2))
            self.a_part += self.d2 * float(np.sum(A * A))
            self.terms += 2 * A.size
            yield c, A, B


def streamed_jacobian_extremes(
    W: np.ndarray,
    V: np.ndarray,
    X: np.ndarray,
    phi_and_dphi: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    seed: int = 0,
    chunk: int = gram.CHUNK,
    tight_max: bool = False,
) -> tuple[spectra.Extremes, StreamPlan]:
    """Certified λ_min, λ_max of ``J Jᵀ`` (block ``both``) at Θ = (W, V), A and B streamed from W."""
    d1, d0 = W.shape
    d2, n = V.shape[0], X.shape[1]
    p = plan(n, d1, d2, chunk)
    tally = _FrobeniusTally(gram.StreamedFactors(W, X, phi_and_dphi, chunk), V, X)
    H = gram.form_w_block(gram.new_gram(d2 * n), V, tally, X)
    w_part = tally.w_part
    H = gram.add_v_block(H, d2, tally)
    fro2 = inflate(w_part + tally.a_part, tally.terms + X.size)
    rows = inflate(float(np.max(streamed_abs_row_sums(gram.StreamedFactors(W, X, phi_and_dphi, chunk), V, X))),
                   3 * (d1 + d0 + n + d2) + 2)
    ferr = gamma(inner_length("both", d0, d1)) * min(fro2, rows) * SAFETY
    return spectra.store_extremes(SymmetricStore(H), seed, ferr, tight_max=tight_max), p


def streamed_abs_row_sums(src: gram.Chunks, V: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``|J|(|J|ᵀ 1)`` (d2 × n), the row sums of ``|J||J|ᵀ``, from two streamed passes over the chunks.

    The Frobenius bound ``‖J‖_F² = tr(J Jᵀ)`` exceeds ``‖|J||J|ᵀ‖₂ ≤ max(|J||J|ᵀ 1)``
    by up to the order: at n = d1 = 20 000 the formation bound from it (≈ 7e-6) was
    larger than λ_min(J Jᵀ) itself.  The same products as
    :func:`opcheck.linalg.gram_error.abs_transpose_product` / ``abs_product``, one chunk
    of hidden units at a time (A and B are evaluated twice more; O(d1·n·d0) work).
    """
    d2, n = V.shape[0], X.shape[1]
    absX, absV = np.abs(X), np.abs(V)
    gW = np.zeros((V.shape[1], X.shape[0]))
    gV = np.zeros((d2, V.shape[1]))
    ones = np.ones((d2, n))
    for c, A, B in src():
        gW[c] = ((absV[:, c].T @ ones) * np.abs(B)) @ absX.T
        gV[:, c] = ones @ np.abs(A).T
    out = np.zeros((d2, n))
    for c, A, B in src():
        out += absV[:, c] @ (np.abs(B) * (gW[c] @ absX))
        out += gV[:, c] @ np.abs(A)
    return out
