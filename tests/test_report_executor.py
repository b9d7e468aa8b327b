"""Dask execution: a worker SIGKILLed mid-run loses no task; a task's InputError fails the run; serial == cluster."""
import os
import signal

import numpy as np
import pytest

from opcheck.errors import InputError
from opcheck.report.executor import SERIAL, Runner, Task
from opcheck.report.gd_threshold import GDCriterion
from opcheck.report.threshold_tasks import Criterion, SearchSpec, run_search


def tasks(init="lecun", count=4):
    X = np.random.default_rng(0).standard_normal((6, 30))
    X /= np.linalg.norm(X, axis=0)
    Y = np.random.default_rng(1).standard_normal((1, 30))
    Y /= np.linalg.norm(Y)
    specs = [SearchSpec(Criterion.GD, 30, r, 0, "gelu", init, 4, 960, 0.05, GDCriterion(200)) for r in range(count)]
    return [Task(f"gd-{init}-{s.replicate}", run_search, (s, X, Y)) for s in specs]


def test_killed_worker_loses_no_task_and_errors_fail_the_run(monkeypatch):
    work = tasks()
    with Runner(SERIAL) as serial:
        expected = [r.search for r in serial.run(work)]
    killed = []
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with Runner(jobs=2) as runner:
        pids = runner.client.run(os.getpid)
        # one BLAS thread per worker; glibc's adaptive malloc (not Dask's MALLOC_TRIM_THRESHOLD_, see cluster.WORKER_ENVIRON)
        env = runner.client.run(lambda: (os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("MALLOC_TRIM_THRESHOLD_")))
        assert sorted(env.values()) == [("1", None), ("1", None)]

        def kill_once(status):
            if status.done >= 1 and status.running >= 1 and not killed:
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        got = runner.run(work, on_status=kill_once)
        assert killed, "no worker was killed mid-run: the test did not exercise the fault"
        assert [r.search for r in got] == expected  # every task recomputed elsewhere, same results
        with pytest.raises(InputError, match="omega1"):
            runner.run(tasks(init="xavier", count=2))


def test_costliest_tasks_start_first_on_dask():
    """Largest-first: on one worker the tasks start in order of decreasing cost; results come back in task order."""
    import time

    costs = [1.0, 5.0, 3.0, 3.0, 8.0]
    work = [Task(f"t{k}", time.monotonic_ns, (), cost=c) for k, c in enumerate(costs)]
    with Runner(jobs=1) as runner:
        started = runner.run(work)
    order = sorted(range(len(costs)), key=lambda k: started[k])
    assert order == [4, 1, 2, 3, 0]  # equal costs keep their order


class _Log:
    def __init__(self):
        self.calls = []


def _record(log, name):
    log.calls.append((name, os.environ.get("OPCHECK_THREADS")))
    return name


def test_serial_runner_starts_the_costliest_first_runs_a_key_once_and_keeps_task_order():
    log = _Log()
    work = [Task("a", _record, (log, "a"), 1.0), Task("b", _record, (log, "b"), 5.0), Task("a", _record, (log, "a"), 1.0),
            Task("c", _record, (log, "c"), 3.0)]
    before = os.environ.get("OPCHECK_THREADS")
    with Runner(SERIAL) as r:
        assert r.run(work) == ["a", "b", "a", "c"]
    assert [name for name, _ in log.calls] == ["b", "c", "a"]
    assert {threads for _, threads in log.calls} == {"1"}  # elementwise kernels on one thread inside a task
    assert os.environ.get("OPCHECK_THREADS") == before

