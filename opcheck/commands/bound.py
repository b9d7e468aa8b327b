"""``opcheck bound`` — the paper's width bounds, symbolically, beside prior results.

Parse the options, load data when asked, call :func:`opcheck.theory.compute.compute_bound`,
render.  No mathematics here.
"""
from __future__ import annotations

from typing import List, Optional

import typer

from opcheck.theory.compute import candidate_ts, check_request, compute_bound
from opcheck.theory.request import DEFAULT_DELTA, BoundRequest

HELP = """How wide must the network be? This paper's width bound (20)/(21) beside prior results.

Prints each theorem's width requirement (sympy formula), the numeric width and parameter
count at your n and d0, the factor by which it exceeds this paper's headline (21), and the
exponent in n. This paper's rows are highlighted. Each number says whether it rests on the
paper, on opcheck's derivation (the xi of (20)), or on a scaling with constant 1.

Example:

    opcheck bound --n 10000 --d0 784

    opcheck bound --data samples.npy          # the data's own sigma_max(X), sigma_min(X^{*t}), lambda0

    opcheck bound --solve-for n --width 4096 --d0 784   # largest n each theorem certifies

Exit codes: 0 = evaluated; 2 = bad input.
"""


def register(app: typer.Typer) -> None:
    @app.command("bound", help=HELP, epilog="Example: opcheck bound --n 10000 --d0 784")
    def bound(
        n: Optional[int] = typer.Option(None, "--n", help="Number of samples n (with --data: a seeded subset)."),
        d0: Optional[int] = typer.Option(None, "--d0", help="Input dimension d0."),
        d2: int = typer.Option(1, "--d2", help="Output dimension d2 (parameter counts only)."),
        activation: str = typer.Option("gelu", "--activation", help="Activation whose Hermite coefficients give xi of (20): gelu, softplus, tanh, sigmoid, silu, relu."),
        init: str = typer.Option("lecun", "--init", help="Init scheme for the omega1-scale xi: lecun, he, xavier."),
        t: Optional[int] = typer.Option(None, "--t", help="Khatri-Rao power t of (20); default: every t in 1..6, the smallest width wins."),
        constant: float = typer.Option(1.0, "--constant", help="Universal constant C of every bound (the paper does not give it)."),
        batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Batch size b of the SGD variant (default n: full batch, equal to (20))."),
        depth: int = typer.Option(1, "--depth", help="Hidden layers L for Zou & Gu and Allen-Zhu et al. (1 = shallow)."),
        lambda0: Optional[float] = typer.Option(None, "--lambda0", help="lambda0 of Du et al. (default 0.5, the largest possible; with --data: computed)."),
        delta: float = typer.Option(DEFAULT_DELTA, "--delta", help="Failure probability delta of Du et al."),
        data: Optional[str] = typer.Option(None, "--data", help="Samples (.npy/.npz/.csv, rows): use their sigma_max(X), sigma_min(X^{*t}) and lambda0."),
        dataset: Optional[str] = typer.Option(None, "--dataset", help="Built-in samples instead of --data: digits or sphere."),
        seed: int = typer.Option(0, "--seed", min=0, help="Seed for subsets and the sphere dataset."),
        solve_for: str = typer.Option("d1", "--solve-for", help="d1: the width each theorem needs; n: the largest n at --width."),
        width: Optional[float] = typer.Option(None, "--width", help="Hidden width D1 for --solve-for n."),
        theorem: Optional[List[str]] = typer.Option(None, "--theorem", help="Show only this registry entry (repeatable), e.g. song2021-21, du2019, condition-9."),
        latex: bool = typer.Option(False, "--latex", help="Print the formulas as LaTeX."),
        json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout and nothing else."),
    ) -> None:
        from opcheck.render import bound_view

        req = BoundRequest(
            n=n, d0=d0, d2=d2, activation=activation, init=init, t=t, constant=constant,
            batch_size=batch_size, depth=depth, lambda0=lambda0, delta=delta,
            solve_for=solve_for.strip().lower(), width=width, theorems=tuple(theorem or ()),
        )
        has_data = data is not None or dataset is not None
        check_request(req, has_data)
        spectra = None
        if has_data:
            from opcheck.theory.data_inputs import data_spectra, load_dataset

            ds = load_dataset(data, dataset, n, d0, seed)
            spectra = data_spectra(ds.X, candidate_ts(req), ds.source, seed)
            req = BoundRequest(**{**req.__dict__, "n": None, "d0": None})
        report = compute_bound(req, spectra)
        if json_out:
            typer.echo(bound_view.to_json(report))
        else:
            bound_view.render(report, latex=latex)
        raise typer.Exit(0)
