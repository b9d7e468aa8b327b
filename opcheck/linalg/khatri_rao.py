"""σ_min of the Khatri–Rao powers X^{*t} without forming them (theory.md §4).

``X^{*t} ∈ R^{d0^t × n}`` has column a equal to ``vec(x_a^{⊗t})``; its Gram is the
entrywise power of the data Gram, ``(X^{*t})ᵀ X^{*t} = (XᵀX)^{∘t}``, so

    σ_min(X^{*t})² = λ_min((XᵀX)^{∘t})     and     σ_max(X^{*t})² = λ_max((XᵀX)^{∘t}).

The columns of X^{*t} are symmetric tensors, so rank(X^{*t}) ≤ C(d0 + t − 1, t):
when n exceeds that, σ_min is exactly 0 — reported structurally, not numerically.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from opcheck.linalg import spectra


@dataclass(frozen=True)
class KhatriRaoPower:
    t: int
    sigma_min: float
    sigma_max: float
    reason: str  # why sigma_min is 0, or the solver note
    method: str

    def as_dict(self) -> dict:
        return {"t": self.t, "sigma_min": self.sigma_min, "sigma_max": self.sigma_max, "reason": self.reason, "method": self.method}


def symmetric_rank_bound(d0: int, t: int) -> int:
    """``C(d0 + t − 1, t)``: the dimension of symmetric t-tensors on R^{d0}."""
    return math.comb(d0 + t - 1, t)


def khatri_rao_extremes(X: np.ndarray, ts: range | list[int] = range(1, 5), seed: int = 0) -> list[KhatriRaoPower]:
    """σ_min and σ_max of X^{*t} for each t, via ``(XᵀX)^{∘t}``."""
    d0, n = X.shape
    K = X.T @ X
    out = []
    for t in ts:
        Kt = K**t
        bound = symmetric_rank_bound(d0, t)
        if n > bound:
            lmax = spectra.top_eigenvalue(lambda u, Kt=Kt: Kt @ u, n, seed)
            out.append(KhatriRaoPower(t, 0.0, math.sqrt(max(lmax, 0.0)), f"n = {n} > C(d0+t-1, t) = {bound} bounds the rank", spectra.Method.STRUCTURAL.value))
            continue
        ext = spectra.gram_extremes(Kt, seed)
        out.append(KhatriRaoPower(t, ext.sigma_min, ext.sigma_max, ext.note, ext.method))
    return out
