"""Ctrl-C is exit 130 even when the interrupted library fails in its own clean-up; a real bug stays exit 3."""
import os
import signal
import time

import pytest

from cli_runner import invoke

BOUND = ("bound", "--n", "1000", "--d0", "50")


def _sigint_then(fail):
    def run_bound(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the handler raises here
        except KeyboardInterrupt:
            fail(inside=True)
        fail(inside=False)

    return run_bound


def _swallow_then_fail(inside: bool) -> None:
    """Like threading's lock clean-up: the KeyboardInterrupt is consumed, then something else breaks."""
    if not inside:
        raise RuntimeError("release unlocked lock")


def _fail_while_handling(inside: bool) -> None:
    if inside:
        raise RuntimeError("release unlocked lock")  # chained: its __context__ is the KeyboardInterrupt


@pytest.mark.parametrize("fail", [_swallow_then_fail, _fail_while_handling])
def test_an_exception_after_ctrl_c_is_an_interruption(monkeypatch, fail):
    monkeypatch.setattr("opcheck.commands.pipeline.run_bound", _sigint_then(fail))
    res = invoke(*BOUND)
    assert res.code == 130, res
    assert "interrupted" in res.err and "internal error" not in res.err


def test_an_exception_without_ctrl_c_is_still_a_bug(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("release unlocked lock")

    monkeypatch.setattr("opcheck.commands.pipeline.run_bound", broken)
    res = invoke(*BOUND)
    assert res.code == 3 and "internal error" in res.err, res


def test_the_default_sigint_handler_is_restored():
    invoke(*BOUND)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed interrupt, on purpose
def test_a_ctrl_c_swallowed_by_a_library_is_still_exit_130(monkeypatch):
    """SIGINT whose KeyboardInterrupt lands in a ``__del__`` (as it once did in Dask's garbage-collector callback) is
    printed by Python as "Exception ignored" and lost; the command then completes — and must still exit 130."""
    from opcheck._runtime import interrupts
    from opcheck.commands import pipeline

    real = pipeline.run_bound

    class SwallowsInterrupt:
        def __del__(self):
            signal.raise_signal(signal.SIGINT)  # the handler's KeyboardInterrupt is raised here and ignored

    def run_bound(*args, **kwargs):
        SwallowsInterrupt()  # dropped at once: __del__ runs now
        return real(*args, **kwargs)

    monkeypatch.setattr("opcheck.commands.pipeline.run_bound", run_bound)
    res = invoke(*BOUND)
    assert res.code == 130 and "interrupted" in res.err, res
    assert not interrupts.received()  # cleared when the command ended: later calls in this process are not affected
    monkeypatch.undo()
    assert invoke(*BOUND).code == 0


def test_a_recorded_ctrl_c_stops_the_sweep_loop():
    """Before each sweep task a recorded SIGINT raises again, so a swallowed one stops the sweeps (the report's
    swap checks it too: tests/test_report_atomic.py)."""
    from opcheck._runtime import interrupts
    from opcheck.report import executor

    ran = []
    with executor.Runner(scheduler=executor.SERIAL) as runner:
        assert runner.run([executor.Task(f"t{i}", lambda i=i: ran.append(i) or i, ()) for i in range(3)]) == [0, 1, 2]
    interrupts.record()
    try:
        with executor.Runner(scheduler=executor.SERIAL) as runner, pytest.raises(KeyboardInterrupt):
            runner.run([executor.Task(f"u{i}", lambda i=i: ran.append(10 + i) or i, ()) for i in range(3)])
        assert ran == [0, 1, 2]
    finally:
        interrupts.clear()
