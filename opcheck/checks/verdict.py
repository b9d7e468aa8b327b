"""The verdict sentences of ``opcheck verify`` at Θ0: what holds, what fails, the real cause.

Reads typed rows (:class:`~opcheck.checks.records.ConditionKey`) and facts; never
matches display strings.  Every sentence about (9) says that it is sufficient,
not necessary; when the measured (9) and the predicted (20) disagree the
sentence says which is which.
"""
from __future__ import annotations

import math

from opcheck.checks.conditions import Facts, ceil_width, width_text
from opcheck.checks.diagnoses import CauseKey, admissible_activations
from opcheck.checks.records import Condition, ConditionKey as K


def verdict(conds: list[Condition], f: Facts) -> list[str]:
    """Sentences: a summary line, then one per failing row (with its cause), then disagreements."""
    by = {c.key: c for c in conds}
    held = [c for c in conds if c.holds]
    failed = [c for c in conds if c.holds is False]
    C = f.constants
    lines = []
    if not failed:
        lines.append(f"All {len(held)} checked hypotheses of Theorem 3 hold at Theta0 (C9 = {C.c9:g}, C20 = {C.c20:.4g}, C21 = {C.c21:.4g}).")
    else:
        lines.append(f"{len(held)} of {len(held) + len(failed)} checked hypotheses hold; failing: " + "; ".join(f"{c.name} [{c.equation}]" for c in failed) + ".")
    causes = {c.key: c for c in f.causes}
    cause_lines_done = False
    for c in failed:
        if c.key is K.INITIAL_LOSS_9:
            lines += _nine(f)
            if not math.isfinite(f.l3.c_needed) and not cause_lines_done:
                lines += [x.sentence for x in f.causes]
                cause_lines_done = True
        elif c.key is K.MU_PHI_POSITIVE and not cause_lines_done:
            lines += [x.sentence for x in f.causes if x.key is not CauseKey.UNBOUNDED_SECOND_DERIVATIVE] or [f"mu_Phi = 0: {c.detail}."]
            cause_lines_done = True
        elif c.key is K.WIDTH_20 and f.best_init is not None:
            lines.append(f"(20) would hold at width d1 >= {width_text(ceil_width(f.best_init.required_width))} (t = {f.best_init.t}, C20 = {C.c20:.4g}, c_i at the measured omega1).")
        elif c.key is K.HEADLINE_21:
            lines.append(f"(21) would hold at width d1 >= {width_text(ceil_width(f.headline))} (C21 = {C.c21:.4g}).")
        elif c.key is K.INIT_SCALE_19:
            how = "the loaded parameters have" if f.loaded else f"the {f.nominal.scheme} draw has"
            lines.append(f"(19) fails: {how} measured kappa_init = {f.init.kappa:.4g} > {f.kappa_max:g} x {f.kappa_band:.4g} (sampling band); "
                         "lower omega1 omega2 (e.g. --init lecun).")
        elif c.key is K.DATA_ASSUMPTION_2:
            lines.append(f"Assumption 2 fails for the data: {c.detail}; drop --no-normalize to scale samples and labels.")
        elif c.key is K.ACTIVATION_ASSUMPTION_2:
            lines.append(f"Assumption 2 fails for the activation ({c.detail}); the numbers are still computed where they make sense. "
                         f"Activations that satisfy every bullet: {', '.join(admissible_activations())}.")
    if CauseKey.NEAR_PARALLEL_SAMPLES in causes and not cause_lines_done:
        lines.append(causes[CauseKey.NEAR_PARALLEL_SAMPLES].sentence)
    lines += _disagreement(by)
    return lines


def _nine(f: Facts) -> list[str]:
    C = f.constants
    cn = f.l3.c_needed
    out = []
    if math.isfinite(cn):
        ext = f.extrapolation
        where = (f" Continuing this point along the derived scaling model (local slope {ext.local_slope:.3g}, asymptotically d1^{ext.asymptotic_slope:g}), "
                 f"(9) would hold with C9 = {C.c9:g} near d1 = {width_text(ext.width)} [derived extrapolation; `opcheck report` measures the trend].") if ext.width is not None else ""
        out.append(f"(9) needs its constant to be at least C_needed = {cn:.4g} (you set C9 = {C.c9:g}).{where}")
    out.append("(9) is a sufficient condition, not a necessary one: gradient descent may still converge (verify --train measures what it does).")
    return out


def _disagreement(by: dict) -> list[str]:
    nine, twenty = by.get(K.INITIAL_LOSS_9), by.get(K.WIDTH_20)
    if nine is None or twenty is None or twenty.holds is None or nine.holds is None or nine.holds == twenty.holds:
        return []
    if twenty.holds:
        return ["(20) holds but (9) fails: (9) is the statement measured on your data at Theta0, (20) is a prediction of the order analysis "
                "(derived xi, sigma_max(X), sigma_min(X^*t)); the measured (9) is what Theorems 1-2 need."]
    return ["(9) holds but (20) fails: (9) is measured on your data at Theta0 and is what Theorems 1-2 need; (20) is the order analysis' "
            "prediction of a sufficient width, which here is pessimistic."]
