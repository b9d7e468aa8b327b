"""Tables that never cut a number: a table when it fits the console, ``key: value`` lines when not.

Rich shrinks a table that is wider than the console by wrapping or cutting cells
("4.866e…").  :func:`print_rows` measures first: if every cell fits at its full
length the rows print as a table whose columns never wrap; otherwise each row
prints as one line ``label: header value, header value, …`` which the terminal
wraps at spaces only — a number is one token and is never split or cut.
"""
from __future__ import annotations

from typing import Callable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

PADDING = 3  # per column: rich's cell padding and the separator


def fits(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> bool:
    """Whether a table with these cells, each at full length, fits the console width."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            longest = max((len(line) for line in str(cell).splitlines()), default=0)
            widths[i] = max(widths[i], longest)
    return sum(w + PADDING for w in widths) + 2 <= console.width


def print_rows(console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
               caption: str = "", styles: Sequence[str] | None = None, line: Callable[[Sequence[str]], str] | None = None) -> None:
    """Print ``rows`` (plain strings, first column = label) as a table or as ``label — key: value`` lines
    (``line(row)`` formats a row for the narrow form when given)."""
    if fits(console, headers, rows):
        table = Table(title=Text(title), box=box.SIMPLE_HEAVY, header_style="bold", title_justify="left")
        for h in headers:
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
