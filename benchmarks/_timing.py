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
