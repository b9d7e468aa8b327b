"""Rigorous bounds on λ_min and λ_max of a stored symmetric matrix (see :mod:`.intervals`).

* ``λ_min ≥ s − ‖ΔH‖₂ − max|D_ii|`` when floating-point Cholesky of ``H = fl(G − sI)
  = G − sI + D`` runs to completion: the computed factor satisfies
  ``R̂ᵀR̂ = H + ΔH`` with ``|ΔH| ≤ γ_{N+1}|R̂ᵀ||R̂|`` (Higham Thm 10.3; the blocked
  LAPACK algorithm with conventional BLAS-3 obeys the same bound), and ``R̂ᵀR̂`` is
  positive definite.  ``λ_max ≤ t + …`` likewise from ``fl(tI − G)``.
* ``λ_min ≤ ρ(v) ≤ λ_max`` for the Rayleigh quotient of any v ≠ 0; its computed
  value is off by at most ``γ_{2N+4}|v|ᵀ|G||v|`` in the numerator and ``γ_N vᵀv``
  in the denominator, both evaluated and added.
* ``λ_max(G) ≤ ρ(|G|) ≤ min(‖G‖_∞, max_i (|G|x)_i / x_i)`` for any x > 0
  (Collatz–Wielandt); tight when G is entrywise non-negative and x its Perron vector.

The shifts are chosen from the solver's estimate so the factorisation succeeds
and the gap it leaves is about three times the rounding bound.
"""
from __future__ import annotations

import math

import numpy as np

from opcheck.linalg.intervals import SAFETY, UNIT_ROUNDOFF, Bound, gamma, inflate
from opcheck.linalg.symmetric_store import SymmetricStore

RETRIES = 3  # factorisations tried per certificate, each with a 16x wider gap
OPTIMISTIC_FROM = 0.1  # a-priori gap (relative to the estimate) from which the realistic shift is tried first


def down(x: float) -> float:
    """x moved two ulps towards −∞ (covers the rounding of the one operation that produced it)."""
    return float(np.nextafter(np.nextafter(x, -math.inf), -math.inf))


def up(x: float) -> float:
    return float(np.nextafter(np.nextafter(x, math.inf), math.inf))


def abs_quadratic_bound(store: SymmetricStore, v: np.ndarray, psd_within: float | None) -> float:
    """An upper bound on ``|v|ᵀ|G||v|``.

    When the stored G is within ``psd_within`` (in 2-norm) of a PSD matrix P, then
    ``|G_ij| ≤ √(P_ii P_jj) + ε ≤ √((G_ii + ε)(G_jj + ε)) + ε`` (ε = psd_within), so
    ``|v|ᵀ|G||v| ≤ (Σ √(G_ii + ε)|v_i|)² + ε (Σ|v_i|)²`` — O(N), no pass over G.
    Otherwise one blocked pass computes ``|G||v|``.
    """
    av = np.abs(v)
    if psd_within is None:
        return float(av @ store.abs_matvec(av)) * SAFETY
    eps = psd_within
    s1 = float(np.sqrt(np.maximum(store.diag, 0.0) + eps) @ av)
    s2 = float(np.sum(av))
    return (s1 * s1 + eps * s2 * s2) * SAFETY


def rayleigh_bounds(store: SymmetricStore, v: np.ndarray, psd_within: float | None = None, w: np.ndarray | None = None) -> tuple[float, float]:
    """Certified ``[lo, hi] ∋ vᵀGv / vᵀv`` for the stored G (see :func:`abs_quadratic_bound`); ``w``: G v if already computed."""
    N = store.N
    w = store.matvec(v) if w is None else w
    q = float(v @ w)
    err = gamma(2 * N + 4) * abs_quadratic_bound(store, v, psd_within) * SAFETY
    nv = float(v @ v)
    g = gamma(N)
    return _ratio_interval(q - err, q + err, nv / (1.0 + g), nv / (1.0 - g))


def _ratio_interval(a: float, b: float, d_lo: float, d_hi: float) -> tuple[float, float]:
    """Outward-rounded ``{x/y : x ∈ [a, b], y ∈ [d_lo, d_hi]}`` for 0 < d_lo ≤ d_hi."""
    lo = a / d_hi if a >= 0 else a / d_lo
    hi = b / d_lo if b >= 0 else b / d_hi
    lo = lo - abs(lo) * 4 * UNIT_ROUNDOFF
    hi = hi + abs(hi) * 4 * UNIT_ROUNDOFF
    return down(lo), up(hi)


def predicted_margin(store: SymmetricStore, shift: float, sign: float) -> float:
    """The rounding bound a factorisation of ``fl(sign·G − shift·I)`` will come with (≈ γ_{N+1} tr H)."""
    tr = abs(sign * store.trace() - store.N * shift)
    dmax = float(np.max(np.abs(sign * store.diag - shift))) if store.N else 0.0
    return (gamma(store.N + 1) * tr + UNIT_ROUNDOFF * dmax) * SAFETY


def cholesky_lower_bound(store: SymmetricStore, estimate: float, slack: float, floor: float = -math.inf) -> float | None:
    """Largest certified ``lo ≤ λ_min(G)`` from Cholesky of ``G − sI`` just below ``estimate``.

    ``slack`` is the estimate's own uncertainty (e.g. its residual).  Returns None
    when none of ``RETRIES`` shifts above ``floor`` gives a factorisation (the
    caller then falls back to another certificate, e.g. 0 for a Gram).
    """
    return _shifted_cholesky_bound(store, estimate, slack, 1.0, floor)


def cholesky_upper_bound(store: SymmetricStore, estimate: float, slack: float) -> float | None:
    """Smallest certified ``hi ≥ λ_max(G)`` from Cholesky of ``tI − G`` just above ``estimate``."""
    bound = _shifted_cholesky_bound(store, -estimate, slack, -1.0, -math.inf)
    return None if bound is None else -bound


def _shifted_cholesky_bound(store: SymmetricStore, estimate: float, slack: float, sign: float, floor: float) -> float | None:
    """Rump's test on ``fl(sign·G − sI)`` for shifts s just below ``estimate`` (an estimate of λ_min(sign·G)).

    Success at s proves ``λ_min(sign·G) ≥ s − ‖ΔH‖₂ − u max|h_ii|``; returns that bound.
    """
    gap = 2.0 * predicted_margin(store, estimate, sign) + 2.0 * slack + 1e-14 * abs(estimate)
    if estimate - gap <= floor:  # the a-priori (trace) margin leaves no room: try the realistic one once
        return _optimistic_attempt(store, estimate, slack, sign, floor)
    if gap > OPTIMISTIC_FROM * abs(estimate):  # the a-priori gap would give away much: the realistic shift first
        lo = _optimistic_attempt(store, estimate, slack, sign, floor)
        if lo is not None:  # a factor at a higher shift: its bound beats what s = estimate − gap could prove
            return lo
    for _ in range(RETRIES):
        s = estimate - gap
        if s <= floor:
            return None
        if store.factor(s, sign):
            return certified_after(store, s)
        gap *= 16.0
    return None


def shift_below_floor(store: SymmetricStore, floor: float, formation_error: float) -> float | None:
    """A shift s < λ_min(fl G) for a certified ``floor ≤ λ_min(G_exact)``: ``G − sI`` should factorise.

    ``λ_min(fl G) ≥ floor − formation_error``; s backs off a further 1 % of the floor or
    four times the rounding the factor usually needs (γ_{N+1}·max h_ii), whichever is
    larger, so a breakdown (which costs one wasted factorisation) is unlikely.  None
    when nothing positive is left.
    """
    top = max(abs(float(np.max(store.diag))), abs(float(np.min(store.diag))))
    s = floor - formation_error - max(0.01 * floor, 4.0 * gamma(store.N + 1) * top * SAFETY)
    return s if s > 0 else None


def certified_after(store: SymmetricStore, s: float) -> float:
    """The lower bound on λ_min(stored G) that the factor now in the store (a successful factorisation of
    ``G − sI``) proves: s minus the factor's rigorous rounding margin."""
    margin = store.factor_rounding_bound(tight_below=1e-10 * abs(s), refine_above=0.01 * abs(s)) + UNIT_ROUNDOFF * store.last_diagonal_max * SAFETY
    return down(s - margin)


def _optimistic_attempt(store: SymmetricStore, estimate: float, slack: float, sign: float, floor: float) -> float | None:
    """One factorisation with the gap the factor's rounding usually needs, ``γ_{N+1}·|λ|_max`` rather than ``γ_{N+1}·tr``.

    The a-priori margin bounds ``‖|Rᵀ||R|‖₂`` by the trace, N times the typical
    size at large N: at n = 20 000 it exceeded λ_min itself, and σ_min(J) went
    uncertified from below.  The shift is a guess only; what the factor proves is
    measured afterwards (:meth:`SymmetricStore.factor_rounding_bound`, its ∞-norm
    pass), so a too-optimistic guess just gives a weaker or no certificate.
    """
    top = max(abs(float(np.max(store.diag))), abs(float(np.min(store.diag))), abs(estimate))
    gap = 4.0 * gamma(store.N + 1) * top * SAFETY + 2.0 * slack + 1e-14 * abs(estimate)
    s = estimate - gap
    if s <= floor or not store.factor(s, sign):
        return None
    lo = certified_after(store, s)
    return lo if lo > floor else None


def norm_upper_bound(store: SymmetricStore, x: np.ndarray | None = None) -> float:
    """``min(‖G‖_∞, Collatz–Wielandt bound of |G| at x)`` ≥ ρ(|G|) ≥ λ_max(G)."""
    N = store.N
    if x is None:
        return up(inflate(float(np.max(store.abs_matvec(np.ones(N)))), N + 2))
    x = np.abs(x)
    x = np.maximum(x, 1e-30 * float(np.max(x)) + 1e-300)  # Collatz–Wielandt needs x > 0
    both = store.abs_matvec(np.column_stack([np.ones(N), x]))  # one pass over G for both
    best = min(inflate(float(np.max(both[:, 0])), N + 2), inflate(float(np.max(both[:, 1] / x)), N + 3))
    return up(best)


def lower_end(estimate: float, store: SymmetricStore, slack: float, formation_error: float, psd: bool) -> tuple[float, Bound]:
    """Certified lower end of λ_min for the exact matrix (stored G ± formation error)."""
    lo = cholesky_lower_bound(store, estimate, slack, floor=formation_error if psd else -math.inf)
    if lo is None or (psd and lo - formation_error <= 0):
        return (0.0, Bound.GRAM_PSD) if psd else (-math.inf, Bound.NONE)
    return down(lo - formation_error), Bound.CHOLESKY
