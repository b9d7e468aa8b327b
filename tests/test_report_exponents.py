"""Exponent fits: exact recovery, interval coverage by simulation, and the < 3 dof rule."""
import numpy as np
import pytest

from opcheck.report.exponents import MIN_DOF, fit_exponent

NS = np.array([50, 100, 200, 400, 800, 1600])


def test_exact_power_law_is_recovered():
    f = fit_exponent(NS, 3.0 * NS**1.5 * np.exp(0.01 * np.array([1, -1, 1, -1, 1, -1])), [0.05] * NS.size)
    assert f.estimate == pytest.approx(1.5, abs=0.02) and f.finding
    assert dict(f.verdicts)[1.5] and not dict(f.verdicts)[1.0] and not dict(f.verdicts)[2.0]


@pytest.mark.parametrize("extra", [1.0, 2.5])
def test_interval_coverage(extra):
    """95 % intervals cover the true exponent about 95 % of the time; with scatter beyond the
    stated uncertainties (extra > 1) the residual scale keeps the coverage nominal."""
    rng = np.random.default_rng(0)
    s = np.array([0.15, 0.1, 0.12, 0.08, 0.1, 0.2])
    hits, reps = 0, 2000
    for _ in range(reps):
        y = np.exp(1.0 + 1.2 * np.log(NS) + extra * s * rng.standard_normal(NS.size))
        lo, hi = fit_exponent(NS, y, s).ci
        hits += lo <= 1.2 <= hi
    cover = hits / reps
    assert 0.935 <= cover <= 0.965  # binomial sd at 2000 reps: 0.5 %


def test_fewer_than_three_dof_is_never_a_finding():
    f = fit_exponent(NS[:4], NS[:4] ** 1.0, [0.05] * 4)  # 2 dof
    assert f.dof == 2 < MIN_DOF and not f.finding and "not a finding" in f.note
    two = fit_exponent(NS[:2], NS[:2] ** 1.0, [0.05] * 2)
    assert two.ci is None and not two.finding
    five = fit_exponent(NS[:5], NS[:5] ** 1.0, [0.05] * 5)
    assert five.dof == 3 and five.finding


def test_a_fit_with_fewer_than_three_dof_is_greyed_and_never_the_answer():
    """Document rows of non-findings are muted; the summary box never states one."""
    from types import SimpleNamespace

    from opcheck.report.document_thresholds import threshold_blocks
    from opcheck.report.findings import summary
    from opcheck.report.threshold_records import ExponentRecord
    from opcheck.report.threshold_sweep import ThresholdSweep
    from opcheck.report.threshold_tasks import Criterion

    weak = ExponentRecord("wine", Criterion.FEATURES, "measured", fit_exponent(NS[:4], NS[:4] ** 12.7, [0.05] * 4))
    t = ThresholdSweep(({"key": "wine", "source": "wine.csv", "labels": "one-hot", "d0": 13, "d2": 3, "n_values": [], "gd_n_values": []},),
                       (), (weak,), {"seeds": 3, "bisection_rel_tol": 0.05, "criteria": {}, "gd": {"budget_steps": 1, "fit_fraction": 0.5, "gap": 0.02}})
    box = summary(SimpleNamespace(thresholds=t, data={"key": "other"}, width=None, config=SimpleNamespace(quick=False)))
    assert box[0]["estimate"] is None and "no measured threshold exponent" in box[0]["headline"]
    doc = {"thresholds": [{"dataset": "wine", "criterion": "features", "n": 50, "kind": "measured", "value": 1.0, "bracket": [1, 2],
                           "log_se": 0.1, "seeds": [], "kernel": None, "budget_steps": None, "steps_used": None, "ended_by": "bracketed"}],
           "exponents": [weak.as_dict()], "threshold_settings": t.settings}
    table = [b for b in threshold_blocks(doc) if b.kind == "table"][0]
    assert table.muted == (0,) and table.rows[0][-1] == "no"


def test_threshold_brackets_and_ranges_cannot_be_misread():
    """Intervals of widths print without thousands separators: '(1600, 1903]', never '(1,600, 1,903]'."""
    import re
    from types import SimpleNamespace

    from opcheck.report.document import _threshold
    from opcheck.report.document_thresholds import threshold_blocks
    from opcheck.report.findings import _threshold_sentence

    rec = {"dataset": "digits", "criterion": "features", "n": 800, "kind": "measured", "value": 1750.3, "bracket": [1600, 1903],
           "log_se": 0.1, "seeds": [0, 1, 2], "kernel": None, "budget_steps": None, "steps_used": None, "ended_by": "bracketed"}
    settings = {"seeds": 3, "bisection_rel_tol": 0.05, "criteria": {}, "gd": {"budget_steps": 1, "fit_fraction": 0.5, "gap": 0.02}}
    table = [b for b in threshold_blocks({"thresholds": [rec], "exponents": [], "threshold_settings": settings}) if b.kind == "table"][-1]
    cell = table.rows[0][table.headers.index("bracket over seeds")]
    assert cell == "(1600, 1903]"
    ext = {"kind": "extrapolated", "width": 3.1e7, "width_range": [1_400_000, 5e10], "bracket": None}
    for text in (_threshold(ext), _threshold_sentence(SimpleNamespace(kind="extrapolated", width=3.1e7, width_range=(1_400_000, 5e10), note="n"), "t")):
        assert "[1400000, 5.000e+10]" in text and not re.search(r"\d,\d{3}", text), text


@pytest.mark.parametrize("power, says_sufficient", [(1.0, True), (1.5, False)])
def test_summary_names_its_threshold_and_reads_a_small_exponent_as_within_the_paper(power, says_sufficient):
    """The headline names what was measured (not "the width needed"), and an exponent whose interval lies below 3/2
    is said to be within the paper's sufficient n^{3/2}, not against it (a new user read it as a refutation)."""
    from types import SimpleNamespace

    from opcheck.report.findings import summary
    from opcheck.report.threshold_records import ExponentRecord
    from opcheck.report.threshold_sweep import ThresholdSweep
    from opcheck.report.threshold_tasks import Criterion

    wiggle = np.exp(0.01 * np.array([1, -1, 1, -1, 1, -1]))
    rec = ExponentRecord("digits", Criterion.FEATURES, "measured", fit_exponent(NS, 2.0 * NS**power * wiggle, [0.05] * NS.size))
    t = ThresholdSweep(({"key": "digits", "source": "digits", "labels": "one-hot", "d0": 64, "d2": 10, "n_values": [], "gd_n_values": []},),
                       (), (rec,), {"seeds": 3, "bisection_rel_tol": 0.05, "criteria": {}, "gd": {"budget_steps": 1, "fit_fraction": 0.5, "gap": 0.02}})
    head = summary(SimpleNamespace(thresholds=t, data={"key": "other"}, width=None, config=SimpleNamespace(quick=False)))[0]["headline"]
    assert head.startswith("width for random-features concentration grows like n^") and "[features threshold, measured]" in head
    assert ("sufficient width: no contradiction" in head) is says_sufficient, head
