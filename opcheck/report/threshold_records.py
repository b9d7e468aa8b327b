"""Thresholds per dataset and n from their replicate searches, and their exponents in n.

Per (dataset, criterion, n), with R replicate searches each ending in a bracket
``(lo_r, hi_r]`` whose geometric midpoint is ``m_r``:

* ``value = exp(mean_r log m_r)``;
* the uncertainty of ``log value``:
  ``s² = var_r(log m_r)/R + mean_r(h_r²)/(3R)``, ``h_r = ½ log(hi_r/lo_r)`` — the seeds'
  spread plus each bracket read as a uniform interval [derived: opcheck's method];
* ``bracket = [min_r lo_r, max_r hi_r]``.

``kind``: ``measured`` when every replicate bracketed a crossing; ``not reached`` when
one never held up to the cap; ``upper bound`` when one held at the smallest width
tried; ``budget-bound`` (GD) when a failing width next to the threshold failed only
because the horizon was not reached within the budget.  Only ``measured`` values
enter the exponent fits (:mod:`opcheck.report.exponents`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from opcheck.report.bisection import Ending
from opcheck.report.exponents import ExponentFit, fit_exponent
from opcheck.report.threshold_tasks import Criterion, SearchResult


@dataclass(frozen=True)
class ThresholdRecord:
    dataset: str
    criterion: Criterion
    n: int
    kind: str  # measured | not reached | upper bound | budget-bound | extrapolated
    value: float | None
    bracket: tuple[float | None, float | None]
    log_se: float | None
    replicates: tuple[dict, ...]
    kernel: dict | None
    budget: int | None
    steps_used: int | None
    ended_by: str
    note: str

    def as_dict(self) -> dict:
        return {"dataset": self.dataset, "criterion": self.criterion.value, "n": self.n, "kind": self.kind, "value": self.value,
                "bracket": list(self.bracket), "log_se": self.log_se, "seeds": list(self.replicates), "kernel": self.kernel,
                "budget_steps": self.budget, "steps_used": self.steps_used, "ended_by": self.ended_by, "note": self.note}


def aggregate(dataset: str, results: Sequence[SearchResult]) -> ThresholdRecord:
    """One record from the replicate searches of one (criterion, n)."""
    spec = results[0].spec
    crit, n = spec.criterion, spec.n
    kernel = next((r.kernel.as_dict() for r in results if r.kernel is not None), None)
    reps = tuple(r.as_dict() for r in results)
    budget = spec.gd.budget if spec.gd else None
    steps = max((e.steps for r in results for e in r.gd_evaluations), default=None)
    los = [r.search.lo for r in results]
    his = [r.search.hi for r in results]
    endings = {r.search.ended_by for r in results}
    bracket = (min((v for v in los if v is not None), default=None), max((v for v in his if v is not None), default=None))
    base = dict(dataset=dataset, criterion=crit, n=n, replicates=reps, kernel=kernel, budget=budget, steps_used=steps)
    if Ending.CAP in endings or Ending.GAVE_UP in endings:
        why = "lambda_min(K_inf) <= 0: the criterion is vacuous" if kernel and not kernel["lambda_min"] > 0 else f"the criterion never held up to d1 = {spec.cap}"
        kind = "budget-bound" if any(r.budget_bound for r in results) else "not reached"
        if kind == "budget-bound":
            why = f"GD did not reach the horizon within {budget} steps at a width >= n (the step count is set by cond(K_inf), not the width)"
        ended = Ending.GAVE_UP.value if Ending.GAVE_UP in endings else Ending.CAP.value
        return ThresholdRecord(**base, kind=kind, value=None, bracket=bracket, log_se=None, ended_by=ended, note=why)
    mids = np.log([r.search.estimate for r in results])
    halves = np.array([r.search.log_halfwidth for r in results])
    R = len(results)
    var = float(np.var(mids, ddof=1)) / R if R > 1 else 0.0
    se = math.sqrt(var + float(np.mean(halves**2)) / (3 * R))
    value = float(math.exp(mids.mean()))
    if any(r.budget_bound for r in results):
        return ThresholdRecord(**base, kind="budget-bound", value=value, bracket=bracket, log_se=se, ended_by="budget",
                               note=f"a failing width below the threshold did not reach the horizon within {budget} steps")
    if Ending.HOLDS_AT_START in endings:
        return ThresholdRecord(**base, kind="upper bound", value=value, bracket=bracket, log_se=se, ended_by=Ending.HOLDS_AT_START.value,
                               note=f"held at the smallest width tried, d1 = {spec.start}")
    return ThresholdRecord(**base, kind="measured", value=value, bracket=bracket, log_se=se, ended_by=Ending.BRACKETED.value,
                           note=f"{R} seed(s); geometric mean of the bracket midpoints")


@dataclass(frozen=True)
class ExponentRecord:
    dataset: str
    criterion: Criterion
    kind: str  # measured | extrapolated
    fit: ExponentFit

    def as_dict(self) -> dict:
        return {"dataset": self.dataset, "criterion": self.criterion.value, "kind": self.kind, **self.fit.as_dict()}


def exponent(dataset: str, criterion: Criterion, records: Sequence[ThresholdRecord]) -> ExponentRecord:
    """The exponent fit of one dataset's measured thresholds for one criterion."""
    kind = "extrapolated" if criterion == Criterion.C9 else "measured"
    use = [r for r in records if r.kind == kind and r.value is not None and r.value > 0]
    fit = fit_exponent([r.n for r in use], [r.value for r in use], [r.log_se or 0.0 for r in use])
    return ExponentRecord(dataset, criterion, kind, fit)
