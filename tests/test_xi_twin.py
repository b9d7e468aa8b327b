"""The float twin of the registry's ξ (used by verify, which must not import sympy) equals the registry."""
import pytest
import sympy as sp

from opcheck.theory import symbols as S
from opcheck.theory.registry import XI
from opcheck.theory.xi import xi_float


@pytest.mark.parametrize("c0,ct,t", [(0.3, 0.5, 1), (0.28, 0.12, 2), (1.0, 1e-3, 4), (0.07, 2.5, 6), (3.0, 0.9, 11)])
def test_xi_float_equals_the_registry_formula(c0, ct, t):
    exact = float(XI.subs({S.c0: sp.Float(c0, 30), S.ct: sp.Float(ct, 30), S.t: t}).evalf(30))
    assert xi_float(c0, ct, t) == pytest.approx(exact, rel=1e-13)
