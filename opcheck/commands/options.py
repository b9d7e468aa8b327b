"""The command-line options shared by ``opcheck verify``, ``report`` and ``bound``.

Each option is declared once, as an ``Annotated`` type whose metadata is the
:func:`typer.Option`; a command uses it as ``n: options.N = None``.  Options are
grouped in help panels (:data:`DATA`, :data:`NETWORK`, :data:`TRAINING`,
:data:`OUTPUT`).  Named choices are :class:`enum.Enum` classes: ``--help`` lists
them, shell completion offers them, and an unknown name is refused with the list
and a suggestion (the translation lives in :mod:`opcheck.cli`).

The enums spell the names of the lower layers (``opcheck.model.activations.NAMES``,
``opcheck.model.network.SCHEMES``, ``opcheck.data.prepare.LABEL_MODES``,
``opcheck.checks.gradient_descent.LAYERS``, ``opcheck.data.loaders.BUILTIN``); they
are written out here so that ``opcheck --help`` does not import numpy, and
``tests/test_options.py`` checks that the two never drift apart.
"""
from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = [
    "Activation", "BuiltinData", "Init", "Labels", "TrainLayers",
    "DATA", "NETWORK", "TRAINING", "OUTPUT", "COMPUTE", "choice", "option", "value",
]

DATA = "Data"
NETWORK = "Network"
TRAINING = "Training (--train)"
OUTPUT = "Output"
COMPUTE = "Compute (Dask)"


def _choices(name: str, names: tuple[str, ...], doc: str) -> type[enum.Enum]:
    """A ``str`` enum whose members are ``names`` (member name = value)."""
    cls = enum.Enum(name, [(n, n) for n in names], type=str, module=__name__)
    cls.__doc__ = doc
    return cls


Activation = _choices("Activation", ("gelu", "softplus", "tanh", "sigmoid", "silu", "relu"), "φ of the network (opcheck.model.activations).")
Init = _choices("Init", ("lecun", "he", "xavier"), "Initialization scheme of W0 and V0 (opcheck.model.network.init_scales).")
BuiltinData = _choices("BuiltinData", ("digits", "sphere"), "Built-in samples (opcheck.data.loaders.load_builtin).")
Labels = _choices("Labels", ("teacher", "random", "zeros"), "Synthetic targets when the data have none (opcheck.data.prepare).")
TrainLayers = _choices("TrainLayers", ("both", "first", "second"), "Which layers gradient descent trains (opcheck.checks.gradient_descent).")


def value(x: enum.Enum | str | None) -> str | None:
    """The plain name of an enum choice (``None`` stays ``None``)."""
    return x.value if isinstance(x, enum.Enum) else x


def option(*names: str, panel: str, help: str, **kw) -> typer.models.OptionInfo:
    """A :func:`typer.Option` in a help panel (for the options one command has alone)."""
    return typer.Option(*names, rich_help_panel=panel, help=help, **kw)


def choice(*names: str, panel: str, help: str, values: type[enum.Enum] | None = None) -> typer.models.OptionInfo:
    """An option whose type is one of the enums above (names case-insensitive).

    With ``values``, the help lists the names and the metavar is a short ``<name>``, so a
    long list never splits inside the metavar column at 80 columns.
    """
    if values is None:
        return typer.Option(*names, rich_help_panel=panel, help=help, case_sensitive=False)
    listed = ", ".join(str(v.value) for v in values)
    return typer.Option(*names, rich_help_panel=panel, help=f"{help} One of: {listed}.", case_sensitive=False, metavar="<name>")


# ----------------------------------------------------------------------- data
DataFile = Annotated[Optional[Path], typer.Argument(
    metavar="DATA", show_default=False,
    help="Samples as rows: .npy (X), .npz (X and y or Y), or .csv. Default: --dataset digits.")]
Dataset = Annotated[Optional[BuiltinData], choice(
    "--dataset", panel=DATA,
    help="Built-in data: digits (scikit-learn, 1797 x 64, 10 classes) or sphere (uniform on the unit sphere).")]
D0 = Annotated[Optional[int], option("--d0", panel=DATA, help="Input dimension for --dataset sphere.")]
LabelColumn = Annotated[Optional[str], option("--label-column", panel=DATA, help="CSV label column: header name or 0-based index.")]
LabelsOpt = Annotated[Labels, choice("--labels", panel=DATA, help="Targets when the data have none.", values=Labels)]
D2 = Annotated[int, option("--d2", panel=DATA, help="Output dimension for synthetic targets.")]
Seed = Annotated[int, option("--seed", panel=DATA, min=0, metavar="<int>", help="Seed of every random stream (subsets, split, init, teacher, Lanczos).")]

# -------------------------------------------------------------------- network
ActivationOpt = Annotated[Activation, choice("--activation", "-a", panel=NETWORK, help="The activation φ.", values=Activation)]
InitOpt = Annotated[Init, choice("--init", panel=NETWORK, help="Init scheme of W0 and V0 (verify: or give --omega1/--omega2).")]
Constant = Annotated[float, option(
    "--constant", panel=NETWORK,
    help="C9, the constant hidden by O(.) in (9) (the paper does not give it); (20) and (21) use 1/sqrt(C9), Lemma 2 1/(2 sqrt(C9)) (docs/theory.md).")]

# ------------------------------------------------------------------- training
Steps = Annotated[Optional[int], option("--steps", panel=TRAINING, help="Gradient-descent steps.")]
LR_HELP = "Step size (default 1/lambda_max of the Hessian of h at Theta0 [derived])."
Lr = Annotated[Optional[float], option("--lr", panel=TRAINING, help=LR_HELP)]
#: verify's --lr: a number or 'theorem'
LrOrTheorem = Annotated[Optional[str], option("--lr", panel=TRAINING, metavar="<float|theorem>",
                                              help=LR_HELP + " Checked against (13); 'theorem' trains with the (13) step at C13.")]

# -------------------------------------------------------------------- compute
Scheduler = Annotated[Optional[str], option(
    "--scheduler", panel=COMPUTE, envvar="OPCHECK_SCHEDULER", metavar="ADDRESS",
    help="A Dask scheduler (tcp://HOST:PORT) to run on; default: local worker processes (spilling to disk) when the work needs them.")]
WBlock = Annotated[bool, option(
    "--w-block", panel=COMPUTE,
    help="Also compute sigma_min and sigma_max of the first-layer block J_W (no hypothesis uses them; "
         "one more Cholesky factorisation of order d2 n: about a third of the run at d2 = 10).")]
NoDistributed = Annotated[bool, option(
    "--no-distributed", panel=COMPUTE,
    help="Keep every Jacobian Gram on this machine: refuse, with the figure, when one does not fit its memory.")]

# --------------------------------------------------------------------- output
Json = Annotated[bool, option("--json", panel=OUTPUT, help="Print one JSON object on stdout and nothing else.")]
