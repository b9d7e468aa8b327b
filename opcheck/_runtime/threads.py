"""BLAS threads for synchronisation-heavy phases, decided from the machine's load.

OpenBLAS's threads spin while they wait for each other.  On a machine with more
runnable processes than CPUs (load average above the CPU count) a phase with many
synchronisation points — a Cholesky factorisation, the hundreds of matrix-vector
products or triangular solves of a Lanczos run — then runs many times slower with
two threads than with one (measured here at load ≈ 10 on 2 CPUs: an order-1000
``dpotrf`` 3.2 s with 2 threads against 0.12 s with 1; a certified λ_min/λ_max
solve 10.7 s against 1.4 s).  :func:`sync_heavy` limits BLAS to one thread for such
a phase when the machine is oversubscribed and does nothing otherwise.  Large
BLAS-3 updates (the Gram's ``dsyrk``) keep every thread.  ``OPCHECK_SYNC_THREADS``
forces a thread count for these phases (0 = never limit).
"""
from __future__ import annotations

import contextlib
import os
from typing import Iterator


def _cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def elementwise_threads() -> int:
    """Threads for elementwise numpy/scipy work split by rows: ``OPCHECK_THREADS``, else the usable CPUs."""
    env = os.environ.get("OPCHECK_THREADS")
    if env and env.strip().isdigit() and int(env) > 0:
        return int(env)
    return _cpus()


def oversubscribed() -> bool:
    """Whether the 1-minute load average exceeds the CPUs this process may use."""
    try:
        return os.getloadavg()[0] > _cpus()
    except OSError:  # pragma: no cover - no load average
        return False


def sync_heavy_threads() -> int | None:
    """BLAS threads for a synchronisation-heavy phase: 1 when oversubscribed, else None (no limit)."""
    env = os.environ.get("OPCHECK_SYNC_THREADS")
    if env is not None and env.strip().isdigit():
        return int(env) or None
    return 1 if oversubscribed() else None


@contextlib.contextmanager
def sync_heavy() -> Iterator[None]:
    """Run the enclosed phase with :func:`sync_heavy_threads` BLAS threads (no-op without threadpoolctl)."""
    n = sync_heavy_threads()
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield
