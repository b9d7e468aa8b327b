"""The verify and bound workflows, shared by the commands and the Python API.

``opcheck verify`` and :func:`opcheck.verify` do the same steps — load, prepare
(Assumption 2), check the hypotheses at Θ0, optionally train and check the
conclusions — so the steps live here once.  Nothing here prints: progress is
reported through callbacks, and the caller renders the result.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ContextManager

from opcheck._runtime.serialize import internal

__all__ = ["BoundOptions", "VerifyOptions", "VerifyRun", "run_bound", "run_verify_pipeline"]

#: ``stage(text)`` callbacks report what is being computed
Stage = Callable[[str], None]
#: a context manager around gradient descent that yields ``(on_step(step, loss), on_stage(text))``
TrainingProgress = Callable[[int], ContextManager[tuple[Callable[[int, float], None], Stage]]]


@dataclass(frozen=True)
class VerifyOptions:
    """Every choice of ``opcheck verify`` (and of :func:`opcheck.verify`) after parsing.

    Names are plain strings (enum values); numbers are validated where they are used,
    by :mod:`opcheck._runtime.validation`.
    """

    n: int | None = None
    labels: str = "teacher"
    d2: int = 1
    normalize: bool = True
    standardize: bool = False
    seed: int = 0
    activation: str = "gelu"
    init: str = "lecun"
    omega1: float | None = None
    omega2: float | None = None
    width: int | None = None
    constant: float = 1.0
    c13: float | None = None
    c14: float | None = None
    c_path: float | None = None
    c20: float | None = None
    c21: float | None = None
    kappa_max: float = 2.0
    lr: float | str | None = None  # a step, or "theorem" (the (13) step at C13, with --train)
    train: bool = False
    steps: int = 1000
    tol: float | None = None
    train_layers: str = "both"
    sigma_points: int = 4


@dataclass(frozen=True)
class VerifyRun:
    """The outcome of one verify run: typed results and the ``verify --json`` document."""

    document: dict
    hypotheses: Any = internal()  # opcheck.checks.hypotheses.VerifyResult (holds Θ0 and the dataset)
    conclusions: Any = internal(default=None)  # opcheck.checks.conclusions.Conclusions, with --train

    @property
    def all_hold(self) -> bool:
        return bool(self.document["all_hold"])


def _lr_number(opts: VerifyOptions) -> float | None:
    return opts.lr if isinstance(opts.lr, (int, float)) else None


def check_options(opts: VerifyOptions) -> None:
    """Refuse bad ``--train`` settings before any work."""
    if opts.train:
        from opcheck.checks.gradient_descent import TrainConfig, check_train_config

        check_train_config(TrainConfig(steps=opts.steps, lr=_lr_number(opts), tol=opts.tol, layers=opts.train_layers, sigma_points=opts.sigma_points))


def run_verify_pipeline(raw, opts: VerifyOptions, *, params=None, stage: Stage | None = None,
                        training_progress: TrainingProgress | None = None, offer_no_normalize: bool = False) -> VerifyRun:
    """Prepare ``raw`` (:class:`~opcheck.data.loaders.RawSamples`), check the hypotheses, train if asked.

    ``params`` (loaded W0, V0) fix d2 and the default width; ``offer_no_normalize``
    lets a data error suggest ``--no-normalize`` (the command line has that option).  ``stage`` receives a
    short text per phase; ``training_progress(steps)`` wraps gradient descent.
    """
    from opcheck.checks.conclusions import check_conclusions, combined_report
    from opcheck.checks.hypotheses import VerifyConfig, run_verify
    from opcheck.commands.common import build_dataset

    check_options(opts)
    d2, width = opts.d2, opts.width
    if params is not None:
        d2 = params.V.shape[0]
        width = width if width is not None else params.W.shape[0]
    ds = build_dataset(raw, n=opts.n, labels=opts.labels, d2=d2, normalize=opts.normalize, seed=opts.seed, activation=opts.activation,
                       init=opts.init, width=width, omega1=opts.omega1, omega2=opts.omega2, standardize=opts.standardize,
                       offer_no_normalize=offer_no_normalize)
    config = VerifyConfig(activation=opts.activation, init=opts.init, omega1=opts.omega1, omega2=opts.omega2, width=width, seed=opts.seed,
                          constant=opts.constant, kappa_max=opts.kappa_max, lr=_lr_number(opts), c13=opts.c13, c14=opts.c14,
                          c_path=opts.c_path, c20=opts.c20, c21=opts.c21)
    hyp = run_verify(ds, config, params=params, progress=stage)
    concl = None
    if opts.train:
        wrap = training_progress or (lambda _steps: contextlib.nullcontext((None, None)))
        with wrap(opts.steps) as (on_step, on_stage):
            concl = check_conclusions(hyp, activation=opts.activation, steps=opts.steps, lr=opts.lr, tol=opts.tol, layers=opts.train_layers,
                                      seed=opts.seed, sigma_points=opts.sigma_points, progress=on_step, stage=on_stage)
    return VerifyRun(combined_report(hyp, concl), hyp, concl)


@dataclass(frozen=True)
class BoundOptions:
    """Every choice of ``opcheck bound`` (and of :func:`opcheck.bound`) after parsing."""

    n: int | None = None
    d0: int | None = None
    d2: int = 1
    activation: str = "gelu"
    init: str = "lecun"
    t: int | None = None
    constant: float = 1.0
    batch_size: int | None = None
    depth: int = 1
    lambda0: float | None = None
    delta: float | None = None
    solve_for: str = "d1"
    width: float | None = None
    theorems: tuple[str, ...] = field(default_factory=tuple)
    data: str | Path | None = None
    dataset: str | None = None
    seed: int = 0


def run_bound(opts: BoundOptions):
    """The :class:`~opcheck.theory.bound_result.BoundReport` for ``opts`` (data spectra when data are given)."""
    from opcheck.theory.compute import candidate_ts, check_request, compute_bound
    from opcheck.theory.request import DEFAULT_DELTA, BoundRequest

    req = BoundRequest(
        n=opts.n, d0=opts.d0, d2=opts.d2, activation=opts.activation, init=opts.init, t=opts.t, constant=opts.constant,
        batch_size=opts.batch_size, depth=opts.depth, lambda0=opts.lambda0, delta=DEFAULT_DELTA if opts.delta is None else opts.delta,
        solve_for=opts.solve_for.strip().lower(), width=opts.width, theorems=tuple(opts.theorems),
    )
    has_data = opts.data is not None or opts.dataset is not None
    check_request(req, has_data)
    spectra = None
    if has_data:
        from opcheck.theory.data_inputs import data_spectra, load_dataset

        ds = load_dataset(None if opts.data is None else str(opts.data), opts.dataset, opts.n, opts.d0, opts.seed)
        spectra = data_spectra(ds.X, candidate_ts(req), ds.source, opts.seed)
        req = BoundRequest(**{**req.__dict__, "n": None, "d0": None})
    return compute_bound(req, spectra)


# ---------------------------------------------------------------------- report
@dataclass(frozen=True)
class ReportRun:
    """A written report: the ``results.json`` document and the folder (:class:`~opcheck.report.writer.Written`)."""

    document: dict
    written: Any
    seconds_writing: float


def report_raw(data, dataset: str | None, n: int | None, d0: int | None, label_column: str | None, seed: int, config):
    """The samples of a report: as ``opcheck verify`` loads them; a generated sphere is made large enough for the grids."""
    import math

    from opcheck.commands.common import load_raw
    from opcheck.data.splits import pool_size
    from opcheck.report.config import DEFAULT_N, QUICK_N, SAMPLE_RATIO

    gen_n = None
    if data is None and dataset == "sphere":
        top = SAMPLE_RATIO if ("samples" in config.sweeps and not config.quick) else 1.0
        gen_n = max(1000, pool_size(int(math.ceil((n or (QUICK_N if config.quick else DEFAULT_N)) * top)), config.test_fraction))
    return load_raw(data, dataset, gen_n, d0, label_column, seed)


def prepare_report(raw, config, *, labels: str, d2: int):
    """Grids and data splits (:func:`opcheck.report.run.prepare`); every input error is raised here."""
    from opcheck.commands.common import build_dataset
    from opcheck.report.run import prepare

    def build(r, m):
        return build_dataset(r, n=m, labels=labels, d2=d2, normalize=True, seed=config.seed, activation=config.activation, init=config.init,
                             width=None, omega1=None, omega2=None)

    return prepare(raw, build, config)


def finish_report(prepared, config, *, out: Path, force: bool, jobs: int, command_line: str, inputs: dict,
                  progress=None, stage: Stage | None = None) -> ReportRun:
    """Run the sweeps, draw the plots, write the folder atomically (:func:`opcheck.report.writer.write_report`)."""
    import time

    from opcheck.report.plots import all_plots
    from opcheck.report.provenance import collect
    from opcheck.report.run import run_report
    from opcheck.report.writer import write_report

    say = stage or (lambda _text: None)
    result = run_report(prepared, jobs=jobs, progress=progress)
    t = time.perf_counter()
    prov = collect(command_line, config.as_dict() | inputs,
                   {"seed": config.seed, "streams": "opcheck._runtime.seeding purposes: subset, split, init, teacher, random_labels, sphere, lanczos"},
                   {"source": result.data["source"], "raw_sha256": result.data["raw_sha256"], "prepared_sha256": result.data["prepared_sha256"]})
    doc = result.as_dict() | {"provenance": prov.as_dict()}
    plots = all_plots(doc)
    doc["timings"]["parts_seconds"]["plots"] = time.perf_counter() - t
    say(f"{len(plots)} plots")
    t = time.perf_counter()
    written = write_report(out, doc, plots, force=force)
    say("written")
    return ReportRun(doc, written, time.perf_counter() - t)
