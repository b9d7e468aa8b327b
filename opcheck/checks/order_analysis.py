"""How the implied constant of (9) falls with the width [derived] (docs/theory.md, "Order analysis").

With Rolland et al.'s ``χ_max = σ_max(V0) + μ/(2√2 σ_max(X) sup|φ'|)``, the
part of χ_max proportional to μ ∝ √d1 eventually dominates, so β_Φ ∝ √d1, and
with ν ∝ √d1, μ ∝ √d1, h0 bounded,

    C9*(d1) = h0 β² ν² / (α_f μ⁶) ∝ d1 · d1 / d1³ = d1^{-1}

(not d1^{-2}, which holds only while β stays bounded).  The local slope at a
measured point follows from the same model (each term's share of its sum):

    d log C9* / d log d1 = sup|φ''| χ_μ/(sup|φ'| + sup|φ''| χ_max) + σ_max(φ(W0X))/ν − 3,

which runs from −2 (β bounded, ν ∝ √d1) to the asymptotic −1.

:func:`extrapolate_width` continues the measured point along that model
(μ, σ_max(φ(W0X)) ∝ √d1; σ_max(X), σ_max(V0), h0 fixed) and solves
``C9*(d1) = C9`` by bisection in log d1.  Every result is labelled [derived].
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from opcheck.checks.lemma3 import Lemma3Constants, lemma3_constants

#: asymptotic exponent of C9* in d1 with Rolland et al.'s χ_max [derived]
ASYMPTOTIC_SLOPE = -1.0
#: the exponent while β_Φ stays bounded (what the paper's order analysis, β ≃ σ_max(X), gives) [derived]
BOUNDED_BETA_SLOPE = -2.0
SLOPE_LABEL = "derived: C_needed ~ d1^-1 asymptotically with Rolland et al.'s chi_max (beta ~ sqrt(d1)); d1^-2 only while beta stays bounded"


def local_slope(l3: Lemma3Constants) -> float | None:
    """``d log C9*/d log d1`` at the measured point under the scaling model (None if undefined)."""
    if not (l3.mu > 0 and math.isfinite(l3.beta) and l3.nu > 0):
        return None
    beta_share = l3.ddphi_max * l3.chi_mu_part / (l3.dphi_max + l3.ddphi_max * l3.chi)
    return beta_share + l3.sigma_max_phi / l3.nu - 3.0


def scaled(l3: Lemma3Constants, factor: float) -> Lemma3Constants:
    """The point at width ``factor · d1`` under the model: μ, σ_max(φ(W0X)) scale like √factor."""
    s = math.sqrt(factor)
    return lemma3_constants(l3.sigma_max_x, l3.mu * s, l3.sigma_max_phi * s, l3.sigma_max_v0, l3.dphi_max, l3.ddphi_max, l3.h0)


@dataclass(frozen=True)
class Extrapolation:
    """Width at which (9) would hold with C9 under the [derived] scaling model."""

    width: float | None
    local_slope: float | None
    asymptotic_slope: float
    note: str

    def as_dict(self) -> dict:
        return {"width": self.width, "local_slope": self.local_slope, "asymptotic_slope": self.asymptotic_slope,
                "label": SLOPE_LABEL, "note": self.note}


def extrapolate_width(l3: Lemma3Constants, d1: int, c9: float) -> Extrapolation:
    """Solve ``C9*(d1') = C9`` along the scaling model from the measured point at ``d1``."""
    slope = local_slope(l3)
    if slope is None or not math.isfinite(l3.c_needed):
        return Extrapolation(None, slope, ASYMPTOTIC_SLOPE, "C_needed is not finite: no extrapolation")
    if l3.c_needed <= c9:
        return Extrapolation(float(d1), slope, ASYMPTOTIC_SLOPE, "(9) already holds at this width")
    lo, hi = 0.0, 1.0  # log10 of the width factor
    while scaled(l3, 10.0**hi).c_needed > c9:
        lo, hi = hi, hi * 2.0
        if hi > 300:
            return Extrapolation(None, slope, ASYMPTOTIC_SLOPE, "the model never reaches C9")
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if scaled(l3, 10.0**mid).c_needed > c9:
            lo = mid
        else:
            hi = mid
    width = d1 * 10.0**hi
    return Extrapolation(math.ceil(width), slope, ASYMPTOTIC_SLOPE,
                         f"derived scaling model from d1 = {d1}: mu, sigma_max(phi(W0X)) ~ sqrt(d1), h0, sigma_max(V0) fixed; "
                         f"local slope {slope:.3g}, asymptotic {ASYMPTOTIC_SLOPE:g}")


def extrapolate_with_slope(c_needed: float, d1: float, c9: float, slope: float = ASYMPTOTIC_SLOPE) -> float | None:
    """Width where ``C9*`` would reach ``c9`` if it fell like ``d1^slope`` from ``(d1, c_needed)`` [derived].

    ``d1* = d1 (c_needed/c9)^{-1/slope}``; with the default asymptotic slope −1 that is
    ``d1 c_needed/c9``.  None when ``c_needed`` is not finite or the slope is not negative;
    ``d1`` itself when (9) already holds.  (For a point with its Lemma 3 constants,
    :func:`extrapolate_width` follows the full model instead.)
    """
    if not (math.isfinite(c_needed) and c_needed > 0 and slope < 0):
        return None
    if c_needed <= c9:
        return float(d1)
    return float(d1) * (c_needed / c9) ** (-1.0 / slope)
