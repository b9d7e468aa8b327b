"""Shared checks of the fuzz suite (issue 10): the exit-code and stderr contract, strict JSON."""
from __future__ import annotations

import json
import resource

from cli_runner import CliResult

#: the memory budget the fuzz runs plan with (OPCHECK_MEMORY_BUDGET_GB): small, so every
#: accepted run is tiny and "no run exceeds the planner's stated memory" is checkable
FUZZ_BUDGET_GB = 0.25


def strict_json(text: str):
    def refuse(token):
        raise ValueError(f"non-strict JSON token {token!r}")

    return json.loads(text, parse_constant=refuse)


def check_contract(res: CliResult, json_expected: bool = False) -> None:
    """Exit 0, 1 or 2 (never 3); nothing Python-ish on stderr; exit 2 is one line; --json is strict."""
    assert res.code in (0, 1, 2), res
    assert "Traceback" not in res.err and "Warning" not in res.err, res
    if res.code == 2:
        lines = [ln for ln in res.err.splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("opcheck: error: ")]
        assert len(errors) == 1 and all(ln.startswith("opcheck: ") for ln in lines), res
    elif json_expected:
        strict_json(res.out)


_COMMAND = None


def run(*argv) -> CliResult:
    """:func:`cli_runner.invoke`, with the Click command built once (Typer rebuilds it per call)."""
    global _COMMAND
    import typer.testing as tt

    from opcheck.cli import app

    if _COMMAND is None:
        _COMMAND = tt._get_command(app)
    build, tt._get_command = tt._get_command, lambda _app: _COMMAND
    try:
        res = tt.CliRunner().invoke(app, [str(a) for a in argv], prog_name="opcheck")
    finally:
        tt._get_command = build
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return CliResult(res.exit_code, res.stdout, res.stderr)


def peak_rss_bytes() -> float:
    """The process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024.0
