"""BLAS threads for synchronisation-heavy phases, decided from the machine's load.

OpenBLAS's threads spin while they wait for each other.  On a machine with more
runnable processes than CPUs (load average above the CPU count) a phase with many
synchronisation points — a Cholesky factorisation, the hundreds of matrix-vector
products or triangular solves of a Lanczos run — then runs many times slower with
two threads than with one (measured here at load ≈ 10 on 2 CPUs: an order-1000
``dpotrf`` 3.2 s with 2 threads against 0.12 s with 1; a certified λ_min/λ_max
solve 10.7 s against 1.4 s).  :func:`sync_heavy` limits BLAS to one thread for such
a phase when other processes alone fill the machine (load average minus this
process's own busy CPUs ≥ the CPU count) and does nothing otherwise — a 2-thread
run on an otherwise idle 2-CPU machine must not throttle itself.  Large
BLAS-3 updates (the Gram's ``dsyrk``) keep every thread.  ``OPCHECK_SYNC_THREADS``
forces a thread count for these phases (0 = never limit).
"""
from __future__ import annotations

import contextlib
import os
import resource
import time
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


_STARTED = time.monotonic()


def own_load() -> float:
    """This process's average number of busy CPUs since it imported this module (CPU seconds / wall seconds).

    The load average counts this process's own BLAS threads too: a 2-thread run on
    2 CPUs drives it to ≈ 2 by itself, which must not read as "someone else is here".
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    wall = max(time.monotonic() - _STARTED, 1e-3)
    return min((usage.ru_utime + usage.ru_stime) / wall, float(_cpus()))


def oversubscribed() -> bool:
    """Whether other processes alone keep every CPU this process may use busy: 1-minute load average minus :func:`own_load` ≥ CPUs."""
    try:
        return os.getloadavg()[0] - own_load() >= _cpus()
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


_CONTROLLER = None  # one threadpoolctl controller for the process (scanning the loaded libraries costs ~1 ms)


@contextlib.contextmanager
def serial() -> Iterator[None]:
    """Run the enclosed phase on one BLAS thread, whatever the load.

    For latency-bound phases: thousands of small calls (matrix-vector products and
    triangular solves of order ≲ 4000, eigen-solves of Lanczos' projected matrices).
    Each such call wakes the BLAS worker threads for microseconds of work; when
    another process holds the second CPU, every wake-up waits for a time slice.
    Measured here (2 CPUs, one other busy process): an order-400 ``eigh`` 116 ms
    with two threads against ≈ 10 ms with one, an order-1000 ``gemv`` 4–8 ms
    against 0.14 ms; on an idle machine one thread costs these calls little.
    """
    global _CONTROLLER
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield
        return
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield
