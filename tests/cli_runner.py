"""The one CLI runner of the test suite: ``typer.testing.CliRunner`` on the app itself.

The error policy (exit 2 for bad input, 3 for a bug, one line on stderr) lives
inside the app (:class:`opcheck.cli.OpcheckGroup`), so invoking the app gives
the same codes and streams as the console script.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str

    def __iter__(self):  # ``code, out, err = invoke(...)``
        return iter((self.code, self.out, self.err))

    def __repr__(self) -> str:  # shown by pytest on failure
        return f"CliResult(code={self.code}, err={self.err!r}, out={self.out[:400]!r})"


def invoke(*argv) -> CliResult:
    """Run ``opcheck ARGV...`` in-process; every argument is passed through ``str``."""
    from typer.testing import CliRunner

    from opcheck.cli import app

    res = CliRunner().invoke(app, [str(a) for a in argv], prog_name="opcheck")
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception  # a test failure, not an exit status: show the traceback
    return CliResult(res.exit_code, res.stdout, res.stderr)
