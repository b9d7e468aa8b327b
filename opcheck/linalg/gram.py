"""The structured Gram ``J Jᵀ`` of the shallow network's Jacobian (design.md).

For ``Φ(Θ) = V φ(W X)`` with ``A = φ(W X)``, ``B = φ'(W X)`` (d1 × n), ``K = XᵀX``
and rows ordered (k, a) → k·n + a, the empirical NTK Gram is

    (J Jᵀ)[(k,a),(k',b)] = δ_kk' (AᵀA)_ab  +  K_ab · Σ_j V_kj V_k'j B_ja B_jb
                         = [I_d2 ⊗ AᵀA]  +  [K ⊙ (Bᵀ diag(V_k ⊙ V_k') B)]_{k,k'} .

The first term is the V-block ``J_V J_Vᵀ`` (∂Φ/∂V), the second the W-block
``J_W J_Wᵀ`` (∂Φ/∂W); both are PSD, so ``σ_min(J) ≥ σ_min(A) = μ_Φ`` (theory.md §4).
Cost: d2(d2+1)/2 GEMMs of n × d1 × n — O(d2² n² d1) — and (d2 n)² floats of memory;
the explicit Jacobian would need d2 n · d1 (d0 + d2) floats.
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import blas

from opcheck._runtime import memory


def gram_bytes(n: int, d1: int, d2: int) -> float:
    """Peak bytes of the verify pipeline: two Gram copies (W-block and full) and the stacked d1 × d2·n factor."""
    return memory.float64_bytes((d2 * n, d2 * n), (d2 * n, d2 * n), (d1, d2 * n))


def w_block_gram(V: np.ndarray, B: np.ndarray, K: np.ndarray) -> np.ndarray:
    """``J_W J_Wᵀ`` — the Gram of the first-layer block, d2·n × d2·n.

    With the stacked factor ``S = [diag(V_1) B, …, diag(V_d2) B]`` (d1 × d2·n),
    ``Bᵀ diag(V_k ⊙ V_k') B`` is block (k, k') of ``SᵀS`` — one symmetric rank-d1
    update (BLAS syrk, which numpy uses for ``S.T @ S``) instead of d2(d2+1)/2
    separate GEMMs — followed by the Hadamard product with the tiled ``K``.
    """
    d2, n = V.shape[0], B.shape[1]
    S = np.empty((B.shape[0], d2 * n))
    for k in range(d2):
        np.multiply(B, V[k][:, None], out=S[:, k * n : (k + 1) * n])
    G = S.T @ S
    del S
    for k in range(d2):
        for kp in range(d2):
            G[k * n : (k + 1) * n, kp * n : (kp + 1) * n] *= K
    return G


def v_block_gram(A: np.ndarray) -> np.ndarray:
    """``AᵀA`` (n × n); the V-block Gram is ``I_d2 ⊗ AᵀA``."""
    return _syrk(A)


def jacobian_gram(V: np.ndarray, A: np.ndarray, B: np.ndarray, K: np.ndarray, w_block: np.ndarray | None = None) -> np.ndarray:
    """``J Jᵀ = I_d2 ⊗ AᵀA + J_W J_Wᵀ``; reuses ``w_block`` (then modified in place) if given."""
    d2, n = V.shape[0], A.shape[1]
    G = w_block_gram(V, B, K) if w_block is None else w_block
    AtA = v_block_gram(A)
    for k in range(d2):
        G[k * n : (k + 1) * n, k * n : (k + 1) * n] += AtA
    return G


def _syrk(A: np.ndarray) -> np.ndarray:
    """``AᵀA`` via BLAS dsyrk (half the flops of a GEMM), symmetrised."""
    C = blas.dsyrk(1.0, np.asfortranarray(A), trans=1, lower=0)
    upper = np.triu(C)
    return upper + np.triu(upper, 1).T
