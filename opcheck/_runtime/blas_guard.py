"""Work around an OpenBLAS crash before numpy loads it, without paying for it where it cannot happen.

OpenBLAS 0.3.30–0.3.31 (the builds shipped in numpy 2.4 and scipy 1.17 wheels)
segfaults in its SkylakeX ``dsyrk``/``dpotrf`` kernels at large orders on some
AVX-512 machines — exactly the Gram sizes opcheck builds (d2·n = 17 970 for the
full digits data crashes ``S.T @ S`` and ``cho_factor``; on this project's
machine order 18 000 crashes, 14 000 does not).  The Haswell (AVX2) kernels are
unaffected but, measured on the same machine on a quiet day, half as fast:
``dsyrk`` 53–59 vs 90–107 GFLOP/s, ``dpotrf`` 51–62 vs 77–94, GEMM 52 vs 107–110.

So, when opcheck is imported before numpy (the console script), on x86-64 with
AVX-512 and AVX2, and the user has not chosen a kernel, opcheck sets
``OPENBLAS_CORETYPE=Haswell`` (:func:`apply`).  ``OPCHECK_KEEP_BLAS_KERNEL=1``
opts out.  The command line then gets the fast kernel back where it is safe and
worth a second start (:func:`fast_kernel_restart`): once the run's largest dense
order is known to be at most ``SAFE_ORDER`` and its dense work at least
``RESTART_FLOPS``, the process replaces itself (``exec``) by the same command with
the machine's own kernel — ≈ 0.3 s of start-up against ≈ flops / 1e11 s saved.

The console ``opcheck verify`` knows its one dense order before any BLAS call, so it
works the other way round (:data:`DEFERRED`): it keeps the machine's kernel and
replaces itself by the same command on Haswell only when that order exceeds
``SAFE_ORDER`` — no second start at the common sizes, and no half-speed BLAS.

None of that helps a Python session that imported numpy before opcheck (OpenBLAS has
chosen its kernel by then), one with ``OPCHECK_KEEP_BLAS_KERNEL=1``, or a user's own
``OPENBLAS_CORETYPE=SkylakeX``: there ``opcheck.verify`` on the full digits data (order
17 970) segfaulted.  The crash is in the *multi-threaded* kernels only (one thread ran
``dsyrk`` and ``dpotrf`` at order 17 970 to completion), so :func:`crash_cap` runs a
computation whose dense order exceeds ``SAFE_ORDER`` on one BLAS thread when the loaded
OpenBLAS runs an AVX-512 kernel (:func:`avx512_kernel_loaded`) — about the speed of the
Haswell kernel on two threads here, and never a crash.
"""
from __future__ import annotations

import contextlib
import os
import platform
import sys
from typing import Any, Callable, Iterator, TypeVar

SAFE_ORDER = 12_000  # largest dense order run on the machine's own (AVX-512) kernel
RESTART_FLOPS = 1e11  # dense work from which a second start pays (≈ 1 s at the Haswell kernel's rate)
APPLIED = False  # whether apply() set the Haswell kernel in this process
DEFERRED = False  # console `opcheck verify`: the machine's kernel kept; an order above SAFE_ORDER restarts on Haswell
_restart_allowed = False


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def apply() -> bool:
    """Set OPENBLAS_CORETYPE=Haswell where it is safe and needed; return whether it was set."""
    if "numpy" in sys.modules or os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("OPCHECK_KEEP_BLAS_KERNEL"):
        return False
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    flags = _cpu_flags()
    if "avx512f" in flags and "avx2" in flags:
        global APPLIED, DEFERRED
        if _console_verify(sys.argv):
            DEFERRED = True
            return False
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"
        APPLIED = True
        return True
    return False


def _console_verify(argv: list[str]) -> bool:
    """Whether this process is ``opcheck verify …`` (console script or ``python -m opcheck``)."""
    if len(argv) < 2 or argv[1] != "verify":
        return False
    prog = os.path.basename(argv[0])
    return prog == "opcheck" or (prog == "__main__.py" and os.path.basename(os.path.dirname(argv[0])) == "opcheck")


def allow_restart() -> None:
    """Called by the console entry point only: this process is ``opcheck …`` and may ``exec`` itself."""
    global _restart_allowed
    _restart_allowed = True


def fast_kernel_restart(max_order: int, flops: float) -> tuple[list[str], dict[str, str]] | None:
    """(argv, environment) to re-run this command on the other kernel, or None to go on as is.

    A console ``verify`` that kept the machine's kernel (:data:`DEFERRED`) restarts on
    Haswell when ``max_order > SAFE_ORDER``.  Otherwise:

    Only in the console process (:func:`allow_restart`), only when :func:`apply` chose
    Haswell here, the largest dense order is ≤ ``SAFE_ORDER`` and the dense work is ≥
    ``RESTART_FLOPS``.  The new process has ``OPCHECK_KEEP_BLAS_KERNEL=1``, so it
    never restarts again.
    """
    if _restart_allowed and DEFERRED and max_order > SAFE_ORDER:  # the machine's kernel would crash: Haswell
        env = dict(os.environ, OPENBLAS_CORETYPE="Haswell", OPCHECK_KEEP_BLAS_KERNEL="1")
        return [sys.executable, "-m", "opcheck", *sys.argv[1:]], env
    if not (_restart_allowed and APPLIED) or max_order > SAFE_ORDER or flops < RESTART_FLOPS:
        return None
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    env["OPCHECK_KEEP_BLAS_KERNEL"] = "1"
    return [sys.executable, "-m", "opcheck", *sys.argv[1:]], env


AVX512_KERNELS = frozenset({"skylakex", "cooperlake", "sapphirerapids"})  # OpenBLAS core names whose BLAS-3 is AVX-512


def avx512_kernel_loaded() -> bool:
    """Whether an OpenBLAS loaded in this process runs an AVX-512 kernel (threadpoolctl's ``architecture``)."""
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return False
    return any(str(i.get("architecture", "")).lower() in AVX512_KERNELS
               for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas")


@contextlib.contextmanager
def crash_cap(order: int) -> Iterator[None]:
    """Run the enclosed computation on one BLAS thread when its largest dense order exceeds
    ``SAFE_ORDER`` on an AVX-512 OpenBLAS kernel (module docstring); otherwise as it is."""
    from opcheck._runtime import threads

    if order > SAFE_ORDER and avx512_kernel_loaded():
        with threads.capped(1):
            yield
    else:
        yield


F = TypeVar("F", bound=Callable[..., Any])


def crash_capped(order: Callable[[dict[str, Any]], int]) -> Callable[[F], F]:
    """Decorator: run the function under :func:`crash_cap` of ``order(arguments)``, its arguments by name."""
    def wrap(fn: F) -> F:
        import functools
        import inspect

        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def capped_call(*args: Any, **kwargs: Any) -> Any:
            with crash_cap(order(signature.bind(*args, **kwargs).arguments)):
                return fn(*args, **kwargs)
        return capped_call  # type: ignore[return-value]
    return wrap
