"""Which path computes a Jacobian Gram's spectrum, decided before anything is allocated.

Paths (:class:`GramPath`), for a Gram of order ``N`` (``d2·n`` for the full J and
its W-block, ``n`` for the V-block):

* ``FORMED_LOCAL`` — the Gram fits the memory budget (:mod:`opcheck._runtime.memory`):
  formed here, LAPACK / Cholesky shift-invert (:func:`opcheck.linalg.spectra.gram_extremes`).
* ``DISTRIBUTED`` — it does not fit, and distributed work is allowed: assembled in
  ``chunk × chunk`` blocks on Dask workers, which keep them in memory or spill them
  to disk (:mod:`opcheck.linalg.distributed_gram`).  Each worker needs
  ``worker_ram_bytes`` of RAM for its working set and stores ``worker_storage_bytes``.
* ``MATRIX_FREE`` — Lanczos on Jacobian products.  Accurate for λ_max and for a
  structurally singular Gram (only λ_max is needed); for λ_min otherwise it is the
  last resort (the cluster cannot hold the Gram), and a run that does not converge
  is reported as an interval.
* ``REFUSED`` — local-only work was asked for (``--no-distributed``) and the Gram
  does not fit: :meth:`GramPlan.require` raises with the figure.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from opcheck._runtime import memory
from opcheck.errors import InputError

MAX_CHUNK = 4096  # BLAS-3 blocks past this gain little and make the working set coarse
MIN_CHUNK = 64
BLOCKS_IN_FLIGHT = 6  # blocks one task may hold: operands, a Cholesky update's products, result
#: RAM a local worker process needs for itself (Python, numpy, Dask): measured 0.13 GB idle,
#: 0.37 GB peak with blocks of 1000 (benchmarks/bench_distributed_gram.py)
LOCAL_WORKER_BASE = 0.25 * memory.GB


class GramPath(str, enum.Enum):
    FORMED_LOCAL = "formed locally"
    DISTRIBUTED = "distributed blocked Gram (Dask)"
    MATRIX_FREE = "matrix-free Lanczos"
    REFUSED = "refused (does not fit, --no-distributed)"


@dataclass(frozen=True)
class GramPlan:
    """The chosen path and the memory figures behind it (bytes)."""

    path: GramPath
    order: int
    local_bytes: float  # peak of the formed-locally path
    budget_bytes: float  # local planning budget
    chunk: int = 0
    workers: int = 0
    worker_ram_bytes: float = 0.0
    worker_storage_bytes: float = 0.0
    reason: str = ""

    def summary(self) -> str:
        """One sentence for progress output and notes."""
        gb = memory.GB
        head = f"Gram of order {self.order}: {self.path.value}"
        if self.path is GramPath.DISTRIBUTED:
            return (f"{head} on {self.workers} workers, blocks of {self.chunk}; each worker needs "
                    f"{self.worker_ram_bytes / gb:.2f} GB RAM and stores {self.worker_storage_bytes / gb:.2f} GB "
                    f"(in memory or spilled to disk); formed locally it would need {self.local_bytes / gb:.2f} GB "
                    f"of the {self.budget_bytes / gb:.2f} GB budget")
        return f"{head} ({self.reason})" if self.reason else head

    def require(self) -> None:
        """Raise :class:`InputError` (exit 2) if the plan is ``REFUSED``."""
        if self.path is GramPath.REFUSED:
            raise InputError(
                f"the Jacobian Gram of order {self.order} would need {self.local_bytes / memory.GB:.1f} GB but only "
                f"{self.budget_bytes / memory.GB:.1f} GB are available; drop --no-distributed to assemble it on a Dask "
                "cluster (--scheduler ADDRESS, or local workers spilling to disk), or use a smaller --n"
            )

    def as_dict(self) -> dict:
        return {
            "path": self.path.name.lower(),
            "order": self.order,
            "local_bytes": self.local_bytes,
            "budget_bytes": self.budget_bytes,
            "chunk": self.chunk,
            "workers": self.workers,
            "worker_ram_bytes": self.worker_ram_bytes,
            "worker_storage_bytes": self.worker_storage_bytes,
            "summary": self.summary(),
        }


def blocked_storage_bytes(order: int, chunk: int, d0: int, d1: int) -> float:
    """Bytes the cluster stores: the Gram's upper blocks, the Cholesky factor's lower
    blocks (same count), and each row block's factor columns (A, B·V_k, X)."""
    p = math.ceil(order / chunk)
    tri_blocks = p * (p + 1) / 2
    return 8.0 * (2 * tri_blocks * chunk * chunk + p * chunk * (2 * d1 + d0))


def working_bytes(chunk: int, threads: int, d0: int, d1: int) -> float:
    """RAM one worker needs at once: ``BLOCKS_IN_FLIGHT`` blocks and two row blocks of factors per thread."""
    return 8.0 * threads * (BLOCKS_IN_FLIGHT * chunk * chunk + 2 * chunk * (2 * d1 + d0))


def choose_chunk(order: int, memory_limit: float, threads: int, d0: int, d1: int, target: float = 0.6) -> int:
    """Largest block side (a multiple of ``MIN_CHUNK``, at most ``MAX_CHUNK``) whose working set
    stays under half of the memory a worker keeps before it spills (``target`` of its limit)."""
    cap = min(MAX_CHUNK, max(MIN_CHUNK, order))
    room = 0.5 * target * memory_limit if memory_limit > 0 else math.inf
    chunk = MIN_CHUNK
    for c in range(MIN_CHUNK, cap + 1, MIN_CHUNK):
        if working_bytes(c, threads, d0, d1) <= room:
            chunk = c
    return min(chunk, cap)


def plan_local(order: int, local_bytes: float, *, structural: bool, allow_distributed: bool) -> GramPlan:
    """The decision that needs no cluster: formed here, matrix-free (structural), refused, or 'ask a cluster'.

    Returns ``DISTRIBUTED`` with no worker figures when a cluster should be asked;
    :func:`plan_distributed` fills them in from the cluster's capacity.
    """
    budget = memory.budget_bytes()
    if memory.fits(local_bytes):
        return GramPlan(GramPath.FORMED_LOCAL, order, local_bytes, budget)
    if structural:
        return GramPlan(GramPath.MATRIX_FREE, order, local_bytes, budget, reason="lambda_min = 0 structurally; lambda_max by Lanczos on Jacobian products")
    if not allow_distributed:
        return GramPlan(GramPath.REFUSED, order, local_bytes, budget)
    return GramPlan(GramPath.DISTRIBUTED, order, local_bytes, budget)


def plan_distributed(base: GramPlan, d0: int, d1: int, workers: int, threads: int, memory_limit: float, spill_bytes: float | None,
                     chunk: int | None = None, reserve: float = 0.0) -> GramPlan:
    """Size the blocks for the cluster and check it can hold them.

    ``spill_bytes`` is the disk the workers may spill to (None: unknown, a remote
    cluster); ``reserve`` the part of each worker's memory limit its own process
    takes (a local cluster's workers: :data:`LOCAL_WORKER_BASE`).  When a worker's
    limit cannot hold the working set of one block, or RAM and disk together cannot
    hold the blocks, the plan falls back to ``MATRIX_FREE`` and says why.
    """
    usable = memory_limit - reserve if memory_limit > 0 else 0.0
    if memory_limit > 0 and usable <= 0:
        reason = f"a worker's {memory_limit / memory.GB:.2f} GB memory limit leaves no room beside its own process ({reserve / memory.GB:.2f} GB)"
        return GramPlan(GramPath.MATRIX_FREE, base.order, base.local_bytes, base.budget_bytes, reason=reason)
    memory_limit = usable
    c = chunk or choose_chunk(base.order, memory_limit, threads, d0, d1)
    storage = blocked_storage_bytes(base.order, c, d0, d1)
    per_worker = storage / workers
    ram = working_bytes(c, threads, d0, d1)
    if memory_limit > 0 and ram > memory_limit:
        reason = f"a worker's {memory_limit / memory.GB:.2f} GB memory limit is below the {ram / memory.GB:.2f} GB working set of one block"
        return GramPlan(GramPath.MATRIX_FREE, base.order, base.local_bytes, base.budget_bytes, reason=reason)
    if spill_bytes is not None and storage > spill_bytes + 0.6 * memory_limit * workers:
        reason = (f"the blocked Gram needs {storage / memory.GB:.1f} GB but the workers' memory and "
                  f"{spill_bytes / memory.GB:.1f} GB of spill disk cannot hold it")
        return GramPlan(GramPath.MATRIX_FREE, base.order, base.local_bytes, base.budget_bytes, reason=reason)
    return GramPlan(GramPath.DISTRIBUTED, base.order, base.local_bytes, base.budget_bytes, chunk=c, workers=workers,
                    worker_ram_bytes=ram, worker_storage_bytes=per_worker)
