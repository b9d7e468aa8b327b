"""What ``opcheck report`` was asked to do, and the sweep grids that follow from it.

:class:`ReportConfig` holds the user's choices (every field is a command-line
option); :func:`make_plan` turns them into the concrete grids of the three
sweeps (:class:`Plan`).  The grids are geometric:

* width sweep at fixed n: ``d1 = n · 2^k`` from n/4 to 16 n (``--quick``: n/4 to
  8 n), which brackets d1 = n (where μ_Φ = σ_min(φ(W0X)) becomes structurally
  non-zero) and the headline (21) ``n^{3/2}/d0`` whenever that lies in reach;
* sample sweep at fixed d0: ``n_j = n · 1.6^j``, j = −3..1 (``--quick``: −2..0),
  each with widths ``d1 = n_j · 2^k``, k = −1..3 (``--quick``: 0..2);
* initialization ratio at the He product ``ω1 ω2 = 2/√(d0 d1)`` (theory.md §7), ``--seeds`` seeds each:
  ``ω2/ω1 = 10^{-2..2}`` in decades, at d1 = 2 n.

Sizes were chosen for a default run within five minutes on 2 cores and ``--quick`` within
one minute (targets; benchmarks/bench_report.py prints both per part).  Measured 2026-11-29
with two Dask workers on 2 cores, other load about 2: default 113 s wall, 214 CPU seconds;
``--quick`` 20 s wall, 35 CPU seconds (at load 4–7: 358 s and 44 s).
"""
from __future__ import annotations

import math

import numpy as np
from dataclasses import dataclass

from opcheck.data.splits import largest_train_n, pool_size
from opcheck._runtime import validation
from opcheck.checks.gradient_descent import plan_trace
from opcheck.errors import InputError

SWEEPS = ("thresholds", "width", "samples", "init-ratio")
DEFAULT_N = 200
QUICK_N = 100
DEFAULT_STEPS = 300
QUICK_STEPS = 100
DEFAULT_TOL = 1e-2
SAMPLE_RATIO = 1.6
MIN_N = 4
DEFAULT_SEEDS = 3
DEFAULT_GD_BUDGET = 1000
#: threshold grids: the largest n (capped by the data) and the points per grid
THRESHOLD_N_MAX = 1600
QUICK_THRESHOLD_N_MAX = 800
THRESHOLD_POINTS = 9
QUICK_THRESHOLD_POINTS = 5
#: the grid spans a factor 20 (digits: 80..1600; sphere: 50..1000); GD thresholds stop at GD_N_MAX
THRESHOLD_SPAN = 20.0
QUICK_THRESHOLD_SPAN = 16.0
GD_N_MAX = 400
QUICK_GD_N_MAX = 200
MIN_THRESHOLD_N = 8


@dataclass(frozen=True)
class ReportConfig:
    """The options of ``opcheck report`` (see ``opcheck report --help``)."""

    activation: str = "gelu"
    init: str = "lecun"
    seed: int = 0
    constant: float = 1.0
    kappa_max: float = 2.0
    steps: int = DEFAULT_STEPS
    tol: float = DEFAULT_TOL
    lr: float | None = None
    test_fraction: float = 0.2
    sweeps: tuple[str, ...] = SWEEPS
    quick: bool = False
    n: int | None = None  # the fixed n of the width and init-ratio sweeps
    seeds: int = DEFAULT_SEEDS  # init replicates per threshold and per init-ratio point
    gd_budget: int = DEFAULT_GD_BUDGET  # GD steps per evaluation of the GD threshold
    n_max: int | None = None  # the largest n of the threshold grids (default 1600; --quick 800; capped by the data)

    def as_dict(self) -> dict:
        return {
            "activation": self.activation,
            "init": self.init,
            "seed": self.seed,
            "constant": self.constant,
            "kappa_max": self.kappa_max,
            "steps": self.steps,
            "tol": self.tol,
            "lr": self.lr,
            "test_fraction": self.test_fraction,
            "sweeps": list(self.sweeps),
            "quick": self.quick,
            "n": self.n,
            "seeds": self.seeds,
            "gd_budget": self.gd_budget,
            "n_max": self.n_max,
        }


def parse_sweeps(text: str | None) -> tuple[str, ...]:
    """``--sweeps``: a comma list of sweeps to run, or of ``no-NAME`` to skip (``all`` = every one).

    >>> parse_sweeps("width,init-ratio")
    ('width', 'init-ratio')
    >>> parse_sweeps("no-samples")
    ('thresholds', 'width', 'init-ratio')
    """
    if text is None or text.strip().lower() in ("", "all"):
        return SWEEPS
    names = [t.strip().lower() for t in text.split(",") if t.strip()]
    aliases = {"threshold": "thresholds", "sample": "samples", "sample-size": "samples", "init": "init-ratio", "ratio": "init-ratio", "widths": "width"}
    chosen, skipped = [], []
    for raw in names:
        skip = raw.startswith("no-")
        name = aliases.get(raw[3:] if skip else raw, raw[3:] if skip else raw)
        if name not in SWEEPS:
            raise InputError(f"unknown sweep '{raw}' in --sweeps; choose from {', '.join(SWEEPS)} (or no-NAME to skip one)")
        (skipped if skip else chosen).append(name)
    if chosen and skipped:
        raise InputError("--sweeps: either name the sweeps to run or the ones to skip (no-NAME), not both")
    out = tuple(s for s in SWEEPS if (s in chosen if chosen else s not in skipped))
    if not out:
        raise InputError("--sweeps skips every sweep; nothing to report")
    return out


def validate(config: ReportConfig) -> None:
    """Every bad option value becomes one InputError line."""
    validation.magnitude(config.constant, "--constant", *validation.CONSTANT_RANGE, " (the universal constant of the O(.) bounds)")
    validation.positive_finite(config.kappa_max, "--kappa-max")
    validation.positive_int(config.steps, "--steps")
    plan_trace(config.steps)
    if config.tol is None:
        raise InputError("--tol must be given for a report (GD 'converged' once h < tol)")
    validation.positive_finite(config.tol, "--tol")
    validation.positive_finite(config.lr, "--lr")
    validation.fraction(config.test_fraction, "--test-fraction", 0.0, 0.9)
    validation.int_at_least(config.n, MIN_N, "--n")
    validation.positive_int(config.seeds, "--seeds")
    validation.positive_int(config.gd_budget, "--gd-budget")
    validation.int_at_least(config.n_max, MIN_THRESHOLD_N, "--n-max")


def threshold_ns(config: ReportConfig, available: int) -> tuple[int, ...]:
    """The n grid of the thresholds: geometric, ``THRESHOLD_POINTS`` values up to ``n_max`` (capped by the data)."""
    top = config.n_max or (QUICK_THRESHOLD_N_MAX if config.quick else THRESHOLD_N_MAX)
    top = min(top, available)
    span = QUICK_THRESHOLD_SPAN if config.quick else THRESHOLD_SPAN
    k = QUICK_THRESHOLD_POINTS if config.quick else THRESHOLD_POINTS
    lo = max(MIN_THRESHOLD_N, top / span)
    if top < MIN_THRESHOLD_N:
        raise InputError(f"the data have {available} samples; thresholds need at least {MIN_THRESHOLD_N}")
    return tuple(sorted({int(round(v)) for v in np.geomspace(lo, top, k)}))


def gd_ns(config: ReportConfig, ns: tuple[int, ...]) -> tuple[int, ...]:
    """The n values at which the GD threshold runs (each point is k GD runs per seed)."""
    cap = QUICK_GD_N_MAX if config.quick else GD_N_MAX
    return tuple(n for n in ns if n <= cap)


@dataclass(frozen=True)
class Plan:
    """The concrete grids of the three sweeps."""

    n: int  # fixed n of the width and init-ratio sweeps (training samples)
    widths: tuple[int, ...]
    sample_ns: tuple[int, ...]
    sample_width_factors: tuple[float, ...]
    ratios: tuple[float, ...]
    ratio_width: int
    n_note: str

    def sample_widths(self, n: int) -> tuple[int, ...]:
        return tuple(sorted({max(1, int(round(n * f))) for f in self.sample_width_factors}))

    def as_dict(self) -> dict:
        return {
            "n": self.n,
            "widths": list(self.widths),
            "sample_ns": list(self.sample_ns),
            "sample_width_factors": list(self.sample_width_factors),
            "ratios": list(self.ratios),
            "ratio_width": self.ratio_width,
            "n_note": self.n_note,
        }


def make_plan(config: ReportConfig, available: int, sweeps: tuple[str, ...] | None = None) -> Plan:
    """Grids for ``available`` samples; refuses sizes the data cannot supply."""
    sweeps = config.sweeps if sweeps is None else sweeps
    f = config.test_fraction
    top = SAMPLE_RATIO if ("samples" in sweeps and not config.quick) else 1.0
    if not set(sweeps) & {"width", "samples", "init-ratio"}:
        top = 1.0  # the sample sweep reaches 1.6 n
    cap = largest_train_n(available, f)
    if config.n is not None:
        n = config.n
        need = pool_size(int(math.ceil(n * top)), f)
        if need > available:
            raise InputError(
                f"--n {n} needs {need} samples (the sample sweep reaches {int(math.ceil(n * top))} training samples"
                + (f", plus a held-out {f:g}" if f else "") + f"); the data have {available}: use a smaller --n"
                + (" or --sweeps no-samples" if top > 1 else "")
            )
        note = "--n"
    else:
        n = QUICK_N if config.quick else DEFAULT_N
        fit = int(math.floor(cap / top))
        note = "default"
        if fit < n:
            n, note = fit, f"default lowered to fit the {available} samples available"
    if n < MIN_N:
        raise InputError(f"the data have {available} samples; opcheck report needs at least {pool_size(int(math.ceil(MIN_N * top)), f)} with these options")
    ks = range(-2, 4) if config.quick else range(-2, 5)
    widths = tuple(sorted({max(1, int(round(n * 2.0**k))) for k in ks}))
    js = range(-2, 1) if config.quick else range(-3, 2)
    ns = tuple(sorted({max(MIN_N, int(round(n * SAMPLE_RATIO**j))) for j in js}))
    factors = (1.0, 2.0, 4.0) if config.quick else (0.5, 1.0, 2.0, 4.0, 8.0)
    exps = (-2, -1, 0, 1, 2)  # decades: each ratio runs --seeds times
    ratios = tuple(10.0**e for e in exps)
    return Plan(n, widths, ns, factors, ratios, 2 * n, note)
