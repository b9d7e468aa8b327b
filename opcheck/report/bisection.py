"""Bisection on log d1 for the smallest width at which a criterion holds.

:func:`search` first doubles the width from ``start`` until the criterion holds
(or ``cap`` is passed), then bisects the last bracket ``(lo, hi]`` on a log scale
(``mid = round(√(lo·hi))``) until ``hi/lo ≤ 1 + rel_tol`` or the two are adjacent
integers.  Every evaluated width is larger than the largest failing width so far,
so a criterion object may keep cumulative state (nested widths: the features of a
narrower network are a prefix of a wider one's, :mod:`opcheck.report.concentration`).

The result is a bracket: the criterion fails at ``lo`` and holds at ``hi``.  For a
monotone criterion the threshold lies in ``(lo, hi]``; for a non-monotone one,
``hi`` is a width where it holds with a failing width just below (documented, not
hidden).  ``ended_by`` says how the search stopped: ``bracketed`` (converged),
``holds at start`` (``lo`` unknown), ``cap`` (never held up to ``cap``: no threshold)
or ``gave up`` (the caller's ``give_up(width)`` said, after a failing width of the
doubling phase, that wider ones cannot tell either — e.g. GD out of budget).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Callable


class Ending(str, Enum):
    BRACKETED = "bracketed"
    HOLDS_AT_START = "holds at start"
    CAP = "cap"
    GAVE_UP = "gave up"


@dataclass(frozen=True)
class Search:
    """Outcome of one bisection: the failing and the holding width, and the evaluations."""

    lo: int | None  # largest width where the criterion was seen to fail
    hi: int | None  # smallest width where it was seen to hold (None: never, up to cap)
    evaluations: tuple[tuple[int, bool], ...]
    ended_by: Ending

    @property
    def estimate(self) -> float | None:
        """Geometric midpoint of the bracket (``hi`` when it held at the start)."""
        if self.hi is None:
            return None
        return float(self.hi) if self.lo is None else math.sqrt(self.lo * self.hi)

    @property
    def log_halfwidth(self) -> float:
        """Half the bracket's width on a log scale (0 when it held at the start)."""
        if self.hi is None or self.lo is None:
            return 0.0
        return 0.5 * math.log(self.hi / self.lo)

    def as_dict(self) -> dict:
        return {"lo": self.lo, "hi": self.hi, "estimate": self.estimate, "ended_by": self.ended_by.value,
                "evaluations": [[w, ok] for w, ok in self.evaluations]}


def search(holds: Callable[[int], bool], start: int, cap: int, rel_tol: float = 0.05,
           give_up: Callable[[int], bool] | None = None) -> Search:
    """Smallest width in ``[start, cap]`` where ``holds`` is true (see module docstring)."""
    if start < 1 or cap < start:
        raise ValueError(f"need 1 <= start <= cap, got start = {start}, cap = {cap}")
    evals: list[tuple[int, bool]] = []

    def ev(w: int) -> bool:
        ok = bool(holds(w))
        evals.append((w, ok))
        return ok

    if ev(start):
        return Search(None, start, tuple(evals), Ending.HOLDS_AT_START)
    lo, hi = start, None
    while hi is None:
        nxt = min(2 * lo, cap)
        if nxt <= lo:
            return Search(lo, None, tuple(evals), Ending.CAP)
        if ev(nxt):
            hi = nxt
        else:
            lo = nxt
            if give_up is not None and give_up(nxt):
                return Search(lo, None, tuple(evals), Ending.GAVE_UP)
    while hi - lo > 1 and hi / lo > 1.0 + rel_tol:
        mid = int(round(math.sqrt(lo * hi)))
        mid = min(max(mid, lo + 1), hi - 1)
        if ev(mid):
            hi = mid
        else:
            lo = mid
    return Search(lo, hi, tuple(evals), Ending.BRACKETED)
