"""Start-up stays light: help and version import neither sympy nor matplotlib (nor numpy's heavy users).

Not timed (timings live in benchmarks/bench_startup.py); each case runs in a fresh
interpreter and reports which heavy top-level packages ended up in ``sys.modules``.
"""
import json
import subprocess
import sys

import pytest

PROBE = r"""
import json, sys
from opcheck import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
heavy = ("sympy", "matplotlib", "sklearn", "dask", "scipy", "mpmath", "pandas")
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(heavy))))
"""


@pytest.mark.parametrize("argv", [["--help"], ["verify", "--help"], ["--version"], ["bound", "--help"], ["report", "--help"]])
def test_help_and_version_do_not_import_sympy_or_matplotlib(argv):
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert "sympy" not in loaded and "matplotlib" not in loaded, loaded
    assert "scipy" not in loaded and "sklearn" not in loaded, loaded  # help needs no numerics at all


def test_a_verify_run_does_not_import_sympy_or_matplotlib():
    argv = ["verify", "--dataset", "sphere", "--n", "20", "--d0", "5", "--width", "40", "--json"]
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=300)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert "sympy" not in loaded and "matplotlib" not in loaded, loaded
