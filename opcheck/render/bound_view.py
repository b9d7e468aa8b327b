"""Terminal and JSON views of :class:`~opcheck.theory.bound_result.BoundReport`.

Formats only: every number shown was computed by :mod:`opcheck.theory.compute`.
"""
from __future__ import annotations

import math

from rich.console import Console
from rich.text import Text

from opcheck.render import json_out
from opcheck.render.layout import print_rows, stdout_console
from opcheck.theory.bound_result import BoundReport, TheoremRow
from opcheck.theory.evaluate import Number

HIGHLIGHT = "bold cyan"


# ------------------------------------------------------------------ formatting
def big(x: Number | None, integer: bool = True) -> str:
    """A width/count: the integer ⌈x⌉ with grouped digits below 1e9, scientific above, 10^k beyond float64."""
    if x is None:
        return "n/a"
    if not math.isfinite(x.value):
        return f"10^{x.log10:.2f}"
    return count(x.value, integer)


def count(v: float | None, integer: bool = True, down: bool = False) -> str:
    """Widths and parameter counts are integers: ⌈v⌉ (``down``: ⌊v⌋, for the largest n certified)."""
    if v is None or not math.isfinite(v):
        return "n/a"
    if abs(v) < 1e9:
        k = math.floor(v * (1 + 1e-12)) if down else math.ceil(v * (1 - 1e-12))
        return f"{k:,}"
    return f"{v:.3e}"


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


def _flat(text: object) -> str:
    return str(text)


def _width_cell(row: TheoremRow) -> str:
    cell = big(row.required_width) + (f" (t = {row.t})" if row.t is not None else "")
    if row.omega1_width is not None:
        cell += "\nomega1 scale: " + big(row.omega1_width) + (f" (t = {row.omega1_t}) [derived]" if row.omega1_t is not None else "")
    return cell


def _n_cell(row: TheoremRow) -> str:
    cell = count(row.solved_n, down=True) + (f" (t = {row.t})" if row.t is not None else "")
    if row.omega1_solved_n is not None:
        cell += "\nomega1 scale: " + count(row.omega1_solved_n, down=True) + (f" (t = {row.omega1_t}) [derived]" if row.omega1_t is not None else "")
    return cell


def _theorem_table(console: Console, report: BoundReport, latex: bool) -> None:
    d1_mode = report.solve_for == "d1"
    inputs = {v.name: v.value for v in report.inputs}
    if d1_mode:
        title = f"Width each theorem requires (n = {inputs.get('n')}, d0 = {inputs.get('d0')}), smallest first"
        headers = ["theorem", "setting", "required d1", "parameters", "x (21)", "exp. in n", "source"]
    else:
        title = f"Largest n each theorem certifies at width d1 = {count(inputs.get('width'))} (d0 = {inputs.get('d0')}), largest first"
        headers = ["theorem", "largest n", "d1 at that n", "parameters at d1", "n(21) / n", "exp. in n", "source"]
    rows, styles = [], []
    for row in report.theorems:
        name = f"{row.name}\n{row.trained}\n[{row.key}]"
        src = source_label(row) + (f"\n{row.note}" if row.note else "")
        if d1_mode:
            rows.append([name, row.setting, _width_cell(row), big(row.parameters), factor(row.factor), exponent(row), src])
        else:
            rows.append([name, _n_cell(row), big(row.required_width), big(row.parameters), factor(row.factor), exponent(row), src])
        styles.append(HIGHLIGHT if row.reference else ("cyan" if row.this_paper else ""))
    print_rows(console, title, headers, rows, styles=styles,
               wrap=("setting", "source"), line=lambda r: " · ".join(x.replace("\n", " ") for x in r[:1]) + " — " + "; ".join(
                   f"{h}: {c}".replace("\n", "; ") for h, c in zip(headers[1:], r[1:]) if c))
    _formulas(console, "formulas (d1 >=)", [(row.key, row.latex if latex else row.pretty) for row in report.theorems], latex)


def _formulas(console: Console, title: str, items: list[tuple[str, str]], latex: bool) -> None:
    """Formulas outside the tables: LaTeX as one copyable line each (never wrapped), else sympy's 2-D layout."""
    console.print(T(title + (" (LaTeX)" if latex else ""), "bold"))
    for key, formula in items:
        if latex:
            console.print(T(f"{key}: {formula}"), soft_wrap=True)
        else:
            console.print(T(f"[{key}]", "dim"))
            console.print(T(formula), soft_wrap=True)


def _per_t_table(console: Console, report: BoundReport) -> None:
    d1_mode = report.solve_for == "d1"
    has_data = any(r.sigma_min_data is not None for r in report.per_t)
    headers = ["t", "c0(1)", "c_t(1)", "xi_t(1)", "c0(w1)", "c_t(w1)", "xi_t(w1)"]
    if d1_mode:
        headers.append("sigma_min(X^{*t}) assumed")
        if has_data:
            headers += ["sigma_min(X^{*t}) data", "d1 (order analysis)"]
        headers += ["d1 unit scale", "d1 omega1 scale"]
    else:
        headers += ["largest n, unit scale", "largest n, omega1 scale"]
    headers.append("note")
    rows = []
    for r in report.per_t:
        cells = [str(r.t), small(r.unit.c0), small(r.unit.ct), small(r.unit.xi), small(r.omega1.c0), small(r.omega1.ct), small(r.omega1.xi)]
        if d1_mode:
            cells.append(small(r.sigma_min_assumed))
            if has_data:
                cells += [small(r.sigma_min_data), big(r.width_unit_assumed)]
            cells += [big(r.width_unit), big(r.width_omega1)]
        else:
            cells += [count(r.n_unit, down=True), count(r.n_omega1, down=True)]
        cells.append(r.note)
        rows.append(cells)
    print_rows(console, "(20) per t: xi_t = c0 (t!)^{3/2} / (sqrt(alpha_f) |c_t|^3) [derived], c_i at unit scale (1) and at omega1 (w1)", headers,
               [["t = " + c[0], *c[1:]] for c in rows], wrap=("note",))


def _framework_table(console: Console, report: BoundReport, latex: bool) -> None:
    rows = []
    for f in report.framework:
        value = ("not a rate (flagged)" if f.flag else small(None if f.value is None else f.value.value))
        rows.append([f"{f.name} [{f.key}]", value, f.value_name, f.source + ("; " + f.note if f.note else "") + ("; FLAG: " + f.flag if f.flag else "")])
    print_rows(console, "Framework formulas (Theorems 1-2, Lemma 1); values: order analysis [derived] at this paper's width (20)",
               ["formula", "value", "what the value is", "source"], rows, wrap=("what the value is", "source"))
    _formulas(console, "framework statements", [(f.key, f.latex if latex else f.pretty) for f in report.framework], latex)


def _comparison_table(console: Console, report: BoundReport) -> None:
    rows = [[c.quantity, small(c.assumed), c.assumed_source, small(c.actual), c.note] for c in report.comparisons]
    print_rows(console, "Order-analysis assumptions vs the data", ["quantity", "assumed", "assumed from", "data", "note"], rows, wrap=("note",))


def _inputs_table(console: Console, report: BoundReport) -> None:
    rows = [[v.name, small(v.value) if isinstance(v.value, float) else str(v.value), v.source, v.note] for v in report.inputs]
    print_rows(console, "Inputs", ["input", "value", "source", "note"], rows, wrap=("note",))


def render(report: BoundReport, latex: bool = False, console: Console | None = None) -> None:
    """Inputs, theorems (this paper highlighted), formulas, per-t xi, framework, data vs assumed, notes — no number ever cut."""
    console = console or stdout_console()
    _inputs_table(console, report)
    _theorem_table(console, report, latex)
    if report.per_t:
        _per_t_table(console, report)
    if report.comparisons:
        _comparison_table(console, report)
    if report.framework:
        _framework_table(console, report, latex)
    for note in report.activation_notes:
        console.print(T("Assumption 2 fails for this activation: " + note, "yellow"))
    for note in report.notes:
        console.print(T("note: " + note, "dim"))
    console.print(T("symbols: " + report.legend, "dim"))
