"""One N × N symmetric matrix that is factorised again and again without a second copy.

LAPACK ``dpotrf`` (upper) overwrites only the upper triangle and leaves the
strictly lower triangle alone.  So the store keeps the matrix ``G`` in its
strictly lower triangle plus a saved diagonal ``d`` for its whole life; each
factorisation first rebuilds the upper triangle (with the requested shift) from
them, block by block — except right after :meth:`restore` (the upper triangle then
mirrors G and only the diagonal is shifted).  Products with G: while the diagonal is
G's, ``dsymv`` on the lower triangle for a vector and ``dgemm`` for a block (after one
mirror, :meth:`restore`); once a factor has overwritten the diagonal and the upper
triangle, ``G x = L₀x + L₀ᵀx + d ⊙ x`` with ``L₀`` the strict lower part (BLAS
``dtrmv``/``dtrmm`` with a unit diagonal).  Memory: one N² array and O(N · block) scratch.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.linalg import blas, lapack

from opcheck.linalg.intervals import SAFETY, gamma, inflate

BLOCK = 64  # columns per block in the O(N²) sweeps (small: the transposed copies stay in cache)
CW_STEPS = 8  # power steps at most for the Collatz–Wielandt bound of a factor's rounding


class SymmetricStore:
    """A symmetric matrix held in place, with shifted Cholesky factorisations.

    ``matvec`` and ``solve`` take blocks (N × k) as well as vectors
    (``block_products``), so the block eigensolver of :mod:`.block_krylov` runs at BLAS-3 speed.

    Parameters
    ----------
    G : ndarray (N, N)
        Symmetric; taken over (overwritten).  Only its lower triangle and
        diagonal are read.
    """

    block_products = True

    def __init__(self, G: np.ndarray):
        if G.ndim != 2 or G.shape[0] != G.shape[1]:
            raise ValueError(f"a square matrix is needed, got shape {G.shape}")
        # a C-ordered symmetric matrix is its own transpose: G.T is the same data in Fortran order
        self.H = G.T if G.flags.c_contiguous and not G.flags.f_contiguous else np.asfortranarray(G)
        self.N = G.shape[0]
        self.diag = np.array(np.diagonal(self.H), dtype=np.float64)
        self._diag_intact = True  # H's diagonal is G's (no factor has overwritten it)
        self._upper_valid = False  # H's upper triangle mirrors G (only after restore(); mirrored lazily)
        self.last_diagonal_max = 0.0  # max |h_ii| of the last factorised fl(sign G - shift I)
        self._last_trace = 0.0  # Σ |h_ii| of it

    # ------------------------------------------------------------------ products
    def matvec(self, x: np.ndarray) -> np.ndarray:
        """``G x`` for the stored G (x a vector or an N × k block), whatever the upper triangle holds."""
        if self._diag_intact:
            if np.ndim(x) == 2:  # a block: BLAS dgemm on the mirrored matrix (order 10 000, 16 columns: 70 ms, dsymm 149 ms)
                if not self._upper_valid:
                    self.restore()  # once; the next factorisation then only shifts the diagonal
                return blas.dgemm(1.0, self.H, np.asfortranarray(x, dtype=np.float64))
            return blas.dsymv(1.0, self.H, np.ascontiguousarray(x, dtype=np.float64), lower=1)  # numpy's gemv: 2x slower
        if np.ndim(x) == 2:  # BLAS-3: two triangular products with a unit diagonal
            x = np.asfortranarray(x, dtype=np.float64)
            y = blas.dtrmm(1.0, self.H, x, lower=1, trans_a=0, diag=1)
            y += blas.dtrmm(1.0, self.H, x, lower=1, trans_a=1, diag=1)
            y += (self.diag - 2.0)[:, None] * x
            return y
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = blas.dtrmv(self.H, x, lower=1, trans=0, diag=1)
        y += blas.dtrmv(self.H, x, lower=1, trans=1, diag=1)
        y += (self.diag - 2.0) * x
        return y

    def trace(self) -> float:
        return float(np.sum(self.diag))

    def abs_matvec(self, x: np.ndarray) -> np.ndarray:
        """``|G| x`` for x ≥ 0 (a vector or an N × k block: one pass for all k), block by block from the lower triangle."""
        d = np.abs(self.diag)
        y = (d[:, None] if np.ndim(x) == 2 else d) * x
        for j0 in range(0, self.N, BLOCK):
            j1 = min(j0 + BLOCK, self.N)
            P = np.abs(self.H[j0:, j0:j1])  # rows j0.., strict lower of this column block: only its top square needs a mask
            P[: j1 - j0][np.triu_indices(j1 - j0)] = 0.0
            y[j0:] += P @ x[j0:j1]
            y[j0:j1] += P.T @ x[j0:]
        return y

    # ------------------------------------------------------------- factorisation
    def _rebuild_upper(self, sign: float, shift: float) -> np.ndarray:
        """Upper triangle ← fl(sign·G − shift·I); returns the rounded diagonal used."""
        H = self.H
        for j0 in range(0, self.N, BLOCK):
            j1 = min(j0 + BLOCK, self.N)
            # rows < j0 of columns j0:j1 are the transposed strict-lower rows j0:j1, columns < j0
            H[:j0, j0:j1] = H[j0:j1, :j0].T
            if sign < 0:
                H[:j0, j0:j1] *= -1.0
            blk = H[j0:j1, j0:j1]
            low = np.tril(blk, -1)
            blk[...] = low + sign * low.T  # strict lower stays G; the diagonal is set below
        dvals = sign * self.diag - shift
        H[np.diag_indices(self.N)] = dvals
        return dvals

    def factor(self, shift: float, sign: float = 1.0) -> bool:
        """Cholesky ``RᵀR`` of ``fl(sign·G − shift·I)`` in the upper triangle; False if it breaks down."""
        if self._upper_valid and sign > 0:  # the upper triangle already mirrors G: only the diagonal changes (no N² pass)
            dvals = self.diag - shift
            self.H[np.diag_indices(self.N)] = dvals
        else:
            dvals = self._rebuild_upper(sign, shift)
        self.last_diagonal_max = float(np.max(np.abs(dvals))) if self.N else 0.0
        self._last_trace = float(np.sum(np.abs(dvals)))
        self._diag_intact = self._upper_valid = False
        _, info = lapack.dpotrf(self.H, lower=0, overwrite_a=1, clean=0)
        return info == 0

    def restore(self) -> np.ndarray:
        """Upper triangle ← G again (so ``self.H`` is the symmetric matrix); returns it (Fortran order)."""
        self._rebuild_upper(1.0, 0.0)
        self.H[np.diag_indices(self.N)] = self.diag
        self._diag_intact = self._upper_valid = True
        return self.H

    def lower(self) -> np.ndarray:
        """G's lower triangle and diagonal back in ``self.H`` (the upper triangle unspecified): for a caller that
        reads only the lower triangle, as :mod:`opcheck.linalg.gram` does; no N² pass."""
        self.H[np.diag_indices(self.N)] = self.diag
        self._diag_intact = True
        return self.H

    def solve(self, x: np.ndarray) -> np.ndarray:
        """``(RᵀR)⁻¹ x`` (x a vector or an N × k block) with the current factor (after a successful :meth:`factor`).

        A vector goes through two BLAS ``dtrsv`` (2.5x faster here than ``dpotrs``, which
        treats it as a one-column block); a block through LAPACK ``dpotrs``.
        """
        if np.ndim(x) == 1:
            y = blas.dtrsv(self.H, np.ascontiguousarray(x, dtype=np.float64), lower=0, trans=1)
            return blas.dtrsv(self.H, y, lower=0, trans=0, overwrite_x=1)
        y, info = lapack.dpotrs(self.H, x, lower=0)
        if info != 0:  # pragma: no cover - dpotrs only fails on bad arguments
            raise RuntimeError(f"dpotrs failed with info = {info}")
        return y

    def factor_rounding_bound(self, tight_below: float = 0.0, refine_above: float = math.inf) -> float:
        """Bound on ``‖RᵀR − H‖₂`` for the current factor of ``H = fl(sign·G − shift·I)``.

        Higham Thm 10.3: ``|ΔH| ≤ γ_{N+1}|Rᵀ||R|``, so ``‖ΔH‖₂ ≤ γ_{N+1} ρ(M)`` with the
        non-negative symmetric ``M = |Rᵀ||R|``.  Three bounds on ρ(M), each tried only
        when the one before is not good enough:

        * ``Σ ‖r_i‖² ≤ Σ h_ii/(1 − γ_{N+1})`` (the diagonal of ``RᵀR = H + ΔH``; no pass
          over R), enough when it is at most ``tight_below``;
        * the ∞-norm ``max(M 1)`` (two blocked passes);
        * when that still exceeds ``refine_above``: Collatz–Wielandt, ``ρ(M) ≤ max_i
          (Mx)_i/x_i`` for any x > 0, with x from up to ``CW_STEPS`` power steps on M
          (two passes each).  For a dense Gram at order 8000 the ∞-norm is ≈ 36x λ_max,
          ρ(M) a few times λ_max: at order 20 000 the difference decides whether a
          factorisation at s ≈ λ_min certifies anything.
        """
        g = gamma(self.N + 1)
        bound = g / (1.0 - g) * self._last_trace * SAFETY
        if bound <= tight_below:
            return bound
        t = self._abs_factor_product(np.ones(self.N))
        best = min(bound, g * inflate(float(np.max(t)), 2 * self.N + 2) * SAFETY)
        x = t / float(np.max(t))
        for _ in range(CW_STEPS if best > refine_above else 0):
            y = self._abs_factor_product(x)  # x > 0: M has a positive diagonal (R's is)
            cw = g * inflate(float(np.max(y / x)), 2 * self.N + 3) * SAFETY
            improved = cw < 0.95 * best
            best = min(best, cw)
            if not improved or best <= refine_above:
                break
            x = y / float(np.max(y))
        return best

    def _abs_factor_product(self, x: np.ndarray) -> np.ndarray:
        """``|Rᵀ|(|R| x)`` for x ≥ 0 from the factor in the upper triangle (two blocked passes)."""
        s = np.zeros(self.N)  # |R| x
        for j0 in range(0, self.N, BLOCK):
            j1 = min(j0 + BLOCK, self.N)
            s[:j1] += self._abs_factor_columns(j0, j1) @ x[j0:j1]
        t = np.zeros(self.N)  # |Rᵀ| s
        for j0 in range(0, self.N, BLOCK):
            j1 = min(j0 + BLOCK, self.N)
            t[j0:j1] = self._abs_factor_columns(j0, j1).T @ s[:j1]
        return t

    def _abs_factor_columns(self, j0: int, j1: int) -> np.ndarray:
        """``|R[:j1, j0:j1]|`` (R[i, j] for i ≤ j): one copy, with only the bottom square masked (rows above j0 are all in R)."""
        P = np.abs(self.H[:j1, j0:j1])
        P[j0:][np.tril_indices(j1 - j0, -1)] = 0.0
        return P
