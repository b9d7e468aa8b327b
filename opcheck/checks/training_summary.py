"""The summaries of one gradient-descent run (:class:`TrainingSummary`), from its per-step trace.

* the empirical rate constant of (14), the implied C14:

      C_emp = min_i (1 − (h_i/h0)^{1/i}) / (η α_f μ²),   α_f = 2,

  the largest C14 with ``h_i ≤ (1 − C14 η α_f μ²)^i h0`` for every step i ≥ 1;
* the observed per-step contraction (geometric mean ``(h_T/h0)^{1/T}``, worst ``max h_{i+1}/h_i``);
* whether the iterates stayed in ball(Θ0, ρ); the path length against Lemma 2's
  ``C_path ν √h0 / (μ² √α_f)`` and the implied C_path;
* whether tol was reached; σ_min of the trained block against μ/2 (Lemma 1).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from opcheck.checks.records import jsonable

ALPHA_F = 2.0


def empirical_rate_constant(losses: np.ndarray, lr: float, mu: float, alpha_f: float = ALPHA_F) -> float | None:
    """``C_emp`` of (14): the largest C with ``h_i ≤ (1 − C η α_f μ²)^i h0`` for all i ≥ 1.

    For each i the bound holds iff ``C ≤ (1 − (h_i/h0)^{1/i}) / q``, q = η α_f μ²,
    so ``C_emp`` is the minimum over i.  None when it is undefined (no step, h0 = 0,
    q = 0: with μ = 0 the rate (14) is vacuous).  Negative when some h_i > h0.
    """
    q = lr * alpha_f * mu * mu
    if losses.size < 2 or not (losses[0] > 0) or not (q > 0) or not math.isfinite(q):
        return None
    i = np.arange(1, losses.size, dtype=float)
    ratio = np.asarray(losses[1:], dtype=float) / losses[0]
    if not np.all(np.isfinite(ratio)):
        return None
    return float(np.min((1.0 - ratio ** (1.0 / i)) / q))


@dataclass(frozen=True)
class TrainingSummary:
    """Every summary of a run (the JSON keys of ``training`` beside the arrays)."""

    final_loss: float
    initial_loss: float
    steps_run: int
    steps_requested: int
    lr: float
    lr_source: str
    hessian_lambda_max: float | None
    layers: str
    tol: float | None
    tol_reached: bool | None
    diverged: bool
    mu: float
    rho: float
    nu: float
    alpha_f: float
    stayed_in_ball: bool
    max_distance: float
    max_distance_ratio: float
    final_distance: float
    path_length_total: float
    path_length_bound: float
    path_length_bound_label: str
    c_path: float
    implied_c_path: float | None
    c_emp: float | None
    c_emp_note: str
    linear_convergence: bool
    contraction_mean: float | None
    contraction_worst: float | None
    sigma_min_min: float | None
    half_mu: float
    sigma_min_stayed_above_half_mu: bool | None
    sigma_note: str
    sigma_jacobian: str
    max_lazy_gap: float | None
    final_lazy_gap: float | None
    final_w_motion: float
    final_v_motion: float
    min_loss: float | None
    seconds: float

    def as_dict(self) -> dict:
        return jsonable(asdict(self))


@dataclass(frozen=True)
class Trace:
    """Per-step records of one run (every step, before subsampling)."""

    losses: np.ndarray
    distances: np.ndarray
    path_length: float
    diverged: bool
    tol_reached: bool
    sigma_min: list
    gaps: list
    w_motion: list
    v_motion: list


def summarise(tr: Trace, *, lr: float, lr_source: str, lam_max: float | None, layers: str, steps: int, tol: float | None, lazy: bool,
              mu: float, rho: float, nu: float, c_path: float, seconds: float) -> TrainingSummary:
    """:class:`TrainingSummary` of a :class:`Trace` (summaries use every step, not only the stored rows)."""
    loss_arr, dist_arr = tr.losses, tr.distances
    h0 = float(loss_arr[0])
    max_dist = float(dist_arr.max())
    max_ratio = float(max_dist / rho) if rho > 0 else (0.0 if max_dist == 0 else math.inf)
    steps_run = loss_arr.size - 1
    finite = loss_arr[np.isfinite(loss_arr)]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_step = loss_arr[1:] / loss_arr[:-1] if steps_run else np.empty(0)
    contraction_mean = float((loss_arr[-1] / h0) ** (1.0 / steps_run)) if (steps_run and h0 > 0 and math.isfinite(loss_arr[-1])) else None
    contraction_worst = float(np.max(per_step)) if per_step.size and np.all(np.isfinite(per_step)) else None
    c_emp = empirical_rate_constant(loss_arr, lr, mu) if not tr.diverged else None
    unit_bound = float(nu * math.sqrt(h0) / (mu * mu * math.sqrt(ALPHA_F))) if mu > 0 else math.inf
    smin_min = float(min(tr.sigma_min)) if tr.sigma_min else None
    rate_note = ""
    if c_emp is None:
        rate_note = "mu = 0: rate (14) is vacuous" if mu == 0 else ("diverged" if tr.diverged else "undefined (no step or h0 = 0)")
    return TrainingSummary(
        final_loss=float(loss_arr[-1]), initial_loss=h0, steps_run=steps_run, steps_requested=int(steps),
        lr=lr, lr_source=lr_source, hessian_lambda_max=lam_max, layers=layers, tol=tol,
        tol_reached=tr.tol_reached if tol is not None else None, diverged=tr.diverged,
        mu=float(mu), rho=float(rho), nu=float(nu), alpha_f=ALPHA_F,
        stayed_in_ball=bool(max_dist <= rho), max_distance=max_dist, max_distance_ratio=max_ratio, final_distance=float(dist_arr[-1]),
        path_length_total=tr.path_length, path_length_bound=c_path * unit_bound,
        path_length_bound_label=f"Lemma 2: C_path nu sqrt(h0) / (mu^2 sqrt(alpha_f)) with C_path = {c_path:.4g} (the value under which (9) implies path <= rho)",
        c_path=c_path, implied_c_path=(tr.path_length / unit_bound) if (mu > 0 and math.isfinite(unit_bound) and unit_bound > 0) else None,
        c_emp=c_emp, c_emp_note=rate_note or "largest C14 with h_i <= (1 - C14 lr alpha_f mu^2)^i h0 for every step i (eq. 14)",
        linear_convergence=bool(c_emp is not None and c_emp > 0),
        contraction_mean=contraction_mean, contraction_worst=contraction_worst,
        sigma_min_min=smin_min, half_mu=0.5 * float(mu),
        # with μ = 0 Lemma 1 certifies nothing: never reported as holding
        sigma_min_stayed_above_half_mu=(bool(mu > 0 and smin_min >= 0.5 * mu)) if smin_min is not None else None,
        sigma_note="mu = 0: Lemma 1's sigma_min >= mu/2 certifies nothing" if mu == 0 else "Lemma 1: sigma_min >= mu/2 on ball(Theta0, rho)",
        sigma_jacobian={"both": "full J", "first": "W-block J_W", "second": "V-block J_V"}[layers],
        max_lazy_gap=float(np.max(tr.gaps)) if lazy else None, final_lazy_gap=float(tr.gaps[-1]) if lazy else None,
        final_w_motion=float(tr.w_motion[-1]), final_v_motion=float(tr.v_motion[-1]),
        min_loss=float(finite.min()) if finite.size else None, seconds=seconds,
    )
