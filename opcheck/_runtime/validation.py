"""One set of validators for every user-given number, with one message per rule.

Every command (``verify``, ``bound``, ``report``) and the Python API check their
numeric options through these functions, so the same value is accepted or refused
everywhere, with the same words.  Each validator raises
:class:`opcheck.errors.InputError` (exit status 2 on the command line) and returns
the value converted to its type.  ``None`` means "not given" and passes through
unchanged: defaults are the caller's business.

The rules
---------
========================  ============================================  ==========================
validator                 accepts                                       e.g.
========================  ============================================  ==========================
:func:`positive_finite`   a finite real > 0                             ``--constant``, ``--lr``, ``--tol``
:func:`non_negative`      a finite real >= 0                            ``--omega`` products
:func:`positive_int`      an integer >= 1                               ``--n``, ``--width``, ``--jobs``
:func:`non_negative_int`  an integer >= 0                               ``--seed``, ``--sigma-points``
:func:`int_at_least`      an integer >= a given minimum                 ``--t`` (>= 1), report ``--n`` (>= 4)
:func:`fraction`          a finite real in [low, high) (or [low, high])  ``--test-fraction``
:func:`magnitude`         a finite real in [low, high], low > 0          ``--omega1`` (:data:`SCALE_RANGE`), ``--constant``
:func:`choice`            one of a fixed set of names (case-insensitive)  ``--train-layers``
========================  ============================================  ==========================

``--tol`` is a stopping threshold on the loss ``h >= 0``: ``h < 0`` never happens,
so ``--tol 0`` would silently mean "never stop"; it is refused everywhere (give no
``--tol`` to run every step).

Examples
--------
>>> positive_finite(0.5, "--lr")
0.5
>>> positive_finite(0, "--tol")
Traceback (most recent call last):
...
opcheck.errors.InputError: --tol must be a positive finite number, got 0
>>> choice("Both", ("both", "first", "second"), "--train-layers")
'both'
>>> choice("frist", ("both", "first", "second"), "--train-layers")
Traceback (most recent call last):
...
opcheck.errors.InputError: unknown train-layers 'frist' (--train-layers); choose one of: both, first, second (did you mean 'first'?)
"""
from __future__ import annotations

import difflib
import math
import numbers
from typing import Any, Callable, Iterable, TypeVar

from opcheck.errors import InputError

__all__ = [
    "CONSTANT_RANGE",
    "SCALE_RANGE",
    "choice",
    "fraction",
    "magnitude",
    "int_at_least",
    "non_negative",
    "non_negative_int",
    "positive_finite",
    "positive_env",
    "positive_int",
    "suggest",
    "unknown_choice",
]

T = TypeVar("T")


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, float) and value.is_integer()


def _real(value: Any) -> bool:
    return _is_real(value) and math.isfinite(value)


def _checked(value: Any, ok: bool, name: str, must: str, cast: Callable[[Any], T]) -> T:
    """``cast(value)`` when ``ok``, else InputError ``"{name} must {must}, got {value}"``."""
    if not ok:
        raise InputError(f"{name} must {must}, got {value}")
    return cast(value)


def positive_finite(value: float | None, name: str) -> float | None:
    """A finite real number > 0: ``"{name} must be a positive finite number, got {value}"``."""
    return None if value is None else _checked(value, _real(value) and value > 0, name, "be a positive finite number", float)


def non_negative(value: float | None, name: str) -> float | None:
    """A finite real number >= 0: ``"{name} must be a non-negative finite number, got {value}"``."""
    return None if value is None else _checked(value, _real(value) and value >= 0, name, "be a non-negative finite number", float)


def positive_int(value: int | None, name: str) -> int | None:
    """An integer >= 1: ``"{name} must be a positive integer, got {value}"``."""
    return None if value is None else _checked(value, _is_int(value) and value >= 1, name, "be a positive integer", int)


def non_negative_int(value: int | None, name: str) -> int | None:
    """An integer >= 0: ``"{name} must be a non-negative integer, got {value}"``."""
    return None if value is None else _checked(value, _is_int(value) and value >= 0, name, "be a non-negative integer", int)


def int_at_least(value: int | None, minimum: int, name: str, why: str = "") -> int | None:
    """An integer >= ``minimum``: ``"{name} must be at least {minimum}{why}, got {value}"``.

    ``why`` is an optional parenthesis such as ``" (the Khatri-Rao power of (20))"``.
    """
    return None if value is None else _checked(value, _is_int(value) and value >= minimum, name, f"be at least {minimum}{why}", int)


def fraction(value: float | None, name: str, low: float = 0.0, high: float = 1.0, *, include_high: bool = False) -> float | None:
    """A finite real in ``[low, high)`` (or ``[low, high]``): ``"{name} must be in [low, high), got {value}"``."""
    if value is None:
        return None
    inside = _real(value) and low <= value and (value <= high if include_high else value < high)
    return _checked(value, inside, name, f"be in [{low:g}, {high:g}{']' if include_high else ')'}", float)


#: initial weight scales (``--omega1``, ``--omega2``, the RMS of ``--init-params``): beyond
#: this range the Gram eigenvalues and Lemma 3's μ⁶ leave float64 (the theorem's (19)
#: wants ω1 ω2 √(d0 d1) ≤ 2 anyway)
SCALE_RANGE = (1e-12, 1e12)
#: the universal constant C of the O(.) bounds: any value beyond this range means nothing
#: about an O(1) constant and drives the widths C·n^{3/2}/d0 out of float64
CONSTANT_RANGE = (1e-50, 1e12)


def magnitude(value: float | None, name: str, low: float, high: float, why: str = "") -> float | None:
    """A finite real in ``[low, high]`` (``low > 0``): first :func:`positive_finite`'s rule and
    message, then ``"{name} must be in [low, high]{why}, got {value}"``."""
    if positive_finite(value, name) is None:
        return None
    if not low <= value <= high:
        raise InputError(f"{name} must be in [{low:g}, {high:g}]{why}, got {value}")
    return float(value)


def positive_env(name: str, unit: str) -> float | None:
    """Environment variable ``name`` as a positive finite number, or None when unset or empty.

    Anything else is an :class:`InputError`: ``"{name} must be a positive number of {unit}, got '...'"``.
    """
    import os

    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{name} must be a positive number of {unit}, got '{raw.strip()}'")
    return value


def suggest(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or ``""`` when none is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_choice(value: Any, options: Iterable[str], name: str, hint: str = "") -> str:
    """The one message for a name that is not among ``options``.

    ``"unknown {noun} '{value}' ({name}); choose one of: a, b, c{hint} (did you mean 'b'?)"``,
    where ``noun`` is ``name`` without its dashes (an option ``--train-layers``) or
    ``name`` itself (a noun such as ``activation``, then without the parenthesis).
    """
    opts = list(options)
    noun = name.lstrip("-")
    where = f" ({name})" if noun != name else ""
    return f"unknown {noun} '{value}'{where}; choose one of: {', '.join(opts)}{hint}{suggest(str(value).strip().lower(), opts)}"


def choice(value: str | None, options: Iterable[str], name: str, hint: str = "") -> str | None:
    """One of ``options`` (case- and space-insensitive), returned in its canonical spelling.

    Otherwise :class:`InputError` with :func:`unknown_choice`'s message.
    """
    if value is None:
        return None
    opts = list(options)
    word = str(getattr(value, "value", value)).strip().lower()
    for opt in opts:
        if word == opt.lower():
            return opt
    raise InputError(unknown_choice(value, opts, name, hint))
