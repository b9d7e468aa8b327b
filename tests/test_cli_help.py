"""The command line behaves as users of pytest, ruff or pip expect (issue 8, item 8)."""
from __future__ import annotations

import re

import pytest
import typer.main

from opcheck.cli import app

COMMANDS = sorted(typer.main.get_command(app).commands)


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def _help(run_cli, *argv):
    res = run_cli(*argv, "--help")
    assert res.code == 0, res
    return res.out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_states_exit_codes_has_examples_and_fits_80_columns(run_cli, command):
    text = _help(run_cli, command)
    assert "Exit codes:" in text
    flat = " ".join(text.split())
    for code in ("2 = bad input", "3 = internal error", "130 = interrupted"):  # every command can end these ways
        assert code in flat, (command, code)
    assert "<bool>" not in text  # flags take no value
    assert not re.search(r"<[a-z_]+\|[a-z_|]*(?=\s)", text), "a choice metavar splits across lines"
    assert max(len(line) for line in text.splitlines()) <= 80
    examples = [line.strip() for line in text.splitlines() if line.strip().startswith("opcheck ")]
    assert examples, "no example"
    for line in examples:  # an example is one whole command on one line, shown once
        assert line.count("opcheck ") == 1 and examples.count(line) == 1


def test_root_help_lists_commands_and_completion(run_cli):
    text = _help(run_cli)
    for name in COMMANDS:
        assert re.search(rf"│ {name}\s", text)
    assert "--install-completion" in text and "Exit codes" in text


def test_options_sit_in_panels(run_cli):
    text = _help(run_cli, "verify")
    for panel in ("Data", "Network", "Training (--train)", "Output"):
        assert f"─ {panel} ─" in text


def test_docs_prints_installed_manuals(run_cli):
    res = run_cli("docs")
    paths = res.out.split()
    from opcheck._runtime.manuals import MANUALS

    assert res.code == 0 and paths[0].endswith("theory.md") and len(paths) == len(MANUALS) == 7
    assert run_cli("docs", "theory").out.strip() == paths[0]
    bad = run_cli("docs", "nope")
    assert bad.code == 2 and bad.err.startswith("opcheck: error: no manual 'nope'")


def test_bare_opcheck_prints_help_once(run_cli):
    res = run_cli()
    assert res.code == 0 and res.out.count("Usage: opcheck") == 1
