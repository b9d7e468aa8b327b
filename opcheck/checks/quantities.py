"""The named quantities of ``opcheck verify`` with their provenance (:class:`QuantityKey`).

``formula_source`` is ``derived`` for anything computed from a derived quantity
(χ_max, α_f = β_f = 2, the constants model); ``value_source`` is ``measured``
for everything evaluated on the data and parameters in use.
"""
from __future__ import annotations

import enum
from dataclasses import replace

from opcheck.checks.constants import Constants
from opcheck.checks.lemma3 import ALPHA_F, BETA_F, Lemma3Constants, MeasuredInit
from opcheck.checks.records import FormulaSource as F, Quantity, ValueSource as V
from opcheck.linalg import spectra


class QuantityKey(str, enum.Enum):
    """JSON keys of ``quantities`` / ``provenance`` (unchanged from earlier releases)."""

    SIGMA_MAX_X = "sigma_max_x"
    SIGMA_MIN_JACOBIAN = "sigma_min_jacobian"
    SIGMA_MAX_JACOBIAN = "sigma_max_jacobian"
    SIGMA_MIN_JACOBIAN_W_BLOCK = "sigma_min_jacobian_w_block"
    SIGMA_MAX_JACOBIAN_W_BLOCK = "sigma_max_jacobian_w_block"
    SIGMA_MIN_JACOBIAN_V_BLOCK = "sigma_min_jacobian_v_block"
    SIGMA_MAX_JACOBIAN_V_BLOCK = "sigma_max_jacobian_v_block"
    MU_PHI = "mu_phi"
    SIGMA_MAX_PHI = "sigma_max_phi"
    SIGMA_MAX_V0 = "sigma_max_v0"
    NU_PHI = "nu_phi"
    CHI_MAX = "chi_max"
    BETA_PHI = "beta_phi"
    RHO = "rho"
    H0 = "h0"
    GRAD_F_NORM = "grad_f_norm"
    ALPHA_F = "alpha_f"
    BETA_F = "beta_f"
    PL_ALPHA_AT_INIT = "pl_alpha_at_init"
    PL_ALPHA_ON_BALL = "pl_alpha_on_ball"
    C_NEEDED = "c_needed"
    ETA_13 = "eta_13"
    KAPPA_INIT = "kappa_init"
    OMEGA1_MEASURED = "omega1_measured"
    OMEGA2_MEASURED = "omega2_measured"
    SIGMA_MIN_X_STAR_1 = "sigma_min_x_star_1"
    SIGMA_MIN_X_STAR_2 = "sigma_min_x_star_2"
    SIGMA_MIN_X_STAR_3 = "sigma_min_x_star_3"
    SIGMA_MIN_X_STAR_4 = "sigma_min_x_star_4"


def _iv(ext: spectra.Extremes, which: str) -> tuple[float, float] | None:
    iv = ext.sigma_min_interval if which == "min" else ext.sigma_max_interval
    return None if iv is None else (float(iv.lo), float(iv.hi))


def quantity_table(l3: Lemma3Constants, ext: dict[str, spectra.Extremes], sa_note: str, init: MeasuredInit,
                   constants: Constants, powers: list | tuple = ()) -> dict[QuantityKey, Quantity]:
    """Every quantity at Θ0 with formula and value provenance; spectral ones carry their certified interval.

    ``ext`` holds the solver records ``x`` (X), ``phi`` (φ(W0X)), ``v0``, ``j`` (J) and, when
    the W-block was computed, ``w`` (J_W); without it the J_W rows are left out.
    """
    K = QuantityKey
    M = V.MEASURED
    mu = l3.mu
    sj = ext["j"]
    table = {
        K.SIGMA_MAX_X: Quantity(l3.sigma_max_x, F.NONE, M, "Sec. 4", "largest singular value of X (d0 x n, unit-norm columns)"),
        K.MU_PHI: Quantity(mu, F.PAPER, M, "Lemma 3", "mu_Phi = sigma_min(phi(W0 X))" + (f"; {sa_note}" if sa_note else "")),
        K.SIGMA_MAX_PHI: Quantity(l3.sigma_max_phi, F.PAPER, M, "Lemma 3", "sigma_max(phi(W0 X))"),
        K.SIGMA_MAX_V0: Quantity(l3.sigma_max_v0, F.PAPER, M, "Lemma 3", "sigma_max(V0)"),
        K.SIGMA_MIN_JACOBIAN: Quantity(sj.sigma_min, F.PAPER, M, "Def. 1", f"sigma_min(J) at Theta0 via {sj.method}"),
        K.SIGMA_MAX_JACOBIAN: Quantity(sj.sigma_max, F.PAPER, M, "Def. 1", f"sigma_max(J) at Theta0 via {sj.method}"),
        **({} if "w" not in ext else {
            K.SIGMA_MIN_JACOBIAN_W_BLOCK: Quantity(ext["w"].sigma_min, F.PAPER, M, "Def. 1", "first-layer block dPhi/dW alone"),
            K.SIGMA_MAX_JACOBIAN_W_BLOCK: Quantity(ext["w"].sigma_max, F.PAPER, M, "Def. 1", "first-layer block dPhi/dW alone"),
        }),
        K.SIGMA_MIN_JACOBIAN_V_BLOCK: Quantity(mu, F.PAPER, M, "Lemma 3", "second-layer block dPhi/dV = I (x) phi(W0X): equals mu_Phi"),
        K.SIGMA_MAX_JACOBIAN_V_BLOCK: Quantity(l3.sigma_max_phi, F.PAPER, M, "Lemma 3", "second-layer block: equals sigma_max(phi(W0X))"),
        K.NU_PHI: Quantity(l3.nu, F.PAPER, M, "Lemma 3", "nu_Phi = sup|phi'| sigma_max(X) sigma_max(V0) + sigma_max(phi(W0X))"),
        K.CHI_MAX: Quantity(l3.chi, F.DERIVED, M, "Lemma 3", "chi_max = sigma_max(V0) + mu_Phi/(2 sqrt2 sigma_max(X) sup|phi'|) (Rolland et al. choice)"),
        K.BETA_PHI: Quantity(l3.beta, F.DERIVED, M, "Lemma 3", "beta_Phi = sqrt2 sigma_max(X)(sup|phi'| + sup|phi''| chi_max): the paper's form with the derived chi_max"),
        K.RHO: Quantity(l3.rho, F.DERIVED, M, "Lemma 1", "rho = mu_Phi/(2 beta_Phi) (beta_Phi rests on the derived chi_max)"),
        K.H0: Quantity(l3.h0, F.PAPER, M, "(16)", "h(Theta0) = ||V0 phi(W0X) - Y||_F^2"),
        K.GRAD_F_NORM: Quantity(l3.grad_f_norm, F.DERIVED, M, "(13)", "||grad f(Phi(w0))|| = 2 sqrt(h0)"),
        K.ALPHA_F: Quantity(ALPHA_F, F.DERIVED, V.COMPUTED, "Sec. 1", "PL constant of f(Z) = ||Z - Y||^2"),
        K.BETA_F: Quantity(BETA_F, F.DERIVED, V.COMPUTED, "Sec. 1", "smoothness of f"),
        K.PL_ALPHA_AT_INIT: Quantity(ALPHA_F * sj.sigma_min**2, F.DERIVED, M, "Def. 1 + (16)",
                                     "certifies h(Theta0) <= ||grad h(Theta0)||^2/(2 alpha) with alpha = alpha_f sigma_min(J)^2, at Theta0 only"),
        K.PL_ALPHA_ON_BALL: Quantity(ALPHA_F * (mu / 2.0) ** 2, F.DERIVED, M, "Lemma 1",
                                     "certifies h <= ||grad h||^2/(2 alpha) with alpha = alpha_f (mu_Phi/2)^2 at every Theta in ball(Theta0, rho)"),
        K.C_NEEDED: Quantity(l3.c_needed, F.DERIVED, M, "(9)", "implied C9 = h0 beta^2 nu^2/(alpha_f mu^6): (9) holds with constant C9 iff C9 >= c_needed"),
        K.ETA_13: Quantity(l3.eta13(constants.c13), F.DERIVED, M, "(13)", f"step-size bound C13 mu^2/(beta ||grad f|| + beta mu^2 + beta_f nu^2) with C13 = {constants.c13:g}"),
        K.KAPPA_INIT: Quantity(init.kappa, F.PAPER, M, "(19)", "omega1 omega2 sqrt(d0 d1) with omega1, omega2 measured from the W0, V0 in use"),
        K.OMEGA1_MEASURED: Quantity(init.omega1, F.NONE, M, "(17)", "||W0||_F / sqrt(d1 d0)"),
        K.OMEGA2_MEASURED: Quantity(init.omega2, F.NONE, M, "(17)", "||V0||_F / sqrt(d2 d1)"),
    }
    spectral = {
        K.SIGMA_MAX_X: ("x", "max"), K.MU_PHI: ("phi", "min"), K.SIGMA_MAX_PHI: ("phi", "max"), K.SIGMA_MAX_V0: ("v0", "max"),
        K.SIGMA_MIN_JACOBIAN: ("j", "min"), K.SIGMA_MAX_JACOBIAN: ("j", "max"), K.SIGMA_MIN_JACOBIAN_W_BLOCK: ("w", "min"),
        K.SIGMA_MAX_JACOBIAN_W_BLOCK: ("w", "max"), K.SIGMA_MIN_JACOBIAN_V_BLOCK: ("phi", "min"), K.SIGMA_MAX_JACOBIAN_V_BLOCK: ("phi", "max"),
    }
    out = {k: (replace(q, interval=_iv(ext[spectral[k][0]], spectral[k][1])) if k in spectral else q) for k, q in table.items()}
    for p in powers:  # σ_min(X^{*t}) of (20), t = 1..4 (KhatriRaoPower records)
        iv = p.sigma_min_interval
        out[QuantityKey(f"sigma_min_x_star_{p.t}")] = Quantity(
            p.sigma_min, F.NONE, M, "Sec. 4", f"sigma_min(X^*{p.t}) via lambda_min((X^T X)^o{p.t})" + (f"; {p.reason}" if p.reason else ""),
            None if iv is None else (float(iv.lo), float(iv.hi)))
    return out
