"""The one way opcheck gets a Dask client (``verify``'s distributed Gram and ``report``'s sweeps alike).

``scheduler_address`` resolves ``--scheduler ADDRESS`` and the ``OPCHECK_SCHEDULER``
environment variable (the option wins).  :func:`dask_client` yields a
``distributed.Client``: connected to that scheduler when there is one (and waiting,
at most :data:`WORKERS_TIMEOUT`, for its first worker), otherwise to an in-process
:class:`distributed.LocalCluster` of worker *processes* (default: one per core) that
spill to disk (``local_directory``) when their managed memory passes ``target`` of
``memory_limit``.  Every worker runs one task at a time with one BLAS thread
(Dask's ``distributed.nanny.pre-spawn-environ``), so workers × threads = cores.
distributed's own log lines stay off the terminal: failures reach the caller as
exceptions.  The cluster is shut down when the block exits, also on Ctrl-C.

:func:`capacity` reads what the workers offer (count, threads, memory limit), so a
planner can size blocks before sending any work.  A scheduler that cannot be
reached, or has no workers, is an :class:`~opcheck.errors.InputError` (exit 2), not
a hang.  Computations do not print: a command that wants to tell the user where the
work runs (the dashboard link) registers a callback with :func:`on_connect`.
"""
from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import tempfile
from dataclasses import dataclass
from typing import Callable, Iterator

from opcheck.errors import InputError

SCHEDULER_ENV = "OPCHECK_SCHEDULER"
CONNECT_TIMEOUT = "10s"
#: seconds a scheduler given by address may take to have its first worker
WORKERS_TIMEOUT = 30.0
#: BLAS threads inside every worker (and tasks run one at a time per worker)
THREADS_PER_WORKER = 1
#: Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_=65536``; setting it also pins glibc's
#: mmap threshold at 128 KiB, so every numpy temporary above that is mapped and unmapped afresh
#: (measured on the report's width sweep: 9.2 s in the kernel instead of 1.0 s, +28 % CPU).
#: opcheck's local workers keep glibc's adaptive defaults (None unsets a pre-spawn variable).
WORKER_ENVIRON = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                  # Ctrl-C is opcheck's to handle: the workers ignore it (no traceback from each one)
                  "distributed.worker.preload": ["opcheck._runtime.worker_setup"]}


def scheduler_address(option: str | None = None) -> str | None:
    """``--scheduler`` if given, else ``$OPCHECK_SCHEDULER``, else None (a LocalCluster)."""
    address = (option or os.environ.get(SCHEDULER_ENV) or "").strip()
    return address or None


def local_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Capacity:
    """What the cluster's workers offer: count, threads each, and the smallest memory limit (bytes)."""

    workers: int
    threads_per_worker: int
    memory_limit: float  # per worker; the smallest one, so a plan fits every worker
    address: str


def capacity(client) -> Capacity:
    """Read the workers' count, threads and memory limits from the scheduler."""
    info = client.scheduler_info()
    workers = list(info.get("workers", {}).values())
    if not workers:
        raise InputError(f"the Dask scheduler at {info.get('address', '?')} has no workers; start some with `dask worker ADDRESS`")
    limits = [float(w.get("memory_limit") or 0.0) for w in workers]
    return Capacity(
        workers=len(workers),
        threads_per_worker=min(int(w.get("nthreads", 1)) for w in workers),
        memory_limit=min(limits) if all(limits) else 0.0,
        address=str(info.get("address", "")),
    )


def spill_config(target: float = 0.6, rss_guards: bool = True) -> dict:
    """Dask worker-memory settings: spill managed data past ``target`` of the limit.

    ``rss_guards=False`` turns off the process-memory (RSS) spill/pause/terminate
    thresholds, for workers whose limit is smaller than an idle Python process
    (tests that force spilling with a limit of a few MB).
    """
    cfg = {"distributed.worker.memory.target": target}
    if not rss_guards:
        cfg.update({
            "distributed.worker.memory.spill": False,
            "distributed.worker.memory.pause": False,
            "distributed.worker.memory.terminate": False,
        })
    return cfg


@dataclass(frozen=True)
class Connection:
    """What a command may tell the user about the cluster a client is connected to."""

    local: bool  # an in-process LocalCluster (else a scheduler given by address)
    address: str  # the scheduler's address
    workers: int
    dashboard: str | None  # the dashboard's URL, when one is served (see dashboard_link)


_listener: contextvars.ContextVar[Callable[[Connection], None] | None] = contextvars.ContextVar("opcheck_cluster_listener", default=None)


@contextlib.contextmanager
def on_connect(callback: Callable[[Connection], None]) -> Iterator[None]:
    """Within the block, every client :func:`dask_client` opens is reported to ``callback`` once, as a :class:`Connection`."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


def dashboard_link(client) -> str | None:
    """The URL of the scheduler's dashboard when it serves one, else None; never raises.

    A scheduler's web server runs even without the dashboard (``--no-dashboard``, or no
    ``bokeh``: its pages then only ask to install it), so the link counts only when the
    scheduler has the bokeh application mounted (``bokeh`` installed where the scheduler
    runs: the optional ``opcheck[dashboard]`` extra).
    """
    def serves_bokeh(dask_scheduler=None) -> bool:  # runs on the scheduler (pickled by value: needs no opcheck there)
        try:
            from bokeh.server.server import BokehTornado
        except ImportError:
            return False
        apps = getattr(getattr(dask_scheduler, "http_application", None), "applications", ())
        return any(isinstance(app, BokehTornado) for app in apps)

    try:
        link = client.dashboard_link
        return link if (link and client.run_on_scheduler(serves_bokeh)) else None
    except Exception:  # noqa: BLE001 - no web server (KeyError), a scheduler that refuses pickled functions: no link
        return None


def _connect(address: str):
    """A client to the scheduler at ``address`` that has at least one worker; InputError otherwise."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except TimeoutError:
        client.close()
        raise InputError(f"the Dask scheduler at {address} has no workers after {WORKERS_TIMEOUT:.0f} s; start some with `dask worker {address}`") from None
    return client


@contextlib.contextmanager
def dask_client(
    address: str | None = None,
    *,
    workers: int | None = None,
    memory_limit: float | str | None = None,
    local_directory: str | None = None,
    rss_guards: bool = True,
) -> Iterator:
    """A ``distributed.Client`` for ``address``, or for a LocalCluster of worker processes.

    The LocalCluster has ``workers`` processes (default: the cores), one thread
    each, ``memory_limit`` bytes each (default: Dask's share of the machine), and
    spills to ``local_directory`` (default: the temporary directory).  It is shut
    down when the block exits, also on Ctrl-C.  A callback registered with
    :func:`on_connect` hears of the client once, before the block runs.
    """
    import dask
    from distributed import Client, LocalCluster

    cluster = None
    if address:
        client = _connect(address)
    else:
        with dask.config.set({**spill_config(rss_guards=rss_guards), **WORKER_ENVIRON}):
            cluster = LocalCluster(
                n_workers=workers or local_cores(),
                threads_per_worker=THREADS_PER_WORKER,
                processes=True,
                memory_limit=memory_limit if memory_limit is not None else "auto",
                local_directory=local_directory or tempfile.gettempdir(),
                dashboard_address=":0",  # a free port: no clash with other clusters (a dashboard only if bokeh is installed)
                silence_logs=logging.CRITICAL,  # failed tasks reach the client as exceptions; no worker log lines on the terminal
            )
            try:
                client = Client(cluster)
            except BaseException:
                cluster.close()
                raise
    try:
        listener = _listener.get()
        if listener is not None:
            listener(Connection(cluster is not None, str(client.scheduler.address), len(client.scheduler_info().get("workers", {})),
                                dashboard_link(client)))
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
