"""run_verify against quantities recomputed independently from an explicit Jacobian."""
import math

import numpy as np
import pytest
from oracles import explicit_jacobian

from opcheck._runtime import memory
from opcheck.model.activations import get_activation
from opcheck.data.prepare import prepare_dataset
from opcheck.errors import InputError
from opcheck.data.loaders import RawSamples
from opcheck.model.network import Params
from opcheck.checks.hypotheses import VerifyConfig, run_verify
from opcheck.linalg.jacobian_spectrum import TooBig


def _dataset(n=12, d0=5, d2=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d0))
    y = rng.integers(0, d2, size=n)
    y[:d2] = np.arange(d2)
    return prepare_dataset(RawSamples(X, y, "test", True), normalize=True, seed=seed)


@pytest.mark.parametrize("name", ["gelu", "softplus", "tanh"])
def test_quantities_match_independent_computation(name):
    ds = _dataset()
    res = run_verify(ds, VerifyConfig(activation=name, width=40, seed=3, w_block=True))
    act = get_activation(name)
    W, V, X, Y = res.params.W, res.params.V, ds.X, ds.Y
    A = act.phi(W @ X)
    J = explicit_jacobian(W, V, X, act.phi, act.dphi)
    sJ = np.linalg.svd(J, compute_uv=False)
    sA = np.linalg.svd(A, compute_uv=False)
    sx = np.linalg.svd(X, compute_uv=False)[0]
    sv = np.linalg.svd(V, compute_uv=False)[0]
    q = {k: v.value for k, v in res.quantities.items()}
    assert abs(q["sigma_min_jacobian"] - sJ[-1]) <= 1e-8 * sJ[-1]
    assert abs(q["sigma_max_jacobian"] - sJ[0]) <= 1e-8 * sJ[0]
    d1, d0 = W.shape
    sW = np.linalg.svd(J[:, : d1 * d0], compute_uv=False)
    assert abs(q["sigma_min_jacobian_w_block"] - sW[-1]) <= 1e-8 * sW[-1]
    assert abs(q["mu_phi"] - sA[-1]) <= 1e-10 * sA[0]
    assert q["mu_phi"] <= q["sigma_min_jacobian"]  # the W-block only adds a PSD term
    dm, ddm = act.dphi_max.value, act.ddphi_max.value
    nu = dm * sx * sv + sA[0]
    chi = sv + sA[-1] / (2 * math.sqrt(2) * sx * dm)
    beta = math.sqrt(2) * sx * (dm + ddm * chi)
    h0 = float(np.sum((V @ A - Y) ** 2))
    for key, ref in [("nu_phi", nu), ("chi_max", chi), ("beta_phi", beta), ("h0", h0), ("rho", sA[-1] / (2 * beta)), ("c_needed", h0 * beta**2 * nu**2 / (2 * sA[-1] ** 6))]:
        assert abs(q[key] - ref) <= 1e-9 * abs(ref), key
    assert abs(q["pl_alpha_at_init"] - 2 * sJ[-1] ** 2) <= 1e-8 * 2 * sJ[-1] ** 2
    # the certified PL inequality really holds at Θ0: h <= ||∇h||²/(2α)
    grad = J.T @ (2 * (V @ A - Y).ravel())
    assert h0 <= grad @ grad / (2 * q["pl_alpha_at_init"]) * (1 + 1e-9)


def test_narrow_network_reports_mu_zero_with_reason():
    ds = _dataset(n=12)
    res = run_verify(ds, VerifyConfig(width=8))
    assert res.value("mu_phi") == 0.0
    assert "d1 = 8 < n = 12" in res.quantities["mu_phi"].note
    cond = {c.name: c for c in res.conditions}
    assert cond["mu_Phi > 0"].holds is False
    assert math.isinf(res.value("c_needed")) and not res.all_hold


def test_condition_nine_flips_with_the_constant():
    ds = _dataset()
    res = run_verify(ds, VerifyConfig(width=40))
    cn = res.value("c_needed")
    row = lambda r: next(c for c in r.conditions if c.equation == "(9)")
    assert row(res).holds is (cn <= 1.0)
    above = run_verify(ds, VerifyConfig(width=40, constant=cn * 1.01))
    below = run_verify(ds, VerifyConfig(width=40, constant=cn * 0.99))
    assert row(above).holds is True and row(below).holds is False


def test_khatri_rao_against_explicit_power():
    from opcheck.linalg.khatri_rao import khatri_rao_extremes

    rng = np.random.default_rng(2)
    X = rng.standard_normal((4, 9))
    X /= np.linalg.norm(X, axis=0)
    for k in khatri_rao_extremes(X, [1, 2, 3]):
        M = X
        for _ in range(k.t - 1):
            M = np.einsum("ia,ja->ija", M, X).reshape(-1, X.shape[1])
        s = np.linalg.svd(M, compute_uv=False)
        smin = s[-1] if M.shape[0] >= M.shape[1] else 0.0
        assert abs(k.sigma_max - s[0]) < 1e-10
        assert abs(k.sigma_min - smin) < 1e-7, (k.t, k.sigma_min, smin)
    shuffled = khatri_rao_extremes(X, [3, 1, 2])  # the powers are raised in increasing t, returned in the order asked
    assert [k.t for k in shuffled] == [3, 1, 2]
    assert {k.t: (k.sigma_min, k.sigma_max) for k in shuffled} == {k.t: (k.sigma_min, k.sigma_max) for k in khatri_rao_extremes(X, [1, 2, 3])}


def test_matrix_free_path_agrees_with_formed_gram(monkeypatch):
    ds = _dataset()
    formed = run_verify(ds, VerifyConfig(width=40, w_block=True))
    monkeypatch.setattr("opcheck.checks.hypotheses.memory.fits", lambda nbytes: False)
    free = run_verify(ds, VerifyConfig(width=40, too_big=TooBig.MATRIX_FREE, w_block=True))
    assert free.spectra["jacobian"]["method"].startswith("matrix-free")
    for key in ("sigma_min_jacobian", "sigma_max_jacobian", "sigma_min_jacobian_w_block"):
        a, b = formed.value(key), free.value(key)
        assert abs(a - b) <= 1e-7 * abs(a), key


def test_width_that_does_not_fit_is_refused(monkeypatch):
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", "0.001")
    with pytest.raises(InputError, match=r"would need .* GB"):
        run_verify(_dataset(), VerifyConfig(width=20000))


def test_loaded_params_must_match_data():
    ds = _dataset(d0=5)
    bad = Params(np.ones((7, 4)), np.ones((2, 7)))
    with pytest.raises(InputError, match="W0 has 4 columns"):
        run_verify(ds, VerifyConfig(), params=bad)


def test_gram_rounding_floor_is_replaced_by_the_certified_v_block_bound():
    from opcheck.linalg import spectra
    from opcheck.checks.hypotheses import _floor_by_v_block

    floor = spectra.Extremes(0.0, 100.0, spectra.Method.SHIFT_INVERT.value, 10, 0.0, 0.0, 1e-8, "numerically singular")
    v_block = spectra.Extremes(1e-14, 50.0, spectra.Method.SVD.value, 1, 0.0, 0.0, 1e-28, "")
    out = _floor_by_v_block(floor, v_block)
    assert out.sigma_min == pytest.approx(1e-7) and "[mu_Phi" in out.note
    structural = spectra.structural_zero(100.0, "rank")
    assert _floor_by_v_block(structural, v_block).sigma_min == 0.0  # a true zero stays zero
    resolved = spectra.Extremes(4.0, 100.0, spectra.Method.DENSE.value, 1, 0.0, 0.0, 1e-12, "")
    assert _floor_by_v_block(resolved, v_block) is resolved


def test_w_block_spectrum_only_on_request():
    """By default J_W's spectrum is not computed (no hypothesis uses it) and its keys are absent; with w_block it is,
    and every other number is the same to the last bit (the shared Gram and the other blocks do not depend on it)."""
    ds = _dataset()
    plain, full = run_verify(ds, VerifyConfig(width=40)), run_verify(ds, VerifyConfig(width=40, w_block=True))
    w_keys = {"sigma_min_jacobian_w_block", "sigma_max_jacobian_w_block"}
    assert not w_keys & set(plain.as_dict()["quantities"]) and "jacobian_w_block" not in plain.spectra
    assert w_keys <= set(full.as_dict()["quantities"]) and "jacobian_w_block" in full.spectra
    a, b = plain.as_dict()["quantities"], full.as_dict()["quantities"]
    assert {k: v for k, v in b.items() if k not in w_keys} == a
    assert [c.holds for c in plain.conditions] == [c.holds for c in full.conditions]
