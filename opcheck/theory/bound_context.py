"""The shared context of one ``opcheck bound`` evaluation: inputs resolved, ξ tables, per-t (20) widths.

:class:`BoundContext` holds the numbers every row uses (n, d0, ω1, λ0, the
constants of theory.md §10); the helpers build :class:`TheoremRow`/:class:`TRow`
records.  :mod:`opcheck.theory.compute` assembles the report from them.
"""
from __future__ import annotations

import math

import sympy as sp

from opcheck.errors import InputError
from opcheck.model.activations import Activation
from opcheck.model.network import init_scales
from opcheck.theory import registry
from opcheck.theory import symbols as S
from opcheck.theory.bound_result import TheoremRow, TRow, Value
from opcheck.theory.data_inputs import DataSpectra
from opcheck.theory.evaluate import Number, evaluate
from opcheck.theory.request import DEFAULT_LAMBDA0, BoundRequest
from opcheck.theory.xi import T_MAX, XiValue, rank_allows, rank_cap, xi_table

EQ20 = registry.width_theorem("song2021-20").width
EQ21 = registry.width_theorem("song2021-21").width


def constants_model(c9: float) -> dict:
    """The constants of docs/theory.md's model from ``--constant`` (= C9); prior results' C = 1."""
    from opcheck.checks.constants import Constants

    k = Constants.from_options(c9)
    return {S.C: 1.0, S.C9: k.c9, S.C13: k.c13, S.C14: k.c14, S.C20: k.c20, S.C21: k.c21}


def candidate_ts(req: BoundRequest) -> list[int]:
    """The t's tried: the given one, or 1..T_MAX (the best is picked)."""
    return [req.t] if req.t is not None else list(range(1, T_MAX + 1))


def omega1_value(req: BoundRequest, d0: int, n: int | None) -> tuple[float, Value]:
    if req.solve_for == "n":
        d1, how = float(req.width), "the given --width"
    else:
        d1 = max(1.0, math.ceil(constants_model(req.constant)[S.C21] * n**1.5 / d0 - 1e-9))
        how = "the headline width (21)"
    scales = init_scales(req.init, d0, int(d1), req.d2)
    note = f"pre-activation scale of {scales.scheme} init"
    if scales.scheme == "xavier":
        note += f"; Xavier's omega1 depends on d1: evaluated at d1 = {d1:.6g}, {how}"
    return scales.omega1, Value("omega1", scales.omega1, scales.source, note)


def better(a: Number | None, b: Number | None) -> bool:
    return a is not None and (b is None or a.log10 < b.log10)


def ratio(a: Number | None, b: Number | None) -> float | None:
    if a is None or b is None or a.log10 is None or b.log10 is None:
        return None
    exponent = a.log10 - b.log10
    return math.inf if exponent > 308.0 else 10.0**exponent  # beyond float64: inf (JSON null; its log10s are kept)


def theorem_row(th: registry.WidthTheorem, **kw) -> TheoremRow:
    return TheoremRow(
        key=th.key,
        name=th.name,
        citation=th.citation,
        trained=th.trained,
        activation=th.activation,
        init=th.init,
        setting=th.setting,
        source=th.source,
        parts=tuple(p.as_dict() for p in th.parts),
        formula=sp.sstr(th.width),
        latex=S.latex(th.width),
        pretty=S.pretty(th.width),
        this_paper=th.this_paper,
        reference=th.reference,
        **kw,
    )


class BoundContext:
    """Numbers shared by every row of one evaluation."""

    def __init__(self, req: BoundRequest, act: Activation, data: DataSpectra | None):
        self.req, self.act, self.data = req, act, data
        self.n = data.n if data is not None else req.n
        self.d0 = data.d0 if data is not None else req.d0
        if data is not None and req.batch_size is not None and req.batch_size > data.n:
            raise InputError(f"--batch-size {req.batch_size} exceeds the number of samples n = {data.n}")
        self.full_batch = req.batch_size is None or (self.n is not None and req.batch_size == self.n)
        if req.lambda0 is not None:
            self.lambda0 = Value("lambda0", req.lambda0, "user")
        elif data is not None:
            self.lambda0 = Value("lambda0", data.lambda0, "data", f"lambda_min of the ReLU NTK Gram H_inf ({data.lambda0_method}) {data.lambda0_note}".strip())
        else:
            self.lambda0 = Value("lambda0", DEFAULT_LAMBDA0, "default", "largest possible for unit-norm samples (H_inf_ii = 1/2): most favourable to Du et al.")
        self.omega1, self.omega1_value = omega1_value(req, self.d0, self.n)
        self.ts = candidate_ts(req)
        self.xi_unit = xi_table(act, self.ts, 1.0, "unit")
        self.xi_om = xi_table(act, self.ts, self.omega1, "omega1")

    def base(self) -> dict:
        vals = {S.d0: self.d0, S.d2: self.req.d2, **constants_model(self.req.constant), S.delta: self.req.delta, S.L: self.req.depth}
        if self.lambda0.value > 0:
            vals[S.lambda0] = self.lambda0.value
        if self.n is not None:
            vals[S.n] = self.n
        if not self.full_batch:
            vals[S.b] = self.req.batch_size
        elif self.n is not None:
            vals[S.b] = self.n
        return vals

    def exponent_subs(self) -> dict:
        subs = dict(S.ORDER_ANALYSIS)
        if self.full_batch:
            subs[S.b] = S.n
        return subs

    # ---- order analysis / data values (d1 mode)
    def sigma_max(self) -> float:
        return self.data.sigma_max_x if self.data is not None else math.sqrt(self.n / self.d0)

    def sigma_min_assumed(self, t: int) -> float:
        return 1.0 if rank_allows(self.n, self.d0, t) else 0.0

    def sigma_min(self, t: int) -> float:
        return self.data.sigma_min(t) if self.data is not None else self.sigma_min_assumed(t)

    def sigma_note(self, t: int) -> str:
        if self.data is not None:
            return self.data.power_note(t) if self.data.sigma_min(t) <= 0 else ""
        if not rank_allows(self.n, self.d0, t):
            return f"sigma_min(X^{{*{t}}}) = 0: n = {self.n} > C(d0+t-1, t) = {rank_cap(self.d0, t)}"
        return ""


def width20(ctx: BoundContext, xiv: XiValue, sigma_max: float, sigma_min: float) -> tuple[Number | None, str]:
    if xiv.xi is None:
        return None, xiv.note
    if sigma_min <= 0:
        return None, f"sigma_min(X^{{*{xiv.t}}}) = 0: (20) gives no bound at t = {xiv.t}"
    return evaluate(EQ20, {S.C20: constants_model(ctx.req.constant)[S.C20], S.xi: xiv.xi, S.sigma_max: sigma_max, S.sigma_min: sigma_min, S.n: ctx.n}), ""


def per_t_d1(ctx: BoundContext) -> list[TRow]:
    rows = []
    smax = ctx.sigma_max()
    for t in ctx.ts:
        smin = ctx.sigma_min(t)
        wu, _ = width20(ctx, ctx.xi_unit[t], smax, smin)
        wo, _ = width20(ctx, ctx.xi_om[t], smax, smin)
        assumed = None
        if ctx.data is not None:
            assumed, _ = width20(ctx, ctx.xi_unit[t], math.sqrt(ctx.n / ctx.d0), ctx.sigma_min_assumed(t))
        sig = (ctx.sigma_note(t) or f"sigma_min(X^{{*{t}}}) = 0") if smin <= 0 else ""
        xi_notes = (ctx.xi_unit[t].note, ctx.xi_om[t].note)
        note = "; ".join(dict.fromkeys(x for x in (*xi_notes, sig) if x))
        rows.append(TRow(t, ctx.xi_unit[t], ctx.xi_om[t], ctx.sigma_min_assumed(t), ctx.data.sigma_min(t) if ctx.data is not None else None, wu, wo, assumed, None, None, note))
    return rows


def best_row(rows: list[TRow], attr: str) -> TRow | None:
    best = None
    for r in rows:
        if better(getattr(r, attr), None if best is None else getattr(best, attr)):
            best = r
    return best


def no_t_reason(rows: list[TRow], scale: str) -> str:
    reasons = [r.note for r in rows if r.note]
    ts = ", ".join(str(r.t) for r in rows)
    return f"no t in {{{ts}}} gives a bound at {scale} scale: " + "; ".join(dict.fromkeys(reasons))


