"""Compact HTML tables of the JSON documents, for Jupyter (``_repr_html_``).

Formats only: each function reads a document as ``verify --json``, ``bound --json``
or ``results.json`` writes it (strict JSON data) and computes nothing.
"""
from __future__ import annotations

from html import escape

from opcheck.render.fmt import num

__all__ = ["bound_table", "report_table", "verify_table"]

_MARK = {True: "✓", False: "✗", None: "–"}
_STYLE = "border-collapse:collapse;font-size:90%"


def _table(caption: str, header: tuple[str, ...], rows: list[tuple]) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 8px'>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return (f"<table style='{_STYLE}'><caption style='text-align:left'><b>{escape(caption)}</b></caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def verify_table(doc: dict) -> str:
    """One row per condition: mark, name, equation, value, relation, threshold, source."""
    data = doc.get("data", {})
    verdict = "all checked conditions hold" if doc.get("all_hold") else "some conditions fail"
    caption = f"opcheck verify — n = {data.get('n')}, d0 = {data.get('d0')}, d1 = {data.get('d1')}: {verdict}"
    rows = [
        (c.get("standing") or _MARK.get(c.get("holds"), "–"), c.get("name"), c.get("equation"), num(c.get("value")), c.get("relation"), num(c.get("threshold")), c.get("source"))
        for c in doc.get("conditions", [])
    ]
    return _table(caption, ("", "condition", "eq.", "value", "", "threshold", "source"), rows)


def bound_table(doc: dict) -> str:
    """One row per theorem: name, source, required width, exponent in n, factor vs (21)."""
    rows = [
        (t.get("name"), t.get("source"), num(t.get("required_width")), num(t.get("exponent_n")), num(t.get("factor_vs_this_paper")))
        for t in doc.get("theorems", [])
    ]
    return _table("opcheck bound — width each theorem requires", ("theorem", "source", "width d1", "exponent in n", "× (21)"), rows)


def report_table(doc: dict, where: str) -> str:
    """The findings of a report, one per row, and where the folder is."""
    rows = [(line,) for line in doc.get("findings", [])]
    return _table(f"opcheck report — {where}", ("findings",), rows)
