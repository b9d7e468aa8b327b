"""Activations φ with the constants the theorem needs (theory.md §2).

Each :class:`Activation` carries φ, φ', φ'' (vectorised numpy), the sup constants
``φ̇_max = sup|φ'|`` and ``φ̈_max = sup|φ''|`` (closed form where one exists, else a
documented numeric sup on a fine grid refined by bounded scalar optimisation), and
the facts needed for the per-bullet check of Assumption 2:

* φ(0) = 0,
* φ twice differentiable,
* φ̇_max < ∞ and φ̈_max < ∞,
* finite Hermite norm — reported as ``Σ c_i²/i! = E[φ(g)²]`` [derived], because
  the paper's ``√(Σ c_i²)`` with probabilists' He_i diverges for GELU.

"φ not odd" is *not* a bullet of Assumption 2: it is the condition of the
lazy-training analysis (§6 / Appendix E), reported apart by
:meth:`Activation.lazy_training_condition` (the paper states that tanh, which is
odd, satisfies Assumption 2).

Hermite coefficients ``c_i(s) = E[φ(s g) He_i(g)]``, g ~ N(0, 1), are computed by
Gauss–Hermite quadrature (probabilists' weight e^{-x²/2}); for an activation with a
kink (ReLU) the integral is split at the kink and done by adaptive quadrature,
since Gauss–Hermite converges only algebraically there.  ``s = 1`` is the paper's
literal statement; ``s = ω1`` is the scale of the pre-activations ``W0 x`` for a
unit-norm x [derived] — theory.md's scale caveat.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from numpy.polynomial import hermite_e
from scipy import special  # ndtr, expit: evaluated on every forward pass

from opcheck._runtime import threads
from opcheck.errors import InputError

Array = np.ndarray

_SQRT2PI = math.sqrt(2.0 * math.pi)
_QUAD_NODES = 160
#: Hermite coefficients below this (relative) are quadrature noise and reported as exactly 0
ZERO_COEFF = 1e-13


@dataclass(frozen=True)
class SupConstant:
    """A sup constant with its provenance: ``'closed form'`` or ``'numeric'``."""

    value: float
    where: str  # argmax description, e.g. "x = √2"
    method: str  # "closed form" | "numeric (grid + bounded Brent)" | "distributional"


@dataclass(frozen=True)
class AssumptionBullet:
    """One bullet of Assumption 2 for one activation."""

    name: str
    holds: bool
    detail: str


@dataclass(frozen=True)
class Activation:
    """An activation function and its analytic derivatives."""

    name: str
    formula: str
    phi: Callable[[Array], Array]
    dphi: Callable[[Array], Array]
    ddphi: Callable[[Array], Array]
    dphi_max: SupConstant
    ddphi_max: SupConstant
    twice_differentiable: bool
    odd: bool
    kinks: tuple[float, ...] = field(default=())
    fused: Callable[[Array], tuple[Array, Array]] | None = None  # (φ, φ') sharing work

    def phi_and_dphi(self, x: Array) -> tuple[Array, Array]:
        """``(φ(x), φ'(x))`` — one pass where the activation shares work between them."""
        if self.fused is not None:
            return self.fused(x)
        return self.phi(x), self.dphi(x)

    # ----------------------------------------------------------------- Hermite
    def hermite_coefficients(self, max_order: int, scale: float = 1.0) -> Array:
        """``c_i(s) = E[φ(s g) He_i(g)]`` for i = 0..max_order (theory.md §2)."""
        if max_order < 0:
            raise InputError(f"Hermite order must be >= 0, got {max_order}")
        if not (scale > 0 and math.isfinite(scale)):
            raise InputError(f"Hermite scale must be a positive number, got {scale}")
        if self.kinks:
            c = self._hermite_split(max_order, scale)
        else:
            x, w, he = _gauss_hermite(max_order)
            f = w * self.phi(scale * x)
            c = he[: max_order + 1] @ f
        # quadrature round-off: coefficients that vanish by symmetry come out ~1e-16
        c[np.abs(c) < ZERO_COEFF * max(1.0, float(np.max(np.abs(c))))] = 0.0
        return c

    def _hermite_split(self, max_order: int, scale: float) -> Array:
        out = np.empty(max_order + 1)
        breaks = sorted(k / scale for k in self.kinks)
        edges = [-np.inf, *breaks, np.inf]
        for i in range(max_order + 1):
            he = _unit(i)

            def integrand(g: float) -> float:
                return float(self.phi(np.array(scale * g)) * hermite_e.hermeval(g, he)) * math.exp(-0.5 * g * g) / _SQRT2PI

            out[i] = sum(_quad(integrand, a, b, epsabs=1e-13, epsrel=1e-12, limit=200)[0] for a, b in zip(edges[:-1], edges[1:]))
        return out

    def second_moment(self, scale: float = 1.0) -> float:
        """``E[φ(s g)²] = Σ_i c_i(s)²/i!`` — the finite Hermite norm² [derived]."""
        if self.kinks:
            val = 0.0
            edges = [-np.inf, *sorted(k / scale for k in self.kinks), np.inf]
            for a, b in zip(edges[:-1], edges[1:]):
                val += _quad(lambda g: float(self.phi(np.array(scale * g))) ** 2 * math.exp(-0.5 * g * g) / _SQRT2PI, a, b, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
            return val
        x, w, _ = _gauss_hermite(0)
        return float(np.sum(w * self.phi(scale * x) ** 2))

    # -------------------------------------------------------------- Assumption 2
    def lazy_training_condition(self) -> AssumptionBullet:
        """§6 / Appendix E's condition "φ not odd" (lazy-training analysis; not part of Assumption 2)."""
        return AssumptionBullet("not odd (Section 6 / App. E, lazy training)", not self.odd, "odd: phi(-x) = -phi(x)" if self.odd else "not odd")

    def assumption_bullets(self) -> tuple[AssumptionBullet, ...]:
        """Per-bullet check of Assumption 2 — never a blanket pass (theory.md §2)."""
        phi0 = float(self.phi(np.array(0.0)))
        norm2 = self.second_moment(1.0)
        return (
            AssumptionBullet("phi(0) = 0", abs(phi0) < 1e-15, f"phi(0) = {phi0:.6g}"),
            AssumptionBullet(
                "twice differentiable",
                self.twice_differentiable,
                "yes" if self.twice_differentiable else f"no: kink at x = {', '.join(f'{k:g}' for k in self.kinks)}",
            ),
            AssumptionBullet(
                "bounded phi'",
                math.isfinite(self.dphi_max.value),
                f"sup|phi'| = {self.dphi_max.value:.6g} ({self.dphi_max.method})",
            ),
            AssumptionBullet(
                "bounded phi''",
                math.isfinite(self.ddphi_max.value),
                f"sup|phi''| = {self.ddphi_max.value:.6g} ({self.ddphi_max.method})",
            ),
            AssumptionBullet(
                "finite Hermite norm",
                math.isfinite(norm2),
                f"sum c_i^2/i! = E[phi(g)^2] = {norm2:.6g} [derived normalisation]",
            ),
        )


def _quad(*args, **kwargs):
    """``scipy.integrate.quad``, imported on first use (only kinked activations need it)."""
    from scipy import integrate

    return integrate.quad(*args, **kwargs)


@functools.lru_cache(maxsize=8)
def _gauss_hermite_cached(order: int) -> tuple[Array, Array, Array]:
    with threads.serial():  # an eigvalsh of order _QUAD_NODES: latency-bound
        x, w = hermite_e.hermegauss(_QUAD_NODES)
    he = np.stack([hermite_e.hermeval(x, _unit(i)) for i in range(order + 1)])
    for a in (x, w, he):
        a.setflags(write=False)
    return x, w / _SQRT2PI, he


def _gauss_hermite(max_order: int) -> tuple[Array, Array, Array]:
    """Nodes, normalised weights (sum 1) and He_0..He_k at the nodes, cached (k ≥ max_order)."""
    order = max(8, 1 << (max_order).bit_length())
    return _gauss_hermite_cached(order)


def _unit(i: int) -> Array:
    c = np.zeros(i + 1)
    c[i] = 1.0
    return c


def numeric_sup(f: Callable[[Array], Array], lo: float = -20.0, hi: float = 20.0) -> SupConstant:
    """``sup |f|`` on [lo, hi]: a 400 001-point grid, then bounded Brent around the best point.

    Used only where no closed form is known; the result says so.
    """
    grid = np.linspace(lo, hi, 400_001)
    vals = np.abs(f(grid))
    k = int(np.argmax(vals))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    from scipy import optimize  # only numeric sups need it; kept off the start-up path

    res = optimize.minimize_scalar(lambda x: -abs(float(f(np.array(x)))), bounds=(a, b), method="bounded", options={"xatol": 1e-12})
    x = float(res.x) if -res.fun >= vals[k] else float(grid[k])
    return SupConstant(float(abs(f(np.array(x)))), f"x = {x:.6f}", "numeric (grid + bounded Brent)")


# --------------------------------------------------------------------- catalogue
def _normal_pdf(x: Array) -> Array:
    return np.exp(-0.5 * x * x) / _SQRT2PI


def _normal_cdf(x: Array) -> Array:
    return special.ndtr(x)


def _gelu_fused(x: Array) -> tuple[Array, Array]:
    """``(x Φ(x), Φ(x) + x ϕ(x))`` in one pass over cache-sized row blocks, split over threads.

    ``ndtr`` dominates (≈ 13 ns per entry); evaluating it once per block into the
    φ' buffer and deriving φ from it keeps every temporary in L2, and numpy/scipy
    ufuncs release the GIL, so row blocks run on all cores (``blocks.map``).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.size < FUSED_MIN_SIZE:
        cdf = _normal_cdf(x)
        return x * cdf, cdf + x * _normal_pdf(x)
    A = np.empty_like(x)
    B = np.empty_like(x)
    rows = max(1, FUSED_BLOCK_ELEMS // max(1, x.shape[1]))

    def block(i: int) -> None:
        xb, a, b = x[i : i + rows], A[i : i + rows], B[i : i + rows]
        special.ndtr(xb, out=b)  # b = Φ(x)
        np.multiply(xb, b, out=a)  # a = x Φ(x)
        t = np.multiply(xb, xb)
        t *= -0.5
        np.exp(t, out=t)
        t *= xb
        t *= 1.0 / _SQRT2PI  # x ϕ(x)
        b += t

    starts = range(0, x.shape[0], rows)
    workers = min(threads.elementwise_threads(), len(starts))
    if workers > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(block, starts))
    else:
        for i in starts:
            block(i)
    return A, B


FUSED_MIN_SIZE = 1 << 16  # below this the plain vectorised form is as fast
FUSED_BLOCK_ELEMS = 1 << 14  # 16 Ki doubles = 128 KB per temporary: stays in L2


def _gelu() -> Activation:
    return Activation(
        name="gelu",
        formula="x Φ(x)  (Φ the standard normal CDF)",
        phi=lambda x: x * _normal_cdf(x),
        dphi=lambda x: _normal_cdf(x) + x * _normal_pdf(x),
        ddphi=lambda x: _normal_pdf(x) * (2.0 - x * x),
        # φ'' = ϕ(x)(2 − x²) vanishes at x = ±√2, where φ' = Φ(√2) + √2 ϕ(√2).
        dphi_max=SupConstant(float(_normal_cdf(np.sqrt(2.0)) + np.sqrt(2.0) * _normal_pdf(np.sqrt(2.0))), "x = √2", "closed form"),
        # φ''' = −x ϕ(x)(4 − x²): |φ''| is 2ϕ(0) = √(2/π) at 0 and 2ϕ(2) at ±2.
        ddphi_max=SupConstant(math.sqrt(2.0 / math.pi), "x = 0", "closed form"),
        twice_differentiable=True,
        odd=False,
        fused=_gelu_fused,
    )


def _softplus() -> Activation:
    sig = special.expit
    return Activation(
        name="softplus",
        formula="log(1 + e^x)",
        phi=lambda x: np.logaddexp(0.0, x),
        dphi=lambda x: sig(x),
        ddphi=lambda x: sig(x) * (1.0 - sig(x)),
        dphi_max=SupConstant(1.0, "x → +∞ (not attained)", "closed form"),
        ddphi_max=SupConstant(0.25, "x = 0", "closed form"),
        twice_differentiable=True,
        odd=False,
    )


def _tanh() -> Activation:
    return Activation(
        name="tanh",
        formula="tanh(x)",
        phi=np.tanh,
        dphi=lambda x: 1.0 - np.tanh(x) ** 2,
        ddphi=lambda x: -2.0 * np.tanh(x) * (1.0 - np.tanh(x) ** 2),
        dphi_max=SupConstant(1.0, "x = 0", "closed form"),
        # |φ''| = 2u(1 − u²), u = tanh x, maximal at u = 1/√3: 4/(3√3).
        ddphi_max=SupConstant(4.0 / (3.0 * math.sqrt(3.0)), "tanh x = 1/√3", "closed form"),
        twice_differentiable=True,
        odd=True,
    )


def _sigmoid() -> Activation:
    sig = special.expit
    return Activation(
        name="sigmoid",
        formula="1 / (1 + e^{-x})",
        phi=sig,
        dphi=lambda x: sig(x) * (1.0 - sig(x)),
        ddphi=lambda x: sig(x) * (1.0 - sig(x)) * (1.0 - 2.0 * sig(x)),
        dphi_max=SupConstant(0.25, "x = 0", "closed form"),
        # |φ''| = s(1−s)|1−2s| is maximal at s = 1/2 ± 1/(2√3): 1/(6√3).
        ddphi_max=SupConstant(1.0 / (6.0 * math.sqrt(3.0)), "σ(x) = 1/2 ± 1/(2√3)", "closed form"),
        twice_differentiable=True,
        odd=False,
    )


def _silu() -> Activation:
    sig = special.expit

    def dphi(x: Array) -> Array:
        s = sig(x)
        return s + x * s * (1.0 - s)

    def ddphi(x: Array) -> Array:
        s = sig(x)
        return s * (1.0 - s) * (2.0 + x * (1.0 - 2.0 * s))

    return Activation(
        name="silu",
        formula="x σ(x)",
        phi=lambda x: x * sig(x),
        dphi=dphi,
        ddphi=ddphi,
        dphi_max=numeric_sup(dphi),
        ddphi_max=SupConstant(0.5, "x = 0", "closed form"),
        twice_differentiable=True,
        odd=False,
    )


def _relu() -> Activation:
    return Activation(
        name="relu",
        formula="max(x, 0)",
        phi=lambda x: np.maximum(x, 0.0),
        dphi=lambda x: (np.asarray(x) > 0).astype(float),
        ddphi=lambda x: np.zeros_like(np.asarray(x, dtype=float)),
        dphi_max=SupConstant(1.0, "x > 0", "closed form"),
        # φ'' is a Dirac mass at 0: no finite sup, so β_Φ of Lemma 3 is infinite.
        ddphi_max=SupConstant(math.inf, "x = 0 (Dirac mass)", "distributional"),
        twice_differentiable=False,
        odd=False,
        kinks=(0.0,),
    )


_FACTORIES: dict[str, Callable[[], Activation]] = {
    "gelu": _gelu,
    "softplus": _softplus,
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "silu": _silu,
    "relu": _relu,
}
_CACHE: dict[str, Activation] = {}

NAMES: tuple[str, ...] = tuple(_FACTORIES)


def get_activation(name: str) -> Activation:
    """Look an activation up by name (case-insensitive); unknown names are an InputError."""
    key = name.strip().lower()
    if key not in _FACTORIES:
        raise InputError(f"unknown activation '{name}'; choose one of: {', '.join(NAMES)}")
    if key not in _CACHE:
        _CACHE[key] = _FACTORIES[key]()
    return _CACHE[key]
