"""Run the chosen sweeps and gather them into one :class:`ReportResult` (results.json).

:func:`prepare` validates the options, plans the grids and builds the data
splits (one per n) — every input error surfaces there; :func:`run_report` then
runs each sweep in turn (width, sample size, init ratio) through one
:class:`~opcheck.report.executor.Runner` (points shared between sweeps run once).  Nothing here prints; progress goes to
the optional :class:`Progress` callbacks and the wall-clock time of each part
into ``timings``.
"""
from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass

from opcheck.data.loaders import RawSamples
from opcheck.report import findings as _findings
from opcheck.report.bounds import theorem_bounds
from opcheck.report.config import Plan, ReportConfig, make_plan, validate
from opcheck.data.splits import Builder, SplitData, make_split
from opcheck.report.executor import Runner
from opcheck.report.points import PointSpec, Settings
from opcheck.report.provenance import Provenance, array_sha256
from opcheck.report.sweeps import (
    InitRatioSweep,
    SampleSweep,
    WidthScan,
    he_product,
    ratio_omegas,
    sample_sweep,
    width_scan,
)
from opcheck.checks.records import jsonable

SCHEMA_VERSION = 1
PARTS = {"width": "width sweep", "samples": "sample-size sweep", "init-ratio": "init-ratio sweep"}


class Progress:
    """Callbacks for a progress display; the default does nothing."""

    def start(self, part: str, total: int) -> None: ...

    def advance(self, part: str, detail: str) -> None: ...

    def finish(self, part: str, seconds: float) -> None: ...


@dataclass(frozen=True)
class ReportResult:
    config: ReportConfig
    plan: Plan
    data: dict
    width: WidthScan | None
    samples: SampleSweep | None
    init_ratio: InitRatioSweep | None
    findings: tuple[str, ...]
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
class Prepared:
    """The grids and the data splits, ready to sweep (every input error is raised by now)."""

    config: ReportConfig
    plan: Plan
    splits: dict
    data: dict
    started_utc: str
    seconds: float


def prepare(raw: RawSamples, build: Builder, config: ReportConfig) -> Prepared:
    """Validate, plan the grids and build one train/test split per n (as ``opcheck verify`` loads data)."""
    validate(config)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    t = time.perf_counter()
    plan = make_plan(config, raw.X.shape[0])
    ns = {plan.n}
    if "samples" in config.sweeps:
        ns |= set(plan.sample_ns)
    splits: dict[int, SplitData] = {n: make_split(raw, n, config.test_fraction, config.seed, build) for n in sorted(ns)}
    main = splits[plan.n]
    data = {
        **{k: v for k, v in main.train.summary().items() if k not in ("n", "subset_of")},
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
    return Prepared(config, plan, splits, jsonable(data), started, time.perf_counter() - t)


def run_report(prep: Prepared, jobs: int = 1, progress: Progress | None = None) -> ReportResult:
    """All chosen sweeps on the prepared data (see :func:`prepare`)."""
    config, plan, splits = prep.config, prep.plan, prep.splits
    prog = progress or Progress()
    parts: dict[str, float] = {"data": prep.seconds}
    busy: dict[str, float] = {}
    main = splits[plan.n]
    d0 = main.train.d0

    width = samples = ratio = None
    with Runner(settings_for(config), jobs) as runner:
        def go(part: str, tasks: list[tuple[PointSpec, SplitData]]):
            prog.start(part, len(tasks))
            t0 = time.perf_counter()
            res, secs = runner.run(tasks, lambda r: prog.advance(part, f"n = {r.spec.n}, d1 = {r.spec.d1}"))
            parts[PARTS[part]] = time.perf_counter() - t0
            busy[PARTS[part]] = secs
            prog.finish(part, parts[PARTS[part]])
            return res

        if "width" in config.sweeps:
            res = go("width", [(PointSpec(plan.n, d1), main) for d1 in plan.widths])
            width = width_scan(res, d0, config.constant, config.tol, config.steps)
        if "samples" in config.sweeps:
            tasks = [(PointSpec(n, d1), splits[n]) for n in plan.sample_ns for d1 in plan.sample_widths(n)]
            res = go("samples", tasks)
            scans = [width_scan([r for r in res if r.spec.n == n], d0, config.constant, config.tol, config.steps) for n in plan.sample_ns]
            samples = sample_sweep(scans, d0, theorem_bounds(plan.sample_ns, d0))
        if "init-ratio" in config.sweeps:
            d1 = plan.ratio_width
            prod = he_product(d0, d1)
            tasks = [(PointSpec(plan.n, d1, *ratio_omegas(r, prod), train=True, lazy=True), main) for r in plan.ratios]
            res = go("init-ratio", tasks)
            ratio = InitRatioSweep(plan.n, d0, d1, prod, (d0 / d1) ** 0.5, plan.ratios, tuple(res))

    timings = {"started_utc": prep.started_utc, "jobs": jobs, "parts_seconds": parts, "worker_seconds": busy}
    result = ReportResult(config, plan, prep.data, width, samples, ratio, (), timings)
    return _with_findings(result)


def _with_findings(result: ReportResult) -> ReportResult:
    from dataclasses import replace

    return replace(result, findings=tuple(_findings.findings(result)))
