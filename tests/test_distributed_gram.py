"""The blocked Gram on a 2-process LocalCluster against numpy on the formed Gram.

The cluster's workers have a memory limit below the Gram's size and spill to disk
(Dask's process-memory guards are off, because the limit is smaller than an idle
worker process; spilling of managed data at 60 % of the limit stays on).
"""
import json

import numpy as np
import pytest

from opcheck._runtime import cluster, memory
from opcheck.errors import InputError
from opcheck.linalg import distributed_gram as dg
from opcheck.linalg import gram, gram_error, gram_plan, spectra
from opcheck.linalg.gram_plan import GramPath
from opcheck.linalg.symmetric_store import SymmetricStore
from opcheck.model.activations import get_activation

WORKER_LIMIT = 1.25 * 1024**2  # bytes per worker: dask refuses tasks whose inputs exceed it, so blocks stay small


@pytest.fixture(scope="module")
def client():
    with cluster.dask_client(workers=2, memory_limit=WORKER_LIMIT, rss_guards=False) as c:
        yield c


def _factors(n, d0, d1, d2, act="tanh", seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W = rng.standard_normal((d1, d0)) / np.sqrt(d0)
    V = rng.standard_normal((d2, d1)) / np.sqrt(d1)
    f = get_activation(act)
    return V, f.phi(W @ X), f.dphi(W @ X), X


def _formed(block, V, A, B, X):
    K = X.T @ X
    return {"both": lambda: gram.jacobian_gram(V, A, B, K), "first": lambda: gram.w_block_gram(V, B, K), "second": lambda: gram.v_block_gram(A)}[block]()


@pytest.mark.parametrize("block", ["both", "first", "second"])
def test_blocks_assemble_the_formed_gram(client, block):
    # chunk 64 does not divide d2 n = 230: blocks straddle the k boundary and the last one is padded
    V, A, B, X = _factors(115, 5, 30, 2)
    with dg.BlockedGram(client, V, A, B, X, block, 64) as bg:
        G = _formed(block, V, A, B, X)
        assert bg.N == G.shape[0] and bg.padded % 64 == 0 and bg.padded > bg.N
        np.testing.assert_allclose(bg.gather(), G, rtol=0, atol=1e-13 * np.abs(G).max())
        x = np.random.default_rng(1).standard_normal(bg.N)
        np.testing.assert_allclose(bg.matvec(x), G @ x, rtol=0, atol=1e-12 * np.abs(G @ x).max())
        np.testing.assert_allclose(bg.abs_matvec(np.abs(x)), np.abs(G) @ np.abs(x), rtol=1e-13)
        np.testing.assert_allclose(bg.diag, np.diag(G), rtol=1e-14)
        shift = 0.01 * np.trace(G) / G.shape[0]  # the W-block alone is rank-deficient here
        assert bg.factor(-shift)  # G + shift I
        np.testing.assert_allclose(bg.solve(G @ x + shift * x), x, rtol=0, atol=1e-9 * np.abs(x).max())
        local = SymmetricStore(G.copy())
        assert local.factor(-shift)
        assert bg.factor_rounding_bound() == pytest.approx(local.factor_rounding_bound(), rel=1e-6)
        assert bg.factor(-2.0 * np.abs(G).sum(axis=1).max(), -1.0)  # t I - G with t above ||G||: positive definite
        assert not bg.factor(0.0, -1.0)  # -G is not positive definite


def test_spilled_blocked_gram_matches_numpy_eigvalsh(client):
    V, A, B, X = _factors(600, 16, 1000, 1)
    G = _formed("both", V, A, B, X)
    assert G.nbytes > 2 * WORKER_LIMIT  # the Gram cannot sit in the workers' memory
    w = np.linalg.eigvalsh(G)
    ferr = gram_error.formation_error("both", V, A, B, X)
    with dg.BlockedGram(client, V, A, B, X, "both", 200) as bg:
        ext = spectra.store_extremes(bg, 0, ferr, method=spectra.Method.DISTRIBUTED)
        spilled = client.run(lambda dask_worker: len(dask_worker.data.slow))
    local = spectra.gram_extremes(G.copy(), 0, ferr)
    print(f"numpy {w[0]:.15e} {w[-1]:.15e}; blocked {ext.lambda_min:.15e} {ext.lambda_max:.15e}; {ext.iterations} products; spilled {spilled}")
    print(f"intervals blocked {ext.lambda_min_interval}, local {local.lambda_min_interval}")
    assert sum(spilled.values()) > 0
    assert abs(ext.lambda_min - w[0]) <= 1e-8 * w[0]
    assert abs(ext.lambda_max - w[-1]) <= 1e-8 * w[-1]
    assert ext.method == spectra.Method.DISTRIBUTED.value and ext.note == ""
    for iv, liv, lam in ((ext.lambda_min_interval, local.lambda_min_interval, w[0]), (ext.lambda_max_interval, local.lambda_max_interval, w[-1])):
        assert iv.lo <= lam <= iv.hi and iv.converged and (iv.lo_by, iv.hi_by) == (liv.lo_by, liv.hi_by)
        assert abs(iv.lo - liv.lo) <= 1e-8 * lam and abs(iv.hi - liv.hi) <= 1e-8 * lam  # the same certificates


def test_singular_gram_is_reported_as_below_resolution(client):
    V, A, B, X = _factors(60, 2, 6, 1)  # rank <= d1 (d0 + d2) = 18 < 60
    with dg.BlockedGram(client, V, A, B, X, "both", 32) as bg:
        ext = spectra.store_extremes(bg, 0, gram_error.formation_error("both", V, A, B, X))
    formed = spectra.gram_extremes(_formed("both", V, A, B, X), 0, gram_error.formation_error("both", V, A, B, X))
    assert ext.lambda_min == 0.0 == formed.lambda_min
    assert "numerically singular" in ext.note
    assert abs(ext.lambda_max - formed.lambda_max) <= 1e-10 * formed.lambda_max


def test_planner_figures_and_refusal(monkeypatch):
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", "0.001")
    base = gram_plan.plan_local(20000, 5e9, structural=False, allow_distributed=True)
    assert base.path is GramPath.DISTRIBUTED
    plan = gram_plan.plan_distributed(base, d0=10, d1=100, workers=2, threads=1, memory_limit=64e6, spill_bytes=1e12)
    assert plan.path is GramPath.DISTRIBUTED
    assert gram_plan.working_bytes(plan.chunk, 1, 10, 100) <= 0.3 * 64e6 < gram_plan.working_bytes(plan.chunk + gram_plan.MIN_CHUNK, 1, 10, 100)
    p = -(-20000 // plan.chunk)
    assert plan.worker_storage_bytes * 2 == pytest.approx(8 * (p * (p + 1) * plan.chunk**2 + p * plan.chunk * 210))
    assert "each worker needs" in plan.summary()
    no_disk = gram_plan.plan_distributed(base, d0=10, d1=100, workers=2, threads=1, memory_limit=64e6, spill_bytes=0.0)
    assert no_disk.path is GramPath.MATRIX_FREE and "cannot hold it" in no_disk.reason
    small = gram_plan.plan_distributed(base, d0=10, d1=100, workers=2, threads=1, memory_limit=0.2 * memory.GB, spill_bytes=1e12, reserve=gram_plan.LOCAL_WORKER_BASE)
    assert small.path is GramPath.MATRIX_FREE and "beside its own process" in small.reason
    roomy = gram_plan.plan_distributed(base, d0=10, d1=100, workers=2, threads=1, memory_limit=64e6 + gram_plan.LOCAL_WORKER_BASE, spill_bytes=1e12, reserve=gram_plan.LOCAL_WORKER_BASE)
    assert roomy.chunk == plan.chunk  # the reserve comes off the limit before the blocks are sized
    refused = gram_plan.plan_local(20000, 5e9, structural=False, allow_distributed=False)
    with pytest.raises(InputError, match=r"order 20000 would need 4\.7 GB but only 0\.0 GB .*--no-distributed"):
        refused.require()
    assert gram_plan.plan_local(20000, 5e9, structural=True, allow_distributed=False).path is GramPath.MATRIX_FREE


VERIFY = ("verify", "--dataset", "sphere", "--n", "32", "--d0", "6", "--d2", "2", "--width", "40", "--w-block", "--json")


def test_verify_runs_the_gram_on_the_scheduler_and_matches_the_local_run(client, run_cli, monkeypatch):
    local = run_cli(*VERIFY)
    assert local.code in (0, 1), local
    # a budget that holds phi(W0 X) and K but not the Gram of order d2 n = 64 (one block on the workers)
    budget = 6.5e4
    assert memory.float64_bytes((40, 32), (40, 32), (40, 32), (32, 32)) < budget < gram.gram_bytes(32, 40, 2)
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", str(budget / memory.GB))
    # as if the scheduler served a dashboard (bokeh installed there): the command prints its link, once
    monkeypatch.setattr(cluster, "dashboard_link", lambda c: f"{c.dashboard_link}#opcheck-test")
    far = run_cli(*VERIFY, "--scheduler", client.scheduler.address)
    assert far.code == local.code, far
    assert far.err.count("dashboard") == 1 and f"opcheck verify: Dask dashboard: {client.dashboard_link}#opcheck-test\n" in far.err
    assert "dashboard" not in local.err
    a, b = json.loads(local.out), json.loads(far.out)
    assert b["spectra"]["jacobian"]["method"] == spectra.Method.DISTRIBUTED.value
    assert "each worker needs" in b["spectra"]["jacobian"]["note"]
    for key in ("sigma_min_jacobian", "sigma_max_jacobian", "sigma_min_jacobian_w_block", "sigma_max_jacobian_w_block"):
        assert abs(a["quantities"][key] - b["quantities"][key]) <= 1e-8 * a["quantities"][key], key
    refused = run_cli(*VERIFY, "--no-distributed")
    assert refused.code == 2 and "would need" in refused.err and "Traceback" not in refused.err


def test_a_remote_cluster_refuses_what_it_cannot_finish_before_any_block(client, run_cli):
    """d2 = 100 000 at n = 30 (J Jᵀ of order 3 000 000) on the cluster: refused with the figure once the
    cluster is sized, before any block is assembled (locally the planner refuses before connecting)."""
    res = run_cli("verify", "--dataset", "sphere", "--n", "30", "--d0", "5", "--d2", "100000", "--scheduler", client.scheduler.address)
    assert res.code == 2 and "Traceback" not in res.err, res
    assert "floating-point operations" in res.err and "order 3000000" in res.err


def test_an_assembled_gram_is_checked_against_the_time_budget(monkeypatch):
    """The dense check: order³/3 at DENSE_RATE_PER_THREAD per worker thread, against OPCHECK_TIME_BUDGET_S."""
    from opcheck.errors import InputError
    from opcheck.linalg import jacobian_spectrum as js
    from opcheck.linalg.gram_plan import GramPath, GramPlan

    plan = GramPlan(GramPath.DISTRIBUTED, 60_000, 0.0, 0.0)
    seconds = 60_000**3 / 3 / (1e10 * 4)  # 1800 s on 4 threads
    monkeypatch.setenv("OPCHECK_TIME_BUDGET_S", str(2 * seconds))
    js._require_feasible("both", plan, 60_000, 64, 1000, 1, 4)
    monkeypatch.setenv("OPCHECK_TIME_BUDGET_S", str(0.5 * seconds))
    with pytest.raises(InputError, match="Cholesky factorisation of the assembled Gram of order 60000 on 4 worker"):
        js._require_feasible("both", plan, 60_000, 64, 1000, 1, 4)
