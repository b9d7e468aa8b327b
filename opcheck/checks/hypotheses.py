"""Check the hypotheses of Theorem 3 at Θ0 on a dataset (theory.md §§3–5).

:func:`run_verify` computes, without ever forming the Jacobian:

* σ_max(X) and σ_min(X^{*t}), t = 1..4 (through ``(XᵀX)^{∘t}``);
* μ_Φ = σ_min(φ(W0X)) and σ_max(φ(W0X)) (Lemma 3), σ_max(V0);
* σ_min, σ_max of the full Jacobian J of Φ at Θ0 and of its V- and W-blocks,
  through the structured Gram (:mod:`opcheck.linalg.gram`) or matrix-free Lanczos;
* ν_Φ, χ_max, β_Φ (Lemma 3), ρ = μ/(2β) (Lemma 1), h0, ‖∇f(Φ(w0))‖ = 2√h0;
* the PL constants certified at Θ0 and on ball(Θ0, ρ);
* the conditions (19), μ_Φ > 0, (9) through the implied constant, (13), (20), (21).

The result is plain data; :mod:`opcheck.render` shows it.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from opcheck._runtime import memory, validation
from opcheck.linalg import spectra
from opcheck.model.activations import Activation, get_activation
from opcheck.data.prepare import Dataset, headline_width
from opcheck.errors import InputError
from opcheck.linalg.jacobian_spectrum import jacobian_extremes
from opcheck.linalg.khatri_rao import KhatriRaoPower, khatri_rao_extremes
from opcheck.model.network import InitScales, Params, forward, init_scales, sample_params
from opcheck.checks.records import Condition, Quantity, all_hold, jsonable
from opcheck._runtime.seeding import rng
from opcheck.checks.width_requirements import WidthRequirement, headline_requirement, width_requirement

ALPHA_F = 2.0  # PL constant of f(Z) = ‖Z − Y‖_F² [derived: ‖∇f‖² = 4f]
BETA_F = 2.0  # smoothness of f [derived]
T_RANGE = (1, 2, 3, 4)


@dataclass(frozen=True)
class VerifyConfig:
    """What the user chose; every field maps to a ``opcheck verify`` option."""

    activation: str = "gelu"
    init: str = "lecun"
    omega1: float | None = None
    omega2: float | None = None
    width: int | None = None
    seed: int = 0
    constant: float = 1.0  # the universal constant hidden by O(·) in (9), (13), (20), (21)
    kappa_max: float = 2.0  # (19): κ_init ≲ 1; the paper states He (κ = 2) satisfies it
    lr: float | None = None  # step size to compare with (13), if any


@dataclass(frozen=True)
class VerifyResult:
    """Everything ``opcheck verify`` reports; ``params`` is Θ0 (not serialised)."""

    data: dict
    init: dict
    activation: dict
    quantities: dict[str, Quantity]
    spectra: dict[str, dict]
    khatri_rao: list[dict]
    width_requirements: dict
    conditions: list[Condition]
    verdict: list[str]
    timings: dict[str, float]
    params: Params = field(repr=False, compare=False)
    dataset: Dataset = field(repr=False, compare=False)

    @property
    def all_hold(self) -> bool:
        return all_hold(self.conditions)

    def value(self, name: str) -> float:
        return self.quantities[name].value

    def as_dict(self) -> dict:
        return jsonable(
            {
                "data": self.data,
                "init": self.init,
                "activation": self.activation,
                "quantities": {k: q.value for k, q in self.quantities.items()},
                "provenance": {k: q.as_dict() for k, q in self.quantities.items()},
                "spectra": self.spectra,
                "khatri_rao": self.khatri_rao,
                "width_requirements": self.width_requirements,
                "conditions": [c.as_dict() for c in self.conditions],
                "all_hold": self.all_hold,
                "verdict": self.verdict,
                "timings_seconds": self.timings,
            }
        )


# --------------------------------------------------------------------- helpers
def resolve_width(dataset: Dataset, config: VerifyConfig, params: Params | None) -> int:
    """The width d1: from loaded parameters, ``--width``, or the headline default."""
    if params is not None:
        d1 = params.W.shape[0]
        if config.width is not None and config.width != d1:
            raise InputError(f"--width {config.width} disagrees with the loaded parameters (W0 has d1 = {d1} rows)")
        return d1
    if config.width is None:
        return headline_width(dataset.n, dataset.d0)
    return validation.positive_int(config.width, "--width")


def check_params(params: Params, dataset: Dataset) -> None:
    """Loaded (W0, V0) must match the data: W0 is d1 × d0, V0 is d2 × d1, finite."""
    W, V = params.W, params.V
    if W.ndim != 2 or V.ndim != 2:
        raise InputError(f"W0 and V0 must be 2-D, got shapes {W.shape} and {V.shape}")
    if W.shape[1] != dataset.d0:
        raise InputError(f"W0 has {W.shape[1]} columns but the data have d0 = {dataset.d0}")
    if V.shape != (dataset.d2, W.shape[0]):
        raise InputError(f"V0 has shape {V.shape}, expected (d2, d1) = ({dataset.d2}, {W.shape[0]})")
    if not (np.isfinite(W).all() and np.isfinite(V).all()):
        raise InputError("W0 or V0 has non-finite entries")


def plan_memory(n: int, d0: int, d1: int, d2: int) -> None:
    """Refuse if φ(W0X) cannot be held (the Gram itself falls back to matrix-free products)."""
    base = memory.float64_bytes((d1, n), (d1, n), (d1, n), (d1, d0), (d2, d1), (n, n))
    memory.require(
        base,
        f"phi(W0 X) and phi'(W0 X) at width d1 = {d1}, n = {n}",
        "use a smaller --width or a smaller sample with --n",
    )


def _ball_note(mu: float) -> str:
    return "Lemma 1: sigma_min >= mu/2 on ball(Theta0, rho)" if mu > 0 else "mu = 0: no ball certified"


# ------------------------------------------------------------------------ main
def run_verify(dataset: Dataset, config: VerifyConfig, params: Params | None = None, progress: Callable[[str], None] | None = None) -> VerifyResult:
    """Compute every hypothesis of Theorem 3 at Θ0 (see module docstring)."""
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    validation.positive_finite(config.constant, "--constant")
    validation.positive_finite(config.kappa_max, "--kappa-max")
    validation.positive_finite(config.lr, "--lr")
    act = get_activation(config.activation)
    n, d0, d2 = dataset.n, dataset.d0, dataset.d2
    if params is not None:
        check_params(params, dataset)
    d1 = resolve_width(dataset, config, params)
    scales = init_scales(config.init, d0, d1, d2, config.omega1, config.omega2)
    plan_memory(n, d0, d1, d2)
    loaded = params is not None
    if params is None:
        params = sample_params(scales, d0, d1, d2, rng(config.seed, "init"))
    X = dataset.X

    say("data spectra: sigma_max(X), sigma_min(X^{*t})")
    sx = spectra.matrix_singular_extremes(X)
    kr = khatri_rao_extremes(X, T_RANGE, config.seed)
    lap("data_spectra")

    say("forward pass and phi(W0 X) spectrum")
    fw = forward(params, X, act)
    A, B = fw.A, fw.B
    sa = spectra.matrix_singular_extremes(A)
    if d1 < n:
        sa = spectra.structural_zero(sa.lambda_max, f"d1 = {d1} < n = {n}: phi(W0 X) is d1 x n, so its rank is at most d1 < n")
    sv0 = spectra.matrix_singular_extremes(params.V)
    lap("phi_spectrum")

    say("Jacobian spectra (structured Gram, or matrix-free Lanczos when it does not fit)")
    ext = jacobian_extremes(params.V, A, B, X, ("both", "first"), config.seed)
    sj, sw = ext["both"], ext["first"]
    sj = _floor_by_v_block(sj, sa)
    lap("jacobian_spectrum")

    quantities, conditions, reqs, verdict = _assemble(dataset, config, act, scales, params, fw, sx, sa, sv0, sj, sw, kr, d1)
    lap("lemma3_and_conditions")

    return VerifyResult(
        data={**dataset.summary(), "d1": d1},
        init={
            "scheme": scales.scheme,
            "omega1": scales.omega1,
            "omega2": scales.omega2,
            "kappa_init": scales.kappa(d0, d1),
            "seed": config.seed,
            "source": scales.source,
            "loaded_from_file": loaded,
        },
        activation=_activation_summary(act, scales.omega1),
        quantities=quantities,
        spectra={
            "x": sx.as_dict(),
            "phi_w0x": sa.as_dict(),
            "v0": sv0.as_dict(),
            "jacobian": sj.as_dict(),
            "jacobian_w_block": sw.as_dict(),
            "jacobian_v_block": sa.as_dict(),
        },
        khatri_rao=[k.as_dict() for k in kr],
        width_requirements=reqs,
        conditions=conditions,
        verdict=verdict,
        timings=timings,
        params=params,
        dataset=dataset,
    )


def _floor_by_v_block(sj: spectra.Extremes, sa: spectra.Extremes) -> spectra.Extremes:
    """σ_min(J) ≥ σ_min(φ(W0X)) = μ_Φ, because J Jᵀ = I ⊗ AᵀA + (PSD W-block).

    When λ_min(J Jᵀ) is below the Gram's resolution (reported as 0) but μ_Φ,
    computed by SVD of φ(W0X) itself with far finer resolution, is positive, the
    Gram's 0 is a rounding floor, not a zero: report the certified lower bound
    μ_Φ instead, and say that σ_min(J) lies in [μ_Φ, √resolution].
    """
    if sj.lambda_min > 0 or sa.sigma_min <= 0 or sj.method == spectra.Method.STRUCTURAL.value:
        return sj
    upper = math.sqrt(sj.resolution)
    note = (f"lambda_min(J J^T) is below the Gram's resolution {sj.resolution:.2e}; sigma_min(J) lies in "
            f"[mu_Phi, {upper:.3g}] and the certified lower bound mu_Phi = {sa.sigma_min:.3g} is reported")
    return spectra.Extremes(sa.sigma_min**2, sj.lambda_max, sj.method, sj.iterations, sj.residual_min, sj.residual_max, sj.resolution, note)


def _activation_summary(act: Activation, omega1: float) -> dict:
    unit = act.hermite_coefficients(6, 1.0)
    scaled = act.hermite_coefficients(6, omega1)
    return {
        "name": act.name,
        "formula": act.formula,
        "dphi_max": {"value": act.dphi_max.value, "where": act.dphi_max.where, "method": act.dphi_max.method},
        "ddphi_max": {"value": act.ddphi_max.value, "where": act.ddphi_max.where, "method": act.ddphi_max.method},
        "bullets": [{"name": b.name, "holds": b.holds, "detail": b.detail} for b in act.assumption_bullets()],
        "hermite_unit_scale": list(map(float, unit)),
        "hermite_init_scale": list(map(float, scaled)),
        "init_scale": omega1,
        "hermite_note": "c_i = E[phi(s g) He_i(g)], probabilists' Hermite; s = 1 is the paper's literal statement, s = omega1 the pre-activation scale under the chosen init [derived]",
    }


def _assemble(dataset, config, act, scales: InitScales, params, fw, sx, sa, sv0, sj, sw, kr: list[KhatriRaoPower], d1: int):
    """Lemma 3 quantities, PL constants, conditions and the verdict."""
    n, d0 = dataset.n, dataset.d0
    C = config.constant
    dmax, ddmax = act.dphi_max.value, act.ddphi_max.value
    s_x, mu, s_a, s_v0 = sx.sigma_max, sa.sigma_min, sa.sigma_max, sv0.sigma_max
    R = fw.Z - dataset.Y
    h0 = float(np.vdot(R, R))
    nu = dmax * s_x * s_v0 + s_a
    chi = s_v0 + (mu / (2.0 * math.sqrt(2.0) * s_x * dmax) if s_x > 0 else 0.0)
    beta = math.sqrt(2.0) * s_x * (dmax + ddmax * chi) if math.isfinite(ddmax) else math.inf
    rho = mu / (2.0 * beta) if (mu > 0 and math.isfinite(beta)) else 0.0
    c_needed = h0 * beta**2 * nu**2 / (ALPHA_F * mu**6) if mu > 0 else math.inf
    eta13 = C * mu**2 / (beta * 2.0 * math.sqrt(h0) + beta * mu**2 + BETA_F * nu**2) if (mu > 0 and math.isfinite(beta)) else 0.0
    alpha_init = ALPHA_F * sj.sigma_min**2
    alpha_ball = ALPHA_F * (mu / 2.0) ** 2
    kappa = scales.kappa(d0, d1)
    quantities = {
        "sigma_max_x": Quantity(s_x, "measured", "theory.md §4", "largest singular value of X (d0 x n, unit-norm columns)"),
        "sigma_min_jacobian": Quantity(sj.sigma_min, "measured", "Def. 1", f"sigma_min(J) at Theta0 via {sj.method}"),
        "sigma_max_jacobian": Quantity(sj.sigma_max, "measured", "Def. 1", f"sigma_max(J) at Theta0 via {sj.method}"),
        "sigma_min_jacobian_w_block": Quantity(sw.sigma_min, "measured", "Def. 1", "first-layer block dPhi/dW alone"),
        "sigma_max_jacobian_w_block": Quantity(sw.sigma_max, "measured", "Def. 1", "first-layer block dPhi/dW alone"),
        "sigma_min_jacobian_v_block": Quantity(mu, "measured", "Lemma 3", "second-layer block dPhi/dV = I (x) phi(W0X): equals mu_Phi"),
        "sigma_max_jacobian_v_block": Quantity(s_a, "measured", "Lemma 3", "second-layer block: equals sigma_max(phi(W0X))"),
        "mu_phi": Quantity(mu, "paper", "Lemma 3", "mu_Phi = sigma_min(phi(W0 X))" + (f"; {sa.note}" if sa.note else "")),
        "sigma_max_phi": Quantity(s_a, "paper", "Lemma 3", "sigma_max(phi(W0 X))"),
        "sigma_max_v0": Quantity(s_v0, "paper", "Lemma 3", "sigma_max(V0)"),
        "nu_phi": Quantity(nu, "paper", "Lemma 3", "nu_Phi = sup|phi'| sigma_max(X) sigma_max(V0) + sigma_max(phi(W0X))"),
        "chi_max": Quantity(chi, "derived", "Lemma 3", "chi_max = sigma_max(V0) + mu_Phi/(2 sqrt2 sigma_max(X) sup|phi'|) (Rolland et al. choice)"),
        "beta_phi": Quantity(beta, "paper", "Lemma 3", "beta_Phi = sqrt2 sigma_max(X)(sup|phi'| + sup|phi''| chi_max)"),
        "rho": Quantity(rho, "paper", "Lemma 1", "rho = mu_Phi/(2 beta_Phi)"),
        "h0": Quantity(h0, "measured", "(16)", "h(Theta0) = ||V0 phi(W0X) - Y||_F^2"),
        "grad_f_norm": Quantity(2.0 * math.sqrt(h0), "derived", "(13)", "||grad f(Phi(w0))|| = 2 sqrt(h0)"),
        "alpha_f": Quantity(ALPHA_F, "derived", "theory.md §1", "PL constant of f(Z) = ||Z - Y||^2"),
        "beta_f": Quantity(BETA_F, "derived", "theory.md §1", "smoothness of f"),
        "pl_alpha_at_init": Quantity(alpha_init, "derived", "Def. 1 + (16)", "certifies h(Theta0) <= ||grad h(Theta0)||^2/(2 alpha) with alpha = alpha_f sigma_min(J)^2, at Theta0 only"),
        "pl_alpha_on_ball": Quantity(alpha_ball, "paper", "Lemma 1", "certifies h <= ||grad h||^2/(2 alpha) with alpha = alpha_f (mu_Phi/2)^2 at every Theta in ball(Theta0, rho)"),
        "c_needed": Quantity(c_needed, "paper", "(9)", "implied constant h0 beta^2 nu^2/(alpha_f mu^6): (9) holds with universal constant C iff C >= c_needed"),
        "eta_13": Quantity(eta13, "paper", "(13)", "step-size bound C mu^2/(beta ||grad f|| + beta mu^2 + beta_f nu^2) with C = --constant"),
        "kappa_init": Quantity(kappa, scales.source if scales.source != "user" else "user", "(19)", "omega1 omega2 sqrt(d0 d1)"),
    }
    for k in kr:
        quantities[f"sigma_min_x_star_{k.t}"] = Quantity(k.sigma_min, "measured", "theory.md §4", f"sigma_min(X^*{k.t}) via lambda_min((X^T X)^o{k.t})" + (f"; {k.reason}" if k.reason else ""))

    reqs = [width_requirement(act, k.t, s_x, k.sigma_min, n, C, 1.0) for k in kr]
    reqs_init = [width_requirement(act, k.t, s_x, k.sigma_min, n, C, scales.omega1) for k in kr]
    valid = [r for r in reqs if r.required_width is not None]
    best = min(valid, key=lambda r: r.required_width) if valid else None
    headline = headline_requirement(n, d0, C)
    width_reqs = {
        "unit_scale": [r.as_dict() for r in reqs],
        "init_scale": [r.as_dict() for r in reqs_init],
        "best_t": best.t if best else None,
        "best_required_width": best.required_width if best else None,
        "headline_21": headline,
        "note": "xi_t = c0 (t!)^{3/2}/|c_t|^3 [derived]; C = --constant; unit scale is the paper's literal c_i, init scale uses c_i(omega1)",
    }

    a2_ok, a2_why = dataset.assumption2()
    failed_bullets = [b.name for b in act.assumption_bullets() if not b.holds]
    conds = [
        Condition("Assumption 2 (data)", "Assum. 2", "normalized" if dataset.normalized else "as given", "unit x_i, |Y|<=1", a2_ok, "paper", a2_why, relation="is"),
        Condition(
            "Assumption 2 (activation)", "Assum. 2", f"{6 - len(failed_bullets)} of 6 hold", "6 bullets",
            not failed_bullets, "paper", ("fails: " + ", ".join(failed_bullets)) if failed_bullets else f"{act.name} satisfies every bullet", relation="is",
        ),
        Condition("init scale", "(19)", kappa, config.kappa_max, kappa <= config.kappa_max * (1 + 1e-12), "paper",
                  "kappa_init = omega1 omega2 sqrt(d0 d1); threshold --kappa-max (the paper states LeCun (1) and He (2) satisfy (19))"),
        Condition("mu_Phi > 0", "Lemma 3", mu, 0.0, mu > 0, "paper", sa.note or "phi(W0 X) has full column rank", relation=">"),
        Condition("sigma_min(J) > 0", "Def. 1", sj.sigma_min, 0.0, sj.sigma_min > 0, "paper", sj.note or "J has full row rank: a (mu, nu)-near-isometry with mu = mu_Phi", relation=">"),
        Condition("initial loss small enough", "(9)", c_needed, C, c_needed <= C, "paper",
                  f"(9) holds with universal constant C = {C:g} iff C >= C_needed = h0 beta^2 nu^2/(alpha_f mu^6)"),
    ]
    if config.lr is None:
        conds.append(Condition("step size", "(13)", eta13, None, None, "paper", "informational: the largest step (13) allows with C = --constant; pass --lr to check a step", relation="info"))
    else:
        conds.append(Condition("step size", "(13)", config.lr, eta13, config.lr <= eta13, "paper", f"--lr {config.lr:g} against (13) with C = {C:g}"))
    if best is not None:
        conds.append(Condition(f"width (20), best t = {best.t}", "(20)", d1, best.required_width, d1 >= best.required_width, "derived",
                               f"C xi_t sigma_max(X)^2 sqrt(n)/sigma_min(X^*t)^3 with xi_t = {best.xi:.4g} [derived], C = {C:g}", relation=">="))
    else:
        reasons = "; ".join(r.note for r in reqs if r.note)
        conds.append(Condition("width (20)", "(20)", d1, None, False, "derived", f"no t in 1..4 gives a bound: {reasons}", relation=">="))
    conds.append(Condition("headline width (21)", "(21)", d1, headline, d1 >= headline * (1 - 1e-12), "paper", f"C n^(3/2)/d0 with C = {C:g}", relation=">="))

    verdict = _verdict(conds, c_needed, C, d1, mu, best, headline)
    return quantities, conds, width_reqs, verdict


def _verdict(conds: list[Condition], c_needed: float, C: float, d1: int, mu: float, best: WidthRequirement | None, headline: float) -> list[str]:
    """Sentences: what holds, what fails, and what it would take."""
    held = [c for c in conds if c.holds]
    failed = [c for c in conds if c.holds is False]
    lines = []
    if not failed:
        lines.append(f"All {len(held)} checked hypotheses of Theorem 3 hold at Theta0 with universal constant C = {C:g}.")
    else:
        lines.append(f"{len(held)} of {len(held) + len(failed)} checked hypotheses hold; failing: " + "; ".join(f"{c.name} [{c.equation}]" for c in failed) + ".")
    for c in failed:
        if c.equation == "(9)" and math.isfinite(c_needed):
            grow = d1 * math.sqrt(c_needed / C)
            lines.append(
                f"(9) needs the universal constant to be at least {c_needed:.3g} (you set {C:g}). Under the order analysis C_needed falls like d1^-2 [derived], "
                f"so (9) would hold with C = {C:g} near d1 = {grow:.3g} (an extrapolation; `opcheck report` measures the trend)."
            )
        elif c.equation == "(9)":
            lines.append("(9) cannot hold: mu_Phi = 0, so the implied constant is infinite.")
        elif c.equation == "(20)" and best is not None:
            lines.append(f"(20) would hold at width d1 >= {best.required_width:.4g} (t = {best.t}, C = {C:g}).")
        elif c.equation == "(21)":
            lines.append(f"(21) would hold at width d1 >= {math.ceil(headline)}.")
        elif c.name == "mu_Phi > 0":
            lines.append(f"mu_Phi = 0: {c.detail}. Use a width of at least n.")
        elif c.equation == "(19)":
            lines.append("(19) fails: lower omega1 omega2, e.g. --init lecun.")
        elif c.name.startswith("Assumption 2 (data)"):
            lines.append(f"Assumption 2 fails for the data: {c.detail}; drop --no-normalize to scale samples and labels.")
        elif c.name.startswith("Assumption 2 (activation)"):
            lines.append(f"Assumption 2 fails for the activation ({c.value}); the numbers are still computed where they make sense. The paper suggests gelu or softplus-like smooth activations.")
    return lines
