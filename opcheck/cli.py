"""The Typer application: parse, call, render — no mathematics here.

Each sub-command lives in :mod:`opcheck.commands` and registers itself on
``app``.  :func:`main` is the console-script entry point: it turns
:class:`~opcheck.errors.InputError` and command-line usage errors into one line
on stderr and exit status 2 (design.md "Interfaces"), and passes through the
0/1 verdict codes the commands return.
"""
from __future__ import annotations

import os
import sys

import typer

try:  # Typer >= 0.2x vendors Click; older releases depend on it
    from typer._click import exceptions as _cx
    _TyperExc = _cx.ClickException
    _Usage = _cx.UsageError
    _NoArgs = getattr(_cx, "NoArgsIsHelpError", ())
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click import exceptions as _cx

    _TyperExc = _cx.ClickException
    _Usage = _cx.UsageError
    _NoArgs = getattr(_cx, "NoArgsIsHelp", ())

from opcheck import __version__
from opcheck.errors import InputError

app = typer.Typer(
    name="opcheck",
    help=(
        "Theorem checker for 'Subquadratic Overparameterization for Shallow Neural Networks' "
        "(Song, Ramezani-Kebrya, Pethick, Eftekhari, Cevher, NeurIPS 2021).\n\n"
        "Exit codes: 0 = every checked condition holds; 1 = checks ran and some fail; "
        "2 = bad input or usage; 3 = internal error (a bug: please report it)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"opcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
) -> None:
    """opcheck: check the hypotheses and conclusions of the paper's Theorem 3 on your data."""


def _register_commands() -> None:
    from opcheck.commands import bound, report, verify

    for module in (verify, bound, report):
        module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console entry point with the one-line error policy."""
    try:
        code = app(args=argv, standalone_mode=False, prog_name="opcheck")
    except InputError as exc:
        raise SystemExit(_one_line(str(exc))) from None
    except _NoArgs:  # bare `opcheck`: Typer has printed the help already
        raise SystemExit(0) from None
    except _Usage as exc:
        raise SystemExit(_one_line(exc.format_message())) from None
    except _TyperExc as exc:
        raise SystemExit(_one_line(exc.format_message())) from None
    except typer.Abort:
        raise SystemExit(_one_line("aborted")) from None
    except MemoryError:
        raise SystemExit(_one_line("out of memory; try a smaller --n or --width")) from None
    except typer.Exit as exc:
        if exc.exit_code == 130:  # Typer's translation of KeyboardInterrupt
            typer.echo("opcheck: interrupted", err=True)
        raise SystemExit(exc.exit_code) from None
    except Exception as exc:  # a bug, not bad input: one line, exit 3, traceback on request
        if os.environ.get("OPCHECK_DEBUG"):
            raise
        typer.echo(f"opcheck: internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
                   "(a bug in opcheck; rerun with OPCHECK_DEBUG=1 for the traceback and please report it)", err=True)
        raise SystemExit(3) from None
    except KeyboardInterrupt:
        typer.echo("opcheck: interrupted", err=True)
        raise SystemExit(130) from None
    if code == 130:  # Typer returns KeyboardInterrupt as exit code 130 in non-standalone mode
        typer.echo("opcheck: interrupted", err=True)
    raise SystemExit(code if isinstance(code, int) else 0)


def _one_line(message: str) -> int:
    typer.echo(f"opcheck: error: {' '.join(message.split())}", err=True)
    return 2


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
