"""Matrix-free products with the Jacobian of Φ(Θ) = V φ(W X).

With ``A = φ(W X)``, ``B = φ'(W X)`` (d1 × n) the Jacobian ``J = ∂vec(Φ)/∂vec(Θ)``
(rows ordered (k, a) → k·n + a, columns [vec W, vec V], C order) acts as

    J (dW, dV)  = dV A + V (B ⊙ (dW X))                      (d2 × n)
    Jᵀ U        = ( ((Vᵀ U) ⊙ B) Xᵀ ,  U Aᵀ )                (d1 × d0, d2 × d1)

Each product costs a few GEMMs of size n·d1·(d0 + d2); the d2·n × d1·(d0+d2)
matrix itself is never formed (design.md, numerical rules).
"""
from __future__ import annotations

import numpy as np

from opcheck.model.network import Params


def jvp(V: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, dW: np.ndarray, dV: np.ndarray) -> np.ndarray:
    """``J (dW, dV)`` as a d2 × n array."""
    return dV @ A + V @ (B * (dW @ X))


def vjp(V: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, U: np.ndarray) -> Params:
    """``Jᵀ U`` for U of shape d2 × n, as a :class:`Params` (dW, dV)."""
    return Params(((V.T @ U) * B) @ X.T, U @ A.T)
