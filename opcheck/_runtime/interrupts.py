"""Ctrl-C remembered for the whole process, so that a library that swallows it cannot undo it.

Python raises KeyboardInterrupt in whatever the main thread is executing when SIGINT's
handler runs — and if that is a garbage-collector callback, a ``__del__`` or a weakref
callback, the interpreter prints "Exception ignored in …" and carries on: the user's
Ctrl-C is lost (seen once with Dask's ``distributed.gc`` callback during ``opcheck
report``, which then ran to the end and wrote its report).  The CLI's handler
(:func:`opcheck.cli._sigint_recorded`) therefore records the signal here before raising,
and the places where a run commits to something — the report folder's swap, the loops
over sweep tasks — call :func:`raise_if_received`; the CLI exits 130 whenever one was
received, whatever happened to the exception.
"""
from __future__ import annotations

import threading

_RECEIVED = threading.Event()


def record() -> None:
    """SIGINT arrived (called from the signal handler)."""
    _RECEIVED.set()


def received() -> bool:
    return _RECEIVED.is_set()


def clear() -> None:
    """A new command starts (the CLI entry point; tests running several commands in one process)."""
    _RECEIVED.clear()


def raise_if_received() -> None:
    """KeyboardInterrupt again if SIGINT arrived, even when the first one was swallowed by a library."""
    if _RECEIVED.is_set():
        raise KeyboardInterrupt
