"""Shared timing helper for the benchmark scripts."""
from __future__ import annotations

import math
import time


def best_of(fn, repeat: int = 3):
    """Run ``fn`` ``repeat`` times; return (best wall time in seconds, last result)."""
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def machine_line() -> str:
    """Date, CPUs and load average: the conditions a benchmark ran under."""
    import os

    return f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs; load average {os.getloadavg()}"


def matmul_gflops(m: int = 3000, repeat: int = 1) -> float:
    """numpy's float64 matmul rate now (the best of ``repeat`` m × m products), GFLOP/s."""
    import numpy as np

    a = np.random.default_rng(1).standard_normal((m, m))
    t, _ = best_of(lambda: a @ a, repeat)
    return 2.0 * m**3 / t / 1e9


def sphere_problem(n: int, d0: int, d1: int, d2: int):
    """Seeded sphere data (d0 × n, unit columns), LeCun (W0, V0) and GELU: the benchmarks' common problem."""
    import numpy as np

    from opcheck._runtime import seeding
    from opcheck.model.activations import get_activation
    from opcheck.model.network import init_scales, sample_params

    X = seeding.rng(0, "sphere").standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    return X, sample_params(init_scales("lecun", d0, d1, d2), d0, d1, d2, seeding.rng(0, "init")), get_activation("gelu")
