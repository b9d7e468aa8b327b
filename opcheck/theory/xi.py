"""ξ of (20) from the activation's Hermite coefficients [derived], per t and scale.

theory.md §5: substituting the order analysis into condition (9) gives

    ξ_t = c0 (t!)^{3/2} / (√α_f |c_t|³)    (times φ-derivative constants, taken as 1; α_f = 2)

with ``c_i(s) = E[φ(s g) He_i(g)]``.  ``s = 1`` is the paper's literal statement;
``s = ω1`` is the pre-activation scale of W0 x for unit-norm x (theory.md §2,
scale caveat) [derived].  Both are reported.

A coefficient is treated as zero below ``ZERO_TOL · min(s, 1)^max(i, 1)``:
``c_i(s) = s^i E[φ^{(i)}(s g)]`` (Stein), so a genuine coefficient shrinks like
s^i and the tolerance shrinks with it, while quadrature noise does not.

The order analysis also needs σ_min(X^{*t}) > 0.  The columns of X^{*t} are
symmetric t-tensors, so ``n > C(d0+t−1, t)`` forces σ_min(X^{*t}) = 0 exactly
(:func:`opcheck.linalg.khatri_rao.symmetric_rank_bound`); without data opcheck uses the
assumption σ_min ≃ 1 only where that rank bound allows it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from opcheck.model.activations import Activation
from opcheck._runtime import validation
from opcheck.errors import InputError
from opcheck.linalg.khatri_rao import symmetric_rank_bound

# The registry's XI (sympy) is the source of truth; verify evaluates this float twin so that
# it never imports sympy (start-up, issue 11).  tests/test_xi_twin.py keeps the two equal.

ZERO_TOL = 1e-12
#: largest t tried when ``--t`` is not given (the best t is the smallest width)
T_MAX = 6
#: largest t accepted from the user
T_LIMIT = 20


@dataclass(frozen=True)
class XiValue:
    """ξ_t at one scale; ``xi`` is None (with the reason in ``note``) when it does not apply."""

    t: int
    scale: float
    scale_label: str  # "unit" | "omega1"
    c0: float
    ct: float
    xi: float | None
    note: str

    def as_dict(self) -> dict:
        return {
            "t": self.t,
            "scale": self.scale,
            "scale_label": self.scale_label,
            "c0": self.c0,
            "ct": self.ct,
            "xi": self.xi,
            "note": self.note,
            "source": "derived",
        }


def xi_float(c0: float, ct: float, t: int) -> float:
    """The registry's ``XI = c0 (t!)^{3/2} / (√2 c_t³)`` in floating point (no sympy)."""
    return c0 * math.factorial(t) ** 1.5 / (math.sqrt(2.0) * ct**3)


def zero_tol(order: int, scale: float) -> float:
    """Below this |c_order(scale)| counts as zero."""
    return ZERO_TOL * min(scale, 1.0) ** max(order, 1)


def xi_from_coefficients(coeffs, t: int, scale: float, label: str, name: str) -> XiValue:
    """``ξ_t`` from precomputed ``c_0..c_t`` (at ``scale``), evaluated from the registry's XI."""
    c0, ct = float(coeffs[0]), float(coeffs[t])
    if abs(ct) < zero_tol(t, scale):
        return XiValue(t, scale, label, c0, ct, None, f"c_{t} = 0 for {name}: (20) gives no bound at t = {t}")
    if abs(c0) < zero_tol(0, scale):
        return XiValue(t, scale, label, c0, ct, None, f"c_0 = 0 for {name}: xi (which rests on nu^2 ~ c0^2 d1 n) is not applicable")
    value = xi_float(abs(c0), abs(ct), t)
    return XiValue(t, scale, label, c0, ct, value, "")


def xi_value(act: Activation, t: int, scale: float = 1.0, label: str = "unit") -> XiValue:
    """``ξ_t = c0 (t!)^{3/2}/(√α_f |c_t|³)`` at ``scale`` [derived]."""
    return xi_from_coefficients(act.hermite_coefficients(t, scale), t, scale, label, act.name)


def xi_table(act: Activation, ts: list[int], scale: float = 1.0, label: str = "unit") -> dict[int, XiValue]:
    """``{t: ξ_t}`` for every t in ``ts`` from one Hermite expansion up to max(ts)."""
    coeffs = act.hermite_coefficients(max(ts), scale)
    return {t: xi_from_coefficients(coeffs, t, scale, label, act.name) for t in ts}


def nonzero_orders(act: Activation, t_max: int) -> list[int]:
    """The orders 1..t_max with c_t(1) ≠ 0."""
    coeffs = act.hermite_coefficients(t_max, 1.0)
    return [k for k in range(1, t_max + 1) if abs(coeffs[k]) >= zero_tol(k, 1.0)]


def require_usable_t(act: Activation, t: int) -> None:
    """InputError unless 1 ≤ t ≤ T_LIMIT and c_t(1) ≠ 0 (then suggest the nearest usable t)."""
    validation.int_at_least(t, 1, "--t", " (the Khatri-Rao power of (20))")
    if t > T_LIMIT:
        raise InputError(f"--t must be at most {T_LIMIT}, got {t}")
    coeffs = act.hermite_coefficients(t, 1.0)
    if abs(coeffs[t]) >= zero_tol(t, 1.0):
        return
    if abs(coeffs[0]) < zero_tol(0, 1.0):
        hint = f"c_0 = 0 as well, so the derived xi does not apply to {act.name} at any t; try another --activation (e.g. gelu or softplus)"
    else:
        usable = nonzero_orders(act, T_LIMIT)
        best = min(usable, key=lambda k: (abs(k - t), k)) if usable else None
        hint = f"try --t {best}" if best is not None else f"no t <= {T_LIMIT} has c_t != 0"
    raise InputError(f"the Hermite coefficient c_{t} of {act.name} is 0 (|c_{t}| = {abs(coeffs[t]):.1e}), so (20) gives no bound at t = {t}; {hint}")


def rank_allows(n: int | float, d0: int, t: int) -> bool:
    """Whether σ_min(X^{*t}) can be positive: ``n ≤ C(d0+t−1, t)``."""
    return n <= symmetric_rank_bound(int(d0), int(t))


def rank_cap(d0: int, t: int) -> int:
    """The largest n for which σ_min(X^{*t}) can be positive."""
    return symmetric_rank_bound(int(d0), int(t))
