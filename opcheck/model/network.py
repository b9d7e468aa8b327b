"""The shallow network ``x ↦ V φ(W x)`` of eq. (15) and its initialisation (17).

Shapes follow the paper: ``X`` is d0 × n (one sample per column), ``W`` is
d1 × d0, ``V`` is d2 × d1, the output ``Φ(Θ) = V φ(W X)`` is d2 × n.  There is no
bias and no 1/√d1 factor.  The loss (16) is ``h(Θ) = ‖V φ(W X) − Y‖_F²`` (no ½,
no 1/n).

Initialisation (17): ``W0 ~ N(0, ω1²)``, ``V0 ~ N(0, ω2²)`` entrywise, with the
schemes of theory.md §1 — LeCun (ω1 = 1/√d0, ω2 = 1/√d1), He (√(2/d0), √(2/d1))
[paper], Xavier (√(2/(d0+d1)), √(2/(d1+d2))) [derived] — or explicit ω1, ω2.
Condition (19) is reported through ``κ_init = ω1 ω2 √(d0 d1)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from opcheck.model.activations import Activation
from opcheck._runtime import validation
from opcheck.errors import InputError

SCHEMES = ("lecun", "he", "xavier")


@dataclass(frozen=True)
class InitScales:
    """ω1, ω2 of (17) with where they came from."""

    scheme: str  # lecun | he | xavier | custom
    omega1: float
    omega2: float
    source: str  # "paper" | "derived" | "user"

    def kappa(self, d0: int, d1: int) -> float:
        """``κ_init = ω1 ω2 √(d0 d1)``; (19) asks ``κ_init ≲ 1`` [paper]."""
        return self.omega1 * self.omega2 * math.sqrt(d0 * d1)


def init_scales(scheme: str | None, d0: int, d1: int, d2: int, omega1: float | None = None, omega2: float | None = None) -> InitScales:
    """Resolve ``--init`` / ``--omega1`` / ``--omega2`` into :class:`InitScales`.

    Explicit ω's override the scheme one by one; giving only one of them keeps the
    scheme's value for the other (the source then says "user").
    """
    name = (scheme or "lecun").strip().lower()
    if name == "lecun":
        w1, w2, src = 1.0 / math.sqrt(d0), 1.0 / math.sqrt(d1), "paper"
    elif name == "he":
        w1, w2, src = math.sqrt(2.0 / d0), math.sqrt(2.0 / d1), "paper"
    elif name == "xavier":
        w1, w2, src = math.sqrt(2.0 / (d0 + d1)), math.sqrt(2.0 / (d1 + d2)), "derived"
    else:
        raise InputError(f"unknown init '{scheme}'; choose one of: {', '.join(SCHEMES)} (or give --omega1/--omega2)")
    for value, flag in ((omega1, "--omega1"), (omega2, "--omega2")):
        validation.magnitude(value, flag, *validation.SCALE_RANGE, " (a standard deviation of the initial weights)")
    if omega1 is not None or omega2 is not None:
        return InitScales("custom" if (omega1 is not None and omega2 is not None) else f"{name}+custom", omega1 or w1, omega2 or w2, "user")
    return InitScales(name, w1, w2, src)


@dataclass(frozen=True)
class Params:
    """Θ = (W, V): W is d1 × d0, V is d2 × d1 (float64)."""

    W: np.ndarray
    V: np.ndarray

    @property
    def d1(self) -> int:
        return self.W.shape[0]

    def flat(self) -> np.ndarray:
        """``vec(Θ)`` = [vec(W), vec(V)] in C order (the Jacobian's column order)."""
        return np.concatenate([self.W.ravel(), self.V.ravel()])

    @staticmethod
    def unflat(theta: np.ndarray, d0: int, d1: int, d2: int) -> "Params":
        return Params(theta[: d1 * d0].reshape(d1, d0), theta[d1 * d0 :].reshape(d2, d1))


def sample_params(scales: InitScales, d0: int, d1: int, d2: int, rng: np.random.Generator) -> Params:
    """Draw Θ0 per (17): W0 first, then V0, from one generator."""
    W = scales.omega1 * rng.standard_normal((d1, d0))
    V = scales.omega2 * rng.standard_normal((d2, d1))
    return Params(W, V)


@dataclass(frozen=True)
class Forward:
    """One forward pass: ``A = φ(W X)``, ``B = φ'(W X)``, output ``Z = V A``."""

    A: np.ndarray  # d1 × n
    B: np.ndarray  # d1 × n
    Z: np.ndarray  # d2 × n


def forward(params: Params, X: np.ndarray, act: Activation, with_derivative: bool = True) -> Forward:
    """Evaluate eq. (15) on the columns of X (and φ' for the Jacobian)."""
    pre = params.W @ X
    if with_derivative:
        A, B = act.phi_and_dphi(pre)
    else:
        A, B = act.phi(pre), np.empty((0, 0))
    return Forward(A, B, params.V @ A)


def loss(params: Params, X: np.ndarray, Y: np.ndarray, act: Activation) -> float:
    """``h(Θ) = ‖V φ(W X) − Y‖_F²`` — eq. (16)."""
    R = params.V @ act.phi(params.W @ X) - Y
    return float(np.vdot(R, R))
