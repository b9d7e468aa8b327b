"""The plain-data summaries of a verify run: init (measured and nominal), activation, widths,
spectra with their certified intervals, and the implied constants measurable at Θ0.

Built by :func:`opcheck.checks.hypotheses.run_verify`; nothing here measures anything.
"""
from __future__ import annotations

from opcheck.checks import conditions as rows_mod
from opcheck.checks.constants import ConstantKey, ImpliedConstant, implied
from opcheck.checks.lemma3 import MeasuredInit
from opcheck.checks.width_requirements import WidthRequirement
from opcheck.linalg import spectra
from opcheck.model.activations import Activation
from opcheck.model.network import InitScales


def sigma_interval(ext: spectra.Extremes, which: str = "min") -> tuple[float, float] | None:
    """The certified ``[lo, hi]`` of σ_min (or σ_max) from :mod:`opcheck.linalg.spectra` (None if absent)."""
    iv = ext.sigma_min_interval if which == "min" else ext.sigma_max_interval
    return None if iv is None else (float(iv.lo), float(iv.hi))


def spectrum(ext: spectra.Extremes) -> dict:
    """The solver record plus ``interval``: {sigma_min: [lo, hi], sigma_max: [lo, hi]} (certified)."""
    return {**ext.as_dict(), "interval": {"sigma_min": sigma_interval(ext, "min"), "sigma_max": sigma_interval(ext, "max")}}


def best(reqs: list[WidthRequirement]) -> WidthRequirement | None:
    valid = [r for r in reqs if r.required_width is not None]
    return min(valid, key=lambda r: r.required_width) if valid else None


def implied_at_init(f: rows_mod.Facts) -> dict[ConstantKey, ImpliedConstant]:
    """Implied constants measurable at Θ0: C9, C13 (for --lr), C20 (at the best t, ω1 scale), C21."""
    C, l3 = f.constants, f.l3
    out = {ConstantKey.C9: implied(ConstantKey.C9, l3.c_needed, C.c9, "h0 beta^2 nu^2/(alpha_f mu^6)")}
    if f.lr is not None:
        out[ConstantKey.C13] = implied(ConstantKey.C13, l3.implied_c13(f.lr), C.c13, "eta D / mu^2 for --lr")
    else:
        out[ConstantKey.C13] = implied(ConstantKey.C13, None, C.c13, "no step given: pass --lr, or --train")
    out[ConstantKey.C14] = implied(ConstantKey.C14, None, C.c14, "measured by --train (largest C14 the loss curve obeys)")
    out[ConstantKey.C_PATH] = implied(ConstantKey.C_PATH, None, C.c_path, "measured by --train (path length of gradient descent)")
    b = f.best_init
    if b is not None and b.required_width:
        per_unit = b.required_width / C.c20  # the width at C20 = 1
        out[ConstantKey.C20] = implied(ConstantKey.C20, f.d1 / per_unit, C.c20, f"largest C20 with d1 >= C20 xi_t sigma_max^2 sqrt(n)/sigma_min^3 at t = {b.t} (omega1 scale)")
    else:
        out[ConstantKey.C20] = implied(ConstantKey.C20, None, C.c20, "(20) gives no bound on this data")
    out[ConstantKey.C21] = implied(ConstantKey.C21, f.d1 * f.d0 / f.n**1.5, C.c21, "largest C21 with d1 >= C21 n^(3/2)/d0")
    return out


def init_summary(measured: MeasuredInit, nominal: InitScales, loaded: bool, seed: int, d0: int, d1: int) -> dict:
    return {
        "scheme": "loaded from file" if loaded else nominal.scheme,
        "omega1": measured.omega1,
        "omega2": measured.omega2,
        "kappa_init": measured.kappa,
        "measured": True,
        "seed": seed,
        "source": "measured",
        "loaded_from_file": loaded,
        "nominal": {"scheme": nominal.scheme, "omega1": nominal.omega1, "omega2": nominal.omega2, "kappa_init": nominal.kappa(d0, d1),
                    "source": nominal.source, "used": not loaded},
        "note": "omega1 = ||W0||_F/sqrt(d1 d0), omega2 = ||V0||_F/sqrt(d2 d1), kappa_init = omega1 omega2 sqrt(d0 d1), measured from the parameters in use",
    }


def width_summary(reqs_unit: list[WidthRequirement], reqs_init: list[WidthRequirement], f: rows_mod.Facts) -> dict:
    bu, bi = f.best_unit, f.best_init
    return {
        "unit_scale": [r.as_dict() for r in reqs_unit],
        "init_scale": [r.as_dict() for r in reqs_init],
        "best_t": bi.t if bi else None,
        "best_required_width": rows_mod.ceil_width(bi.required_width) if bi else None,
        "best_t_unit_scale": bu.t if bu else None,
        "best_required_width_unit_scale": rows_mod.ceil_width(bu.required_width) if bu else None,
        "headline_21": rows_mod.ceil_width(f.headline),
        "c20": f.constants.c20,
        "c21": f.constants.c21,
        "note": "xi_t = c0 (t!)^{3/2}/(sqrt(alpha_f) |c_t|^3) [derived]; C20, C21 from the constants model; best_required_width uses c_i at the "
                "measured omega1 (the init in use), *_unit_scale the paper's literal c_i(1); widths are ceilings",
    }


def activation_summary(act: Activation, omega1: float) -> dict:
    unit = act.hermite_coefficients(6, 1.0)
    scaled = act.hermite_coefficients(6, omega1)
    lazy = act.lazy_training_condition()
    return {
        "name": act.name,
        "formula": act.formula,
        "dphi_max": {"value": act.dphi_max.value, "where": act.dphi_max.where, "method": act.dphi_max.method},
        "ddphi_max": {"value": act.ddphi_max.value, "where": act.ddphi_max.where, "method": act.ddphi_max.method},
        "bullets": [{"name": b.name, "holds": b.holds, "detail": b.detail} for b in act.assumption_bullets()],
        "lazy_training_condition": {"name": lazy.name, "holds": lazy.holds, "detail": lazy.detail, "source": "paper (Section 6 / Appendix E), not Assumption 2"},
        "hermite_unit_scale": list(map(float, unit)),
        "hermite_init_scale": list(map(float, scaled)),
        "init_scale": omega1,
        "hermite_note": "c_i = E[phi(s g) He_i(g)], probabilists' Hermite; s = 1 is the paper's literal statement, s = omega1 measured from W0 "
                        "(the pre-activation scale of the init in use) [derived]",
    }
