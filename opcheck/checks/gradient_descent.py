"""Full-batch gradient descent on h with the theorem's conclusions tracked (§§3, 7).

From Θ0, ``Θ_{i+1} = Θ_i − η ∇h(Θ_i)`` on both layers (the paper), or on W only
(``layers='first'``) or V only (``'second'``) as in the prior results of Table 1.
Gradients are analytic (:mod:`opcheck.linalg.loss_derivatives`).  Tracked per step:

* ``h_i`` (eq. 16), ``‖Θ_i − Θ0‖`` and its ratio to ρ (Lemma 1's ball),
* the cumulative path length ``Σ η ‖∇h(Θ_i)‖`` against Lemma 2's
  ``ν √h0 / (μ² √α_f)`` with the hidden constant set to 1 (labelled so),
* relative weight motion ``‖W_i − W0‖_F/‖W0‖_F``, ``‖V_i − V0‖_F/‖V0‖_F``
  (theory.md §7, [derived] laziness proxies),
* the laziness gap ``|h(Θ_i) − h_lin(Θ̃_i)|`` (§7): Θ̃ runs gradient descent with
  the same step on ``Φ_lin(Θ) = Φ(Θ0) + J0 (Θ − Θ0)``.  Only the linear output is
  needed: ``Z̃_{i+1} = Z̃_i − η J0 g̃_i`` with ``g̃_i = 2 J0ᵀ (Z̃_i − Y)``
  (:func:`opcheck.linalg.jacobian.jvp`/``vjp`` at Θ0, restricted to the trained block),
* ``σ_min(J(Θ_i))`` of the trained block at log-spaced steps (structured Gram when
  it fits in memory, else matrix-free Lanczos), against μ/2 (Lemma 1).

Summaries: the empirical rate constant of (14),

    C_emp = min_i (1 − (h_i/h0)^{1/i}) / (η α_f μ²),   α_f = 2,

the largest C with ``h_i ≤ (1 − C η α_f μ²)^i h0`` for every step i ≥ 1 (every
step, not only the stored rows); the observed per-step contraction (geometric
mean ``(h_T/h0)^{1/T}`` and worst ``max h_{i+1}/h_i``); whether the iterates stayed
in ball(Θ0, ρ); whether tol was reached.

Default step: ``η = 1/λ_max(∇²h(Θ0))`` of the trained block (Lanczos on exact
Hessian-vector products, :mod:`opcheck.linalg.hessian_spectrum`) — opcheck's choice [derived];
(13) only fixes η up to the unknown constant.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from opcheck._runtime import memory, validation
from opcheck.linalg import spectra
from opcheck.model.activations import Activation
from opcheck.errors import InputError
from opcheck.linalg.loss_derivatives import loss_and_gradient
from opcheck.linalg.hessian_spectrum import HessianExtremes, hessian_lambda_max
from opcheck.linalg.jacobian import jvp, vjp
from opcheck.linalg.jacobian_spectrum import jacobian_extremes
from opcheck.model.network import Params
from opcheck.checks.records import jsonable
from opcheck.checks.smoothness import SmoothnessResult, measure_smoothness  # noqa: F401  (re-export)

LAYERS = ("both", "first", "second")
ALPHA_F = 2.0  # PL constant of f(Z) = ‖Z − Y‖_F² [derived: ‖∇f‖² = 4f]


@dataclass(frozen=True)
class TrainConfig:
    """Gradient-descent settings (each maps to an ``opcheck verify --train`` option)."""

    steps: int = 1000
    lr: float | None = None  # None: 1/λ_max(∇²h(Θ0)) of the trained block
    tol: float | None = None  # stop once h < tol (absolute)
    layers: str = "both"
    sigma_points: int = 4  # log-spaced steps (with 0 and the last) where σ_min(J(Θ_i)) is measured; ~25 s each at d2 n = 10 000; 0 = never
    max_points: int = 2000  # stored rows; beyond, a log + linear subsample (summaries use every step)
    path_points: int = 8  # log-spaced iterates (with Θ0 and the last) kept for the Lipschitz path pairs; 0 = none
    lazy: bool = True  # run gradient descent on the linearization alongside
    seed: int = 0


@dataclass(frozen=True)
class TrainingResult:
    """Arrays at the stored steps, σ_min at its own steps, and the summaries."""

    step: np.ndarray
    loss: np.ndarray
    distance: np.ndarray
    path_length: np.ndarray
    lazy_gap: np.ndarray  # NaN when lazy tracking is off
    lin_loss: np.ndarray
    w_motion: np.ndarray
    v_motion: np.ndarray
    sigma_step: np.ndarray
    sigma_min: np.ndarray
    sigma_max: np.ndarray
    sigma_method: tuple[str, ...]
    summary: dict
    iterates: tuple[Params, ...] = field(repr=False, compare=False, default=())  # log-spaced Θ_i, not serialised
    iterate_steps: tuple[int, ...] = field(repr=False, compare=False, default=())

    # the summaries issue 4 names, as attributes
    @property
    def final_loss(self) -> float:
        return self.summary["final_loss"]

    @property
    def stayed_in_ball(self) -> bool:
        return self.summary["stayed_in_ball"]

    @property
    def max_distance_ratio(self) -> float:
        return self.summary["max_distance_ratio"]

    @property
    def c_emp(self) -> float | None:
        return self.summary["c_emp"]

    @property
    def steps_run(self) -> int:
        return self.summary["steps_run"]

    @property
    def lr(self) -> float:
        return self.summary["lr"]

    def as_dict(self) -> dict:
        return jsonable(
            {
                "step": self.step,
                "loss": self.loss,
                "distance": self.distance,
                "path_length": self.path_length,
                "lazy_gap": self.lazy_gap,
                "lin_loss": self.lin_loss,
                "w_motion": self.w_motion,
                "v_motion": self.v_motion,
                "sigma_step": self.sigma_step,
                "sigma_min": self.sigma_min,
                "sigma_max": self.sigma_max,
                "sigma_method": list(self.sigma_method),
                **self.summary,
            }
        )


def log_steps(last: int, count: int) -> list[int]:
    """``count`` roughly log-spaced integers in [0, last], always with 0 and ``last``."""
    if count <= 0 or last < 0:
        return []
    if last == 0 or count == 1:
        return [0] if count == 1 else sorted({0, last})
    pts = {0, last} | {int(round(s)) for s in np.geomspace(1, last, max(count - 1, 1))}
    return sorted(pts)


def stored_rows(total: int, max_points: int) -> np.ndarray:
    """Indices 0..total−1 to store: all of them, or a log + linear subsample of ``max_points``."""
    if total <= max_points:
        return np.arange(total)
    half = max(max_points // 2, 2)
    lin = np.linspace(0, total - 1, half).round().astype(int)
    lg = np.geomspace(1, total - 1, half).round().astype(int)
    return np.unique(np.concatenate([[0, total - 1], lin, lg]))


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


def _block_grad(g: Params, layers: str) -> Params:
    if layers == "first":
        return Params(g.W, np.zeros_like(g.V))
    if layers == "second":
        return Params(np.zeros_like(g.W), g.V)
    return g


def _jvp_block(V0, A0, B0, X, g: Params, layers: str) -> np.ndarray:
    if layers == "first":
        return V0 @ (B0 * (g.W @ X))
    if layers == "second":
        return g.V @ A0
    return jvp(V0, A0, B0, X, g.W, g.V)


def trained_jacobian_extremes(V: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, K: np.ndarray, layers: str, seed: int = 0) -> spectra.Extremes:
    """Extreme singular values² of the trained block's Jacobian (:mod:`opcheck.linalg.jacobian_spectrum`)."""
    return jacobian_extremes(V, A, B, X, (layers,), seed, K)[layers]


def check_train_config(config: TrainConfig) -> None:
    """The user-given settings, by the rules of :mod:`opcheck._runtime.validation` (one message each)."""
    validation.choice(config.layers, LAYERS, "--train-layers")
    validation.positive_int(config.steps, "--steps")
    validation.positive_finite(config.lr, "--lr")
    validation.positive_finite(config.tol, "--tol")
    validation.non_negative_int(config.sigma_points, "--sigma-points")


def _check_inputs(X, Y, params0: Params, config: TrainConfig, mu: float, rho: float, nu: float) -> None:
    check_train_config(config)
    for name, val in (("mu", mu), ("rho", rho), ("nu", nu)):
        if not (val >= 0) or math.isnan(val):
            raise InputError(f"{name} must be >= 0, got {val}")
    d1, d0 = params0.W.shape
    if X.shape[0] != d0 or params0.V.shape != (Y.shape[0], d1) or X.shape[1] != Y.shape[1]:
        raise InputError(f"shape mismatch: X {X.shape}, Y {Y.shape}, W {params0.W.shape}, V {params0.V.shape}")


def train(
    X: np.ndarray,
    Y: np.ndarray,
    params0: Params,
    act: Activation,
    *,
    mu: float,
    rho: float,
    nu: float,
    config: TrainConfig = TrainConfig(),
    hessian: HessianExtremes | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> TrainingResult:
    """Run gradient descent from Θ0 and track the theorem's conclusions.

    ``mu`` is the near-isometry constant in (14) and Lemma 1 (the caller's choice,
    e.g. μ_Φ), ``rho`` the radius of Lemma 1's ball, ``nu`` the upper constant in
    Lemma 2.  ``hessian`` (λ_max of ∇²h(Θ0) for the trained block) avoids a second
    Lanczos run when the caller measured it already.  ``progress(step, loss)`` is
    called once per step; nothing is printed.
    """
    _check_inputs(X, Y, params0, config, mu, rho, nu)
    layers = config.layers
    d1, d0 = params0.W.shape
    d2, n = Y.shape
    memory.require(memory.float64_bytes(*([(d1, d0)] * 5), *([(d1, n)] * 8)), "gradient descent", "reduce the width or --n")
    t_start = time.perf_counter()

    # ---- step size
    if config.lr is not None:
        lr, lr_source, lam_max = float(config.lr), "user (--lr)", None
    else:
        if hessian is not None and hessian.block == layers and math.isfinite(hessian.lambda_max):
            lam_max, how = hessian.lambda_max, hessian.method
        else:
            top = hessian_lambda_max(params0, X, Y, act, block=layers, seed=config.seed)
            lam_max, how = top.value, top.method
        if not (math.isfinite(lam_max) and lam_max > 0):
            raise InputError(f"the Hessian of h at Theta0 has lambda_max = {lam_max:.3g}: no default step size; pass --lr")
        lr = 1.0 / lam_max
        lr_source = f"derived: 1/lambda_max of the Hessian of h at Theta0 (block '{layers}', lambda_max = {lam_max:.6g}; {how})"

    # ---- state
    W0, V0 = params0.W, params0.V
    W, V = W0.copy(), V0.copy()
    w0n, v0n = float(np.linalg.norm(W0)), float(np.linalg.norm(V0))
    K = X.T @ X
    sigma_plan = set(log_steps(config.steps, config.sigma_points))
    path_plan = set(log_steps(config.steps, config.path_points))
    lg = loss_and_gradient(Params(W, V), X, Y, act)
    h0 = lg.loss
    A0, B0 = lg.A, lg.B
    Zlin = V0 @ A0 if config.lazy else None

    losses, dists, paths, gaps, lin_losses, wm, vm = [], [], [], [], [], [], []
    sig_step, sig_min, sig_max, sig_method = [], [], [], []
    iterates, iterate_steps = [], []
    path_len, diverged, tol_reached = 0.0, False, False
    i = 0

    def measure_sigma(step: int, V_: np.ndarray, A_: np.ndarray, B_: np.ndarray) -> None:
        ext = trained_jacobian_extremes(V_, A_, B_, X, K, layers, seed=config.seed)
        sig_step.append(step)
        sig_min.append(ext.sigma_min)
        sig_max.append(ext.sigma_max)
        sig_method.append(ext.method + (f" ({ext.note})" if ext.note else ""))

    # divergence is detected (non-finite h) and reported, not warned about
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            h = lg.loss
            dW, dV = W - W0, V - V0
            dwn, dvn = float(np.linalg.norm(dW)), float(np.linalg.norm(dV))
            losses.append(h)
            dists.append(math.hypot(dwn, dvn))
            paths.append(path_len)
            wm.append(dwn / w0n if w0n > 0 else math.nan)
            vm.append(dvn / v0n if v0n > 0 else math.nan)
            if Zlin is not None:
                Rlin = Zlin - Y
                hl = float(np.vdot(Rlin, Rlin))
                lin_losses.append(hl)
                gaps.append(abs(h - hl))
            else:
                lin_losses.append(math.nan)
                gaps.append(math.nan)
            if progress is not None:
                progress(i, h)
            if not math.isfinite(h):
                diverged = True
                break
            last = i == config.steps or (config.tol is not None and h < config.tol)
            if config.tol is not None and h < config.tol:
                tol_reached = True
            if i in sigma_plan or (last and config.sigma_points > 0):
                measure_sigma(i, V, lg.A, lg.B)
            if i in path_plan or (last and config.path_points > 0):
                iterates.append(Params(W.copy(), V.copy()))
                iterate_steps.append(i)
            if last:
                break
            g = _block_grad(lg.grad, layers)
            path_len += lr * math.sqrt(float(np.vdot(g.W, g.W) + np.vdot(g.V, g.V)))
            if layers != "second":
                W -= lr * g.W
            if layers != "first":
                V -= lr * g.V
            if Zlin is not None:
                gl = vjp(V0, A0, B0, X, 2.0 * Rlin)
                Zlin -= lr * _jvp_block(V0, A0, B0, X, gl, layers)
            i += 1
            lg = loss_and_gradient(Params(W, V), X, Y, act)

    loss_arr = np.asarray(losses)
    rows = stored_rows(loss_arr.size, config.max_points)
    dist_arr = np.asarray(dists)
    max_dist = float(dist_arr.max())
    if rho > 0:
        max_ratio = float(max_dist / rho)
    else:
        max_ratio = 0.0 if max_dist == 0 else math.inf
    steps_run = loss_arr.size - 1
    finite = loss_arr[np.isfinite(loss_arr)]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_step = loss_arr[1:] / loss_arr[:-1] if steps_run else np.empty(0)
    contraction_mean = float((loss_arr[-1] / h0) ** (1.0 / steps_run)) if (steps_run and h0 > 0 and math.isfinite(loss_arr[-1])) else None
    contraction_worst = float(np.max(per_step)) if per_step.size and np.all(np.isfinite(per_step)) else None
    c_emp = empirical_rate_constant(loss_arr, lr, mu) if not diverged else None
    path_bound = float(nu * math.sqrt(h0) / (mu * mu * math.sqrt(ALPHA_F))) if mu > 0 else math.inf
    half_mu = 0.5 * mu
    smin_min = float(min(sig_min)) if sig_min else None
    rate_note = ""
    if c_emp is None:
        rate_note = "mu = 0: rate (14) is vacuous" if mu == 0 else ("diverged" if diverged else "undefined (no step or h0 = 0)")
    summary = {
        "final_loss": float(loss_arr[-1]),
        "initial_loss": h0,
        "steps_run": steps_run,
        "steps_requested": int(config.steps),
        "lr": lr,
        "lr_source": lr_source,
        "hessian_lambda_max": lam_max,
        "layers": layers,
        "tol": config.tol,
        "tol_reached": tol_reached if config.tol is not None else None,
        "diverged": diverged,
        "mu": float(mu),
        "rho": float(rho),
        "nu": float(nu),
        "alpha_f": ALPHA_F,
        "stayed_in_ball": bool(max_dist <= rho),
        "max_distance": max_dist,
        "max_distance_ratio": max_ratio,
        "final_distance": float(dist_arr[-1]),
        "path_length_total": path_len,
        "path_length_bound": path_bound,
        "path_length_bound_label": "Lemma 2 with constant 1: nu sqrt(h0) / (mu^2 sqrt(alpha_f)) [paper, O(.) constant set to 1]",
        "c_emp": c_emp,
        "c_emp_note": rate_note or "largest C with h_i <= (1 - C lr alpha_f mu^2)^i h0 for every step i (eq. 14)",
        "linear_convergence": bool(c_emp is not None and c_emp > 0),
        "contraction_mean": contraction_mean,
        "contraction_worst": contraction_worst,
        "sigma_min_min": smin_min,
        "half_mu": float(half_mu),
        # with μ = 0 Lemma 1 certifies nothing: never reported as holding
        "sigma_min_stayed_above_half_mu": (bool(mu > 0 and smin_min >= half_mu)) if smin_min is not None else None,
        "sigma_note": "mu = 0: Lemma 1's sigma_min >= mu/2 certifies nothing" if mu == 0 else "Lemma 1: sigma_min >= mu/2 on ball(Theta0, rho)",
        "sigma_jacobian": {"both": "full J", "first": "W-block J_W", "second": "V-block J_V"}[layers],
        "max_lazy_gap": float(np.max(gaps)) if config.lazy else None,
        "final_lazy_gap": float(gaps[-1]) if config.lazy else None,
        "final_w_motion": float(wm[-1]),
        "final_v_motion": float(vm[-1]),
        "min_loss": float(finite.min()) if finite.size else None,
        "seconds": time.perf_counter() - t_start,
    }
    return TrainingResult(
        step=rows.copy(),
        loss=loss_arr[rows],
        distance=dist_arr[rows],
        path_length=np.asarray(paths)[rows],
        lazy_gap=np.asarray(gaps)[rows],
        lin_loss=np.asarray(lin_losses)[rows],
        w_motion=np.asarray(wm)[rows],
        v_motion=np.asarray(vm)[rows],
        sigma_step=np.asarray(sig_step, dtype=int),
        sigma_min=np.asarray(sig_min),
        sigma_max=np.asarray(sig_max),
        sigma_method=tuple(sig_method),
        summary=summary,
        iterates=tuple(iterates),
        iterate_steps=tuple(iterate_steps),
    )

