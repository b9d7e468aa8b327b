"""Structured Gram J Jᵀ against the explicit Jacobian, measured in one run.

Prints, on the same data:
  * the time of opcheck's structured Gram (I ⊗ AᵀA + K ⊙ Bᵀ diag(V_k V_k') B),
  * the time of building the explicit Jacobian and forming J Jᵀ (numpy),
  * their ratio, the agreement of the two Grams,
  * the structured Gram's achieved GFLOP/s against numpy's own matmul rate,
  * the explicit Jacobian's memory at the digits size (n = 1000, d1 = 4000, d2 = 10),
  * the wall time of the whole `run_verify` at that size.

Run:  .venv/bin/python benchmarks/bench_gram.py [--skip-full]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import opcheck  # noqa: E402,F401  (first, as in the console script: its OpenBLAS settings apply before numpy loads it)

import numpy as np  # noqa: E402

from _timing import best_of  # noqa: E402
from opcheck.model.activations import get_activation  # noqa: E402
from opcheck.linalg.gram import jacobian_gram  # noqa: E402


def explicit_jacobian_vectorised(W, V, X, act):
    """The naive baseline: materialise J (d2 n × d1 (d0 + d2)) with numpy broadcasting."""
    d1, d0 = W.shape
    d2, n = V.shape[0], X.shape[1]
    pre = W @ X
    A, B = act.phi(pre), act.dphi(pre)
    J = np.zeros((d2, n, d1 * d0 + d2 * d1))
    # ∂Z_ka/∂W_jl = V_kj B_ja X_la
    J[:, :, : d1 * d0] = (V[:, None, :, None] * B.T[None, :, :, None] * X.T[None, :, None, :]).reshape(d2, n, d1 * d0)
    for k in range(d2):
        J[k, :, d1 * d0 + k * d1 : d1 * d0 + (k + 1) * d1] = A.T
    return J.reshape(d2 * n, -1)




def main() -> None:
    act = get_activation("gelu")
    rng = np.random.default_rng(0)
    n, d0, d1, d2 = 200, 64, 1000, 10
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W = rng.standard_normal((d1, d0)) / np.sqrt(d0)
    V = rng.standard_normal((d2, d1)) / np.sqrt(d1)
    pre = W @ X
    A, B = act.phi(pre), act.dphi(pre)

    t_struct, G = best_of(lambda: jacobian_gram(V, A, B, X.T @ X))
    t_naive, JJ = best_of(lambda: (lambda J: J @ J.T)(explicit_jacobian_vectorised(W, V, X, act)), repeat=1)
    err = np.abs(G - JJ).max() / np.abs(JJ).max()
    p = d1 * (d0 + d2)
    print(f"size: n={n}, d0={d0}, d1={d1}, d2={d2}  (J is {d2 * n} x {p}, {d2 * n * p * 8 / 1e9:.2f} GB)")
    print(f"structured Gram          : {t_struct * 1e3:9.1f} ms")
    print(f"explicit J + J J^T       : {t_naive * 1e3:9.1f} ms")
    print(f"speed-up (measured ratio): {t_naive / t_struct:9.1f} x   (max rel. difference {err:.1e})")

    flops = float(d2 * n) ** 2 * d1 + float(n) ** 2 * d1  # syrk of the stacked factor + syrk of A
    m = 2000
    a = rng.standard_normal((m, m))
    t_mm, _ = best_of(lambda: a @ a)
    print(f"structured Gram rate     : {flops / t_struct / 1e9:9.1f} GFLOP/s")
    print(f"numpy matmul rate        : {2.0 * m**3 / t_mm / 1e9:9.1f} GFLOP/s  ({m}x{m} @ {m}x{m})")

    nd, dd0, dd1, dd2 = 1000, 64, 4000, 10
    print(f"explicit Jacobian at the digits size (n={nd}, d1={dd1}): {dd2 * nd * dd1 * (dd0 + dd2) * 8 / 1e9:.1f} GB; structured Gram {(dd2 * nd) ** 2 * 8 / 1e9:.1f} GB")
    if "--skip-full" not in sys.argv:
        from opcheck.data.prepare import prepare_dataset
        from opcheck.data.loaders import load_builtin
        from opcheck.checks.hypotheses import VerifyConfig, run_verify

        ds = prepare_dataset(load_builtin("digits", None, None, 0), n=nd, seed=0)
        t = time.perf_counter()
        res = run_verify(ds, VerifyConfig(width=dd1))
        print(f"run_verify at the digits size: {time.perf_counter() - t:.1f} s  (stages: {res.timings})")


if __name__ == "__main__":
    main()
