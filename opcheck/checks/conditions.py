"""The verdict rows of ``opcheck verify`` at Θ0, built from typed facts (no computation of spectra here).

Each row is a :class:`~opcheck.checks.records.Condition` keyed by
:class:`~opcheck.checks.records.ConditionKey`.  (19) uses κ̂ measured from the
parameters in use; (20) uses the Hermite coefficients at the measured scale ω̂1
(the unit-scale value is an informational row beside it); every O(·)/Ω(·) row
uses its own constant (:mod:`opcheck.checks.constants`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from opcheck.checks.constants import Constants
from opcheck.checks.diagnoses import Cause
from opcheck.checks.lemma3 import Lemma3Constants, MeasuredInit
from opcheck.checks.order_analysis import Extrapolation
from opcheck.checks.records import Condition, ConditionKey as K, ValueSource
from opcheck.checks.width_requirements import WidthRequirement
from opcheck.model.activations import Activation
from opcheck.model.network import InitScales


#: above this a float's ceiling is not an exact integer width: keep it a float (printed in scientific notation)
EXACT_INTEGER_LIMIT = 2.0**53


def ceil_width(x: float | None) -> int | float | None:
    """A width requirement as the integer a network can have: ⌈x⌉ (None stays None; beyond 2^53 a float)."""
    if x is None or not math.isfinite(x):
        return None
    if x >= EXACT_INTEGER_LIMIT:
        return float(x)
    return max(int(math.ceil(x * (1 - 1e-12))), 1)



def width_text(w: int | float | None) -> str:
    """An integer (a width, a count): grouped digits below 1e9 (``85,073,515``), else scientific with
    4 significant digits (``3.910e+20``).  The one rule of the verdict's sentences and of every table
    (:func:`opcheck.render.fmt.num` prints integers by it); never cut."""
    if w is None:
        return "n/a"
    return f"{int(w):,}" if abs(w) < 1e9 else f"{float(w):.3e}"

@dataclass(frozen=True)
class Facts:
    """Everything the rows and the verdict read (all computed by :mod:`opcheck.checks.hypotheses`)."""

    n: int
    d0: int
    d1: int
    data_ok: bool
    data_why: str
    normalized: bool
    act: Activation
    init: MeasuredInit
    nominal: InitScales
    loaded: bool
    kappa_max: float
    kappa_band: float  # sampling band of κ̂ (lemma3.kappa_sampling_band)
    l3: Lemma3Constants
    sigma_min_j: float
    sigma_min_j_note: str
    sigma_min_j_interval: tuple[float, float] | None  # certified [lo, hi], when the spectra provide one
    mu_note: str
    mu_interval: tuple[float, float] | None  # certified [lo, hi] of μ_Φ
    constants: Constants
    lr: float | None
    best_init: WidthRequirement | None
    best_unit: WidthRequirement | None
    reqs_init: tuple[WidthRequirement, ...]
    headline: float
    causes: tuple[Cause, ...]
    extrapolation: Extrapolation

    @property
    def eta13(self) -> float:
        return self.l3.eta13(self.constants.c13)


def _certified(iv: tuple[float, float] | None, detail: str) -> str:
    if iv is None:
        return detail + " (no certified interval)"
    return f"certified interval [{iv[0]:.6g}, {iv[1]:.6g}]: > 0 is claimed only when its lower end is; {detail}"


def rows(f: Facts) -> list[Condition]:
    """The rows in display order."""
    C = f.constants
    l3 = f.l3
    failed = [b.name for b in f.act.assumption_bullets() if not b.holds]
    total = len(f.act.assumption_bullets())
    kappa = f.init.kappa
    nominal = f"nominal {f.nominal.scheme} kappa = {f.nominal.kappa(f.d0, f.d1):.4g}" if not f.loaded else "parameters loaded from file (no scheme used)"
    j_holds = f.sigma_min_j > 0 if f.sigma_min_j_interval is None else f.sigma_min_j_interval[0] > 0
    j_detail = _certified(f.sigma_min_j_interval, f.sigma_min_j_note or "J has full row rank: a (mu, nu)-near-isometry with mu = mu_Phi")
    out = [
        Condition(K.DATA_ASSUMPTION_2, "Assumption 2 (data)", "Assum. 2", "normalized" if f.normalized else "as given", "|x|=1, |Y|<=1", f.data_ok, "paper", f.data_why, relation="for"),
        Condition(K.ACTIVATION_ASSUMPTION_2, "Assumption 2 (activation)", "Assum. 2", f"{total - len(failed)} of {total} bullets hold", f.act.name,
                  not failed, "paper", ("fails: " + ", ".join(failed)) if failed else f"{f.act.name} satisfies every bullet", relation="for"),
        Condition(K.INIT_SCALE_19, "init scale", "(19)", kappa, f.kappa_max * f.kappa_band, kappa <= f.kappa_max * f.kappa_band * (1 + 1e-12), "derived",
                  f"kappa_init = omega1 omega2 sqrt(d0 d1) measured from W0, V0 in use (omega1 = {f.init.omega1:.4g}, omega2 = {f.init.omega2:.4g}); {nominal}; "
                  f"threshold --kappa-max {f.kappa_max:g} (the paper states LeCun (1) and He (2) satisfy (19)) times {f.kappa_band:.4g}, "
                  "the 3-sigma sampling band of the measured kappa of a Gaussian draw [derived]"),
        Condition(K.MU_PHI_POSITIVE, "mu_Phi > 0", "Lemma 3", l3.mu, 0.0, l3.mu > 0 if f.mu_interval is None else f.mu_interval[0] > 0, "paper",
                  _certified(f.mu_interval, f.mu_note or "phi(W0 X) has full column rank"), relation=">"),
        Condition(K.SIGMA_MIN_J_POSITIVE, "sigma_min(J) > 0", "Def. 1", f.sigma_min_j, 0.0, j_holds, "paper", j_detail, relation=">"),
        Condition(K.INITIAL_LOSS_9, "initial loss small enough", "(9)", l3.c_needed, C.c9, l3.c_needed <= C.c9, "derived",
                  f"(9) holds with C9 = {C.c9:g} iff C9 >= C_needed = h0 beta^2 nu^2/(alpha_f mu^6) (beta rests on the derived chi_max)"),
    ]
    if f.lr is None:
        out.append(Condition(K.STEP_SIZE_13, "step size", "(13)", f.eta13, None, None, "derived",
                             f"informational: the largest step (13) allows with C13 = {C.c13:g}; pass --lr to check a step", relation="info", value_source=ValueSource.MEASURED))
    else:
        out.append(Condition(K.STEP_SIZE_13, "step size", "(13)", f.lr, f.eta13, f.lr <= f.eta13 * (1 + 1e-12), "derived",
                             f"--lr {f.lr:g} against (13) with C13 = {C.c13:g}; implied C13 = {l3.implied_c13(f.lr):.4g}"))
    out += _width_rows(f)
    return out


def _width_rows(f: Facts) -> list[Condition]:
    C = f.constants
    out = []
    b = f.best_init
    if b is not None:
        need = ceil_width(b.required_width)
        out.append(Condition(K.WIDTH_20, f"width (20), best t = {b.t}", "(20)", f.d1, need, f.d1 >= need, "derived",
                             f"prediction of the order analysis: C20 xi_t sigma_max(X)^2 sqrt(n)/sigma_min(X^*t)^3 with xi_t = {b.xi:.4g} [derived] "
                             f"at the measured omega1 = {f.init.omega1:.4g}, C20 = {C.c20:.4g}", relation=">="))
    else:
        reasons = "; ".join(dict.fromkeys(r.note for r in f.reqs_init if r.note))
        out.append(Condition(K.WIDTH_20, "width (20)", "(20)", f.d1, None, False, "derived", f"no t in 1..4 gives a bound: {reasons}", relation=">="))
    u = f.best_unit
    if u is not None:
        out.append(Condition(K.WIDTH_20_UNIT_SCALE, f"width (20), unit scale, t = {u.t}", "(20)", f.d1, ceil_width(u.required_width), None, "derived",
                             "informational: the same bound with the paper's literal c_i(1) instead of the init's c_i(omega1)", relation=">="))
    need21 = ceil_width(f.headline)
    out.append(Condition(K.HEADLINE_21, "headline width (21)", "(21)", f.d1, need21, f.d1 >= need21, "paper", f"C21 n^(3/2)/d0 with C21 = {C.c21:.4g}", relation=">="))
    return out
