"""``opcheck docs`` — where the installed manuals are (docs/*.md ship with the package)."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

HELP = """Print the installed path of the manuals (theory.md: the mathematics behind every derived label; cli.md: every option).

Examples:

    opcheck docs

    less "$(opcheck docs theory)"

Exit codes: 0 = printed; 2 = bad input (no such manual); 3 = internal error (a bug); 130 = interrupted.
"""


def register(app: typer.Typer) -> None:
    @app.command("docs", help=HELP)
    def docs(
        name: Annotated[Optional[str], typer.Argument(metavar="NAME", show_default=False, help="One manual: theory, cli, cluster, numerics, report-format, findings-digits, robustness.")] = None,
    ) -> None:
        from opcheck._runtime.manuals import MANUALS, path

        for key in (MANUALS if name is None else (name,)):
            typer.echo(str(path(key)))
        raise typer.Exit(0)
