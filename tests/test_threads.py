"""The BLAS-thread policy for synchronisation-heavy phases (load-dependent, overridable)."""
from opcheck._runtime import threads


def test_env_forces_or_disables_the_limit(monkeypatch):
    monkeypatch.setenv("OPCHECK_SYNC_THREADS", "1")
    assert threads.sync_heavy_threads() == 1
    monkeypatch.setenv("OPCHECK_SYNC_THREADS", "0")
    assert threads.sync_heavy_threads() is None


def test_limit_follows_the_load(monkeypatch):
    monkeypatch.delenv("OPCHECK_SYNC_THREADS", raising=False)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (64.0, 0.0, 0.0))
    assert threads.oversubscribed() and threads.sync_heavy_threads() == 1
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not threads.oversubscribed() and threads.sync_heavy_threads() is None


def test_the_limit_is_applied_and_released(monkeypatch):
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [d["num_threads"] for d in threadpool_info() if d.get("user_api") == "blas"]

    import numpy  # noqa: F401  (loads OpenBLAS)

    before = blas_threads()
    monkeypatch.setenv("OPCHECK_SYNC_THREADS", "1")
    with threads.sync_heavy():
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before


def test_own_threads_do_not_count_as_other_load(monkeypatch):
    """Load = CPUs, all of it this process's own (e.g. its two BLAS threads): not oversubscribed."""
    cpus = threads._cpus()
    monkeypatch.delenv("OPCHECK_SYNC_THREADS", raising=False)
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (float(cpus), 0.0, 0.0))
    monkeypatch.setattr(threads, "own_load", lambda: float(cpus))
    assert not threads.oversubscribed()
    monkeypatch.setattr(threads, "own_load", lambda: 0.0)
    assert threads.oversubscribed()


def test_own_load_is_a_cpu_count():
    x = sum(i * i for i in range(200_000))  # some CPU time of our own
    assert x > 0 and 0.0 <= threads.own_load() <= threads._cpus()
