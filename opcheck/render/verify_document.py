"""``opcheck verify --out DIR``: one run as report blocks (HTML and Markdown say the same).

Formats a ``verify --json`` document into :class:`~opcheck.report.document.Block`
items for the report's atomic folder writer (:func:`opcheck.report.writer.write_report`);
computes nothing.
"""
from __future__ import annotations

from opcheck.render.fmt import num
from opcheck.report.document import Block

__all__ = ["blocks"]

_MARK = {True: "holds", False: "FAILS", None: "info"}


def _f(x) -> str:
    return num(x).replace("∞", "inf")


def _scalars(d: dict) -> tuple[tuple[str, str], ...]:
    return tuple((k, _f(v) if not isinstance(v, str) else v) for k, v in d.items() if not isinstance(v, (list, dict)))


def blocks(doc: dict, provenance: dict | None = None) -> list[Block]:
    """Title, data, conditions, verdict, quantities with their sources, training, provenance."""
    d, i, a = doc["data"], doc["init"], doc["activation"]
    out = [
        Block("h1", "opcheck verify — Subquadratic Overparameterization for Shallow Neural Networks"),
        Block("p", f"Data: {d['source']} — n = {d['n']}, d0 = {d['d0']}, d1 = {d['d1']}, d2 = {d['d2']}, labels: {d['labels']}. "
                   f"Activation {a['name']}, init {i['scheme']} (omega1 = {_f(i['omega1'])}, omega2 = {_f(i['omega2'])}), seed {i['seed']}."),
        Block("h2", "Verdict"),
        Block("list", items=tuple(doc["verdict"])),
        Block("h2", "Conditions"),
        Block("table", headers=("", "condition", "eq.", "value", "", "threshold", "margin", "source", "detail"),
              rows=tuple((c.get("standing") or _MARK.get(c["holds"], "info"), c["name"], c["equation"], _f(c["value"]), c["relation"], _f(c["threshold"]),
                          _f(c.get("margin")), c["source"], c["detail"]) for c in doc["conditions"])),
        Block("h2", "Quantities at Theta0"),
        Block("table", headers=("key", "value", "source", "eq.", "note"),
              rows=tuple((k, _f(q["value"]), q["source"], q["equation"], q.get("note", "")) for k, q in doc["provenance"].items())),
        Block("p", "Sources: paper = the paper states it; derived = opcheck's derivation where the paper leaves a gap (docs/theory.md); "
                   "measured = computed on these data. Non-finite numbers are null in results.json."),
    ]
    if "training" in doc:
        out += [Block("h2", "Gradient descent (--train)"), Block("kv", rows=_scalars(doc["training"]))]
    if provenance:
        out += [Block("h2", "Provenance"), Block("kv", rows=tuple((k, str(v)) for k, v in provenance.items() if not isinstance(v, dict)))]
    return out
