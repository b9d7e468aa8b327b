"""Regression tests for issue 9's defects 1-10: each fails on the code before the fix and passes after.

Oracles are independent: the measured init scale against numpy norms, the constants model against
hand algebra, the derived slope against finite differences of its own model, the datasets' causes
against direct counts on the raw arrays.
"""
from __future__ import annotations

import functools
import io
import json
import math
import re

import numpy as np
import pytest
from rich.console import Console

from opcheck.checks import constants as K
from opcheck.checks.conditions import Facts, rows
from opcheck.checks.diagnoses import CauseKey, admissible_activations, sample_geometry
from opcheck.checks.hypotheses import VerifyConfig, run_verify
from opcheck.checks.lemma3 import ALPHA_F, lemma3_constants
from opcheck.checks.order_analysis import ASYMPTOTIC_SLOPE, extrapolate_width, local_slope, scaled
from opcheck.checks.records import ConditionKey
from opcheck.data.loaders import RawSamples, load_builtin
from opcheck.data.prepare import prepare_dataset
from opcheck.model.activations import get_activation
from opcheck.model.network import Params, init_scales, sample_params
from opcheck.render import bound_view
from opcheck.render.fmt import num
from opcheck.render.verify_view import render_verify
from opcheck.theory.compute import compute_bound
from opcheck.theory.request import BoundRequest


def _sphere(n: int, d0: int, seed: int = 0):
    raw = load_builtin("sphere", n, d0, seed)
    return prepare_dataset(raw, labels="random", d2=1, seed=seed)


def _row(res, key: ConditionKey):
    return next(c for c in res.conditions if c.key is key)


def _sklearn(name: str, standardize: bool = False, n: int | None = None):
    from sklearn import datasets

    d = getattr(datasets, f"load_{name}")()
    return prepare_dataset(RawSamples(np.asarray(d.data, float), np.asarray(d.target), name, True), n=n, standardize=standardize)


# --------------------------------------------------------------------- defect 1
def test_defect1_kappa_and_hermite_scale_are_measured_from_the_parameters_in_use():
    ds = _sphere(12, 6)
    d1 = 40
    base = sample_params(init_scales("lecun", 6, d1, 1), 6, d1, 1, np.random.default_rng(3))
    big = Params(10.0 * base.W, 10.0 * base.V)  # 10x LeCun: kappa ~ 100
    res = run_verify(ds, VerifyConfig(width=d1), params=big)
    w1 = np.linalg.norm(big.W) / math.sqrt(d1 * 6)
    w2 = np.linalg.norm(big.V) / math.sqrt(1 * d1)
    assert res.init["omega1"] == pytest.approx(w1, rel=1e-12) and res.init["omega2"] == pytest.approx(w2, rel=1e-12)
    assert res.init["kappa_init"] == pytest.approx(w1 * w2 * math.sqrt(6 * d1), rel=1e-12) and res.init["kappa_init"] > 50
    assert _row(res, ConditionKey.INIT_SCALE_19).holds is False
    assert res.activation["init_scale"] == pytest.approx(w1, rel=1e-12)
    # options that were not used (the nominal scheme) do not change any row
    other = run_verify(ds, VerifyConfig(width=d1, init="he", omega1=2.0), params=big)
    assert [(c.key, c.holds, c.value) for c in other.conditions] == [(c.key, c.holds, c.value) for c in res.conditions]


def test_defect1_cli_init_params_round_trip(run_cli, tmp_path):
    ds = _sphere(10, 5)
    p = sample_params(init_scales("lecun", 5, 30, 1), 5, 30, 1, np.random.default_rng(0))
    np.savez(tmp_path / "p.npz", W0=100 * p.W, V0=100 * p.V)
    np.savez(tmp_path / "d.npz", X=ds.X.T, Y=ds.Y.T)
    doc = json.loads(run_cli("verify", tmp_path / "d.npz", "--init-params", tmp_path / "p.npz", "--json").out)
    assert doc["init"]["kappa_init"] > 1e3 and doc["init"]["loaded_from_file"] and doc["init"]["nominal"]["used"] is False


# --------------------------------------------------------------------- defect 2
def test_defect2_rate_factor_is_a_contraction_or_flagged():
    rep = compute_bound(BoundRequest(n=1000, d0=50, constant=2.0))  # the case: -4.35 before
    fw = {f.key: f for f in rep.framework}
    r14 = fw["rate-14"]
    assert (r14.value is None and r14.flag) or 0.0 < r14.value.value < 1.0
    for n, d0, c in [(100, 10, 1.0), (1000, 50, 2.0), (10_000, 784, 0.5), (10**6, 50, 1.0), (500, 20, 100.0)]:
        f = {x.key: x for x in compute_bound(BoundRequest(n=n, d0=d0, constant=c)).framework}["rate-14"]
        assert (f.value is None and "not a rate" in f.flag) or 0.0 < f.value.value < 1.0, (n, d0, c)


def test_defect2_constants_enter_once_and_relations_are_exact():
    c = K.Constants.from_options(4.0)
    assert c.c20 == pytest.approx(0.5) and c.c21 == pytest.approx(0.5) and c.c_path == pytest.approx(0.25)
    assert K.c9_implied_by_c20(c.c20) == pytest.approx(4.0)  # (20) at C20 => (9) at C9 = 1/C20^2
    assert K.path_over_radius(c.c_path, c.c9) == pytest.approx(1.0)  # (9) at C9 => Lemma 2 path <= rho
    # the same relation on numbers: h0 exactly at (9)'s bound makes Lemma 2's path bound equal rho
    l3 = lemma3_constants(1.3, 0.7, 2.0, 1.1, 1.128904, 0.797885, 1.0)
    h0 = c.c9 * ALPHA_F * l3.mu**6 / (l3.beta**2 * l3.nu**2)
    l3b = lemma3_constants(1.3, 0.7, 2.0, 1.1, 1.128904, 0.797885, h0)
    assert c.c_path * l3b.path_bound_unit() == pytest.approx(l3b.rho, rel=1e-12)
    # larger --constant makes (9) and (20)/(21) easier together (the old code made (20)/(21) harder)
    w = [compute_bound(BoundRequest(n=1000, d0=50, constant=x)).theorems for x in (1.0, 4.0)]
    width = [next(r for r in t if r.key == "song2021-20").required_width.value for t in w]
    assert width[1] == pytest.approx(width[0] / 2, rel=1e-9)


# --------------------------------------------------------------------- defect 3
def test_defect3_eq20_row_uses_the_init_scale_and_unit_scale_is_beside_it():
    ds = prepare_dataset(load_builtin("sphere", 20, 100, 0), labels="teacher", d2=1, seed=0,
                         teacher=lambda X, d2, r: sample_params(init_scales("lecun", 100, 200, 1), 100, 200, 1, r).V @ get_activation("gelu").phi(
                             sample_params(init_scales("lecun", 100, 200, 1), 100, 200, 1, r).W @ X))
    res = run_verify(ds, VerifyConfig(width=200))
    r20, unit = _row(res, ConditionKey.WIDTH_20), _row(res, ConditionKey.WIDTH_20_UNIT_SCALE)
    assert r20.threshold > unit.threshold  # omega1-scale Hermite coefficients ask for more
    assert r20.holds is False and unit.holds is None  # the unit-scale row is informational
    nine = _row(res, ConditionKey.INITIAL_LOSS_9)
    assert nine.holds is False and not any("(20) holds" in v for v in res.verdict)


def test_defect3_disagreement_says_which_row_is_measured():
    ds = _sphere(12, 6)
    res = run_verify(ds, VerifyConfig(width=40, c20=1e-9))  # (20) trivially holds, (9) fails
    assert _row(res, ConditionKey.WIDTH_20).holds and not _row(res, ConditionKey.INITIAL_LOSS_9).holds
    assert any("measured" in v and "prediction" in v for v in res.verdict)


# --------------------------------------------------------------------- defect 4
def test_defect4_iris_duplicate_is_counted_and_named():
    from sklearn.datasets import load_iris

    iris = load_iris()
    X = np.asarray(iris.data, float)
    _, counts = np.unique(X, axis=0, return_counts=True)
    assert int((counts - 1).sum()) == 1  # independent count: iris has one duplicated row (101 and 142)
    keep = list(range(40)) + [101, 142]  # a small slice that keeps the duplicate (singular Grams are slow to certify)
    ds = prepare_dataset(RawSamples(X[keep], np.asarray(iris.target)[keep], "iris", True))
    res = run_verify(ds, VerifyConfig(width=60))
    assert res.geometry.duplicates == 1 and res.geometry.duplicate_pairs == ((40, 41),)
    assert {c.key for c in res.causes} == {CauseKey.DUPLICATE_SAMPLES} and res.value("mu_phi") == 0
    assert not any("width of at least n" in v for v in res.verdict)  # d1 = 60 > n = 42
    assert any("1 sample(s) coincide" in v for v in res.verdict)


def test_defect4_wine_is_nearly_parallel_and_standardize_fixes_it():
    raw = _sklearn("wine", n=60)
    res = run_verify(raw, VerifyConfig())
    cos = raw.X.T @ raw.X
    np.fill_diagonal(cos, -1)
    assert res.geometry.max_cosine == pytest.approx(cos.max(), abs=1e-12) and res.geometry.max_cosine > 0.9999
    assert CauseKey.NEAR_PARALLEL_SAMPLES in {c.key for c in res.causes}
    assert any("--standardize" in v for v in res.verdict)
    std = run_verify(_sklearn("wine", standardize=True, n=60), VerifyConfig())
    assert std.value("mu_phi") > 1e3 * max(res.value("mu_phi"), 1e-12) and std.geometry.max_cosine < 0.99


def test_defect4_relu_and_narrow_width_have_their_own_causes():
    ds = _sphere(12, 6)
    relu = run_verify(ds, VerifyConfig(activation="relu", width=40))
    assert relu.value("mu_phi") > 0 and math.isinf(relu.value("c_needed"))
    keys = {c.key for c in relu.causes}
    assert CauseKey.UNBOUNDED_SECOND_DERIVATIVE in keys and CauseKey.MU_PHI_ZERO not in keys
    assert not any("mu_Phi = 0" in v for v in relu.verdict)
    narrow = run_verify(ds, VerifyConfig(width=8))
    assert CauseKey.WIDTH_BELOW_N in {c.key for c in narrow.causes}
    assert any("width of at least n = 12" in v for v in narrow.verdict)


def test_defect4_never_recommends_an_activation_that_fails_assumption_2():
    assert "softplus" not in admissible_activations() and "gelu" in admissible_activations()
    res = run_verify(_sphere(12, 6), VerifyConfig(activation="softplus", width=40))
    text = " ".join(res.verdict)
    assert "softplus-like" not in text and "Activations that satisfy every bullet: gelu, tanh, silu" in text


# --------------------------------------------------------------------- defect 5
def test_defect5_slope_is_minus_one_asymptotically_and_the_local_slope_matches_its_model():
    l3 = lemma3_constants(1.4, 0.4, 1.0, 0.93, 1.128904, 0.797885, 1.1)
    eps = 1e-4
    fd = (math.log(scaled(l3, 1 + eps).c_needed) - math.log(scaled(l3, 1 - eps).c_needed)) / (math.log(1 + eps) - math.log(1 - eps))
    assert local_slope(l3) == pytest.approx(fd, rel=1e-6)
    far = scaled(l3, 1e12)
    assert local_slope(far) == pytest.approx(ASYMPTOTIC_SLOPE, abs=1e-4) and ASYMPTOTIC_SLOPE == -1.0
    ext = extrapolate_width(l3, 200, 1.0)
    assert scaled(l3, ext.width / 200).c_needed <= 1.0 < scaled(l3, (ext.width - 1) / 200).c_needed * (1 + 1e-9)


def test_defect5_verdict_no_longer_claims_minus_two():
    res = run_verify(_sphere(20, 100), VerifyConfig(width=200))
    text = " ".join(res.verdict)
    assert "d1^-2" not in text and "derived" in text and "asymptotically d1^-1" in text


# ------------------------------------------------------------------ defects 6, 7
def test_defect6_train_states_the_regime_and_lr_theorem_uses_eq13(run_cli):
    args = ("verify", "--dataset", "sphere", "--n", "12", "--d0", "6", "--width", "200", "--init", "he", "--train", "--steps", "300", "--json")
    doc = json.loads(run_cli(*args).out)
    reg = doc["training"]["regime"]
    assert reg["step_inside"] is False and reg["lr_over_eta_13"] > 1  # default 1/lambda_max exceeds (13)
    assert any("OUTSIDE the theorem's regime" in v for v in doc["verdict"])
    assert not any("as Theorem 3 says" in v for v in doc["verdict"])
    th = json.loads(run_cli(*args[:-1], "--lr", "theorem", "--json").out)
    assert th["training"]["lr"] == pytest.approx(th["quantities"]["eta_13"], rel=1e-12)
    assert th["training"]["regime"]["step_inside"] is True
    # Lemma 2's bound uses C_path = 1/(2 sqrt(C9)), the value under which (9) gives path <= rho
    assert th["training"]["c_path"] == pytest.approx(0.5) and th["implied_constants"]["c_path"]["value"] is not None


def test_defect7_failing_eq9_says_sufficient_not_necessary():
    res = run_verify(_sphere(20, 100), VerifyConfig(width=200))
    assert not _row(res, ConditionKey.INITIAL_LOSS_9).holds
    assert any("sufficient condition, not a necessary one" in v and "--train" in v for v in res.verdict)


# --------------------------------------------------------------------- defect 8
def test_defect8_provenance_fields_are_separate_and_derived_where_they_rest_on_derivations():
    res = run_verify(_sphere(12, 6), VerifyConfig(width=40))
    prov = res.as_dict()["provenance"]
    for key in ("beta_phi", "rho", "c_needed", "eta_13", "pl_alpha_on_ball", "chi_max"):
        assert prov[key]["formula_source"] == "derived", key
    for key in ("mu_phi", "nu_phi", "sigma_min_jacobian"):
        assert prov[key]["value_source"] == "measured" and prov[key]["formula_source"] == "paper", key
    assert _row(res, ConditionKey.INITIAL_LOSS_9).source == "derived"
    tanh = get_activation("tanh")
    assert all(b.holds for b in tanh.assumption_bullets()) and not tanh.lazy_training_condition().holds
    r = {t.key: t for t in compute_bound(BoundRequest(n=10_000, d0=100)).theorems}
    assert r["kawaguchi2019"].required_width.value == pytest.approx(r["song2021-21"].required_width.value / 100)  # sqrt(n) lower
    assert r["song-yang2019"].parameters.value == pytest.approx(r["oymak2020"].parameters.value)
    assert "Rolland" in r["nguyen-mondelli2020"].note
    assert "later work" in r["bombari2022"].name and "not in Table 1" in r["bombari2022"].note


# --------------------------------------------------------------------- defect 9
def test_defect9_sigma_min_positive_only_when_certified():
    res = run_verify(_sphere(12, 6), VerifyConfig(width=40, w_block=True))
    doc = res.as_dict()
    for key in ("sigma_min_jacobian", "mu_phi", "sigma_max_x", "sigma_min_jacobian_w_block"):
        lo, hi = doc["provenance"][key]["interval"]
        assert lo <= doc["quantities"][key] <= hi
    facts = _facts_with_interval(res, (0.0, 0.3))
    j = next(c for c in rows(facts) if c.key is ConditionKey.SIGMA_MIN_J_POSITIVE)
    assert facts.sigma_min_j > 0 and j.holds is False  # an estimate > 0 is not a proof


def _facts_with_interval(res, iv) -> Facts:
    from opcheck.checks.lemma3 import measure_init

    l3 = res.lemma3
    return Facts(n=12, d0=6, d1=40, data_ok=True, data_why="", normalized=True, act=get_activation("gelu"),
                 init=measure_init(res.params),
                 nominal=init_scales("lecun", 6, 40, 2), loaded=False, kappa_max=2.0, kappa_band=1.0, l3=l3, sigma_min_j=0.2, sigma_min_j_note="",
                 sigma_min_j_interval=iv, mu_note="", mu_interval=None, constants=K.Constants(), lr=None, best_init=None, best_unit=None,
                 reqs_init=(), headline=1.0, causes=(), extrapolation=res.extrapolation)


# -------------------------------------------------------------------- defect 10
def test_defect10_no_number_is_cut_at_80_columns():
    res = run_verify(_sphere(20, 100), VerifyConfig(width=200, constant=1e-40))
    doc = res.as_dict()
    buf = io.StringIO()
    render_verify(Console(file=buf, width=80, color_system=None), doc)
    text = re.sub(r"\s+", " ", buf.getvalue())
    for c in doc["conditions"]:
        for v in (c["value"], c["threshold"], c["margin"]):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                assert num(v) in text, (c["name"], num(v))
    assert "…" not in buf.getvalue()


def test_defect10_bound_widths_are_integers_and_latex_lines_are_whole():
    rep = compute_bound(BoundRequest(n=1000, d0=50))
    buf = io.StringIO()
    bound_view.render(rep, latex=True, console=Console(file=buf, width=80, color_system=None))
    out = buf.getvalue()
    assert "…" not in out and not re.search(r"\d,\d{3}\.\d", out)  # no 18,746.1
    lines = out.splitlines()
    for row in rep.theorems:
        assert f"{row.key}: {row.latex}" in lines  # one copyable line per formula


def test_docs_theory_states_the_mapping_the_code_uses():
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "theory.md").read_text(encoding="utf-8")
    for phrase in ("C_path = 1/(2√C9)", "C20 = 1/√C9", "C21 = 1/√C9", "C14 = 1/4", "C9* ~ d1^{-1}", "ξ_t = c0 (t!)^{3/2} / (√α_f |c_t|³)"):
        assert phrase in text, phrase
    c9 = 9.0
    assert K.default_for(K.ConstantKey.C_PATH, c9) == pytest.approx(1 / (2 * math.sqrt(c9)))
    assert K.default_for(K.ConstantKey.C20, c9) == K.default_for(K.ConstantKey.C21, c9) == pytest.approx(1 / 3)
    assert K.default_for(K.ConstantKey.C14, c9) == 0.25 and K.default_for(K.ConstantKey.C13, c9) == 1.0


def test_slope_extrapolation_for_the_report():
    from opcheck.checks.order_analysis import extrapolate_with_slope

    assert extrapolate_with_slope(1e4, 200, 1.0) == pytest.approx(2e6)  # slope -1: linear in C9*
    assert extrapolate_with_slope(1e4, 200, 1.0, slope=-2.0) == pytest.approx(2e4)
    assert extrapolate_with_slope(0.5, 200, 1.0) == 200 and extrapolate_with_slope(math.inf, 200, 1.0) is None
    res = run_verify(_sphere(12, 6), VerifyConfig(width=40))
    X = res.dataset.X
    for t in (1, 2, 3, 4):  # against an explicit Khatri-Rao power's SVD
        cols = [functools.reduce(np.kron, [x] * t) for x in X.T]
        explicit = np.linalg.svd(np.array(cols).T, compute_uv=False)
        smin = explicit[-1] if len(cols) <= explicit.size else 0.0
        assert res.value(f"sigma_min_x_star_{t}") == pytest.approx(smin, rel=1e-6, abs=1e-7)


def test_he_draws_pass_eq19_within_the_sampling_band():
    """(19) with measured kappa: a He draw fluctuates around 2; the 3-sigma band of the RMS estimate admits it."""
    from opcheck.checks.lemma3 import kappa_sampling_band

    d0, d1, d2 = 6, 200, 1
    s = math.sqrt(1 / (2 * d0 * d1) + 1 / (2 * d1 * d2))
    assert kappa_sampling_band(d0, d1, d2) == pytest.approx(math.exp(3 * s))
    kappas = []
    for seed in range(200):  # independent oracle: the spread of measured kappa over draws
        p = sample_params(init_scales("he", d0, d1, d2), d0, d1, d2, np.random.default_rng(seed))
        kappas.append(np.linalg.norm(p.W) / math.sqrt(d1 * d0) * np.linalg.norm(p.V) / math.sqrt(d2 * d1) * math.sqrt(d0 * d1))
    assert np.std(np.log(kappas)) == pytest.approx(s, rel=0.2)
    res = run_verify(_sphere(12, d0), VerifyConfig(width=d1, init="he", seed=0))
    row = _row(res, ConditionKey.INIT_SCALE_19)
    assert row.holds and row.threshold == pytest.approx(2 * math.exp(3 * s))


def test_defect10_default_view_at_80_columns_keeps_every_number(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    args = ("verify", "--dataset", "sphere", "--n", "20", "--d0", "100", "--width", "200", "--constant", "1e-40")
    doc = json.loads(run_cli(*args, "--json").out)
    out = run_cli(*args).out
    flat = re.sub(r"\s+", " ", out)
    assert "…" not in out
    for c in doc["conditions"]:
        for v in (c["value"], c["threshold"]):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                assert num(v) in flat, (c["name"], num(v))


def test_mu_zero_without_near_parallel_samples_states_the_threshold_it_used():
    """The cause sentence gives the cosine threshold and the largest cosine found, so "no nearly parallel samples"
    cannot be read against -v's "largest cosine 0.99" (a new user's report); duplicates read as samples, not columns."""
    from opcheck.checks.diagnoses import NEAR_PARALLEL_COSINE, SampleGeometry, causes
    from opcheck.model.activations import get_activation

    geom = SampleGeometry(n=1000, d0=64, duplicates=0, duplicate_pairs=(), max_cosine=0.9928602, numerical_rank=61)
    (cause,) = [c for c in causes(geom, 1000, 0.0, get_activation("gelu"), False) if c.key is CauseKey.MU_PHI_ZERO]
    assert f"cosine >= {NEAR_PARALLEL_COSINE}" in cause.sentence and "largest 0.9928602" in cause.sentence
    dup = SampleGeometry(n=10, d0=3, duplicates=1, duplicate_pairs=((0, 5),), max_cosine=1.0, numerical_rank=3)
    (same,) = [c for c in causes(dup, 20, 0.0, get_activation("gelu"), False) if c.key is CauseKey.DUPLICATE_SAMPLES]
    assert "samples (0, 5)" in same.sentence and "columns (0, 5)" not in same.sentence
