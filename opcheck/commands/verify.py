"""``opcheck verify`` — check the theorem's hypotheses (and, with --train, its conclusions)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from opcheck.commands import options as o
from opcheck.commands.options import DATA, NETWORK, OUTPUT, TRAINING, option

HELP = """Check the hypotheses of Theorem 3 on DATA at initialization: Lemma 3, conditions (9), (13), (19), (20), (21); with --train, run gradient descent and check the theorem's conclusions.

Examples:

    opcheck verify

    opcheck verify data.npz --width 4000 --init he

    opcheck verify --dataset sphere --n 500 --d0 32 --json

    opcheck verify --n 300 --width 2000 --train

Exit codes: 0 = every checked condition holds; 1 = checks ran and some fail; 2 = bad input or usage; 3 = internal error (a bug).
"""


def parse_lr(lr: str | None) -> float | str | None:
    """``--lr``: a positive number, or ``theorem`` (the (13) step at C13, resolved after the hypotheses)."""
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
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"--lr must be a positive finite number, got {lr}")
    return value


def register(app: typer.Typer) -> None:
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
        as_json: o.Json = False,
        save_init_path: Annotated[Optional[Path], option("--save-init", panel=OUTPUT, help="Write W0, V0, X (d0 x n), Y (d2 x n) to this .npz.")] = None,
    ) -> None:
        from rich.console import Console

        from opcheck.checks.conclusions import check_conclusions, combined_report
        from opcheck.checks.hypotheses import VerifyConfig, run_verify
        from opcheck.commands.common import (build_dataset, check_save_init, check_train_options, default_subset, load_init_params, load_raw, save_init,
                                             training_progress, warn_unused)
        from opcheck.render import json_out
        from opcheck.render.verify_view import render_verify

        activation, init, labels, train_layers = o.value(activation), o.value(init), o.value(labels), o.value(train_layers)
        lr_value = parse_lr(lr)
        lr_number = lr_value if isinstance(lr_value, float) else None
        if train:
            check_train_options(steps, tol, lr_number, train_layers, sigma_points)
        else:
            warn_unused(ctx, {"steps": "--steps", "tol": "--tol", "train_layers": "--train-layers", "sigma_points": "--sigma-points"}, "without --train")
        if save_init_path is not None:
            check_save_init(save_init_path)  # before any work, not after it
        n = default_subset(data, o.value(dataset), n)
        params = load_init_params(init_params) if init_params is not None else None
        raw = load_raw(data, o.value(dataset), n, d0, label_column, seed)
        if raw.y is not None:
            warn_unused(ctx, {"labels": "--labels", "d2": "--d2"}, "on labelled data (the data's own labels are the targets)")
        if params is not None:
            d2 = params.V.shape[0]
            width = width if width is not None else params.W.shape[0]
        ds = build_dataset(raw, n=n, labels=labels, d2=d2, normalize=normalize, seed=seed, activation=activation, init=init, width=width, omega1=omega1, omega2=omega2,
                           standardize=standardize, offer_no_normalize=True)
        config = VerifyConfig(activation=activation, init=init, omega1=omega1, omega2=omega2, width=width, seed=seed, constant=constant, kappa_max=kappa_max,
                              lr=lr_number, c13=c13, c14=c14, c_path=c_path, c20=c20, c21=c21)
        err = Console(stderr=True)
        with err.status("opcheck verify", spinner="dots") as status:
            result = run_verify(ds, config, params=params, progress=lambda msg: status.update(f"opcheck verify: {msg}"))
        if save_init_path is not None:
            save_init(save_init_path, result.params, ds)
        concl = None
        if train:
            with training_progress(err, steps) as (on_step, on_stage):
                concl = check_conclusions(result, activation=activation, steps=steps, lr=lr_value, tol=tol, layers=train_layers, seed=seed, sigma_points=sigma_points, progress=on_step, stage=on_stage)
        out = combined_report(result, concl)
        if as_json:
            json_out.emit(out, schema_version=json_out.VERIFY_SCHEMA_VERSION)
        else:
            render_verify(Console(), out)
        raise typer.Exit(0 if out["all_hold"] else 1)
