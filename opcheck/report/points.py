"""One sweep point: the hypotheses at Θ0 (``run_verify``) and, optionally, gradient descent.

A point is fixed by ``(n, d1, ω1, ω2)``; everything else (activation, init
scheme, seed, constant, GD settings) is shared by the whole report
(:class:`Settings`).  :func:`run_point` is a pure function of its arguments — it
is what the worker processes run — and returns a :class:`PointResult`.

The **measured hypotheses** of a point are the condition rows of
:func:`opcheck.checks.hypotheses.run_verify` that are checked at Θ0: Assumption 2 (data and
activation), (19), μ_Φ > 0, σ_min(J) > 0 and condition (9) with the universal
constant ``--constant``.  The width conditions (20) and (21) are left out on
purpose: they are the paper's *predictions* of the width threshold the sweeps
measure, so the report plots them beside the measured threshold instead.  The
step size (13) is informational.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

from opcheck.model.activations import get_activation
from opcheck.checks.gradient_descent import TrainConfig, train
from opcheck.data.splits import SplitData
from opcheck.report.evaluation import test_error
from opcheck.checks.records import HYPOTHESIS_KEYS, jsonable
from opcheck.checks.hypotheses import VerifyConfig, run_verify

QUANTITIES = ("mu_phi", "sigma_min_jacobian", "sigma_max_jacobian", "c_needed", "h0", "rho", "beta_phi", "nu_phi", "sigma_max_x", "kappa_init")
CURVE_POINTS = 80


@dataclass(frozen=True)
class Settings:
    """Shared by every point of a report."""

    activation: str
    init: str
    seed: int
    constant: float
    kappa_max: float
    steps: int
    tol: float
    lr: float | None
    curve_points: int = CURVE_POINTS


@dataclass(frozen=True)
class PointSpec:
    """What varies between points: n, width, and (for the ratio sweep) ω1, ω2."""

    n: int
    d1: int
    omega1: float | None = None
    omega2: float | None = None
    train: bool = True
    lazy: bool = False
    seed: int | None = None  # None: the report's --seed (the init-ratio sweep repeats points over seeds)

    @property
    def key(self) -> str:
        """A name unique to this point within a report (the Dask task key)."""
        return f"point-{self.n}-{self.d1}-{self.omega1!r}-{self.omega2!r}-{int(self.train)}{int(self.lazy)}-{self.seed}"


@dataclass(frozen=True)
class PointResult:
    """Plain data of one point; ``seconds`` is kept apart from :meth:`as_dict` (timings)."""

    spec: PointSpec
    d2: int
    init: dict
    quantities: dict
    hypotheses: tuple[dict, ...]
    bound_20: float | None
    bound_20_t: int | None
    headline_21: float
    gd: dict | None
    seconds: dict

    @property
    def hypotheses_hold(self) -> bool:
        return all(h["holds"] for h in self.hypotheses)

    @property
    def failing(self) -> list[str]:
        return [h["name"] for h in self.hypotheses if not h["holds"]]

    @property
    def failing_keys(self) -> list[str]:
        """The failing hypotheses' :class:`~opcheck.checks.records.ConditionKey` values (logic uses these, not names)."""
        return [h["key"] for h in self.hypotheses if not h["holds"]]

    @property
    def converged(self) -> bool | None:
        return None if self.gd is None else bool(self.gd["converged"])

    def q(self, name: str) -> float:
        return self.quantities[name]

    def as_dict(self) -> dict:
        return jsonable(
            {
                "n": self.spec.n,
                "d1": self.spec.d1,
                "seed": self.spec.seed,
                "d2": self.d2,
                "init": self.init,
                "quantities": self.quantities,
                "hypotheses": list(self.hypotheses),
                "hypotheses_hold": self.hypotheses_hold,
                "failing": self.failing,
                "bound_20": self.bound_20,
                "bound_20_t": self.bound_20_t,
                "headline_21": self.headline_21,
                "gd": self.gd,
            }
        )


def run_point(spec: PointSpec, data: SplitData, s: Settings) -> PointResult:
    """Hypotheses at Θ0 and (if ``spec.train``) gradient descent with its held-out error."""
    t0 = time.perf_counter()
    ds = data.train
    if spec.seed is not None:
        s = replace(s, seed=spec.seed)
    config = VerifyConfig(activation=s.activation, init=s.init, omega1=spec.omega1, omega2=spec.omega2, width=spec.d1,
                          seed=s.seed, constant=s.constant, kappa_max=s.kappa_max, lr=None)
    vr = run_verify(ds, config)
    seconds = {"verify": time.perf_counter() - t0}
    quantities = {k: vr.value(k) for k in QUANTITIES}
    hyps = tuple(
        {"key": c.key.value, "name": c.name, "equation": c.equation, "holds": bool(c.holds), "source": c.source}
        for c in vr.conditions
        if c.holds is not None and c.key in HYPOTHESIS_KEYS
    )
    reqs = vr.width_requirements
    gd = None
    if spec.train:
        t1 = time.perf_counter()
        gd = _gradient_descent(vr, data, s, spec.lazy)
        seconds["gd"] = time.perf_counter() - t1
    return PointResult(
        spec=spec,
        d2=ds.d2,
        init={k: vr.init[k] for k in ("scheme", "omega1", "omega2", "kappa_init", "source", "nominal")},
        quantities=quantities,
        hypotheses=hyps,
        bound_20=reqs["best_required_width"],
        bound_20_t=reqs["best_t"],
        headline_21=reqs["headline_21"],
        gd=gd,
        seconds=seconds,
    )


def _gradient_descent(vr, data: SplitData, s: Settings, lazy: bool) -> dict:
    """Full-batch GD from Θ0 (:func:`opcheck.checks.gradient_descent.train`), summarised for the report."""
    act = get_activation(s.activation)
    ds = data.train
    # path_points=1 keeps Θ0 and the last iterate (for the held-out error); no σ_min tracking (cost)
    cfg = TrainConfig(steps=s.steps, lr=s.lr, tol=s.tol, layers="both", sigma_points=0, max_points=s.curve_points,
                      path_points=1, lazy=lazy, seed=s.seed)
    tr = train(ds.X, ds.Y, vr.params, act, mu=vr.value("mu_phi"), rho=vr.value("rho"), nu=vr.value("nu_phi"), config=cfg)
    sm = tr.summary
    final = tr.iterates[-1] if (tr.iterates and tr.iterate_steps[-1] == sm.steps_run and not sm.diverged) else None
    err = test_error(final, data.test_X, data.test_Y, act, data.classification).as_dict() if (final is not None and data.n_test) else None
    train_err = test_error(final, ds.X, ds.Y, act, data.classification).as_dict() if (final is not None and data.classification) else None
    return {
        "converged": bool(sm.tol_reached),
        "tol": s.tol,
        "steps_run": sm.steps_run,
        "steps_requested": sm.steps_requested,
        "initial_loss": sm.initial_loss,
        "final_loss": sm.final_loss,
        "min_loss": sm.min_loss,
        "lr": sm.lr,
        "lr_source": sm.lr_source,
        "diverged": sm.diverged,
        "c_emp": sm.c_emp,
        "linear_convergence": sm.linear_convergence,
        "stayed_in_ball": sm.stayed_in_ball,
        "max_distance_ratio": sm.max_distance_ratio,
        "w_motion": sm.final_w_motion,
        "v_motion": sm.final_v_motion,
        "max_lazy_gap": sm.max_lazy_gap,
        "final_lazy_gap": sm.final_lazy_gap,
        "train_error": train_err,
        "test_error": err,
        "curve": {
            "step": [int(v) for v in tr.step],
            "loss": [float(v) for v in tr.loss],
            "lazy_gap": [float(v) for v in tr.lazy_gap] if lazy else None,
        },
    }
