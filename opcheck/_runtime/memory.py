"""Estimate memory before allocating, and refuse with the number and a way out.

:func:`available_bytes` is the least of what the machine and the process's limits allow:

* ``MemAvailable`` from /proc/meminfo (else the physical memory from ``os.sysconf``);
* the address-space limit ``RLIMIT_AS`` (``ulimit -v``) minus the address space in use
  (``VmSize``): numpy's allocations count against it even before they are touched;
* the cgroup limit: v2 ``memory.max − memory.current`` of the process's cgroup, or
  v1 ``memory.limit_in_bytes − memory.usage_in_bytes``.

:func:`require` raises an :class:`~opcheck.errors.InputError` (exit 2) when an
allocation would not fit, instead of letting the OS (or ``ulimit``) kill the run
halfway.  ``OPCHECK_MEMORY_BUDGET_GB`` overrides the budget (a positive number).
"""
from __future__ import annotations

import math
import os

from opcheck._runtime import validation
from opcheck.errors import InputError

GB = 1024.0**3
#: fraction of the available memory opcheck allows itself to plan for
BUDGET_FRACTION = 0.8
ENV_BUDGET = "OPCHECK_MEMORY_BUDGET_GB"
#: limits at or above this are "unlimited" (cgroup v1 reports ~2^63 for no limit)
_NO_LIMIT = float(2**60)


def _meminfo_bytes(meminfo: str = "/proc/meminfo") -> float:
    try:
        with open(meminfo, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - exotic platforms
        return 8 * GB


def _address_space_bytes(status: str = "/proc/self/status") -> float:
    """``RLIMIT_AS`` minus the address space in use; inf when unlimited."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):  # pragma: no cover - non-POSIX
        return math.inf
    if soft == resource.RLIM_INFINITY or soft < 0 or soft >= _NO_LIMIT:
        return math.inf
    used = 0.0
    try:
        with open(status, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    used = float(line.split()[1]) * 1024.0
                    break
    except OSError:
        pass
    return max(float(soft) - used, 0.0)


def _read_number(path: str) -> float | None:
    try:
        with open(path, encoding="ascii") as fh:
            text = fh.read().strip()
    except OSError:
        return None
    if text == "max":
        return math.inf
    try:
        return float(text)
    except ValueError:
        return None


def _cgroup_bytes(proc_cgroup: str = "/proc/self/cgroup", root: str = "/sys/fs/cgroup") -> float:
    """What the process's cgroup still allows (v2, else v1); inf when unlimited or unknown."""
    try:
        with open(proc_cgroup, encoding="ascii") as fh:
            lines = fh.read().splitlines()
    except OSError:
        lines = []
    for line in lines:  # v2: "0::/path"
        if line.startswith("0::"):
            rel = line[3:].lstrip("/")
            for folder in (os.path.join(root, rel), root):
                limit = _read_number(os.path.join(folder, "memory.max"))
                if limit is not None:
                    used = _read_number(os.path.join(folder, "memory.current")) or 0.0
                    return math.inf if limit >= _NO_LIMIT else max(limit - used, 0.0)
    for line in lines:  # v1: "N:memory:/path"
        parts = line.split(":", 2)
        if len(parts) == 3 and "memory" in parts[1].split(","):
            rel = parts[2].lstrip("/")
            for folder in (os.path.join(root, "memory", rel), os.path.join(root, "memory")):
                limit = _read_number(os.path.join(folder, "memory.limit_in_bytes"))
                if limit is not None:
                    used = _read_number(os.path.join(folder, "memory.usage_in_bytes")) or 0.0
                    return math.inf if limit >= _NO_LIMIT else max(limit - used, 0.0)
    return math.inf


def available_bytes() -> float:
    """Bytes the process may allocate now: the least of MemAvailable, RLIMIT_AS headroom, cgroup headroom."""
    return min(_meminfo_bytes(), _address_space_bytes(), _cgroup_bytes())


def budget_bytes() -> float:
    """The planning budget: ``BUDGET_FRACTION`` of what is available now, or ``OPCHECK_MEMORY_BUDGET_GB``."""
    override = validation.positive_env(ENV_BUDGET, "gigabytes")
    return override * GB if override is not None else BUDGET_FRACTION * available_bytes()


def fits(nbytes: float) -> bool:
    """Whether ``nbytes`` fit in the planning budget."""
    return nbytes <= budget_bytes()


def require(nbytes: float, what: str, way_out: str) -> None:
    """Refuse (exit 2) if ``nbytes`` would not fit; the message says how much and what to do."""
    budget = budget_bytes()
    if not nbytes <= budget:
        raise InputError(
            f"{what} would need {_gb(nbytes)} but only {_gb(budget)} are available; {way_out}"
        )


def _gb(nbytes: float) -> str:
    value = nbytes / GB
    return f"{value:.1f} GB" if value < 1e6 else f"{value:.2e} GB"


def float64_bytes(*shapes: tuple[int, ...]) -> float:
    """Bytes of float64 arrays with the given shapes."""
    total = 0.0
    for shape in shapes:
        count = 1.0
        for s in shape:
            count *= float(s)
        total += 8.0 * count
    return total
