"""Tables that never cut a number: a table when it fits the console, ``key: value`` lines when not.

Rich shrinks a table that is wider than the console by wrapping or cutting cells
("4.866e…").  :func:`print_rows` measures first: if every cell fits — numbers at their
full length, prose columns (``wrap``) at their longest word — the rows print as a table
whose number columns never wrap and whose prose columns wrap at spaces; otherwise each row
prints as one line ``label: header value, header value, …`` which the terminal wraps at
spaces only — a number is one token and is never split or cut.

:func:`stdout_console` is the console of every command's output: a terminal's own width,
``PIPE_WIDTH`` columns when stdout is a pipe or a file (``COLUMNS`` overrides both).
"""
from __future__ import annotations

import os
import sys
from typing import Callable, Collection, Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

PADDING = 3  # per column: rich's cell padding and the separator
PIPE_WIDTH = 100  # columns of output written to a pipe or a file
MIN_PROSE = 12  # a prose column is never narrower than this (nor than its longest word)


def stdout_console() -> Console:
    """A console on stdout: the terminal's width, else ``PIPE_WIDTH`` (unless ``COLUMNS`` is set)."""
    console = Console(file=sys.stdout)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(file=sys.stdout, width=PIPE_WIDTH)
    return console


def _longest(cell: object, words: bool) -> int:
    parts = str(cell).split() if words else str(cell).splitlines()
    return max((len(p) for p in parts), default=0)


def _minimum_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], wrap: Collection[str]) -> list[int]:
    """Per column: the full length of its longest line, or for a prose column its longest word (at least MIN_PROSE)."""
    widths = []
    for i, h in enumerate(headers):
        prose = h in wrap
        w = max([_longest(h, prose), *(_longest(row[i], prose) for row in rows if i < len(row))])
        widths.append(max(w, MIN_PROSE) if prose else w)
    return widths


def fits(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]], wrap: Collection[str] = ()) -> bool:
    """Whether a table with these cells fits the console width: every non-prose cell at full length,
    every prose column (a header in ``wrap``) at least as wide as its longest word."""
    return sum(w + PADDING for w in _minimum_widths(headers, rows, wrap)) + 2 <= console.width


def print_rows(console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
               caption: str = "", styles: Sequence[str] | None = None, line: Callable[[Sequence[str]], str] | None = None,
               wrap: Collection[str] = ()) -> None:
    """Print ``rows`` (plain strings, first column = label) as a table or as ``label — key: value`` lines
    (``line(row)`` formats a row for the narrow form when given; ``wrap``: headers of prose columns,
    which may wrap at spaces inside the table)."""
    if fits(console, headers, rows, wrap):
        table = Table(title=Text(title), box=box.SIMPLE_HEAVY, header_style="bold", title_justify="left")
        for h, w in zip(headers, _minimum_widths(headers, rows, wrap)):
            if h in wrap:
                table.add_column(Text(h), min_width=w, overflow="fold")
            else:
                table.add_column(Text(h), no_wrap=True, overflow="fold")
        for i, row in enumerate(rows):
            table.add_row(*[Text(str(c)) for c in row], style=(styles[i] if styles else None) or None)
        if caption:
            table.caption = Text(caption)
        console.print(table)
        return
    console.print(Text(title, style="bold"))
    for i, row in enumerate(rows):
        label, *cells = [str(c) for c in row]
        parts = [f"{h}: {c}" for h, c in zip(headers[1:], cells) if c.strip() and c != "—"]
        text = line(row) if line is not None else f"{label} — " + "; ".join(parts)
        console.print(Text("  " + text, style=(styles[i] if styles else "") or ""), soft_wrap=False, overflow="fold")
    if caption:
        console.print(Text(caption, style="dim"))
