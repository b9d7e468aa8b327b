"""Extreme eigenvalues of PSD Gram matrices, with solver health.

Decision guide (:class:`Method`):

* ``DENSE`` — LAPACK ``eigvalsh`` on the whole matrix, N ≤ ``DENSE_LIMIT``.
  Backward stable: every eigenvalue to ``~N ε λ_max`` absolute.
* ``SHIFT_INVERT`` — the matrix is formed but large: λ_max by Lanczos
  (``eigsh``, which='LA'); λ_min by Lanczos on ``(G + sI)⁻¹`` through one Cholesky
  factorisation (s = N ε λ_max keeps the factorisation defined), which converges in
  a handful of iterations however small λ_min is.  If even ``G + sI`` is not
  positive definite, λ_min is below the resolution and is reported as 0.
* ``LANCZOS`` — matrix-free, when the Gram would not fit: λ_max by Lanczos on
  ``G``, λ_min by Lanczos on the shifted ``c I − G`` (c slightly above λ_max).
  Never ``which='SM'`` and never power iteration (design.md).

Singular values of J are ``σ = √max(λ, 0)``.  Every result records the method,
iterations (operator applications), residuals ``‖G v − λ v‖`` and the absolute
resolution in λ, so a reader can tell a true zero from a rounding floor.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import linalg
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from opcheck._runtime import seeding

DENSE_LIMIT = 2500
NCV = 20  # Lanczos basis size: ARPACK applies the operator at least this many times
LANCZOS_DENSE_BELOW = 10  # smaller operators are built column by column and solved by LAPACK
MAX_PRODUCTS = 100_000  # operator applications allowed to one Lanczos run
EPS = np.finfo(np.float64).eps


class Method(str, enum.Enum):
    DENSE = "dense eigvalsh (LAPACK)"
    SHIFT_INVERT = "Lanczos + Cholesky shift-invert"
    LANCZOS = "matrix-free Lanczos (shifted for lambda_min)"
    SVD = "dense SVD (LAPACK gesdd)"
    STRUCTURAL = "structural zero (rank bound)"


@dataclass(frozen=True)
class Extremes:
    """λ_min and λ_max of a PSD matrix with solver health."""

    lambda_min: float
    lambda_max: float
    method: str
    iterations: int
    residual_min: float
    residual_max: float
    resolution: float  # absolute accuracy of λ_min
    note: str = ""

    @property
    def sigma_min(self) -> float:
        return math.sqrt(max(self.lambda_min, 0.0))

    @property
    def sigma_max(self) -> float:
        return math.sqrt(max(self.lambda_max, 0.0))

    def as_dict(self) -> dict:
        return {
            "lambda_min": self.lambda_min,
            "lambda_max": self.lambda_max,
            "sigma_min": self.sigma_min,
            "sigma_max": self.sigma_max,
            "method": self.method,
            "iterations": self.iterations,
            "residual_min": self.residual_min,
            "residual_max": self.residual_max,
            "resolution": self.resolution,
            "note": self.note,
        }


def structural_zero(lambda_max: float, reason: str) -> Extremes:
    """λ_min = 0 exactly, because the rank is provably below the size."""
    return Extremes(0.0, lambda_max, Method.STRUCTURAL.value, 0, 0.0, 0.0, 0.0, reason)


def _clip_to_resolution(lam: float, resolution: float) -> tuple[float, str]:
    if lam <= resolution:
        return 0.0, f"lambda_min is at or below the numerical resolution {resolution:.2e}: reported as 0 (numerically singular)"
    return lam, ""


def gram_extremes(G: np.ndarray, seed: int = 0) -> Extremes:
    """λ_min, λ_max of a formed symmetric PSD matrix (DENSE or SHIFT_INVERT). G may be overwritten."""
    N = G.shape[0]
    if N <= DENSE_LIMIT:
        w = linalg.eigvalsh(G, check_finite=False)
        res = N * EPS * max(abs(w[-1]), 1e-300)
        lam, note = _clip_to_resolution(float(w[0]), res)
        return Extremes(lam, float(w[-1]), Method.DENSE.value, 1, 0.0, 0.0, res, note)
    v0 = seeding.rng(seed, "lanczos").standard_normal(N)
    top = _top(lambda x: G @ x, N, v0, 1e-12)
    lmax, r_max, it_max = top.value, top.residual, top.products
    shift = N * EPS * lmax
    res = shift + r_max
    diag = np.einsum("ii->i", G)
    diag += shift
    try:
        factor = linalg.cho_factor(G, lower=True, overwrite_a=True, check_finite=False)
    except linalg.LinAlgError:
        note = f"G + {shift:.1e} I is not positive definite: lambda_min is below the resolution {res:.2e}, reported as 0 (numerically singular)"
        return Extremes(0.0, lmax, Method.SHIFT_INVERT.value, it_max, float("nan"), r_max, res, note)
    inv = _top(lambda x: linalg.cho_solve(factor, x, check_finite=False), N, v0, 1e-12)
    theta, vmin, it_min = inv.value, inv.vector, inv.products
    lam = 1.0 / theta - shift
    # residual of the original G from the factor: G v = L Lᵀ v − s v
    L = np.tril(factor[0])
    Gv = L @ (L.T @ vmin) - shift * vmin
    r_min = float(np.linalg.norm(Gv - lam * vmin))
    lam, note = _clip_to_resolution(lam, res)
    note = "; ".join(x for x in (note, _convergence_note(top, inv)) if x)
    return Extremes(lam, lmax, Method.SHIFT_INVERT.value, it_max + it_min, r_min, r_max, res, note)


def operator_extremes(matvec: Callable[[np.ndarray], np.ndarray], N: int, seed: int = 0, tol: float = 1e-10) -> Extremes:
    """λ_min, λ_max of a PSD operator given only ``x ↦ G x`` (LANCZOS)."""
    v0 = seeding.rng(seed, "lanczos").standard_normal(N)
    top = _top(matvec, N, v0, tol)
    lmax, r_max, it_max = top.value, top.residual, top.products
    c = 1.01 * lmax
    low = _top(lambda x: c * x - matvec(x), N, v0, tol)
    lam, r_min, it_min = c - low.value, low.residual, low.products  # the shift leaves residuals unchanged
    res = max(tol * c, N * EPS * lmax) + r_min
    lam, note = _clip_to_resolution(lam, res)
    note = "; ".join(x for x in (note, _convergence_note(top, low)) if x)
    return Extremes(lam, lmax, Method.LANCZOS.value, it_max + it_min, r_min, r_max, res, note)


def top_eigenvalue(matvec: Callable[[np.ndarray], np.ndarray], N: int, seed: int = 0) -> float:
    """λ_max of a symmetric operator by Lanczos (used where λ_min is structurally 0)."""
    v0 = seeding.rng(seed, "lanczos").standard_normal(N)
    return _top(matvec, N, v0, 1e-12).value


def matrix_singular_extremes(M: np.ndarray) -> Extremes:
    """Extreme singular values of a dense matrix by SVD, stored as λ = σ².

    λ_min is the smallest of the min(rows, cols) squared singular values; for a
    wide matrix (rows < cols) the Gram ``MᵀM`` is rank-deficient and callers
    report that structurally.
    """
    s = np.linalg.svd(M, compute_uv=False)
    res_sigma = max(M.shape) * EPS * float(s[0]) if s.size else 0.0
    smin = float(s[-1])
    note = ""
    if smin <= res_sigma:
        smin, note = 0.0, f"sigma_min is below the numerical resolution {res_sigma:.2e}: reported as 0"
    return Extremes(smin**2, float(s[0]) ** 2, Method.SVD.value, 1, 0.0, 0.0, res_sigma**2, note)


@dataclass(frozen=True)
class Eigenpair:
    """One extreme eigenpair from :func:`extreme_eigenpair` with solver health."""

    value: float
    vector: np.ndarray
    products: int  # operator applications, including the residual check
    residual: float  # ‖G v − λ v‖ with ‖v‖ = 1
    converged: bool
    method: str


def extreme_eigenpair(matvec: Callable[[np.ndarray], np.ndarray], N: int, v0: np.ndarray, tol: float = 1e-10, max_products: int = 5000, ncv: int = 30) -> Eigenpair:
    """Largest (algebraic) eigenpair of a symmetric operator by ARPACK Lanczos.

    On non-convergence within ``max_products`` operator applications the run is
    repeated once with a looser tolerance (1e-4) so a Ritz pair is still returned,
    flagged ``converged=False``; its residual says how good it is.
    """
    count = [0]

    def mv(x: np.ndarray) -> np.ndarray:
        count[0] += 1
        return matvec(np.ravel(x))

    if N < LANCZOS_DENSE_BELOW:
        M = np.column_stack([mv(e) for e in np.eye(N)])
        w, U = linalg.eigh(0.5 * (M + M.T))
        v = U[:, -1]
        return Eigenpair(float(w[-1]), v, count[0], float(np.linalg.norm(M @ v - w[-1] * v)), True, "dense eigh (LAPACK), operator built column by column")
    op = LinearOperator((N, N), matvec=mv, dtype=np.float64)
    ncv = max(2, min(N - 1, ncv))
    maxiter = max(1, max_products // ncv)
    converged = True
    try:
        vals, vecs = eigsh(op, k=1, which="LA", v0=v0, tol=tol, ncv=ncv, maxiter=maxiter)
    except ArpackNoConvergence as exc:
        converged = False
        if exc.eigenvalues.size:
            vals, vecs = exc.eigenvalues, exc.eigenvectors
        else:
            try:
                vals, vecs = eigsh(op, k=1, which="LA", v0=v0, tol=max(tol, 1e-4), ncv=ncv, maxiter=maxiter)
            except ArpackNoConvergence as exc2:
                if not exc2.eigenvalues.size:
                    return Eigenpair(float("nan"), v0 / np.linalg.norm(v0), count[0], float("nan"), False, "Lanczos (ARPACK eigsh): no Ritz value converged")
                vals, vecs = exc2.eigenvalues, exc2.eigenvectors
    v = vecs[:, -1] / np.linalg.norm(vecs[:, -1])
    lam = float(vals[-1])
    residual = float(np.linalg.norm(mv(v) - lam * v))
    return Eigenpair(lam, v, count[0], residual, converged, f"Lanczos (ARPACK eigsh, ncv={ncv}, tol={tol:g})")




def _top(matvec: Callable[[np.ndarray], np.ndarray], N: int, v0: np.ndarray, tol: float) -> Eigenpair:
    """The largest eigenpair for the Gram solvers (basis ``NCV``, at most ``MAX_PRODUCTS`` products)."""
    return extreme_eigenpair(matvec, N, v0, tol=tol, max_products=MAX_PRODUCTS, ncv=NCV)


def _convergence_note(*pairs: Eigenpair) -> str:
    bad = [p for p in pairs if not p.converged]
    return "; ".join(f"Lanczos did not converge (residual {p.residual:.2e}): a Ritz value, not a converged eigenvalue" for p in bad)
