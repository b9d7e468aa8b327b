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

Summaries: :mod:`opcheck.checks.training_summary`.

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
from opcheck.model.activations import Activation
from opcheck.errors import InputError
from opcheck.linalg.hessian_spectrum import HessianExtremes, hessian_lambda_max
from opcheck.model.network import Params
from opcheck.checks.records import jsonable
from opcheck.checks.smoothness import SmoothnessResult, measure_smoothness  # noqa: F401  (re-export)
from opcheck.checks.training_summary import Trace, TrainingSummary, empirical_rate_constant, summarise  # noqa: F401  (re-export)
from opcheck.checks.gd_loop import log_steps, run_loop, trained_jacobian_extremes  # noqa: F401  (re-export)

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
    lr_source: str | None = None  # how a given lr was chosen (default "user (--lr)")
    c_path: float = 0.5  # Lemma 2's constant (constants model: 1/(2 sqrt(C9)))
    stop_gap: float | None = None  # stop once the laziness gap |h - h_lin| exceeds this (needs lazy); None = never


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
    summary: TrainingSummary
    iterates: tuple[Params, ...] = field(repr=False, compare=False, default=())  # log-spaced Θ_i, not serialised
    iterate_steps: tuple[int, ...] = field(repr=False, compare=False, default=())

    # the summaries issue 4 names, as attributes
    @property
    def final_loss(self) -> float:
        return self.summary.final_loss

    @property
    def stayed_in_ball(self) -> bool:
        return self.summary.stayed_in_ball

    @property
    def max_distance_ratio(self) -> float:
        return self.summary.max_distance_ratio

    @property
    def c_emp(self) -> float | None:
        return self.summary.c_emp

    @property
    def steps_run(self) -> int:
        return self.summary.steps_run

    @property
    def lr(self) -> float:
        return self.summary.lr

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
                **self.summary.as_dict(),
            }
        )


def stored_rows(total: int, max_points: int) -> np.ndarray:
    """Indices 0..total−1 to store: all of them, or a log + linear subsample of ``max_points``."""
    if total <= max_points:
        return np.arange(total)
    half = max(max_points // 2, 2)
    lin = np.linspace(0, total - 1, half).round().astype(int)
    lg = np.geomspace(1, total - 1, half).round().astype(int)
    return np.unique(np.concatenate([[0, total - 1], lin, lg]))


def check_train_config(config: TrainConfig) -> None:
    """The user-given settings, by the rules of :mod:`opcheck._runtime.validation` (one message each)."""
    validation.choice(config.layers, LAYERS, "--train-layers")
    validation.positive_int(config.steps, "--steps")
    validation.positive_finite(config.lr, "--lr")
    validation.positive_finite(config.tol, "--tol")
    validation.non_negative_int(config.sigma_points, "--sigma-points")
    plan_trace(config.steps)


#: bytes the per-step trace keeps (seven floats in lists, then as arrays), for the planner
TRACE_BYTES_PER_STEP = 320


def plan_trace(steps: int) -> None:
    """Refuse (exit 2) a step count whose per-step trace cannot be held, before any step runs."""
    memory.require(float(steps) * TRACE_BYTES_PER_STEP, f"the gradient-descent trace of up to {steps} steps",
                   "use fewer --steps (the trace keeps a few numbers per step)")


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

    lr, lr_source, lam_max = _step_size(params0, X, Y, act, config, hessian)
    trace, rows_data, sig, its = run_loop(X, Y, params0, act, config, lr, progress)
    summary = summarise(trace, lr=lr, lr_source=lr_source, lam_max=lam_max, layers=layers, steps=config.steps, tol=config.tol, lazy=config.lazy,
                        mu=mu, rho=rho, nu=nu, c_path=config.c_path, seconds=time.perf_counter() - t_start)
    rows = stored_rows(trace.losses.size, config.max_points)
    return TrainingResult(
        step=rows.copy(),
        loss=trace.losses[rows],
        distance=trace.distances[rows],
        path_length=np.asarray(rows_data["paths"])[rows],
        lazy_gap=np.asarray(trace.gaps)[rows],
        lin_loss=np.asarray(rows_data["lin_losses"])[rows],
        w_motion=np.asarray(trace.w_motion)[rows],
        v_motion=np.asarray(trace.v_motion)[rows],
        sigma_step=np.asarray(sig[0], dtype=int),
        sigma_min=np.asarray(sig[1]),
        sigma_max=np.asarray(sig[2]),
        sigma_method=tuple(sig[3]),
        summary=summary,
        iterates=tuple(its[0]),
        iterate_steps=tuple(its[1]),
    )


def _step_size(params0: Params, X, Y, act: Activation, config: TrainConfig, hessian: HessianExtremes | None) -> tuple[float, str, float | None]:
    """The step: the user's (or the caller's, e.g. (13)'s), else 1/λ_max(∇²h(Θ0)) of the trained block [derived]."""
    if config.lr is not None:
        return float(config.lr), config.lr_source or "user (--lr)", None
    layers = config.layers
    if hessian is not None and hessian.block == layers and math.isfinite(hessian.lambda_max):
        lam_max, how = hessian.lambda_max, hessian.method
    else:
        top = hessian_lambda_max(params0, X, Y, act, block=layers, seed=config.seed)
        lam_max, how = top.value, top.method
    if not (math.isfinite(lam_max) and lam_max > 0):
        raise InputError(f"the Hessian of h at Theta0 has lambda_max = {lam_max:.3g}: no default step size; pass --lr")
    return 1.0 / lam_max, f"derived: 1/lambda_max of the Hessian of h at Theta0 (block '{layers}', lambda_max = {lam_max:.6g}; {how})", lam_max


