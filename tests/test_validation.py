"""opcheck._runtime.validation: one rule and one message per kind of number."""
from __future__ import annotations

import math

import numpy as np
import pytest

from opcheck._runtime import validation as v
from opcheck.errors import InputError


@pytest.mark.parametrize("good", [1e-300, 0.5, 3, np.float64(2.0), np.int64(4)])
def test_positive_finite_accepts_and_converts(good):
    assert v.positive_finite(good, "--lr") == float(good)
    assert isinstance(v.positive_finite(good, "--lr"), float)


@pytest.mark.parametrize("bad", [0, 0.0, -1, math.inf, -math.inf, math.nan, True, "1"])
def test_positive_finite_refuses_with_one_message(bad):
    with pytest.raises(InputError, match=r"^--tol must be a positive finite number, got "):
        v.positive_finite(bad, "--tol")


def test_none_means_not_given_for_every_validator():
    assert v.positive_finite(None, "x") is None
    assert v.non_negative(None, "x") is None
    assert v.positive_int(None, "x") is None
    assert v.non_negative_int(None, "x") is None
    assert v.int_at_least(None, 3, "x") is None
    assert v.fraction(None, "x") is None
    assert v.choice(None, ("a",), "x") is None


def test_integers():
    assert v.positive_int(np.int64(3), "--n") == 3
    assert v.positive_int(4.0, "--n") == 4
    assert v.non_negative_int(0, "--seed") == 0
    for bad in (0, -2, 1.5, True):
        with pytest.raises(InputError, match="^--n must be a positive integer, got"):
            v.positive_int(bad, "--n")
    with pytest.raises(InputError, match="^--seed must be a non-negative integer, got -1$"):
        v.non_negative_int(-1, "--seed")
    with pytest.raises(InputError, match=r"^--t must be at least 1 \(why\), got 0$"):
        v.int_at_least(0, 1, "--t", " (why)")
    assert v.int_at_least(4, 4, "--n") == 4


def test_non_negative_allows_zero_only_as_the_boundary():
    assert v.non_negative(0, "x") == 0.0
    with pytest.raises(InputError, match="must be a non-negative finite number"):
        v.non_negative(-1e-300, "x")


def test_fraction_half_open_and_closed():
    assert v.fraction(0.0, "--f", 0.0, 0.9) == 0.0
    with pytest.raises(InputError, match=r"^--f must be in \[0, 0.9\), got 0.9$"):
        v.fraction(0.9, "--f", 0.0, 0.9)
    assert v.fraction(1.0, "--f", include_high=True) == 1.0
    with pytest.raises(InputError, match=r"must be in \[0, 1\]"):
        v.fraction(math.nan, "--f", include_high=True)


def test_choice_canonical_spelling_and_suggestion():
    assert v.choice("  FIRST ", ("both", "first"), "--train-layers") == "first"
    with pytest.raises(InputError) as info:
        v.choice("secnd", ("both", "first", "second"), "--train-layers")
    msg = str(info.value)
    assert msg.startswith("unknown train-layers 'secnd' (--train-layers); choose one of: both, first, second")
    assert msg.endswith("(did you mean 'second'?)")
    with pytest.raises(InputError) as info:
        v.choice("zzz", ("both", "first"), "--train-layers")
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize("command", [
    ["verify", "--dataset", "sphere", "--n", "8", "--d0", "3", "--train", "--tol", "0"],
    ["report", "--tol", "0"],
])
def test_tol_zero_is_refused_by_every_command_with_the_same_line(run_cli, command):
    res = run_cli(*command)
    assert res.code == 2 and res.err.strip() == "opcheck: error: --tol must be a positive finite number, got 0.0", res


@pytest.mark.parametrize("command", [
    ["verify", "--dataset", "sphere", "--n", "8", "--d0", "3", "--constant", "0"],
    ["report", "--constant", "0"],
    ["bound", "--n", "10", "--d0", "3", "--constant", "0"],
])
def test_constant_zero_is_refused_by_every_command_with_the_same_line(run_cli, command):
    res = run_cli(*command)
    assert res.code == 2 and res.err.strip() == "opcheck: error: --constant must be a positive finite number, got 0.0", res
