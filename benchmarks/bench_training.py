"""Gradient descent at the digits size, measured in one run.

Size: n = 1000 samples of sklearn digits (d0 = 64, unit-norm), d1 = 4000, d2 = 10
(one-hot), LeCun init, GELU.  Prints:

  * steps per second of :func:`opcheck.checks.gradient_descent.train` (σ_min tracking off), with
    and without the linearised run used for the laziness gap;
  * a breakdown of one analytic gradient step, each GEMM timed on its own, and the
    share of the step spent in BLAS (GEMMs) versus elementwise φ/φ' and updates;
  * a naive baseline at the same size: the gradient accumulated sample by sample
    (per-sample forward/backward with GEMV and rank-1 updates) — the ratio and the
    agreement of the two gradients;
  * the one-off costs around training at this size, in units of gradient steps:
    one Hessian-vector product, λ_max of the Hessian (the default step), one
    structured-Gram σ_min(J) point, one Jacobian-difference norm (Lipschitz pair).

Timings are best-of-k wall clock on this machine; the ratios are what to read.
Run:  .venv/bin/python benchmarks/bench_training.py [--quick | --full]
(``--full`` adds λ_min of the Hessian, a couple of minutes at this size.)
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import best_of  # noqa: E402
from opcheck._runtime import seeding  # noqa: E402
from opcheck.model.activations import get_activation  # noqa: E402
from opcheck.data.prepare import prepare_dataset  # noqa: E402
from opcheck.checks.gradient_descent import TrainConfig, train, trained_jacobian_extremes  # noqa: E402
from opcheck.linalg.loss_derivatives import HessianProducts, loss_and_gradient  # noqa: E402
from opcheck.linalg.hessian_spectrum import hessian_extremes, hessian_lambda_max  # noqa: E402
from opcheck.checks.lipschitz import jacobian_difference_norm  # noqa: E402
from opcheck.data.loaders import load_builtin  # noqa: E402
from opcheck.model.network import Params, init_scales, sample_params  # noqa: E402




def naive_gradient(W, V, X, Y, act):
    """Per-sample loop: for each column x_a, forward, residual, and rank-1 gradient updates."""
    gW = np.zeros_like(W)
    gV = np.zeros_like(V)
    for a in range(X.shape[1]):
        x = X[:, a]
        z = W @ x
        h = act.phi(z)
        r = V @ h - Y[:, a]
        gV += 2.0 * np.outer(r, h)
        gW += 2.0 * np.outer((V.T @ r) * act.dphi(z), x)
    return gW, gV


def whole_array_gelu(P):
    """The fused GELU as it was before blocking: whole-array temporaries, one thread."""
    from scipy import special

    cdf = special.ndtr(P)
    return P * cdf, cdf + P * (np.exp(-0.5 * P * P) / math.sqrt(2.0 * math.pi))


def threads() -> str:
    try:
        from threadpoolctl import threadpool_info

        info = [f"{d.get('internal_api')}:{d.get('num_threads')}" for d in threadpool_info() if d.get("user_api") == "blas"]
        return ", ".join(info) or "unknown"
    except ImportError:
        return "threadpoolctl not installed"


def main(quick: bool = False, full: bool = False) -> None:
    raw = load_builtin("digits", None, None, 0)
    ds = prepare_dataset(raw, n=1000)
    X, Y = ds.X, ds.Y
    d0, n = X.shape
    d2 = Y.shape[0]
    d1 = 4000
    act = get_activation("gelu")
    p0 = sample_params(init_scales("lecun", d0, d1, d2), d0, d1, d2, seeding.rng(0, "init"))
    p = d1 * (d0 + d2)
    print(f"digits: n = {n}, d0 = {d0}, d1 = {d1}, d2 = {d2}, p = {p:,} parameters; BLAS threads: {threads()}")

    # ---- the default step size: 1/lambda_max of the Hessian at Theta0
    t_lam, top = best_of(lambda: hessian_lambda_max(p0, X, Y, act), 1)
    lr = 1.0 / top.value

    # ---- whole training loop
    steps = 10 if quick else 30
    cfg = dict(steps=steps, lr=lr, sigma_points=0, path_points=0)
    t_lazy, _ = best_of(lambda: train(X, Y, p0, act, mu=1.0, rho=1.0, nu=1.0, config=TrainConfig(**cfg, lazy=True)), 2)
    t_plain, _ = best_of(lambda: train(X, Y, p0, act, mu=1.0, rho=1.0, nu=1.0, config=TrainConfig(**cfg, lazy=False)), 2)
    sps_lazy, sps_plain = steps / t_lazy, steps / t_plain
    print(f"\ntrain(): {sps_plain:.1f} steps/s without the linearised run, {sps_lazy:.1f} steps/s with it (laziness costs x{sps_plain / sps_lazy:.2f})")

    # ---- one gradient step, piece by piece
    W, V = p0.W.copy(), p0.V.copy()
    rep = 5
    parts = {}
    parts["GEMM  P = W X          (d1 d0 n)"], P = best_of(lambda: W @ X, rep)
    t_sep_a, A = best_of(lambda: act.phi(P), rep)
    t_sep_b, B = best_of(lambda: act.dphi(P), rep)
    parts["elem  A, B = phi, phi'(P) (fused)"], _ = best_of(lambda: act.phi_and_dphi(P), rep)
    parts["GEMM  R = V A - Y      (d2 d1 n)"], R = best_of(lambda: V @ A - Y, rep)
    parts["GEMM  V^T R            (d1 d2 n)"], VR = best_of(lambda: V.T @ R, rep)
    parts["elem  (V^T R) * B"], G = best_of(lambda: VR * B, rep)
    parts["GEMM  grad_W = G X^T   (d1 n d0)"], gW = best_of(lambda: 2.0 * (G @ X.T), rep)
    parts["GEMM  grad_V = R A^T   (d2 n d1)"], gV = best_of(lambda: 2.0 * (R @ A.T), rep)
    parts["elem  update + norms"], _ = best_of(lambda: (W - 1e-3 * gW, V - 1e-3 * gV, np.linalg.norm(W - p0.W), np.linalg.norm(V - p0.V)), rep)
    total = sum(parts.values())
    gemm = sum(v for k, v in parts.items() if k.startswith("GEMM"))
    t_step, lg = best_of(lambda: loss_and_gradient(p0, X, Y, act), rep)
    print(f"\none gradient step, timed piece by piece (sum {1e3 * total:.1f} ms; loss_and_gradient alone {1e3 * t_step:.1f} ms):")
    for k, v in parts.items():
        print(f"  {k:38s} {1e3 * v:8.2f} ms  {100 * v / total:5.1f} %")
    gflop = 2.0 * n * d1 * (2 * d0 + 3 * d2) / 1e9
    print(f"BLAS (GEMM) share of the step: {100 * gemm / total:.1f} %   ({gflop:.2f} GFLOP per step, {gflop / gemm:.1f} GFLOP/s in the GEMMs)")
    t_fused = parts["elem  A, B = phi, phi'(P) (fused)"]
    t_whole, _ = best_of(lambda: whole_array_gelu(P), rep)
    print(f"previous fused GELU (whole arrays, one thread): {1e3 * t_whole:.1f} ms; blocked over threads: {1e3 * t_fused:.1f} ms -> x{t_whole / t_fused:.2f}")
    print(f"elementwise phi/phi' share:     {100 * t_fused / total:.1f} %")
    print(f"phi and phi' separately (phi(P), dphi(P)): {1e3 * (t_sep_a + t_sep_b):.1f} ms; fused on L2-sized blocks over threads: "
          f"{1e3 * t_fused:.1f} ms -> x{(t_sep_a + t_sep_b) / t_fused:.2f}; a step with the separate pair would take "
          f"{1e3 * (total - t_fused + t_sep_a + t_sep_b):.1f} ms (x{(total - t_fused + t_sep_a + t_sep_b) / total:.2f} of the fused step)")

    # ---- naive baseline, same size
    t_naive, (nW, nV) = best_of(lambda: naive_gradient(p0.W, p0.V, X, Y, act), 1 if quick else 2)
    err = max(np.abs(nW - lg.grad.W).max() / np.abs(lg.grad.W).max(), np.abs(nV - lg.grad.V).max() / np.abs(lg.grad.V).max())
    print(f"\nnaive per-sample gradient: {1e3 * t_naive:.0f} ms vs {1e3 * t_step:.1f} ms vectorised -> x{t_naive / t_step:.1f} faster (max rel. difference {err:.1e})")

    # ---- one-off costs at this size
    H = HessianProducts(p0, X, Y, act)
    v = np.random.default_rng(0).standard_normal(p)
    t_hvp, _ = best_of(lambda: H.matvec(v), rep)
    print(f"\none Hessian-vector product: {1e3 * t_hvp:.1f} ms ({t_hvp / t_step:.2f} gradient steps)")
    print(f"lambda_max of the Hessian (default lr = 1/lambda_max): {t_lam:.1f} s = {t_lam / t_step:.0f} gradient steps, {top.products} HVPs, lambda_max = {top.value:.6g}, converged = {top.converged}")
    if not quick:
        K = X.T @ X
        t_sig, ext = best_of(lambda: trained_jacobian_extremes(p0.V, lg.A, lg.B, X, K, "both"), 1)
        print(f"one sigma_min(J) point ({ext.method}): {t_sig:.1f} s = {t_sig / t_step:.0f} gradient steps; sigma_min = {ext.sigma_min:.4g}")
        rng = np.random.default_rng(1)
        q = Params(p0.W + 1e-2 * rng.standard_normal(p0.W.shape), p0.V + 1e-2 * rng.standard_normal(p0.V.shape))
        t_dn, dn = best_of(lambda: jacobian_difference_norm(p0, q, X, act, tol=1e-6, ncv=12), 1)
        print(f"one Lipschitz pair ||J(a) - J(b)||_op (defaults of jacobian_lipschitz_lower): {t_dn:.1f} s = {t_dn / t_step:.0f} gradient steps, {dn.products} products of D D^T")
    if full:
        t_he, he = best_of(lambda: hessian_extremes(p0, X, Y, act), 1)
        print(f"Hessian extremes (smoothness): {t_he:.1f} s, {he.products_max} + {he.products_min} HVPs, lambda_max = {he.lambda_max:.6g}, lambda_min = {he.lambda_min:.6g}, converged = {he.converged_max and he.converged_min}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv, full="--full" in sys.argv)
