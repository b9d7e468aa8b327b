"""From raw samples to the paper's (X, Y): subset, labels, Assumption 2 normalisation.

Assumption 2 [paper]: every column of X has ‖x_i‖ = 1 and ‖Y‖_F ≤ 1.  With
``normalize=True`` opcheck scales each sample to unit norm and divides Y by
‖Y‖_F when that exceeds 1 (synthetic targets are scaled to ‖Y‖_F = 1); the
scales applied are part of the result.  With ``normalize=False`` the data are
checked as given and :attr:`Dataset.assumption2_holds` says why it fails.

Labels: 1-D integer class labels become one-hot targets (d2 = number of
classes); float targets (n or n × d2) are used as they are.  Without labels:
``teacher`` (a random network of the same architecture, own seed stream),
``random`` (Gaussian) or ``zeros``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from opcheck._runtime import seeding, validation
from opcheck.errors import InputError
from opcheck.data.loaders import RawSamples

LABEL_MODES = ("teacher", "random", "zeros")
UNIT_TOL = 1e-10
#: without normalisation, sample norms and ||Y||_F must lie here: the Gram matrices square
#: them and multiply by the width, which must neither overflow nor underflow float64
UNNORMALIZED_RANGE = (1e-100, 1e100)


@dataclass(frozen=True)
class Dataset:
    """X (d0 × n, columns are samples) and Y (d2 × n) as the theorem sees them."""

    X: np.ndarray
    Y: np.ndarray
    source: str
    labels: str  # "one-hot classes (10)", "float targets", "teacher", "random", "zeros"
    normalized: bool
    x_norm_min: float  # sample norms before scaling
    x_norm_max: float
    y_scale: float  # factor applied to Y
    subset_of: int | None  # total samples when a subset was taken
    indices: np.ndarray = field(repr=False, default_factory=lambda: np.empty(0, dtype=int))
    standardized: bool = False  # features z-scored before the unit-norm scaling (--standardize)
    classes: int | None = None  # number of classes when Y is one-hot class labels, else None

    @property
    def n(self) -> int:
        return self.X.shape[1]

    @property
    def d0(self) -> int:
        return self.X.shape[0]

    @property
    def d2(self) -> int:
        return self.Y.shape[0]

    def assumption2(self) -> tuple[bool, str]:
        """Whether Assumption 2 holds for (X, Y), and the reason."""
        norms = column_norms(self.X)
        yf = float(column_norms(self.Y.reshape(-1, 1))[0])
        bad_x = np.abs(norms - 1.0) > UNIT_TOL
        if bad_x.any():
            return False, f"{int(bad_x.sum())} of {self.n} samples do not have unit norm (norms in [{norms.min():.4g}, {norms.max():.4g}])"
        if yf > 1.0 + UNIT_TOL:
            return False, f"||Y||_F = {yf:.4g} > 1"
        return True, f"unit-norm samples, ||Y||_F = {yf:.4g} <= 1"

    def summary(self) -> dict:
        ok, why = self.assumption2()
        return {
            "source": self.source,
            "n": self.n,
            "d0": self.d0,
            "d2": self.d2,
            "labels": self.labels,
            "normalized": self.normalized,
            "standardized": self.standardized,
            "x_norm_min": self.x_norm_min,
            "x_norm_max": self.x_norm_max,
            "x_scale_min": 1.0 / self.x_norm_max if self.normalized else 1.0,
            "x_scale_max": 1.0 / self.x_norm_min if self.normalized else 1.0,
            "y_scale": self.y_scale,
            "y_frobenius": float(column_norms(self.Y.reshape(-1, 1))[0]),
            "subset_of": self.subset_of,
            "assumption2_holds": ok,
            "assumption2_detail": why,
        }


def column_norms(A: np.ndarray) -> np.ndarray:
    """Euclidean norms of the columns, scale-safe: ``s ‖A/s‖`` with ``s`` the column's max-abs
    rounded to a power of two (exact division), so entries of 1e-300 or 1e300 neither
    underflow to 0 nor overflow to inf.  A norm beyond the float range is ``inf``."""
    s = _power_of_two_scale(A)
    with np.errstate(over="ignore"):
        return s * np.linalg.norm(A / s, axis=0)


def unit_columns(A: np.ndarray) -> np.ndarray:
    """``A`` with every (non-zero) column scaled to unit norm, scale-safe (see :func:`column_norms`)."""
    B = A / _power_of_two_scale(A)
    return B / np.linalg.norm(B, axis=0)


def _power_of_two_scale(A: np.ndarray) -> np.ndarray:
    """Per column, the power of two nearest above max|a_ij| (1 for zero columns; at most 2^1023)."""
    peak = np.max(np.abs(A), axis=0) if A.size else np.ones(A.shape[1])
    _, exp = np.frexp(np.where(peak > 0, peak, 1.0))
    return np.ldexp(1.0, np.minimum(exp, 1023))  # 2^1024 is not a float64: near the top, A/s <= 2


def take_subset(raw: RawSamples, n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, int | None]:
    """A seeded random subset of ``n`` samples (sorted indices), or everything."""
    total = raw.X.shape[0]
    if n is None or n == total:
        return raw.X, raw.y, np.arange(total), None
    validation.positive_int(n, "--n")
    if n > total:
        raise InputError(f"--n {n} exceeds the {total} samples available")
    idx = np.sort(seeding.rng(seed, "subset").choice(total, size=n, replace=False))
    return raw.X[idx], None if raw.y is None else raw.y[idx], idx, total


def one_hot(y: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer labels → one-hot d2 × n with d2 = number of distinct classes."""
    classes, inverse = np.unique(y, return_inverse=True)
    Y = np.zeros((classes.size, y.size))
    Y[inverse, np.arange(y.size)] = 1.0
    return Y, classes.size


def prepare_dataset(
    raw: RawSamples,
    *,
    n: int | None = None,
    labels: str = "teacher",
    d2: int = 1,
    normalize: bool = True,
    seed: int = 0,
    teacher: Callable[[np.ndarray, int, np.random.Generator], np.ndarray] | None = None,
    standardize: bool = False,
    offer_no_normalize: bool = False,
) -> Dataset:
    """Subset, normalise (Assumption 2) and attach targets.

    ``teacher(X, d2, rng)`` must return d2 × n outputs of a random network; it is
    only called when the data carry no labels and ``labels == 'teacher'``.
    ``offer_no_normalize``: the command has ``--no-normalize`` (error messages may suggest it).
    """
    Xr, y, idx, subset_of = take_subset(raw, n, seed)
    if standardize:
        Xr = standardize_features(Xr)
    X = np.ascontiguousarray(Xr.T)
    norms = column_norms(X)
    if normalize:
        zero = np.flatnonzero(norms == 0.0)
        if zero.size:
            way = "remove it or pass --no-normalize" if offer_no_normalize else "remove it"
            raise InputError(f"sample {int(idx[zero[0]])} is all zeros and cannot be scaled to unit norm (Assumption 2); {way}")
        X = unit_columns(X)
    else:
        _check_unnormalized(norms, idx, "sample norms", "sample")
    synthetic = y is None
    k = None
    if y is not None:
        if y.ndim == 1 and raw.labels_are_classes:
            Y, k = one_hot(y)
            kind = f"one-hot classes ({k})"
        else:
            Y = np.atleast_2d(y.T).astype(np.float64) if y.ndim == 2 else y[None, :].astype(np.float64)
            kind = "float targets"
    else:
        labels = validation.choice(labels, LABEL_MODES, "--labels")
        validation.positive_int(d2, "--d2")
        kind = labels
        if labels == "zeros":
            Y = np.zeros((d2, X.shape[1]))
        elif labels == "random":
            Y = seeding.rng(seed, "random_labels").standard_normal((d2, X.shape[1]))
        else:
            if teacher is None:
                raise InputError("teacher labels need a teacher network")  # programming error guard
            Y = teacher(X, d2, seeding.rng(seed, "teacher"))
    yf = float(column_norms(Y.reshape(-1, 1))[0])
    if not normalize and yf > 0:
        _check_unnormalized(np.array([yf]), np.array([0]), "||Y||_F", "labels")
    y_scale = 1.0
    if normalize and yf > 0 and (yf > 1.0 or synthetic):
        flat = Y.reshape(-1, 1)
        peak = float(_power_of_two_scale(flat)[0])
        rest = float(np.linalg.norm(flat / peak))
        y_scale = (1.0 / peak) / rest  # = 1/||Y||_F without forming ||Y||_F (it may overflow)
        Y = (Y / peak) / rest
    return Dataset(X, Y, raw.source, kind, normalize, float(norms.min()), float(norms.max()), y_scale, subset_of, idx, standardize, k)


def standardize_features(Xr: np.ndarray) -> np.ndarray:
    """``--standardize``: z-score every feature (rows are samples); constant features become 0.

    Raw features of very different scales make the unit-norm samples nearly
    parallel (one large feature dominates every norm), which drives μ_Φ towards 0.
    Each feature is first divided by its largest magnitude (a power of two, exact),
    so features of order 1e300 or 1e-300 neither overflow nor underflow.
    """
    Xr = np.asarray(Xr, dtype=np.float64)
    Xr = Xr / _power_of_two_scale(Xr)
    std = Xr.std(axis=0)
    return (Xr - Xr.mean(axis=0)) / np.where(std > 0, std, 1.0)


def _check_unnormalized(norms: np.ndarray, idx: np.ndarray, what: str, item: str) -> None:
    """--no-normalize: norms outside :data:`UNNORMALIZED_RANGE` would over- or underflow the spectra."""
    lo, hi = UNNORMALIZED_RANGE
    bad = np.flatnonzero(((norms < lo) & (norms > 0)) | (norms > hi))
    if bad.size:
        where = f" (sample {int(idx[bad[0]])})" if item == "sample" else ""
        raise InputError(f"with --no-normalize the {what} must lie in [{lo:g}, {hi:g}] for float64 spectra, "
                         f"found {float(norms[bad[0]]):.3g}{where}; drop --no-normalize (normalisation is scale-safe) or rescale the data")


def headline_width(n: int, d0: int) -> int:
    """The default width: ⌈n^{3/2}/d0⌉ (eq. 21, constant 1), and at least n."""
    return max(int(math.ceil(n**1.5 / d0 - 1e-9)), n)
