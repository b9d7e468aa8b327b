"""Log-log power fits: exact recovery, t-intervals against scipy's linregress, coverage, extrapolation."""
import math

import numpy as np
import pytest
from scipy import stats

from opcheck.report.fits import extrapolate_to, power_fit


def test_exact_power_law_is_recovered():
    n = np.array([50, 80, 125, 200, 320], dtype=float)
    fit = power_fit(n, 3.0 * n**1.5)
    assert fit.exponent == pytest.approx(1.5, abs=1e-12)
    assert math.exp(fit.log_prefactor) == pytest.approx(3.0, rel=1e-12)
    assert fit.r2 == pytest.approx(1.0)
    lo, hi = fit.exponent_ci
    assert hi - lo < 1e-9 and lo <= 1.5 <= hi
    assert fit.predict(1000.0) == pytest.approx(3.0 * 1000.0**1.5, rel=1e-10)


def test_interval_matches_linregress_and_t_quantile():
    rng = np.random.default_rng(7)
    x = np.geomspace(10, 1000, 4)
    y = 2.0 * x**-2.0 * np.exp(0.3 * rng.standard_normal(4))
    fit = power_fit(x, y)
    ref = stats.linregress(np.log(x), np.log(y))  # independent oracle
    assert fit.exponent == pytest.approx(ref.slope, rel=1e-12)
    assert fit.log_prefactor == pytest.approx(ref.intercept, rel=1e-12)
    assert fit.stderr == pytest.approx(ref.stderr, rel=1e-10)
    half = stats.t.ppf(0.975, 2) * ref.stderr  # t with k - 2 = 2 dof, not the normal 1.96
    assert fit.exponent_ci[1] - fit.exponent == pytest.approx(half, rel=1e-10)
    assert fit.dof == 2 and fit.points_used == 4


def test_noisy_thresholds_interval_covers_the_true_exponent():
    """Synthetic thresholds d1* = 5 n^1.5 e^{noise}: the 95% interval covers 1.5, and does so ~95% of the time."""
    rng = np.random.default_rng(2021)
    n = np.array([49, 78, 125, 200, 320, 512], dtype=float)
    one = power_fit(n, 5.0 * n**1.5 * np.exp(0.15 * rng.standard_normal(n.size)))
    assert one.exponent_ci[0] <= 1.5 <= one.exponent_ci[1]
    assert one.exponent == pytest.approx(1.5, abs=0.3)
    hits, trials = 0, 2000
    for _ in range(trials):
        f = power_fit(n, 5.0 * n**1.5 * np.exp(0.15 * rng.standard_normal(n.size)))
        hits += f.exponent_ci[0] <= 1.5 <= f.exponent_ci[1]
    # binomial(2000, 0.95): sd ~ 0.005; a normal-quantile interval would cover ~0.91 with 4 dof
    assert 0.93 <= hits / trials <= 0.97


def test_degenerate_inputs_are_explained_not_fitted():
    two = power_fit([10, 20], [1.0, 4.0])
    assert two.exponent == pytest.approx(2.0) and two.exponent_ci is None and "two points" in two.note
    one = power_fit([10, 20, 30], [1.0, 0.0, math.inf])
    assert not one.ok and "fewer than 2" in one.note and "left out" in one.note
    same = power_fit([5, 5, 5], [1.0, 2.0, 3.0])
    assert not same.ok and "one x" in same.note
    with pytest.raises(ValueError):
        power_fit([1, 2], [1.0])


def test_extrapolation_of_a_falling_law():
    d1 = np.array([400, 800, 1600, 3200], dtype=float)
    fit = power_fit(d1, 1e12 * d1**-2.0)
    ext = extrapolate_to(fit, 1.0, measured_max_x=3200)
    assert ext.x == pytest.approx(1e6, rel=1e-9)  # 1e12 d^-2 = 1  <=>  d = 1e6
    assert ext.label == "extrapolation" and "far beyond" in ext.note
    inside = extrapolate_to(fit, 1e12 / 1000.0**2, measured_max_x=3200)
    assert inside.x == pytest.approx(1000.0, rel=1e-9) and inside.label == "interpolation"


def test_extrapolated_range_covers_truth_with_noise():
    rng = np.random.default_rng(3)
    d1 = np.geomspace(200, 3200, 5)
    fit = power_fit(d1, 1e12 * d1**-2.0 * np.exp(0.1 * rng.standard_normal(d1.size)))
    ext = extrapolate_to(fit, 1.0, measured_max_x=3200)
    lo, hi = ext.x_range
    assert lo < ext.x < hi and lo <= 1e6 <= hi


def test_rising_or_missing_fit_gives_no_width():
    up = power_fit([1, 2, 4], [1.0, 2.0, 4.0])
    ext = extrapolate_to(up, 0.5, measured_max_x=4)
    assert ext.x is None and "does not fall" in ext.note
    none = extrapolate_to(power_fit([1], [1.0]), 0.5, measured_max_x=1)
    assert none.x is None and none.note.startswith("no fit")


def test_one_line_fit_for_the_package(monkeypatch):
    """power_fit is exponents.weighted_line with equal weights (one implementation of the line and its
    t-interval); with equal per-n uncertainties, fit_exponent gives the same exponent and interval."""
    import opcheck.report.fits as fits
    from opcheck.report.exponents import fit_exponent, weighted_line

    calls = []

    def spy(*a, **k):
        calls.append(a)
        return weighted_line(*a, **k)

    monkeypatch.setattr(fits, "weighted_line", spy)
    rng = np.random.default_rng(3)
    n = np.array([100, 200, 400, 800, 1600], dtype=float)
    w = 0.5 * n**1.3 * np.exp(0.1 * rng.standard_normal(5))
    fit = fits.power_fit(n, w)
    assert len(calls) == 1
    same = fit_exponent(n, w, [0.2] * 5)
    assert fit.exponent == pytest.approx(same.estimate, rel=1e-12)
    assert fit.exponent_ci == pytest.approx(same.ci, rel=1e-12)
