"""The BLAS-thread policy for synchronisation-heavy phases (load-dependent, overridable)."""
from opcheck._runtime import threads


def test_env_forces_or_disables_the_limit(monkeypatch):
    monkeypatch.setenv("OPCHECK_SYNC_THREADS", "1")
    assert threads.sync_heavy_threads() == 1
    monkeypatch.setenv("OPCHECK_SYNC_THREADS", "0")
    assert threads.sync_heavy_threads() is None


def test_limit_follows_the_load(monkeypatch):
    monkeypatch.delenv("OPCHECK_SYNC_THREADS", raising=False)
    monkeypatch.setattr(threads, "others_running", lambda samples=3: 0)  # nobody else running right now
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


def test_fast_kernel_restart_only_where_safe_and_worth_it(monkeypatch):
    """The console process restarts on the machine's own BLAS kernel only when opcheck chose Haswell itself, the
    largest dense order is <= SAFE_ORDER (large orders crash the AVX-512 kernels) and the work pays for a start."""
    from opcheck._runtime import blas_guard as g

    monkeypatch.setattr(g, "APPLIED", True)
    monkeypatch.setattr(g, "_restart_allowed", True)
    argv, env = g.fast_kernel_restart(10_000, 1e12)
    assert argv[1:3] == ["-m", "opcheck"] and env["OPCHECK_KEEP_BLAS_KERNEL"] == "1" and "OPENBLAS_CORETYPE" not in env
    assert g.fast_kernel_restart(g.SAFE_ORDER + 1, 1e13) is None  # would crash
    assert g.fast_kernel_restart(1_000, 1e9) is None  # start-up would cost more than it saves
    monkeypatch.setattr(g, "_restart_allowed", False)  # a test's or a library's call, not the console process
    assert g.fast_kernel_restart(10_000, 1e12) is None
    monkeypatch.setattr(g, "_restart_allowed", True)
    monkeypatch.setattr(g, "APPLIED", False)  # the user chose the kernel (or numpy came first)
    assert g.fast_kernel_restart(10_000, 1e12) is None


def test_console_verify_restarts_itself(tmp_path):
    """Through the console entry point with the thresholds lowered: the process execs `python -m opcheck verify …`
    (the code after main() never runs) and that child writes the result."""
    import json
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import opcheck._runtime.blas_guard as g\n"
        "g.APPLIED, g.RESTART_FLOPS = True, 0.0\n"
        "from opcheck.cli import main\n"
        f"sys.argv = ['opcheck', 'verify', '--dataset', 'sphere', '--n', '40', '--d0', '5', '--width', '60', '--json']\n"
        "try:\n    main()\nfinally:\n    print('NO RESTART')\n"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert "NO RESTART" not in res.stdout, res.stdout[-500:]
    assert json.loads(res.stdout)["data"]["n"] == 40, res.stderr[-500:]


def test_a_busy_neighbour_takes_its_cpu(monkeypatch):
    """Present contention (not the lagging load average) limits the threads to the CPUs left free."""
    cpus = threads._cpus()
    monkeypatch.delenv("OPCHECK_SYNC_THREADS", raising=False)
    monkeypatch.setattr(threads, "oversubscribed", lambda: False)
    monkeypatch.setattr(threads, "others_running", lambda samples=3: 0)
    assert threads.sync_heavy_threads() is None
    monkeypatch.setattr(threads, "others_running", lambda samples=3: 1)
    assert threads.sync_heavy_threads() == (None if cpus == 1 else cpus - 1)
    monkeypatch.setattr(threads, "others_running", lambda samples=3: 10 * cpus)
    assert threads.sync_heavy_threads() == (None if cpus == 1 else 1)


def test_running_counts_are_read_from_proc():
    """This thread is running while it reads its own state; a spinning neighbour process is seen as running."""
    import subprocess
    import sys
    import time

    assert threads.own_running_threads() >= 1
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        seen = max(threads.others_running(samples=1) for _ in range(20))
    finally:
        spin.kill()
    assert seen >= 1


def test_console_verify_keeps_the_machine_kernel_and_restarts_on_haswell_only_above_safe_order(monkeypatch):
    """`opcheck verify` knows its one dense order first: no second start at common sizes, Haswell above SAFE_ORDER."""
    from opcheck._runtime import blas_guard as g

    assert g._console_verify(["/venv/bin/opcheck", "verify", "data.npy"])
    assert g._console_verify(["/repo/opcheck/__main__.py", "verify"])
    assert not g._console_verify(["/venv/bin/opcheck", "report"])
    assert not g._console_verify(["/venv/bin/pytest", "verify"])
    assert not g._console_verify(["/somewhere/__main__.py", "verify"])
    monkeypatch.setattr(g, "APPLIED", False)
    monkeypatch.setattr(g, "DEFERRED", True)
    monkeypatch.setattr(g, "_restart_allowed", True)
    assert g.fast_kernel_restart(g.SAFE_ORDER, 1e13) is None  # safe on the machine's kernel: no restart
    argv, env = g.fast_kernel_restart(g.SAFE_ORDER + 1, 1.0)
    assert argv[1:3] == ["-m", "opcheck"] and env["OPENBLAS_CORETYPE"] == "Haswell" and env["OPCHECK_KEEP_BLAS_KERNEL"] == "1"
    monkeypatch.setattr(g, "_restart_allowed", False)
    assert g.fast_kernel_restart(g.SAFE_ORDER + 1, 1.0) is None


def test_console_verify_above_safe_order_restarts_itself_on_haswell():
    """The deferred direction end to end: with SAFE_ORDER lowered below the run's order the process execs itself."""
    import json
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import opcheck._runtime.blas_guard as g\n"
        "g.APPLIED, g.DEFERRED, g.SAFE_ORDER = False, True, 10\n"
        "from opcheck.cli import main\n"
        "sys.argv = ['opcheck', 'verify', '--dataset', 'sphere', '--n', '40', '--d0', '5', '--width', '60', '--json']\n"
        "try:\n    main()\nfinally:\n    print('NO RESTART')\n"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert "NO RESTART" not in res.stdout, res.stdout[-500:]
    assert json.loads(res.stdout)["data"]["n"] == 40, res.stderr[-500:]


def _blas_threads():
    from threadpoolctl import threadpool_info

    import numpy  # noqa: F401  (loads OpenBLAS)

    return [d["num_threads"] for d in threadpool_info() if d.get("user_api") == "blas"]


def test_a_cap_holds_against_the_phases_inside(monkeypatch):
    """threads.capped(1): sync_heavy (no limit on an idle machine, or 2 forced) and an explicit 2 stay at one thread."""
    if threads._cpus() < 2:  # pragma: no cover - a 1-CPU runner cannot tell a cap from the default
        return
    before = _blas_threads()
    monkeypatch.setenv("OPCHECK_SYNC_THREADS", "0")  # sync_heavy asks for no limit at all
    with threads.capped(1):
        assert all(n == 1 for n in _blas_threads())
        with threads.sync_heavy():
            assert all(n == 1 for n in _blas_threads())
        with threads._blas_threads(2):
            assert all(n == 1 for n in _blas_threads())
        with threads.serial():
            assert all(n == 1 for n in _blas_threads())
    assert _blas_threads() == before and threads._CAP is None
    with threads.sync_heavy():  # without the cap, the same request keeps every thread
        assert _blas_threads() == before


def test_crash_cap_only_above_the_safe_order_on_an_avx512_kernel(monkeypatch):
    """OpenBLAS's multi-threaded AVX-512 dsyrk/dpotrf segfault at large orders: one thread there, nothing changed elsewhere."""
    from opcheck._runtime import blas_guard

    if threads._cpus() < 2:  # pragma: no cover
        return
    before = _blas_threads()
    monkeypatch.setenv("OPCHECK_SYNC_THREADS", "0")
    monkeypatch.setattr(blas_guard, "avx512_kernel_loaded", lambda: True)
    with blas_guard.crash_cap(blas_guard.SAFE_ORDER + 1), threads.sync_heavy():
        assert all(n == 1 for n in _blas_threads())
    with blas_guard.crash_cap(blas_guard.SAFE_ORDER), threads.sync_heavy():
        assert _blas_threads() == before
    monkeypatch.setattr(blas_guard, "avx512_kernel_loaded", lambda: False)  # Haswell, or not OpenBLAS: nothing to avoid
    with blas_guard.crash_cap(10 * blas_guard.SAFE_ORDER), threads.sync_heavy():
        assert _blas_threads() == before


def test_avx512_kernel_detection_reads_the_loaded_openblas():
    """The kernel name threadpoolctl reports for this process's OpenBLAS decides (on this machine: Haswell under the guard)."""
    from threadpoolctl import threadpool_info

    from opcheck._runtime import blas_guard

    _blas_threads()
    names = {str(d.get("architecture", "")).lower() for d in threadpool_info() if d.get("internal_api") == "openblas"}
    assert blas_guard.avx512_kernel_loaded() == bool(names & blas_guard.AVX512_KERNELS)


def test_verify_and_training_run_under_the_crash_cap_of_their_gram_order(monkeypatch):
    """run_verify and check_conclusions enter crash_cap with d2·n (the order of J Jᵀ) before any BLAS work."""
    import contextlib

    import opcheck
    from opcheck._runtime import blas_guard

    seen = []

    @contextlib.contextmanager
    def record(order):
        seen.append(order)
        yield

    monkeypatch.setattr(blas_guard, "crash_cap", record)
    rng = __import__("numpy").random.default_rng(0)
    opcheck.train(rng.standard_normal((12, 3)), rng.standard_normal((12, 2)), width=40, steps=3)
    assert seen == [24, 24]


def test_a_cap_from_another_thread_applies_after_the_main_thread_set_the_count(monkeypatch):
    """threadpoolctl (3.8) drops thread-count changes from other threads while one thread holds a limit: a cap entered
    in a Dask task thread or a user's thread after the main thread's phases must still hold, and leave the counts as
    it found them."""
    import threading

    if threads._cpus() < 2:  # pragma: no cover
        return
    monkeypatch.setenv("OPCHECK_SYNC_THREADS", "1")
    with threads.sync_heavy():  # the main thread sets a count first, and so controls OpenBLAS for threadpoolctl
        pass
    before = _blas_threads()
    seen = []

    def worker():
        with threads.capped(1):
            seen.append(_blas_threads())
        seen.append(_blas_threads())

    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert seen == [[1] * len(before), before]
    with threads.serial():  # and the main thread can set counts again afterwards
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before


def test_a_cap_ends_cleanly_on_an_exception():
    """An error inside a cap restores the counts and lifts the cap."""
    import pytest

    if threads._cpus() < 2:  # pragma: no cover
        return
    before = _blas_threads()
    with pytest.raises(RuntimeError), threads.capped(1):
        assert _blas_threads() == [1] * len(before)
        raise RuntimeError("inside")
    assert threads._CAP is None and _blas_threads() == before
