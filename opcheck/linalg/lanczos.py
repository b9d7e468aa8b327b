"""Extreme eigenpairs of a symmetric operator by ARPACK Lanczos, with solver health.

:func:`extreme_eigenpair` returns the largest (algebraic) eigenpair of ``x ↦ M x``
and says how many products it took, the residual ``‖M v − λ v‖`` of the unit
Ritz vector, and whether ARPACK met its tolerance.  Operators of size below
``LANCZOS_DENSE_BELOW`` are built column by column and solved by LAPACK.
Never ``which='SM'`` and never power iteration (smallest eigenvalues come from
a shifted or shift-inverted operator, see :mod:`opcheck.linalg.spectra`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import linalg
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from opcheck._runtime import threads

LANCZOS_DENSE_BELOW = 10  # smaller operators are built column by column and solved by LAPACK


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
    """Largest (algebraic) eigenpair of a symmetric operator by ARPACK Lanczos (BLAS threads: :func:`threads.sync_heavy`).

    On non-convergence within ``max_products`` operator applications the run is
    repeated once with a looser tolerance (1e-4) so a Ritz pair is still returned,
    flagged ``converged=False``; its residual says how good it is.
    """
    with threads.sync_heavy():
        return _extreme_eigenpair(matvec, N, v0, tol, max_products, ncv)


def _extreme_eigenpair(matvec: Callable[[np.ndarray], np.ndarray], N: int, v0: np.ndarray, tol: float, max_products: int, ncv: int) -> Eigenpair:
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
