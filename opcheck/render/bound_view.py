"""Terminal and JSON views of :class:`~opcheck.theory.bound_result.BoundReport`.

Formats only: every number shown was computed by :mod:`opcheck.theory.compute`.
"""
from __future__ import annotations

import math
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from opcheck.render import json_out
from opcheck.theory.bound_result import BoundReport, TheoremRow
from opcheck.theory.evaluate import Number

HIGHLIGHT = "bold cyan"


# ------------------------------------------------------------------ formatting
def big(x: Number | None, integer: bool = True) -> str:
    """A width/count: grouped digits below 1e9, scientific above, 10^k beyond float64."""
    if x is None:
        return "n/a"
    if not math.isfinite(x.value):
        return f"10^{x.log10:.2f}"
    return count(x.value, integer)


def count(v: float | None, integer: bool = True) -> str:
    if v is None or not math.isfinite(v):
        return "n/a"
    if 1 <= abs(v) < 1e9:
        return f"{v:,.0f}" if integer and abs(v - round(v)) < 1e-6 * max(1.0, abs(v)) else f"{v:,.1f}"
    return f"{v:.3e}" if v != 0 else "0"


def small(v: float | None, digits: int = 4) -> str:
    if v is None:
        return "n/a"
    if not math.isfinite(v):
        return str(v)
    if v == 0 or 1e-3 <= abs(v) < 1e5:
        return f"{v:.{digits}g}"
    return f"{v:.{digits - 1}e}"


def factor(v: float | None) -> str:
    if v is None:
        return "n/a"
    if not math.isfinite(v):
        return "inf"
    return f"{v:.3g}x"


def exponent(row: TheoremRow) -> str:
    return f"{row.exponent_value:g}"


def source_label(row: TheoremRow) -> str:
    return row.source + (" · this paper" if row.this_paper else "")


# -------------------------------------------------------------------- JSON
def to_json(report: BoundReport) -> str:
    """One strict-JSON object (no NaN/Infinity tokens), ``schema_version`` first."""
    return json_out.dumps(report.as_dict(), schema_version=json_out.BOUND_SCHEMA_VERSION)


# -------------------------------------------------------------------- rich
def T(s: object, style: str = "") -> Text:
    """Plain text (never parsed as rich markup: '[derived]' must stay visible)."""
    return Text(str(s), style=style)


def _console() -> Console:
    console = Console(file=sys.stdout)
    if not console.is_terminal:
        console = Console(file=sys.stdout, width=160)
    return console


def _formula(text: str, latex: bool, row_latex: str) -> str:
    return row_latex if latex else text


def _width_cell(row: TheoremRow) -> Text:
    cell = Text(big(row.required_width))
    if row.t is not None:
        cell.append(f"  (t = {row.t})", style="dim")
    if row.omega1_width is not None:
        cell.append("\nomega1 scale: " + big(row.omega1_width), style="magenta")
        if row.omega1_t is not None:
            cell.append(f"  (t = {row.omega1_t}) [derived]", style="dim magenta")
    return cell


def _n_cell(row: TheoremRow) -> Text:
    cell = Text(count(None if row.solved_n is None else math.floor(row.solved_n * (1 + 1e-12))))
    if row.t is not None:
        cell.append(f"  (t = {row.t})", style="dim")
    if row.omega1_solved_n is not None:
        cell.append("\nomega1 scale: " + count(math.floor(row.omega1_solved_n * (1 + 1e-12))), style="magenta")
        if row.omega1_t is not None:
            cell.append(f"  (t = {row.omega1_t}) [derived]", style="dim magenta")
    return cell


def _theorem_table(report: BoundReport, latex: bool) -> Table:
    d1_mode = report.solve_for == "d1"
    inputs = {v.name: v.value for v in report.inputs}
    if d1_mode:
        title = f"Width each theorem requires (n = {inputs.get('n')}, d0 = {inputs.get('d0')}), smallest first"
    else:
        title = f"Largest n each theorem certifies at width d1 = {count(inputs.get('width'))} (d0 = {inputs.get('d0')}), largest first"
    table = Table(title=T(title), show_lines=True, title_justify="left")
    table.add_column("theorem")
    table.add_column("setting" if d1_mode else "formula (d1 >=)", overflow="fold")
    if d1_mode:
        table.add_column("formula (d1 >=)", overflow="fold")
        table.add_column("required d1", justify="right")
        table.add_column("parameters", justify="right")
        table.add_column("x (21)", justify="right")
    else:
        table.add_column("largest n", justify="right")
        table.add_column("d1 at that n", justify="right")
        table.add_column("parameters at d1", justify="right")
        table.add_column("n(21) / n", justify="right")
    table.add_column("exp. in n", justify="right")
    table.add_column("source")
    for row in report.theorems:
        name = Text(row.name + ("\n" + row.trained), style=HIGHLIGHT if row.this_paper else "")
        name.append(f"\n[{row.key}]", style="dim")
        formula = T(_formula(row.pretty, latex, row.latex))
        if d1_mode:
            cells = [name, T(row.setting), formula, _width_cell(row), T(big(row.parameters)), T(factor(row.factor))]
        else:
            cells = [name, formula, _n_cell(row), T(big(row.required_width)), T(big(row.parameters)), T(factor(row.factor))]
        src = Text(source_label(row))
        if row.note:
            src.append("\n" + row.note, style="dim")
        table.add_row(*cells, T(exponent(row)), src, style=HIGHLIGHT if row.reference else None)
    return table


def _per_t_table(report: BoundReport) -> Table:
    d1_mode = report.solve_for == "d1"
    has_data = any(r.sigma_min_data is not None for r in report.per_t)
    table = Table(title=T("(20) per t: xi_t = c0 (t!)^{3/2} / (sqrt(alpha_f) |c_t|^3) [derived], c_i at unit scale (1) and at omega1 (w1)"), title_justify="left")
    for col in ("t", "c0(1)", "c_t(1)", "xi_t(1)", "c0(w1)", "c_t(w1)", "xi_t(w1)"):
        table.add_column(col, justify="right")
    if d1_mode:
        table.add_column("sigma_min(X^{*t}) assumed", justify="right")
        if has_data:
            table.add_column("sigma_min(X^{*t}) data", justify="right")
            table.add_column("d1 (order analysis)", justify="right")
        table.add_column("d1 unit scale", justify="right")
        table.add_column("d1 omega1 scale", justify="right")
    else:
        table.add_column("largest n, unit scale", justify="right")
        table.add_column("largest n, omega1 scale", justify="right")
    table.add_column("note", overflow="fold", min_width=24)
    for r in report.per_t:
        cells = [str(r.t), small(r.unit.c0), small(r.unit.ct), small(r.unit.xi), small(r.omega1.c0), small(r.omega1.ct), small(r.omega1.xi)]
        if d1_mode:
            cells.append(small(r.sigma_min_assumed))
            if has_data:
                cells += [small(r.sigma_min_data), big(r.width_unit_assumed)]
            cells += [big(r.width_unit), big(r.width_omega1)]
        else:
            cells += [count(r.n_unit, integer=False), count(r.n_omega1, integer=False)]
        cells.append(r.note)
        table.add_row(*[T(c) for c in cells])
    return table


def _framework_table(report: BoundReport, latex: bool) -> Table:
    table = Table(title=T("Framework formulas (Theorems 1-2, Lemma 1); values: order analysis [derived] at this paper's width (20)"), show_lines=True, title_justify="left")
    table.add_column("formula")
    table.add_column("statement", overflow="fold")
    table.add_column("value", justify="right")
    table.add_column("what the value is")
    table.add_column("source")
    for f in report.framework:
        cells = (f"{f.name}\n[{f.key}]", f.latex if latex else f.pretty, small(None if f.value is None else f.value.value), f.value_name, f.source + ("\n" + f.note if f.note else ""))
        table.add_row(*[T(c) for c in cells])
    return table


def _comparison_table(report: BoundReport) -> Table:
    table = Table(title=T("Order-analysis assumptions vs the data"), title_justify="left")
    for col, just in (("quantity", "left"), ("assumed", "right"), ("assumed from", "left"), ("data", "right"), ("note", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for c in report.comparisons:
        table.add_row(*[T(x) for x in (c.quantity, small(c.assumed), c.assumed_source, small(c.actual), c.note)])
    return table


def _inputs_table(report: BoundReport) -> Table:
    table = Table(title=T("Inputs"), title_justify="left")
    for col in ("input", "value", "source", "note"):
        table.add_column(col)
    for v in report.inputs:
        val = small(v.value) if isinstance(v.value, float) else str(v.value)
        table.add_row(*[T(x) for x in (v.name, val, v.source, v.note)])
    return table


def render(report: BoundReport, latex: bool = False, console: Console | None = None) -> None:
    """Rich tables: inputs, theorems (this paper highlighted), per-t xi, framework, data vs assumed, notes."""
    console = console or _console()
    console.print(_inputs_table(report))
    console.print(_theorem_table(report, latex))
    if report.per_t:
        console.print(_per_t_table(report))
    if report.comparisons:
        console.print(_comparison_table(report))
    if report.framework:
        console.print(_framework_table(report, latex))
    for note in report.activation_notes:
        console.print(T("Assumption 2 fails for this activation: " + note, "yellow"))
    for note in report.notes:
        console.print(T("note: " + note, "dim"))
    console.print(T("symbols: " + report.legend, "dim"))
