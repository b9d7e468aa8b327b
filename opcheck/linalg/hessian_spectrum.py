"""Extreme eigenvalues of the Hessian of h at Θ, by Lanczos on exact products.

The Hessian ``∇²h(Θ) = 2 JᵀJ + 2 Σ R_ka ∇²Φ_ka`` (:mod:`opcheck.linalg.loss_derivatives`) is
symmetric but indefinite away from a global minimum: the residual part has a
W–V cross block with a zero V–V block, so it has negative eigenvalues whenever
R ≠ 0.  It is never formed; scipy's ``eigsh`` (ARPACK implicitly restarted
Lanczos) runs on a :class:`~scipy.sparse.linalg.LinearOperator` of exact
Hessian-vector products.

* ``λ_max``: Lanczos, ``which='LA'``.
* ``λ_min`` (the most negative): Lanczos ``which='LA'`` on the shifted operator
  ``λ_max I − ∇²h``, whose top eigenvalue is ``λ_max − λ_min``.  The shift makes
  ARPACK's relative stopping rule ``‖r‖ ≤ tol·|θ|`` an absolute accuracy
  ``tol·(λ_max − λ_min)`` — the natural resolution — instead of demanding
  ``tol·|λ_min|`` when λ_min is tiny.

Every eigenvalue comes with its residual ``‖∇²h v − λ v‖`` (for a symmetric
operator and unit v, some eigenvalue lies within that distance of λ), the number
of Hessian-vector products and whether ARPACK converged.  A Lanczos Ritz value
never overshoots: an unconverged ``λ_max`` is a lower bound and an unconverged
``λ_min`` an upper bound of the true value.  Operators of size < ``LANCZOS_DENSE_BELOW``
are built column by column and solved by LAPACK (recorded as such); the Lanczos
routine is :func:`opcheck.linalg.spectra.extreme_eigenpair`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from opcheck._runtime import seeding
from opcheck.linalg.spectra import Eigenpair, extreme_eigenpair  # noqa: F401  (Eigenpair re-exported)
from opcheck.model.activations import Activation
from opcheck.linalg.loss_derivatives import HessianProducts
from opcheck.model.network import Params

EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class HessianExtremes:
    """``λ_max`` and ``λ_min`` of ``∇²h(Θ)`` (restricted to ``block``) with solver health."""

    lambda_max: float
    lambda_min: float
    block: str  # both | first | second
    size: int  # dimension of the (restricted) Hessian
    method: str
    products_max: int
    products_min: int
    residual_max: float
    residual_min: float
    converged_max: bool
    converged_min: bool
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "lambda_max": self.lambda_max,
            "lambda_min": self.lambda_min,
            "block": self.block,
            "size": self.size,
            "method": self.method,
            "products_max": self.products_max,
            "products_min": self.products_min,
            "residual_max": self.residual_max,
            "residual_min": self.residual_min,
            "converged_max": self.converged_max,
            "converged_min": self.converged_min,
            "note": self.note,
        }


def hessian_extremes(params: Params, X: np.ndarray, Y: np.ndarray, act: Activation, block: str = "both", seed: int = 0, tol: float = 1e-8, max_products: int = 3000, ncv: int = 30) -> HessianExtremes:
    """λ_max and the most negative λ_min of ``∇²h(Θ)`` (eq. 16) by matrix-free Lanczos.

    ``block`` = ``'both'`` (the paper: both layers), ``'first'`` (W only) or
    ``'second'`` (V only) restricts the Hessian to the trained parameters.
    """
    H = HessianProducts(params, X, Y, act, block)
    N = H.size
    v0 = seeding.rng(seed, "lanczos").standard_normal(N)
    top = extreme_eigenpair(H.matvec, N, v0, tol=tol, max_products=max_products, ncv=ncv)
    c = top.value
    low = extreme_eigenpair(lambda x: c * x - H.matvec(x), N, v0, tol=tol, max_products=max_products, ncv=ncv)
    lam_min = c - low.value
    notes = []
    if not top.converged:
        notes.append("lambda_max did not converge: the value is a Lanczos lower bound")
    if not low.converged:
        notes.append("lambda_min did not converge: the value is a Lanczos upper bound")
    return HessianExtremes(
        lambda_max=c,
        lambda_min=lam_min,
        block=block,
        size=N,
        method=f"{top.method}; lambda_min on the shifted operator lambda_max I - H",
        products_max=top.products,
        products_min=low.products,
        residual_max=top.residual,
        residual_min=low.residual,  # ‖(cI − H)v − θv‖ = ‖H v − λ_min v‖
        converged_max=top.converged,
        converged_min=low.converged,
        note="; ".join(notes),
    )


def hessian_lambda_max(params: Params, X: np.ndarray, Y: np.ndarray, act: Activation, block: str = "both", seed: int = 0, tol: float = 1e-6, max_products: int = 2000, ncv: int = 16) -> Eigenpair:
    """Only ``λ_max`` of ``∇²h(Θ)`` (restricted to ``block``): what the default step size needs.

    A loose ``tol`` is enough there: the Ritz value is within ``tol·λ_max`` below
    λ_max, so ``1/λ`` overshoots ``1/λ_max`` by that relative amount at most.
    """
    H = HessianProducts(params, X, Y, act, block)
    v0 = seeding.rng(seed, "lanczos").standard_normal(H.size)
    return extreme_eigenpair(H.matvec, H.size, v0, tol=tol, max_products=max_products, ncv=ncv)
