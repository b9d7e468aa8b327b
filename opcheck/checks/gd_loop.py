"""The gradient-descent loop of :func:`opcheck.checks.gradient_descent.train`: one step at a time, traced.

Per step: ``h_i``, ``‖Θ_i − Θ0‖``, the cumulative path length ``Σ η ‖∇h(Θ_i)‖``,
relative weight motion, the laziness gap against gradient descent on the
linearisation (``Z̃_{i+1} = Z̃_i − η J0 g̃_i``, ``g̃_i = 2 J0ᵀ (Z̃_i − Y)``), and
σ_min of the trained block's Jacobian at log-spaced steps.  Divergence (a
non-finite h) stops the loop and is reported, not warned about.
"""
from __future__ import annotations

import math

import numpy as np

from opcheck.checks.training_summary import Trace
from opcheck.linalg import spectra
from opcheck.linalg.gram import jacobian_gram, v_block_gram, w_block_gram
from opcheck.linalg.jacobian import jvp, vjp
from opcheck.linalg.jacobian_spectrum import jacobian_extremes
from opcheck.linalg.loss_derivatives import loss_and_gradient
from opcheck.model.activations import Activation
from opcheck.model.network import Params


def log_steps(last: int, count: int) -> list[int]:
    """``count`` roughly log-spaced integers in [0, last], always with 0 and ``last``.

    A count above ``last + 1`` means every step: there are no more to pick from.
    """
    if count <= 0 or last < 0:
        return []
    if last == 0 or count == 1:
        return [0] if count == 1 else sorted({0, last})
    if count >= last + 1:
        return list(range(last + 1))
    pts = {0, last} | {int(round(float(s))) for s in np.geomspace(1.0, float(last), max(count - 1, 1))}
    return sorted(pts)


def _block_grad(g: Params, layers: str) -> Params:
    if layers == "first":
        return Params(g.W, np.zeros_like(g.V))
    if layers == "second":
        return Params(np.zeros_like(g.W), g.V)
    return g


def _jvp_block(V0, A0, B0, X, g: Params, layers: str) -> np.ndarray:
    if layers == "first":
        return V0 @ (B0 * (g.W @ X))
    if layers == "second":
        return g.V @ A0
    return jvp(V0, A0, B0, X, g.W, g.V)


#: largest J0 J0ᵀ (bytes) the linearised run may hold instead of two Jacobian products per step
LINEAR_GRAM_BYTES = 64 * 2**20


def gram_pays(n: int, d0: int, d1: int, d2: int, steps: int) -> bool:
    """Whether :func:`linearised_step` uses the Gram (see there): cheaper over ``steps`` steps and small enough."""
    m = float(d2 * n)
    return 8.0 * m * m <= LINEAR_GRAM_BYTES and m * m * (3.0 * d1 + 8.0 * steps) < 2.0 * steps * d1 * n * (2 * d0 + 3 * d2)


def linearised_step(V0, A0, B0, X, K, layers: str, steps: int):
    """``R ↦ J0 J0ᵀ (2R)`` for the trained block: the linearised run's step is ``Z̃ −= η·this``.

    Two matrix-free products per step (GEMMs of ≈ 2 d1 n (2 d0 + 3 d2) flops), or, when
    cheaper over ``steps`` steps and at most :data:`LINEAR_GRAM_BYTES`, one product with the
    Gram ``G0 = J0 J0ᵀ`` (m = d2 n: formed once, ≈ m² d1 flops; then a matrix-vector product
    per step, memory-bound: counted as 8 flops per entry, measured on OpenBLAS).  For one
    output (d2 = 1, n ≪ d1 d0) the Gram wins by two orders of magnitude per step; with
    several outputs the products usually do.  Both are the same linear map; they differ
    only in rounding.
    """
    d2, n = V0.shape[0], X.shape[1]
    m = d2 * n
    if not gram_pays(n, X.shape[0], B0.shape[0], d2, steps):
        return lambda R: _jvp_block(V0, A0, B0, X, vjp(V0, A0, B0, X, 2.0 * R), layers)
    if layers == "second":
        G = np.kron(np.eye(d2), v_block_gram(A0)) if d2 > 1 else v_block_gram(A0)
    else:
        G = w_block_gram(V0, B0, K) if layers == "first" else jacobian_gram(V0, A0, B0, K)
    G *= 2.0
    return lambda R: (G @ R.reshape(m)).reshape(d2, n)


def trained_jacobian_extremes(V: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray, K: np.ndarray, layers: str, seed: int = 0) -> spectra.Extremes:
    """Extreme singular values² of the trained block's Jacobian (:mod:`opcheck.linalg.jacobian_spectrum`)."""
    return jacobian_extremes(V, A, B, X, (layers,), seed, K)[layers]


def run_loop(X, Y, params0: Params, act: Activation, config, lr: float, progress):
    """The gradient-descent loop: per-step trace, σ_min at its steps, log-spaced iterates.

    Kept as one loop on purpose: the per-step quantities (loss, distance, layer motion,
    linearisation gap) share the step's forward pass, and splitting the body would
    recompute or pass it around each step.
    """
    layers = config.layers
    W0, V0 = params0.W, params0.V
    W, V = W0.copy(), V0.copy()
    w0n, v0n = float(np.linalg.norm(W0)), float(np.linalg.norm(V0))
    K = X.T @ X
    sigma_plan = set(log_steps(config.steps, config.sigma_points))
    path_plan = set(log_steps(config.steps, config.path_points))
    lg = loss_and_gradient(Params(W, V), X, Y, act)
    A0, B0 = lg.A, lg.B
    Zlin = V0 @ A0 if config.lazy else None
    lin_step = linearised_step(V0, A0, B0, X, K, layers, config.steps) if config.lazy else None

    losses, dists, paths, gaps, lin_losses, wm, vm = [], [], [], [], [], [], []
    sig_step, sig_min, sig_max, sig_method = [], [], [], []
    iterates, iterate_steps = [], []
    path_len, diverged, tol_reached = 0.0, False, False
    i = 0
    # divergence is detected (non-finite h) and reported, not warned about
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            h = lg.loss
            dwn, dvn = float(np.linalg.norm(W - W0)), float(np.linalg.norm(V - V0))
            losses.append(h)
            dists.append(math.hypot(dwn, dvn))
            paths.append(path_len)
            wm.append(dwn / w0n if w0n > 0 else math.nan)
            vm.append(dvn / v0n if v0n > 0 else math.nan)
            if Zlin is not None:
                Rlin = Zlin - Y
                hl = float(np.vdot(Rlin, Rlin))
                lin_losses.append(hl)
                gaps.append(abs(h - hl))
            else:
                lin_losses.append(math.nan)
                gaps.append(math.nan)
            if progress is not None:
                progress(i, h)
            if not math.isfinite(h):
                diverged = True
                break
            last = i == config.steps or (config.tol is not None and h < config.tol) or (config.stop_gap is not None and gaps[-1] > config.stop_gap)
            if config.tol is not None and h < config.tol:
                tol_reached = True
            if i in sigma_plan or (last and config.sigma_points > 0):
                ext = trained_jacobian_extremes(V, lg.A, lg.B, X, K, layers, seed=config.seed)
                sig_step.append(i)
                sig_min.append(ext.sigma_min)
                sig_max.append(ext.sigma_max)
                sig_method.append(ext.method + (f" ({ext.note})" if ext.note else ""))
            if i in path_plan or (last and config.path_points > 0):
                iterates.append(Params(W.copy(), V.copy()))
                iterate_steps.append(i)
            if last:
                break
            g = _block_grad(lg.grad, layers)
            path_len += lr * math.sqrt(float(np.vdot(g.W, g.W) + np.vdot(g.V, g.V)))
            if layers != "second":
                W -= lr * g.W
            if layers != "first":
                V -= lr * g.V
            if Zlin is not None:
                Zlin -= lr * lin_step(Rlin)
            i += 1
            lg = loss_and_gradient(Params(W, V), X, Y, act)
    trace = Trace(np.asarray(losses), np.asarray(dists), path_len, diverged, tol_reached, sig_min, gaps, wm, vm)
    return trace, {"paths": paths, "lin_losses": lin_losses}, (sig_step, sig_min, sig_max, sig_method), (iterates, iterate_steps)
