"""The short views of ``opcheck verify``: the default summary and the ``--quiet`` verdict.

Formats a ``verify --json`` document (plain data); computes nothing.  The full
tables (data, activation, every quantity, solver health) are
:func:`opcheck.render.verify_view.render_verify`, shown with ``-v``.
"""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from opcheck.render.fmt import mark, num, standing

__all__ = ["KEY_QUANTITIES", "render_summary", "verdict_line"]

#: the numbers the summary shows beside the conditions (``-v`` shows every one)
KEY_QUANTITIES = (("mu_phi", "μ_Φ"), ("sigma_min_jacobian", "σ_min(J)"), ("rho", "ρ"), ("h0", "h0"), ("beta_phi", "β_Φ"))


def verdict_line(doc: dict) -> str:
    """The first sentence of the verdict (what ``--quiet`` prints)."""
    return doc["verdict"][0] if doc.get("verdict") else ("all checked conditions hold" if doc["all_hold"] else "some conditions fail")


def _headline(doc: dict) -> str:
    d, i = doc["data"], doc["init"]
    subset = f", seeded subset of {d['subset_of']}" if d.get("subset_of") else ""
    return (f"[bold]opcheck verify[/]: {escape(str(d['source']))}{subset}\n"
            f"n = {d['n']}, d0 = {d['d0']}, d1 = {d['d1']}, d2 = {d['d2']}; {escape(str(doc['activation']['name']))}, "
            f"{escape(str(i['scheme']))} init, seed {i['seed']}")


def conditions_grid(conditions: list[dict]) -> Table:
    """One line per condition: mark, equation, name, ``value relation threshold``, source."""
    t = Table.grid(padding=(0, 1))
    t.add_column(no_wrap=True)
    t.add_column(no_wrap=True, style="dim")
    t.add_column(no_wrap=True, max_width=30, overflow="ellipsis")
    t.add_column(overflow="fold")
    t.add_column(no_wrap=True, style="dim")
    for c in conditions:
        check = f"{num(c['value'])} {c['relation']} {num(c['threshold'])}" if c["relation"] != "info" else num(c["value"])
        check += standing(c)
        t.add_row(mark(c["holds"]), escape(c["equation"]), escape(c["name"]), escape(check), escape(c["source"]))
    return t


def render_summary(console: Console, doc: dict) -> None:
    """Headline, the condition rows, a few key quantities, the verdict, and where the rest is."""
    console.print(_headline(doc), highlight=False)
    console.print(conditions_grid(doc["conditions"]))
    quantities = doc.get("quantities", {})
    shown = [f"{label} = {num(quantities[key])}" for key, label in KEY_QUANTITIES if key in quantities]
    if shown:
        console.print("  ".join(shown), highlight=False)
    style = "green" if doc["all_hold"] else "red"
    for line in doc["verdict"]:
        console.print(f"[{style}]{escape(line)}[/]", highlight=False)
    console.print("[dim]-v: all tables · --json: every number · paper/derived/measured: docs/theory.md[/]", highlight=False)
