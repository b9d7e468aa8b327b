"""Power-law fits on log-log axes, with confidence intervals, and their extrapolation.

A power law ``y = a x^p`` is a straight line ``log y = log a + p log x``.
:func:`power_fit` estimates ``p`` and ``log a`` by least squares on the logarithms of
the positive, finite points, with the two-sided t-interval of the exponent
(``k − 2`` degrees of freedom).  The line and its interval are the package's one
implementation, :func:`opcheck.report.exponents.weighted_line`, with equal weights
(these points carry no per-point uncertainty), where it reduces to ordinary least squares:

    p̂ ± t_{1−(1−level)/2, k−2} · s / √(Σ (log x_i − mean log x)²),
    s² = Σ r_i² / (k − 2).

The interval is exact when the log-residuals are i.i.d. Gaussian; with two points
the line is exact and no interval exists (``exponent_ci`` is None).

:func:`extrapolate_to` solves the fitted line for the ``x`` at which it reaches a
target ``y`` — e.g. the width at which the implied constant C_needed of (9),
which falls like a power of d1 (asymptotically ∝ d1^{-1} under the order
analysis), would reach the universal constant ``--constant``.  Such a width lies
outside the measured range and is always labelled an extrapolation; its range
comes from the exponent's interval, pivoting at the centroid of the fitted
points (where the line is best determined).  [derived: opcheck's method]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from opcheck.checks.records import json_float
from opcheck.report.exponents import LEVEL, weighted_line


@dataclass(frozen=True)
class PowerFit:
    """``y ≈ exp(log_prefactor) · x^exponent`` fitted on log-log axes."""

    exponent: float | None
    log_prefactor: float | None
    exponent_ci: tuple[float, float] | None
    stderr: float | None
    level: float
    points_used: int
    dof: int
    r2: float | None
    x_centroid_log: float | None
    y_centroid_log: float | None
    note: str

    @property
    def ok(self) -> bool:
        return self.exponent is not None

    def predict(self, x: float | np.ndarray) -> float | np.ndarray:
        """The fitted power law at ``x``."""
        if not self.ok:
            raise ValueError("no fit: " + self.note)
        return np.exp(self.log_prefactor + self.exponent * np.log(x))

    def as_dict(self) -> dict:
        return {
            "exponent": json_float(self.exponent),
            "log_prefactor": json_float(self.log_prefactor),
            "prefactor": json_float(math.exp(self.log_prefactor)) if self.log_prefactor is not None and self.log_prefactor < 700 else None,
            "exponent_ci": [json_float(v) for v in self.exponent_ci] if self.exponent_ci else None,
            "stderr": json_float(self.stderr),
            "level": self.level,
            "points_used": self.points_used,
            "dof": self.dof,
            "r2": json_float(self.r2),
            "note": self.note,
        }


def _no_fit(k: int, note: str, level: float) -> PowerFit:
    return PowerFit(None, None, None, None, level, k, max(k - 2, 0), None, None, None, note)


def power_fit(x: Sequence[float], y: Sequence[float], level: float = LEVEL) -> PowerFit:
    """Least-squares fit of ``log y = log a + p log x`` with a t-interval for ``p``."""
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y differ in length: {xa.size} vs {ya.size}")
    keep = np.isfinite(xa) & np.isfinite(ya) & (xa > 0) & (ya > 0)
    dropped = int(xa.size - keep.sum())
    drop_note = f"; {dropped} non-positive or non-finite point(s) left out" if dropped else ""
    lx, ly = np.log(xa[keep]), np.log(ya[keep])
    k = lx.size
    if k < 2:
        return _no_fit(k, f"fewer than 2 usable points ({k}){drop_note}", level)
    if float(np.ptp(lx)) <= 1e-12:
        return _no_fit(k, f"all usable points share one x{drop_note}", level)
    line = weighted_line(lx, ly, np.ones(k), level)
    p, b = line.slope, line.intercept
    resid = ly - (b + p * lx)
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else 1.0
    if line.ci is None:
        return PowerFit(p, b, None, None, level, k, 0, r2, float(lx.mean()), float(ly.mean()),
                        "two points: the line is exact, no confidence interval" + drop_note)
    return PowerFit(p, b, line.ci, line.stderr, level, k, line.dof, r2, float(lx.mean()), float(ly.mean()),
                    f"least squares on log-log axes, {level:.0%} t-interval with {line.dof} dof" + drop_note)


@dataclass(frozen=True)
class Extrapolation:
    """Where a fitted power law reaches ``target`` (outside the measured range)."""

    target: float
    x: float | None
    x_range: tuple[float, float] | None  # from the exponent's interval, pivoting at the centroid
    measured_max_x: float
    note: str
    label: str = "extrapolation"

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "target": json_float(self.target),
            "x": json_float(self.x),
            "x_range": [json_float(v) for v in self.x_range] if self.x_range else None,
            "measured_max_x": json_float(self.measured_max_x),
            "note": self.note,
        }


def _solve_log(fit: PowerFit, p: float, log_target: float) -> float:
    """log x where the line of slope p through the centroid reaches log_target."""
    return fit.x_centroid_log + (log_target - fit.y_centroid_log) / p


def extrapolate_to(fit: PowerFit, target: float, measured_max_x: float, falling: bool = True) -> Extrapolation:
    """The ``x`` at which the fitted law reaches ``target`` (a falling law when ``falling``).

    Returns ``x = None`` with the reason when the fit is missing or has the wrong
    sign (a law that does not fall never reaches a smaller target).
    """
    if not fit.ok:
        return Extrapolation(target, None, None, measured_max_x, "no fit: " + fit.note)
    p = fit.exponent
    if (falling and p >= 0) or (not falling and p <= 0):
        trend = "does not fall" if falling else "does not rise"
        return Extrapolation(target, None, None, measured_max_x, f"the fitted exponent is {p:.3g}: the trend {trend}, so no width reaches the target")
    lt = math.log(target)
    lx = _solve_log(fit, p, lt)
    x = math.exp(lx) if lx < 700 else math.inf
    rng = None
    if fit.exponent_ci is not None:
        lo_p, hi_p = fit.exponent_ci
        if (falling and hi_p < 0) or (not falling and lo_p > 0):
            ends = sorted(_solve_log(fit, q, lt) for q in (lo_p, hi_p))
            rng = tuple(math.exp(v) if v < 700 else math.inf for v in ends)
            range_note = f"range from the exponent's {fit.level:.0%} interval"
        else:
            range_note = f"the exponent's {fit.level:.0%} interval includes 0: no finite range"
    else:
        range_note = "no interval (two points)"
    beyond = x > measured_max_x
    where = f"far beyond the largest measured x = {measured_max_x:g}" if beyond else f"inside the measured range (largest x = {measured_max_x:g})"
    return Extrapolation(target, x, rng, measured_max_x,
                         f"fitted power law y ~ x^{p:.3g} solved for y = {target:g}, {where}; {range_note}",
                         "extrapolation" if beyond else "interpolation")
