"""The Jacobian Gram assembled on Dask workers that spill to disk: time, memory, flop rate, extrapolation.

Sphere data (n samples on S^{d0−1}), LeCun W0, V0, GELU, float64.  A LocalCluster of
``--workers`` processes (one thread each) with a per-worker ``--memory-limit`` far below
the Gram's size, so blocks are spilled to the temporary directory (managed-memory
spilling at 60 % of the limit; Dask's process-memory guards off, the measured peak RSS is printed); the Gram is assembled
blockwise (:class:`opcheck.linalg.distributed_gram.BlockedGram`) and its certified
extremes computed by :func:`opcheck.linalg.spectra.store_extremes` (Lanczos on the
distributed product, shift-invert through ``dask.array.linalg.cholesky``, Rump-test
certificates through further blocked factorisations).  Prints, in one run:

  * the load average before and after (other processes share the machine);
  * the planner's figures, the time per phase (assembly, products, factorisations,
    rounding bounds), the flop rate of the BLAS-3 phases;
  * each worker's peak resident memory (ru_maxrss) and the bytes it wrote to / read from disk;
  * λ_min, λ_max with intervals; with ``--check``, the same on the formed Gram here;
  * the largest order this machine's free disk and RAM can hold, and the time for
    d2·n = 60,000 on k machines extrapolated from the measured rates.

Run:  .venv/bin/python benchmarks/bench_distributed_gram.py [--n 8000] [--d1 2000] [--d0 64]
      [--d2 1] [--chunk 1000] [--memory-limit-mb 160] [--workers 2] [--check]
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import opcheck  # noqa: E402,F401  (first: the BLAS kernel guard must run before numpy loads OpenBLAS)

import numpy as np  # noqa: E402

from _timing import machine_line, matmul_gflops, sphere_problem  # noqa: E402

from opcheck._runtime import cluster  # noqa: E402
from opcheck.linalg import distributed_gram, gram, gram_error, gram_plan, spectra  # noqa: E402

GB = 1024.0**3


def arg(name: str, default: float) -> float:
    return float(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


class Timed:
    """The store interface of a BlockedGram, with wall time and calls per method."""

    METHODS = ("matvec", "abs_matvec", "factor", "solve", "factor_rounding_bound")

    def __init__(self, inner):
        self.inner, self.seconds, self.calls = inner, defaultdict(float), defaultdict(int)
        self.N, self.diag = inner.N, inner.diag

    def __getattr__(self, name):
        value = getattr(self.inner, name)
        if name not in self.METHODS:
            return value

        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return value(*a, **k)
            finally:
                self.seconds[name] += time.perf_counter() - t
                self.calls[name] += 1

        return timed

    @property
    def last_diagonal_max(self):
        return self.inner.last_diagonal_max


def worker_stats(dask_worker) -> dict:
    import resource

    metrics = getattr(dask_worker.data, "cumulative_metrics", {})
    return {
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0,
        "disk_write": float(metrics.get(("disk-write", "bytes"), 0.0)),
        "disk_read": float(metrics.get(("disk-read", "bytes"), 0.0)),
    }


def main() -> None:
    n, d1, d0, d2 = int(arg("--n", 8000)), int(arg("--d1", 2000)), int(arg("--d0", 64)), int(arg("--d2", 1))
    chunk, workers, limit = int(arg("--chunk", 1000)), int(arg("--workers", 2)), arg("--memory-limit-mb", 160) * 1024.0**2
    N = d2 * n
    print(machine_line())
    print(f"numpy matmul here (all cores, this process): {matmul_gflops(2000):.1f} GFLOP/s")
    X, params, act = sphere_problem(n, d0, d1, d2)
    pre = params.W @ X
    A, B, V = act.phi(pre), act.dphi(pre), params.V
    del pre
    storage = gram_plan.blocked_storage_bytes(N, chunk, d0, d1)
    print(f"n = {n}, d0 = {d0}, d1 = {d1}, d2 = {d2}: Gram of order N = {N} ({8.0 * N * N / GB:.2f} GB dense); "
          f"blocks of {chunk} ({-(-N // chunk)} per side); cluster stores {storage / GB:.2f} GB (Gram upper + factor lower + factor columns); "
          f"{workers} workers x 1 thread, memory_limit {limit / 1024**2:.0f} MB each (spill at 60 %)")

    spill_dir = tempfile.gettempdir()
    # managed-memory spilling only: a limit this small is below what Dask's process-memory (RSS) guards tolerate
    with cluster.dask_client(workers=workers, memory_limit=limit, local_directory=spill_dir, rss_guards=False) as client:
        t0 = time.perf_counter()
        bg = distributed_gram.BlockedGram(client, V, A, B, X, "both", chunk)
        t_assemble = time.perf_counter() - t0
        ferr = gram_error.formation_error("both", V, A, B, X)
        store = Timed(bg)
        t0 = time.perf_counter()
        ext = spectra.store_extremes(store, 0, ferr, method=spectra.Method.DISTRIBUTED)
        t_spectrum = time.perf_counter() - t0
        stats = client.run(worker_stats)
        bg.release()
    P = bg.blocks
    flops_assemble = P * (P + 1) / 2 * 2.0 * chunk * chunk * (2 * d1 + d0)
    flops_factor = (bg.padded**3) / 3.0
    rate_assemble = flops_assemble / t_assemble / 1e9
    rate_factor = store.calls["factor"] * flops_factor / store.seconds["factor"] / 1e9
    print(f"assembly: {t_assemble:.1f} s, {flops_assemble / 1e9:.0f} GFLOP -> {rate_assemble:.2f} GFLOP/s")
    for name in Timed.METHODS:
        c = store.calls[name]
        if c:
            print(f"  {name:22s} {c:4d} calls  {store.seconds[name]:8.1f} s  ({store.seconds[name] / c:.3f} s each)")
    print(f"factorisations: {store.calls['factor']} x {flops_factor / 1e9:.0f} GFLOP -> {rate_factor:.2f} GFLOP/s")
    print(f"certified extremes: {t_spectrum:.1f} s; total {t_assemble + t_spectrum:.1f} s")
    iv0, iv1 = ext.lambda_min_interval, ext.lambda_max_interval
    print(f"lambda_min = {ext.lambda_min:.10e} in [{iv0.lo:.10e}, {iv0.hi:.10e}] ({iv0.lo_by.name}); "
          f"lambda_max = {ext.lambda_max:.10e} in [{iv1.lo:.10e}, {iv1.hi:.10e}]; {ext.iterations} Lanczos products")
    for addr, s in sorted(stats.items()):
        print(f"  worker {addr}: peak RSS {s['peak_rss'] / GB:.2f} GB; spilled {s['disk_write'] / GB:.2f} GB written, {s['disk_read'] / GB:.2f} GB read")
    print(f"load average after: {os.getloadavg()}")

    if "--check" in sys.argv:
        t0 = time.perf_counter()
        G = gram.jacobian_gram(V, A, B, X.T @ X)
        loc = spectra.gram_extremes(G, 0, ferr)
        print(f"formed here: {time.perf_counter() - t0:.1f} s; lambda_min {loc.lambda_min:.10e}, lambda_max {loc.lambda_max:.10e}; "
              f"relative differences {abs(ext.lambda_min - loc.lambda_min) / loc.lambda_min:.1e}, {abs(ext.lambda_max - loc.lambda_max) / loc.lambda_max:.1e}")

    # capacity of this machine and extrapolation to N = 60,000
    disk = shutil.disk_usage(spill_dir).free
    ram = 0.6 * limit * workers
    n_hold = int(np.sqrt((disk + ram) / 8.0))  # Gram upper + one factor lower ~ N^2 floats
    per_product = (store.seconds["matvec"] + store.seconds["solve"]) / max(1, store.calls["matvec"] + store.calls["solve"])
    print(f"this machine holds on disk-spilling workers up to N ~ {n_hold} (free disk {disk / GB:.0f} GB + {ram / GB:.2f} GB worker RAM; "
          "upper Gram + one lower factor = N^2 floats)")
    N60 = 60_000
    p60 = N60 / chunk
    asm60 = p60 * (p60 + 1) / 2 * 2.0 * chunk * chunk * (2 * d1 + d0)
    fac60 = store.calls["factor"] * N60**3 / 3.0
    prod60 = ext.iterations * per_product * (N60 / N) ** 2
    print(f"extrapolated to N = {N60} (d1 = {d1}, blocks of {chunk}, same number of factorisations and products), "
          "assuming BLAS-3 phases scale with machines and products are bound by reading the blocks:")
    for k in (1, 4, 16, 64):
        hours = (asm60 / (rate_assemble * 1e9 * k) + fac60 / (rate_factor * 1e9 * k) + prod60 / k) / 3600.0
        print(f"  k = {k:3d} machines like this one: {hours:8.1f} h  (storage {8.0 * N60**2 / GB / k:.1f} GB per machine)")


if __name__ == "__main__":
    main()
