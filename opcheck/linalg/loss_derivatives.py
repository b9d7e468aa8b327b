"""Gradient and exact Hessian-vector products of the loss (16).

The loss is ``h(Θ) = f(Φ(Θ)) = ‖V φ(W X) − Y‖_F²`` (eq. 16: no ½, no 1/n) with
``Φ(Θ) = V φ(W X)``.  Write ``P = W X`` (d1 × n), ``A = φ(P)``, ``B = φ'(P)``,
``C = φ''(P)`` and the residual ``R = V A − Y`` (d2 × n).

Gradient (chain rule, ``∇h = 2 Jᵀ vec R``)::

    ∇_V h = 2 R Aᵀ                         (d2 × d1)
    ∇_W h = 2 ((Vᵀ R) ⊙ B) Xᵀ              (d1 × d0)

Hessian.  ``∇²h = 2 Jᵀ J + 2 Σ_{k,a} R_ka ∇²Φ_ka`` (Gauss–Newton part plus the
residual-curvature part).  Since ``Φ_ka = Σ_j V_kj φ(w_j·x_a)`` the only
non-zero second derivatives are

    ∂²Φ_ka / ∂W_jl ∂W_j'l'  = δ_jj' V_kj φ''(w_j·x_a) X_la X_l'a     (W–W)
    ∂²Φ_ka / ∂W_jl ∂V_k'j'  = δ_jj' δ_kk' φ'(w_j·x_a) X_la            (W–V cross)
    ∂²Φ_ka / ∂V ∂V          = 0                                        (Φ is linear in V)

so, for a direction ``v = (dW, dV)`` with ``Q = dW X``, the residual part
``M v = Σ_ka R_ka ∇²Φ_ka v`` is

    (M v)_W = [ (Vᵀ R) ⊙ C ⊙ Q  +  (dVᵀ R) ⊙ B ] Xᵀ
    (M v)_V = R (B ⊙ Q)ᵀ

and with ``J v = dV A + V (B ⊙ Q)`` (:func:`opcheck.linalg.jacobian.jvp`) the exact
Hessian-vector product is

    (∇²h v)_W = 2 [ (Vᵀ J v + dVᵀ R) ⊙ B  +  (Vᵀ R) ⊙ C ⊙ Q ] Xᵀ
    (∇²h v)_V = 2 [ (J v) Aᵀ  +  R (B ⊙ Q)ᵀ ] .

Each product costs two GEMMs of size n·d0·d1 and six of size n·d1·d2; the
Hessian itself (p × p, p = d1 (d0 + d2)) is never formed.  For ReLU φ'' is a
Dirac mass at 0; the products here use the a.e. value φ'' = 0, i.e. they are the
Hessian wherever no pre-activation sits exactly at the kink.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from opcheck.model.activations import Activation
from opcheck.linalg.jacobian import jvp, vjp
from opcheck.model.network import Params

BLOCKS = ("both", "first", "second")


@dataclass(frozen=True)
class LossGrad:
    """``h(Θ)``, ``∇h(Θ)`` and the forward quantities they used."""

    loss: float
    grad: Params
    A: np.ndarray  # φ(W X), d1 × n
    B: np.ndarray  # φ'(W X), d1 × n
    R: np.ndarray  # V A − Y, d2 × n


def loss_and_gradient(params: Params, X: np.ndarray, Y: np.ndarray, act: Activation) -> LossGrad:
    """``h(Θ)`` (eq. 16) and ``∇h(Θ) = 2 Jᵀ R = (2((VᵀR) ⊙ B) Xᵀ, 2 R Aᵀ)``."""
    P = params.W @ X
    A, B = act.phi_and_dphi(P)
    R = params.V @ A
    R -= Y
    g = vjp(params.V, A, B, X, 2.0 * R)
    return LossGrad(float(np.vdot(R, R)), g, A, B, R)


def gradient(params: Params, X: np.ndarray, Y: np.ndarray, act: Activation) -> Params:
    """``∇h(Θ)`` as :class:`Params` (∇_W, ∇_V)."""
    return loss_and_gradient(params, X, Y, act).grad


class HessianProducts:
    """Exact products with ``∇²h(Θ)`` at a fixed Θ (formulas in the module docstring).

    ``block`` restricts the Hessian to the trained parameters: ``'both'`` (W and V,
    the paper's setting), ``'first'`` (the W–W block) or ``'second'`` (the V–V
    block ``2 I ⊗ AAᵀ`` — Φ is linear in V).  :meth:`matvec` acts on flat vectors of
    the block's size in the order of :meth:`Params.flat`.
    """

    def __init__(self, params: Params, X: np.ndarray, Y: np.ndarray, act: Activation, block: str = "both"):
        if block not in BLOCKS:
            raise ValueError(f"block must be one of {BLOCKS}, got {block!r}")
        self.params, self.X, self.block = params, X, block
        P = params.W @ X
        self.A, self.B = act.phi_and_dphi(P)
        self.R = params.V @ self.A - Y
        self.S = (params.V.T @ self.R) * act.ddphi(P)  # (Vᵀ R) ⊙ C
        d1, d0 = params.W.shape
        d2 = params.V.shape[0]
        self.shape_w, self.shape_v = (d1, d0), (d2, d1)
        self.size_w, self.size_v = d1 * d0, d2 * d1
        self.size = {"both": self.size_w + self.size_v, "first": self.size_w, "second": self.size_v}[block]

    def apply(self, dW: np.ndarray, dV: np.ndarray) -> Params:
        """``∇²h (dW, dV)`` of the full Hessian, as :class:`Params`."""
        V, X, A, B, R = self.params.V, self.X, self.A, self.B, self.R
        Q = dW @ X
        BQ = B * Q
        Jv = dV @ A + V @ BQ  # = jvp(V, A, B, X, dW, dV), sharing Q
        T = (V.T @ Jv + dV.T @ R) * B
        T += self.S * Q
        gW = 2.0 * (T @ X.T)
        gV = 2.0 * (Jv @ A.T + R @ BQ.T)
        return Params(gW, gV)

    def gauss_newton(self, dW: np.ndarray, dV: np.ndarray) -> Params:
        """The Gauss–Newton part ``2 Jᵀ J (dW, dV)`` alone."""
        V, A, B = self.params.V, self.A, self.B
        return vjp(V, A, B, self.X, 2.0 * jvp(V, A, B, self.X, dW, dV))

    def matvec(self, x: np.ndarray) -> np.ndarray:
        """Product of the (block-restricted) Hessian with a flat vector."""
        x = np.ravel(x)
        if self.block == "both":
            dW = x[: self.size_w].reshape(self.shape_w)
            dV = x[self.size_w :].reshape(self.shape_v)
            return self.apply(dW, dV).flat()
        if self.block == "first":
            out = self.apply(x.reshape(self.shape_w), np.zeros(self.shape_v))
            return out.W.ravel()
        # Φ is linear in V: the V–V block is 2 Jᵥᵀ Jᵥ, i.e. dV ↦ 2 dV A Aᵀ.
        dV = x.reshape(self.shape_v)
        return (2.0 * ((dV @ self.A) @ self.A.T)).ravel()


def hvp(params: Params, X: np.ndarray, Y: np.ndarray, act: Activation, dW: np.ndarray, dV: np.ndarray) -> Params:
    """One exact product ``∇²h(Θ) (dW, dV)``; build :class:`HessianProducts` once for many."""
    return HessianProducts(params, X, Y, act).apply(dW, dV)
