"""Run the chosen parts and gather them into one :class:`ReportResult` (results.json).

:func:`prepare` validates the options, plans the grids and builds the data
(one split per n of the legacy sweeps; one training set per n of every threshold
dataset) — every input error surfaces there; :func:`run_report` then runs the
parts in turn — thresholds (every dataset), width, sample size, init ratio (the
main dataset) — through one :class:`~opcheck.report.executor.Runner` (Dask, or
serially).  Nothing here prints; progress goes to the optional :class:`Progress`
callbacks and the wall-clock time of each part into ``timings``.
"""
from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, replace
from typing import Sequence

from opcheck.checks.records import jsonable
from opcheck.data.loaders import RawSamples
from opcheck.data.splits import Builder, SplitData, make_split
from opcheck.report import findings as _findings
from opcheck.report.bounds import theorem_bounds
from opcheck.report.config import Plan, ReportConfig, gd_ns, make_plan, threshold_ns, validate
from opcheck.report.executor import Runner, Status, Task
from opcheck.report.init_ratio import InitRatioSweep, he_product, ratio_omegas
from opcheck.report.points import PointSpec, Settings, run_point
from opcheck.report.provenance import Provenance, array_sha256
from opcheck.report.sweeps import SampleSweep, WidthScan, sample_sweep, width_scan
from opcheck.report.threshold_sweep import GD_CAP, ThresholdData, ThresholdSweep, collect, threshold_data
from opcheck.report.work_plan import require_feasible
from opcheck.report.threshold_sweep import tasks as threshold_tasks

SCHEMA_VERSION = 2
PARTS = {"thresholds": "thresholds", "width": "width sweep", "samples": "sample-size sweep", "init-ratio": "init-ratio sweep"}
LEGACY = ("width", "samples", "init-ratio")


class Progress:
    """Callbacks for a progress display; the default does nothing."""

    def start(self, part: str, total: int) -> None: ...

    def status(self, part: str, status: Status) -> None: ...

    def running_on(self, execution: dict) -> None: ...

    def finish(self, part: str, seconds: float) -> None: ...


@dataclass(frozen=True)
class ReportResult:
    config: ReportConfig
    plan: Plan
    data: dict
    thresholds: ThresholdSweep | None
    width: WidthScan | None
    samples: SampleSweep | None
    init_ratio: InitRatioSweep | None
    findings: tuple[str, ...]
    summary: tuple[dict, ...]
    timings: dict
    provenance: Provenance | None = None
    plots: tuple[dict, ...] = ()

    def as_dict(self) -> dict:
        return jsonable({
            "schema_version": SCHEMA_VERSION,
            "kind": "opcheck-report",
            "config": self.config.as_dict(),
            "plan": self.plan.as_dict(),
            "data": self.data,
            "datasets": list(self.thresholds.datasets) if self.thresholds else [],
            "summary": list(self.summary),
            "thresholds": [r.as_dict() for r in self.thresholds.records] if self.thresholds else [],
            "exponents": [e.as_dict() for e in self.thresholds.exponents] if self.thresholds else [],
            "threshold_settings": self.thresholds.settings if self.thresholds else None,
            "sweeps": {
                "width": self.width.as_dict() if self.width else None,
                "samples": self.samples.as_dict() if self.samples else None,
                "init_ratio": self.init_ratio.as_dict() if self.init_ratio else None,
            },
            "findings": list(self.findings),
            "plots": list(self.plots),
            "provenance": self.provenance.as_dict() if self.provenance else None,
            "timings": self.timings,
        })


def settings_for(config: ReportConfig) -> Settings:
    return Settings(config.activation, config.init, config.seed, config.constant, config.kappa_max, config.steps, config.tol, config.lr)


@dataclass(frozen=True)
class DatasetInput:
    """A dataset of the thresholds part: a key for the report, its samples and how to prepare them."""

    key: str
    raw: RawSamples
    build: Builder


@dataclass(frozen=True)
class Prepared:
    """The grids and the data, ready to sweep (every input error is raised by now)."""

    config: ReportConfig
    plan: Plan
    splits: dict
    threshold_data: tuple[ThresholdData, ...]
    data: dict
    started_utc: str
    seconds: float


def prepare(raw: RawSamples, build: Builder, config: ReportConfig, key: str = "data", more: Sequence[DatasetInput] = ()) -> Prepared:
    """Validate, plan the grids and build the data as ``opcheck verify`` loads it.

    ``raw``/``build`` is the main dataset (the legacy sweeps run on it); the thresholds
    run on it and on every dataset of ``more``.
    """
    validate(config)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    t = time.perf_counter()
    legacy = tuple(s for s in config.sweeps if s in LEGACY)
    plan = make_plan(config, raw.X.shape[0], legacy or ("width",))
    ns = {plan.n}
    if "samples" in config.sweeps:
        ns |= set(plan.sample_ns)
    main = make_split(raw, plan.n, config.test_fraction, config.seed, build)  # first: its d2 is the run's
    gd_top = gd_ns(config, threshold_ns(config, raw.X.shape[0])) if "thresholds" in config.sweeps else ()
    gd_runs = [(main.train.d2, (max(gd_top), GD_CAP * max(gd_top)))] if gd_top else []
    require_feasible(config, plan, main.train.d0, main.train.d2, gd_runs)  # before the other data and any work: exit 2
    splits: dict[int, SplitData] = {n: main if n == plan.n else make_split(raw, n, config.test_fraction, config.seed, build) for n in sorted(ns)}
    tdata: tuple[ThresholdData, ...] = ()
    if "thresholds" in config.sweeps:
        tdata = tuple(threshold_data(d.key, d.raw, d.build, config) for d in (DatasetInput(key, raw, build), *more))
    data = {
        **{k: v for k, v in main.train.summary().items() if k not in ("n", "subset_of")},
        "key": key,
        "available_samples": raw.X.shape[0],
        "n_width_sweep": plan.n,
        "test_fraction": config.test_fraction,
        "n_test": main.n_test,
        "classification": main.classification,
        "test_metric": ("misclassification rate" if main.classification else "relative squared error") if main.n_test else None,
        "raw_sha256": array_sha256(raw.X, raw.y),
        "prepared_sha256": array_sha256(main.train.X, main.train.Y, main.test_X, main.test_Y),
        "hash_note": "sha256 of dtype, shape and bytes: raw = the samples and labels as loaded; prepared = X, Y of the width sweep's training and test sets",
    }
    return Prepared(config, plan, splits, tdata, jsonable(data), started, time.perf_counter() - t)


def _point_task(spec: PointSpec, data: SplitData, settings: Settings) -> Task:
    # cost ~ n (d1 + 2 n): GD steps scale with d1 n, the spectra at Theta0 add about 2 n^2 (measured at n = 200)
    return Task(spec.key, run_point, (spec, data, settings), cost=spec.n * (spec.d1 + 2 * spec.n))


def run_report(prep: Prepared, scheduler: str | None = None, jobs: int | None = None, progress: Progress | None = None) -> ReportResult:
    """All chosen parts on the prepared data (see :func:`prepare`); ``scheduler``/``jobs`` as :class:`Runner`."""
    config, plan, splits = prep.config, prep.plan, prep.splits
    prog = progress or Progress()
    parts: dict[str, float] = {"data": prep.seconds}
    busy: dict[str, float] = {}
    main = splits[plan.n]
    d0 = main.train.d0
    settings = settings_for(config)

    thresholds = width = samples = ratio = None
    t_start = time.perf_counter()
    with Runner(scheduler, jobs) as runner:
        parts["start workers"] = time.perf_counter() - t_start
        execution = {"mode": runner.mode, "workers": runner.workers, "scheduler": scheduler, "dashboard": runner.dashboard}
        prog.running_on(execution)
        def go(part: str, tasks: list[Task]) -> list:
            prog.start(part, len(tasks))
            t0, b0 = time.perf_counter(), runner.busy
            res = runner.run(tasks, on_status=lambda st: prog.status(part, st))
            parts[PARTS[part]] = time.perf_counter() - t0
            busy[PARTS[part]] = runner.busy - b0
            prog.finish(part, parts[PARTS[part]])
            return res

        if "thresholds" in config.sweeps:
            tt = threshold_tasks(list(prep.threshold_data), config)
            res = go("thresholds", tt)
            thresholds = collect(list(prep.threshold_data), config, {t.key: r for t, r in zip(tt, res)})
        if "width" in config.sweeps:
            res = go("width", [_point_task(PointSpec(plan.n, d1), main, settings) for d1 in plan.widths])
            width = width_scan(res, d0, config.constant, config.tol, config.steps)
        if "samples" in config.sweeps:
            res = go("samples", [_point_task(PointSpec(n, d1), splits[n], settings) for n in plan.sample_ns for d1 in plan.sample_widths(n)])
            scans = [width_scan([r for r in res if r.spec.n == n], d0, config.constant, config.tol, config.steps) for n in plan.sample_ns]
            samples = sample_sweep(scans, d0, theorem_bounds(plan.sample_ns, d0))
        if "init-ratio" in config.sweeps:
            d1 = plan.ratio_width
            prod = he_product(d0, d1)
            seeds = tuple(config.seed + k for k in range(config.seeds))
            specs = [PointSpec(plan.n, d1, *ratio_omegas(r, prod), train=True, lazy=True, seed=sd) for r in plan.ratios for sd in seeds]
            res = go("init-ratio", [_point_task(sp, main, settings) for sp in specs])
            ratio = InitRatioSweep(plan.n, d0, d1, prod, (d0 / d1) ** 0.5, plan.ratios, seeds, tuple(res))

    timings = {"started_utc": prep.started_utc, "jobs": jobs, "execution": execution, "parts_seconds": parts, "worker_seconds": busy}
    result = ReportResult(config, plan, prep.data, thresholds, width, samples, ratio, (), (), timings)
    return replace(result, findings=tuple(_findings.findings(result)), summary=tuple(_findings.summary(result)))
