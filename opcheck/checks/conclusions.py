"""The theorem's conclusions, checked by running gradient descent (``verify --train``).

Given the hypotheses at Θ0 (:func:`opcheck.checks.hypotheses.run_verify`), this module

1. measures the Hessian of h at Θ0 (λ_max gives the default step 1/λ_max [derived]),
2. runs gradient descent from the same Θ0 (:func:`opcheck.checks.gradient_descent.train`),
3. measures smoothness: Hessian extremes and a Lipschitz lower estimate of J
   beside Lemma 3's β_Φ (:func:`opcheck.checks.smoothness.measure_smoothness`),

and turns the outcome into condition rows:

* the iterates stayed in ball(Θ0, ρ) (Lemma 1) — ``max ‖Θ_i − Θ0‖/ρ ≤ 1``;
* ``σ_min(J(Θ_i)) ≥ μ/2`` at the measured steps (Lemma 1);
* linear convergence observed, ``C_emp > 0`` (rate (14));
* the tolerance was reached (default ``1e-8 h0``);
* ``β_Φ ≥`` the measured Lipschitz lower estimate (Lemma 3) — if not, that is a
  bug or an error in the bound, and the verdict says so loudly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from opcheck._runtime import blas_guard
from opcheck.checks.constants import ConstantKey, implied
from opcheck.checks.hypotheses import VerifyResult
from opcheck.checks.records import Condition, ConditionKey as K, Standing, all_hold, jsonable
from opcheck.errors import InputError
from opcheck.model.activations import get_activation

if TYPE_CHECKING:  # the training modules load only when gradient descent runs (verify --train)
    from opcheck.checks.gradient_descent import TrainingResult
    from opcheck.checks.smoothness import SmoothnessResult

#: default stopping tolerance, relative to h0 (issue 4: "reaches h < 1e-8 h0")
DEFAULT_RELATIVE_TOL = 1e-8
#: ``--lr theorem``: train with the (13) step at the constant C13 in use
LR_THEOREM = "theorem"


@dataclass(frozen=True)
class Regime:
    """Whether the run was inside the theorem's regime: step ≤ (13)'s, iterates in ball(Θ0, ρ)."""

    lr: float
    eta13: float
    c13: float
    step_inside: bool
    in_ball: bool

    @property
    def inside(self) -> bool:
        return self.step_inside and self.in_ball

    def as_dict(self) -> dict:
        return {"lr": self.lr, "eta_13": self.eta13, "c13": self.c13, "lr_over_eta_13": (self.lr / self.eta13) if self.eta13 > 0 else None,
                "step_inside": self.step_inside, "in_ball": self.in_ball, "inside": self.inside}


@dataclass(frozen=True)
class Conclusions:
    training: TrainingResult
    smoothness: SmoothnessResult
    conditions: list[Condition]
    verdict: list[str]
    tol: float
    tol_source: str
    regime: Regime


def resolve_lr(hyp: VerifyResult, lr: float | str | None) -> tuple[float | None, str | None]:
    """``--lr``: a number, ``theorem`` (the (13) step at C13), or None (the Hessian default)."""
    if lr is None or not isinstance(lr, str):
        return lr, None
    if lr.strip().lower() != LR_THEOREM:
        raise InputError(f"--lr must be a positive number or 'theorem', got '{lr}'")
    eta = hyp.lemma3.eta13(hyp.constants.c13)
    if not eta > 0:
        raise InputError("--lr theorem: (13) gives no step here (mu_Phi = 0 or beta_Phi infinite); pass a number")
    return eta, f"theorem: the (13) step C13 mu^2/(beta ||grad f|| + beta mu^2 + beta_f nu^2) with C13 = {hyp.constants.c13:g}"


@blas_guard.crash_capped(lambda a: a["hyp"].dataset.d2 * a["hyp"].dataset.n)
def check_conclusions(
    hyp: VerifyResult,
    *,
    activation: str,
    steps: int = 1000,
    lr: float | str | None = None,
    tol: float | None = None,
    layers: str = "both",
    seed: int = 0,
    sigma_points: int = 4,
    progress: Callable[[int, float], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> Conclusions:
    """Run gradient descent from the hypotheses' Θ0 and check the conclusions (BLAS on one thread at a Gram order
    that crashes OpenBLAS's multi-threaded AVX-512 kernels: :func:`opcheck._runtime.blas_guard.crash_cap`)."""
    from opcheck.checks.gradient_descent import TrainConfig, train
    from opcheck.checks.smoothness import measure_smoothness
    from opcheck.linalg.hessian_spectrum import hessian_extremes

    say = stage or (lambda _m: None)
    act = get_activation(activation)
    X, Y, p0 = hyp.dataset.X, hyp.dataset.Y, hyp.params
    l3 = hyp.lemma3
    h0 = l3.h0
    step, step_source = resolve_lr(hyp, lr)
    if tol is None:
        tol, tol_source = DEFAULT_RELATIVE_TOL * h0, f"default 1e-8 h0 = {DEFAULT_RELATIVE_TOL * h0:.3g}"
    else:
        tol_source = "user (--tol)"
    config = TrainConfig(steps=steps, lr=step, tol=tol, layers=layers, seed=seed, sigma_points=sigma_points, lr_source=step_source,
                         c_path=hyp.constants.c_path)
    say("Hessian of h at Theta0 (Lanczos on exact Hessian-vector products)")
    hx = hessian_extremes(p0, X, Y, act, block="both", seed=seed)
    say("gradient descent")
    tr = train(X, Y, p0, act, mu=l3.mu, rho=l3.rho, nu=l3.nu, config=config, hessian=hx, progress=progress)
    say("Jacobian Lipschitz lower estimate")
    sm = measure_smoothness(X, Y, p0, act, rho=l3.rho, beta_phi=l3.beta, seed=seed, path=tr.iterates, hessian=hx)
    eta13 = l3.eta13(hyp.constants.c13)
    s = tr.summary
    regime = Regime(s.lr, eta13, hyp.constants.c13, eta13 > 0 and s.lr <= eta13 * (1 + 1e-12), bool(s.stayed_in_ball and s.rho > 0))
    nine_holds = next((c.holds for c in hyp.conditions if c.key is K.INITIAL_LOSS_9), None)
    conds, verdict = _rows(tr, sm, tol, h0, regime, nine_holds is not False)
    return Conclusions(tr, sm, conds, verdict, tol, tol_source, regime)


def step_standing(regime: Regime, nine_holds: bool) -> Standing:
    """The training-step row's standing: (13)'s step only matters when (9), the theorem's hypothesis, holds."""
    if not nine_holds:
        return Standing.NOT_APPLICABLE_9_FAILS
    return Standing.INSIDE_REGIME if regime.step_inside else Standing.OUTSIDE_REGIME


def _rows(tr: TrainingResult, sm: SmoothnessResult, tol: float, h0: float, regime: Regime, nine_holds: bool = True) -> tuple[list[Condition], list[str]]:
    s = tr.summary
    ratio = s.max_distance_ratio
    standing = step_standing(regime, nine_holds)
    conds = [
        Condition(K.TRAINING_STEP_13, "training step within (13)", "(13)", s.lr, regime.eta13, None, "derived",
                  f"{standing.value}: the step used ({s.lr_source}) against the (13) step with C13 = {regime.c13:g}; "
                  "inside the theorem's regime only if <= and (9) holds", relation="<=", standing=standing),
        Condition(K.STAYED_IN_BALL, "stayed in ball(Theta0, rho)", "Lemma 1", ratio, 1.0, bool(s.stayed_in_ball) and s.rho > 0, "derived",
                  f"max ||Theta_i - Theta0|| / rho over {s.steps_run} steps (rho = {s.rho:.3g})"),
        Condition(K.SIGMA_MIN_ALONG_GD, "sigma_min(J) >= mu/2 along GD", "Lemma 1", s.sigma_min_min, s.half_mu, bool(s.sigma_min_stayed_above_half_mu), "paper",
                  s.sigma_note + f"; smallest sigma_min({s.sigma_jacobian}) at the measured steps", relation=">="),
        Condition(K.LINEAR_CONVERGENCE_14, "linear convergence (C_emp > 0)", "(14)", s.c_emp, 0.0, bool(s.linear_convergence), "paper", s.c_emp_note, relation=">"),
        Condition(K.TOLERANCE_REACHED, "tolerance reached", "Thm 2", s.final_loss, tol, bool(s.tol_reached), "derived",
                  f"h after {s.steps_run} steps against tol = {tol:.3g} (h0 = {h0:.3g})"),
        Condition(K.LIPSCHITZ_BELOW_BETA, "beta_Phi >= measured Lipschitz", "Lemma 3", sm.jacobian_lipschitz_lower, sm.beta_phi, not sm.lipschitz_exceeds_bound, "derived",
                  "a lower estimate of the Jacobian's Lipschitz constant over pairs in ball(Theta0, rho) and along GD must not exceed the bound"),
    ]
    return conds, _verdict(tr, sm, tol, regime, all_hold(conds))


def _verdict(tr: TrainingResult, sm: SmoothnessResult, tol: float, regime: Regime, ok: bool) -> list[str]:
    s = tr.summary
    out = []
    if sm.lipschitz_exceeds_bound:
        out.append(
            f"!!! The measured Lipschitz constant of J ({sm.jacobian_lipschitz_lower:.6g}) EXCEEDS Lemma 3's bound beta_Phi = {sm.beta_phi:.6g}. "
            "That is a bug in opcheck or an error in the bound: please report it with --save-init."
        )
    step = (f"the step {s.lr:.4g} is {s.lr / regime.eta13:.3g} x the (13) step {regime.eta13:.4g} (C13 = {regime.c13:g})"
            if regime.eta13 > 0 else f"(13) gives no step here (mu_Phi = 0 or beta_Phi infinite); the step was {s.lr:.4g}")
    ball = f"the iterates {'stayed in' if regime.in_ball else 'left'} ball(Theta0, rho) (max {s.max_distance_ratio:.3g} rho)"
    if regime.inside:
        out.append(f"The run was inside the theorem's regime: {step}, and {ball}.")
    else:
        out.append(f"The run was OUTSIDE the theorem's regime ({step}; {ball}): Theorem 2 does not cover it, whatever it did. "
                   "`--lr theorem` trains with the (13) step.")
    if ok and regime.inside:
        out.append(f"Gradient descent behaved as Theorem 3 says: it stayed in the ball, sigma_min stayed >= mu/2, and h fell linearly to {s.final_loss:.3g} < tol.")
    elif s.tol_reached:
        out.append(f"What happened anyway: gradient descent reached h = {s.final_loss:.3g} < tol = {tol:.3g} in {s.steps_run} steps.")
    if s.diverged:
        out.append(f"Gradient descent diverged at step {s.steps_run} (step {s.lr:.3g}, {s.lr_source}); try a smaller --lr.")
    elif not s.tol_reached:
        out.append(f"Gradient descent did not reach tol = {tol:.3g} in {s.steps_run} steps (final h = {s.final_loss:.3g}); more --steps or width may help.")
    if s.rho > 0 and not s.stayed_in_ball and math.isfinite(s.max_distance_ratio):
        out.append(f"The iterates left ball(Theta0, rho), up to {s.max_distance_ratio:.3g} rho: Lemma 1 no longer covers them.")
    if s.mu == 0:
        out.append("mu_Phi = 0: the theorem certifies nothing about this run, whatever gradient descent does.")
    return out


def combined_report(hyp: VerifyResult, concl: Conclusions | None) -> dict:
    """The hypotheses' dict, extended with the conclusions' rows, ``training``, ``smoothness`` and the implied constants of the run."""
    out = hyp.as_dict()
    if concl is None:
        return out
    conds = list(hyp.conditions) + concl.conditions
    s = concl.training.summary
    C, l3 = hyp.constants, hyp.lemma3
    out["conditions"] = [c.as_dict() for c in conds]
    out["all_hold"] = all_hold(conds)
    out["verdict"] = list(hyp.verdict) + concl.verdict
    out["training"] = {**concl.training.as_dict(), "tol_source": concl.tol_source, "regime": concl.regime.as_dict()}
    out["smoothness"] = concl.smoothness.as_dict()
    run = {
        ConstantKey.C13: implied(ConstantKey.C13, l3.implied_c13(s.lr) if l3.mu > 0 else None, C.c13, "eta D / mu^2 for the training step"),
        ConstantKey.C14: implied(ConstantKey.C14, s.c_emp, C.c14, s.c_emp_note),
        ConstantKey.C_PATH: implied(ConstantKey.C_PATH, s.implied_c_path, C.c_path, "measured path length / (nu sqrt(h0)/(mu^2 sqrt(alpha_f)))"),
    }
    out["implied_constants"].update({k.value: v.as_dict() for k, v in run.items()})
    return jsonable(out)
