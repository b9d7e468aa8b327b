"""Exact σ(J) at scale: the formed Gram, streamed from W, in one N × N array.

For n where ``φ(W X)`` and ``φ'(W X)`` (d1 × n each) would not fit beside the
Gram, :func:`streamed_jacobian_extremes` never holds them: it evaluates them for
one chunk of hidden units at a time (:class:`opcheck.linalg.gram.StreamedFactors`),
twice — once for the W-block ``K ⊙ Σ_c S_cᵀS_c``, once for the V-block ``AᵀA``
accumulated on top, both into the same Fortran array in *fresh* products of
``FRESH_UNITS`` hidden units (four chunks packed; :func:`opcheck.linalg.gram.accumulate`):
each formed with β = 0 in a scratch tile, then added to H once, so the rounding
bound's m is ``d0 + b + 2C + 2`` (b units per product, C products: 2134 at
d0 = 64, d1 = 20 000, b = 2048, C = 10) instead of dsyrk β = 1's ``d0 + 2 d1 + 6``
(40 070), whose γ_m‖|J||J|ᵀ‖ (≈ 4.6e-6) was as large as λ_min(J Jᵀ) there.
The rounding bound of the formation uses ``min(‖J‖_F², max(|J||J|ᵀ1))``
(:class:`.gram_error.FormationErrors`, one more streamed pass: at n = d1 = 20 000
the Frobenius bound alone exceeded λ_min(J Jᵀ)).  Then :func:`opcheck.linalg.spectra.store_extremes` certifies λ_min
(two Cholesky factorisations in place) — the exact path, not a floor or an estimate.

Before anything is allocated, :func:`plan` predicts the peak resident memory
(the process's current resident set plus :func:`opcheck.linalg.gram.gram_bytes`)
and refuses when the budget cannot hold it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from opcheck._runtime import memory
from opcheck.linalg import gram, spectra
from opcheck.linalg.gram_error import FormationErrors
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


def plan(n: int, d1: int, d2: int, chunk: int = gram.CHUNK, fresh: int = gram.FRESH_UNITS) -> StreamPlan:
    """The peak of :func:`streamed_jacobian_extremes`; raises (exit 2) when it exceeds the budget."""
    p = StreamPlan(d2 * n, resident_bytes(), gram.gram_bytes(n, d1, d2, chunk, fresh=fresh), chunk)
    memory.require(p.working_bytes, f"the formed Jacobian Gram of order {d2 * n}", "use a smaller --n (or the matrix-free path)")
    return p


def streamed_jacobian_extremes(
    W: np.ndarray,
    V: np.ndarray,
    X: np.ndarray,
    phi_and_dphi: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    seed: int = 0,
    chunk: int = gram.CHUNK,
    tight_max: bool = False,
    fresh: int = gram.FRESH_UNITS,
) -> tuple[spectra.Extremes, StreamPlan]:
    """Certified λ_min, λ_max of ``J Jᵀ`` (block ``both``) at Θ = (W, V), A and B streamed from W
    in chunks of ``chunk`` hidden units, accumulated in fresh products of ``fresh`` (0: dsyrk β = 1)."""
    d1, d0 = W.shape
    d2, n = V.shape[0], X.shape[1]
    p = plan(n, d1, d2, chunk, fresh)
    src = gram.StreamedFactors(W, X, phi_and_dphi, chunk, fresh)
    H = gram.form_w_block(gram.new_gram(d2 * n), V, src, X)
    H = gram.add_v_block(H, d2, src)
    ferr = FormationErrors(V, X, src)("both")  # one more streamed pass: |J||J|ᵀ1 and ‖J‖_F²
    return spectra.store_extremes(SymmetricStore(H), seed, ferr, tight_max=tight_max), p
