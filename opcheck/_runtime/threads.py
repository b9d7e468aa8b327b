"""BLAS threads for synchronisation-heavy phases, decided from the machine's present load.

OpenBLAS's threads spin while they wait for each other.  When another process holds
a CPU, a phase with many synchronisation points — a Cholesky factorisation, the
hundreds of matrix-vector products or triangular solves of a Lanczos run, even a
formed Gram's ``dsyrk`` at order 1000 — runs many times slower with a thread per CPU
than with the CPUs actually free (measured here on 2 CPUs: at load ≈ 10 an order-1000
``dpotrf`` 3.2 s with 2 threads against 0.12 s with 1; beside a single busy process
0.69 s against 16 ms, and a whole mid-size ``verify`` 10.4 s against 0.8 s).
:func:`sync_heavy` gives such a phase the CPUs other processes leave free: 1 when the
last minute's load alone fills the machine (:func:`oversubscribed`), else the CPUs
minus the other processes running *now* (:func:`others_running`, from /proc) — an
otherwise idle machine keeps every thread.  Latency-bound phases (single vectors,
small projected eigenproblems) run on one thread always (:func:`serial`).
``OPCHECK_SYNC_THREADS`` forces a thread count for the heavy phases (0 = never limit).
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


def row_workers() -> int:
    """Python threads for a pass split by rows that runs one BLAS thread per row group (numpy releases the
    GIL in each step): :func:`elementwise_threads`, and no more than the CPUs :func:`sync_heavy_threads`
    finds free now — a group waiting for a busy CPU would hold the whole pass back."""
    free = sync_heavy_threads()
    return max(1, min(elementwise_threads(), free or _cpus(), MAX_ROW_WORKERS))


MAX_ROW_WORKERS = 32  # OpenBLAS builds allocate per-caller buffers for a compiled-in number of threads (often 64)


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


def own_running_threads() -> int:
    """This process's threads that are runnable now (state R in /proc/self/task/*/stat), this one included."""
    count = 0
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:  # pragma: no cover - non-Linux
        return 1
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/stat", encoding="ascii") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        count += state == "R"
    return max(count, 1)


def others_running(samples: int = 3) -> int:
    """Runnable tasks of *other* processes right now: /proc/loadavg's running count minus :func:`own_running_threads`.

    The load average lags by a minute and counts this process's own past; this is the
    present.  The least of a few samples (≈ 0.1 ms apart), so a passing ``ps`` does not count.
    """
    best = None
    for _ in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as fh:
                running = int(fh.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):  # pragma: no cover - non-Linux
            return 0
        now = max(0, running - own_running_threads())
        best = now if best is None else min(best, now)
    return best or 0


def sync_heavy_threads() -> int | None:
    """BLAS threads for a synchronisation-heavy phase, or None (no limit).

    1 when oversubscribed over the last minute; else the CPUs that other processes leave
    free right now (:func:`others_running`): on 2 CPUs one busy neighbour means one
    thread — measured here, an order-1000 ``dpotrf`` took 0.69 s with two threads beside
    one busy process, against 16 ms with one.
    """
    env = os.environ.get("OPCHECK_SYNC_THREADS")
    if env is not None and env.strip().isdigit():
        return int(env) or None
    if oversubscribed():
        return 1
    cpus = _cpus()
    free = max(1, cpus - others_running())
    return free if free < cpus else None


@contextlib.contextmanager
def sync_heavy() -> Iterator[None]:
    """Run the enclosed phase with :func:`sync_heavy_threads` BLAS threads (no-op without threadpoolctl)."""
    n = sync_heavy_threads()
    if n is None and _CAP is None:
        yield
        return
    with _blas_threads(n or _cpus()):
        yield


_CAP: int | None = None  # a ceiling on BLAS threads that phases inside :func:`capped` cannot raise


@contextlib.contextmanager
def capped(n: int) -> Iterator[None]:
    """BLAS on at most n threads inside, whatever the phases within ask for (:func:`sync_heavy`, :func:`serial`).

    For a correctness limit, not a speed one: :func:`opcheck._runtime.blas_guard.crash_cap`
    keeps OpenBLAS's multi-threaded AVX-512 ``dsyrk``/``dpotrf`` out of large orders.
    BLAS thread counts are process-wide, and so is the cap: it serves one opcheck
    computation at a time, in whichever Python thread runs it.  Two computations in two
    threads at once are not supported (threadpoolctl ignores one thread's counts while
    another holds a limit, and the first cap to end lifts the other's).
    """
    global _CAP
    old = _CAP
    _CAP = n if old is None else min(old, n)
    try:
        with _blas_threads(_CAP):
            yield
    finally:
        _CAP = old


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
    with _blas_threads(1):
        yield


_CONTROLLER = None  # one threadpoolctl controller for the process (scanning the loaded libraries costs ~1 ms)


@contextlib.contextmanager
def _blas_threads(n: int) -> Iterator[None]:
    """BLAS limited to n threads (at most :data:`_CAP`) inside, restored after (no-op without threadpoolctl)."""
    global _CONTROLLER
    n = n if _CAP is None else min(n, _CAP)
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        yield
        return
    if _CONTROLLER is None or _CAP is not None:  # under a cap, rescan: a BLAS loaded since the first scan must obey it too
        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=n, user_api="blas"):
        yield
