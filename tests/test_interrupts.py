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
