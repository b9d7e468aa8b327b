"""Certified extreme eigenvalues of PSD Gram matrices, with solver health.

Decision guide (:class:`Method`):

* ``DENSE`` — LAPACK ``eigh`` on the whole matrix, N ≤ ``DENSE_LIMIT`` (tiny orders).
* ``SHIFT_INVERT`` — the matrix is formed: λ_max by block Lanczos on G
  (:mod:`.block_krylov`: blocks of columns at BLAS-3 speed; ARPACK for stores without block products);
  λ_min by block Lanczos on ``(G + sI)⁻¹`` through one Cholesky factorisation
  (s = N ε λ_max keeps it defined), which converges in a handful of iterations
  however small λ_min is.  A Cholesky costs N³/3 flops at BLAS-3 speed, a
  tridiagonalisation 4N³/3 at BLAS-2 speed: this path is the cheaper one from N ≈ 64.
* ``LANCZOS`` — matrix-free, when the Gram would not fit: λ_max by Lanczos on
  ``G``, λ_min by Lanczos on the shifted ``c I − G`` (c slightly above λ_max).
  Never ``which='SM'`` and never power iteration (design.md).

Every result carries certified intervals (:class:`~opcheck.linalg.intervals.SpectralInterval`)
for λ_min and λ_max of the *exact* matrix: for a formed G, λ_min from below by a
second Cholesky of ``G − sI`` just under the estimate, λ_min from above and λ_max
from below by rounding-controlled Rayleigh quotients, λ_max from above by norm
bounds or a Cholesky of ``tI − G`` (:mod:`opcheck.linalg.certify`), all widened by
the caller's bound on the rounding of forming G (Weyl).  Singular values are
``σ = √max(λ, 0)`` with ``σ`` intervals from the ``λ`` intervals.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np
from scipy import linalg

from opcheck._runtime import seeding, threads
from opcheck.linalg import block_krylov, certify
from opcheck.linalg.intervals import SAFETY, Bound, FormationBound, SpectralInterval, gamma, make_interval
from opcheck.linalg.extremes import Extremes, Method, structural_zero  # noqa: F401  (re-exported: the solvers' result)
from opcheck.linalg.lanczos import LANCZOS_DENSE_BELOW, Eigenpair, extreme_eigenpair  # noqa: F401  (re-exported)
from opcheck.linalg.symmetric_store import SymmetricStore

DENSE_LIMIT = 64  # above this order the Cholesky-based path is cheaper than a full eigh
NCV = 20  # Lanczos basis size for formed matrices
MAX_PRODUCTS = 100_000  # operator applications allowed to one Lanczos run
FORMED_TOL = 1e-10  # Ritz tolerance on a formed G: the certified ends come from Rayleigh quotients (error ~ residual²)
MATRIX_FREE_PRODUCTS = 2000  # per matrix-free Lanczos run: past this the interval, not more products, carries the answer
MAX_RTOL = 1e-9  # λ_max is certified by a Cholesky of tI − G when cheaper bounds are wider than this
EPS = np.finfo(np.float64).eps
SHIFT_RETRIES = 4  # larger shifts tried when G + sI breaks down (16x each)
FLOOR_ENOUGH = 0.1  # no certificate factorisation when a known floor is ≥ (1 − this)·estimate (σ_min within 5 %)
BLOCK_FROM = 4000  # formed orders from which block Lanczos replaces ARPACK (the matrix no longer sits in cache)
BLOCK_MAX_PRODUCTS = 1200  # columns for a block run before ARPACK takes over from its best vector


def _value_and_note(iv: SpectralInterval, resolution: float) -> tuple[float, str]:
    """The reported λ_min: the estimate, or 0 when a converged estimate sits in the rounding floor."""
    span = f"lambda_min lies in [{iv.lo:.6g}, {iv.hi:.6g}]"
    if not iv.converged:
        return iv.value, f"Lanczos did not converge: {span} (certified), the estimate {iv.value:.6g} is not an eigenvalue"
    if not iv.positive and iv.value <= resolution:
        return 0.0, f"lambda_min is at or below the numerical resolution {resolution:.2e}: reported as 0 (numerically singular); {span}"
    if not iv.positive:
        return iv.value, f"lambda_min > 0 is not certified: {span}"
    return iv.value, ""


def _min_interval(store: SymmetricStore, est: float, v: np.ndarray, slack: float, converged: bool, ferr: float, psd: bool, tight: bool = True,
                  floor_lo: float | None = None, floor: float | None = None, Gv: np.ndarray | None = None) -> SpectralInterval:
    """Certified λ_min interval: Rayleigh above; below, the shift-invert factor's own bound ``floor_lo``
    when it or the caller's ``floor`` (which the caller applies itself) is within ``FLOOR_ENOUGH`` of
    the estimate — a certificate factorisation could not add much — else a certificate factorisation."""
    hi = certify.up(certify.rayleigh_bounds(store, v, ferr if psd else None, Gv)[1] + ferr)
    if floor_lo is not None and floor_lo - ferr > 0 and max(floor_lo - ferr, floor or 0.0) >= (1.0 - FLOOR_ENOUGH) * min(est, hi):
        lo, lo_by = certify.down(floor_lo - ferr), Bound.CHOLESKY  # the shift-invert factor already certifies this much
    elif tight:
        lo, lo_by = certify.lower_end(min(est, hi), store, slack, ferr, psd)
    else:  # no certificate factorisation asked for: a Gram's lower end is 0
        lo, lo_by = (0.0, Bound.GRAM_PSD) if psd else (-math.inf, Bound.NONE)
    return make_interval(est, min(lo, hi), hi, lo_by, Bound.RAYLEIGH, converged, ferr)


def _max_interval(store: SymmetricStore, est: float, v: np.ndarray, slack: float, converged: bool, ferr: float, psd: bool, tight: bool,
                  Gv: np.ndarray | None = None) -> SpectralInterval:
    lo = certify.down(certify.rayleigh_bounds(store, v, ferr if psd else None, Gv)[0] - ferr)
    lo = max(lo, 0.0) if psd else lo
    hi, hi_by = certify.norm_upper_bound(store, v), Bound.NORM
    if tight and hi > max(lo, est) * (1.0 + MAX_RTOL):
        chol = certify.cholesky_upper_bound(store, max(est, lo), slack)
        if chol is not None and chol < hi:
            hi, hi_by = chol, Bound.CHOLESKY_NEGATED
    return make_interval(est, lo, certify.up(hi + ferr), Bound.RAYLEIGH, hi_by, converged, ferr)


def gram_extremes(G: np.ndarray, seed: int = 0, formation_error: float = 0.0, psd: bool = True, tight_max: bool = True) -> Extremes:
    """Certified λ_min, λ_max of a formed symmetric matrix (DENSE or SHIFT_INVERT). G is overwritten.

    ``formation_error`` bounds ``‖G − G_exact‖₂`` (the rounding of forming G); the
    intervals enclose the eigenvalues of ``G_exact``.  ``psd``: G_exact is a Gram
    matrix, so λ ≥ 0 is used as a certificate of last resort.  ``tight_max``:
    certify λ_max by a Cholesky of ``tI − G`` when the norm bounds are not
    within ``MAX_RTOL`` (one extra factorisation).
    """
    return store_extremes(SymmetricStore(G), seed, formation_error, psd, tight_max)


def store_extremes(store: SymmetricStore, seed: int = 0, formation_error: float | FormationBound = 0.0, psd: bool = True, tight_max: bool = True,
                   method: Method = Method.SHIFT_INVERT, tight_min: bool = True, floor: float | None = None,
                   starts: tuple[np.ndarray | None, np.ndarray | None] = (None, None)) -> Extremes:
    """:func:`gram_extremes` on a :class:`SymmetricStore` (the caller may :meth:`~SymmetricStore.restore` it afterwards).

    Any object with the store's interface works — ``N``, ``diag``, ``trace()``,
    ``matvec``, ``abs_matvec``, ``factor(shift, sign)``, ``solve``,
    ``factor_rounding_bound()``, ``last_diagonal_max`` — e.g. the blocks of
    :class:`opcheck.linalg.distributed_gram.BlockedGram` on Dask workers, reported
    as ``method``; only a local store of a tiny order takes the dense path.
    ``formation_error`` may be a :class:`~opcheck.linalg.intervals.FormationBound`: its
    first bound serves until λ_min's estimate is known, which decides whether its
    tighter one is worth its pass over the factors.
    ``tight_min=False`` skips the certificate factorisation of λ_min (one Cholesky):
    the interval is then ``[0, Rayleigh]`` — for quantities no verdict rests on.
    ``floor``: a certified lower bound of λ_min of the exact matrix (e.g. the V-block's,
    ``J Jᵀ ⪰ I ⊗ AᵀA``).  The shift-invert factorisation is then of ``G − sI`` with s
    just below it: the eigenvalues near the floor spread apart relative to the shift
    (a cluster of d2 near-copies converges in a few blocks instead of twenty), and the
    factor itself certifies ``λ_min ≥ s − rounding``; when that or the floor is within
    ``FLOOR_ENOUGH`` of the estimate the second (certificate) factorisation is skipped
    (the caller raises the lower end to its floor).
    ``starts``: (for λ_min, for λ_max) N × m blocks of approximate eigenvectors (e.g. the
    V-block's, one copy per output for J Jᵀ) that start the Lanczos runs beside the seeded
    random start; None: the random start alone.  They change how fast the runs converge,
    not what they converge to.  The result's ``vectors`` are its Ritz vectors.
    """
    with threads.sync_heavy():
        return _store_extremes(store, seed, formation_error, psd, tight_max, method, tight_min, floor, starts)


def _store_extremes(store: SymmetricStore, seed: int, formation_error: float | FormationBound, psd: bool, tight_max: bool, method: Method,
                    tight_min: bool = True, floor: float | None = None,
                    starts: tuple[np.ndarray | None, np.ndarray | None] = (None, None)) -> Extremes:
    N = store.N
    bound = FormationBound.of(formation_error)
    floor_lo = None  # what a shift-invert factor of G − sI under ``floor`` certifies
    dense = N <= DENSE_LIMIT and isinstance(store, SymmetricStore)
    if dense:
        w, U = linalg.eigh(np.array(store.restore()), check_finite=False)
        slack = N * EPS * max(abs(w[0]), abs(w[-1]), 1e-300)
        est_min, v_min, est_max, v_max = float(w[0]), U[:, 0], float(w[-1]), U[:, -1]
        r_min = r_max = slack
        conv_min = conv_max = True
        iterations, method, extra = 1, Method.DENSE, ""
    else:
        v0 = seeding.rng(seed, "lanczos").standard_normal(N)
        blocks = getattr(store, "block_products", False) and N >= BLOCK_FROM
        top_of = _block_top(store, N, seed) if blocks else _serial_top
        start_min, start_max = (_start(v0, s, blocks) for s in starts)
        top = top_of(store.matvec, N, start_max, FORMED_TOL)
        est_max, v_max, r_max, conv_max = top.value, top.vector, top.residual, top.converged
        below = certify.shift_below_floor(store, floor, bound.for_estimate(floor)) if floor else None  # λ_min ≥ floor
        shift = -below if below is not None and store.factor(below) else None
        if shift is None:
            below = None
            shift = _positive_definite_shift(store, N * EPS * abs(est_max))
        if shift is not None:
            low = top_of(store.solve, N, start_min, FORMED_TOL)
            est_min = 1.0 / low.value - shift
            if below is not None:  # the factor of G − sI in the store also certifies λ_min ≥ s − its rounding
                floor_lo = certify.certified_after(store, below)
        else:  # G + shift I is not positive definite: λ_min is in the rounding floor
            c = 1.01 * est_max
            low = top_of(lambda x: c * x - store.matvec(x), N, start_min, 1e-12)
            est_min = c - low.value
        v_min, conv_min = low.vector, low.converged
        iterations = top.products + low.products
        extra = _convergence_note(top, low)
    formation_error = bound.for_estimate(est_min)
    Gv = store.matvec(np.column_stack([v_min, v_max]))  # one pass over G for both ends' Rayleigh quotients
    if not dense:  # the dense path's r_min is its rounding slack
        r_min = float(np.linalg.norm(Gv[:, 0] - est_min * v_min))
    iv_min = _min_interval(store, est_min, v_min, r_min, conv_min, formation_error, psd, tight_min, floor_lo, floor, Gv[:, 0])
    iv_max = _max_interval(store, est_max, v_max, r_max, conv_max, formation_error, psd, tight_max, Gv[:, 1])
    resolution = N * EPS * max(abs(iv_max.value), 1e-300) + formation_error
    lam, note = _value_and_note(iv_min, resolution)
    note = "; ".join(x for x in (note, extra) if x)
    return Extremes(lam, iv_max.value, method.value, iterations, r_min, r_max, resolution, note, iv_min, iv_max, (v_min, v_max))


def _start(v0: np.ndarray, given: np.ndarray | None, blocks: bool) -> np.ndarray:
    """The start of a Lanczos run: the seeded random vector, with the ``given`` columns ahead of it for block
    Lanczos, or, for ARPACK (one vector), their sum plus 1 % of the random vector (so no direction is missing)."""
    if given is None:
        return v0
    cols = np.asarray(given, dtype=np.float64).reshape(v0.size, -1)
    if blocks:
        return np.column_stack([cols, v0])
    s = cols.sum(axis=1)
    norm = float(np.linalg.norm(s))
    return v0 if norm == 0.0 else s / norm + 0.01 * v0 / float(np.linalg.norm(v0))


def operator_extremes(
    matvec: Callable[[np.ndarray], np.ndarray],
    N: int,
    seed: int = 0,
    tol: float = 1e-10,
    rayleigh: Callable[[np.ndarray], tuple[float, float]] | None = None,
    upper_bound: float | None = None,
    psd: bool = True,
    max_products: int | None = None,
) -> Extremes:
    """λ_min, λ_max of a PSD operator given only ``x ↦ G x`` (LANCZOS), with intervals.

    ``rayleigh(v)`` must return certified bounds of ``vᵀGv/vᵀv`` and ``upper_bound``
    a certified bound of λ_max; without them the corresponding ends are not
    certified (``Bound.NONE``, ±inf).  Without a factorisation nothing certifies
    λ_min from below except ``psd`` (lo = 0): an unconverged or a converged run
    alike gives ``[0, ρ(v)]`` unless a caller raises ``lo`` by another argument.
    """
    with threads.sync_heavy():
        return _operator_extremes(matvec, N, seed, tol, rayleigh, upper_bound, psd, max_products)


def _operator_extremes(matvec, N, seed, tol, rayleigh, upper_bound, psd, max_products) -> Extremes:
    v0 = seeding.rng(seed, "lanczos").standard_normal(N)
    cap = max_products or operator_product_cap(N)
    top = extreme_eigenpair(matvec, N, v0, tol=tol, max_products=cap, ncv=operator_ncv(N))
    lmax, r_max = top.value, top.residual
    c = 1.01 * lmax
    low = extreme_eigenpair(lambda x: c * x - matvec(x), N, v0, tol=tol, max_products=cap, ncv=operator_ncv(N))
    lam, r_min = c - low.value, low.residual  # the shift leaves residuals unchanged
    zero = (0.0, Bound.GRAM_PSD) if psd else (-math.inf, Bound.NONE)
    if rayleigh is not None:
        hi_min, lo_max = rayleigh(low.vector)[1], rayleigh(top.vector)[0]
        iv_min = make_interval(lam, zero[0], hi_min, zero[1], Bound.RAYLEIGH, low.converged, 0.0)
        lo_max_by = Bound.RAYLEIGH
    else:
        iv_min = make_interval(lam, zero[0], math.inf, zero[1], Bound.NONE, low.converged, 0.0)
        lo_max, lo_max_by = zero
    hi_max = upper_bound if upper_bound is not None else math.inf
    iv_max = make_interval(lmax, min(max(lo_max, zero[0]), hi_max), hi_max, lo_max_by, Bound.NORM if upper_bound is not None else Bound.NONE, top.converged, 0.0)
    res = max(tol * c, N * EPS * lmax) + r_min
    value, note = _value_and_note(iv_min, res)
    note = "; ".join(x for x in (note, _convergence_note(top, low)) if x)
    return Extremes(value, lmax, Method.LANCZOS.value, top.products + low.products, r_min, r_max, res, note, iv_min, iv_max)


def operator_ncv(N: int) -> int:
    """Lanczos basis for matrix-free solves: wide (≤ 120 vectors) so clustered small eigenvalues converge."""
    return max(2, min(N - 1, 120))


def operator_product_cap(N: int) -> int:
    """Operator applications allowed to one matrix-free Lanczos run."""
    return MATRIX_FREE_PRODUCTS


def top_eigenvalue(matvec: Callable[[np.ndarray], np.ndarray], N: int, seed: int = 0) -> float:
    """λ_max of a symmetric operator by Lanczos (used where λ_min is structurally 0)."""
    v0 = seeding.rng(seed, "lanczos").standard_normal(N)
    return _top(matvec, N, v0, 1e-12).value


def singular_extremes(M: np.ndarray, seed: int = 0) -> Extremes:
    """Certified extreme singular values of a dense matrix, stored as λ = σ², via its smaller Gram.

    ``λ(MᵀM)`` (or ``MMᵀ``, whichever is smaller) — no SVD.  When M has fewer
    rows than columns (``MᵀM`` would be rank-deficient) λ_min refers to ``MMᵀ``:
    callers report the structural zero of the wide case themselves.
    """
    rows, cols = M.shape
    G = M.T @ M if cols <= rows else M @ M.T
    inner = max(rows, cols)
    absM = np.abs(M)
    abs_rows = absM.T @ (absM @ np.ones(cols)) if cols <= rows else absM @ (absM.T @ np.ones(rows))
    ferr = gamma(inner) * min(float(np.sum(M * M)), float(np.max(abs_rows))) * SAFETY * SAFETY
    return gram_extremes(G, seed, ferr)


matrix_singular_extremes = singular_extremes  # the historical name


def _positive_definite_shift(store, shift: float) -> float | None:
    """A shift s for which ``G + sI`` factorises (the factor is left in the store), or None.

    Start at ``N ε λ_max``; a breakdown there means the Cholesky's own rounding
    (≈ γ_N‖|R|ᵀ|R|‖, at order 20 000 comparable with λ_min itself) is larger, so the
    shift grows 16-fold up to ``SHIFT_RETRIES`` times.  Any s > −λ_min gives the same
    λ_min = 1/θ − s exactly in exact arithmetic; a larger s only costs digits
    ≈ tol·(λ_min + s) — far fewer than the ``cI − G`` fall-back loses (tol·c).
    """
    for _ in range(SHIFT_RETRIES + 1):
        if store.factor(-shift):
            return shift
        shift *= 16.0
    return None


def _block_top(store, N: int, seed: int) -> Callable[..., Eigenpair]:
    """:func:`_top` by block Lanczos (:mod:`.block_krylov`) for stores whose products take N × k blocks.

    A block run that does not converge (e.g. a huge, nearly degenerate cluster at the
    top, where single-vector Lanczos does better) is followed by ARPACK started
    from its best Ritz vector; the products of both are counted.
    """
    def top(apply: Callable[[np.ndarray], np.ndarray], N: int, v0: np.ndarray, tol: float) -> Eigenpair:
        pair = block_krylov.top_eigenpair(apply, N, v0, tol, BLOCK_MAX_PRODUCTS, seeding.rng(seed, "lanczos-block"))
        if pair.converged:
            return pair
        again = _top(apply, N, pair.vector, tol)
        return dataclasses.replace(again, products=again.products + pair.products)
    return top


def _serial_top(matvec: Callable[[np.ndarray], np.ndarray], N: int, v0: np.ndarray, tol: float) -> Eigenpair:
    """:func:`_top` on one BLAS thread: ARPACK on a formed store below ``BLOCK_FROM`` is one vector at a time, latency-bound."""
    with threads.serial():
        return _top(matvec, N, v0, tol)


def _top(matvec: Callable[[np.ndarray], np.ndarray], N: int, v0: np.ndarray, tol: float) -> Eigenpair:
    """The largest eigenpair for the Gram solvers (basis ``NCV``, at most ``MAX_PRODUCTS`` products)."""
    return extreme_eigenpair(matvec, N, v0, tol=tol, max_products=MAX_PRODUCTS, ncv=NCV)


def _convergence_note(*pairs: Eigenpair) -> str:
    bad = [p for p in pairs if not p.converged]
    return "; ".join(f"Lanczos did not converge (residual {p.residual:.2e}): a Ritz value, not a converged eigenvalue" for p in bad)
