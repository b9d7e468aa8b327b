"""Numbers from the registry's expressions: evaluation, exponents in n, solving for n.

* :func:`evaluate` substitutes numbers and evaluates with 30 significant digits
  (sympy/mpmath), so widths beyond the float range (n²⁴ L¹²) still have a
  finite ``log10``; ``value`` is then ``inf``.
* :func:`exponent_in_n` is the scaling exponent
  ``lim_{n→∞} d log(width) / d log(n) = lim n · (d/dn) log(width)``
  as a sympy limit, after the §5.3 order-analysis substitutions.
* :func:`solve_for_n` finds the n at which a width requirement equals a given
  width: ``sympy.solve`` first (the bounds are monomials in n), and a numeric
  fallback — Brent's method (``scipy.optimize.brentq``) on ``log width(e^u) −
  log D1`` — when sympy finds no positive real root.  Every width in the
  registry increases in n, so that root is the largest n the bound certifies.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import mpmath
import sympy as sp
from scipy import optimize

from opcheck.theory import symbols as S

DIGITS = 30
#: bracket of u = log n for the numeric fallback (n from e^-690 to e^690)
U_BRACKET = (-690.0, 690.0)
#: grid points scanned for the bracket of the largest root
U_STEPS = 276


@dataclass(frozen=True)
class Number:
    """A positive (or any real) number with its log10; ``value`` may be inf when it exceeds float64."""

    value: float
    log10: float | None

    def as_dict(self) -> dict:
        return {"value": self.value if math.isfinite(self.value) else None, "log10": self.log10}


@dataclass(frozen=True)
class SolveResult:
    """The n at which a width requirement equals the given width."""

    n: float | None
    method: str  # "sympy solve" | "brentq (numeric fallback)" | "none"
    note: str = ""


def _sympify_values(values: Mapping[sp.Symbol, float]) -> dict:
    out = {}
    for sym, val in values.items():
        if isinstance(val, sp.Basic):
            out[sym] = val
        elif isinstance(val, int) and not isinstance(val, bool):
            out[sym] = sp.Integer(val)
        else:
            out[sym] = sp.Float(float(val), DIGITS)
    return out


@lru_cache(maxsize=512)
def _compiled(expr: sp.Expr) -> tuple[tuple[sp.Symbol, ...], object]:
    """``expr`` as an mpmath function of its free symbols (sorted by name); cached per expression."""
    syms = tuple(sorted(expr.free_symbols, key=str))
    return syms, sp.lambdify(syms, expr, "mpmath")


def _mp(value) -> mpmath.mpf:
    if isinstance(value, sp.Basic):
        return mpmath.mpf(str(sp.N(value, DIGITS)))
    if isinstance(value, int) and not isinstance(value, bool):
        return mpmath.mpf(value)
    return mpmath.mpf(float(value))


def evaluate(expr: sp.Expr, values: Mapping[sp.Symbol, float]) -> Number:
    """``expr`` at ``values`` (every free symbol must be given), in 30-digit mpmath arithmetic."""
    syms, fn = _compiled(sp.sympify(expr))
    missing = [str(x) for x in syms if x not in values]
    if missing:
        raise ValueError(f"no value for {', '.join(missing)} in {expr}")
    with mpmath.workdps(DIGITS):
        v = fn(*[_mp(values[x]) for x in syms])
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > mpmath.mpf(10) ** (-DIGITS + 5) * max(abs(v.real), 1):
                raise ValueError(f"{expr} is not real at the given values: {v}")
            v = v.real
        v = mpmath.mpf(v)
        if not mpmath.isfinite(v):
            raise ValueError(f"{expr} is not finite at the given values")
        log10 = float(mpmath.log10(v)) if v > 0 else None
        fv = float(v) if abs(v) < mpmath.mpf("1.7976931348623157e308") else math.copysign(math.inf, float(mpmath.sign(v)))
    return Number(fv, log10)


@lru_cache(maxsize=256)
def _exponent(expr: sp.Expr, subs_items: tuple) -> sp.Expr:
    e = sp.sympify(expr).subs(dict(subs_items))
    return sp.limit(S.n * sp.diff(sp.log(e), S.n), S.n, sp.oo)


def exponent_in_n(expr: sp.Expr, subs: Mapping[sp.Symbol, sp.Expr] | None = None) -> sp.Expr:
    """``lim_{n→∞} d log(expr) / d log(n)`` after ``subs`` (default: the §5.3 order analysis)."""
    subs = S.ORDER_ANALYSIS if subs is None else subs
    items = tuple(sorted(((k, sp.sympify(v)) for k, v in subs.items()), key=lambda kv: str(kv[0])))
    return _exponent(sp.sympify(expr), items)


def _restricted(expr: sp.Expr, values: Mapping[sp.Symbol, float]) -> sp.Expr:
    """``expr`` with every symbol but n replaced by its value (an error if one is missing)."""
    e = sp.sympify(expr)
    extra = {x for x in e.free_symbols - {S.n} if x not in values}
    if extra:
        raise ValueError(f"no value for {', '.join(sorted(str(x) for x in extra))} in {expr}")
    return e.subs(_sympify_values({k: v for k, v in values.items() if k != S.n and k in e.free_symbols}))


_WIDTH = sp.Symbol("D_1", positive=True)


@lru_cache(maxsize=256)
def _roots(expr: sp.Expr) -> tuple:
    """Roots of ``expr = D1`` in n, symbolically (cached: the registry's expressions repeat)."""
    return tuple(sp.solve(sp.Eq(expr, _WIDTH), S.n))


def solve_symbolic(expr: sp.Expr, width: float, values: Mapping[sp.Symbol, float]) -> SolveResult:
    """``sympy.solve(expr = D1, n)`` with every other symbol kept symbolic, then evaluated; largest positive real root."""
    extra = {x for x in sp.sympify(expr).free_symbols - {S.n} if x not in values}
    if extra:
        raise ValueError(f"no value for {', '.join(sorted(str(x) for x in extra))} in {expr}")
    try:
        roots = _roots(sp.sympify(expr))
    except (NotImplementedError, ValueError, TypeError) as exc:  # sympy gives up
        return SolveResult(None, "none", f"sympy solve failed: {type(exc).__name__}")
    vals = {**{k: v for k, v in values.items() if k != S.n}, _WIDTH: width}
    real = []
    for r in roots:
        if not r.free_symbols <= set(vals):
            continue
        try:
            rv = evaluate(r, vals)
        except ValueError:  # a complex or non-finite branch
            continue
        if rv.log10 is not None:
            real.append(rv.value)
    if not real:
        return SolveResult(None, "none", "sympy solve found no positive real root")
    return SolveResult(max(real), "sympy solve")


def solve_numeric(expr: sp.Expr, width: float, values: Mapping[sp.Symbol, float]) -> SolveResult:
    """Brent's method on ``g(u) = log expr(n = e^u) − log width``: the last up-crossing on a grid of U_BRACKET."""
    e = _restricted(expr, values)
    u = sp.Symbol("u", real=True)
    g_expr = sp.expand_log(sp.log(e.subs(S.n, sp.exp(u))), force=True) - sp.log(sp.Float(width, DIGITS))
    g_raw = sp.lambdify(u, g_expr, "math")

    def g(x: float) -> float:
        try:
            v = float(g_raw(x))
        except (ValueError, OverflowError, ZeroDivisionError, TypeError):
            return math.nan
        return v if math.isfinite(v) else math.nan

    lo, hi = U_BRACKET
    grid = [lo + k * (hi - lo) / U_STEPS for k in range(U_STEPS + 1)]
    vals = [g(x) for x in grid]
    bracket = None
    for k in range(U_STEPS):  # the last up-crossing: the largest n with width(n) <= D1
        if vals[k] < 0 < vals[k + 1]:
            bracket = (grid[k], grid[k + 1])
    if bracket is None:
        return SolveResult(None, "none", f"no sign change of log width - log D1 on n in [e^{lo:g}, e^{hi:g}]")
    root = optimize.brentq(g, *bracket, xtol=1e-15, rtol=1e-15, maxiter=500)
    return SolveResult(math.exp(root), "brentq (numeric fallback)")


def solve_for_n(expr: sp.Expr, width: float, values: Mapping[sp.Symbol, float]) -> SolveResult:
    """The n with ``expr(n) = width``: sympy solve, else the numeric fallback."""
    res = solve_symbolic(expr, width, values)
    if res.n is not None:
        return res
    num = solve_numeric(expr, width, values)
    if num.n is not None:
        return SolveResult(num.n, num.method, res.note)
    return SolveResult(None, "none", f"{res.note}; {num.note}")
