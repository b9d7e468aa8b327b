"""Shared test helpers: run the CLI in-process and capture its streams."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def run_cli():
    """Run ``opcheck`` with argv in-process (:func:`cli_runner.invoke`); returns exit code, stdout, stderr."""
    from cli_runner import invoke

    return invoke


@pytest.fixture
def small_problem():
    """A small well-posed problem: unit-norm columns, d0 = 4, n = 6, d1 = 9, d2 = 2."""
    rng = np.random.default_rng(1234)
    d0, n, d1, d2 = 4, 6, 9, 2
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W = rng.standard_normal((d1, d0))
    V = rng.standard_normal((d2, d1))
    return X, W, V


# Hypothesis profiles for the fuzz suite (tests/test_fuzz_*.py): ``ci`` (the default: bounded,
# derandomised, ~30 s in all) and ``nightly`` (many more examples; run with
# ``pytest tests/test_fuzz_*.py --hypothesis-profile=nightly``).  See docs/robustness.md.
try:
    from hypothesis import HealthCheck, settings

    _fuzz_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture], database=None)
    settings.register_profile("ci", max_examples=12, derandomize=True, **_fuzz_common)
    settings.register_profile("nightly", max_examples=400, **_fuzz_common)
    settings.load_profile("ci")
except ImportError:  # the fuzz tests skip themselves without Hypothesis
    pass
