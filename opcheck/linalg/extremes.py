"""The result of the extreme-eigenvalue solvers (:mod:`opcheck.linalg.spectra`): values, certified intervals, solver health."""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from opcheck._runtime.serialize import internal
from opcheck.linalg.intervals import SpectralInterval, structural_zero_interval


class Method(str, enum.Enum):
    DENSE = "dense eigvalsh (LAPACK)"
    SHIFT_INVERT = "Lanczos + Cholesky shift-invert"
    LANCZOS = "matrix-free Lanczos (shifted for lambda_min)"
    SVD = "dense SVD (LAPACK gesdd)"
    STRUCTURAL = "structural zero (rank bound)"
    DISTRIBUTED = "distributed blocked Gram (Dask): Lanczos + blocked-Cholesky shift-invert"


@dataclass(frozen=True)
class Extremes:
    """λ_min and λ_max of a PSD matrix with solver health."""

    lambda_min: float
    lambda_max: float
    method: str
    iterations: int
    residual_min: float
    residual_max: float
    resolution: float  # rounding floor of λ_min (N ε λ_max plus the formation error)
    note: str = ""
    lambda_min_interval: SpectralInterval | None = None  # certified enclosure of λ_min
    lambda_max_interval: SpectralInterval | None = None
    #: the unit Ritz vectors (v_min, v_max) of a formed matrix, for starting a related solve; not serialised
    vectors: tuple[np.ndarray, np.ndarray] | None = internal(default=None)

    @property
    def sigma_min(self) -> float:
        return math.sqrt(max(self.lambda_min, 0.0))

    @property
    def sigma_max(self) -> float:
        return math.sqrt(max(self.lambda_max, 0.0))

    @property
    def sigma_min_interval(self) -> SpectralInterval | None:
        """Certified ``[lo, hi] ∋ σ_min``; ``.positive`` is the proof of ``σ_min > 0``."""
        return self.lambda_min_interval.sqrt() if self.lambda_min_interval is not None else None

    @property
    def sigma_max_interval(self) -> SpectralInterval | None:
        return self.lambda_max_interval.sqrt() if self.lambda_max_interval is not None else None

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
            "intervals": {
                name: (iv.as_dict() if iv is not None else None)
                for name, iv in (
                    ("lambda_min", self.lambda_min_interval),
                    ("lambda_max", self.lambda_max_interval),
                    ("sigma_min", self.sigma_min_interval),
                    ("sigma_max", self.sigma_max_interval),
                )
            },
        }


def structural_zero(lambda_max: float, reason: str, lambda_max_interval: SpectralInterval | None = None) -> Extremes:
    """λ_min = 0 exactly, because the rank is provably below the size."""
    return Extremes(0.0, lambda_max, Method.STRUCTURAL.value, 0, 0.0, 0.0, 0.0, reason, structural_zero_interval(), lambda_max_interval)
