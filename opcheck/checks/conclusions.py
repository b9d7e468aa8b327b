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
from typing import Callable

from opcheck.model.activations import get_activation
from opcheck.checks.gradient_descent import TrainConfig, TrainingResult, train
from opcheck.linalg.hessian_spectrum import hessian_extremes
from opcheck.checks.records import Condition, all_hold, jsonable
from opcheck.checks.smoothness import SmoothnessResult, measure_smoothness
from opcheck.checks.hypotheses import VerifyResult

#: default stopping tolerance, relative to h0 (issue 4: "reaches h < 1e-8 h0")
DEFAULT_RELATIVE_TOL = 1e-8


@dataclass(frozen=True)
class Conclusions:
    training: TrainingResult
    smoothness: SmoothnessResult
    conditions: list[Condition]
    verdict: list[str]
    tol: float
    tol_source: str


def check_conclusions(
    hyp: VerifyResult,
    *,
    activation: str,
    steps: int = 1000,
    lr: float | None = None,
    tol: float | None = None,
    layers: str = "both",
    seed: int = 0,
    sigma_points: int = 4,
    progress: Callable[[int, float], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> Conclusions:
    """Run gradient descent from the hypotheses' Θ0 and check the conclusions."""
    say = stage or (lambda _m: None)
    act = get_activation(activation)
    X, Y, p0 = hyp.dataset.X, hyp.dataset.Y, hyp.params
    mu, rho, nu, beta = (hyp.value(k) for k in ("mu_phi", "rho", "nu_phi", "beta_phi"))
    h0 = hyp.value("h0")
    if tol is None:
        tol, tol_source = DEFAULT_RELATIVE_TOL * h0, f"default 1e-8 h0 = {DEFAULT_RELATIVE_TOL * h0:.3g}"
    else:
        tol_source = "user (--tol)"
    config = TrainConfig(steps=steps, lr=lr, tol=tol, layers=layers, seed=seed, sigma_points=sigma_points)
    say("Hessian of h at Theta0 (Lanczos on exact Hessian-vector products)")
    hx = hessian_extremes(p0, X, Y, act, block="both", seed=seed)
    say("gradient descent")
    tr = train(X, Y, p0, act, mu=mu, rho=rho, nu=nu, config=config, hessian=hx, progress=progress)
    say("Jacobian Lipschitz lower estimate")
    sm = measure_smoothness(X, Y, p0, act, rho=rho, beta_phi=beta, seed=seed, path=tr.iterates, hessian=hx)
    conds, verdict = _rows(tr, sm, tol, h0)
    return Conclusions(tr, sm, conds, verdict, tol, tol_source)


def _rows(tr: TrainingResult, sm: SmoothnessResult, tol: float, h0: float) -> tuple[list[Condition], list[str]]:
    s = tr.summary
    ratio = s["max_distance_ratio"]
    conds = [
        Condition("stayed in ball(Theta0, rho)", "Lemma 1", ratio, 1.0, bool(s["stayed_in_ball"]) and s["rho"] > 0, "paper",
                  f"max ||Theta_i - Theta0|| / rho over {s['steps_run']} steps (rho = {s['rho']:.3g})"),
        Condition("sigma_min(J) >= mu/2 along GD", "Lemma 1", s["sigma_min_min"], s["half_mu"], bool(s["sigma_min_stayed_above_half_mu"]), "paper",
                  s["sigma_note"] + f"; smallest sigma_min({s['sigma_jacobian']}) at the measured steps", relation=">="),
        Condition("linear convergence (C_emp > 0)", "(14)", s["c_emp"], 0.0, bool(s["linear_convergence"]), "paper", s["c_emp_note"], relation=">"),
        Condition("tolerance reached", "Thm 2", s["final_loss"], tol, bool(s["tol_reached"]), "derived",
                  f"h after {s['steps_run']} steps against tol = {tol:.3g} (h0 = {h0:.3g})"),
        Condition("beta_Phi >= measured Lipschitz", "Lemma 3", sm.jacobian_lipschitz_lower, sm.beta_phi, not sm.lipschitz_exceeds_bound, "paper",
                  "a lower estimate of the Jacobian's Lipschitz constant over pairs in ball(Theta0, rho) and along GD must not exceed the bound"),
    ]
    verdict = []
    if sm.lipschitz_exceeds_bound:
        verdict.append(
            f"!!! The measured Lipschitz constant of J ({sm.jacobian_lipschitz_lower:.6g}) EXCEEDS Lemma 3's bound beta_Phi = {sm.beta_phi:.6g}. "
            "That is a bug in opcheck or an error in the bound: please report it with --save-init."
        )
    if all_hold(conds):
        verdict.append(f"Gradient descent behaved as Theorem 3 says: it stayed in the ball, sigma_min stayed >= mu/2, and h fell linearly to {s['final_loss']:.3g} < tol.")
    else:
        if s["diverged"]:
            verdict.append(f"Gradient descent diverged at step {s['steps_run']} (step {s['lr']:.3g}, {s['lr_source']}); try a smaller --lr.")
        elif not s["tol_reached"]:
            verdict.append(f"Gradient descent did not reach tol = {tol:.3g} in {s['steps_run']} steps (final h = {s['final_loss']:.3g}); more --steps or width may help.")
        if s["rho"] > 0 and not s["stayed_in_ball"] and math.isfinite(ratio):
            verdict.append(f"The iterates left ball(Theta0, rho), up to {ratio:.3g} rho: Lemma 1 no longer covers them.")
        if s["mu"] == 0:
            verdict.append("mu_Phi = 0: the theorem certifies nothing about this run, whatever gradient descent does.")
    return conds, verdict


def combined_report(hyp: VerifyResult, concl: Conclusions | None) -> dict:
    """The hypotheses' dict, extended with the conclusions' rows, ``training`` and ``smoothness``."""
    out = hyp.as_dict()
    if concl is None:
        return out
    conds = list(hyp.conditions) + concl.conditions
    out["conditions"] = [c.as_dict() for c in conds]
    out["all_hold"] = all_hold(conds)
    out["verdict"] = list(hyp.verdict) + concl.verdict
    out["training"] = {**concl.training.as_dict(), "tol_source": concl.tol_source}
    out["smoothness"] = concl.smoothness.as_dict()
    return jsonable(out)
