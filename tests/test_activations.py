"""Activation constants against theory.md's reference values and independent oracles."""
import math

import numpy as np
import pytest
from scipy import integrate

from opcheck.model.activations import NAMES, get_activation
from opcheck.errors import InputError

GELU_REF = {0: 0.2820948, 1: 0.5, 2: 0.4231422, 3: 0.0, 4: -0.3526185, 6: 0.7404988}


def test_gelu_reference_values():
    g = get_activation("gelu")
    assert abs(g.dphi_max.value - 1.128904) < 1e-6
    assert abs(g.ddphi_max.value - 0.797885) < 1e-6
    c = g.hermite_coefficients(6)
    for i, ref in GELU_REF.items():
        assert abs(c[i] - ref) < 1e-6, (i, c[i], ref)
    assert abs(g.second_moment() - 0.4252215) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_sup_constants_against_grid(name):
    a = get_activation(name)
    x = np.linspace(-30, 30, 600_001)
    grid_d = np.abs(a.dphi(x)).max()
    assert grid_d <= a.dphi_max.value * (1 + 1e-9)
    assert grid_d >= a.dphi_max.value * (1 - 1e-4)  # softplus: sup approached, not attained
    if math.isfinite(a.ddphi_max.value):
        grid_dd = np.abs(a.ddphi(x)).max()
        assert abs(grid_dd - a.ddphi_max.value) <= 1e-6 * a.ddphi_max.value


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_against_finite_differences(name):
    a = get_activation(name)
    x = np.linspace(-4, 4, 81) + 0.0123  # avoid ReLU's kink
    h = 1e-5
    np.testing.assert_allclose(a.dphi(x), (a.phi(x + h) - a.phi(x - h)) / (2 * h), atol=1e-8)
    np.testing.assert_allclose(a.ddphi(x), (a.dphi(x + h) - a.dphi(x - h)) / (2 * h), atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("scale", [1.0, 0.125])
def test_hermite_against_adaptive_quadrature(name, scale):
    a = get_activation(name)
    c = a.hermite_coefficients(4, scale)
    he = [lambda g: 1.0, lambda g: g, lambda g: g * g - 1, lambda g: g**3 - 3 * g, lambda g: g**4 - 6 * g * g + 3]
    for i in range(5):
        f = lambda g, i=i: float(a.phi(np.array(scale * g))) * he[i](g) * math.exp(-g * g / 2) / math.sqrt(2 * math.pi)
        ref = integrate.quad(f, -np.inf, 0, epsabs=1e-13)[0] + integrate.quad(f, 0, np.inf, epsabs=1e-13)[0]
        assert abs(c[i] - ref) < 1e-9, (name, scale, i, c[i], ref)


def test_relu_closed_form_hermite():
    c = get_activation("relu").hermite_coefficients(2)
    assert abs(c[0] - 1 / math.sqrt(2 * math.pi)) < 1e-10
    assert abs(c[1] - 0.5) < 1e-10
    assert abs(c[2] - 1 / math.sqrt(2 * math.pi)) < 1e-10


EXPECTED_FAILS = {
    "gelu": set(),
    "silu": set(),
    "softplus": {"phi(0) = 0"},
    "sigmoid": {"phi(0) = 0"},
    "tanh": set(),  # the paper states tanh satisfies Assumption 2; "not odd" is §6's lazy-training condition
    "relu": {"twice differentiable", "bounded phi''"},
}


@pytest.mark.parametrize("name", NAMES)
def test_assumption_bullets_name_the_failures(name):
    bullets = get_activation(name).assumption_bullets()
    assert len(bullets) == 5
    assert all("odd" not in b.name for b in bullets)
    assert get_activation(name).lazy_training_condition().holds == (name != "tanh")
    assert {b.name for b in bullets if not b.holds} == EXPECTED_FAILS[name]


def test_unknown_activation():
    with pytest.raises(InputError, match="unknown activation"):
        get_activation("swish2")


@pytest.mark.parametrize("name", NAMES)
def test_fused_values_match_separate(name):
    a = get_activation(name)
    x = np.linspace(-6, 6, 1001)
    f, d = a.phi_and_dphi(x)
    np.testing.assert_allclose(f, a.phi(x), rtol=0, atol=1e-15)
    np.testing.assert_allclose(d, a.dphi(x), rtol=0, atol=1e-15)
