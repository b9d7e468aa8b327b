"""Lemma 3's constants of the shallow network at Θ0, and the init scale actually in use.

From measured spectra (σ_max(X), μ_Φ = σ_min(φ(W0X)), σ_max(φ(W0X)), σ_max(V0)),
the activation's sup|φ'|, sup|φ''| and h0 = h(Θ0):

* ν_Φ = sup|φ'| σ_max(X) σ_max(V0) + σ_max(φ(W0X))            [paper, Lemma 3]
* χ_max = σ_max(V0) + μ_Φ / (2√2 σ_max(X) sup|φ'|)             [derived: Rolland et al.'s choice]
* β_Φ = √2 σ_max(X) (sup|φ'| + sup|φ''| χ_max)                  [paper form, derived χ_max]
* ρ = μ/(2β) (Lemma 1), the implied constant of (9)
  C9* = h0 β² ν² / (α_f μ⁶), the (13) step without its constant μ²/D.

:class:`MeasuredInit` is ω̂1 = ‖W0‖_F/√(d1 d0), ω̂2 = ‖V0‖_F/√(d2 d1) and
κ̂ = ω̂1 ω̂2 √(d0 d1) of the parameters in use (sampled, loaded or trained).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from opcheck.model.network import Params

ALPHA_F = 2.0  # PL constant of f(Z) = ‖Z − Y‖_F² [derived: ‖∇f‖² = 4f]
BETA_F = 2.0  # smoothness of f [derived]


@dataclass(frozen=True)
class MeasuredInit:
    """The scale of the parameters in use (docs/theory.md, "Initialization")."""

    omega1: float
    omega2: float
    d0: int
    d1: int

    @property
    def kappa(self) -> float:
        """``κ̂_init = ω̂1 ω̂2 √(d0 d1)``; (19) asks κ_init ≲ 1."""
        return self.omega1 * self.omega2 * math.sqrt(self.d0 * self.d1)


def kappa_sampling_band(d0: int, d1: int, d2: int, sigmas: float = 3.0) -> float:
    """Factor ``exp(k s)``, ``s = √(1/(2 d0 d1) + 1/(2 d1 d2))``: the k-σ band of κ̂ around κ for a Gaussian draw.

    ``ω̂1² = ω1² χ²_m/m`` with m = d1 d0 entries, so ``log ω̂1`` has standard deviation
    ``≈ 1/√(2m)``; likewise ω̂2 with d2 d1 entries; the two are independent [derived].
    """
    return math.exp(sigmas * math.sqrt(1.0 / (2.0 * d0 * d1) + 1.0 / (2.0 * d1 * d2)))


def measure_init(params: Params) -> MeasuredInit:
    """ω̂1 = ‖W0‖_F/√(d1 d0), ω̂2 = ‖V0‖_F/√(d2 d1): the RMS entry of each layer."""
    W, V = params.W, params.V
    d1, d0 = W.shape
    d2 = V.shape[0]
    return MeasuredInit(float(np.linalg.norm(W)) / math.sqrt(d1 * d0), float(np.linalg.norm(V)) / math.sqrt(d2 * d1), d0, d1)


@dataclass(frozen=True)
class Lemma3Constants:
    """Lemma 3 and the framework quantities built on it, at Θ0."""

    sigma_max_x: float
    mu: float  # μ_Φ
    sigma_max_phi: float
    sigma_max_v0: float
    dphi_max: float
    ddphi_max: float
    h0: float
    nu: float
    chi: float
    chi_mu_part: float  # μ_Φ/(2√2 σ_max(X) sup|φ'|), the part of χ_max that grows with the width
    beta: float
    rho: float
    c_needed: float  # implied C9
    step_denominator: float  # D = β‖∇f‖ + βμ² + β_f ν² of (13)

    @property
    def grad_f_norm(self) -> float:
        return 2.0 * math.sqrt(self.h0)

    def eta13(self, c13: float) -> float:
        """The (13) step ``C13 μ²/D`` (0 when μ = 0 or β = ∞)."""
        if self.mu > 0 and math.isfinite(self.step_denominator) and self.step_denominator > 0:
            return c13 * self.mu**2 / self.step_denominator
        return 0.0

    def implied_c13(self, eta: float) -> float:
        """Smallest C13 under which step η satisfies (13): ``η D / μ²``."""
        return eta * self.step_denominator / self.mu**2 if self.mu > 0 else math.inf

    def path_bound_unit(self) -> float:
        """Lemma 2's ``ν √h0 / (μ² √α_f)`` without its constant (∞ when μ = 0)."""
        return self.nu * math.sqrt(self.h0) / (self.mu**2 * math.sqrt(ALPHA_F)) if self.mu > 0 else math.inf


def lemma3_constants(sigma_max_x: float, mu: float, sigma_max_phi: float, sigma_max_v0: float,
                     dphi_max: float, ddphi_max: float, h0: float) -> Lemma3Constants:
    """Evaluate Lemma 3, ρ, the implied C9 and the (13) denominator from measured spectra."""
    nu = dphi_max * sigma_max_x * sigma_max_v0 + sigma_max_phi
    chi_mu = mu / (2.0 * math.sqrt(2.0) * sigma_max_x * dphi_max) if sigma_max_x > 0 else 0.0
    chi = sigma_max_v0 + chi_mu
    beta = math.sqrt(2.0) * sigma_max_x * (dphi_max + ddphi_max * chi) if math.isfinite(ddphi_max) else math.inf
    rho = mu / (2.0 * beta) if (mu > 0 and math.isfinite(beta)) else 0.0
    if mu > 0:
        with np.errstate(over="ignore"):
            c_needed = h0 * beta**2 * nu**2 / (ALPHA_F * mu**6)
    else:
        c_needed = math.inf
    denom = beta * 2.0 * math.sqrt(h0) + beta * mu**2 + BETA_F * nu**2 if math.isfinite(beta) else math.inf
    return Lemma3Constants(sigma_max_x, mu, sigma_max_phi, sigma_max_v0, dphi_max, ddphi_max, h0,
                           nu, chi, chi_mu, beta, rho, float(c_needed), denom)
