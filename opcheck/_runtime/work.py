"""Estimate the arithmetic of a computation before starting it, and refuse what cannot finish.

The memory planner (:mod:`opcheck._runtime.memory`) refuses what does not fit; this
planner refuses what would not end in reasonable time — a matrix-free Lanczos on an
operator of order millions, say — with the figure, before any work starts.  The
estimate is an upper bound in floating-point operations, turned into time at
:data:`PLANNING_RATE` (a conservative sustained rate for the memory-bound products
of Lanczos on one core).  ``OPCHECK_TIME_BUDGET_S`` sets the budget (default
:data:`DEFAULT_BUDGET_S`).
"""
from __future__ import annotations

from opcheck._runtime import validation
from opcheck.errors import InputError

#: floating-point operations per second assumed for planning (matrix-vector bound work)
PLANNING_RATE = 1e9
#: per worker thread, for dense factorisations on a Dask cluster (BLAS-3; this project's machine: ≈ 27 per core)
DENSE_RATE_PER_THREAD = 1e10
#: seconds of work opcheck agrees to start without being told otherwise
DEFAULT_BUDGET_S = 3600.0
ENV_BUDGET = "OPCHECK_TIME_BUDGET_S"


def budget_seconds() -> float:
    """The time budget in seconds (``OPCHECK_TIME_BUDGET_S`` or :data:`DEFAULT_BUDGET_S`)."""
    value = validation.positive_env(ENV_BUDGET, "seconds")
    return DEFAULT_BUDGET_S if value is None else value


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size:
            value = f"{seconds / size:.3g}"
            return f"{value} {unit if value != '1' else unit[:-1]}"
    return f"{seconds:.3g} s"


def require(flops: float, what: str, way_out: str, rate: float = PLANNING_RATE) -> None:
    """Refuse (exit 2) work of ``flops`` operations that would exceed the time budget at ``rate`` flop/s."""
    budget = budget_seconds()
    seconds = flops / rate
    if not seconds <= budget:
        raise InputError(
            f"{what} may need up to {flops:.2g} floating-point operations, about {_duration(seconds)} at "
            f"{rate / 1e9:g} GFLOP/s, beyond the {_duration(budget)} budget ({ENV_BUDGET}); {way_out}"
        )
