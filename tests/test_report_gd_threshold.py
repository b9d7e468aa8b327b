"""The GD threshold measures width, not budget: doubling the budget leaves it unchanged."""
import numpy as np
import pytest

from opcheck.report.gd_threshold import GDCriterion, evaluate, gd_search
from opcheck.report.threshold_records import aggregate
from opcheck.report.threshold_tasks import Criterion, SearchSpec, run_search


def sphere(n, d0, seed=0):
    X = np.random.default_rng(seed).standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    Y = np.random.default_rng(seed + 1).standard_normal((1, n))
    return X, Y / np.linalg.norm(Y)


def test_threshold_is_stable_when_the_budget_doubles():
    X, Y = sphere(40, 8)
    a, ea = gd_search(X, Y, "gelu", "lecun", 0, 0, 4, 1280, GDCriterion(400), 0.05)
    b, eb = gd_search(X, Y, "gelu", "lecun", 0, 0, 4, 1280, GDCriterion(800), 0.05)
    assert a.hi is not None and (a.lo, a.hi) == (b.lo, b.hi)
    assert [e.holds for e in ea] == [e.holds for e in eb]
    assert max(e.steps for e in ea if e.reached_horizon) < 400  # the horizon is reached well inside the budget


def test_plain_tolerance_reading_is_budget_bound_on_the_same_problem():
    """Contrast: a horizon the budget cannot reach (fit 99.9 % of the labels) fails at every width: budget-bound."""
    X, Y = sphere(40, 8)
    crit = GDCriterion(100, fit_fraction=1e-3, gap=1.0)
    e = evaluate(X, Y, "gelu", "lecun", 0, 0, 640, crit)
    assert not e.reached_horizon and e.steps == 100 and not e.holds


def test_records_flag_budget_bound_searches():
    X, Y = sphere(40, 8)
    spec = SearchSpec(Criterion.GD, 40, 0, 0, "gelu", "lecun", 4, 64, 0.1, GDCriterion(50, fit_fraction=1e-3, gap=1.0))
    rec = aggregate("sphere", [run_search(spec, X, Y)])
    assert rec.kind == "budget-bound" and rec.value is None and rec.budget == 50


def test_measured_record_combines_seeds_and_brackets():
    X, Y = sphere(30, 6)
    specs = [SearchSpec(Criterion.FEATURES, 30, r, 0, "gelu", "lecun", 30, 30 * 64, 0.05) for r in range(3)]
    res = [run_search(s, X, Y) for s in specs]
    rec = aggregate("sphere", res)
    assert rec.kind == "measured" and rec.kernel["lambda_min"] > 0
    mids = [r.search.estimate for r in res]
    assert rec.value == pytest.approx(float(np.exp(np.mean(np.log(mids)))), rel=1e-12)
    assert rec.bracket[0] == min(r.search.lo for r in res) and rec.bracket[1] == max(r.search.hi for r in res)
    assert rec.log_se > 0


def test_early_stop_on_the_gap_changes_no_outcome_and_never_reads_as_out_of_budget():
    """Below width n a run stops once the gap passes its limit: the same holds/fails as the full run, fewer steps."""
    X, Y = sphere(40, 8)
    crit = GDCriterion(400)
    s, evals = gd_search(X, Y, "gelu", "lecun", 0, 0, 4, 1280, crit, 0.05)
    stopped = [e for e in evals if e.d1 < 40 and e.gap_exceeded]
    assert stopped, "no width failed on the gap: the test does not exercise the early stop"
    for e in evals:
        full = evaluate(X, Y, "gelu", "lecun", 0, 0, e.d1, crit)
        assert (e.holds, e.gap_exceeded) == (full.holds, full.gap_exceeded)
        assert e.steps <= full.steps and not (e.gap_exceeded and e.out_of_budget)
    assert any(e.steps < evaluate(X, Y, "gelu", "lecun", 0, 0, e.d1, crit).steps for e in stopped)
