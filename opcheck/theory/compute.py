"""``opcheck bound``: evaluate the registry at the user's inputs → :class:`BoundReport`.

Two modes (``--solve-for``):

* ``d1`` — the width each theorem requires at (n, d0, …).  This paper's (20)
  uses the derived ξ_t (:mod:`opcheck.theory.xi`) at unit scale (the paper's
  literal statement) and, beside it, at the pre-activation scale ω1 [derived];
  the best t is the one with the smallest width.  Without data σ_max(X) ≃ √(n/d0)
  and σ_min(X^{*t}) ≃ 1 where the rank bound n ≤ C(d0+t−1, t) allows it (0
  otherwise); with data their measured values (:mod:`opcheck.theory.data_inputs`).
* ``n`` — the largest n each theorem certifies at width D1, under the order
  analysis (:func:`opcheck.theory.evaluate.solve_for_n`); for (20) the best t,
  with n capped at C(d0+t−1, t).

The factor column is relative to this paper's headline (21).
"""
from __future__ import annotations

import math

import sympy as sp

from opcheck.model.activations import Activation, get_activation
from opcheck.model.network import init_scales
from opcheck.theory import registry
from opcheck.theory import symbols as S
from opcheck.theory.bound_result import BoundReport, Comparison, FrameworkRow, TheoremRow, TRow, Value
from opcheck.theory.data_inputs import DataSpectra
from opcheck.theory.evaluate import Number, evaluate, exponent_in_n, solve_for_n
from opcheck.theory.request import DEFAULT_LAMBDA0, BoundRequest, validate
from opcheck.theory.xi import T_MAX, XiValue, rank_cap, require_usable_t
from opcheck.theory.bound_context import (  # noqa: F401  (candidate_ts, constants_model: public here as before)
    EQ20, EQ21, BoundContext, best_row, candidate_ts, constants_model, no_t_reason, per_t_d1, ratio, theorem_row,
)


def _d1_rows(ctx: BoundContext, theorems: tuple[registry.WidthTheorem, ...], per_t: list[TRow]) -> tuple[list[TheoremRow], Number]:
    base = ctx.base()
    ref = evaluate(EQ21, base)
    bu, bo = best_row(per_t, "width_unit"), best_row(per_t, "width_omega1")
    smax = ctx.sigma_max()
    rows = []
    for th in theorems:
        exp = str(exponent_in_n(th.width, ctx.exponent_subs()))
        kw: dict = {"exponent_n": exp, "note": th.note}
        if th.uses_xi:
            if bu is None:
                kw.update(required_width=None, parameters=None, factor=None, note=no_t_reason(per_t, "unit"))
            else:
                vals = {**base, S.xi: bu.unit.xi, S.sigma_max: smax, S.sigma_min: ctx.sigma_min(bu.t)}
                w = evaluate(th.width, vals)
                kw.update(required_width=w, parameters=evaluate(th.parameters.subs(S.d1, th.width), vals), factor=ratio(w, ref), t=bu.t)
            if bo is None:
                kw.update(omega1_note=no_t_reason(per_t, "omega1"))
            else:
                vals = {**base, S.xi: bo.omega1.xi, S.sigma_max: smax, S.sigma_min: ctx.sigma_min(bo.t)}
                kw.update(omega1_width=evaluate(th.width, vals), omega1_t=bo.t, omega1_note=f"c_i at scale omega1 = {ctx.omega1:.4g} [derived; theory.md section 2 scale caveat]")
        elif S.lambda0 in th.width.free_symbols and S.lambda0 not in base:
            kw.update(required_width=None, parameters=None, factor=None, note="lambda0 = 0 on this data: the bound is void")
        else:
            w = evaluate(th.width, base)
            kw.update(required_width=w, parameters=evaluate(th.parameters.subs(S.d1, th.width), base), factor=ratio(w, ref))
        rows.append(theorem_row(th, **kw))
    rows.sort(key=lambda r: (r.required_width is None, r.required_width.log10 if r.required_width else 0.0, not r.this_paper))
    return rows, ref


def _solve_t(ctx: BoundContext, expr: sp.Expr, base: dict, xiv: XiValue) -> tuple[float | None, str]:
    if xiv.xi is None:
        return None, xiv.note
    res = solve_for_n(expr, ctx.req.width, {**base, S.xi: xiv.xi})
    if res.n is None:
        return None, res.note
    cap = rank_cap(ctx.d0, xiv.t)
    if res.n > cap:
        return float(cap), f"t = {xiv.t}: capped at C(d0+t-1, t) = {cap} (sigma_min(X^{{*t}}) = 0 beyond)"
    return res.n, res.method


def _n_rows(ctx: BoundContext, theorems: tuple[registry.WidthTheorem, ...]) -> tuple[list[TheoremRow], list[TRow], float | None]:
    base = ctx.base()
    params_vals = {**base, S.d1: ctx.req.width}
    oa = ctx.exponent_subs()
    e20 = EQ20.subs(oa)
    per_t = []
    for t in ctx.ts:
        nu_, su = _solve_t(ctx, e20, base, ctx.xi_unit[t])
        no_, so = _solve_t(ctx, e20, base, ctx.xi_om[t])
        note = "; ".join(dict.fromkeys(x for x in (su, so) if x and not x.startswith(("sympy", "brentq"))))
        per_t.append(TRow(t, ctx.xi_unit[t], ctx.xi_om[t], 1.0, None, None, None, None, nu_, no_, note))
    ref_res = solve_for_n(EQ21, ctx.req.width, base)
    ref_n = ref_res.n
    rows = []
    for th in theorems:
        expr = th.width.subs(oa)
        count = th.parameters if S.n not in th.parameters.free_symbols else registry.DEEP_PARAMS  # the count at the given width
        kw: dict = {"exponent_n": str(exponent_in_n(th.width, oa)), "note": th.note, "parameters": evaluate(count, params_vals)}
        if th.uses_xi:
            best_u = max((r for r in per_t if r.n_unit is not None), key=lambda r: r.n_unit, default=None)
            best_o = max((r for r in per_t if r.n_omega1 is not None), key=lambda r: r.n_omega1, default=None)
            if best_u is None:
                kw.update(solved_n=None, required_width=None, factor=None, solve_method="none", note=no_t_reason(per_t, "unit"))
            else:
                res = solve_for_n(expr, ctx.req.width, {**base, S.xi: best_u.unit.xi})
                n_star = min(res.n, float(rank_cap(ctx.d0, best_u.t)))
                note = best_u.note if n_star < res.n else th.note
                kw.update(solved_n=n_star, t=best_u.t, solve_method=res.method, note=note,
                          required_width=evaluate(expr, {**base, S.xi: best_u.unit.xi, S.n: n_star}),
                          factor=None if ref_n is None else ref_n / n_star)
            if best_o is not None:
                kw.update(omega1_solved_n=best_o.n_omega1, omega1_t=best_o.t, omega1_note=f"c_i at scale omega1 = {ctx.omega1:.4g} [derived; theory.md section 2 scale caveat]")
            else:
                kw.update(omega1_note=no_t_reason(per_t, "omega1"))
        else:
            res = solve_for_n(expr, ctx.req.width, base)
            kw.update(solved_n=res.n, solve_method=res.method,
                      required_width=None if res.n is None else evaluate(expr, {**base, S.n: res.n}),
                      factor=None if ref_n is None or res.n is None else ref_n / res.n)
            if res.note:
                kw["note"] = "; ".join(x for x in (th.note, res.note) if x)
        rows.append(theorem_row(th, **kw))
    rows.sort(key=lambda r: (r.solved_n is None, -(r.solved_n or 0.0), not r.this_paper))
    return rows, per_t, ref_n


def _framework(ctx: BoundContext, formulas: tuple[registry.FrameworkFormula, ...], at: dict | None, where: str) -> list[FrameworkRow]:
    rows = []
    for f in formulas:
        value, note = None, f.note
        if not f.value.free_symbols:
            value = evaluate(f.value, {})
        elif at is not None:
            value = evaluate(f.value.subs(registry.FRAMEWORK_ORDER_ANALYSIS), at)
            note = "; ".join(x for x in (note, f"order analysis [derived] at {where}") if x)
        else:
            note = "; ".join(x for x in (note, f"no value: {where}") if x)
        flag = ""
        if f.key == "rate-14" and value is not None and not (0.0 < value.value < 1.0):
            flag = (f"not a rate: C14 eta alpha_f mu^2 = {1.0 - value.value:.4g} is outside (0, 1) at these constants "
                    "(the (13) step with C13 is too large for (14) to contract); lower C13 or C14")
            value = None
        stmt = f.statement
        rows.append(FrameworkRow(f.key, f.name, f.citation, f.source, sp.sstr(stmt), S.latex(stmt), S.pretty(stmt), value, f.value_name, note, flag))
    return rows


def _framework_point(ctx: BoundContext, t: int | None, d1: float | None, n: float | None, sigma_max: float, sigma_min: float) -> dict | None:
    if t is None or d1 is None or n is None:
        return None
    xiv = ctx.xi_unit[t]
    return {**constants_model(ctx.req.constant), S.sigma_max: sigma_max, S.sigma_min: sigma_min, S.d1: d1, S.n: n, S.t: t, S.c0: abs(xiv.c0), S.ct: abs(xiv.ct)}


def _inputs(ctx: BoundContext, act: Activation, extra: list[Value]) -> tuple[Value, ...]:
    req, data = ctx.req, ctx.data
    src = "data" if data is not None else "user"
    out = [Value("solve_for", req.solve_for, "user" if req.solve_for != "d1" else "default")]
    if ctx.n is not None:
        out.append(Value("n", ctx.n, src, data.source if data is not None else ""))
    out += [
        Value("d0", ctx.d0, src),
        Value("d2", req.d2, "user" if req.d2 != 1 else "default", "enters the parameter counts only"),
        Value("activation", act.name, "user" if req.activation != "gelu" else "default", act.formula),
        Value("init", req.init, "user" if req.init != "lecun" else "default"),
        ctx.omega1_value,
        Value("t", req.t if req.t is not None else "best of 1.." + str(T_MAX), "user" if req.t is not None else "default", "the t with the smallest width (20)"),
        Value("C", req.constant, "user" if req.constant != 1.0 else "default", "C9, the constant of (9) (--constant); the paper does not give it"),
        *[Value(name, float(constants_model(req.constant)[sym]), "derived", note) for name, sym, note in (
            ("C20", S.C20, "constant of (20) = 1/sqrt(C9): then (20) gives (9) under the order analysis (docs/theory.md)"),
            ("C21", S.C21, "constant of (21) = 1/sqrt(C9)"),
            ("C13", S.C13, "constant of the step size (13)"),
            ("C14", S.C14, "constant of the rate (14): 1/4 from the PL inequality on the ball and the descent lemma"),
            ("C_prior", S.C, "unstated constant of every prior result in Table 1, evaluated as 1"))],
        Value("batch_size", req.batch_size if req.batch_size is not None else "n (full batch)", "user" if req.batch_size is not None else "default", "SGD variant only; at b = n it equals (20)"),
        Value("depth", req.depth, "user" if req.depth != 1 else "default", "hidden layers L of Zou & Gu and Allen-Zhu et al. (1 = the shallow network)"),
        ctx.lambda0,
        Value("delta", req.delta, "user" if req.delta != 0.1 else "default", "failure probability of Du et al."),
    ]
    if req.solve_for == "n":
        out.append(Value("width", req.width, "user"))
    return tuple(out + extra)


def check_request(req: BoundRequest, has_data: bool) -> tuple[Activation, tuple, tuple]:
    """Every input check that needs no data (run before loading any): flags, theorem names, activation, t."""
    validate(req, has_data)
    theorems, formulas = registry.select(req.theorems)
    act = get_activation(req.activation)
    if req.t is not None:
        require_usable_t(act, req.t)
    init_scales(req.init, 1, 1, 1)  # unknown --init → InputError now
    return act, theorems, formulas


def compute_bound(req: BoundRequest, data: DataSpectra | None = None) -> BoundReport:
    """Evaluate every selected registry entry at ``req`` (and ``data`` when given)."""
    act, theorems, formulas = check_request(req, data is not None)
    ctx = BoundContext(req, act, data)
    notes = [
        "factor: required width / this paper's headline (21) (with --solve-for n: n certified by (21) / n certified)",
        "xi of (20) is derived: xi_t = c0 (t!)^{3/2} / (sqrt(alpha_f) |c_t|^3) from condition (9) (docs/theory.md section 5); "
        "the width column uses c_i at unit scale (the paper's literal statement), the omega1 column c_i(omega1) = E[phi(omega1 g) He_i(g)] "
        "(theory.md section 2: the paper does not say which scale it means)",
        "rows marked 'scaling only, constant 1' state only the order in n; opcheck evaluates that scaling with constant C",
    ]
    extra: list[Value] = []
    comparisons: list[Comparison] = []
    if req.solve_for == "d1":
        per_t = per_t_d1(ctx)
        rows, _ = _d1_rows(ctx, theorems, per_t)
        extra.append(Value("sigma_max_x", ctx.sigma_max(), "data" if data is not None else "order analysis", "" if data is not None else "sqrt(n/d0) (section 5.3)"))
        bu = best_row(per_t, "width_unit")
        at = None
        if bu is not None:
            at = _framework_point(ctx, bu.t, bu.width_unit.value, ctx.n, ctx.sigma_max(), ctx.sigma_min(bu.t))
        where = f"d1 = width (20) = {bu.width_unit.value:.7g} (unrounded; the table shows its ceiling), t = {bu.t}, n = {ctx.n}" if bu is not None else "(20) gives no width"
        fw = _framework(ctx, formulas, at, where)
        if data is not None:
            comparisons.append(Comparison("sigma_max(X)", math.sqrt(ctx.n / ctx.d0), "order analysis sqrt(n/d0)", data.sigma_max_x))
            for t in ctx.ts:
                comparisons.append(Comparison(f"sigma_min(X^{{*{t}}})", ctx.sigma_min_assumed(t), "order analysis 1 (0 if n > C(d0+t-1,t))", data.sigma_min(t), data.power_note(t)))
            comparisons.append(Comparison("lambda0 (ReLU NTK)", DEFAULT_LAMBDA0, "default (largest possible)", data.lambda0, data.lambda0_note))
        else:
            notes.append("no data: sigma_max(X) ~ sqrt(n/d0) and sigma_min(X^{*t}) ~ 1 (section 5.3), except sigma_min = 0 exactly when n > C(d0+t-1, t) (rank of X^{*t})")
    else:
        rows, per_t, ref_n = _n_rows(ctx, theorems)
        r20 = next((r for r in rows if r.key == "song2021-20"), None)
        at, where = None, "(20) certifies no n"
        if r20 is None:
            # (20) filtered out: still evaluate the framework at its solution
            r20 = _n_rows(ctx, (registry.width_theorem("song2021-20"),))[0][0]
        if r20.solved_n is not None:
            at = _framework_point(ctx, r20.t, req.width, r20.solved_n, math.sqrt(r20.solved_n / ctx.d0), 1.0)
            where = f"d1 = {req.width:.6g}, n = {r20.solved_n:.6g} (solved for (20)), t = {r20.t}"
        fw = _framework(ctx, formulas, at, where)
        notes.append("--solve-for n: order analysis sigma_max(X) ~ sqrt(n/d0), sigma_min(X^{*t}) ~ 1 for n <= C(d0+t-1, t); lambda0 of Du et al. held fixed")
    failing = tuple(f"{b.name}: {b.detail}" for b in act.assumption_bullets() if not b.holds)
    return BoundReport(
        solve_for=req.solve_for,
        inputs=_inputs(ctx, act, extra),
        theorems=tuple(rows),
        per_t=tuple(per_t),
        framework=tuple(fw),
        comparisons=tuple(comparisons),
        activation_notes=failing,
        notes=tuple(notes),
        legend=S.LEGEND,
        data=data.as_dict() if data is not None else {},
    )
