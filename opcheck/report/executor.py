"""Run sweep points in this process or in worker processes, single-threaded BLAS each.

Every point is independent and seeded (:mod:`opcheck.report.points`), so the
results do not depend on ``jobs`` or on the order the points finish in.  BLAS is
limited to one thread per process (``threadpoolctl``): small GEMMs gain little
from threads, and on a shared machine OpenBLAS's spinning threads can slow a run
down tenfold; the parallelism is across points instead.  Results are cached by
``(n, spec)`` so a point shared by two sweeps runs once.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Iterable

from opcheck.data.splits import SplitData
from opcheck.report.points import PointResult, PointSpec, Settings, run_point


def default_jobs() -> int:
    """Worker processes by default: the CPU count, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


def _init_worker() -> None:
    """Workers: one BLAS thread; Ctrl-C is the parent's to handle (it terminates the pool)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _limit_threads()


def _limit_threads() -> None:
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass


def _worker(spec: PointSpec, data: SplitData, settings: Settings) -> PointResult:
    return run_point(spec, data, settings)


class Runner:
    """Runs point specs; ``jobs > 1`` uses a process pool of that many workers."""

    def __init__(self, settings: Settings, jobs: int = 1):
        self.settings = settings
        self.jobs = max(1, int(jobs))
        self.cache: dict[PointSpec, PointResult] = {}
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "Runner":
        if self.jobs > 1:
            # fork where available: workers start fast and need no importable __main__;
            # they are started here, before any progress display thread runs.
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            ctx = multiprocessing.get_context(method)
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=ctx, initializer=_init_worker)
            for fut in [self._pool.submit(os.getpid) for _ in range(self.jobs)]:
                fut.result()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._pool is not None:
            if exc_type is not None:  # interrupted or failed: do not wait for running points
                for proc in list(getattr(self._pool, "_processes", {}).values()):
                    proc.terminate()
            self._pool.shutdown(wait=exc_type is None, cancel_futures=True)
            self._pool = None

    def run(self, tasks: Iterable[tuple[PointSpec, SplitData]], on_done: Callable[[PointResult], None] | None = None) -> tuple[list[PointResult], float]:
        """Results in task order (cached ones reused) and the summed worker seconds."""
        tasks = list(tasks)
        done = on_done or (lambda _r: None)
        todo: dict[PointSpec, SplitData] = {}
        for spec, data in tasks:
            if spec in self.cache:
                done(self.cache[spec])
            elif spec not in todo:
                todo[spec] = data
        busy = 0.0
        if self._pool is None:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1):
                for spec, data in todo.items():
                    t = time.perf_counter()
                    res = run_point(spec, data, self.settings)
                    busy += time.perf_counter() - t
                    self.cache[spec] = res
                    done(res)
        else:
            futures = {self._pool.submit(_worker, spec, data, self.settings): spec for spec, data in todo.items()}
            pending = set(futures)
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        res = fut.result()  # re-raises InputError etc. from the worker
                        busy += sum(res.seconds.values())
                        self.cache[futures[fut]] = res
                        done(res)
            except BaseException:
                for fut in pending:
                    fut.cancel()
                raise
        return [self.cache[spec] for spec, _ in tasks], busy
