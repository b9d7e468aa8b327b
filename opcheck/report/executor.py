"""Run the report's tasks on Dask: an in-process LocalCluster, an existing cluster, or serially.

Every sweep point, threshold search (one per dataset, n and seed) and seed of the
init-ratio sweep is one :class:`Task`: a module-level function and its arguments,
pure and seeded, so its result does not depend on where or when it runs.

* ``scheduler=None`` — a :class:`distributed.LocalCluster` with ``jobs`` worker
  processes (default: the CPU count);
* ``scheduler="tcp://HOST:PORT"`` — a :class:`distributed.Client` to a running
  scheduler (``dask scheduler`` / ``dask worker tcp://…`` by hand, or dask-jobqueue);
* ``scheduler="serial"`` — in this process, one task after the other (no Dask).

The cluster comes from :func:`opcheck._runtime.cluster.dask_client`, as for
``opcheck verify``: the same sizing, one BLAS thread per worker, quiet logs, the
same errors for an unreachable scheduler, and shut-down on exit.
BLAS also runs one thread inside every task (``threadpoolctl``), whatever the mode:
OpenBLAS's Cholesky and eigensolvers round differently with 1 and 2 threads, and
results must be identical for any number of workers.  The elementwise kernels
(the fused GELU) also run on one thread there (``OPCHECK_THREADS=1`` for the task;
their results do not depend on it): the task is the unit of parallelism, and a
thread pool per call inside each of the ``jobs`` workers only oversubscribes the
cores.  With the default ``jobs`` (= cores) that is workers × threads = cores.

Faults: a worker that dies (SIGKILL, OOM) has its tasks recomputed on another
worker by the scheduler (``distributed.scheduler.allowed-failures``); an exception
raised by a task (e.g. an :class:`~opcheck.errors.InputError` for a bad point) is
not retried and is re-raised here, so the report fails with its one-line message.
On any exception, including Ctrl-C, the outstanding futures are cancelled and the
local cluster is closed (its worker processes end with it).
"""
from __future__ import annotations

import contextlib
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from opcheck._runtime import cluster, interrupts

SERIAL = "serial"


def default_jobs() -> int:
    """Local worker processes by default: the cores (as for ``opcheck verify``'s local cluster)."""
    return cluster.local_cores()


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args)``; ``key`` names it (deterministic, unique within a report)."""

    key: str
    fn: Callable[..., Any]
    args: tuple
    #: relative cost estimate (any unit): on Dask the costliest tasks are sent first, so the last
    #: task to finish is a short one (largest-first scheduling); no effect on any result
    cost: float = 1.0


@dataclass(frozen=True)
class Status:
    """Progress of one batch: finished, running on a worker, waiting."""

    done: int
    running: int
    remaining: int


def owned(obj: Any) -> Any:
    """``obj`` with every numpy array replaced by a fresh, aligned, C-ordered copy (through dataclasses and tuples).

    Dask hands a task its arrays as views of the received network frames, which may be
    unaligned; numpy then computes some products without BLAS, and the last bits of the
    results differ from an in-process run.  Fresh copies make every mode compute alike.
    """
    import dataclasses

    import numpy as np

    if isinstance(obj, np.ndarray):
        return np.array(obj, order="C", copy=True)
    if isinstance(obj, (tuple, list)):
        return type(obj)(owned(v) for v in obj)
    if isinstance(obj, dict):
        return {k: owned(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: owned(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **changes)
    return obj


#: environment variable read by :func:`opcheck._runtime.threads.elementwise_threads`
ELEMENTWISE_THREADS_ENV = "OPCHECK_THREADS"


def run_task(fn: Callable[..., Any], *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` single-threaded (BLAS and elementwise) on owned copies of the arrays; the result and its wall-clock seconds."""
    from threadpoolctl import threadpool_limits

    t = time.perf_counter()
    args = owned(args)
    before = os.environ.get(ELEMENTWISE_THREADS_ENV)
    os.environ[ELEMENTWISE_THREADS_ENV] = "1"
    try:
        with threadpool_limits(1):
            out = fn(*args)
    finally:
        if before is None:
            os.environ.pop(ELEMENTWISE_THREADS_ENV, None)
        else:
            os.environ[ELEMENTWISE_THREADS_ENV] = before
    return out, time.perf_counter() - t


class Runner:
    """Context manager that runs batches of :class:`Task` (see module docstring)."""

    def __init__(self, scheduler: str | None = None, jobs: int | None = None):
        self.scheduler = scheduler
        self.jobs = jobs or default_jobs()
        self.client = None
        self.dashboard: str | None = None  # the dashboard's URL when one is served (bokeh installed)
        self._exit: contextlib.ExitStack | None = None
        self.cache: dict[str, Any] = {}
        self.busy = 0.0
        self._token = uuid.uuid4().hex[:8]

    @property
    def mode(self) -> str:
        return SERIAL if self.scheduler == SERIAL else ("local" if self.scheduler is None else "remote")

    @property
    def workers(self) -> int:
        if self.client is None:
            return 1
        return len(self.client.scheduler_info().get("workers", {})) or self.jobs

    def __enter__(self) -> "Runner":
        if self.mode == SERIAL:
            return self
        with contextlib.ExitStack() as stack:
            self.client = stack.enter_context(cluster.dask_client(None if self.mode == "local" else self.scheduler, workers=self.jobs))
            self.dashboard = cluster.dashboard_link(self.client)
            self._exit = stack.pop_all()
        return self

    def __exit__(self, *exc) -> None:
        if self._exit is not None:
            self._exit.__exit__(*exc)
        self.client, self._exit = None, None

    def run(self, tasks: Sequence[Task], on_done: Callable[[int, Any], None] | None = None,
            on_status: Callable[[Status], None] | None = None) -> list[Any]:
        """Results of ``tasks`` in their order; the costliest start first; a key runs once per runner."""
        done_cb = on_done or (lambda _i, _r: None)
        status_cb = on_status or (lambda _s: None)
        todo: list[int] = []
        keys: set[str] = set(self.cache)
        for i in sorted(range(len(tasks)), key=lambda i: -tasks[i].cost):  # stable: equal costs keep their order
            if tasks[i].key not in keys:
                keys.add(tasks[i].key)
                todo.append(i)
        for i, t in enumerate(tasks):
            if t.key in self.cache:
                done_cb(i, self.cache[t.key])
        if self.mode == SERIAL:
            for k, i in enumerate(todo):
                status_cb(Status(k, 1, len(todo) - k - 1))
                interrupts.raise_if_received()
                out, secs = run_task(tasks[i].fn, *tasks[i].args)
                self._store(tasks[i].key, out, secs)
                done_cb(i, out)
            status_cb(Status(len(todo), 0, 0))
        else:
            self._run_dask(tasks, todo, done_cb, status_cb)
        return [self.cache[t.key] for t in tasks]

    def _store(self, key: str, out: Any, secs: float) -> None:
        self.cache[key] = out
        self.busy += secs

    def _run_dask(self, tasks, todo, done_cb, status_cb) -> None:
        from distributed import wait

        futures = {self.client.submit(run_task, tasks[i].fn, *tasks[i].args, key=f"opcheck-{tasks[i].key}-{self._token}", pure=False,
                                      priority=len(todo) - rank): i
                   for rank, i in enumerate(todo)}
        pending = set(futures)
        try:
            while pending:
                interrupts.raise_if_received()  # a Ctrl-C swallowed inside a Dask callback still stops the sweep
                try:
                    finished = set(wait(list(pending), timeout=0.5, return_when="FIRST_COMPLETED").done)
                except TimeoutError:
                    finished = set()
                for fut in sorted(finished, key=futures.get):
                    out, secs = fut.result()  # re-raises the task's exception (e.g. InputError)
                    i = futures[fut]
                    self._store(tasks[i].key, out, secs)
                    done_cb(i, out)
                pending -= finished
                status_cb(Status(len(futures) - len(pending), self._running(pending), len(pending)))
        except BaseException:
            self.client.cancel(list(pending))
            raise

    def _running(self, pending) -> int:
        keys = {f.key for f in pending}
        try:
            processing = self.client.processing()
        except Exception:  # noqa: BLE001 - progress only
            return 0
        return min(sum(1 for ks in processing.values() for k in ks if k in keys), self.workers)

