"""Extreme singular values of the Jacobian of Φ and of its layer blocks.

Blocks (rows ordered (k, a), see :mod:`opcheck.linalg.gram`):

* ``both``   — the full J; Gram ``J Jᵀ = I ⊗ AᵀA + J_W J_Wᵀ``, rank ≤ d1 (d0 + d2);
* ``first``  — J_W = ∂Φ/∂W; Gram ``J_W J_Wᵀ``, rank ≤ d1 d0;
* ``second`` — J_V = ∂Φ/∂V = I ⊗ φ(WX)ᵀ; its spectrum is that of ``AᵀA`` (n × n), rank ≤ min(n, d1).

When the rank bound is below the Gram's order, σ_min = 0 is structural and only
λ_max is computed (one Lanczos run).  Otherwise the path is planned before anything
is allocated (:mod:`opcheck.linalg.gram_plan`): the Gram is formed when it fits in
memory (:func:`opcheck.linalg.spectra.store_extremes`); when it does not, the
caller's :class:`TooBig` choice decides — assembled blockwise on a Dask cluster
(:mod:`opcheck.linalg.distributed_gram`, the same solver and certificates),
refused with the figure, or matrix-free products through jvp/vjp
(:func:`opcheck.linalg.spectra.operator_extremes`, λ_min as an interval).
``both`` and ``first`` share one W-block Gram when both are formed locally.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import shutil
import tempfile
from typing import Callable, Sequence

import numpy as np

from opcheck._runtime import cluster, memory, threads, work
from opcheck.linalg import block_krylov, distributed_gram, gram, gram_error, gram_plan, spectra
from opcheck.linalg.gram_plan import GramPath, GramPlan
from opcheck.linalg.intervals import Bound, FormationBound, SpectralInterval, make_interval
from opcheck.linalg.jacobian import jvp, vjp
from opcheck.linalg.symmetric_store import SymmetricStore

BLOCKS = ("both", "first", "second")


class TooBig(str, enum.Enum):
    """What to do with a full-rank Gram that does not fit the local memory budget."""

    MATRIX_FREE = "matrix-free Lanczos"
    DISTRIBUTED = "blockwise on a Dask cluster"
    REFUSE = "refuse with the figure"


def _rank_bound(block: str, n: int, d0: int, d1: int, d2: int) -> tuple[int, int, str]:
    """(Gram order, rank bound, reason text when the bound makes σ_min structurally 0)."""
    if block == "second":
        return n, min(n, d1), f"d1 = {d1} < n = {n}: phi(W X) has rank at most d1"
    if block == "first":
        return d2 * n, d1 * d0, f"d1 d0 = {d1 * d0} < d2 n = {d2 * n}: the W-block has more rows than columns"
    return d2 * n, d1 * (d0 + d2), f"p = d1(d0+d2) = {d1 * (d0 + d2)} < d2 n = {d2 * n}: J has more rows than columns"


def _matvec(block: str, V: np.ndarray, A: np.ndarray, B: np.ndarray, X: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``u ↦ G u`` for the block's Gram, matrix-free."""
    if block == "second":
        return lambda u: A.T @ (A @ u)
    d2, n = V.shape[0], X.shape[1]
    with_v = block == "both"

    def mv(u: np.ndarray) -> np.ndarray:
        g = vjp(V, A, B, X, u.reshape(d2, n))
        return jvp(V, A, B, X, g.W, g.V if with_v else np.zeros_like(g.V)).ravel()

    return mv


ORDER = ("second", "first", "both")  # processing order: A^T A, then the W-block, then W-block + V-block in the same array


def plan_grams(n: int, d0: int, d1: int, d2: int, blocks: Sequence[str] = ("both",), too_big: TooBig = TooBig.MATRIX_FREE) -> dict[str, GramPlan]:
    """The local decision for each block's Gram, before anything is allocated.

    ``DISTRIBUTED`` entries carry no worker figures yet: :func:`jacobian_extremes`
    completes them from the cluster it connects to.  ``REFUSED`` entries raise in
    :meth:`GramPlan.require`.
    """
    share = "second" in blocks and "both" in blocks
    plans = {}
    for block in blocks:
        size, rank, _ = _rank_bound(block, n, d0, d1, d2)
        local_bytes = _formed_bytes(block, n, d0, d1, d2, share)
        plan = gram_plan.plan_local(size, local_bytes, structural=rank < size, allow_distributed=too_big is TooBig.DISTRIBUTED)
        if plan.path is GramPath.REFUSED and too_big is TooBig.MATRIX_FREE:
            plan = dataclasses.replace(plan, path=GramPath.MATRIX_FREE, reason="does not fit; Lanczos on Jacobian products")
        plans[block] = plan
    return plans


def _formed_bytes(block: str, n: int, d0: int, d1: int, d2: int, share: bool) -> float:
    """Peak bytes of forming and certifying the block's Gram here: :func:`opcheck.linalg.gram.gram_bytes` plus the
    formation bound's pass, which may run while the Gram is alive (:func:`opcheck.linalg.gram_error.pass_bytes`)."""
    formed = gram.gram_bytes(n, d1, 1) if block == "second" else gram.gram_bytes(n, d1, d2, with_v_block_copy=share)
    return formed + gram_error.pass_bytes(d0, d1, n)


def jacobian_extremes(
    V: np.ndarray,
    A: np.ndarray,
    B: np.ndarray,
    X: np.ndarray,
    blocks: Sequence[str] = ("both",),
    seed: int = 0,
    K: np.ndarray | None = None,
    too_big: TooBig = TooBig.MATRIX_FREE,
    scheduler: str | None = None,
    plans: dict[str, GramPlan] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, spectra.Extremes]:
    """Certified λ_min, λ_max of each requested block's Gram at (V, A = φ(WX), B = φ'(WX)).

    ``plans`` (from :func:`plan_grams`, made here from ``too_big`` if omitted) say
    which path each block takes; ``scheduler`` is the Dask address for distributed
    blocks (None: ``$OPCHECK_SCHEDULER``, else a LocalCluster of this machine's
    cores spilling to the temporary directory).  ``progress`` receives each plan's
    summary before the block's work starts.  ``K`` is accepted for compatibility
    and unused (K's panels come from X).
    """
    d1, n = A.shape
    d2, d0 = V.shape[0], X.shape[0]
    plans = plans or plan_grams(n, d0, d1, d2, blocks, too_big)
    for plan in plans.values():
        plan.require()
    say = progress or (lambda _msg: None)
    far = [b for b in blocks if plans[b].path is GramPath.DISTRIBUTED]
    near = [b for b in blocks if b not in far]
    for block in near:
        say(plans[block].summary())
    with threads.sync_heavy():  # the Gram's dsyrk too: beside a busy neighbour two threads wait on each other
        out = _local_extremes(V, A, B, X, near, seed, plans) if near else {}
    if far:
        out.update(_distributed_extremes(V, A, B, X, far, seed, plans, scheduler, say))
    if "both" in out and "second" in out:
        out["both"] = floor_by_v_block(out["both"], out["second"])
    return {b: out[b] for b in blocks}


def _local_extremes(V, A, B, X, blocks: Sequence[str], seed: int, plans: dict[str, GramPlan]) -> dict[str, spectra.Extremes]:
    """Blocks formed here, structurally singular, or matrix-free.

    Formed path: one Fortran N × N array holds the W-block Gram (``first``), then,
    with ``I ⊗ AᵀA`` added in place, the full Gram (``both``); ``AᵀA`` itself
    (``second``, whose λ_min is μ_Φ²) is formed once and shared.
    """
    d1, n = A.shape
    d2, d0 = V.shape[0], X.shape[0]
    N = d2 * n
    wanted = [b for b in ORDER if b in blocks]
    share = "second" in wanted and "both" in wanted
    formed = {b: plans[b].path is GramPath.FORMED_LOCAL for b in wanted}
    src = gram.array_chunks(A, B)
    row_sums = functools.cache(lambda: gram_error.FormationErrors.of(V, A, B, X))  # the pass: once, only if a block asks

    def formation_bound(block: str, store: SymmetricStore) -> FormationBound:
        """The trace bound at once, the row-sum pass's (shared by the blocks) on demand (src sums by dsyrk, β = 1: so does .of);
        never for J_W alone, whose λ_min interval is ``[0, Rayleigh]`` whatever the bound (:func:`_certificates`)."""
        def tighter() -> float:
            return row_sums()(block)
        first = gram_error.trace_formation_error(gram_error.source_inner_length(block, d0, d1, src), store.diag)
        return FormationBound(first, tighter if _certificates(block)["tight_min"] else None)

    out: dict[str, spectra.Extremes] = {}
    H: np.ndarray | None = None  # the N x N array (W-block, then the full Gram)
    AtA: np.ndarray | None = None
    for block in wanted:
        size, rank, reason = _rank_bound(block, n, d0, d1, d2)
        Vb = V[:1] if block == "second" else V  # the V-block Gram is A^T A, of order n
        if rank < size:
            top = spectra.top_eigenvalue(_matvec(block, V, A, B, X), size, seed)
            out[block] = spectra.structural_zero(top, f"{reason}; sigma_min = 0 exactly", _top_interval(block, Vb, A, B, X, top))
            continue
        if block == "second" and formed[block]:
            store = SymmetricStore(gram.form_v_block(src))
            out[block] = spectra.store_extremes(store, seed, formation_bound(block, store))
            AtA = store.lower() if share and formed.get("both") else None  # add_v_block reads its lower triangle
        elif block != "second" and formed[block]:
            if H is None:
                H = gram.form_w_block(gram.new_gram(N), V, src, X)
            if block == "both":
                H = gram.add_v_block(H, d2, src, AtA)
                AtA = None
            store = SymmetricStore(H)
            out[block] = spectra.store_extremes(store, seed, formation_bound(block, store), **_certificates(block), floor=_v_block_floor(block, out),
                                                starts=_v_block_starts(block, out, d2))
            H = store.lower() if block == "first" and "both" in wanted else None  # the next store reads the lower triangle
        else:
            out[block] = spectra.operator_extremes(
                _matvec(block, V, A, B, X), size, seed,
                rayleigh=lambda u, block=block, Vb=Vb: gram_error.rayleigh_factored(block, Vb, A, B, X, u),
                upper_bound=gram_error.operator_norm_bound(block, Vb, A, B, X),
            )
    return out


def _distributed_extremes(V, A, B, X, blocks: Sequence[str], seed: int, plans: dict[str, GramPlan], scheduler: str | None, say) -> dict[str, spectra.Extremes]:
    """Blocks assembled on a Dask cluster (one client for all); a block the cluster
    cannot hold falls back to matrix-free products, and its plan says why.  A local
    cluster is sized first (each worker also needs ``LOCAL_WORKER_BASE`` for itself)
    and not started at all when no block fits it."""
    d1, d0 = A.shape[0], X.shape[0]
    out: dict[str, spectra.Extremes] = {}
    address = cluster.scheduler_address(scheduler)
    workers, spill_dir = cluster.local_cores(), tempfile.gettempdir()
    limit = plans[blocks[0]].budget_bytes / workers
    spill = None if address else float(shutil.disk_usage(spill_dir).free)

    ferrs = gram_error.FormationErrors.of(V, A, B, X)

    def run(block: str, plan: GramPlan, client=None, threads_total: int = workers) -> None:
        _require_feasible(block, plan, A.shape[1], d0, d1, V.shape[0], threads_total)
        say(plan.summary())
        if plan.path is GramPath.MATRIX_FREE:
            ext = _local_extremes(V, A, B, X, [block], seed, {block: plan})[block]
        else:
            with distributed_gram.BlockedGram(client, V, A, B, X, block, plan.chunk) as blocked:
                ext = spectra.store_extremes(blocked, seed, ferrs(block), method=spectra.Method.DISTRIBUTED,
                                             **_certificates(block))
        out[block] = dataclasses.replace(ext, note="; ".join(x for x in (plan.summary(), ext.note) if x))

    if not address:
        for block in blocks:
            plan = local_cluster_plan(plans[block], d0, d1)
            if plan.path is GramPath.MATRIX_FREE:
                run(block, plan)
        blocks = [b for b in blocks if b not in out]
        if not blocks:
            return out
    with cluster.dask_client(address, workers=workers, memory_limit=limit, local_directory=spill_dir) as client:
        cap = cluster.capacity(client)
        reserve = 0.0 if address else gram_plan.LOCAL_WORKER_BASE
        for block in blocks:
            run(block, gram_plan.plan_distributed(plans[block], d0, d1, cap.workers, cap.threads_per_worker, cap.memory_limit, spill, reserve=reserve), client,
                cap.workers * cap.threads_per_worker)
    return out


def _require_feasible(block: str, plan: GramPlan, n: int, d0: int, d1: int, d2: int, threads_total: int) -> None:
    """Refuse (exit 2, with the figure) a block a cluster cannot finish in the time budget, before its work starts:
    a matrix-free fall-back by its Lanczos bound (:func:`matrix_free_flops`), an assembled Gram by its Cholesky
    factorisation (order³/3) at :data:`~opcheck._runtime.work.DENSE_RATE_PER_THREAD` per worker thread."""
    if plan.path is GramPath.MATRIX_FREE:
        work.require(matrix_free_flops(n, d0, d1, d2, (block,)), f"the matrix-free Jacobian spectrum (J J^T of order {plan.order})",
                     "use a smaller --d2 or --n")
    elif plan.path is GramPath.DISTRIBUTED:
        work.require(plan.order**3 / 3.0, f"the Cholesky factorisation of the assembled Gram of order {plan.order} on {threads_total} worker thread(s)",
                     "use a smaller --d2 or --n, or a larger cluster", rate=work.DENSE_RATE_PER_THREAD * max(1, threads_total))


def local_cluster_plan(plan: GramPlan, d0: int, d1: int) -> GramPlan:
    """A ``DISTRIBUTED`` plan sized for a LocalCluster of this machine's cores (spilling to the temporary
    directory); ``MATRIX_FREE``, with the reason, when that cluster cannot hold the blocks."""
    workers, spill_dir = cluster.local_cores(), tempfile.gettempdir()
    return gram_plan.plan_distributed(plan, d0, d1, workers, 1, plan.budget_bytes / workers, float(shutil.disk_usage(spill_dir).free),
                                      reserve=gram_plan.LOCAL_WORKER_BASE)


def matrix_free_blocks(plans: dict[str, GramPlan], d0: int, d1: int, scheduler: str | None = None) -> tuple[str, ...]:
    """The blocks that will run matrix-free: planned so, or distributed with no scheduler on a LocalCluster
    that cannot hold them (:func:`local_cluster_plan`).  A remote cluster is sized only once connected; each
    block is then checked by :func:`_require_feasible` before its work starts."""
    local = not cluster.scheduler_address(scheduler)
    return tuple(b for b, p in plans.items() if p.path is GramPath.MATRIX_FREE
                 or (local and p.path is GramPath.DISTRIBUTED and local_cluster_plan(p, d0, d1).path is GramPath.MATRIX_FREE))


def _v_block_floor(block: str, done: dict[str, spectra.Extremes]) -> float | None:
    """The certified ``λ_min(J Jᵀ) ≥ λ_min(AᵀA)`` for block ``both`` once the V-block is done (else None)."""
    iv = done["second"].lambda_min_interval if block == "both" and "second" in done else None
    return float(iv.lo) if iv is not None and iv.lo > 0 else None


def _v_block_starts(block: str, done: dict[str, spectra.Extremes], d2: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Start blocks for J Jᵀ's Lanczos runs from the V-block's Ritz vectors u: the columns ``e_a ⊗ u``, a = 1..d2.

    ``J Jᵀ = I ⊗ AᵀA + J_W J_Wᵀ``: its extreme eigenvectors are near the span of the V-block's,
    one copy per output (at d2 = 10 a cluster of ten).  At most a Lanczos block's worth of
    columns (the first outputs), so the start stays N × 16 whatever d2.  (None, None) when the
    V-block was not formed here or J Jᵀ is not block ``both``.
    """
    vectors = done["second"].vectors if block == "both" and "second" in done else None
    if vectors is None:
        return None, None
    n, m = vectors[0].size, min(d2, block_krylov.BLOCK)

    def copies(u: np.ndarray) -> np.ndarray:
        cols = np.zeros((d2 * n, m))
        for a in range(m):
            cols[a * n : (a + 1) * n, a] = u
        return cols

    return copies(vectors[0]), copies(vectors[1])


def _certificates(block: str) -> dict[str, bool]:
    """Which ends get a Cholesky certificate: no verdict rests on σ_max(J), σ_max(J_W) or σ_min(J_W), so those take
    norm bounds / ``[0, hi]`` (one factorisation fewer each); σ_min(J) and the V-block (μ_Φ, σ_max(φ)) stay tight."""
    return {"tight_max": block == "second", "tight_min": block in ("both", "second")}


def floor_by_v_block(both: spectra.Extremes, second: spectra.Extremes) -> spectra.Extremes:
    """Raise the certified lower end of λ_min(J Jᵀ) to that of λ_min(AᵀA): ``J Jᵀ = I ⊗ AᵀA + (PSD)``."""
    iv, v_iv = both.lambda_min_interval, second.lambda_min_interval
    if iv is None or v_iv is None or v_iv.lo <= iv.lo:
        return both
    raised = iv.with_lower(v_iv.lo, Bound.V_BLOCK)
    note = both.note + ("; " if both.note else "") + f"lambda_min >= {v_iv.lo:.6g} certified by the V-block (J J^T >= I (x) A^T A)"
    return dataclasses.replace(both, lambda_min_interval=raised, note=note)


def _top_interval(block: str, V, A, B, X, estimate: float) -> SpectralInterval:
    """λ_max of a rank-deficient block: certified by the norm bounds only (no factorisation is possible)."""
    hi = gram_error.operator_norm_bound(block, V, A, B, X)
    return make_interval(estimate, 0.0, hi, Bound.GRAM_PSD, Bound.NORM, True, 0.0)


def matrix_free_flops(n: int, d0: int, d1: int, d2: int, blocks: Sequence[str] = ("both", "first", "second")) -> float:
    """Upper bound on the arithmetic of :func:`jacobian_extremes` when the Gram is *not* formed.

    0 when the Gram fits in memory (dense work is then bounded by the memory planner).
    Otherwise two Lanczos runs per block (λ_max, then λ_min of the shifted operator), each
    at most :func:`~opcheck.linalg.spectra.operator_product_cap` products; a product is a
    vjp and a jvp (≈ 8·d1·n·(d0 + d2) operations) plus the Lanczos orthogonalisation
    against its basis (≈ 4·N·ncv, N = d2·n).  Used by the planner of
    :mod:`opcheck._runtime.work` to refuse, before starting, a solve that cannot finish.
    """
    N = d2 * n
    if memory.fits(_formed_bytes("both", n, d0, d1, d2, "second" in blocks and "both" in blocks)):
        return 0.0
    runs = 2 * sum(1 for b in blocks if b != "second")
    per_product = 8.0 * d1 * n * (d0 + d2) + 4.0 * N * spectra.operator_ncv(N)
    return runs * spectra.operator_product_cap(N) * per_product
