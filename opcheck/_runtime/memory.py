"""Estimate memory before allocating, and refuse with the number and a way out.

``available_bytes`` reads ``MemAvailable`` from /proc/meminfo (Linux) and falls
back to the physical memory reported by ``os.sysconf``; ``require`` raises an
:class:`~opcheck.errors.InputError` (exit 2) when an allocation would not fit,
instead of letting the OS kill the process.
"""
from __future__ import annotations

import os

from opcheck.errors import InputError

GB = 1024.0**3
#: fraction of the available memory opcheck allows itself to plan for
BUDGET_FRACTION = 0.8


def available_bytes() -> float:
    """Bytes the process may allocate now (MemAvailable), or physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - exotic platforms
        return 8 * GB


def budget_bytes() -> float:
    """The planning budget: ``BUDGET_FRACTION`` of what is available now."""
    override = os.environ.get("OPCHECK_MEMORY_BUDGET_GB")
    if override:
        return float(override) * GB
    return BUDGET_FRACTION * available_bytes()


def fits(nbytes: float) -> bool:
    """Whether ``nbytes`` fit in the planning budget."""
    return nbytes <= budget_bytes()


def require(nbytes: float, what: str, way_out: str) -> None:
    """Refuse (exit 2) if ``nbytes`` would not fit; the message says how much and what to do."""
    budget = budget_bytes()
    if nbytes > budget:
        raise InputError(
            f"{what} would need {nbytes / GB:.1f} GB but only {budget / GB:.1f} GB are available; {way_out}"
        )


def float64_bytes(*shapes: tuple[int, ...]) -> float:
    """Bytes of float64 arrays with the given shapes."""
    total = 0.0
    for shape in shapes:
        count = 1.0
        for s in shape:
            count *= float(s)
        total += 8.0 * count
    return total
