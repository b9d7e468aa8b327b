"""One way to get a Dask client: an existing cluster by address, or a LocalCluster.

``scheduler_address`` resolves ``--scheduler ADDRESS`` and the ``OPCHECK_SCHEDULER``
environment variable (the option wins).  :func:`dask_client` yields a
``distributed.Client``: connected to that scheduler when there is one, otherwise to
an in-process :class:`distributed.LocalCluster` of worker *processes* that spill
to disk (``local_directory``) when their managed memory passes ``target`` of
``memory_limit``.  Dask sets one BLAS thread per worker process
(``distributed.nanny.pre-spawn-environ``), so workers × threads = cores.

:func:`capacity` reads what the workers offer (count, threads, memory limit), so a
planner can size blocks before sending any work.  A scheduler that cannot be
reached is an :class:`~opcheck.errors.InputError` (exit 2), not a hang.
"""
from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from typing import Iterator

from opcheck.errors import InputError

SCHEDULER_ENV = "OPCHECK_SCHEDULER"
CONNECT_TIMEOUT = "10s"


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
    down when the block exits, also on Ctrl-C.
    """
    import dask
    from distributed import Client, LocalCluster

    if address:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or local_cores()
    with dask.config.set(spill_config(rss_guards=rss_guards)):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit if memory_limit is not None else "auto",
            local_directory=local_directory or tempfile.gettempdir(),
            dashboard_address=":0",  # a free port: no clash with other clusters (a dashboard only if bokeh is installed)
            silence_logs=logging.CRITICAL,  # failed tasks reach the client as exceptions; no worker log lines on the terminal
        )
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
