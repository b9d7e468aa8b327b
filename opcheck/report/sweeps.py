"""The three sweeps as plain results: width at fixed n, sample size at fixed d0, init ratio.

Thresholds (:class:`Threshold`) are read off a width grid at fixed n:

* **hypotheses** — the smallest grid width from which on every measured
  hypothesis holds (:mod:`opcheck.report.points`) at every larger grid width.
  When condition (9) is the only one still failing at the widest width, the
  implied constant ``C_needed = h0 β² ν²/(α_f μ⁶)`` is fitted as a power of d1
  on the widths ``d1 ≥ 2n`` (where μ_Φ is away from its structural zero at
  d1 = n) and solved for ``C_needed = --constant``: an **extrapolation**, labelled
  so.  With Rolland et al.'s χ_max, C_needed falls like d1^{-1} asymptotically
  (:mod:`opcheck.checks.order_analysis`, [derived]; d1^{-2} only while β stays
  bounded); the width that slope gives from the widest point is reported beside the
  fitted one (a fitted fall steeper than d1^{-1} makes the fitted extrapolation
  optimistic if the trend flattens towards it beyond the grid).
* **gd** — the smallest grid width from which on gradient descent reached
  ``h < --tol`` within ``--steps`` at every larger grid width.  Never
  extrapolated.

The sample sweep fits each threshold against n on log-log axes
(:func:`opcheck.report.fits.power_fit`); the paper's exponent in n at fixed d0
is 3/2 (eq. 21), the prior results' are in :mod:`opcheck.report.bounds`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from opcheck.checks.order_analysis import ASYMPTOTIC_SLOPE, SLOPE_LABEL
from opcheck.checks.records import ConditionKey
from opcheck.report.bounds import BoundCurve
from opcheck.report.fits import Extrapolation, PowerFit, extrapolate_to, power_fit
from opcheck.report.points import PointResult
from opcheck.checks.records import json_float, jsonable

ORDER_ANALYSIS_C_EXPONENT = ASYMPTOTIC_SLOPE  # C_needed ∝ d1^{-1} asymptotically [derived, checks.order_analysis]
PAPER_N_EXPONENT = 1.5  # (21) at fixed d0 [paper]


@dataclass(frozen=True)
class Threshold:
    """A width threshold: measured on the grid, extrapolated, or not reached."""

    criterion: str  # "hypotheses" | "gd"
    kind: str  # "measured" | "extrapolated" | "not reached"
    width: float | None
    bracket: tuple[float | None, float] | None  # (previous grid width, width] when measured
    width_range: tuple[float, float] | None  # extrapolations: from the exponent's interval
    note: str

    def as_dict(self) -> dict:
        return jsonable({
            "criterion": self.criterion,
            "kind": self.kind,
            "width": json_float(self.width),
            "bracket": list(self.bracket) if self.bracket else None,
            "width_range": list(self.width_range) if self.width_range else None,
            "note": self.note,
        })


def _holds_from(points: list[PointResult], ok) -> tuple[int | None, list[int]]:
    """Index of the smallest width from which ``ok`` holds at every larger width; sporadic passes below."""
    flags = [bool(ok(p)) for p in points]
    start = None
    for i in range(len(flags) - 1, -1, -1):
        if not flags[i]:
            break
        start = i
    sporadic = [points[i].spec.d1 for i in range(len(flags)) if flags[i] and (start is None or i < start)]
    return start, sporadic


def _measured(criterion: str, points: list[PointResult], start: int, sporadic: list[int], what: str) -> Threshold:
    lo = points[start - 1].spec.d1 if start > 0 else None
    w = points[start].spec.d1
    note = f"{what} at every grid width >= {w}" + (" (the smallest width tried)" if lo is None else f"; not at d1 = {lo}")
    if sporadic:
        note += f"; also at the isolated width(s) {', '.join(map(str, sporadic))} below"
    return Threshold(criterion, "measured", float(w), (lo, float(w)), None, note)


def c_needed_fit(points: list[PointResult]) -> tuple[PowerFit, tuple[int, ...]]:
    """Power law C_needed ∝ d1^p on the widths d1 ≥ 2n (or d1 > n when fewer than 2 of those)."""
    finite = [p for p in points if math.isfinite(p.q("c_needed")) and p.q("c_needed") > 0]
    use = [p for p in finite if p.spec.d1 >= 2 * p.spec.n]
    if len(use) < 2:
        use = [p for p in finite if p.spec.d1 > p.spec.n]
    fit = power_fit([p.spec.d1 for p in use], [p.q("c_needed") for p in use])
    return fit, tuple(p.spec.d1 for p in use)


def hypotheses_threshold(points: list[PointResult], fit: PowerFit, constant: float) -> tuple[Threshold, Extrapolation | None]:
    start, sporadic = _holds_from(points, lambda p: p.hypotheses_hold)
    if start is not None:
        return _measured("hypotheses", points, start, sporadic, "every measured hypothesis holds"), None
    widest = points[-1]
    failing = widest.failing
    if widest.failing_keys != [ConditionKey.INITIAL_LOSS_9.value]:
        return Threshold("hypotheses", "not reached", None, None, None,
                         f"at the widest width d1 = {widest.spec.d1} failing: {', '.join(failing)}; no extrapolation (only (9) is extrapolated)"), None
    ext = extrapolate_to(fit, constant, float(widest.spec.d1), falling=True)
    if ext.x is None:
        return Threshold("hypotheses", "not reached", None, None, None, f"(9) fails at every width and {ext.note}"), ext
    return Threshold("hypotheses", "extrapolated", ext.x, None, ext.x_range,
                     f"only (9) fails at d1 = {widest.spec.d1} (C_needed = {widest.q('c_needed'):.3g} > C = {constant:g}); " + ext.note), ext


def order_analysis_extrapolation(points: list[PointResult], constant: float) -> Extrapolation | None:
    """Width where C_needed would reach C if it fell like d1^{-1} (the asymptotic slope) from the widest measured point [derived].

    ``d1* = d1_max · (C_needed(d1_max)/C)^{1/2}`` — the order analysis' slope (theory.md §5) instead of the
    fitted one.  None when (9) already holds at the widest width or C_needed is not finite there.
    """
    widest = points[-1]
    c = widest.q("c_needed")
    if not (math.isfinite(c) and c > constant):
        return None
    x = widest.spec.d1 * (c / constant) ** (-1.0 / ORDER_ANALYSIS_C_EXPONENT)
    return Extrapolation(constant, x, None, float(widest.spec.d1),
                         f"C_needed = {c:.3g} at d1 = {widest.spec.d1} continued with the asymptotic slope d1^-1 [derived], solved for C = {constant:g}")


def gd_threshold(points: list[PointResult], tol: float, steps: int) -> Threshold:
    trained = [p for p in points if p.gd is not None]
    if not trained:
        return Threshold("gd", "not reached", None, None, None, "gradient descent was not run")
    start, sporadic = _holds_from(trained, lambda p: p.gd["converged"])
    if start is not None:
        return _measured("gd", trained, start, sporadic, f"gradient descent reached h < {tol:g} within {steps} steps")
    best = min(trained, key=lambda p: p.gd["final_loss"] if math.isfinite(p.gd["final_loss"]) else math.inf)
    note = f"gradient descent did not reach h < {tol:g} within {steps} steps at any width up to {trained[-1].spec.d1}"
    if sporadic:
        note += f" from some width on (it did at the isolated width(s) {', '.join(map(str, sporadic))})"
    note += f"; the lowest final loss was {best.gd['final_loss']:.3g} at d1 = {best.spec.d1} (h0 = {best.gd['initial_loss']:.3g})"
    return Threshold("gd", "not reached", None, None, None, note)


# ----------------------------------------------------------------------------- width scan
@dataclass(frozen=True)
class WidthScan:
    """Points at one n over a grid of widths, with the C_needed fit and both thresholds."""

    n: int
    d0: int
    d2: int
    points: tuple[PointResult, ...]
    c_fit: PowerFit
    c_fit_widths: tuple[int, ...]
    c_extrapolation: Extrapolation | None
    order_extrapolation: Extrapolation | None
    hypotheses: Threshold
    gd: Threshold
    bound_20: float | None
    bound_20_t: int | None
    headline_21: float

    def as_dict(self) -> dict:
        return jsonable({
            "n": self.n,
            "d0": self.d0,
            "d2": self.d2,
            "widths": [p.spec.d1 for p in self.points],
            "points": [p.as_dict() for p in self.points],
            "c_needed_fit": {**self.c_fit.as_dict(), "widths_used": list(self.c_fit_widths),
                             "order_analysis_exponent": ORDER_ANALYSIS_C_EXPONENT,
                             "order_analysis_source": SLOPE_LABEL},
            "c_needed_extrapolation": self.c_extrapolation.as_dict() if self.c_extrapolation else None,
            "c_needed_order_extrapolation": self.order_extrapolation.as_dict() if self.order_extrapolation else None,
            "threshold_hypotheses": self.hypotheses.as_dict(),
            "threshold_gd": self.gd.as_dict(),
            "bound_20": self.bound_20,
            "bound_20_t": self.bound_20_t,
            "headline_21": self.headline_21,
        })


def width_scan(points: list[PointResult], d0: int, constant: float, tol: float, steps: int) -> WidthScan:
    pts = sorted(points, key=lambda p: p.spec.d1)
    fit, used = c_needed_fit(pts)
    hyp, ext = hypotheses_threshold(pts, fit, constant)
    if ext is None and fit.ok:
        ext = extrapolate_to(fit, constant, float(pts[-1].spec.d1), falling=True)
    first = pts[0]
    return WidthScan(first.spec.n, d0, first.d2, tuple(pts), fit, used, ext, order_analysis_extrapolation(pts, constant), hyp, gd_threshold(pts, tol, steps),
                     first.bound_20, first.bound_20_t, first.headline_21)


# ----------------------------------------------------------------------------- sample sweep
@dataclass(frozen=True)
class SampleSweep:
    """Width scans at several n (fixed d0) and the log-log fits of their thresholds against n."""

    d0: int
    scans: tuple[WidthScan, ...]
    hypotheses_fit: PowerFit
    hypotheses_kinds: tuple[str, ...]
    order_fit: PowerFit
    gd_fit: PowerFit
    bound_20_fit: PowerFit
    bounds: tuple[BoundCurve, ...]

    def as_dict(self) -> dict:
        return jsonable({
            "d0": self.d0,
            "ns": [s.n for s in self.scans],
            "scans": [s.as_dict() for s in self.scans],
            "fit_hypotheses": {**self.hypotheses_fit.as_dict(), "threshold_kinds": list(self.hypotheses_kinds)},
            "fit_order_analysis": {**self.order_fit.as_dict(), "source": "derived (each n: C_needed continued with the asymptotic slope d1^-1 from the widest width)"},
            "fit_gd": self.gd_fit.as_dict(),
            "fit_bound_20": self.bound_20_fit.as_dict(),
            "paper_exponent": PAPER_N_EXPONENT,
            "paper_exponent_source": "paper (eq. 21: d1 >~ n^{3/2}/d0 at fixed d0)",
            "bounds": [b.as_dict() for b in self.bounds],
        })


def sample_sweep(scans: list[WidthScan], d0: int, bounds: tuple[BoundCurve, ...]) -> SampleSweep:
    scans = sorted(scans, key=lambda s: s.n)
    hyp = [(s.n, s.hypotheses.width, s.hypotheses.kind) for s in scans if s.hypotheses.width is not None]
    gd = [(s.n, s.gd.width) for s in scans if s.gd.width is not None]
    b20 = [(s.n, s.bound_20) for s in scans if s.bound_20 is not None]
    order = [(s.n, s.order_extrapolation.x) for s in scans if s.order_extrapolation is not None]
    return SampleSweep(
        d0,
        tuple(scans),
        power_fit([h[0] for h in hyp], [h[1] for h in hyp]),
        tuple(h[2] for h in hyp),
        power_fit([o[0] for o in order], [o[1] for o in order]),
        power_fit([g[0] for g in gd], [g[1] for g in gd]),
        power_fit([b[0] for b in b20], [b[1] for b in b20]),
        bounds,
    )
