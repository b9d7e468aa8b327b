"""Options and loading shared by the sub-commands (data, init, seed)."""
from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from opcheck._runtime import memory, validation
from opcheck.model.activations import get_activation
from opcheck.data.prepare import Dataset, headline_width, prepare_dataset
from opcheck.errors import InputError
from opcheck.data.loaders import DIGITS_DEFAULT_N, RawSamples, load_builtin, load_file
from opcheck.model.network import Params, forward, init_scales, sample_params


def load_raw(data: Path | None, dataset: str | None, n: int | None, d0: int | None, label_column: str | None, seed: int) -> RawSamples:
    """DATA file or ``--dataset``; the default is the built-in digits data."""
    if data is not None and dataset is not None:
        raise InputError("give either a DATA file or --dataset, not both")
    if data is not None:
        if d0 is not None:
            raise InputError("--d0 applies to --dataset sphere only")
        return load_file(str(data), label_column)
    if label_column is not None:
        raise InputError("--label-column applies to .csv files only")
    return load_builtin(dataset or "digits", n, d0, seed)


def default_subset(data: Path | None, dataset: str | None, n: int | None) -> int | None:
    """``opcheck verify`` on the built-in digits without ``--n`` takes a seeded subset of
    ``DIGITS_DEFAULT_N`` samples (the full 1797 make J Jᵀ of order 17 970: minutes, not seconds)."""
    if n is None and data is None and (dataset or "digits").strip().lower() == "digits":
        return DIGITS_DEFAULT_N
    return n


def make_teacher(activation: str, init: str | None, width: int | None, omega1: float | None, omega2: float | None):
    """A random teacher of the same architecture (same φ, init scheme and width) — own seed stream."""
    act = get_activation(activation)

    def teacher(X: np.ndarray, d2: int, rng: np.random.Generator) -> np.ndarray:
        d0, n = X.shape
        d1 = width or headline_width(n, d0)
        scales = init_scales(init, d0, d1, d2, omega1, omega2)
        memory.require(
            memory.float64_bytes((d1, d0), (d1, n), (d1, n), (d2, d1)),
            f"the teacher network at width d1 = {d1}, n = {n}",
            "use a smaller --width or --n, or --labels random",
        )
        return forward(sample_params(scales, d0, d1, d2, rng), X, act, with_derivative=False).Z

    return teacher


def build_dataset(
    raw: RawSamples,
    *,
    n: int | None,
    labels: str,
    d2: int,
    normalize: bool,
    seed: int,
    activation: str,
    init: str | None,
    width: int | None,
    omega1: float | None,
    omega2: float | None,
    standardize: bool = False,
) -> Dataset:
    """Subset, (standardise,) normalise and label (teacher labels use the student's architecture)."""
    validation.positive_int(width, "--width")
    take_n = None if raw.source.startswith("sphere") else n  # for sphere, --n is the generated size
    return prepare_dataset(
        raw,
        n=take_n,
        labels=labels,
        d2=d2,
        normalize=normalize,
        seed=seed,
        teacher=make_teacher(activation, init, width, omega1, omega2),
        standardize=standardize,
    )


def load_init_params(path: Path) -> Params:
    """``--init-params``: an .npz with W0 (d1 × d0) and V0 (d2 × d1)."""
    from opcheck.data.loaders import load_npz_arrays

    arrays = load_npz_arrays(str(path), ("W0", "V0"))
    W, V = (np.asarray(arrays[k]) for k in ("W0", "V0"))
    for name, a in (("W0", W), ("V0", V)):
        if a.ndim != 2:
            raise InputError(f"{path}: {name} must be 2-D, got shape {a.shape}")
        if a.dtype.kind not in "iuf":
            raise InputError(f"{path}: {name} has dtype {a.dtype}, expected real numbers")
    return Params(np.asarray(W, dtype=np.float64), np.asarray(V, dtype=np.float64))


def save_init(path: Path, params: Params, ds: Dataset) -> None:
    """``--save-init``: exactly what was used — W0, V0, X (d0 × n, normalised), Y (d2 × n)."""
    if path.suffix != ".npz":
        raise InputError(f"--save-init needs a .npz path, got {path}")
    if not path.parent.exists():
        raise InputError(f"--save-init: folder {path.parent} does not exist")
    np.savez(path, W0=params.W, V0=params.V, X=ds.X, Y=ds.Y)


def check_train_options(steps: int, tol: float | None, lr: float | None, layers: str, sigma_points: int) -> None:
    """Validate the ``--train`` options before any work (the rules of :func:`~opcheck.checks.gradient_descent.check_train_config`)."""
    from opcheck.checks.gradient_descent import TrainConfig, check_train_config

    check_train_config(TrainConfig(steps=steps, lr=lr, tol=tol, layers=layers, sigma_points=sigma_points))


@contextlib.contextmanager
def training_progress(console, steps: int):
    """A rich progress bar on stderr: yields (on_step(step, loss), on_stage(text))."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("h = {task.fields[loss]}"), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("gradient descent", total=steps, loss="—")

        def on_step(step: int, loss: float) -> None:
            if step % 10 == 0 or step == steps:
                bar.update(task, completed=step, loss=f"{loss:.3e}")

        def on_stage(text: str) -> None:
            bar.update(task, description=text[:40])

        yield on_step, on_stage
