"""Infinite-width kernels of the first layer at the init's scale (docs/theory.md, "Measurable thresholds").

For unit-norm samples and ``w ~ N(0, ω1² I)`` the pair ``(wᵀx_i, wᵀx_j)`` is
bivariate normal with variance ω1² and correlation ``ρ_ij = x_iᵀx_j``.  Mehler's
formula then gives, with ``c_t(ω1) = E[f(ω1 g) He_t(g)]`` (probabilists' Hermite),

    E[f(wᵀx_i) f(wᵀx_j)] = Σ_t c_t(ω1)²/t! · ρ_ij^t .

* :func:`feature_kernel` — ``K∞ = E[φ(wᵀx_i) φ(wᵀx_j)]`` (f = φ): ``E[ΦᵀΦ] = d1 K∞``
  for ``Φ = φ(W0 X)``; ``λ_min(K∞)`` is the data's "λ0" for this architecture and init.
* :func:`derivative_kernel` — ``K'∞ = E[φ'(wᵀx_i) φ'(wᵀx_j)]`` (f = φ').
* :func:`expected_ntk` — ``E[J Jᵀ]`` at width d1 for one output block [derived]:
  the V-block gives ``d1 K∞``; the W-block ``K_ab Σ_j V_kj² B_ja B_jb`` has
  expectation ``d1 ω2² (XᵀX ⊙ K'∞)_ab`` (V0 independent of W0); blocks k ≠ k' have
  expectation 0 (``E[V_kj V_k'j] = 0``), so ``E[J Jᵀ] = I_d2 ⊗ d1 (K∞ + ω2² XᵀX ⊙ K'∞)``.

ReLU (a kink, algebraically decaying c_t) uses the arc-cosine closed forms
``K∞ = ω1² (√(1−ρ²) + ρ(π − arccos ρ))/(2π)`` and ``K'∞ = (π − arccos ρ)/(2π)``.
Smooth activations use the series, truncated at the first order T whose remainder
``E[f(ω1 g)²] − Σ_{t≤T} c_t²/t!`` is below ``1e-15 E[f²]``; the remainder matrix is
PSD with entries at most that remainder, so ``‖K∞ − K_T‖₂ ≤ n · remainder``
(``truncation_bound``).  Coefficients come from Gauss–Hermite quadrature with the
normalised recurrence ``h_{t+1} = (x h_t − √t h_{t−1})/√(t+1)``, ``h_t = He_t/√t!``,
so no factorial or large polynomial value is ever formed.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.polynomial import hermite_e

from opcheck.errors import InputError
from opcheck.model.activations import Activation

Array = np.ndarray
NODES = 240
MAX_ORDER = 120
REL_REMAINDER = 1e-15
UNIT_NORM_TOL = 1e-8


@dataclass(frozen=True)
class LimitKernel:
    """An n × n infinite-width kernel with how it was computed."""

    K: Array
    method: str  # "Mehler series to order T" | "arc-cosine closed form"
    order: int | None
    truncation_bound: float  # bound on ‖K_exact − K‖₂ (0 for closed forms)


@functools.lru_cache(maxsize=2)
def _nodes(count: int) -> tuple[Array, Array]:
    x, w = hermite_e.hermegauss(count)  # ~1 s at 240 nodes: computed once per process
    w = w / math.sqrt(2.0 * math.pi)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def normalized_hermite_coefficients(f: Callable[[Array], Array], scale: float, max_order: int = MAX_ORDER) -> tuple[Array, float]:
    """``a_t = c_t/√t! = E[f(s g) He_t(g)]/√t!`` for t = 0..max_order, and ``E[f(s g)²]``.

    Mehler's weights are ``a_t²``; ``Σ_t a_t² = E[f(s g)²]`` (Parseval).
    """
    x, w = _nodes(NODES)
    fx = np.asarray(f(scale * x), dtype=np.float64)
    out = np.empty(max_order + 1)
    h_prev, h = np.zeros_like(x), np.ones_like(x)
    for t in range(max_order + 1):
        out[t] = float(np.sum(w * fx * h))
        h_prev, h = h, (x * h - math.sqrt(t) * h_prev) / math.sqrt(t + 1)
    return out, float(np.sum(w * fx * fx))


def _series(rho: Array, f: Callable[[Array], Array], scale: float) -> LimitKernel:
    a, second = normalized_hermite_coefficients(f, scale)
    weights = a * a
    partial = np.cumsum(weights)
    remainder = second - partial
    ok = np.nonzero(remainder <= REL_REMAINDER * second)[0]
    order = int(ok[0]) if ok.size else MAX_ORDER
    tail = max(float(remainder[order]), 0.0)
    K = np.full_like(rho, weights[order])
    for t in range(order - 1, -1, -1):  # Horner in the entrywise power ρ^{∘t}
        K *= rho
        K += weights[t]
    return LimitKernel(K, f"Mehler series to order {order}", order, rho.shape[0] * tail)


def correlations(X: Array) -> Array:
    """``ρ = XᵀX`` for unit-norm columns (d0 × n); other data are an InputError."""
    norms = np.linalg.norm(X, axis=0)
    if norms.size and float(np.max(np.abs(norms - 1.0))) > UNIT_NORM_TOL:
        raise InputError("the infinite-width kernel needs unit-norm samples (Assumption 2); normalise the data first")
    rho = X.T @ X
    np.clip(rho, -1.0, 1.0, out=rho)
    np.fill_diagonal(rho, 1.0)
    return rho


def _arccos_parts(rho: Array) -> tuple[Array, Array]:
    theta = np.arccos(rho)
    return theta, np.sqrt(np.clip(1.0 - rho * rho, 0.0, None))


def _smooth(act: Activation) -> bool:
    if act.name == "relu":
        return False
    if act.kinks:
        raise InputError(f"no infinite-width kernel for activation '{act.name}' (a kink other than ReLU's)")
    return True


def feature_kernel(X: Array, act: Activation, omega1: float) -> LimitKernel:
    """``K∞_ij = E_{w~N(0, ω1² I)}[φ(wᵀx_i) φ(wᵀx_j)]`` (Mehler; arc-cosine for ReLU)."""
    rho = correlations(X)
    if _smooth(act):
        return _series(rho, act.phi, omega1)
    theta, s = _arccos_parts(rho)
    return LimitKernel(omega1**2 * (s + rho * (math.pi - theta)) / (2.0 * math.pi), "arc-cosine closed form (order 1)", None, 0.0)


def derivative_kernel(X: Array, act: Activation, omega1: float) -> LimitKernel:
    """``K'∞_ij = E[φ'(wᵀx_i) φ'(wᵀx_j)]`` (Mehler on φ'; arc-cosine of order 0 for ReLU)."""
    rho = correlations(X)
    if _smooth(act):
        return _series(rho, act.dphi, omega1)
    theta, _ = _arccos_parts(rho)
    return LimitKernel((math.pi - theta) / (2.0 * math.pi), "arc-cosine closed form (order 0)", None, 0.0)


def expected_ntk(X: Array, act: Activation, omega1: float, omega2: float, d1: int,
                 features: LimitKernel | None = None, derivative: LimitKernel | None = None) -> Array:
    """One diagonal block of ``E[J Jᵀ] = I_d2 ⊗ d1 (K∞ + ω2² XᵀX ⊙ K'∞)`` at width d1 [derived]."""
    Kf = (features or feature_kernel(X, act, omega1)).K
    Kd = (derivative or derivative_kernel(X, act, omega1)).K
    return d1 * (Kf + omega2**2 * correlations(X) * Kd)


def extreme_eigenvalues(K: Array) -> tuple[float, float]:
    """``(λ_min, λ_max)`` of a symmetric kernel matrix (dense LAPACK)."""
    from scipy.linalg import eigvalsh

    ev = eigvalsh(K, check_finite=False)
    return float(ev[0]), float(ev[-1])
