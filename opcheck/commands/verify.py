"""``opcheck verify`` — check the theorem's hypotheses (and, with --train, its conclusions)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from opcheck.commands.common import build_dataset, check_train_options, default_subset, load_init_params, load_raw, save_init, training_progress
from opcheck.checks.conclusions import check_conclusions, combined_report
from opcheck.render import json_out
from opcheck.render.verify_view import render_verify
from opcheck.checks.hypotheses import VerifyConfig, run_verify

EPILOG = (
    "Examples:  opcheck verify  (built-in digits)  ·  opcheck verify data.npz --width 4000 --init he  ·  "
    "opcheck verify --dataset sphere --n 500 --d0 32 --json  ·  opcheck verify --dataset digits --n 300 --width 2000 --train"
)


def register(app: typer.Typer) -> None:
    @app.command("verify", epilog=EPILOG)
    def verify(
        data: Optional[Path] = typer.Argument(None, help="Samples as rows: .npy (X), .npz (X and y or Y), or .csv. Default: --dataset digits."),
        dataset: Optional[str] = typer.Option(None, "--dataset", help="Built-in data: digits (scikit-learn, 1797 x 64, real) or sphere (uniform on the unit sphere)."),
        n: Optional[int] = typer.Option(None, "--n", help="Seeded random subset of N samples (digits default: 1000 of 1797; for sphere: how many to generate)."),
        d0: Optional[int] = typer.Option(None, "--d0", help="Input dimension for --dataset sphere."),
        label_column: Optional[str] = typer.Option(None, "--label-column", help="CSV label column: header name or 0-based index."),
        labels: str = typer.Option("teacher", "--labels", help="Targets when the data have none: teacher | random | zeros."),
        d2: int = typer.Option(1, "--d2", help="Output dimension for synthetic targets."),
        normalize: bool = typer.Option(True, "--normalize/--no-normalize", help="Scale samples to unit norm and ||Y||_F <= 1 (Assumption 2)."),
        activation: str = typer.Option("gelu", "--activation", "-a", help="gelu | softplus | tanh | sigmoid | silu | relu."),
        init: str = typer.Option("lecun", "--init", help="lecun | he | xavier (or give --omega1/--omega2)."),
        omega1: Optional[float] = typer.Option(None, "--omega1", help="Std of W0 entries (overrides --init)."),
        omega2: Optional[float] = typer.Option(None, "--omega2", help="Std of V0 entries (overrides --init)."),
        width: Optional[int] = typer.Option(None, "--width", help="Hidden width d1 (default: ceil(n^1.5/d0), at least n)."),
        seed: int = typer.Option(0, "--seed", min=0, help="Seed of every random stream (subset, init, teacher)."),
        constant: float = typer.Option(1.0, "--constant", help="The universal constant C hidden by O(.) in (9), (13), (20), (21)."),
        kappa_max: float = typer.Option(2.0, "--kappa-max", help="Threshold for (19) kappa_init = omega1 omega2 sqrt(d0 d1); 2 admits He, as the paper states."),
        lr: Optional[float] = typer.Option(None, "--lr", help="Step size to check against (13) (and to train with, with --train)."),
        save_init_path: Optional[Path] = typer.Option(None, "--save-init", help="Write W0, V0, X (d0 x n), Y (d2 x n) to this .npz."),
        init_params: Optional[Path] = typer.Option(None, "--init-params", help="Load W0, V0 from this .npz instead of sampling."),
        as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout, nothing else."),
        train: bool = typer.Option(False, "--train", help="Also run gradient descent from Theta0 and check the theorem's conclusions."),
        steps: int = typer.Option(1000, "--steps", help="Gradient-descent steps (with --train)."),
        tol: Optional[float] = typer.Option(None, "--tol", help="Stop once h < tol (default 1e-8 h0)."),
        train_layers: str = typer.Option("both", "--train-layers", help="both (the paper) | first (W only) | second (V only)."),
        sigma_points: int = typer.Option(4, "--sigma-points", min=0, help="Log-spaced GD steps (with the first and last) at which sigma_min(J) is measured against mu/2."),
    ) -> None:
        """Check the hypotheses of Theorem 3 (Lemma 3, conditions (9), (13), (19), (20), (21)) on DATA at initialization."""
        n = default_subset(data, dataset, n)
        params = load_init_params(init_params) if init_params is not None else None
        raw = load_raw(data, dataset, n, d0, label_column, seed)
        if params is not None:
            d2 = params.V.shape[0]
            width = width if width is not None else params.W.shape[0]
        ds = build_dataset(raw, n=n, labels=labels, d2=d2, normalize=normalize, seed=seed, activation=activation, init=init, width=width, omega1=omega1, omega2=omega2)
        config = VerifyConfig(activation=activation, init=init, omega1=omega1, omega2=omega2, width=width, seed=seed, constant=constant, kappa_max=kappa_max, lr=lr)
        if train:
            check_train_options(steps, tol, train_layers)
        err = Console(stderr=True)
        with err.status("opcheck verify", spinner="dots") as status:
            result = run_verify(ds, config, params=params, progress=lambda msg: status.update(f"opcheck verify: {msg}"))
        if save_init_path is not None:
            save_init(save_init_path, result.params, ds)
        concl = None
        if train:
            with training_progress(err, steps) as (on_step, on_stage):
                concl = check_conclusions(result, activation=activation, steps=steps, lr=lr, tol=tol, layers=train_layers, seed=seed, sigma_points=sigma_points, progress=on_step, stage=on_stage)
        out = combined_report(result, concl)
        if as_json:
            json_out.emit(out)
        else:
            render_verify(Console(), out)
        raise typer.Exit(0 if out["all_hold"] else 1)
