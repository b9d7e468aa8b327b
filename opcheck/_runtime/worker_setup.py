"""Preloaded by the worker processes of opcheck's local Dask clusters (``distributed.worker.preload``).

Ctrl-C in a terminal sends SIGINT to the whole process group: opcheck's own process
cancels the work and shuts the cluster down (exit 130), so its workers ignore the
signal instead of each printing a KeyboardInterrupt traceback as they die.
"""
from __future__ import annotations

import signal
import threading


def dask_setup(worker=None) -> None:
    """Ignore SIGINT in this worker process (the signal can only be set from the main thread, where workers run)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
