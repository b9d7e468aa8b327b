"""``opcheck verify`` — check the theorem's hypotheses (and, with --train, its conclusions)."""
from __future__ import annotations

import contextlib

from pathlib import Path
from typing import Annotated, Optional

import typer

from opcheck.commands import options as o
from opcheck.commands.options import DATA, NETWORK, OUTPUT, TRAINING, option

HELP = """Is my network wide enough? Theorem 3's hypotheses on DATA at initialization.

Checks Lemma 3 and conditions (9), (13), (19), (20), (21) at Theta0 without forming the Jacobian; with --train, runs gradient descent and checks the theorem's conclusions (Lemma 1, Lemma 2, rate (14)). Prints one line per condition and the verdict; -v shows every quantity, -q only the verdict.

Examples:

    opcheck verify

    opcheck verify data.npz --width 4000 --init he

    opcheck verify --dataset sphere --n 500 --d0 32 --json

    opcheck verify --n 300 --width 2000 --train

Exit codes: 0 = every checked condition holds; 1 = checks ran and some fail; 2 = bad input or usage; 3 = internal error (a bug); 130 = interrupted.
"""


def parse_lr(lr: str | None) -> float | str | None:
    """``--lr``: a positive number, or ``theorem`` (the (13) step at C13, resolved after the hypotheses)."""
    from opcheck._runtime import validation
    from opcheck.checks.conclusions import LR_THEOREM
    from opcheck.errors import InputError

    if lr is None:
        return None
    if lr.strip().lower() == LR_THEOREM:
        return LR_THEOREM
    try:
        value = float(lr)
    except ValueError:
        raise InputError(f"--lr must be a positive number or 'theorem', got '{lr}'") from None
    return validation.positive_finite(value, "--lr")


def register(app: typer.Typer) -> None:
    """Add ``opcheck verify`` to ``app``.

    The command is long only because Typer needs every parameter listed in its
    signature (the declarations themselves live once in :mod:`opcheck.commands.options`);
    its body parses, calls :func:`opcheck.commands.pipeline.run_verify_pipeline` and renders.
    """

    @app.command("verify", help=HELP)
    def verify(
        ctx: typer.Context,
        data: o.DataFile = None,
        dataset: o.Dataset = None,
        n: Annotated[Optional[int], option("--n", panel=DATA, help="Seeded random subset of N samples (digits default: 1000 of 1797; for sphere: how many to generate).")] = None,
        d0: o.D0 = None,
        label_column: o.LabelColumn = None,
        labels: o.LabelsOpt = o.Labels.teacher,
        d2: o.D2 = 1,
        normalize: Annotated[bool, option("--normalize/--no-normalize", panel=DATA, help="Scale samples to unit norm and ||Y||_F <= 1 (Assumption 2).")] = True,
        standardize: Annotated[bool, option("--standardize", panel=DATA, help="Z-score every feature before the unit-norm scaling (features of very different scales make samples nearly parallel).")] = False,
        seed: o.Seed = 0,
        activation: o.ActivationOpt = o.Activation.gelu,
        init: o.InitOpt = o.Init.lecun,
        omega1: Annotated[Optional[float], option("--omega1", panel=NETWORK, help="Std of W0 entries (overrides --init).")] = None,
        omega2: Annotated[Optional[float], option("--omega2", panel=NETWORK, help="Std of V0 entries (overrides --init).")] = None,
        width: Annotated[Optional[int], option("--width", panel=NETWORK, help="Hidden width d1 (default: ceil(n^1.5/d0), at least n).")] = None,
        constant: o.Constant = 1.0,
        c13: Annotated[Optional[float], option("--c13", panel=NETWORK, help="Constant of the step size (13) (default 1).")] = None,
        c14: Annotated[Optional[float], option("--c14", panel=NETWORK, help="Constant of the rate (14) (default 1/4 [derived]).")] = None,
        c_path: Annotated[Optional[float], option("--c-path", panel=NETWORK, help="Constant of Lemma 2's path length (default 1/(2 sqrt(C9)): then (9) gives path <= rho).")] = None,
        c20: Annotated[Optional[float], option("--c20", panel=NETWORK, help="Constant of the width (20) (default 1/sqrt(C9): then (20) gives (9)).")] = None,
        c21: Annotated[Optional[float], option("--c21", panel=NETWORK, help="Constant of the headline width (21) (default 1/sqrt(C9)).")] = None,
        kappa_max: Annotated[float, option("--kappa-max", panel=NETWORK, help="Threshold for (19) kappa_init = omega1 omega2 sqrt(d0 d1); 2 admits He, as the paper states.")] = 2.0,
        init_params: Annotated[Optional[Path], option("--init-params", panel=NETWORK, help="Load W0, V0 from this .npz instead of sampling.")] = None,
        train: Annotated[bool, option("--train", panel=TRAINING, help="Also run gradient descent from Theta0 and check the theorem's conclusions.")] = False,
        steps: Annotated[int, option("--steps", panel=TRAINING, help="Gradient-descent steps.")] = 1000,
        lr: o.LrOrTheorem = None,
        tol: Annotated[Optional[float], option("--tol", panel=TRAINING, help="Stop once h < tol (default 1e-8 h0).")] = None,
        train_layers: Annotated[o.TrainLayers, o.choice("--train-layers", panel=TRAINING, help="both (the paper), first (W only) or second (V only).")] = o.TrainLayers.both,
        sigma_points: Annotated[int, option("--sigma-points", panel=TRAINING, min=0, help="Log-spaced GD steps (with the first and last) at which sigma_min(J) is measured against mu/2.")] = 4,
        scheduler: o.Scheduler = None,
        no_distributed: o.NoDistributed = False,
        w_block: o.WBlock = False,
        as_json: o.Json = False,
        quiet: Annotated[bool, option("--quiet", "-q", panel=OUTPUT, help="Print only the verdict's first sentence (the exit status says the rest).")] = False,
        verbose: Annotated[bool, option("--verbose", "-v", panel=OUTPUT, help="Print the full tables: data, activation, every quantity, solver health.")] = False,
        out: Annotated[Optional[Path], option("--out", panel=OUTPUT, help="Also write report.html, report.md and results.json of this run into this folder.")] = None,
        force: Annotated[bool, option("--force", panel=OUTPUT, help="With --out: write into a non-empty folder that is not an opcheck report.")] = False,
        save_init_path: Annotated[Optional[Path], option("--save-init", panel=OUTPUT, help="Write W0, V0, X (d0 x n), Y (d2 x n) to this .npz.")] = None,
    ) -> None:
        # long only by its parameter list (one parameter per option); the work is commands.pipeline's
        from rich.console import Console

        from opcheck._runtime import cluster
        from opcheck.commands.common import check_save_init, dashboard_line, default_subset, load_init_params, load_raw, save_init, training_progress, warn_unused
        from opcheck.commands.pipeline import VerifyOptions, check_options, run_verify_pipeline
        from opcheck.linalg.jacobian_spectrum import TooBig
        from opcheck.render import json_out

        opts = VerifyOptions.make(
            n=default_subset(data, o.value(dataset), n), labels=o.value(labels), d2=d2, normalize=normalize, standardize=standardize,
            train=train, lr=parse_lr(lr), steps=steps, tol=tol, train_layers=o.value(train_layers), sigma_points=sigma_points,
            activation=o.value(activation), init=o.value(init), omega1=omega1, omega2=omega2, width=width, seed=seed, constant=constant,
            c13=c13, c14=c14, c_path=c_path, c20=c20, c21=c21, kappa_max=kappa_max,
            too_big=TooBig.REFUSE if no_distributed else TooBig.DISTRIBUTED, scheduler=scheduler, w_block=w_block,
        )
        check_options(opts)
        if not train:
            warn_unused(ctx, {"steps": "--steps", "tol": "--tol", "train_layers": "--train-layers", "sigma_points": "--sigma-points"}, "without --train")
        if save_init_path is not None:
            check_save_init(save_init_path)  # before any work, not after it
        if out is not None:
            from opcheck.report.writer import destination_mode

            destination_mode(out, force)  # refuse early, before any work
        params = load_init_params(init_params) if init_params is not None else None
        raw = load_raw(data, o.value(dataset), opts.n, d0, label_column, seed)
        if raw.y is not None:
            warn_unused(ctx, {"labels": "--labels", "d2": "--d2"}, "on labelled data (the data's own labels are the targets)")
        err = Console(stderr=True, quiet=quiet)
        with cluster.on_connect(lambda c: dashboard_line(err, "opcheck verify", c.dashboard)):
            if err.is_terminal:  # live displays only on a terminal: piped stderr stays empty
                with err.status("opcheck verify", spinner="dots") as status:
                    run = run_verify_pipeline(raw, opts, params=params, offer_no_normalize=True, stage=lambda msg: status.update(f"opcheck verify: {msg}"),
                                              training_progress=lambda steps_: _paused(status, training_progress(err, steps_)))
            else:
                run = run_verify_pipeline(raw, opts, params=params, offer_no_normalize=True)
        if save_init_path is not None:
            save_init(save_init_path, run.hypotheses.params, run.hypotheses.dataset)
        if out is not None:
            _write_folder(ctx, out, force, run.document, err)
        if as_json:
            json_out.emit(run.document, schema_version=json_out.VERIFY_SCHEMA_VERSION)
        else:
            _show(run.document, quiet=quiet, verbose=verbose)
        raise typer.Exit(0 if run.all_hold else 1)


def _show(doc: dict, *, quiet: bool, verbose: bool) -> None:
    from rich.console import Console

    if quiet:
        from opcheck.render.verify_summary import verdict_line

        typer.echo(verdict_line(doc))
    elif verbose:
        from opcheck.render.verify_view import render_verify

        render_verify(Console(), doc)
    else:
        from opcheck.render.verify_summary import render_summary

        render_summary(Console(), doc)


def _write_folder(ctx: typer.Context, out: Path, force: bool, doc: dict, err) -> None:
    """The same HTML/Markdown/JSON trio as ``opcheck report``, for this one run (atomic writer)."""
    from opcheck.commands.common import command_line
    from opcheck.render.json_out import VERIFY_SCHEMA_VERSION
    from opcheck.render.verify_document import blocks
    from opcheck.report.provenance import collect
    from opcheck.report.writer import write_report

    prov = collect(command_line(ctx), {k: o.value(v) for k, v in ctx.params.items()}, {"seed": doc["init"]["seed"]},
                   {"source": doc["data"]["source"]}).as_dict()
    results = {"schema_version": VERIFY_SCHEMA_VERSION, "kind": "opcheck-verify", **doc, "provenance": prov}
    written = write_report(out, results, [], force=force, blocks=blocks(doc, prov))
    err.print(f"opcheck verify: wrote {', '.join(written.files)} to {written.path}", highlight=False, soft_wrap=True)


@contextlib.contextmanager
def _paused(status, inner):
    """Stop the spinner while the training progress bar runs (rich shows one live display at a time)."""
    status.stop()
    try:
        with inner as callbacks:
            yield callbacks
    finally:
        status.start()
