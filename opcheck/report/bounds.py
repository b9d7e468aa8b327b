"""Each theorem's width bound as a curve in n at fixed d0, for the threshold plot.

The expressions come from the theorem registry (:mod:`opcheck.theory.registry`)
with the universal constant C = 1 and every remaining symbol other than n and
d0 (λ0 and δ of Du et al.) set to 1 — a *scaling*, labelled so.  If the
registry cannot be imported the curves fall back to :func:`fallback_bounds`
(this paper's headline n^{3/2}/d0 and the prior scalings n², n⁶, constant 1).

The data-dependent bound (20) with opcheck's derived ξ comes from
``run_verify`` at each n and is added by the sweep, not here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from opcheck.checks.records import jsonable

#: registry keys drawn in the threshold plot, with the symbols other than n, d0 set to 1
KEYS = ("song2021-21", "oymak2020", "song-yang2019", "du2019")


@dataclass(frozen=True)
class BoundCurve:
    key: str
    name: str
    ns: tuple[int, ...]
    widths: tuple[float, ...]
    exponent_n: float  # the stated exponent in n at fixed d0
    source: str  # paper | scaling only, constant 1 | derived
    note: str

    def as_dict(self) -> dict:
        return jsonable({"key": self.key, "name": self.name, "ns": list(self.ns), "widths": list(self.widths),
                         "exponent_n": self.exponent_n, "source": self.source, "note": self.note})


def fallback_bounds(ns: Sequence[int], d0: int) -> tuple[BoundCurve, ...]:
    """n^{3/2}/d0 (eq. 21), n² and n⁶ (Table 1 scalings), each with constant 1."""
    ns = tuple(int(v) for v in ns)
    rows = (
        ("song2021-21", "Song et al. 2021, headline (21): n^{3/2}/d0", lambda n: n**1.5 / d0, 1.5, "paper"),
        ("n2", "quadratic prior scaling: n^2", lambda n: float(n) ** 2, 2.0, "scaling only, constant 1"),
        ("n6", "Du et al. 2019 scaling: n^6", lambda n: float(n) ** 6, 6.0, "scaling only, constant 1"),
    )
    return tuple(BoundCurve(k, name, ns, tuple(f(n) for n in ns), e, src, "constant 1 (opcheck fallback; the registry was not available)")
                 for k, name, f, e, src in rows)


def theorem_bounds(ns: Sequence[int], d0: int) -> tuple[BoundCurve, ...]:
    """The registry's bounds at each n (C = 1; λ0 = δ = 1 where they appear), or the fallback."""
    try:
        import sympy as sp

        from opcheck.theory import registry
        from opcheck.theory import symbols as S
    except ImportError:
        return fallback_bounds(ns, d0)
    out = []
    ns = tuple(int(v) for v in ns)
    for key in KEYS:
        try:
            th = registry.width_theorem(key)
        except KeyError:
            continue
        expr = th.width.subs({S.C: 1, S.d0: d0})
        ones = sorted((s for s in expr.free_symbols if s is not S.n), key=str)
        expr = expr.subs({s: 1 for s in ones})
        if expr.free_symbols - {S.n}:
            continue
        f = sp.lambdify(S.n, expr, "math")
        note = "C = 1" + (f"; {', '.join(str(s) for s in ones)} = 1 (scaling only)" if ones else "")
        out.append(BoundCurve(key, th.name, ns, tuple(float(f(n)) for n in ns), float(th.stated_exponent), th.source, note))
    return tuple(out) if out else fallback_bounds(ns, d0)
