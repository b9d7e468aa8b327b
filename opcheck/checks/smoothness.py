"""Smoothness, measured: Hessian extremes of h and a Lipschitz lower estimate for J.

* ``hessian_max_eig``, ``hessian_min_eig``: the largest and the most negative
  eigenvalue of ``∇²h(Θ0)`` over all parameters (W and V), by Lanczos on exact
  Hessian-vector products (:mod:`opcheck.linalg.hessian_spectrum`) [measured].
* ``jacobian_lipschitz_lower``: the largest ``‖J(Θ) − J(Θ')‖_op / ‖Θ − Θ'‖`` over
  sampled pairs in ball(Θ0, ρ) and path pairs inside it (:mod:`opcheck.checks.lipschitz`)
  [measured] — a lower bound on the smallest valid β of Def. 2.
* ``beta_phi``: Lemma 3's upper bound, passed in by the caller [paper].

``lipschitz_exceeds_bound`` is True when the lower estimate is larger than β_Φ
(beyond a relative 1e-9 for rounding): a bug here or an error in the bound —
callers must report it loudly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from opcheck.model.activations import Activation
from opcheck.linalg.hessian_spectrum import HessianExtremes, hessian_extremes
from opcheck.checks.lipschitz import LipschitzEstimate, jacobian_lipschitz_lower
from opcheck.model.network import Params
from opcheck.checks.records import jsonable


@dataclass(frozen=True)
class SmoothnessResult:
    hessian_max_eig: float
    hessian_min_eig: float
    jacobian_lipschitz_lower: float
    beta_phi: float
    lipschitz_exceeds_bound: bool
    hessian: HessianExtremes
    lipschitz: LipschitzEstimate

    def as_dict(self) -> dict:
        return jsonable(
            {
                "hessian_max_eig": self.hessian_max_eig,
                "hessian_min_eig": self.hessian_min_eig,
                "jacobian_lipschitz_lower": self.jacobian_lipschitz_lower,
                "beta_phi": self.beta_phi,
                "lipschitz_exceeds_bound": self.lipschitz_exceeds_bound,
                "hessian": self.hessian.as_dict(),
                "lipschitz": self.lipschitz.as_dict(),
                "sources": {
                    "hessian_max_eig": "measured (Lanczos on exact Hessian-vector products at Theta0)",
                    "hessian_min_eig": "measured (Lanczos on lambda_max I - Hessian at Theta0)",
                    "jacobian_lipschitz_lower": "measured (max over sampled pairs in ball(Theta0, rho))",
                    "beta_phi": "paper (Lemma 3)",
                },
            }
        )


def measure_smoothness(
    X: np.ndarray,
    Y: np.ndarray,
    params0: Params,
    act: Activation,
    *,
    rho: float,
    beta_phi: float,
    seed: int = 0,
    path: Sequence[Params] = (),
    hessian: HessianExtremes | None = None,
    sphere_pairs: int = 4,
    neuron_pairs: int = 4,
    hessian_tol: float = 1e-8,
    hessian_max_products: int = 3000,
) -> SmoothnessResult:
    """Hessian extremes at Θ0 (unless ``hessian`` is given) and the Lipschitz lower estimate."""
    hx = hessian if hessian is not None else hessian_extremes(params0, X, Y, act, block="both", seed=seed, tol=hessian_tol, max_products=hessian_max_products)
    lip = jacobian_lipschitz_lower(params0, X, act, rho, seed=seed, sphere_pairs=sphere_pairs, neuron_pairs=neuron_pairs, path=path)
    exceeds = bool(math.isfinite(beta_phi) and lip.value > beta_phi * (1.0 + 1e-9))
    return SmoothnessResult(hx.lambda_max, hx.lambda_min, lip.value, beta_phi, exceeds, hx, lip)
