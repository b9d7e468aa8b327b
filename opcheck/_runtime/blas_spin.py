"""Shorten how long idle OpenBLAS threads spin, before numpy loads OpenBLAS.

numpy's and scipy's wheels each ship their own OpenBLAS (``libscipy_openblas64_``
in ``numpy.libs``, ``libscipy_openblas`` in ``scipy.libs``): two thread pools in one
process.  After a call, an OpenBLAS worker keeps polling for new work for
``2**OPENBLAS_THREAD_TIMEOUT`` cycles (default 2**28 ≈ 0.1 s) before it sleeps.
opcheck alternates the two libraries all the time: block Lanczos orthogonalises
with numpy's ``@`` and applies the operator with scipy's ``dpotrs``/``dgemm``.
Each time, the idle pool's polling thread takes a core from the busy pool.
On this project's 2-core machine, measured at order 10 000 (``benchmarks/bench_blas_spin.py``):
a 16-column ``dpotrs`` right after a 200 × 200 numpy product took 0.14–0.16 s,
against 0.085–0.10 s back to back.

:func:`apply` sets ``OPENBLAS_THREAD_TIMEOUT=SPIN_EXPONENT`` (2**22 cycles, about
1–2 ms) when opcheck is imported before numpy and the user has not set the variable.
With that setting the delay is gone, and same-library calls that follow each other
within a millisecond still find their workers awake.  It changes only scheduling,
never a result.  Workers started later (the report's process pool, a local Dask
cluster) inherit the variable.  A user who imports numpy first keeps OpenBLAS's
default; that run is slower, not different.
"""
from __future__ import annotations

import os
import sys

VARIABLE = "OPENBLAS_THREAD_TIMEOUT"
SPIN_EXPONENT = 22  # 2**22 cycles ≈ 1-2 ms of polling (OpenBLAS accepts 4-30; its default is 28)


def apply() -> bool:
    """Set ``OPENBLAS_THREAD_TIMEOUT`` for this process's OpenBLAS libraries; return whether it was set.

    It is set only when numpy is not loaded yet (OpenBLAS reads the variable once, when
    the library loads) and the variable is not in the environment at all.  The setting is
    process-wide: subprocesses started later inherit it.
    """
    if "numpy" in sys.modules or VARIABLE in os.environ:  # any value the user set, even empty, is theirs
        return False
    os.environ[VARIABLE] = str(SPIN_EXPONENT)
    return True
