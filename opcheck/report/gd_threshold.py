"""The gradient-descent threshold: the width at which GD stays in the kernel regime while it fits.

Definition [derived, docs/theory.md "Measurable thresholds"]: at width d1, run
full-batch gradient descent on both layers from Θ0 (step ``1/λ_max(∇²h(Θ0))``)
together with gradient descent on the linearisation ``Φ_lin`` at Θ0 (same step;
the paper's §6 laziness), and stop at the **horizon** — the first step with
``h(Θ_t) ≤ q·‖Y‖_F²`` (``q`` = :data:`FIT_FRACTION`; ``‖Y‖_F²`` is the loss of the zero
predictor, so GD has fitted ``1 − q`` of the labels' energy; h0 itself also holds the
initial output ``‖V0 φ(W0X)‖²``, which the first steps remove at any width).  The width
*holds* when the horizon is reached within the budget and, on the way,
``max_t |h(Θ_t) − h_lin(Θ̃_t)| ≤ ε·‖Y‖_F²`` (``ε`` = :data:`GAP`).
The threshold is the smallest such width (bisection on log d1, :mod:`opcheck.report.bisection`).

Why it measures width, not budget: the horizon is fixed in units of loss, not of
steps.  When the labels' energy sits in the kernel's large modes (teacher labels, real
classes) GD reaches the horizon in tens to hundreds of steps at every width, so a budget
that reaches it once reaches it for any larger budget, and the outcome — hence the
threshold — does not change when the budget doubles (tested).  Random labels spread their
energy evenly over all n kernel modes, so at large n the horizon itself needs steps
∝ cond(K∞): there the search ends *budget-bound* and no GD threshold is claimed.  The
search gives up at the first width ≥ n whose run does not reach the horizon within
the budget (wider networks need about as many steps: the count is set by the kernel's
conditioning, not the width), which bounds its cost.  "h below an absolute tol within T
steps" instead grows with T like cond(K∞)·log(1/tol) (issue 13's pilot): that reading
is kept in the report only labelled *budget-bound*.  A width whose GD does not reach the
horizon within the budget counts as failing and is flagged (``budget_bound``).

Early stop (cost only): a run whose gap passes ``ε·‖Y‖_F²`` has failed whatever the budget
(the gap's maximum over the steps can only grow), so below width n it stops there
(``gap_exceeded``; its ``reached_horizon`` is then False without meaning "out of budget").
A failing width is *out of budget* — what makes a record budget-bound — only when its gap
stayed within the limit and the horizon was not reached: a width whose gap passed the limit
fails for any budget, stopped early or not.  From width n on every run continues to the
horizon or the budget, because the give-up rule reads whether the horizon was reached.
The search path, hence every bracket, is the same as without the early stop.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from opcheck.checks.gradient_descent import TrainConfig, train
from opcheck.model.activations import get_activation
from opcheck.model.network import Params, init_scales
from opcheck.report.bisection import Search, search

FIT_FRACTION = 0.5
GAP = 0.02
STREAM = 10  # seed-sequence purpose id of the GD threshold's init streams


@dataclass(frozen=True)
class GDCriterion:
    """Settings of the criterion (see module docstring)."""

    budget: int
    fit_fraction: float = FIT_FRACTION
    gap: float = GAP

    def as_dict(self) -> dict:
        return {"budget_steps": self.budget, "fit_fraction": self.fit_fraction, "gap": self.gap}


@dataclass(frozen=True)
class GDEvaluation:
    d1: int
    holds: bool
    reached_horizon: bool
    steps: int
    max_gap_ratio: float
    gap_exceeded: bool = False  # the gap passed its limit: fails whatever the budget (the run may have stopped there)

    @property
    def out_of_budget(self) -> bool:
        """Failed for want of steps only: the horizon was not reached and the gap did not decide it."""
        return not self.reached_horizon and not self.gap_exceeded

    def as_dict(self) -> dict:
        return {"d1": self.d1, "holds": self.holds, "reached_horizon": self.reached_horizon, "steps": self.steps,
                "max_gap_ratio": self.max_gap_ratio, "gap_exceeded": self.gap_exceeded}


def init_params(init: str, d0: int, d1: int, d2: int, seed: int, replicate: int) -> Params:
    """Θ0 at width d1 for one replicate (its own seeded stream per width)."""
    s = init_scales(init, d0, d1, d2)
    g = np.random.default_rng(np.random.SeedSequence([int(seed), STREAM, int(replicate), int(d1)]))
    return Params(s.omega1 * g.standard_normal((d1, d0)), s.omega2 * g.standard_normal((d2, d1)))


def evaluate(X: np.ndarray, Y: np.ndarray, activation: str, init: str, seed: int, replicate: int, d1: int, crit: GDCriterion,
             stop_on_gap: bool = False) -> GDEvaluation:
    """GD and its linearisation at width d1 up to the horizon (or the budget; or, with ``stop_on_gap``, the gap's limit)."""
    act = get_activation(activation)
    p0 = init_params(init, X.shape[0], d1, Y.shape[0], seed, replicate)
    y2 = float(np.vdot(Y, Y))
    cfg = TrainConfig(steps=crit.budget, tol=crit.fit_fraction * y2, layers="both", sigma_points=0, max_points=2,
                      path_points=0, lazy=True, seed=seed, stop_gap=crit.gap * y2 if (stop_on_gap and y2 > 0) else None)
    tr = train(X, Y, p0, act, mu=0.0, rho=math.inf, nu=0.0, config=cfg)
    s = tr.summary
    gap = float(s.max_lazy_gap) / y2 if (y2 > 0 and s.max_lazy_gap is not None and math.isfinite(s.max_lazy_gap)) else math.inf
    reached = bool(s.tol_reached) and not s.diverged
    return GDEvaluation(d1, reached and gap <= crit.gap, reached, int(s.steps_run), gap, gap > crit.gap)


def gd_search(X: np.ndarray, Y: np.ndarray, activation: str, init: str, seed: int, replicate: int, start: int, cap: int,
              crit: GDCriterion, rel_tol: float) -> tuple[Search, tuple[GDEvaluation, ...]]:
    """Bisection for the GD threshold on one replicate; every evaluation is kept."""
    evals: list[GDEvaluation] = []

    def holds(d1: int) -> bool:
        e = evaluate(X, Y, activation, init, seed, replicate, d1, crit, stop_on_gap=d1 < X.shape[1])
        evals.append(e)
        return e.holds

    def give_up(d1: int) -> bool:
        return d1 >= X.shape[1] and not evals[-1].reached_horizon

    return search(holds, start, cap, rel_tol, give_up), tuple(evals)
