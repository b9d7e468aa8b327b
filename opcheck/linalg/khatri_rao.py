"""σ_min of the Khatri–Rao powers X^{*t} without forming them (theory.md §4).

``X^{*t} ∈ R^{d0^t × n}`` has column a equal to ``vec(x_a^{⊗t})``; its Gram is the
entrywise power of the data Gram, ``(X^{*t})ᵀ X^{*t} = (XᵀX)^{∘t}``, so

    σ_min(X^{*t})² = λ_min((XᵀX)^{∘t})     and     σ_max(X^{*t})² = λ_max((XᵀX)^{∘t}).

The columns of X^{*t} are symmetric tensors, so rank(X^{*t}) ≤ C(d0 + t − 1, t):
when n exceeds that, σ_min is exactly 0 — reported structurally, not numerically.

Rounding: ``K = fl(XᵀX)`` is within ``γ_{d0}|X|ᵀ|X|`` of XᵀX and the power is taken
by t − 1 multiplications, so ``|fl(K^{∘t}) − (XᵀX)^{∘t}| ≤ γ_{t(d0+1)} (|X|ᵀ|X|)^{∘t}``
elementwise; as ``(|X|ᵀ|X|)_ab ≤ ‖x_a‖‖x_b‖`` the 2-norm of the error is at most
``γ_{t(d0+1)} Σ_a ‖x_a‖^{2t}`` — the formation error of the certified intervals.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from opcheck._runtime import threads
from opcheck.linalg import spectra
from opcheck.linalg.intervals import SAFETY, SpectralInterval, gamma, structural_zero_interval
from opcheck.linalg.symmetric_store import SymmetricStore


@dataclass(frozen=True)
class KhatriRaoPower:
    t: int
    sigma_min: float
    sigma_max: float
    reason: str  # why sigma_min is 0, or the solver note
    method: str
    sigma_min_interval: SpectralInterval | None = None  # certified [lo, hi] of sigma_min(X^{*t})
    sigma_max_interval: SpectralInterval | None = None

    def as_dict(self) -> dict:
        return {
            "t": self.t, "sigma_min": self.sigma_min, "sigma_max": self.sigma_max, "reason": self.reason, "method": self.method,
            "sigma_min_interval": self.sigma_min_interval.as_dict() if self.sigma_min_interval else None,
            "sigma_max_interval": self.sigma_max_interval.as_dict() if self.sigma_max_interval else None,
        }


def symmetric_rank_bound(d0: int, t: int) -> int:
    """``C(d0 + t − 1, t)``: the dimension of symmetric t-tensors on R^{d0}."""
    return math.comb(d0 + t - 1, t)


def khatri_rao_extremes(X: np.ndarray, ts: range | list[int] = range(1, 5), seed: int = 0) -> list[KhatriRaoPower]:
    """σ_min and σ_max of X^{*t} for each t, via ``(XᵀX)^{∘t}``."""
    d0, n = X.shape
    K = X.T @ X
    norms2 = np.sum(X * X, axis=0)
    out = {}
    power, exponent = K.copy(), 1  # K^{∘exponent}, raised one multiplication at a time as the ts ask
    for t in sorted(set(ts)):
        for _ in range(t - exponent):
            power *= K
        exponent = max(exponent, t)
        Kt = power  # the same t − 1 roundings as multiplying a copy of K t − 1 times
        bound = symmetric_rank_bound(d0, t)
        if n > bound:
            if t == 1:  # λ_max(XᵀX) = λ_max(X Xᵀ), an eigvalsh of order d0 < n
                lmax = float(np.linalg.eigvalsh(X @ X.T)[-1])
            else:
                with threads.serial():  # one matrix-vector product at a time: latency-bound
                    lmax = spectra.top_eigenvalue(lambda u, Kt=Kt: Kt @ u, n, seed)
            out[t] = KhatriRaoPower(t, 0.0, math.sqrt(max(lmax, 0.0)), f"n = {n} > C(d0+t-1, t) = {bound} bounds the rank", spectra.Method.STRUCTURAL.value, structural_zero_interval())
            continue
        ferr = gamma(t * (d0 + 1)) * float(np.sum(norms2**t)) * SAFETY**2
        store = SymmetricStore(Kt)  # factorised in place; restored after, to be raised to the next power (no third n × n array)
        ext = spectra.store_extremes(store, seed, ferr, tight_max=False)  # sigma_max(X^{*t}) enters no bound: norm bounds suffice
        store.restore()
        out[t] = KhatriRaoPower(t, ext.sigma_min, ext.sigma_max, ext.note, ext.method, ext.sigma_min_interval, ext.sigma_max_interval)
    return [out[t] for t in ts]
