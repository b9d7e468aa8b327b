"""Options and loading shared by the sub-commands (data, init, seed)."""
from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

import numpy as np

from opcheck._runtime import memory, validation
from opcheck.model.activations import get_activation
from opcheck.data.prepare import Dataset, column_norms, headline_width, prepare_dataset
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
        raw = load_file(str(data), label_column)
        for note in raw.notes:
            warn(note)
        return raw
    if label_column is not None:
        raise InputError("--label-column applies to .csv files only")
    return load_builtin(dataset or "digits", n, d0, seed)


def warn(message: str) -> None:
    """One line on stderr for something the user should know; the run goes on."""
    import typer

    typer.echo(f"opcheck: warning: {' '.join(message.split())}", err=True)


def given(ctx, name: str) -> bool:
    """Whether option ``name`` was given on the command line (not its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def warn_unused(ctx, names: dict[str, str], why: str) -> None:
    """Warn once for the given options (param name → flag) that do nothing because of ``why``."""
    flags = [flag for name, flag in names.items() if given(ctx, name)]
    if flags:
        warn(f"{', '.join(flags)} {'has' if len(flags) == 1 else 'have'} no effect {why}")


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
    offer_no_normalize: bool = False,
) -> Dataset:
    """Subset, (standardise,) normalise and label (teacher labels use the student's architecture)."""
    validation.positive_int(width, "--width")
    take_n = None if raw.generated else n  # for generated samples (sphere), --n is the generated size
    return prepare_dataset(
        raw,
        n=take_n,
        labels=labels,
        d2=d2,
        normalize=normalize,
        seed=seed,
        teacher=make_teacher(activation, init, width, omega1, omega2),
        standardize=standardize,
        offer_no_normalize=offer_no_normalize,
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
        if a.size == 0:
            raise InputError(f"{path}: {name} is empty (shape {a.shape})")
    W, V = np.asarray(W, dtype=np.float64), np.asarray(V, dtype=np.float64)
    for name, a in (("W0", W), ("V0", V)):
        if not np.isfinite(a).all():
            raise InputError(f"{path}: {name} has non-finite entries")
        rms = float(column_norms(a.reshape(-1, 1))[0]) / math.sqrt(a.size)
        if rms > 0:  # all zeros is a (degenerate) start the checks handle
            validation.magnitude(rms, f"{path}: the RMS of {name}'s entries", *validation.SCALE_RANGE, " (the scale of the initial weights, like --omega1/--omega2)")
    return Params(W, V)


def check_save_init(path: Path) -> None:
    """``--save-init`` is checked before any work: a .npz path, not a folder, in a writable folder."""
    import tempfile

    if path.suffix != ".npz":
        raise InputError(f"--save-init needs a .npz path, got {path}")
    if path.is_dir():
        raise InputError(f"--save-init {path} is a folder; give a file name ending in .npz")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"--save-init: folder {folder} does not exist")
    try:  # a real probe: permissions, ACLs and read-only mounts (os.access is blind to some)
        fd, probe = tempfile.mkstemp(prefix=".opcheck-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"--save-init: cannot write into {folder} ({exc.strerror or exc})") from None


def save_init(path: Path, params: Params, ds: Dataset) -> None:
    """``--save-init``: exactly what was used — W0, V0, X (d0 × n, normalised), Y (d2 × n)."""
    check_save_init(path)
    try:
        np.savez(path, W0=params.W, V0=params.V, X=ds.X, Y=ds.Y)
    except OSError as exc:
        raise InputError(f"--save-init {path}: writing failed ({exc.strerror or exc})") from None


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


def dashboard_line(console, who: str, link: str | None) -> None:
    """``WHO: Dask dashboard: LINK`` on ``console`` when the cluster serves a dashboard (bokeh installed); else nothing."""
    if link:
        console.print(f"{who}: Dask dashboard: {link}", highlight=False, markup=False, soft_wrap=True)


def command_line(ctx, skip: tuple[str, ...] = ()) -> str:
    """The equivalent command line of a Typer context: every option that differs from its default."""
    import shlex

    from opcheck.commands.options import value

    words = ["opcheck", ctx.info_name]
    for p in ctx.command.params:
        if p.name in skip:
            continue
        val = value(ctx.params.get(p.name))
        if p.param_type_name == "argument":
            if val is not None:
                words.append(str(val))
            continue
        if val == value(p.default) or val is None:
            continue
        if getattr(p, "is_flag", False) and isinstance(val, bool):
            if p.secondary_opts:
                words.append(p.opts[0] if val else p.secondary_opts[0])
            elif val:
                words.append(p.opts[0])
            continue
        words += [p.opts[0], str(val)]
    return shlex.join(words)
