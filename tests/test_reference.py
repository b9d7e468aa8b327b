"""docs/cli.md lists every option of every command, exactly as the app declares it."""
from __future__ import annotations

import os
from pathlib import Path

import typer.main

from opcheck.cli import app
from opcheck.commands.reference import BEGIN, END, reference, splice

CLI_MD = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _group():
    return typer.main.get_command(app)


def test_cli_md_matches_the_app():
    block = reference(_group())
    text = CLI_MD.read_text()
    if os.environ.get("OPCHECK_WRITE_DOCS"):
        CLI_MD.write_text(splice(text, block))
        text = CLI_MD.read_text()
    assert BEGIN in text and END in text
    assert splice(text, block) == text, "docs/cli.md is stale: run OPCHECK_WRITE_DOCS=1 pytest tests/test_reference.py"


def test_every_option_of_every_command_is_in_cli_md():
    text = CLI_MD.read_text()
    group = _group()
    for name, cmd in group.commands.items():
        assert f"### `opcheck {name}`" in text
        for p in cmd.params:
            for opt in (*p.opts, *p.secondary_opts):
                if opt.startswith("-") and opt not in ("--help", "-h"):
                    assert f"`{opt}`" in text, f"{name} {opt} missing from docs/cli.md"
