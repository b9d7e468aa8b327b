"""Work around an OpenBLAS crash before numpy loads it.

OpenBLAS 0.3.30–0.3.31 (the builds shipped in numpy 2.4 and scipy 1.17 wheels)
segfaults in its SkylakeX ``dsyrk``/``dpotrf`` kernels once the order exceeds
about 12 000 on some AVX-512 machines — exactly the Gram sizes opcheck builds
(d2·n = 17 970 for the full digits data crashes ``S.T @ S`` and ``cho_factor``).
The Haswell (AVX2) kernels are unaffected and, measured on this project's
machine, as fast for these BLAS-3 calls (75 vs 59 GFLOP/s for a 4000² GEMM).

So, when opcheck is imported before numpy (the console script), on x86-64 with
AVX-512 and AVX2, and the user has not chosen a kernel, opcheck sets
``OPENBLAS_CORETYPE=Haswell``.  ``OPCHECK_KEEP_BLAS_KERNEL=1`` opts out.
"""
from __future__ import annotations

import os
import platform
import sys


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
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"
        return True
    return False
