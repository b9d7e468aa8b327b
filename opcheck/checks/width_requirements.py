"""Theorem 3's width requirement (20) with opcheck's derived ξ, and the headline (21).

(20) [paper]:  d1 = Ω̃( ξ(C_δ, t, φ, {c_i}) · σ_max(X)² √n / σ_min(X^{*t})³ ).

ξ is only in the paper's appendix.  [derived] Substituting the order analysis
(h0 ≃ σ_max(X)², μ² ≃ d1 c_t²/t! σ_min(X^{*t})², ν² ≃ c0² d1 n, β ≃ σ_max(X))
into condition (9) gives ``ξ_t = c0 (t!)^{3/2} / (√α_f |c_t|³)`` up to
φ-derivative constants, which opcheck takes as 1.  The constant of (20) is C20
(:mod:`opcheck.checks.constants`; default ``1/√C9``, so that (20) implies (9)
under the order analysis), that of (21) is C21; never a guess.  The coefficients c_i are those of φ at unit scale
(the paper's literal statement) or at the pre-activation scale ω1 (theory.md §2).

(21) [paper]: with n ≃ d0^t, σ_max(X) ≃ √(n/d0), σ_min(X^{*t}) ≃ 1:
d1 ≳ n^{3/2}/d0.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from opcheck.model.activations import Activation

@dataclass(frozen=True)
class WidthRequirement:
    t: int
    xi: float | None  # None when not applicable
    required_width: float | None
    note: str

    def as_dict(self) -> dict:
        from opcheck.checks.records import json_float

        return {"t": self.t, "xi": json_float(self.xi), "required_width": json_float(self.required_width), "note": self.note}


def width_requirement(act: Activation, t: int, sigma_max_x: float, sigma_min_xt: float, n: int, constant: float = 1.0, scale: float = 1.0) -> WidthRequirement:
    """(20) for one t: ``C ξ_t σ_max(X)² √n / σ_min(X^{*t})³`` with ξ_t from :mod:`opcheck.theory.xi`."""
    from opcheck.theory.xi import xi_value

    xv = xi_value(act, t, scale, "unit" if scale == 1.0 else "omega1")
    xi = xv.xi
    if xi is None:
        return WidthRequirement(t, None, None, xv.note)
    if sigma_min_xt <= 0.0:
        return WidthRequirement(t, xi, None, f"sigma_min(X^*{t}) = 0: (20) gives no bound at t = {t}")
    return WidthRequirement(t, xi, constant * xi * sigma_max_x**2 * math.sqrt(n) / sigma_min_xt**3, "")


def headline_requirement(n: int, d0: int, constant: float = 1.0) -> float:
    """(21): ``C21 n^{3/2}/d0``."""
    return constant * n**1.5 / d0
