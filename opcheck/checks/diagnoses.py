"""The real cause of a failing hypothesis (issue: "wrong reasons").

:func:`sample_geometry` measures what makes μ_Φ = σ_min(φ(W0X)) small or zero on
the data themselves: exact duplicate samples (after Assumption 2's normalisation
parallel samples coincide), the largest cosine between two distinct samples and
the numerical rank of X.  :func:`causes` turns these, the width and the
activation's constants into typed :class:`Cause` values, most specific first.
Only activations that satisfy every bullet of Assumption 2 are ever recommended.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from opcheck._runtime import threads
from opcheck.model.activations import NAMES, Activation, get_activation

#: cosines at or above this count as duplicates (‖x_i − x_j‖ ≤ √(2·1e-14) ≈ 1.4e-7)
DUPLICATE_COSINE = 1.0 - 1e-14
#: a largest cosine above this makes μ_Φ tiny for smooth φ (near-parallel samples)
NEAR_PARALLEL_COSINE = 0.999


class CauseKey(str, enum.Enum):
    WIDTH_BELOW_N = "width_below_n"
    DUPLICATE_SAMPLES = "duplicate_samples"
    NEAR_PARALLEL_SAMPLES = "near_parallel_samples"
    UNBOUNDED_SECOND_DERIVATIVE = "unbounded_second_derivative"
    MU_PHI_ZERO = "mu_phi_zero"


@dataclass(frozen=True)
class SampleGeometry:
    n: int
    d0: int
    duplicates: int  # samples equal (after normalisation) to an earlier one
    duplicate_pairs: tuple[tuple[int, int], ...]  # a few (i, j), 0-based columns
    max_cosine: float  # over distinct pairs i != j
    numerical_rank: int  # of X (d0 x n)

    def as_dict(self) -> dict:
        return {"n": self.n, "d0": self.d0, "duplicates": self.duplicates, "duplicate_pairs": [list(p) for p in self.duplicate_pairs],
                "max_cosine": self.max_cosine, "numerical_rank_x": self.numerical_rank}


def sample_geometry(X: np.ndarray) -> SampleGeometry:
    """Duplicates, largest off-diagonal cosine and numerical rank of X (d0 x n, unit-norm columns)."""
    d0, n = X.shape
    norms = np.linalg.norm(X, axis=0)
    U = X / np.where(norms > 0, norms, 1.0)
    K = U.T @ U
    np.fill_diagonal(K, -np.inf)
    max_cos = min(float(K.max()), 1.0) if n > 1 else -1.0
    dup_mask = K >= DUPLICATE_COSINE
    later = np.triu(dup_mask, 1)
    is_dup = later.any(axis=0)  # column j duplicates some earlier i
    pairs = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(later)))[:5]
    del K
    with threads.serial():  # a d0 x n SVD: tiny, latency-bound
        s = np.linalg.svd(X, compute_uv=False)
    tol = max(d0, n) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
    return SampleGeometry(n, d0, int(is_dup.sum()), pairs, max_cos, int((s > tol).sum()))


def admissible_activations() -> tuple[str, ...]:
    """Activations with every Assumption 2 bullet holding (the only ones opcheck recommends)."""
    return tuple(name for name in NAMES if all(b.holds for b in get_activation(name).assumption_bullets()))


@dataclass(frozen=True)
class Cause:
    key: CauseKey
    sentence: str

    def as_dict(self) -> dict:
        return {"key": self.key.value, "sentence": self.sentence}


def causes(geom: SampleGeometry, d1: int, mu: float, act: Activation, standardized: bool) -> tuple[Cause, ...]:
    """Why μ_Φ is zero/tiny or C_needed infinite, most specific first (empty when nothing is wrong)."""
    out: list[Cause] = []
    n = geom.n
    if d1 < n:
        out.append(Cause(CauseKey.WIDTH_BELOW_N, f"d1 = {d1} < n = {n}: phi(W0 X) is d1 x n, so its rank is at most d1 and mu_Phi = 0; use a width of at least n = {n}."))
    if geom.duplicates:
        pairs = ", ".join(f"({i}, {j})" for i, j in geom.duplicate_pairs)
        out.append(Cause(CauseKey.DUPLICATE_SAMPLES, f"{geom.duplicates} sample(s) coincide with another after normalisation (e.g. samples {pairs}, counted from 0): "
                         "equal samples give equal columns of phi(W0 X), so mu_Phi = 0 at every width; remove the duplicates."))
    elif geom.max_cosine >= NEAR_PARALLEL_COSINE:
        hint = "" if standardized else " Standardising the features (--standardize: z-score each feature before the unit-norm scaling) usually spreads them apart."
        out.append(Cause(CauseKey.NEAR_PARALLEL_SAMPLES, f"samples are nearly parallel after normalisation: largest cosine {geom.max_cosine:.7g}, numerical rank of X "
                         f"{geom.numerical_rank} of min(d0, n) = {min(geom.d0, n)}; nearly equal columns make mu_Phi tiny.{hint}"))
    if not math.isfinite(act.ddphi_max.value):
        good = ", ".join(admissible_activations())
        out.append(Cause(CauseKey.UNBOUNDED_SECOND_DERIVATIVE, f"sup|phi''| = inf for {act.name} (not twice differentiable), so beta_Phi and the implied constant of (9) are infinite "
                         f"whatever mu_Phi is; activations satisfying Assumption 2: {good}."))
    if mu <= 0 and not any(c.key in (CauseKey.WIDTH_BELOW_N, CauseKey.DUPLICATE_SAMPLES, CauseKey.NEAR_PARALLEL_SAMPLES) for c in out):
        out.append(Cause(CauseKey.MU_PHI_ZERO, "mu_Phi = 0: lambda_min of phi(W0 X)^T phi(W0 X) is not certified above 0 (below the Gram's rounding floor); "
                         f"no two samples coincide or have cosine >= {NEAR_PARALLEL_COSINE} (largest {geom.max_cosine:.7g}), so the likely cause is "
                         "a width too close to n, the init scale, or samples close to each other without being near-parallel; a larger width is what "
                         "raises mu_Phi."))
    return tuple(out)
