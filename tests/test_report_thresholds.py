"""Bisection on log d1 and the concentration criterion against brute force on nested widths."""
import math

import numpy as np
import pytest

from opcheck.model.activations import get_activation
from opcheck.model.limit_kernel import feature_kernel
from opcheck.report.bisection import Ending, search
from opcheck.report.concentration import features_search, init_rows, kernels


@pytest.mark.parametrize("threshold", [1, 7, 100, 137, 999])
def test_bisection_finds_a_known_threshold(threshold):
    s = search(lambda w: w >= threshold, start=4, cap=4096, rel_tol=0.0)
    assert s.hi == max(threshold, 4)
    assert s.lo == (None if threshold <= 4 else threshold - 1)
    assert s.ended_by == (Ending.HOLDS_AT_START if threshold <= 4 else Ending.BRACKETED)


def test_bisection_respects_rel_tol_and_cap():
    s = search(lambda w: w >= 1000, start=10, cap=100_000, rel_tol=0.05)
    assert s.lo < 1000 <= s.hi and s.hi / s.lo <= 1.05
    assert all(w > 0 for w, _ in s.evaluations)
    capped = search(lambda w: False, start=10, cap=300)
    assert capped.hi is None and capped.ended_by == Ending.CAP and capped.lo == 300


def test_init_rows_are_nested_prefixes():
    W, z = init_rows(3, 1, 0, 200, 5)
    W2, z2 = init_rows(3, 1, 70, 150, 5)
    assert np.array_equal(W[70:150], W2) and np.array_equal(z[70:150], z2)
    assert not np.array_equal(init_rows(3, 2, 0, 10, 5)[0], W[:10])  # replicates differ


def test_features_threshold_matches_brute_force_scan():
    """Synthetic problem with a known threshold: the first width at which the criterion holds, scanned width by width."""
    rng = np.random.default_rng(0)
    d0, n, om = 6, 20, 1 / math.sqrt(6)
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    act = get_activation("gelu")
    K = feature_kernel(X, act, om).K
    lam = np.linalg.eigvalsh(K)[0]
    W, _ = init_rows(11, 0, 0, 4000, d0)
    A = act.phi(om * W @ X)
    ratio = np.array([np.linalg.eigvalsh(A[:d].T @ A[:d])[0] / d for d in range(1, 4001)])
    ok = ratio >= 0.5 * lam
    first = int(np.argmax(ok)) + 1  # first width at which it holds
    stable = int(np.nonzero(~ok)[0][-1]) + 2  # smallest width from which it holds at every larger width
    assert n < first < stable  # near its threshold the criterion flickers (seed noise): a bracket, not a point
    s = features_search(X, "gelu", om, lam, seed=11, replicate=0, start=n, cap=4000, rel_tol=0.0)
    assert s.ended_by == Ending.BRACKETED
    assert ok[s.hi - 1] and not ok[s.lo - 1] and s.hi == s.lo + 1  # an exact crossing of the scanned criterion
    assert first <= s.hi <= stable


def test_kernel_facts_report_lambda0_and_condition():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 8))
    X /= np.linalg.norm(X, axis=0)
    K, kdx, facts = kernels(X, "gelu", 0.5, ntk=True)
    ev = np.linalg.eigvalsh(K)
    assert facts.lambda_min == pytest.approx(ev[0], rel=1e-9) and facts.condition == pytest.approx(ev[-1] / ev[0], rel=1e-9)
    assert kdx.shape == (8, 8)


def test_bisection_gives_up_when_told():
    s = search(lambda w: w >= 1000, start=10, cap=100_000, give_up=lambda w: w >= 80)
    assert s.ended_by == Ending.GAVE_UP and s.hi is None and s.lo == 80
    assert [w for w, _ in s.evaluations] == [10, 20, 40, 80]


def test_a_dataset_with_several_outputs_says_why_it_has_no_ntk_threshold():
    """The NTK criterion runs for d2 = 1 only; the findings and the summary box say so for d2 > 1."""
    from types import SimpleNamespace

    from opcheck.report.findings import summary, threshold_findings
    from opcheck.report.threshold_sweep import ThresholdSweep

    def sweep(d2):
        ds = {"key": "data", "source": "test", "labels": "classes", "d0": 4, "d2": d2, "n_values": [], "gd_n_values": []}
        return ThresholdSweep(datasets=(ds,), records=(), exponents=(), settings={})

    many, one = sweep(10), sweep(1)
    assert any("not measured" in line and "d2 = 10" in line for line in threshold_findings(many))
    assert not any("not measured" in line for line in threshold_findings(one))
    box = summary(SimpleNamespace(thresholds=many, data={}, width=None, config=SimpleNamespace(quick=False)))
    assert "d2 = 10" in str(box)
