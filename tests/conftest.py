"""Shared test helpers: run the CLI in-process and capture its streams."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:  # shown by pytest on failure
        return f"CliResult(code={self.code}, err={self.err!r}, out={self.out[:400]!r})"


@pytest.fixture
def run_cli(capsys):
    """Run ``opcheck`` with argv in-process; returns exit code, stdout, stderr."""
    from opcheck.cli import main

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        try:
            main([str(a) for a in argv])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def small_problem():
    """A small well-posed problem: unit-norm columns, d0 = 4, n = 6, d1 = 9, d2 = 2."""
    rng = np.random.default_rng(1234)
    d0, n, d1, d2 = 4, 6, 9, 2
    X = rng.standard_normal((d0, n))
    X /= np.linalg.norm(X, axis=0)
    W = rng.standard_normal((d1, d0))
    V = rng.standard_normal((d2, d1))
    return X, W, V
