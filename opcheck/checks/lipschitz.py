"""Empirical lower estimate of the Lipschitz constant of the Jacobian (Def. 2).

Φ is β-smooth if ``‖J(Θ) − J(Θ')‖_op ≤ β ‖Θ − Θ'‖`` (Def. 2); Lemma 3 bounds β on
ball(Θ0, ρ) by ``β_Φ = √2 σ_max(X)(φ̇_max + φ̈_max χ_max)``.  Every pair of points
gives a *lower* bound on the best β:

    β ≥ L(Θ, Θ') = σ_max(J(Θ) − J(Θ')) / ‖Θ − Θ'‖ ,

and :func:`jacobian_lipschitz_lower` reports the largest ratio over sampled pairs in
ball(Θ0, ρ) and along given gradient-descent iterates.  If it ever exceeds β_Φ
for a pair inside the ball, Lemma 3's bound (or this code) is wrong.

``D = J(Θ) − J(Θ')`` is not a network Jacobian, so it has no structured Gram of
its own; its spectral norm is computed matrix-free: Lanczos on ``D Dᵀ`` (size
d2·n) or ``Dᵀ D`` (size p), whichever is smaller, with
``D v = jvp(Θ, v) − jvp(Θ', v)`` and ``Dᵀ u = vjp(Θ, u) − vjp(Θ', u)``
(:mod:`opcheck.linalg.jacobian`).  A Lanczos Ritz value never exceeds the top
eigenvalue, so even an unconverged run still gives a valid lower bound.

Pairs (all seeded by ``seeding.rng(seed, 'lipschitz')``):

* ``sphere`` — two independent uniformly random points on the sphere of radius ρ
  around Θ0;
* ``neuron`` — ``Θ0 ± ρ δ`` with δ supported on one hidden unit j (row j of W and
  column j of V): the coherent directions where φ'' acts on one neuron only;
  half of them put the W-part along the top left singular vector of X (which
  maximises ‖δwᵀ X‖);
* ``path`` — consecutive given iterates and (Θ0, iterate); their in-ball status is
  recorded, since β_Φ only speaks about the ball.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from opcheck._runtime import seeding
from opcheck.model.activations import Activation
from opcheck.linalg.spectra import extreme_eigenpair
from opcheck.linalg.jacobian import jvp, vjp
from opcheck.model.network import Params

KINDS = ("sphere", "neuron", "path")


@dataclass(frozen=True)
class DifferenceNorm:
    """``σ_max(J(Θ) − J(Θ'))`` with solver health."""

    sigma_max: float
    products: int  # applications of D Dᵀ or Dᵀ D
    residual: float  # of the eigenpair of D Dᵀ (or Dᵀ D)
    converged: bool
    side: str  # "D D^T" | "D^T D"


def jacobian_difference_norm(p1: Params, p2: Params, X: np.ndarray, act: Activation, seed: int = 0, tol: float = 1e-8, max_products: int = 2000, ncv: int = 30) -> DifferenceNorm:
    """``‖J(Θ1) − J(Θ2)‖_op`` by Lanczos on the smaller Gram of the difference, never forming J.

    ARPACK applies the operator at least ``ncv`` times; the Ritz value is a lower
    bound of σ_max² at any tolerance.
    """
    d1, d0 = p1.W.shape
    d2, n = p1.V.shape[0], X.shape[1]
    P1, P2 = p1.W @ X, p2.W @ X
    A1, B1, A2, B2 = act.phi(P1), act.dphi(P1), act.phi(P2), act.dphi(P2)
    del P1, P2
    V1, V2 = p1.V, p2.V
    sw, p = d1 * d0, d1 * (d0 + d2)

    def d_times(dW: np.ndarray, dV: np.ndarray) -> np.ndarray:
        return jvp(V1, A1, B1, X, dW, dV) - jvp(V2, A2, B2, X, dW, dV)

    def dt_times(U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g1, g2 = vjp(V1, A1, B1, X, U), vjp(V2, A2, B2, X, U)
        return g1.W - g2.W, g1.V - g2.V

    rng = seeding.rng(seed, "lipschitz")
    if d2 * n <= p:
        side, N = "D D^T", d2 * n

        def gram(u: np.ndarray) -> np.ndarray:
            gW, gV = dt_times(u.reshape(d2, n))
            return d_times(gW, gV).ravel()

    else:
        side, N = "D^T D", p

        def gram(x: np.ndarray) -> np.ndarray:
            gW, gV = dt_times(d_times(x[:sw].reshape(d1, d0), x[sw:].reshape(d2, d1)))
            return np.concatenate([gW.ravel(), gV.ravel()])

    pair = extreme_eigenpair(gram, N, rng.standard_normal(N), tol=tol, max_products=max_products, ncv=ncv)
    lam = pair.value if math.isfinite(pair.value) else 0.0
    return DifferenceNorm(math.sqrt(max(lam, 0.0)), pair.products, pair.residual, pair.converged, side)


@dataclass(frozen=True)
class LipschitzEstimate:
    """The largest measured ``σ_max(J(Θ) − J(Θ'))/‖Θ − Θ'‖`` and where it came from."""

    value: float  # max over pairs with both points in ball(Θ0, ρ) — comparable with β_Φ
    value_all: float  # max over all pairs, path pairs outside the ball included
    best_kind: str
    best_distance: float  # ‖Θ − Θ'‖ of the maximising pair
    by_kind: dict  # kind -> {"pairs", "max_ratio", "in_ball_pairs"}
    pairs: int
    products: int
    all_converged: bool
    rho: float

    def as_dict(self) -> dict:
        return {
            "value": self.value,
            "value_all": self.value_all,
            "best_kind": self.best_kind,
            "best_distance": self.best_distance,
            "by_kind": self.by_kind,
            "pairs": self.pairs,
            "products": self.products,
            "all_converged": self.all_converged,
            "rho": self.rho,
            "note": "lower estimate: max over pairs of sigma_max(J(Theta)-J(Theta'))/||Theta-Theta'||; "
            "value uses pairs inside ball(Theta0, rho) only",
        }


def _sphere_point(rng: np.random.Generator, p0: Params, radius: float) -> Params:
    dW = rng.standard_normal(p0.W.shape)
    dV = rng.standard_normal(p0.V.shape)
    s = radius / math.sqrt(float(np.vdot(dW, dW) + np.vdot(dV, dV)))
    return Params(p0.W + s * dW, p0.V + s * dV)


def _neuron_direction(rng: np.random.Generator, p0: Params, top_x: np.ndarray | None) -> Params:
    d1, d0 = p0.W.shape
    j = int(rng.integers(d1))
    w = top_x * rng.choice([-1.0, 1.0]) if top_x is not None else rng.standard_normal(d0)
    v = rng.standard_normal(p0.V.shape[0])
    angle = rng.uniform(0.0, 0.5 * math.pi)
    dW = np.zeros_like(p0.W)
    dV = np.zeros_like(p0.V)
    dW[j] = math.cos(angle) * w / np.linalg.norm(w)
    dV[:, j] = math.sin(angle) * v / np.linalg.norm(v)
    return Params(dW, dV)


def _distance(a: Params, b: Params) -> float:
    return math.sqrt(float(np.vdot(a.W - b.W, a.W - b.W) + np.vdot(a.V - b.V, a.V - b.V)))


def jacobian_lipschitz_lower(
    params0: Params,
    X: np.ndarray,
    act: Activation,
    rho: float,
    *,
    seed: int = 0,
    sphere_pairs: int = 4,
    neuron_pairs: int = 4,
    path: Sequence[Params] = (),
    tol: float = 1e-6,
    max_products: int = 600,
    ncv: int = 12,
) -> LipschitzEstimate:
    """Largest ``‖J(Θ) − J(Θ')‖_op / ‖Θ − Θ'‖`` over sampled pairs in ball(Θ0, ρ) and along ``path``.

    With ``rho <= 0`` only path pairs are measured (and none counts as in the ball
    unless it coincides with Θ0, which gives no pair).  Each pair costs about
    ``ncv`` to a few times ``ncv`` products with ``D Dᵀ`` (two jvp and two vjp);
    the loose default ``tol`` keeps it cheap and the value a valid lower bound.
    """
    rng = seeding.rng(seed, "lipschitz")
    pairs: list[tuple[str, Params, Params]] = []
    if rho > 0 and math.isfinite(rho):
        for _ in range(sphere_pairs):
            pairs.append(("sphere", _sphere_point(rng, params0, rho), _sphere_point(rng, params0, rho)))
        top_x = np.linalg.svd(X, full_matrices=False)[0][:, 0] if neuron_pairs else None
        for i in range(neuron_pairs):
            d = _neuron_direction(rng, params0, top_x if i % 2 == 0 else None)
            pairs.append(("neuron", Params(params0.W - rho * d.W, params0.V - rho * d.V), Params(params0.W + rho * d.W, params0.V + rho * d.V)))
    pts = list(path)
    for a, b in zip(pts[:-1], pts[1:]):
        pairs.append(("path", a, b))
    for b in pts:
        pairs.append(("path", params0, b))

    by_kind = {k: {"pairs": 0, "in_ball_pairs": 0, "max_ratio": 0.0} for k in KINDS}
    best, best_all, best_kind, best_dist = 0.0, 0.0, "", 0.0
    products, all_conv, counted = 0, True, 0
    slack = 1e-12 * max(rho, 1e-300)
    for i, (kind, a, b) in enumerate(pairs):
        dist = _distance(a, b)
        if dist == 0.0:
            continue
        dn = jacobian_difference_norm(a, b, X, act, seed=seed + i, tol=tol, max_products=max_products, ncv=ncv)
        ratio = dn.sigma_max / dist
        products += dn.products
        all_conv &= dn.converged
        counted += 1
        in_ball = rho > 0 and _distance(a, params0) <= rho + slack and _distance(b, params0) <= rho + slack
        rec = by_kind[kind]
        rec["pairs"] += 1
        rec["in_ball_pairs"] += int(in_ball)
        rec["max_ratio"] = max(rec["max_ratio"], ratio)
        best_all = max(best_all, ratio)
        if in_ball and ratio > best:
            best, best_kind, best_dist = ratio, kind, dist
    return LipschitzEstimate(best, best_all, best_kind, best_dist, by_kind, counted, products, all_conv, rho)
