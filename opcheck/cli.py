"""The Typer application: parse, call, render — no mathematics here.

Each sub-command lives in :mod:`opcheck.commands` and registers itself on ``app``.
The error policy lives inside the app (:class:`OpcheckGroup`), so that the console
script, ``python -m opcheck`` and ``typer.testing.CliRunner().invoke(app, ...)``
all behave the same way:

======  ==============================================================
exit    meaning
======  ==============================================================
0       the checks ran and every checked condition holds
1       the checks ran and some do not hold
2       bad input or usage: one line ``opcheck: error: ...`` on stderr
3       an internal error (a bug): one line; ``OPCHECK_DEBUG=1`` shows the traceback
130     interrupted (Ctrl-C)
======  ==============================================================
"""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

try:  # Typer >= 0.2x vendors Click; older releases depend on it
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click import exceptions as _cx

from opcheck import __version__
from opcheck.commands import lazy_coercion
from opcheck.errors import InputError

EXIT_CODES = (
    "Exit codes: 0 = every checked condition holds; 1 = checks ran and some fail; "
    "2 = bad input or usage; 3 = internal error (a bug: please report it); 130 = interrupted."
)

_NoArgs = getattr(_cx, "NoArgsIsHelpError", None) or getattr(_cx, "NoArgsIsHelp", ())


def _no_bool_metavar() -> None:
    """Flags take no value: show no ``<bool>`` type beside them in ``--help``."""
    try:
        from typer.core import TyperOption
    except ImportError:  # pragma: no cover - depends on the installed Typer
        return
    original = getattr(TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_opcheck", False):
        return

    def display_type_rich(self, ctx):
        if getattr(self, "is_flag", False) and self.metavar is None:
            return None
        return original(self, ctx)

    display_type_rich._opcheck = True
    TyperOption.display_type_rich = display_type_rich


_no_bool_metavar()
lazy_coercion.apply()  # `verify --help` imports no pydantic


def say_error(message: str) -> int:
    """Print ``opcheck: error: <one line>`` on stderr; return exit status 2."""
    typer.echo(f"opcheck: error: {' '.join(str(message).split())}", err=True)
    return 2


def _choice_message(exc: Any) -> str | None:
    """``unknown activation 'foo' (--activation); choose one of: ... (did you mean ...)``."""
    from opcheck._runtime.validation import unknown_choice

    param = getattr(exc, "param", None)
    desc = getattr(param, "type_descriptor", None)
    if desc is None or not getattr(desc, "is_choice", False) or not desc.choices:
        return None
    errors = getattr(exc.__cause__, "errors", None)
    bad = errors()[0].get("input") if callable(errors) and errors() else None
    if bad is None:
        return None
    names = [str(getattr(c, "value", c)) for c in desc.choices]
    return unknown_choice(bad, names, max(param.opts, key=len))


def _usage_message(exc: Any) -> str:
    """Click's usage error as one line, with one suggestion for a mistyped option."""
    from opcheck._runtime.validation import suggest

    choice = _choice_message(exc)
    if choice:
        return choice
    if isinstance(exc, _cx.NoSuchOption):
        hint = suggest(exc.option_name, exc.possibilities or _all_options(exc.ctx))
        return f"No such option: {exc.option_name}{hint.replace(' (', '; ').rstrip(')')}"
    return exc.format_message()


def _all_options(ctx: Any) -> list[str]:
    if ctx is None:
        return []
    return [o for p in ctx.command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--")]


class OpcheckGroup(TyperGroup):
    """The app's command group: runs a command and maps every outcome to an exit status."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: D401
        code = self._run(args, prog_name or "opcheck", complete_var, extra)
        if not standalone_mode:
            return code
        sys.exit(code)

    def _run(self, args, prog_name, complete_var, extra) -> int:
        with _sigint_recorded():
            return self._run_recorded(args, prog_name, complete_var, extra)

    def _run_recorded(self, args, prog_name, complete_var, extra) -> int:
        import warnings

        from opcheck._runtime import interrupts

        # numerical warnings are errors inside opcheck: a RuntimeWarning raises (and, while a
        # command runs, overflow, division by zero and invalid operations: OpcheckCommand), so no
        # computation goes on with an inf or NaN it did not expect and nothing but opcheck's own
        # lines reach stderr; other libraries' warnings are silenced
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                warnings.simplefilter("error", RuntimeWarning)
                code = super().main(args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra)
        except InputError as exc:
            return say_error(str(exc))
        except _NoArgs:  # bare `opcheck`: the help was printed
            return 0
        except _cx.ClickException as exc:
            return say_error(_usage_message(exc))
        except typer.Abort:
            return say_error("aborted")
        except MemoryError:
            return say_error("out of memory; try a smaller --n or --width")
        except typer.Exit as exc:
            code = exc.exit_code
        except KeyboardInterrupt:
            code = 130
        except Exception as exc:  # a bug, not bad input: one line, exit 3, traceback on request
            if interrupts.received() or _raised_by_interrupt(exc):  # a library failing *because* Ctrl-C landed inside it
                typer.echo("opcheck: interrupted", err=True)
                return 130
            if os.environ.get("OPCHECK_DEBUG"):
                raise
            typer.echo(f"opcheck: internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
                       "(a bug in opcheck; rerun with OPCHECK_DEBUG=1 for the traceback and please report it)", err=True)
            return 3
        if interrupts.received() and code != 130:  # Ctrl-C that a library swallowed (opcheck._runtime.interrupts): still an interruption
            code = 130
        if code == 130:  # Typer's translation of KeyboardInterrupt
            typer.echo("opcheck: interrupted", err=True)
        return code if isinstance(code, int) else 0


@contextlib.contextmanager
def _sigint_recorded():
    """Record Ctrl-C (SIGINT) while a command runs, then raise KeyboardInterrupt as Python would.

    A KeyboardInterrupt can land inside library code that then fails in its own clean-up:
    threading's "release unlocked lock" when it arrives between a lock's acquire and release
    (seen while a local Dask cluster shut down).  That exception is the interruption, not a
    bug, so :class:`OpcheckGroup` exits 130 for any exception once SIGINT was received.
    Only in the main thread and only over Python's default handler (a caller's own is kept).
    """
    import signal
    import threading

    from opcheck._runtime import interrupts

    interrupts.clear()
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return

    def on_sigint(signum, frame):
        interrupts.record()  # kept even if a library swallows the KeyboardInterrupt (opcheck._runtime.interrupts)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        interrupts.clear()  # the command is over: a later call in this process (the Python API, a test) starts afresh


def _raised_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in the exception's chain (``__cause__``/``__context__``)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, KeyboardInterrupt):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


class OpcheckCommand(TyperCommand):
    """A sub-command whose body runs under numpy's raising error state (underflow to zero is no error).

    Set here, around the body only, so that ``--help`` and ``--version`` never import numpy.
    """

    def invoke(self, ctx):  # noqa: D401
        import numpy as np

        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            return super().invoke(ctx)


app = typer.Typer(
    name="opcheck",
    cls=OpcheckGroup,
    help=(
        "Theorem checker for 'Subquadratic Overparameterization for Shallow Neural Networks' "
        "(Song, Ramezani-Kebrya, Pethick, Eftekhari, Cevher, NeurIPS 2021).\n\n" + EXIT_CODES
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
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
    from opcheck.commands import bound, docs, report, verify

    for module in (verify, bound, report, docs):
        module.register(app)
    for info in app.registered_commands:  # Typer's default class (None or TyperCommand, by version) -> ours
        if info.cls is None or info.cls is TyperCommand:
            info.cls = OpcheckCommand


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app; the exit status follows the table above."""
    if argv is None:  # the real command line (console script or python -m opcheck), not a test's call
        from opcheck._runtime import blas_guard

        blas_guard.allow_restart()
    app(args=argv, prog_name="opcheck")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
