"""Concentration thresholds: the width at which the random-features Gram reaches half its limit.

For one dataset (unit-norm X, d0 × n) and init scale ω1 [derived, docs/theory.md]:

* **features** (V-block): the smallest d1 with ``λ_min(ΦᵀΦ) ≥ ½ d1 λ_min(K∞)``,
  ``Φ = φ(W0 X)``, ``E[ΦᵀΦ] = d1 K∞`` (:mod:`opcheck.model.limit_kernel`);
* **ntk** (full empirical NTK, d2 = 1): the smallest d1 with
  ``λ_min(J Jᵀ) ≥ ½ λ_min(E[J Jᵀ])``, ``E[J Jᵀ] = d1 (K∞ + ω2² XᵀX ⊙ K'∞)``.

Nested widths: the rows of W0 (and the standard normals ``z`` with ``V0 = ω2 z``)
are drawn in blocks of :data:`BLOCK` rows, block b from its own seeded stream
``(seed, replicate, b)``, so the network of width d1 is a prefix of every wider
one.  The Grams are then running sums over neurons — ``ΦᵀΦ = Σ_j a_j a_jᵀ`` and
``Σ_j z_j² b_j b_jᵀ`` — and each bisection step adds only the new rows.  Each
step's test is a Cholesky factorisation of ``G − τ I`` (it exists iff
``λ_min(G) > τ``): a third of the flops of an eigenvalue solve.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError, blas, cholesky

from opcheck.model.activations import get_activation
from opcheck.model.limit_kernel import derivative_kernel, extreme_eigenvalues, feature_kernel
from opcheck.report.bisection import Search, search

BLOCK = 64
STREAM = 9  # seed-sequence purpose id of the threshold init streams (seeding ids 1..8 are taken)


def init_rows(seed: int, replicate: int, start: int, stop: int, d0: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``start:stop`` of the standard-normal W (stop × d0) and z (stop) of one replicate."""
    ws, zs = [], []
    for b in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        g = np.random.default_rng(np.random.SeedSequence([int(seed), STREAM, int(replicate), b]))
        ws.append(g.standard_normal((BLOCK, d0)))
        zs.append(g.standard_normal(BLOCK))
    off = (start // BLOCK) * BLOCK
    return np.concatenate(ws)[start - off: stop - off], np.concatenate(zs)[start - off: stop - off]


def _syrk_add(G: np.ndarray, F: np.ndarray) -> None:
    """``G += FᵀF`` (upper triangle via dsyrk, then mirrored)."""
    U = blas.dsyrk(1.0, np.asfortranarray(F), trans=1, lower=0)
    G += np.triu(U) + np.triu(U, 1).T


def _exceeds(G: np.ndarray, tau: float) -> bool:
    """``λ_min(G) > tau`` by attempting a Cholesky factorisation of ``G − tau I``."""
    M = G - tau * np.eye(G.shape[0])
    try:
        cholesky(M, lower=False, check_finite=False, overwrite_a=True)
        return True
    except LinAlgError:
        return False


@dataclass(frozen=True)
class KernelFacts:
    """``λ_min``, ``λ_max`` and how K∞ was computed (the data's λ0 and condition number)."""

    lambda_min: float
    lambda_max: float
    method: str
    truncation_bound: float

    @property
    def condition(self) -> float:
        return self.lambda_max / self.lambda_min if self.lambda_min > 0 else math.inf

    def as_dict(self) -> dict:
        return {"lambda_min": self.lambda_min, "lambda_max": self.lambda_max, "condition": self.condition,
                "method": self.method, "truncation_bound": self.truncation_bound}


class NestedNetwork:
    """Running Grams of a network whose width only grows (see module docstring)."""

    def __init__(self, X: np.ndarray, activation: str, omega1: float, seed: int, replicate: int, ntk: bool):
        self.X, self.act, self.omega1 = X, get_activation(activation), omega1
        self.seed, self.replicate, self.ntk = seed, replicate, ntk
        n = X.shape[1]
        self.width = 0
        self.GA = np.zeros((n, n))
        self.GB = np.zeros((n, n)) if ntk else None

    def increment(self, d1: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The Grams at width ``d1 > self.width`` (not committed)."""
        W, z = init_rows(self.seed, self.replicate, self.width, d1, self.X.shape[0])
        pre = (self.omega1 * W) @ self.X
        A, B = self.act.phi_and_dphi(pre) if self.ntk else (self.act.phi(pre), None)
        GA = self.GA.copy()
        _syrk_add(GA, A)
        GB = None
        if self.ntk:
            GB = self.GB.copy()
            _syrk_add(GB, B * z[:, None])
        return GA, GB

    def commit(self, d1: int, grams: tuple[np.ndarray, np.ndarray | None]) -> None:
        self.width, (self.GA, self.GB) = d1, grams


def features_search(X: np.ndarray, activation: str, omega1: float, lam_min: float, seed: int, replicate: int,
                    start: int, cap: int, rel_tol: float) -> Search:
    """Bisection for ``λ_min(ΦᵀΦ) ≥ ½ d1 λ_min(K∞)`` on one replicate's nested network."""
    net = NestedNetwork(X, activation, omega1, seed, replicate, ntk=False)

    def holds(d1: int) -> bool:
        grams = net.increment(d1)
        ok = _exceeds(grams[0], 0.5 * d1 * lam_min)
        if not ok:
            net.commit(d1, grams)
        return ok

    return search(holds, start, cap, rel_tol)


def ntk_search(X: np.ndarray, activation: str, omega1: float, omega2_of, kernels: tuple[np.ndarray, np.ndarray],
               seed: int, replicate: int, start: int, cap: int, rel_tol: float) -> Search:
    """Bisection for ``λ_min(J Jᵀ) ≥ ½ λ_min(E[J Jᵀ])`` (d2 = 1; ``omega2_of(d1)`` is the init's ω2)."""
    net = NestedNetwork(X, activation, omega1, seed, replicate, ntk=True)
    Kf, KdX = kernels  # K∞ and XᵀX ⊙ K'∞
    K = X.T @ X

    def holds(d1: int) -> bool:
        w2 = omega2_of(d1)
        GA, GB = net.increment(d1)
        lam = extreme_eigenvalues(d1 * (Kf + w2 * w2 * KdX))[0]
        G = GA + (w2 * w2) * K * GB
        ok = _exceeds(G, 0.5 * lam)
        if not ok:
            net.commit(d1, (GA, GB))
        return ok

    return search(holds, start, cap, rel_tol)


def kernels(X: np.ndarray, activation: str, omega1: float, ntk: bool):
    """``K∞`` (with its facts) and, for the NTK criterion, ``XᵀX ⊙ K'∞``."""
    act = get_activation(activation)
    kf = feature_kernel(X, act, omega1)
    lo, hi = extreme_eigenvalues(kf.K)
    facts = KernelFacts(lo, hi, kf.method, kf.truncation_bound)
    kdx = (X.T @ X) * derivative_kernel(X, act, omega1).K if ntk else None
    return kf.K, kdx, facts
