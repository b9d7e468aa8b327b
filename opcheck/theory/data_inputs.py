"""The data's own values for the width bounds (``opcheck bound --data``).

Replaces the §5.3 order-analysis assumptions by measured spectra [theory.md §5, §8]:

* ``σ_max(X)`` (assumed ≃ √(n/d0)) — from λ_max(XᵀX);
* ``σ_min(X^{*t})`` (assumed ≃ 1) — :func:`opcheck.linalg.khatri_rao.khatri_rao_extremes`,
  i.e. ``λ_min((XᵀX)^{∘t})``, exactly 0 when n > C(d0+t−1, t);
* ``λ0`` of Du et al. — λ_min of the infinite-width ReLU NTK Gram

      H∞_ij = x_iᵀx_j (π − arccos(x_iᵀx_j)) / (2π),

  with the cosine clipped to [−1, 1] (unit-norm samples, Assumption 2), by
  :func:`opcheck.linalg.spectra.gram_extremes` (dense or shift-invert, with solver health).

X is d0 × n with unit-norm columns (the paper's convention).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from opcheck._runtime import blas_guard, memory
from opcheck.linalg import spectra
from opcheck.data.prepare import Dataset, prepare_dataset
from opcheck.errors import InputError
from opcheck.linalg.khatri_rao import KhatriRaoPower, khatri_rao_extremes
from opcheck.data.loaders import load_builtin, load_file

#: n × n float64 matrices alive at once: XᵀX, its power, a copy in the solver, H∞
_GRAMS_ALIVE = 4


@dataclass(frozen=True)
class DataSpectra:
    """Measured replacements for the order-analysis assumptions."""

    source: str
    n: int
    d0: int
    sigma_max_x: float
    powers: tuple[KhatriRaoPower, ...]  # ascending t, always including t = 1
    lambda0: float
    lambda0_method: str
    lambda0_note: str

    def sigma_min(self, t: int) -> float:
        for p in self.powers:
            if p.t == t:
                return p.sigma_min
        raise KeyError(t)

    def power_note(self, t: int) -> str:
        for p in self.powers:
            if p.t == t:
                return p.reason
        raise KeyError(t)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "n": self.n,
            "d0": self.d0,
            "sigma_max_x": self.sigma_max_x,
            "khatri_rao": [p.as_dict() for p in self.powers],
            "lambda0": self.lambda0,
            "lambda0_method": self.lambda0_method,
            "lambda0_note": self.lambda0_note,
            "source_kind": "data",
        }


def relu_ntk_gram(X: np.ndarray) -> np.ndarray:
    """``H∞_ij = c_ij (π − arccos c_ij)/(2π)``, ``c = clip(XᵀX, −1, 1)`` (Du et al. 2019)."""
    c = np.clip(X.T @ X, -1.0, 1.0)
    return c * (math.pi - np.arccos(c)) / (2.0 * math.pi)


def data_spectra(X: np.ndarray, ts: list[int], source: str = "data", seed: int = 0) -> DataSpectra:
    """σ_max(X), σ_min/σ_max(X^{*t}) for t in ``ts`` (and t = 1), and λ0 of H∞ (Grams of order n, formed and
    factorised under :func:`opcheck._runtime.blas_guard.crash_cap`)."""
    d0, n = X.shape
    memory.require(_GRAMS_ALIVE * memory.float64_bytes((n, n)), f"the {n} x {n} Gram matrices of --data", "use --n to take a subset of the samples")
    orders = sorted(set(ts) | {1})
    with blas_guard.crash_cap(n):
        powers = tuple(khatri_rao_extremes(X, orders, seed))
        ext = spectra.gram_extremes(relu_ntk_gram(X), seed)
    sigma_max_x = powers[0].sigma_max
    return DataSpectra(source, n, d0, sigma_max_x, powers, ext.lambda_min, ext.method, ext.note)


def load_dataset(path: str | None, dataset: str | None, n: int | None, d0: int | None, seed: int) -> Dataset:
    """Samples for ``--data FILE`` or ``--dataset NAME``, unit-normalised (Assumption 2).

    Labels are irrelevant to the width bounds (``labels='zeros'``).  ``n`` takes a
    seeded subset; ``d0`` must match a file's dimension (it sizes ``sphere``).
    """
    if path is not None and dataset is not None:
        raise InputError("give either --data FILE or --dataset NAME, not both")
    if path is not None:
        raw = load_file(path)
        if d0 is not None and d0 != raw.X.shape[1]:
            raise InputError(f"--d0 {d0} does not match the data's dimension {raw.X.shape[1]}; omit --d0 with --data")
        return prepare_dataset(raw, n=n, labels="zeros", normalize=True, seed=seed)
    assert dataset is not None
    raw = load_builtin(dataset, n, d0, seed)
    return prepare_dataset(raw, n=n if n is not None and n != raw.X.shape[0] else None, labels="zeros", normalize=True, seed=seed)
