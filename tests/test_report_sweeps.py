"""Sweep logic on synthetic points; grids, splits, held-out error, bounds, provenance hashes."""
import math

import numpy as np
import pytest

from opcheck.model.activations import get_activation
from opcheck.errors import InputError
from opcheck.data.loaders import load_builtin
from opcheck.model.network import Params
from opcheck.report.bounds import fallback_bounds, theorem_bounds
from opcheck.data.splits import pool_size
from opcheck.report.config import ReportConfig, make_plan, parse_sweeps, validate
from opcheck.data.splits import make_split
from opcheck.report.evaluation import test_error as held_out_error
from opcheck.report.points import PointResult, PointSpec
from opcheck.report.provenance import array_sha256
from opcheck.report.init_ratio import he_product, ratio_omegas
from opcheck.report.sweeps import sample_sweep, width_scan

C9 = "initial loss small enough"


def point(n, d1, c_needed, failing=(), converged=None, final_loss=1.0, mu=0.1):
    names = ["Assumption 2 (data)", "init scale", "mu_Phi > 0", C9]
    keys = {"Assumption 2 (data)": "assumption2_data", "init scale": "init_scale_19", "mu_Phi > 0": "mu_phi_positive", C9: "initial_loss_9"}
    hyps = tuple({"key": keys[nm], "name": nm, "equation": "", "holds": nm not in failing, "source": "paper"} for nm in names)
    gd = None if converged is None else {"converged": converged, "final_loss": final_loss, "initial_loss": 2.0}
    q = {"mu_phi": mu, "sigma_min_jacobian": mu, "c_needed": c_needed}
    return PointResult(PointSpec(n, d1), 1, {}, q, hyps, 1e6, 2, n**1.5 / 64, gd, {})


def test_threshold_is_extrapolated_when_only_condition_9_fails():
    # C_needed = 1e12 d1^-2 exactly; (9) fails everywhere with C = 1; mu_Phi = 0 below n
    pts = [point(100, d, 1e12 * d**-2.0, failing=(C9,) if d >= 100 else (C9, "mu_Phi > 0")) for d in (50, 100, 200, 400, 800)]
    scan = width_scan(pts, d0=64, constant=1.0, tol=1e-2, steps=10)
    assert scan.c_fit_widths == (200, 400, 800)  # fitted on d1 >= 2n only
    assert scan.c_fit.exponent == pytest.approx(-2.0, abs=1e-12)
    th = scan.hypotheses
    assert th.kind == "extrapolated" and th.width == pytest.approx(1e6, rel=1e-9)
    assert "only (9) fails" in th.note
    # the asymptotic slope d1^-1 from the widest point (800, C = 1e12/800^2) reaches C = 1 at 800 * 1e12/800^2
    assert scan.order_extrapolation.x == pytest.approx(800 * 1e12 / 800**2, rel=1e-9)
    # with C = 1e12 / 400^2, (9) holds from d1 = 400 on: measured, bracketed by 200
    C = 1e12 / 400**2 * (1 + 1e-12)
    pts = [point(100, d, 1e12 * d**-2.0, failing=(C9,) if 1e12 * d**-2.0 > C else ()) for d in (100, 200, 400, 800)]
    scan = width_scan(pts, d0=64, constant=C, tol=1e-2, steps=10)
    assert scan.hypotheses.kind == "measured" and scan.hypotheses.width == 400 and scan.hypotheses.bracket == (200, 400)


def test_order_analysis_extrapolation_differs_from_a_steeper_fit():
    pts = [point(100, d, 1e20 * d**-4.0, failing=(C9,)) for d in (200, 400, 800)]
    scan = width_scan(pts, 64, 1.0, 1e-2, 10)
    assert scan.hypotheses.width == pytest.approx(1e5, rel=1e-9)  # fitted slope -4: 1e20 d^-4 = 1
    assert scan.order_extrapolation.x == pytest.approx(800 * (1e20 / 800**4), rel=1e-12)  # asymptotic slope -1 from d1 = 800
    assert scan.order_extrapolation.x > scan.hypotheses.width


def test_other_failures_are_not_extrapolated():
    pts = [point(50, d, 1e9 * d**-2.0, failing=(C9, "init scale")) for d in (100, 200, 400)]
    th = width_scan(pts, 64, 1.0, 1e-2, 10).hypotheses
    assert th.kind == "not reached" and th.width is None and "init scale" in th.note


def test_gd_threshold_needs_convergence_at_every_larger_width():
    flags = {25: False, 50: True, 100: False, 200: True, 400: True}
    pts = [point(50, d, 1.0, converged=c, final_loss=0.5 / d) for d, c in flags.items()]
    th = width_scan(pts, 64, 1.0, 1e-2, 10).gd
    assert th.kind == "measured" and th.width == 200 and th.bracket == (100, 200)
    assert "isolated width(s) 50" in th.note
    none = width_scan([point(50, d, 1.0, converged=False, final_loss=1.0 / d) for d in (50, 100)], 64, 1.0, 1e-2, 10).gd
    assert none.kind == "not reached" and "lowest final loss was 0.01 at d1 = 100" in none.note


def test_sample_sweep_fits_thresholds_against_n():
    scans = []
    for n in (50, 80, 125, 200):
        k = 1e6 * n**3.0  # C_needed = k d1^-2 -> threshold sqrt(k) = 1e3 n^1.5
        scans.append(width_scan([point(n, d, k * d**-2.0, failing=(C9,)) for d in (2 * n, 4 * n, 8 * n)], 64, 1.0, 1e-2, 10))
    s = sample_sweep(scans, 64, theorem_bounds([50, 80, 125, 200], 64))
    assert s.hypotheses_fit.exponent == pytest.approx(1.5, abs=1e-9)
    assert set(s.hypotheses_kinds) == {"extrapolated"}
    assert not s.gd_fit.ok  # GD was not run on these points


def test_theorem_bounds_match_closed_forms():
    ns = [50, 100, 200]
    got = {b.key: b for b in theorem_bounds(ns, 64)}
    assert got["song2021-21"].widths == pytest.approx([n**1.5 / 64 for n in ns])
    assert got["oymak2020"].widths == pytest.approx([n**2 / 64 for n in ns])  # d0 d1 >~ n^2
    assert got["du2019"].widths == pytest.approx([float(n) ** 6 for n in ns])  # lambda0 = delta = 1
    assert "scaling only" in got["du2019"].note
    assert [b.exponent_n for b in fallback_bounds(ns, 64)] == [1.5, 2.0, 6.0]
    assert fallback_bounds(ns, 64)[0].widths == pytest.approx(got["song2021-21"].widths)


def test_he_product_and_ratios():
    prod = he_product(64, 400)
    assert prod == pytest.approx(math.sqrt(2 / 64) * math.sqrt(2 / 400))
    w1, w2 = ratio_omegas(0.01, prod)
    assert w1 * w2 == pytest.approx(prod) and w2 / w1 == pytest.approx(0.01)


def test_sweeps_option_and_validation():
    assert parse_sweeps(None) == ("thresholds", "width", "samples", "init-ratio")
    assert parse_sweeps("init-ratio,width") == ("width", "init-ratio")
    assert parse_sweeps("no-samples") == ("thresholds", "width", "init-ratio")
    for bad in ("bogus", "width,no-samples", "no-thresholds,no-width,no-samples,no-init-ratio"):
        with pytest.raises(InputError):
            parse_sweeps(bad)
    for cfg in (ReportConfig(test_fraction=0.95), ReportConfig(steps=0), ReportConfig(tol=-1.0), ReportConfig(constant=math.inf), ReportConfig(n=2), ReportConfig(seeds=0), ReportConfig(n_max=3)):
        with pytest.raises(InputError):
            validate(cfg)


def test_plan_fits_the_data_or_refuses():
    plan = make_plan(ReportConfig(), 1797)
    assert plan.n == 200 and plan.widths[0] == 50 and plan.widths[-1] == 3200
    assert plan.sample_ns == (49, 78, 125, 200, 320) and plan.ratio_width == 400
    assert pool_size(320, 0.2) <= 1797
    small = make_plan(ReportConfig(), 100)  # default n lowered to fit
    assert pool_size(int(math.ceil(small.n * 1.6)), 0.2) <= 100 and "lowered" in small.n_note
    with pytest.raises(InputError, match="use a smaller --n"):
        make_plan(ReportConfig(n=1500), 1797)
    assert make_plan(ReportConfig(n=1400, sweeps=("width",)), 1797).n == 1400


def _build(raw, m):
    from opcheck.commands.common import build_dataset

    return build_dataset(raw, n=m, labels="teacher", d2=2, normalize=True, seed=5, activation="gelu", init="lecun", width=None, omega1=None, omega2=None)


def test_split_is_disjoint_seeded_and_shares_normalisation():
    raw = load_builtin("digits", None, None, 5)
    a = make_split(raw, 40, 0.2, 5, _build)
    b = make_split(raw, 40, 0.2, 5, _build)
    assert a.train.n == 40 and a.n_test == 10 and a.classification
    assert np.array_equal(a.train.X, b.train.X) and np.array_equal(a.test_Y, b.test_Y)
    cols = {tuple(c) for c in a.train.X.T}
    assert not any(tuple(c) in cols for c in a.test_X.T)  # disjoint samples
    assert np.allclose(np.linalg.norm(a.test_X, axis=0), 1.0)
    assert np.linalg.norm(np.hstack([a.train.Y, a.test_Y])) == pytest.approx(1.0)  # one scale over the pool
    plain = make_split(raw, 40, 0.0, 5, _build)
    assert plain.test_X is None and np.array_equal(plain.train.X, _build(raw, 40).X)  # = opcheck verify --n 40
    sphere = load_builtin("sphere", 200, 8, 5)
    s = make_split(sphere, 30, 0.25, 5, _build)
    assert s.train.n == 30 and s.n_test == 10 and not s.classification and s.train.d2 == 2


def test_held_out_error_by_hand():
    act = get_activation("gelu")
    rng = np.random.default_rng(0)
    W, V, X = rng.standard_normal((5, 3)), rng.standard_normal((2, 5)), rng.standard_normal((3, 4))
    Z = V @ act.phi(W @ X)
    Y = np.zeros((2, 4))
    Y[np.argmax(Z, axis=0), np.arange(4)] = 1.0
    Y[:, 0] = Y[::-1, 0]  # flip one label
    e = held_out_error(Params(W, V), X, Y, act, classification=True)
    assert e.value == pytest.approx(0.25) and e.metric == "misclassification rate" and e.n_test == 4
    T = Z + 0.1
    r = held_out_error(Params(W, V), X, T, act, classification=False)
    assert r.value == pytest.approx(0.1**2 * 8 / float(np.sum(T**2)))


def test_array_hash_sees_values_dtype_and_shape():
    a = np.arange(6.0).reshape(2, 3)
    h = array_sha256(a, None)
    assert h == array_sha256(a.copy(), None) and len(h) == 64
    b = a.copy()
    b[1, 2] += 1e-12
    assert array_sha256(b, None) != h
    assert array_sha256(a.reshape(3, 2), None) != h
    assert array_sha256(a.astype(np.float32), None) != h
    assert array_sha256(a, np.zeros(1)) != h
