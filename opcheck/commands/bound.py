"""``opcheck bound`` — the paper's width bounds, symbolically, beside prior results.

Parse the options, load data when asked, call :func:`opcheck.theory.compute.compute_bound`,
render.  No mathematics here.
"""
from __future__ import annotations

from typing import Annotated, List, Optional

import typer

from opcheck.commands import options as o
from opcheck.commands.options import DATA, NETWORK, OUTPUT, option
from opcheck.theory.request import DEFAULT_DELTA, BoundRequest

HELP = """How wide must the network be? This paper's width bound (20)/(21) beside prior results.

Prints each theorem's width requirement (sympy formula), the numeric width and parameter count at your n and d0, the factor by which it exceeds this paper's headline (21), and the exponent in n. This paper's rows are highlighted. Each number says whether it rests on the paper, on opcheck's derivation (the xi of (20)), or on a scaling with constant 1.

Examples (the second uses the data's own sigma_max(X), sigma_min(X^{*t}) and lambda0; the third finds the largest n each theorem certifies):

    opcheck bound --n 10000 --d0 784

    opcheck bound --data samples.npy

    opcheck bound --solve-for n --width 4096 --d0 784

Exit codes: 0 = evaluated; 2 = bad input or usage; 3 = internal error (a bug); 130 = interrupted.
"""


THEOREMS = "Theorems"


def register(app: typer.Typer) -> None:
    @app.command("bound", help=HELP)
    def bound(
        data_arg: Annotated[Optional[str], typer.Argument(metavar="DATA", show_default=False, help="Samples (.npy/.npz/.csv, rows; - for stdin): the same as --data.")] = None,
        n: Annotated[Optional[int], option("--n", panel=DATA, help="Number of samples n (with --data: a seeded subset).")] = None,
        d0: Annotated[Optional[int], option("--d0", panel=DATA, help="Input dimension d0.")] = None,
        d2: Annotated[int, option("--d2", panel=DATA, help="Output dimension d2 (parameter counts only).")] = 1,
        data: Annotated[Optional[str], option("--data", panel=DATA, help="Samples (.npy/.npz/.csv, rows): use their sigma_max(X), sigma_min(X^{*t}) and lambda0.")] = None,
        dataset: o.Dataset = None,
        seed: o.Seed = 0,
        activation: Annotated[o.Activation, o.choice("--activation", "-a", panel=NETWORK, help="Activation whose Hermite coefficients give xi of (20).", values=o.Activation)] = o.Activation.gelu,
        init: Annotated[o.Init, o.choice("--init", panel=NETWORK, help="Init scheme for the omega1-scale xi.")] = o.Init.lecun,
        constant: Annotated[float, option("--constant", panel=NETWORK, help="C9, the constant hidden by O(.) in (9) (the paper does not give it); (20) and (21) use 1/sqrt(C9), so C9 = 4 halves them; the prior results keep constant 1 (docs/theory.md).")] = 1.0,
        t: Annotated[Optional[int], option("--t", panel=THEOREMS, help="Khatri-Rao power t of (20); default: every t in 1..6, the smallest width wins.")] = None,
        batch_size: Annotated[Optional[int], option("--batch-size", panel=THEOREMS, help="Batch size b of the SGD variant (default n: full batch, equal to (20)).")] = None,
        depth: Annotated[int, option("--depth", panel=THEOREMS, help="Hidden layers L for Zou & Gu and Allen-Zhu et al. (1 = shallow).")] = 1,
        lambda0: Annotated[Optional[float], option("--lambda0", panel=THEOREMS, help="lambda0 of Du et al. (default 0.5, the largest possible; with --data: computed).")] = None,
        delta: Annotated[float, option("--delta", panel=THEOREMS, help="Failure probability delta of Du et al.")] = DEFAULT_DELTA,
        solve_for: Annotated[str, option("--solve-for", panel=THEOREMS, help="d1: the width each theorem needs; n: the largest n at --width.")] = "d1",
        width: Annotated[Optional[float], option("--width", panel=THEOREMS, help="Hidden width D1 for --solve-for n.")] = None,
        theorem: Annotated[Optional[List[str]], option("--theorem", panel=THEOREMS, help="Show only this registry entry (repeatable), e.g. song2021-21, du2019, condition-9.")] = None,
        latex: Annotated[bool, option("--latex", panel=OUTPUT, help="Print the formulas as LaTeX.")] = False,
        json_out: o.Json = False,
    ) -> None:
        from opcheck.commands.pipeline import run_bound
        from opcheck.render import bound_view

        if data_arg is not None:
            if data is not None:
                from opcheck.errors import InputError

                raise InputError("give the samples once: either DATA or --data")
            data = data_arg
        req = BoundRequest(n=n, d0=d0, d2=d2, activation=o.value(activation), init=o.value(init), t=t, constant=constant, batch_size=batch_size,
                           depth=depth, lambda0=lambda0, delta=delta, solve_for=solve_for, width=width, theorems=tuple(theorem or ()))
        report = run_bound(req, data=data, dataset=o.value(dataset), seed=seed)
        if json_out:
            typer.echo(bound_view.to_json(report))
        else:
            bound_view.render(report, latex=latex)
        raise typer.Exit(0)
