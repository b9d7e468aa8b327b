"""Exact σ_min(J) by the formed Gram at n = 20,000 on one machine: time, measured and predicted peak.

Sphere data (n samples uniform on S^{d0−1}), LeCun W0, V0, GELU, d2 = 1, float64.
The path is :func:`opcheck.linalg.streamed_gram.streamed_jacobian_extremes`: φ(W X),
φ'(W X) streamed in chunks of hidden units, the Gram accumulated in place in one
N × N array, λ_min certified by two in-place Cholesky factorisations.  Prints:

  * the memory planner's predicted peak (before allocating) and the measured peak
    (VmHWM from /proc/self/status), and their ratio (target: within 20 %);
  * wall time per stage and in total (target: 10 minutes), GFLOP/s of the Gram
    against numpy's matmul rate measured in the same run;
  * σ_min(J), σ_max(J) with certified intervals;
  * the load average before and after (other processes share the machine).

Run:  .venv/bin/python benchmarks/bench_scale.py [--n 20000] [--d1 20000] [--d0 64]
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import opcheck  # noqa: E402,F401  (first: the BLAS kernel guard must run before numpy loads OpenBLAS)

import numpy as np  # noqa: E402

from _timing import machine_line, matmul_gflops  # noqa: E402

from opcheck._runtime import seeding  # noqa: E402
from opcheck.linalg import gram, spectra  # noqa: E402
from opcheck.linalg.streamed_gram import plan, resident_bytes, streamed_jacobian_extremes  # noqa: E402
from opcheck.linalg.symmetric_store import SymmetricStore  # noqa: E402
from opcheck.model.activations import get_activation  # noqa: E402
from opcheck.model.network import init_scales, sample_params  # noqa: E402


def arg(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def main() -> None:
    n, d1, d0, d2 = arg("--n", 20000), arg("--d1", 20000), arg("--d0", 64), 1
    GB = 1024.0**3
    print(f"{machine_line()}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(default)')}")
    rate = matmul_gflops(3000)
    print(f"numpy matmul rate now: {rate:.1f} GFLOP/s")
    rng = seeding.rng(0, "sphere")
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    p0 = sample_params(init_scales("lecun", d0, d1, d2), d0, d1, d2, seeding.rng(0, "init"))
    act = get_activation("gelu")
    pl = plan(n, d1, d2)
    print(f"n = {n}, d0 = {d0}, d1 = {d1}, d2 = {d2}: Gram order {d2 * n}; predicted peak {pl.predicted_peak_bytes / GB:.2f} GB "
          f"(resident now {pl.baseline_bytes / GB:.2f} GB + working {pl.working_bytes / GB:.2f} GB)")
    stages = {}
    orig_store_extremes = spectra.store_extremes

    def timed_store_extremes(*args, **kwargs):
        stages["gram_formed"] = time.perf_counter() - t0
        s = time.perf_counter()
        out = orig_store_extremes(*args, **kwargs)
        stages["certified_extremes"] = time.perf_counter() - s
        return out

    spectra.store_extremes = timed_store_extremes
    factors: list[tuple[float, float, bool]] = []  # (shift, sign, ran to completion) of every factorisation
    bounds: list[float] = []  # the rounding bound each certificate's factor proved
    orig_factor, orig_bound = SymmetricStore.factor, SymmetricStore.factor_rounding_bound

    def logged_factor(self, shift, sign=1.0):
        ok = orig_factor(self, shift, sign)
        factors.append((shift, sign, ok))
        return ok

    def logged_bound(self, *args, **kwargs):
        b = orig_bound(self, *args, **kwargs)
        bounds.append(b)
        return b

    SymmetricStore.factor, SymmetricStore.factor_rounding_bound = logged_factor, logged_bound
    t0 = time.perf_counter()
    ext, _ = streamed_jacobian_extremes(p0.W, p0.V, X, act.phi_and_dphi, seed=0)
    total = time.perf_counter() - t0
    peak = resident_bytes("VmHWM")
    flops = 2.0 * float(n) ** 2 * d1 + float(n) ** 2 * d0  # two dsyrk (n² d1 each) + the K panels
    print(f"Gram formed (streamed, in place): {stages['gram_formed']:.1f} s, {flops / stages['gram_formed'] / 1e9:.1f} GFLOP/s "
          f"({100 * flops / stages['gram_formed'] / 1e9 / rate:.0f} % of matmul)")
    print(f"certified extremes (Lanczos, 2 Cholesky in place, bounds): {stages['certified_extremes']:.1f} s, {ext.iterations} operator applications")
    print(f"total {total:.1f} s (target 600 s)")
    iv, ivx = ext.sigma_min_interval, ext.sigma_max_interval
    print(f"sigma_min(J) = {ext.sigma_min:.10g} in [{iv.lo:.10g}, {iv.hi:.10g}] (certified: {iv.lo_by.value} / {iv.hi_by.value})")
    print(f"sigma_max(J) = {ext.sigma_max:.10g} in [{ivx.lo:.10g}, {ivx.hi:.10g}]")
    print(f"lambda_min(J J^T) = {ext.lambda_min:.6g}; formation bound {iv.formation_error:.3g}; factorisations (shift, ran): "
          + ", ".join(f"({s:.4g}, {'yes' if ok else 'no'})" for s, sign, ok in factors if sign > 0)
          + "; their rounding bounds gamma_(N+1) rho(|R^T||R|): " + ", ".join(f"{b:.3g}" for b in bounds))
    print(f"peak resident (VmHWM) {peak / GB:.2f} GB; predicted {pl.predicted_peak_bytes / GB:.2f} GB; "
          f"prediction / measured = {pl.predicted_peak_bytes / peak:.3f} (target within 20 %)")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
