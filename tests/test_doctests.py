"""The Examples sections of the public docstrings run, as written (doctest)."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "opcheck",
    "opcheck.api",
    "opcheck._runtime.serialize",
    "opcheck._runtime.validation",
    "opcheck.render.json_out",
    "opcheck.report.config",
]


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
