"""One model of the unknown constants (docs/theory.md, "The constants model").

Each O(·)/Ω(·) statement of the paper hides its own constant; each enters its
formula exactly once:

============  =====================================================  ===================
key           statement                                              implied value
============  =====================================================  ===================
``c9``        (9)   h0 ≤ C9 · α_f μ⁶ / (β² ν²)                        h0 β² ν² / (α_f μ⁶)
``c13``       (13)  η ≤ C13 · μ² / D,  D = β‖∇f‖ + βμ² + β_f ν²       η D / μ²
``c14``       (14)  h_i ≤ (1 − C14 η α_f μ²)^i h0                     largest: C14 the curve obeys
``c_path``    Lemma 2  ℓ ≤ C_path · ν √h0 / (μ² √α_f)                 ℓ_measured μ² √α_f/(ν √h0)
``c20``       (20)  d1 ≥ C20 · ξ_t σ_max(X)² √n / σ_min(X^{*t})³      largest: d1 σ_min³/(ξ_t σ_max² √n)
``c21``       (21)  d1 ≥ C21 · n^{3/2} / d0                           largest: d1 d0 / n^{3/2}
============  =====================================================  ===================

For (9), (13), Lemma 2, (20), (21) the implied value is the *smallest* constant
under which the statement holds on the data; for (14), a lower bound on the
contraction, it is the *largest*.

``--constant`` sets C9, as before.  The others default to the values that make
the derived implications exact (docs/theory.md derives each factor):

* (9) at C9 ⇒ Lemma 2's path ≤ ρ = μ/(2β) iff C_path ≤ 1/(2√C9): default ``C_path = 1/(2√C9)``;
* (20) at C20 ⇒ (9) at C9 = 1/C20² under the order analysis (ξ includes α_f):
  default ``C20 = 1/√C9``; (21) is (20) under the order analysis when
  C21 = C20 ξ_t, and defaults to ``C21 = 1/√C9`` (ξ absorbed in the ≳ as the paper does);
* (14) with σ_min ≥ μ/2 on the ball and a step η ≤ 1/L_h holds with C14 = 1/4
  (PL of h with α_f (μ/2)², descent lemma): default ``C14 = 1/4``;
* (13) has no relation to (9): default ``C13 = 1``.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from opcheck.errors import InputError


class ConstantKey(str, enum.Enum):
    C9 = "c9"
    C13 = "c13"
    C14 = "c14"
    C_PATH = "c_path"
    C20 = "c20"
    C21 = "c21"


STATEMENT = {
    ConstantKey.C9: "(9): h0 <= C9 alpha_f mu^6 / (beta^2 nu^2)",
    ConstantKey.C13: "(13): eta <= C13 mu^2 / (beta ||grad f|| + beta mu^2 + beta_f nu^2)",
    ConstantKey.C14: "(14): h_i <= (1 - C14 eta alpha_f mu^2)^i h0",
    ConstantKey.C_PATH: "Lemma 2: path length <= C_path nu sqrt(h0) / (mu^2 sqrt(alpha_f))",
    ConstantKey.C20: "(20): d1 >= C20 xi_t sigma_max(X)^2 sqrt(n) / sigma_min(X^*t)^3",
    ConstantKey.C21: "(21): d1 >= C21 n^(3/2) / d0",
}

#: True where a larger constant makes the statement easier to satisfy, so the implied value is the
#: smallest constant that works ((9), (13), Lemma 2); False for (14), (20), (21), where it is the largest
SMALLEST_IS_IMPLIED = {k: k in (ConstantKey.C9, ConstantKey.C13, ConstantKey.C_PATH) for k in ConstantKey}

#: default of C14 [derived]: PL of h on the ball with α_f (μ/2)² and the descent lemma
C14_DEFAULT = 0.25
#: default of C13: (13) is not tied to (9) by any derivation
C13_DEFAULT = 1.0


def default_for(key: ConstantKey, c9: float) -> float:
    """The documented mapping from ``--constant`` (= C9) to the other constants."""
    if key is ConstantKey.C9:
        return c9
    if key is ConstantKey.C_PATH:
        return 1.0 / (2.0 * math.sqrt(c9))
    if key in (ConstantKey.C20, ConstantKey.C21):
        return 1.0 / math.sqrt(c9)
    if key is ConstantKey.C14:
        return C14_DEFAULT
    return C13_DEFAULT


@dataclass(frozen=True)
class Constants:
    """The constants in use, each with whether the user set it or the mapping did."""

    c9: float = 1.0
    c13: float = C13_DEFAULT
    c14: float = C14_DEFAULT
    c_path: float = 0.5
    c20: float = 1.0
    c21: float = 1.0
    user_set: frozenset = frozenset({ConstantKey.C9})

    @staticmethod
    def from_options(constant: float = 1.0, **overrides: float | None) -> "Constants":
        """``--constant`` (C9) and optional overrides ``c13=…, c14=…, c_path=…, c20=…, c21=…``."""
        _positive(constant, "--constant")
        values, user = {}, {ConstantKey.C9}
        for key in ConstantKey:
            given = overrides.get(key.value)
            if key is not ConstantKey.C9 and given is not None:
                _positive(given, f"--{key.value.replace('_', '-')}")
                values[key.value] = float(given)
                user.add(key)
            else:
                values[key.value] = default_for(key, float(constant))
        unknown = set(overrides) - {k.value for k in ConstantKey}
        if unknown:
            raise InputError(f"unknown constant '{sorted(unknown)[0]}'")
        return Constants(**values, user_set=frozenset(user))

    def get(self, key: ConstantKey) -> float:
        return getattr(self, key.value)

    def as_dict(self) -> dict:
        return {
            k.value: {
                "value": self.get(k),
                "statement": STATEMENT[k],
                "set_by": "--constant" if k is ConstantKey.C9 else ("user" if k in self.user_set else "mapping from --constant (docs/theory.md)" if k in (ConstantKey.C_PATH, ConstantKey.C20, ConstantKey.C21) else "default [derived]"),
            }
            for k in ConstantKey
        }


def _positive(value: float, flag: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise InputError(f"{flag} must be a positive finite number, got {value}")


# ------------------------------------------------------------------ derived relations
def c9_implied_by_c20(c20: float) -> float:
    """(20) at C20 gives, under the order analysis, (9)'s implied constant exactly ``1/C20²``."""
    return 1.0 / (c20 * c20)


def path_over_radius(c_path: float, c9: float) -> float:
    """Largest ratio (Lemma 2 path bound)/ρ when (9) holds with C9: ``2 C_path √C9``."""
    return 2.0 * c_path * math.sqrt(c9)


@dataclass(frozen=True)
class ImpliedConstant:
    """The constant a statement needs on this data (None with the reason when it cannot be measured)."""

    key: ConstantKey
    value: float | None
    in_use: float
    holds: bool | None
    note: str = ""

    def as_dict(self) -> dict:
        v = self.value if (self.value is None or math.isfinite(self.value)) else None
        return {
            "value": v,
            "infinite": self.value is not None and math.isinf(self.value),
            "in_use": self.in_use,
            "holds": self.holds,
            "meaning": ("smallest" if SMALLEST_IS_IMPLIED[self.key] else "largest") + " constant under which the statement holds on this data",
            "statement": STATEMENT[self.key],
            "note": self.note,
        }


def implied(key: ConstantKey, value: float | None, in_use: float, note: str = "") -> ImpliedConstant:
    """An :class:`ImpliedConstant`; ``holds`` compares it with the constant in use."""
    if value is None or math.isnan(value):
        return ImpliedConstant(key, None, in_use, None, note)
    holds = value <= in_use * (1 + 1e-12) if SMALLEST_IS_IMPLIED[key] else value >= in_use * (1 - 1e-12)
    return ImpliedConstant(key, float(value), in_use, bool(holds), note)


def rate_product(c14: float, eta: float, mu: float, alpha_f: float = 2.0) -> float:
    """``q = C14 η α_f μ²``: (14)'s per-step factor is ``1 − q``, a rate only for q in (0, 1)."""
    return c14 * eta * alpha_f * mu * mu


def rate_factor(q: float) -> float | None:
    """``1 − q`` when it is a contraction factor (q in (0, 1)); None otherwise (flag it, never print it as a rate)."""
    return 1.0 - q if (math.isfinite(q) and 0.0 < q < 1.0) else None
