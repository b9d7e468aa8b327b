"""No logic branches on display strings (issue 8): outside the renderers, code never compares
a result's label-like text field with a string or calls ``startswith``/``endswith`` on it.

Labels (``name``, ``equation``, ``labels``, ``source``, ``detail``, ``note``, ...) are for people;
logic uses enum keys and typed fields.  Parsed with ``ast``: nothing is imported.
"""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "opcheck"
#: text fields of results, written for people
LABELS = {"equation", "labels", "source", "detail", "note", "verdict", "title", "caption", "method"}
# (``name`` is not listed: an activation's or an option's ``name`` is an identifier; a
# condition's display name has a ``key`` beside it, and logic uses the key)
#: modules whose job is to format text
FORMATTERS = ("render/", "report/document.py", "report/writer.py", "report/plots.py", "report/findings.py")


def _label_attr(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute) and node.attr in LABELS:
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value in LABELS:
        return str(node.slice.value)
    return None


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(_is_text(e) for e in node.elts)


def _offences(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            strings = any(_is_text(s) for s in sides)
            label = next((_label_attr(s) for s in sides if _label_attr(s)), None)
            if strings and label and any(isinstance(op, (ast.Eq, ast.NotEq, ast.In, ast.NotIn)) for op in node.ops):
                yield node.lineno, f"compares .{label} with a string"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("startswith", "endswith"):
            label = _label_attr(node.func.value)
            if label:
                yield node.lineno, f".{label}.{node.func.attr}(...)"


def _modules():
    return [p for p in sorted(PACKAGE.rglob("*.py")) if not str(p.relative_to(PACKAGE)).startswith(FORMATTERS)]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_branch_on_display_strings(path):
    found = [f"{path.relative_to(PACKAGE)}:{line}: {what}" for line, what in _offences(ast.parse(path.read_text()))]
    assert not found, "\n".join(found)


def test_the_check_catches_what_it_should():
    bad = ast.parse("if row.equation == '(20)':\n    pass\nif c['equation'] in ('(9)',):\n    pass\nok = raw.source.startswith('sphere')\n")
    assert len(list(_offences(bad))) == 3
    good = ast.parse("if row.key is Key.WIDTH_20:\n    pass\nif args.mode == 'x':\n    pass\n")
    assert list(_offences(good)) == []
