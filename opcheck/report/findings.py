"""The report's verdicts in words, read off the sweep results (no new numbers).

Each sentence says what was measured, what was extrapolated (and that it was),
and how it compares with the paper.  Nothing here is computed beyond
comparisons and minima of the reported values.
"""
from __future__ import annotations

import math

from opcheck.render.fmt import interval, num
from opcheck.report.exponents import MIN_DOF, REFERENCES
from opcheck.report.init_ratio import InitRatioSweep
from opcheck.report.sweeps import ORDER_ANALYSIS_C_EXPONENT, PAPER_N_EXPONENT, SampleSweep, WidthScan
from opcheck.report.threshold_sweep import ThresholdSweep
from opcheck.report.threshold_tasks import LABEL_FREE, Criterion


def _ci(fit) -> str:
    if fit.exponent_ci is None:
        return "no confidence interval"
    lo, hi = fit.exponent_ci
    return f"{fit.level:.0%} CI [{lo:.3g}, {hi:.3g}]"


def _inside(fit, value: float) -> bool | None:
    if fit.exponent_ci is None:
        return None
    lo, hi = fit.exponent_ci
    return lo <= value <= hi


def _threshold_sentence(th, what: str) -> str:
    if th.kind == "measured":
        return f"{what}: measured at d1 = {num(th.width)} ({th.note})."
    if th.kind == "extrapolated":
        rng = f", range {interval(*th.width_range)}" if th.width_range else ""
        return f"{what}: EXTRAPOLATED to d1 ≈ {num(th.width)}{rng} — beyond every measured width ({th.note})."
    return f"{what}: not reached in the sweep ({th.note})."


def width_findings(w: WidthScan, constant: float) -> list[str]:
    out = []
    pts = w.points
    zero = [p.spec.d1 for p in pts if p.q("mu_phi") == 0]
    pos = [p for p in pts if p.q("mu_phi") > 0]
    head = f"Width sweep at n = {w.n} (d0 = {w.d0}, d2 = {w.d2}), d1 = {pts[0].spec.d1}…{pts[-1].spec.d1}: "
    if pos:
        head += f"mu_Phi = sigma_min(phi(W0 X)) is {num(pos[0].q('mu_phi'))} at d1 = {pos[0].spec.d1} and {num(pos[-1].q('mu_phi'))} at d1 = {pos[-1].spec.d1}"
    else:
        head += "mu_Phi = 0 at every width"
    if zero:
        head += f"; it is 0 at d1 = {', '.join(map(str, zero))} (phi(W0 X) is d1 x n, rank <= d1 < n)"
    below = [p.spec.d1 for p in pts if p.q("sigma_min_jacobian") < p.q("mu_phi") * (1 - 1e-9)]
    head += ". sigma_min(J) >= mu_Phi at every width, as Lemma 3 implies." if not below else f". WARNING: sigma_min(J) < mu_Phi at d1 = {below} — contradicts Lemma 3 (a numerical problem)."
    out.append(head)
    best = min(pts, key=lambda p: p.q("c_needed"))
    out.append(
        f"Condition (9) needs the universal constant C to be at least C_needed = h0 beta^2 nu^2/(alpha_f mu^6); the smallest measured value is "
        f"{num(best.q('c_needed'))} at d1 = {best.spec.d1} (you set C = {constant:g})."
    )
    if w.c_fit.ok:
        inside = _inside(w.c_fit, ORDER_ANALYSIS_C_EXPONENT)
        cmp = "" if inside is None else (" — consistent with" if inside else " — NOT consistent with")
        out.append(
            f"C_needed falls like d1^{w.c_fit.exponent:.3g} ({_ci(w.c_fit)}, fitted on d1 = {', '.join(map(str, w.c_fit_widths))})"
            f"{cmp} the order analysis' d1^{ORDER_ANALYSIS_C_EXPONENT:g} [derived]."
        )
    out.append(_threshold_sentence(w.hypotheses, "Width at which every measured hypothesis holds"))
    if w.order_extrapolation is not None and w.hypotheses.kind != "measured":
        steeper = w.c_fit.ok and w.c_fit.exponent_ci is not None and w.c_fit.exponent_ci[1] < ORDER_ANALYSIS_C_EXPONENT
        out.append(
            f"Continued instead with the order analysis' slope d1^{ORDER_ANALYSIS_C_EXPONENT:g} from d1 = {w.points[-1].spec.d1}, (9) would hold with C = {constant:g} "
            f"near d1 ≈ {num(w.order_extrapolation.x)} (EXTRAPOLATED [derived])"
            + ("; the measured fall is steeper than that slope, so if it flattens towards it beyond the grid the fitted extrapolation above is optimistic." if steeper else ".")
        )
    out.append(_threshold_sentence(w.gd, "Width at which gradient descent reaches --tol"))
    ref = f"(21) with constant 1 asks d1 >= n^(3/2)/d0 = {num(w.headline_21)}"
    if w.bound_20 is not None:
        ref += f"; (20) with opcheck's derived xi (t = {w.bound_20_t}) and constant 1 asks d1 >= {num(w.bound_20)}"
    out.append(ref + ".")
    return out


def _verdicts(fit) -> str:
    if fit.dof < MIN_DOF:
        return f"; fewer than {MIN_DOF} degrees of freedom ({fit.dof}): shown greyed, NOT a finding."
    out = []
    for name, e in (("this paper's 3/2", PAPER_N_EXPONENT), ("the quadratic priors' 2", 2.0), ("Du et al.'s 6", 6.0)):
        inside = _inside(fit, e)
        if inside is not None:
            out.append(f"{'includes' if inside else 'excludes'} {name}")
    return f"; the interval {', '.join(out)}." if out else "."


def sample_findings(s: SampleSweep) -> list[str]:
    out = []
    ns = ", ".join(str(sc.n) for sc in s.scans)
    f = s.hypotheses_fit
    if f.ok:
        kinds = sorted(set(s.hypotheses_kinds))
        label = " (thresholds EXTRAPOLATED from the C_needed trend at every n)" if kinds == ["extrapolated"] else (
            f" (threshold kinds: {', '.join(s.hypotheses_kinds)})" if "extrapolated" in kinds else " (measured thresholds)")
        out.append(f"Sample-size sweep at d0 = {s.d0} (n = {ns}): the hypotheses' width threshold grows like n^{f.exponent:.3g} ({_ci(f)}){label}" + _verdicts(f))
    else:
        out.append(f"Sample-size sweep at d0 = {s.d0} (n = {ns}): no exponent for the hypotheses' threshold ({f.note}).")
    o = s.order_fit
    if o.ok:
        out.append(f"With the asymptotic slope d1^-1 continued from each n's widest width instead, the threshold grows like n^{o.exponent:.3g} ({_ci(o)}) [derived, EXTRAPOLATED]" + _verdicts(o))
    g = s.gd_fit
    if g.ok:
        out.append(f"The budget-bound GD threshold (h < --tol within --steps) grows like n^{g.exponent:.3g} ({_ci(g)}; grid widths, quantised to factors of 2)" + _verdicts(g))
    else:
        reached = [sc.n for sc in s.scans if sc.gd.width is not None]
        out.append(
            "Gradient descent reached --tol at "
            + (f"n = {', '.join(map(str, reached))} only" if reached else "no n")
            + f" within the sweep: no exponent for its threshold ({g.note})."
        )
    if s.bound_20_fit.ok:
        out.append(f"Bound (20) evaluated on the data (derived xi, constant 1) grows like n^{s.bound_20_fit.exponent:.3g} over the same n [derived].")
    return out


def ratio_findings(r: InitRatioSweep) -> list[str]:
    rows = r.summary()
    lo, hi = rows[0], rows[-1]
    S = len(r.seeds)

    def ms(row, m):
        v = row[m]
        if v["mean"] is None:
            return "—"
        return num(v["mean"]) + (f" ± {num(v['sd'])}" if v["sd"] is not None else "")

    out = [
        f"Init-ratio sweep at n = {r.n}, d1 = {r.d1}, fixed He product omega1 omega2 = {num(r.product)} (He init itself is omega2/omega1 = {num(r.he_ratio)}), "
        f"{S} seed(s) per ratio (mean ± sd): relative first-layer motion ||W-W0||/||W0|| {ms(lo, 'w_motion')} at omega2/omega1 = {lo['ratio']:g} and "
        f"{ms(hi, 'w_motion')} at {hi['ratio']:g}; second layer {ms(lo, 'v_motion')} and {ms(hi, 'v_motion')}; largest laziness gap |h - h_lin| "
        f"{ms(lo, 'max_lazy_gap')} and {ms(hi, 'max_lazy_gap')} (the paper, section 6: omega2/omega1 -> 0 suffices for lazy training, "
        "omega2/omega1 -> infinity is necessary to avoid it)."
    ]
    if lo["test_error"]["mean"] is not None:
        tr = r.trend()
        verdict = {True: "the data REPRODUCE the paper's trend (held-out error falls as omega2/omega1 grows)",
                   False: "the data CONTRADICT the paper's trend (held-out error rises as omega2/omega1 grows)",
                   None: "no trend resolved at this precision (the interval contains 0), so the paper's trend is neither reproduced nor contradicted"}[tr["reproduces"]]
        ci = f" (95% CI [{tr['ci'][0]:.3g}, {tr['ci'][1]:.3g}])" if tr["ci"] else ""
        slope = f"{tr['slope']:.3g}" if tr["slope"] is not None else "—"
        out.append(f"Held-out error {ms(lo, 'test_error')} at ratio {lo['ratio']:g} and {ms(hi, 'test_error')} at {hi['ratio']:g}; "
                   f"fitted change per decade of omega2/omega1: {slope}{ci} — {verdict}.")
    return out


CRITERION_NAMES = {
    Criterion.FEATURES: "concentration of the random features (lambda_min(Phi^T Phi)/d1 >= 1/2 lambda_min(K_inf))",
    Criterion.NTK: "concentration of the empirical NTK (lambda_min(J J^T) >= 1/2 lambda_min(E[J J^T]))",
    Criterion.GD: "gradient descent in the kernel regime (GD within 2 % of its linearisation while it fits half the labels)",
}


#: what each threshold measures, in the few words the summary's headline names it by
CRITERION_SHORT = {
    Criterion.FEATURES: "random-features concentration",
    Criterion.NTK: "empirical-NTK concentration",
    Criterion.GD: "kernel-regime gradient descent",
}


def _sufficient_words(e) -> str:
    """Said when the measured exponent is below 3/2 with confidence: the paper's n^{3/2} (eq. 21) is a width that
    suffices, not one that is needed, so a smaller measured width is within it, not evidence against it."""
    ci = e.fit.ci
    return " (below the paper's n^3/2, which is a sufficient width: no contradiction)" if ci is not None and ci[1] < 1.5 else ""


def _exp_words(e) -> str:
    f = e.fit
    inside = [name.split(" ")[0] for (v, name) in REFERENCES if (v, True) in f.verdicts]
    outside = [name.split(" ")[0] for (v, name) in REFERENCES if (v, False) in f.verdicts]
    words = []
    if inside:
        words.append("consistent with " + ", ".join(inside))
    if outside:
        words.append("excludes " + ", ".join(outside))
    return "; ".join(words)


def shared_sentence(ds: dict) -> str:
    """Said once for a dataset whose samples X are another's (only the labels differ)."""
    names = ", ".join(c.value for c in LABEL_FREE)
    return (f"{ds['key']} — label-free thresholds ({names}) and lambda_min(K_inf): the same as {ds['same_samples_as']}'s, shown there once: "
            f"both datasets use the same samples X at every n and these criteria do not read the labels.")


def _repeats(ds: dict, criterion: Criterion) -> bool:
    """A label-free criterion of a dataset that shares its samples X with an earlier one."""
    return bool(ds.get("same_samples_as")) and criterion in LABEL_FREE


def threshold_findings(t: ThresholdSweep) -> list[str]:
    out = []
    for ds in t.datasets:
        if ds.get("same_samples_as"):
            out.append(shared_sentence(ds))
        for e in (x for x in t.exponents if x.dataset == ds["key"] and not _repeats(ds, x.criterion)):
            recs = [r for r in t.records if r.dataset == ds["key"] and r.criterion == e.criterion]
            kinds = {k: sum(r.kind == k for r in recs) for k in dict.fromkeys(r.kind for r in recs)}
            head = f"{ds['key']} — {CRITERION_NAMES.get(e.criterion, e.criterion.value)}: "
            f = e.fit
            if f.estimate is None or f.ci is None:
                out.append(head + f"no exponent ({f.note}); thresholds by kind: {kinds}.")
                continue
            status = "" if f.finding else " [NOT a finding: fewer than 3 dof]"
            out.append(head + f"width needed grows like n^{f.estimate:.2f} (95% CI [{f.ci[0]:.2f}, {f.ci[1]:.2f}], {f.dof} dof, "
                       f"n = {', '.join(map(str, f.ns))}) — {_exp_words(e)}{status}; thresholds by kind: {kinds}.")
        if ds["d2"] != 1 and not ds.get("same_samples_as"):
            out.append(f"{ds['key']} — {CRITERION_NAMES.get(Criterion.NTK, Criterion.NTK.value)}: {NTK_SKIPPED.format(d2=ds['d2'])}")
    return out


#: why a dataset with several outputs has no NTK threshold (threshold_sweep runs it for d2 = 1 only)
NTK_SKIPPED = ("not measured: its infinite-width limit E[J Jᵀ] is derived for one output (d2 = 1) and this dataset has "
               "d2 = {d2}; the random-features threshold (the V-block, any d2) stands for it.")


def quick_note(result, ds: dict, exps) -> str:
    """What a ``--quick`` report is, and which findings it cannot support (the summary says it per dataset)."""
    greyed = [f"{e.criterion.value} ({e.fit.dof} dof)" for e in exps if not e.fit.finding]
    gd = ds["gd_n_values"]
    legacy = result.width is not None or result.samples is not None or result.init_ratio is not None
    cannot = ([f"an exponent for {', '.join(greyed)} (too few n: greyed)"] if greyed else []) + (
        ["the sample-size sweep's exponents (3 values of n)"] if result.samples is not None else []) + [
        "the precision of the default report (a measured exponent per dataset with a 95% CI at most 0.6 wide)",
        "the findings stated in the README"]
    return ("QUICK RUN (--quick): thresholds at n = " + ", ".join(map(str, ds["n_values"]))
            + (f", GD thresholds at n <= {max(gd)} only" if gd else ", no GD threshold")
            + (f"; sweeps at n = {result.plan.n} with {result.config.steps} GD steps" if legacy else "")
            + ". It cannot support: " + "; ".join(cannot) + ". Run without --quick for those.")


def summary(result) -> list[dict]:
    """The report's opening box: per dataset, the answer in one sentence and the facts behind it."""
    t = result.thresholds
    if t is None:
        return []
    out = []
    for ds in t.datasets:
        exps = [e for e in t.exponents if e.dataset == ds["key"]]
        best = next((e for c in (Criterion.FEATURES, Criterion.NTK, Criterion.GD) for e in exps if e.criterion == c and e.fit.finding), None)
        feats = [r for r in t.records if r.dataset == ds["key"] and r.criterion == Criterion.FEATURES and r.kernel]
        lam = feats[-1].kernel if feats else None
        if best is not None:
            f = best.fit
            head = (f"width for {CRITERION_SHORT.get(best.criterion, best.criterion.value)} grows like n^{f.estimate:.2f} "
                    f"(95% CI [{f.ci[0]:.2f}, {f.ci[1]:.2f}]) — {_exp_words(best)}{_sufficient_words(best)} "
                    f"[{best.criterion.value} threshold, measured]")
            if _repeats(ds, best.criterion):
                head += f" — as for {ds['same_samples_as']}: the same samples X, and this threshold does not read the labels"
        else:
            head = "no measured threshold exponent with at least 3 degrees of freedom"
        if result.config.quick:
            head = "quick run: " + head
        lines = [head] + ([quick_note(result, ds, exps)] if result.config.quick else [])
        if ds.get("same_samples_as"):
            lines.append(f"label-free thresholds ({', '.join(c.value for c in LABEL_FREE)}) and lambda_min(K_inf): as for {ds['same_samples_as']} "
                         "(same samples X; only the labels differ)")
            lam = None
        for e in exps:
            if e is best or e.fit.ci is None or _repeats(ds, e.criterion):
                continue
            grey = "" if e.fit.finding else " (greyed: fewer than 3 dof)"
            lines.append(f"{e.criterion.value}: n^{e.fit.estimate:.2f}, 95% CI [{e.fit.ci[0]:.2f}, {e.fit.ci[1]:.2f}] — {_exp_words(e)}{grey}")
        if ds["d2"] != 1 and not ds.get("same_samples_as"):
            lines.append("ntk: " + NTK_SKIPPED.format(d2=ds["d2"]))
        if lam:
            lines.append(f"lambda_min(K_inf) = {num(lam['lambda_min'])} at n = {feats[-1].n} (condition number {num(lam['condition'])})")
        if ds["key"] == result.data.get("key") and result.width is not None:
            th = result.width.hypotheses
            lines.append(f"hypotheses at n = {result.width.n}: " + (
                f"every measured hypothesis holds from d1 = {num(th.width)}" if th.kind == "measured" else
                "not all hold at any measured width" + (f"; EXTRAPOLATED to d1 ~ {num(th.width)}" if th.width else f" ({th.kind})")))
        out.append({"dataset": ds["key"], "source": ds["source"], "labels": ds["labels"], "headline": head,
                    "criterion": best.criterion.value if best else None, "estimate": best.fit.estimate if best else None,
                    "ci": list(best.fit.ci) if best else None, "lines": lines})
    return out


def findings(result) -> list[str]:
    out = []
    if result.thresholds is not None:
        out += threshold_findings(result.thresholds)
    if result.width is not None:
        out += width_findings(result.width, result.config.constant)
    if result.samples is not None:
        out += sample_findings(result.samples)
    if result.init_ratio is not None:
        out += ratio_findings(result.init_ratio)
    return out
