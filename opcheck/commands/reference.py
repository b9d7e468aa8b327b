"""The option reference of docs/cli.md, generated from the app itself.

The part of ``docs/cli.md`` between the markers below is generated from the
commands' own parameters (names, panels, types, defaults, help), so the manual
cannot drift from ``--help``: ``tests/test_reference.py`` checks that the file
matches, and ``OPCHECK_WRITE_DOCS=1 pytest tests/test_reference.py`` rewrites it.
"""
from __future__ import annotations

import enum

BEGIN = "<!-- BEGIN GENERATED OPTION REFERENCE (OPCHECK_WRITE_DOCS=1 pytest tests/test_reference.py) -->"
END = "<!-- END GENERATED OPTION REFERENCE -->"


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(p) -> str:
    d = p.default
    if getattr(p, "is_flag", False) and not p.secondary_opts:
        return ""
    if d is None or callable(d) or d == ():
        return ""
    if isinstance(d, enum.Enum):
        d = d.value
    if isinstance(d, bool) and p.secondary_opts:
        d = p.opts[0] if d else p.secondary_opts[0]
    return f"`{d}`"


def _kind(p) -> str:
    if getattr(p, "is_flag", False):
        return "flag"
    try:
        shown = p.display_type(None)  # Typer's own label, e.g. <int>, <gelu|relu>
    except Exception:  # pragma: no cover - depends on the installed Typer
        shown = ""
    return str(shown or "").strip("<>").replace(" range", "")


def _names(p) -> str:
    names = [*p.opts, *p.secondary_opts] if p.param_type_name == "option" else [p.metavar or p.name.upper()]
    return " ".join(f"`{n}`" for n in names)


def command_section(name: str, cmd) -> str:
    """Markdown for one command: usage line, its help text, one table per panel."""
    lines = [f"### `opcheck {name}`", "", (cmd.help or "").strip(), ""]
    panels: dict[str, list] = {}
    for p in cmd.params:
        if p.name == "help":
            continue
        panel = "Arguments" if p.param_type_name == "argument" else (getattr(p, "rich_help_panel", None) or "Options")
        panels.setdefault(panel, []).append(p)
    for panel, params in panels.items():
        lines += [f"**{panel}**", "", "| option | values | default | meaning |", "|---|---|---|---|"]
        for p in params:
            lines.append(f"| {_names(p)} | {_cell(_kind(p))} | {_default(p)} | {_cell(getattr(p, 'help', '') or '')} |")
        lines.append("")
    return "\n".join(lines)


def reference(group) -> str:
    """The generated block (markers included) for the click group of :data:`opcheck.cli.app`."""
    body = [command_section(name, group.commands[name]) for name in group.commands]
    return "\n".join([BEGIN, "", *body, END])


def splice(text: str, block: str) -> str:
    """``text`` with its generated block replaced by ``block``."""
    head, sep, rest = text.partition(BEGIN)
    if not sep or END not in rest:
        raise ValueError("docs/cli.md has no generated-reference markers")
    return head + block + rest.partition(END)[2]
