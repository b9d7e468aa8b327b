"""``opcheck report`` — sweeps, plots and a written report (HTML, Markdown, JSON).

Parse the options, check the output folder, load the data as ``opcheck verify``
does, run :func:`opcheck.report.run.run_report` with rich progress bars on
stderr, draw the plots, write the folder atomically, print a short summary.
No mathematics here.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from opcheck._runtime import validation
from opcheck.commands import options as o
from opcheck.commands.options import DATA, NETWORK, OUTPUT, TRAINING, option

HELP = """Sweeps, plots and a written report: how does the width that training needs grow with n on your data?

Thresholds (measured, not extrapolated): for each n of a grid spanning a factor 20 and each of --seeds init seeds, bisection on log d1 finds the smallest width at which (a) the random-features Gram reaches half its infinite-width value, (b) the empirical NTK does (d2 = 1), (c) gradient descent stays within 2 % of its linearisation while it fits half the labels; their exponent in n is fitted with a 95 % interval and compared with 1, 3/2 (this paper) and 2. Then, on the main dataset: width at fixed n (mu_Phi, sigma_min(J), C_needed of (9), EXTRAPOLATED threshold), sample size (the (9) threshold against n), and omega2/omega1 at the He product over seeds (laziness, weight motion, held-out error).

Without DATA or --dataset the thresholds run on digits (real), the unit sphere with random labels and with teacher labels (d0 = 16). Work runs on Dask: a local cluster with --jobs workers, or an existing one with --scheduler tcp://HOST:PORT (or OPCHECK_SCHEDULER); --scheduler serial runs in this process. Results do not depend on the workers.

Writes report.html (self-contained), report.md, results.json and the plots as PNG files into --out. Measured 2026-11-29 on 2 cores, 2 workers, other load about 2: the default 113 s (214 CPU seconds), --quick 20 s (35 CPU seconds); longer when other work shares the cores (default 358 s at load 4-7).

Examples:

    opcheck report

    opcheck report --quick --out quick-report/

    opcheck report data.npz --n 300 --sweeps width,init-ratio

Exit codes: 0 = the report was written; 2 = bad input or usage; 3 = internal error (a bug); 130 = interrupted (no half-written report is left).
"""


#: execution details that change no number: recorded with the timings, not in the provenance
NOT_PROVENANCE = ("jobs", "scheduler")


class _Bars:
    """Adapter from :class:`opcheck.report.run.Progress` to rich progress bars (stderr)."""

    NAMES = {"thresholds": "threshold searches", "width": "width sweep", "samples": "sample-size sweep", "init-ratio": "init-ratio sweep"}

    def __init__(self, progress):
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def start(self, part: str, total: int) -> None:
        self.tasks[part] = self.progress.add_task(self.NAMES.get(part, part), total=total, detail="")

    def status(self, part: str, st) -> None:
        self.progress.update(self.tasks[part], completed=st.done, detail=f"{st.running} running, {st.remaining} to go")

    def running_on(self, execution: dict) -> None:
        from opcheck.commands.common import dashboard_line

        where = {"serial": "in this process", "local": f"a local Dask cluster of {execution['workers']} worker(s)",
                 "remote": f"the Dask scheduler at {execution['scheduler']} ({execution['workers']} worker(s))"}[execution["mode"]]
        self.progress.console.print(f"opcheck report: running on {where}", highlight=False, markup=False, soft_wrap=True)
        dashboard_line(self.progress.console, "opcheck report", execution.get("dashboard"))

    def finish(self, part: str, seconds: float) -> None:
        self.progress.update(self.tasks[part], detail=f"done in {seconds:.1f} s")


def register(app: typer.Typer) -> None:
    """Add ``opcheck report`` to ``app``.

    Long only because Typer needs every parameter in the signature (declared once in
    :mod:`opcheck.commands.options`); the body parses and calls the report pipeline.
    """
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
        quick: Annotated[bool, option("--quick", panel=TRAINING, help="Smaller report: thresholds at 5 values of n up to 800 (GD up to 200), sweeps at n = 100 with fewer widths and 100 GD steps; its summary says which findings it cannot support.")] = False,
        steps: Annotated[Optional[int], option("--steps", panel=TRAINING, help="Gradient-descent steps per point (default 300; --quick 100).")] = None,
        tol: Annotated[float, option("--tol", panel=TRAINING, help="GD 'converged' once h < tol (absolute; ||Y||_F <= 1 after normalisation).")] = 1e-2,
        lr: o.Lr = None,
        seeds: Annotated[int, option("--seeds", panel=TRAINING, help="Init seeds per threshold and per init-ratio point (default 3).")] = 3,
        n_max: Annotated[Optional[int], option("--n-max", panel=TRAINING, help="Largest n of the threshold grids (default 1600, --quick 800; capped by the data).")] = None,
        gd_budget: Annotated[int, option("--gd-budget", panel=TRAINING, help="GD steps allowed per run of the GD threshold (default 1000).")] = 1000,
        jobs: Annotated[Optional[int], option("--jobs", panel=TRAINING, help="Local Dask worker processes (default: the CPU count); results do not depend on it.")] = None,
        scheduler: Annotated[Optional[str], option("--scheduler", panel=TRAINING, help="Dask scheduler address tcp://HOST:PORT (default: $OPCHECK_SCHEDULER, else a local cluster); 'serial' runs in this process.")] = None,
        out: Annotated[Path, option("--out", panel=OUTPUT, help="Report folder (created; an earlier opcheck report there is replaced).")] = Path("opcheck-report"),
        force: Annotated[bool, option("--force", panel=OUTPUT, help="Write into a non-empty folder that is not an opcheck report (other files are kept).")] = False,
    ) -> None:
        # rich's console and progress bars are imported here, not at module level: `--help` needs neither
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        from opcheck.commands.common import command_line, warn_unused
        from opcheck.commands.pipeline import finish_report, prepare_report, report_datasets, report_raw, report_scheduler
        from opcheck.report.config import DEFAULT_STEPS, QUICK_STEPS, ReportConfig, parse_sweeps, validate
        from opcheck.report.writer import destination_mode

        t_all = time.perf_counter()
        activation, init, labels, dataset = o.value(activation), o.value(init), o.value(labels), o.value(dataset)
        config = ReportConfig(activation=activation, init=init, seed=seed, constant=constant, steps=(steps if steps is not None else (QUICK_STEPS if quick else DEFAULT_STEPS)),
                              tol=tol, lr=lr, test_fraction=test_fraction, sweeps=parse_sweeps(sweeps), quick=quick, n=n,
                              seeds=seeds, gd_budget=gd_budget, n_max=n_max)
        validate(config)
        validation.positive_int(jobs, "--jobs")
        scheduler = report_scheduler(scheduler)
        destination_mode(out, force)  # refuse early, before any work
        raw = report_raw(data, dataset, n, d0, label_column, seed, config)
        key, more = report_datasets(data, dataset, labels, config)
        if raw.y is not None:
            warn_unused(ctx, {"labels": "--labels", "d2": "--d2"}, "on labelled data (the data's own labels are the targets)")
        err = Console(stderr=True)
        with err.status("opcheck report: preparing the data", spinner="dots"):
            prepared = prepare_report(raw, config, labels=labels, d2=d2, key=key, more=more)  # every input error surfaces here, before the bars
        columns = (SpinnerColumn(), TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                   TimeElapsedColumn(), TextColumn("[dim]{task.fields[detail]}"))
        with Progress(*columns, console=err, transient=True) as bars:
            files: list[int] = []

            def stage(text: str) -> None:  # after the sweeps: plots, then the folder
                if not files:
                    files.append(bars.add_task("plots and files", total=2, detail=""))
                bars.update(files[0], advance=1, detail=text)

            inputs = {"out": str(out), "data": str(data) if data else None, "dataset": dataset, "d0": d0, "label_column": label_column, "labels": labels, "d2": d2}
            run = finish_report(prepared, config, out=out, force=force, jobs=jobs, scheduler=scheduler, command_line=command_line(ctx, skip=NOT_PROVENANCE),
                                inputs=inputs, progress=_Bars(bars), stage=stage)
        _summary(Console(), run.document, run.written, run.seconds_writing, time.perf_counter() - t_all)
        raise typer.Exit(0)


def _summary(con, doc: dict, written, t_write: float, total: float) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="opcheck report — time per part", show_header=True, header_style="bold")
    table.add_column("part")
    table.add_column("seconds", justify="right")
    for part, secs in doc["timings"]["parts_seconds"].items():
        table.add_row(part, f"{secs:.1f}")
    table.add_row("writing", f"{t_write:.1f}")
    table.add_row("[bold]total", f"[bold]{total:.1f}")
    con.print(table)
    for box in doc["summary"]:
        con.print(f"• {box['dataset']}: {box['headline']}", highlight=False, markup=False)
    if not doc["summary"]:
        for line in doc["findings"][:3]:
            con.print(f"• {line}", highlight=False, markup=False)
    con.print(f"  {len(doc['findings'])} findings in the report", style="dim")
    how = {"new": "written", "replace": "replaced an earlier report", "merge": "merged into an existing folder (--force)"}[written.mode]
    con.print(f"Report ({how}): [bold]{escape(str(written.path / 'report.html'))}[/] — {len(written.files)} files in {escape(str(written.path))}",
              highlight=False, soft_wrap=True)
