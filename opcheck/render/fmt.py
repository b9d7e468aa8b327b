"""Number formatting shared by the renderers."""
from __future__ import annotations

import math
from typing import Any


def num(x: Any, digits: int = 4) -> str:
    """A compact, honest string for a number: 4 significant digits, inf/NaN spelled out."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return width(x)
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "∞" if f > 0 else "-∞"
    if f == 0 or abs(f) < 1e-300:
        return "0"
    if 1e-3 <= abs(f) < 1e5:
        return f"{f:.{digits}g}"
    return f"{f:.{digits - 1}e}"


def endpoint(x: Any) -> str:
    """One end of an interval: an integer below 1e9 in plain digits (no thousands separator, which
    would read as the comma between the ends), anything else as :func:`num`."""
    if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and float(x).is_integer() and abs(x) < 1e9:
        return str(int(x))
    return num(x)


def interval(lo: Any, hi: Any, left: str = "[", right: str = "]") -> str:
    """An interval ``(1600, 1903]`` that cannot be misread: ends by :func:`endpoint`, ``inf`` spelled out."""
    return f"{left}{endpoint(lo).replace('∞', 'inf')}, {endpoint(hi).replace('∞', 'inf')}{right}"


def width(w: int | float | None) -> str:
    """A hidden width d1 or a count (an integer): the one rule of the verdict's sentences
    (:func:`opcheck.checks.conditions.width_text`), so a width reads the same in every table and sentence."""
    from opcheck.checks.conditions import width_text

    return width_text(w)


def standing(c: dict) -> str:
    """`` (not applicable: (9) fails)`` for a condition row whose standing is stated (typed
    :class:`opcheck.checks.records.Standing` in the computation), else ``""``."""
    return f" ({c['standing']})" if c.get("standing") else ""


def mark(holds: bool | None) -> str:
    """✓ / ✗ / – (informational)."""
    return "[green]✓[/]" if holds else ("[dim]–[/]" if holds is None else "[bold red]✗[/]")
