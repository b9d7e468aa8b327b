"""One threshold search as one task: a criterion, a dataset's n samples, one init replicate.

:func:`run_search` is what a Dask worker runs (module-level, pure, seeded): it
computes what the criterion needs (K∞ and, for the NTK, ``XᵀX ⊙ K'∞``;
:mod:`opcheck.model.limit_kernel`) and bisects on log d1
(:mod:`opcheck.report.concentration`, :mod:`opcheck.report.gd_threshold`).
The bisection steps of one search run in its task, in order: each step reuses the
previous step's running Gram (nested widths), which a task per step could not.
Replicates, sample sizes, criteria and datasets are separate tasks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from opcheck._runtime import blas_guard
from opcheck.errors import InputError
from opcheck.model.network import init_scales
from opcheck.report.bisection import Ending, Search
from opcheck.report.concentration import KernelFacts, features_search, kernels, ntk_search
from opcheck.report.gd_threshold import GDCriterion, GDEvaluation, gd_search


class Criterion(str, Enum):
    """What a width threshold measures (docs/theory.md, "Measurable thresholds")."""

    FEATURES = "features"  # λ_min(ΦᵀΦ) ≥ ½ d1 λ_min(K∞) — concentration of the V-block
    NTK = "ntk"  # λ_min(J Jᵀ) ≥ ½ λ_min(E[J Jᵀ]) — concentration of the full empirical NTK (d2 = 1)
    GD = "gd"  # GD stays within ε of its linearisation while it fits half the labels' energy
    GD_TOL = "gd-tol"  # h < --tol within --steps on the width grid: budget-bound, legacy
    C9 = "c9"  # (9) with C = --constant, extrapolated from the C_needed trend: EXTRAPOLATED

    @property
    def measured(self) -> bool:
        return self in (Criterion.FEATURES, Criterion.NTK, Criterion.GD)


#: criteria whose outcome does not depend on the labels Y (shared by datasets with the same X)
LABEL_FREE = (Criterion.FEATURES, Criterion.NTK)


@dataclass(frozen=True)
class SearchSpec:
    criterion: Criterion
    n: int
    replicate: int
    seed: int
    activation: str
    init: str
    start: int
    cap: int
    rel_tol: float
    gd: GDCriterion | None = None

    @property
    def cost(self) -> float:
        """Rough relative run time, for scheduling only (the longest searches start first).

        Fitted by eye to serial CPU seconds of the default report: a GD search ~ 4e-7 n³
        (widths ∝ n, steps growing with n), an NTK search ~ 3e-6 n², a features one ~ 1e-6 n².
        """
        n = float(self.n)
        return {Criterion.GD: 4e-7 * n**3, Criterion.NTK: 3e-6 * n * n}.get(self.criterion, 1e-6 * n * n)


@dataclass(frozen=True)
class SearchResult:
    spec: SearchSpec
    search: Search
    kernel: KernelFacts | None
    gd_evaluations: tuple[GDEvaluation, ...] = ()

    @property
    def budget_bound(self) -> bool:
        """GD: the failing width next to the threshold failed because the horizon was not reached."""
        if self.search.ended_by == Ending.GAVE_UP:
            return True
        if not self.gd_evaluations or self.search.lo is None:
            return self.search.ended_by == Ending.CAP and any(e.out_of_budget for e in self.gd_evaluations)
        lo = [e for e in self.gd_evaluations if e.d1 == self.search.lo]
        return bool(lo) and lo[-1].out_of_budget

    def as_dict(self) -> dict:
        out = {"replicate": self.spec.replicate, "seed_sequence": [self.spec.seed, self.spec.replicate], **self.search.as_dict()}
        if self.gd_evaluations:
            out["gd_evaluations"] = [e.as_dict() for e in self.gd_evaluations]
            out["steps_used"] = max(e.steps for e in self.gd_evaluations)
        return out


def omega1_for(init: str, d0: int) -> float:
    """The init's ω1, refused when it depends on the width (nested widths and K∞ need one ω1)."""
    s1, s2 = init_scales(init, d0, 1, 1), init_scales(init, d0, 10**6, 1)
    if not math.isclose(s1.omega1, s2.omega1):
        raise InputError(f"thresholds need an omega1 that does not depend on the width; --init {init} has one that does (use lecun or he)")
    return s1.omega1


@blas_guard.crash_capped(lambda a: a["Y"].shape[0] * a["X"].shape[1])
def run_search(spec: SearchSpec, X: np.ndarray, Y: np.ndarray) -> SearchResult:
    """The bisection of ``spec`` on the training set ``(X, Y)`` (d0 × n, d2 × n); its Grams (order n, d2·n for
    gradient descent's) are formed and factorised under :func:`opcheck._runtime.blas_guard.crash_cap`."""
    d0, n = X.shape
    om1 = omega1_for(spec.init, d0)
    if spec.criterion == Criterion.GD:
        s, evals = gd_search(X, Y, spec.activation, spec.init, spec.seed, spec.replicate, spec.start, spec.cap, spec.gd, spec.rel_tol)
        return SearchResult(spec, s, None, evals)
    ntk = spec.criterion == Criterion.NTK
    K, kdx, facts = kernels(X, spec.activation, om1, ntk)
    if not (facts.lambda_min > 0):
        return SearchResult(spec, Search(None, None, (), Ending.CAP), facts)
    if ntk:
        s = ntk_search(X, spec.activation, om1, lambda d1: init_scales(spec.init, d0, d1, 1).omega2, (K, kdx),
                       spec.seed, spec.replicate, spec.start, spec.cap, spec.rel_tol)
    else:
        s = features_search(X, spec.activation, om1, facts.lambda_min, spec.seed, spec.replicate, spec.start, spec.cap, spec.rel_tol)
    return SearchResult(spec, s, facts)
