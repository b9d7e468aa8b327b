"""The verify and bound workflows, shared by the commands and the Python API.

``opcheck verify`` and :func:`opcheck.verify` do the same steps — load, prepare
(Assumption 2), check the hypotheses at Θ0, optionally train and check the
conclusions — so the steps live here once.  Nothing here prints: progress is
reported through callbacks, and the caller renders the result.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ContextManager

from opcheck._runtime.serialize import internal

__all__ = ["ReportRun", "VerifyOptions", "VerifyRun", "finish_report", "prepare_report", "report_raw", "run_bound", "run_verify_pipeline"]

#: ``stage(text)`` callbacks report what is being computed
Stage = Callable[[str], None]
#: a context manager around gradient descent that yields ``(on_step(step, loss), on_stage(text))``
TrainingProgress = Callable[[int], ContextManager[tuple[Callable[[int, float], None], Stage]]]


@dataclass(frozen=True)
class VerifyOptions:
    """Every choice of ``opcheck verify`` (and of :func:`opcheck.verify`) after parsing.

    ``config`` is the network, the constants and the seed
    (:class:`opcheck.checks.hypotheses.VerifyConfig`; its ``lr`` is the step checked
    against (13)); the other fields choose the data and the training.  Names are
    plain strings (enum values); numbers are validated where they are used, by
    :mod:`opcheck._runtime.validation`.
    """

    config: Any
    n: int | None = None
    labels: str = "teacher"
    d2: int = 1
    normalize: bool = True
    standardize: bool = False
    train: bool = False
    lr: float | str | None = None  # the training step: a number, "theorem" (the (13) step at C13) or None
    steps: int = 1000
    tol: float | None = None
    train_layers: str = "both"
    sigma_points: int = 4

    @classmethod
    def make(cls, *, lr: float | str | None = None, n=None, labels="teacher", d2=1, normalize=True, standardize=False, train=False,
             steps=1000, tol=None, train_layers="both", sigma_points=4, **config) -> VerifyOptions:
        """Options from flat keywords: the :class:`VerifyConfig` fields go to ``config``."""
        from opcheck.checks.hypotheses import VerifyConfig

        number = lr if isinstance(lr, (int, float)) else None
        return cls(VerifyConfig(lr=number, **config), n=n, labels=labels, d2=d2, normalize=normalize, standardize=standardize,
                   train=train, lr=lr, steps=steps, tol=tol, train_layers=train_layers, sigma_points=sigma_points)


@dataclass(frozen=True)
class VerifyRun:
    """The outcome of one verify run: typed results and the ``verify --json`` document."""

    document: dict
    hypotheses: Any = internal()  # opcheck.checks.hypotheses.VerifyResult (holds Θ0 and the dataset)
    conclusions: Any = internal(default=None)  # opcheck.checks.conclusions.Conclusions, with --train

    @property
    def all_hold(self) -> bool:
        return bool(self.document["all_hold"])


def check_options(opts: VerifyOptions) -> None:
    """Refuse bad ``--train`` settings before any work."""
    if opts.train:
        from opcheck.checks.gradient_descent import TrainConfig, check_train_config

        check_train_config(TrainConfig(steps=opts.steps, lr=opts.config.lr, tol=opts.tol, layers=opts.train_layers, sigma_points=opts.sigma_points))


def run_verify_pipeline(raw, opts: VerifyOptions, *, params=None, stage: Stage | None = None,
                        training_progress: TrainingProgress | None = None, offer_no_normalize: bool = False) -> VerifyRun:
    """Prepare ``raw`` (:class:`~opcheck.data.loaders.RawSamples`), check the hypotheses, train if asked.

    ``params`` (loaded W0, V0) fix d2 and the default width; ``offer_no_normalize``
    lets a data error suggest ``--no-normalize`` (the command line has that option).  ``stage`` receives a
    short text per phase; ``training_progress(steps)`` wraps gradient descent.
    """
    from dataclasses import replace

    from opcheck.checks.conclusions import check_conclusions, combined_report
    from opcheck.checks.hypotheses import run_verify
    from opcheck.commands.common import build_dataset

    check_options(opts)
    cfg, d2 = opts.config, opts.d2
    if params is not None:
        d2 = params.V.shape[0]
        cfg = replace(cfg, width=cfg.width if cfg.width is not None else params.W.shape[0])
    ds = build_dataset(raw, n=opts.n, labels=opts.labels, d2=d2, normalize=opts.normalize, seed=cfg.seed, activation=cfg.activation,
                       init=cfg.init, width=cfg.width, omega1=cfg.omega1, omega2=cfg.omega2, standardize=opts.standardize,
                       offer_no_normalize=offer_no_normalize)
    _restart_on_fast_kernel(ds, cfg, params)
    hyp = run_verify(ds, cfg, params=params, progress=stage)
    concl = None
    if opts.train:
        wrap = training_progress or (lambda _steps: contextlib.nullcontext((None, None)))
        with wrap(opts.steps) as (on_step, on_stage):
            concl = check_conclusions(hyp, activation=cfg.activation, steps=opts.steps, lr=opts.lr, tol=opts.tol, layers=opts.train_layers,
                                      seed=cfg.seed, sigma_points=opts.sigma_points, progress=on_step, stage=on_stage)
    return VerifyRun(combined_report(hyp, concl), hyp, concl)


def _restart_on_fast_kernel(ds, cfg, params) -> None:
    """Re-run this command on the machine's own BLAS kernel when that is safe and pays
    (:func:`opcheck._runtime.blas_guard.fast_kernel_restart`): the Jacobian Gram (order d2·n,
    ≈ order²·d1 flops to form, ≈ order³ for its factorisations) is the dense work."""
    import os
    import sys

    from opcheck._runtime import blas_guard
    from opcheck.checks.hypotheses import resolve_width

    order = ds.d2 * ds.n
    d1 = resolve_width(ds, cfg, params)
    restart = blas_guard.fast_kernel_restart(order, float(order) ** 2 * d1 + float(order) ** 3)
    if restart is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(restart[0][0], restart[0], restart[1])  # pragma: no cover - replaces the process (tested by subprocess)


def run_bound(req, *, data: str | Path | None = None, dataset: str | None = None, seed: int = 0):
    """The :class:`~opcheck.theory.bound_result.BoundReport` for a :class:`~opcheck.theory.request.BoundRequest`.

    With ``data`` (a samples file) or ``dataset`` (a built-in name) their measured
    spectra replace the order-analysis assumptions (``n``, ``d0`` then size a subset).
    """
    from opcheck.theory.compute import candidate_ts, check_request, compute_bound
    from opcheck.theory.request import BoundRequest

    req = BoundRequest(**{**req.__dict__, "solve_for": req.solve_for.strip().lower(), "theorems": tuple(req.theorems)})
    has_data = data is not None or dataset is not None
    check_request(req, has_data)
    spectra = None
    if has_data:
        from opcheck.theory.data_inputs import data_spectra, load_dataset

        ds = load_dataset(None if data is None else str(data), dataset, req.n, req.d0, seed)
        spectra = data_spectra(ds.X, candidate_ts(req), ds.source, seed)
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
    from opcheck.commands.common import load_raw

    gen_n = None
    if data is None and dataset == "sphere":
        gen_n = sphere_size(n, config)
    return load_raw(data, dataset, gen_n, d0, label_column, seed)


#: input dimension of the default sphere datasets (issue 13's pilot: d0 = 16)
SPHERE_D0 = 16


def sphere_size(n: int | None, config) -> int:
    """Samples to generate on the sphere: enough for the legacy grids and the threshold grid."""
    import math

    from opcheck.data.splits import pool_size
    from opcheck.report.config import DEFAULT_N, QUICK_N, SAMPLE_RATIO

    top = SAMPLE_RATIO if ("samples" in config.sweeps and not config.quick) else 1.0
    return max(1000, config.n_max or 0, pool_size(int(math.ceil((n or (QUICK_N if config.quick else DEFAULT_N)) * top)), config.test_fraction))


def report_scheduler(scheduler: str | None) -> str | None:
    """``--scheduler``, else ``$OPCHECK_SCHEDULER``, else None (a local cluster); 'serial' or an address."""
    from opcheck._runtime.cluster import scheduler_address
    from opcheck.errors import InputError

    scheduler = scheduler_address(scheduler)
    if scheduler is not None and scheduler != "serial" and "://" not in scheduler:
        raise InputError(f"--scheduler must be an address like tcp://HOST:PORT or 'serial', got '{scheduler}'")
    return scheduler


def _builder(config, labels: str, d2: int):
    from opcheck.commands.common import build_dataset

    def build(r, m):
        return build_dataset(r, n=m, labels=labels, d2=d2, normalize=True, seed=config.seed, activation=config.activation, init=config.init,
                             width=None, omega1=None, omega2=None)

    return build


def report_datasets(data, dataset: str | None, labels: str, config) -> tuple[str, list]:
    """The main dataset's key and the other threshold datasets: without DATA or --dataset, the sphere
    (d0 = 16) with random and with teacher labels beside digits."""
    from opcheck.commands.common import load_raw
    from opcheck.report.run import DatasetInput

    if data is not None:
        return Path(str(data)).stem, []
    if dataset is not None:
        return (f"sphere-{labels}" if dataset == "sphere" else str(dataset)), []
    if "thresholds" not in config.sweeps:
        return "digits", []
    sph = load_raw(None, "sphere", sphere_size(config.n, config), SPHERE_D0, None, config.seed)
    return "digits", [DatasetInput(f"sphere-{lab}", sph, _builder(config, lab, 1)) for lab in ("random", "teacher")]


def prepare_report(raw, config, *, labels: str, d2: int, key: str = "data", more=()):
    """Grids and data (:func:`opcheck.report.run.prepare`); every input error is raised here."""
    from opcheck.report.run import prepare

    return prepare(raw, _builder(config, labels, d2), config, key, more)


def finish_report(prepared, config, *, out: Path, force: bool, jobs: int | None, command_line: str, inputs: dict,
                  progress=None, stage: Stage | None = None, scheduler: str | None = None) -> ReportRun:
    """Run the sweeps, draw the plots, write the folder atomically (:func:`opcheck.report.writer.write_report`)."""
    import time

    from opcheck.report.plots import all_plots
    from opcheck.report.provenance import collect
    from opcheck.report.run import run_report
    from opcheck.report.writer import write_report

    say = stage or (lambda _text: None)
    result = run_report(prepared, scheduler=scheduler, jobs=jobs, progress=progress)
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
