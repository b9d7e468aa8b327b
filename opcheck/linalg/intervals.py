"""Certified enclosures of extreme eigenvalues: the typed result and rounding constants.

A :class:`SpectralInterval` says ``lo ≤ λ ≤ hi`` for one eigenvalue λ of an
*exact* matrix — the Gram ``J Jᵀ`` of the Jacobian whose entries are the stored
float64 arrays (A = φ(W X), B = φ'(W X), V, X), not the rounded matrix that
BLAS produced.  Both ends are rigorous: they include

* the rounding of forming the Gram (``formation_error`` ≥ ‖fl(G) − G‖₂, from the
  elementwise bound ``|fl(MᵀM) − MᵀM| ≤ γ_k |M|ᵀ|M|``, Higham, *Accuracy and
  Stability*, §3.5), moved to λ by Weyl's inequality;
* the rounding of the certificate itself: a floating-point Cholesky factorisation
  of ``G − s I`` that runs to completion proves ``λ_min(G) ≥ s − ‖ΔH‖₂`` with
  ``|ΔH| ≤ γ_{N+1} |R̂ᵀ||R̂|`` (Higham, Thm 10.3; Rump, BIT 46 (2006)); a Rayleigh
  quotient ``vᵀGv/vᵀv`` evaluated with its rounding error bounded gives the other end.

``γ_k = k u / (1 − k u)`` with ``u = 2⁻⁵³``.  Error *terms* are evaluated in floating
point and multiplied by ``SAFETY`` (1 + 10⁻⁶), which exceeds the relative rounding
error of the (non-negative) sums that evaluate them for any size below 10⁹ terms;
a bound that is itself an eigenvalue bound (a norm) is inflated by exactly
``1 + γ_{terms+8}`` (:func:`inflate`) so it stays tight.  Underflow is not
modelled (Gram entries are far above 10⁻³⁰⁰).
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

UNIT_ROUNDOFF = 2.0**-53
SAFETY = 1.0 + 1e-6


def inflate(x: float, terms: float) -> float:
    """``x (1 + γ_{terms+8})``: a computed sum of ``terms`` non-negative numbers, made an upper bound."""
    return x * (1.0 + gamma(terms + 8))


def gamma(k: float) -> float:
    """``γ_k = k u/(1 − k u)``: the relative error bound of a length-k inner product."""
    ku = float(k) * UNIT_ROUNDOFF
    if ku >= 0.5:
        return math.inf
    return ku / (1.0 - ku)


class Bound(str, enum.Enum):
    """How one end of an interval was certified (decision-free labels for renderers)."""

    CHOLESKY = "Cholesky of G - s I ran to completion (Rump's test)"
    CHOLESKY_NEGATED = "Cholesky of t I - G ran to completion (Rump's test)"
    RAYLEIGH = "Rayleigh quotient with its rounding bounded"
    GRAM_PSD = "a Gram matrix is positive semidefinite"
    NORM = "a norm bound (Frobenius, row sums or Collatz-Wielandt on |G|)"
    V_BLOCK = "J J^T >= I (x) A^T A (Weyl): the V-block's certified lower end"
    STRUCTURAL = "rank bound: exactly zero"
    NONE = "not certified"


@dataclass(frozen=True)
class SpectralInterval:
    """A rigorous enclosure ``lo ≤ λ ≤ hi`` of one eigenvalue, with the point estimate.

    Attributes
    ----------
    value : float
        The solver's estimate, clipped into [lo, hi].
    lo, hi : float
        Certified bounds (``hi`` may be ``inf`` when no upper certificate exists).
    lo_by, hi_by : Bound
        How each end was certified.
    converged : bool
        Whether the iterative solver behind ``value`` met its tolerance.  The
        interval is valid either way; an unconverged run only makes it wider.
    formation_error : float
        The bound on ``‖fl(G) − G‖₂`` included in both ends.
    """

    value: float
    lo: float
    hi: float
    lo_by: Bound
    hi_by: Bound
    converged: bool = True
    formation_error: float = 0.0

    def __post_init__(self) -> None:
        if not (self.lo <= self.hi):
            raise ValueError(f"empty interval [{self.lo}, {self.hi}]")

    @property
    def positive(self) -> bool:
        """``λ > 0`` is proved (lo > 0)."""
        return self.lo > 0.0

    @property
    def width(self) -> float:
        return self.hi - self.lo

    @property
    def relative_width(self) -> float:
        """``(hi − lo)/|value|`` (inf when value is 0)."""
        return self.width / abs(self.value) if self.value != 0 else math.inf

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    def sqrt(self) -> "SpectralInterval":
        """The interval of ``σ = √λ`` (λ of a Gram ``MMᵀ`` → σ of M); negative ends clip to 0."""
        return SpectralInterval(
            math.sqrt(max(self.value, 0.0)), math.sqrt(max(self.lo, 0.0)), math.sqrt(max(self.hi, 0.0)),
            self.lo_by, self.hi_by, self.converged, self.formation_error,
        )

    def with_lower(self, lo: float, by: Bound) -> "SpectralInterval":
        """The same interval with ``lo`` raised to a better certified bound (never lowered)."""
        if lo <= self.lo:
            return self
        lo = min(lo, self.hi)
        return SpectralInterval(min(max(self.value, lo), self.hi), lo, self.hi, by, self.hi_by, self.converged, self.formation_error)

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "interval": [self.lo, self.hi],
            "lo_certified_by": self.lo_by.value,
            "hi_certified_by": self.hi_by.value,
            "converged": self.converged,
            "formation_error": self.formation_error,
        }


def make_interval(estimate: float, lo: float, hi: float, lo_by: Bound, hi_by: Bound, converged: bool, formation_error: float) -> SpectralInterval:
    """Build an interval, clipping the estimate into it (a NaN estimate becomes the midpoint)."""
    if hi < lo:  # only possible through a bug in a certificate; never silently swap
        raise ValueError(f"certificates disagree: lo {lo} > hi {hi}")
    if not np.isfinite(estimate):
        estimate = lo if not math.isfinite(hi) else 0.5 * (lo + hi)
    return SpectralInterval(min(max(estimate, lo), hi), lo, hi, lo_by, hi_by, converged, formation_error)


REFINE_ABOVE = 0.01  # a formation bound above this fraction of the λ_min estimate asks for its tighter form


@dataclass(frozen=True)
class FormationBound:
    """``‖fl(G) − G_exact‖₂ ≤ first``, known as soon as G is formed, and optionally a tighter bound that costs work.

    The Gram's :mod:`~opcheck.linalg.gram_error` gives both: ``first`` from G's own
    trace (no pass), ``tighter`` from a pass over the factors (``‖|J||J|ᵀ‖₂`` by row
    sums).  The tighter one is evaluated only when ``first`` would move λ_min's
    certified ends by more than ``REFINE_ABOVE`` of its estimate (:meth:`for_estimate`):
    below that the ends move by less than 1 % of λ_min, far less than any verdict turns on.
    """

    first: float
    tighter: Callable[[], float] | None = None

    def for_estimate(self, lambda_min: float) -> float:
        """The bound to certify with, once λ_min's estimate is known: ``first``, or ``min(first, tighter())``."""
        if self.tighter is None or self.first <= REFINE_ABOVE * max(lambda_min, 0.0):
            return self.first
        return min(self.tighter(), self.first)  # a NaN first (an overflow in G) gives way to the tighter bound

    @staticmethod
    def of(bound: float | FormationBound) -> FormationBound:
        return bound if isinstance(bound, FormationBound) else FormationBound(float(bound))


def structural_zero_interval() -> SpectralInterval:
    """λ = 0 exactly (the rank is provably below the order)."""
    return SpectralInterval(0.0, 0.0, 0.0, Bound.STRUCTURAL, Bound.STRUCTURAL, True, 0.0)
