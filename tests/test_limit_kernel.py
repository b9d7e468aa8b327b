"""K∞ and K'∞ against Monte-Carlo with a very wide random layer, a 2-D quadrature and the ReLU closed form."""
import math

import numpy as np
import pytest
from scipy import integrate

from opcheck.errors import InputError
from opcheck.model.activations import get_activation
from opcheck.model.limit_kernel import derivative_kernel, expected_ntk, feature_kernel, normalized_hermite_coefficients


def unit_columns(d0, n, seed=0):
    X = np.random.default_rng(seed).standard_normal((d0, n))
    return X / np.linalg.norm(X, axis=0)


def bivariate(f, g, s, rho):
    """E[f(s u) g(s v)] with corr(u, v) = rho by 2-D adaptive quadrature (independent of Mehler)."""
    c = math.sqrt(1 - rho * rho)
    val, _ = integrate.dblquad(lambda v, u: f(s * u) * g(s * (rho * u + c * v)) * math.exp(-(u * u + v * v) / 2) / (2 * math.pi),
                               -9, 9, -9, 9, epsabs=1e-12, epsrel=1e-10)
    return val


@pytest.mark.parametrize("name", ["gelu", "tanh"])
def test_mehler_matches_two_dimensional_quadrature(name):
    act = get_activation(name)
    X = unit_columns(3, 3, seed=1)
    s = 0.6
    K = feature_kernel(X, act, s)
    Kd = derivative_kernel(X, act, s)
    for i, j in [(0, 1), (0, 0)]:
        rho = float(np.clip(X[:, i] @ X[:, j], -1, 1))
        f = lambda z: float(act.phi(np.array(z)))
        df = lambda z: float(act.dphi(np.array(z)))
        assert K.K[i, j] == pytest.approx(bivariate(f, f, s, rho), rel=1e-8, abs=1e-12)
        assert Kd.K[i, j] == pytest.approx(bivariate(df, df, s, rho), rel=1e-8, abs=1e-12)
    assert K.truncation_bound < 1e-12


def test_parseval_and_gelu_reference_coefficients():
    act = get_activation("gelu")
    a, second = normalized_hermite_coefficients(act.phi, 1.0, 40)
    # theory.md reference values c0, c1, c2 at scale 1 (c_t = a_t sqrt(t!))
    assert a[0] == pytest.approx(0.2820948, abs=1e-7)
    assert a[1] == pytest.approx(0.5, abs=1e-9)
    assert a[2] * math.sqrt(2) == pytest.approx(0.4231422, abs=1e-7)
    assert second == pytest.approx(0.4252215, abs=1e-7)


@pytest.mark.parametrize("name,omega1", [("gelu", 1 / math.sqrt(8)), ("relu", 0.7)])
def test_kernel_matches_monte_carlo_with_a_very_wide_layer(name, omega1):
    act = get_activation(name)
    X = unit_columns(8, 6, seed=2)
    d1 = 150_000
    W = omega1 * np.random.default_rng(3).standard_normal((d1, 8))
    pre = W @ X
    A, B = act.phi(pre), act.dphi(pre)
    mc, mcd = A.T @ A / d1, B.T @ B / d1
    K, Kd = feature_kernel(X, act, omega1).K, derivative_kernel(X, act, omega1).K
    # Monte-Carlo standard error ~ sqrt(Var/d1): 5 standard errors of the entrywise estimate
    se = np.sqrt((A * A).T @ (A * A) / d1 - mc**2) / math.sqrt(d1)
    sed = np.sqrt((B * B).T @ (B * B) / d1 - mcd**2) / math.sqrt(d1)
    assert np.all(np.abs(K - mc) <= 5 * se + 1e-15)
    assert np.all(np.abs(Kd - mcd) <= 5 * sed + 1e-15)


def test_relu_closed_form_against_quadrature_and_series_limit():
    act = get_activation("relu")
    X = unit_columns(4, 4, seed=4)
    s = 0.5
    K = feature_kernel(X, act, s)
    assert K.method.startswith("arc-cosine")
    f = lambda z: max(z, 0.0)
    for i, j in [(0, 1), (2, 3)]:
        rho = float(X[:, i] @ X[:, j])
        assert K.K[i, j] == pytest.approx(bivariate(f, f, s, rho), rel=1e-6)
    assert K.K[0, 0] == pytest.approx(s * s / 2, rel=1e-12)  # E[relu(s g)^2] = s^2/2


def test_expected_ntk_against_monte_carlo_of_the_structured_gram():
    act = get_activation("gelu")
    d0, n, d1 = 5, 4, 100_000
    X = unit_columns(d0, n, seed=5)
    w1, w2 = 1 / math.sqrt(d0), 1.0  # omega2 fixed so that the W-block is as large as the V-block
    rng = np.random.default_rng(6)
    W, V = w1 * rng.standard_normal((d1, d0)), w2 * rng.standard_normal(d1)
    pre = W @ X
    A, B = act.phi(pre), act.dphi(pre)
    G = A.T @ A + (X.T @ X) * ((B * V[:, None] ** 2).T @ B)  # J Jᵀ for d2 = 1 (design.md)
    E = expected_ntk(X, act, w1, w2, d1)
    assert np.allclose(G, E, rtol=0.0, atol=0.02 * np.abs(E).max())  # MC error ~ 0.8 % of the diagonal (chi-square V^2)
    assert not np.allclose(G, E - (X.T @ X) * derivative_kernel(X, act, w1).K * d1 * w2**2, rtol=0.0, atol=0.1 * np.abs(E).max())  # the W-block term matters


def test_non_unit_samples_are_refused():
    with pytest.raises(InputError, match="unit-norm"):
        feature_kernel(2 * unit_columns(3, 3), get_activation("gelu"), 0.5)
