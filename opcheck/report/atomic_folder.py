"""Replace a folder by a freshly written one in one atomic step, and clean up after crashes.

The new report is written into a hidden sibling ``.NAME.tmp-PID-XXXX`` (same file
system).  :func:`swap_in` then puts it in place:

* ``out`` missing or an empty folder — one ``rename(2)`` (POSIX replaces an empty
  directory atomically);
* ``out`` an earlier report — ``renameat2(RENAME_EXCHANGE)`` (Linux ≥ 3.15, via
  ctypes) swaps the two folders in one system call, so ``out`` is at every
  instant either the complete old report or the complete new one; the old one,
  now at the hidden name, is then removed.
* Fallback where the exchange is not available (other systems, file systems
  without it): two renames (``out`` → ``.NAME.old-PID-XXXX``, new → ``out``) with
  SIGINT/SIGTERM/SIGHUP blocked in between, so a Ctrl-C cannot land between
  them (only SIGKILL or a power cut can; then the old report is in ``.NAME.old-*``).

A run killed at any point leaves at most hidden ``.NAME.tmp-*``/``.NAME.old-*``
folders; :func:`clean_leftovers` removes those whose process is gone at the
start of the next run for the same ``--out``.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_BLOCKED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _pattern(name: str) -> re.Pattern:
    # current names carry the writer's pid; names without it come from older opcheck versions
    return re.compile(r"^\." + re.escape(name) + r"\.(tmp|old)-(?:(\d+)-)?[A-Za-z0-9_]+$")


def make_tmp(out: Path, kind: str = "tmp", where: Path | None = None) -> Path:
    """A new hidden folder ``.NAME.KIND-PID-XXXX`` next to ``out`` (or inside ``where``)."""
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.{kind}-{os.getpid()}-", dir=where or out.parent))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(out: Path) -> list[Path]:
    """Remove hidden temporary/old folders of earlier, dead runs for ``out``; returns what was removed."""
    removed: list[Path] = []
    pat = _pattern(out.name)
    for folder in (out.parent, out):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            m = pat.match(entry.name)
            if not m or not entry.is_dir() or entry.is_symlink():
                continue
            if m.group(2) is not None and _alive(int(m.group(2))):
                continue
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with ``renameat2(RENAME_EXCHANGE)``; False if unsupported."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def signals_deferred():
    """Hold SIGINT/SIGTERM/SIGHUP until the block ends, then deliver them to their own handlers.

    Python handlers run in the main thread whichever thread the kernel picks (BLAS
    threads do not block signals), so the deferral is done with handlers that only
    record the signal; outside the main thread nothing can be deferred.
    """
    pending: list[int] = []
    old: dict[int, object] = {}
    try:
        for sig in _BLOCKED:
            old[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
    except ValueError:  # not the main thread: signals cannot be handled here anyway
        for sig, handler in old.items():
            signal.signal(sig, handler)
        old = {}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for sig in pending:
            signal.raise_signal(sig)


def swap_in(tmp: Path, out: Path, use_exchange: bool = True) -> str:
    """Put the complete folder ``tmp`` at ``out`` atomically; returns how ("rename", "exchange", "two-renames")."""
    if not out.exists() or (out.is_dir() and not any(out.iterdir())):
        os.rename(tmp, out)  # atomic: out is missing or an empty folder
        return "rename"
    if use_exchange and exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the earlier report
        return "exchange"
    old = make_tmp(out, "old")
    with signals_deferred():
        os.rmdir(old)
        os.rename(out, old)
        try:
            os.rename(tmp, out)
        except OSError:
            os.rename(old, out)  # put the earlier report back
            raise
    shutil.rmtree(old, ignore_errors=True)
    return "two-renames"
