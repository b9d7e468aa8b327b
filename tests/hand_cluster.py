"""A Dask cluster started by hand, as a user would: ``dask scheduler`` and ``dask worker tcp://…`` subprocesses.

The scheduler picks a free port itself (``--port 0``) and writes its address to a
scheduler file, so no port is guessed; the workers are given that ``tcp://`` address.
Every process runs in its own session (process group) and the whole group is
SIGKILLed on exit, whatever happened in between; ``--death-timeout`` and
``--idle-timeout`` make the processes end by themselves should even that be skipped
(the test process killed).
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


def _dask(folder: Path, name: str, procs: list, *args: str) -> None:
    """Start ``python -m dask ARGS`` (the installed distributed's ``dask`` CLI), output to ``folder/NAME.log``."""
    with open(folder / f"{name}.log", "wb") as log:
        procs.append((name, subprocess.Popen([sys.executable, "-m", "dask", *args], stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, cwd=folder, start_new_session=True)))


def _logs(folder: Path, procs: list) -> str:
    return "\n".join(f"--- {name} (exit {p.poll()}):\n" + (folder / f"{name}.log").read_text(errors="replace")[-1500:] for name, p in procs)


def _until(what: str, probe: Callable[[], T | None], deadline: float, folder: Path, procs: list) -> T:
    """Poll ``probe`` until it returns a value; fail (with the processes' logs) when one died or time ran out."""
    while True:
        got = probe()
        if got is not None:
            return got
        dead = [name for name, p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise AssertionError(f"hand-started cluster: {what} ({'died: ' + ', '.join(dead) if dead else 'timed out'})\n{_logs(folder, procs)}")
        time.sleep(0.2)


def _address(path: Path) -> str | None:
    try:
        return json.loads(path.read_text())["address"]
    except (OSError, ValueError, KeyError):  # not written yet, or half-written
        return None


@contextlib.contextmanager
def hand_started_cluster(folder: Path, workers: int = 2, timeout: float = 90.0) -> Iterator[str]:
    """Yield the ``tcp://127.0.0.1:PORT`` of a scheduler with ``workers`` one-thread workers connected; kill all on exit."""
    from distributed import Client

    procs: list = []
    deadline = time.monotonic() + timeout
    try:
        scheduler_file = folder / "scheduler.json"
        _dask(folder, "scheduler", procs, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
              "--scheduler-file", str(scheduler_file), "--idle-timeout", "300s")
        address = _until("the scheduler's address", lambda: _address(scheduler_file), deadline, folder, procs)
        assert address.startswith("tcp://127.0.0.1:"), address
        for k in range(workers):
            _dask(folder, f"worker{k}", procs, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                  "--local-directory", str(folder / f"worker{k}"), "--death-timeout", "60s")
        with Client(address, timeout="30s") as client:
            _until(f"{workers} workers", lambda: True if len(client.scheduler_info()["workers"]) >= workers else None, deadline, folder, procs)
        yield address
    finally:
        for _name, p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)  # the worker's nanny and its worker process too (one process group)
            p.wait(timeout=30)
