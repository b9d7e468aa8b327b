"""Refuse, before any work, a report whose largest points could not run (exit 2, with the figure).

``opcheck verify`` plans one point; a report runs hundreds, in worker processes, and
without this a request such as ``--d2 100000`` would start and grind (or exhaust memory)
for minutes before a worker met the problem.  So :func:`require_feasible` runs, at
:func:`opcheck.report.run.prepare`:

* verify's own planner (:func:`opcheck.checks.hypotheses.plan_verify`: the Jacobian
  Grams, φ(W0X), the matrix-free spectra's work) at the largest (n, d1) of each legacy
  sweep that is asked for;
* for the gradient-descent threshold on the main dataset (the others carry d2 = 1), a
  lower bound on the memory of its widest run (width ``GD_CAP·n`` at the largest n of its grid): the second layer V and its
  gradient for gradient descent and for its linearisation, ``GD_V_ARRAYS`` arrays of
  d2 × d1, plus the outputs and targets.  A lower bound refuses only what cannot fit.
"""
from __future__ import annotations

from typing import Sequence

from opcheck._runtime import memory
from opcheck.report.config import Plan, ReportConfig

GD_V_ARRAYS = 4  # V and its gradient, for gradient descent and for its linearisation
GD_OUTPUT_ARRAYS = 3  # targets, outputs of GD and of the linearisation (d2 × n each)


def legacy_points(config: ReportConfig, plan: Plan) -> list[tuple[int, int]]:
    """The largest (n, d1) of each legacy sweep asked for (``width``, ``samples``, ``init-ratio``)."""
    points = []
    if "width" in config.sweeps and plan.widths:
        points.append((plan.n, max(plan.widths)))
    if "samples" in config.sweeps:
        points += [(n, max(plan.sample_widths(n))) for n in plan.sample_ns if plan.sample_widths(n)]
    if "init-ratio" in config.sweeps:
        points.append((plan.n, plan.ratio_width))
    return points


def require_feasible(config: ReportConfig, plan: Plan, d0: int, d2: int, gd_runs: Sequence[tuple[int, int]] = ()) -> None:
    """Refuse (InputError) the report if one of its largest points could not run; ``gd_runs`` are the
    (d2, width) of each dataset's widest GD-threshold run."""
    from opcheck.checks.hypotheses import jacobian_blocks, plan_verify
    from opcheck.linalg.jacobian_spectrum import TooBig

    for n, d1 in legacy_points(config, plan):
        plan_verify(n, d0, d1, d2, jacobian_blocks(False), TooBig.DISTRIBUTED)
    for d2_gd, (n, d1) in gd_runs:
        memory.require(
            GD_V_ARRAYS * memory.float64_bytes((d2_gd, d1)) + GD_OUTPUT_ARRAYS * memory.float64_bytes((d2_gd, n)),
            f"the gradient-descent threshold's widest run (n = {n}, d1 = {d1}, d2 = {d2_gd})",
            "use a smaller --d2 or --n, or skip the thresholds (--sweeps no-thresholds)",
        )
