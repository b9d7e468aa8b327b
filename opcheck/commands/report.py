"""``opcheck report`` — sweeps, plots and a written report (HTML, Markdown, JSON).

Parse the options, check the output folder, load the data as ``opcheck verify``
does, run :func:`opcheck.report.run.run_report` with rich progress bars on
stderr, draw the plots, write the folder atomically, print a short summary.
No mathematics here.
"""
from __future__ import annotations

import math
import shlex
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from opcheck._runtime import validation
from opcheck.commands import options as o
from opcheck.commands.options import DATA, NETWORK, OUTPUT, TRAINING, option

HELP = """Sweeps, plots and a written report: does the theorem's width threshold show up on your data?

Runs up to three sweeps, each a grid of `opcheck verify` runs plus gradient descent: width at fixed n (mu_Phi, sigma_min(J), C_needed of (9), GD outcome, the width threshold); sample size at fixed d0 (the threshold against n and a log-log fit of its exponent beside the paper's 3/2 and the prior results'); omega2/omega1 at the fixed He product (laziness, weight motion, held-out error). Thresholds beyond the measured widths are extrapolated and labelled so.

Writes report.html (self-contained), report.md, results.json and the plots as PNG files into --out. Without DATA it runs on the built-in digits data: 1.5 to 3 minutes on 2 cores; --quick about 12 seconds.

Examples:

    opcheck report

    opcheck report --quick --out quick-report/

    opcheck report data.npz --n 300 --sweeps width,init-ratio

Exit codes: 0 = the report was written; 2 = bad input.
"""


class _Bars:
    """Adapter from :class:`opcheck.report.run.Progress` to rich progress bars (stderr)."""

    NAMES = {"width": "width sweep", "samples": "sample-size sweep", "init-ratio": "init-ratio sweep"}

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def start(self, part: str, total: int) -> None:
        self.tasks[part] = self.progress.add_task(self.NAMES.get(part, part), total=total, detail="")

    def advance(self, part: str, detail: str) -> None:
        self.progress.update(self.tasks[part], advance=1, detail=detail)

    def finish(self, part: str, seconds: float) -> None:
        self.progress.update(self.tasks[part], detail=f"done in {seconds:.1f} s")


#: execution details that change no number: recorded with the timings, not in the provenance
NOT_PROVENANCE = ("jobs",)


def _command_line(ctx: typer.Context) -> str:
    """The equivalent command line: every option that differs from its default (except --jobs)."""
    words = ["opcheck", "report"]
    for p in ctx.command.params:
        if p.name in NOT_PROVENANCE:
            continue
        val = o.value(ctx.params.get(p.name))
        if p.param_type_name == "argument":
            if val is not None:
                words.append(str(val))
            continue
        if val == o.value(p.default) or val is None:
            continue
        if getattr(p, "is_flag", False) and isinstance(val, bool):
            if p.secondary_opts:
                words.append(p.opts[0] if val else p.secondary_opts[0])
            elif val:
                words.append(p.opts[0])
            continue
        words += [p.opts[0], str(val)]
    return shlex.join(words)


def register(app: typer.Typer) -> None:
    @app.command("report", help=HELP)
    def report(
        ctx: typer.Context,
        data: o.DataFile = None,
        dataset: o.Dataset = None,
        n: Annotated[Optional[int], option("--n", panel=DATA, help="Training samples n of the width and init-ratio sweeps (default 200; --quick 100); the sample sweep spans n/4 .. 1.6 n.")] = None,
        d0: o.D0 = None,
        label_column: o.LabelColumn = None,
        labels: o.LabelsOpt = o.Labels.teacher,
        d2: o.D2 = 1,
        test_fraction: Annotated[float, option("--test-fraction", panel=DATA, help="Fraction of each drawn pool held out for the test error (0 = none).")] = 0.2,
        seed: o.Seed = 0,
        activation: o.ActivationOpt = o.Activation.gelu,
        init: Annotated[o.Init, o.choice("--init", panel=NETWORK, help="Init scheme of the width and sample sweeps (the ratio sweep uses the He product).")] = o.Init.lecun,
        constant: o.Constant = 1.0,
        sweeps: Annotated[Optional[str], option("--sweeps", panel=TRAINING, help="Comma list of width, samples, init-ratio to run; or no-NAME to skip one (default: all).")] = None,
        quick: Annotated[bool, option("--quick", panel=TRAINING, help="Smaller sweeps (n = 100, fewer widths, 100 GD steps): under a minute on 2 cores.")] = False,
        steps: Annotated[Optional[int], option("--steps", panel=TRAINING, help="Gradient-descent steps per point (default 300; --quick 100).")] = None,
        tol: Annotated[float, option("--tol", panel=TRAINING, help="GD 'converged' once h < tol (absolute; ||Y||_F <= 1 after normalisation).")] = 1e-2,
        lr: o.Lr = None,
        jobs: Annotated[Optional[int], option("--jobs", panel=TRAINING, help="Worker processes (default: CPU count, at most 4); results do not depend on it.")] = None,
        out: Annotated[Path, option("--out", panel=OUTPUT, help="Report folder (created; an earlier opcheck report there is replaced).")] = Path("opcheck-report"),
        force: Annotated[bool, option("--force", panel=OUTPUT, help="Write into a non-empty folder that is not an opcheck report (other files are kept).")] = False,
    ) -> None:
        from opcheck.commands.common import build_dataset, load_raw, warn_unused
        from opcheck.report.config import DEFAULT_N, DEFAULT_STEPS, QUICK_N, QUICK_STEPS, ReportConfig, parse_sweeps, validate
        from opcheck.data.splits import pool_size
        from opcheck.report.executor import default_jobs
        from opcheck.report.plots import all_plots
        from opcheck.report.provenance import collect
        from opcheck.report.run import prepare, run_report
        from opcheck.report.writer import destination_mode, write_report

        t_all = time.perf_counter()
        activation, init, labels, dataset = o.value(activation), o.value(init), o.value(labels), o.value(dataset)
        chosen = parse_sweeps(sweeps)
        config = ReportConfig(activation=activation, init=init, seed=seed, constant=constant, steps=(steps if steps is not None else (QUICK_STEPS if quick else DEFAULT_STEPS)),
                              tol=tol, lr=lr, test_fraction=test_fraction, sweeps=chosen, quick=quick, n=n)
        validate(config)
        validation.positive_int(jobs, "--jobs")
        destination_mode(out, force)  # refuse early, before any work
        sphere = data is None and dataset == o.BuiltinData.sphere.value
        gen_n = None
        if sphere:
            top = 1.6 if ("samples" in chosen and not quick) else 1.0
            gen_n = max(1000, pool_size(int(math.ceil((n or (QUICK_N if quick else DEFAULT_N)) * top)), test_fraction))
        raw = load_raw(data, dataset, gen_n, d0, label_column, seed)
        if raw.y is not None:
            warn_unused(ctx, {"labels": "--labels", "d2": "--d2"}, "on labelled data (the data's own labels are the targets)")

        def build(r, m):
            return build_dataset(r, n=m, labels=labels, d2=d2, normalize=True, seed=seed, activation=activation, init=init,
                                 width=None, omega1=None, omega2=None)

        err = Console(stderr=True)
        workers = jobs or default_jobs()
        with err.status("opcheck report: preparing the data", spinner="dots"):
            prepared = prepare(raw, build, config)  # every input error surfaces here, before the bars
        columns = (SpinnerColumn(), TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("[dim]{task.fields[detail]}"))
        with Progress(*columns, console=err, transient=True) as bars:
            result = run_report(prepared, jobs=workers, progress=_Bars(bars))
            status = bars.add_task("plots and files", total=2, detail="")
            t = time.perf_counter()
            prov = collect(_command_line(ctx), config.as_dict() | {"out": str(out), "data": str(data) if data else None,
                                                                  "dataset": dataset, "d0": d0, "label_column": label_column, "labels": labels, "d2": d2},
                           {"seed": seed, "streams": "opcheck._runtime.seeding purposes: subset, split, init, teacher, random_labels, sphere, lanczos"},
                           {"source": result.data["source"], "raw_sha256": result.data["raw_sha256"], "prepared_sha256": result.data["prepared_sha256"]})
            doc = result.as_dict() | {"provenance": prov.as_dict()}
            plots = all_plots(doc)
            doc["timings"]["parts_seconds"]["plots"] = time.perf_counter() - t
            bars.update(status, advance=1, detail=f"{len(plots)} plots")
            t = time.perf_counter()
            written = write_report(out, doc, plots, force=force)
            t_write = time.perf_counter() - t
            bars.update(status, advance=1, detail="written")
        _summary(Console(), doc, written, t_write, time.perf_counter() - t_all)
        raise typer.Exit(0)


def _summary(con: Console, doc: dict, written, t_write: float, total: float) -> None:
    table = Table(title="opcheck report — time per part", show_header=True, header_style="bold")
    table.add_column("part")
    table.add_column("seconds", justify="right")
    for part, secs in doc["timings"]["parts_seconds"].items():
        table.add_row(part, f"{secs:.1f}")
    table.add_row("writing", f"{t_write:.1f}")
    table.add_row("[bold]total", f"[bold]{total:.1f}")
    con.print(table)
    for line in doc["findings"][:3]:
        con.print(f"• {line}", highlight=False, markup=False)
    if len(doc["findings"]) > 3:
        con.print(f"  … {len(doc['findings']) - 3} more findings in the report", style="dim")
    how = {"new": "written", "replace": "replaced an earlier report", "merge": "merged into an existing folder (--force)"}[written.mode]
    con.print(f"Report ({how}): [bold]{escape(str(written.path / 'report.html'))}[/] — {len(written.files)} files in {escape(str(written.path))}",
              highlight=False, soft_wrap=True)
