"""Start-up stays light: help and version import no numerics, no pydantic, no sympy or matplotlib.

Not timed (timings live in benchmarks/bench_startup.py); each case runs in a fresh
interpreter and reports which modules ended up in ``sys.modules``.  What start-up no
longer does must still happen when a command runs: numpy's raising error state around
a command's body (:class:`opcheck.cli.OpcheckCommand`) and Typer's coercion of every
value (:mod:`opcheck.commands.lazy_coercion` only defers building it).
"""
import json
import subprocess
import sys

import numpy as np
import pytest

PROBE = r"""
import json, sys
from opcheck import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""

#: packages help and version must not import (top-level names)
HEAVY = ("sympy", "matplotlib", "mpmath", "scipy", "sklearn", "pandas", "dask", "distributed", "threadpoolctl",
         "numpy", "pydantic", "pydantic_core")
#: modules of packages help does import, that only a running command needs
HEAVY_SUBMODULES = ("rich.progress", "typer._adapters")
HELP_AND_VERSION = [["--help"], ["verify", "--help"], ["--version"], ["bound", "--help"], ["report", "--help"], ["docs", "--help"]]


def _loaded(argv, timeout=120, check=True) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=timeout, check=check)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", HELP_AND_VERSION, ids=" ".join)
def test_help_and_version_import_no_numerics_and_no_pydantic(argv):
    loaded = _loaded(argv)
    assert sorted({m.split(".")[0] for m in loaded} & set(HEAVY)) == []
    assert sorted(loaded & set(HEAVY_SUBMODULES)) == []


def test_a_verify_run_imports_numerics_but_not_sympy_or_matplotlib():
    """Also shows the probe is not blind: a run loads numpy, pydantic (Typer's coercion of the text ``sphere``) and scipy."""
    argv = ["verify", "--dataset", "sphere", "--n", "20", "--d0", "5", "--width", "40", "--json"]
    loaded = {m.split(".")[0] for m in _loaded(argv, timeout=300, check=False)}
    assert {"numpy", "pydantic", "scipy"} <= loaded, loaded
    assert "sympy" not in loaded and "matplotlib" not in loaded, loaded


def test_plain_options_are_converted_without_pydantic(tmp_path):
    """Integers, paths and defaults need no pydantic adapter (lazy_coercion.plain_value); the run still starts."""
    missing = tmp_path / "absent.npy"
    argv = ["verify", str(missing), "--width", "40", "--seed", "3", "--init-params", str(tmp_path / "p.npz"), "--json"]
    loaded = _loaded(argv, timeout=300, check=False)
    assert "numpy" in {m.split(".")[0] for m in loaded}  # the command body ran (and refused the missing file)
    assert not {m.split(".")[0] for m in loaded} & {"pydantic", "pydantic_core"}


# ------------------------------------------------ what start-up no longer does, a command still does
def _commands():
    from typer.main import get_command

    from opcheck.cli import app

    return get_command(app)


def test_every_subcommand_runs_under_the_numerical_error_policy():
    from opcheck.cli import OpcheckCommand

    group = _commands()
    assert set(group.commands) >= {"verify", "bound", "report", "docs"}
    assert {name: type(cmd).__name__ for name, cmd in group.commands.items() if not isinstance(cmd, OpcheckCommand)} == {}


def test_verify_body_runs_under_raising_errstate_and_restores_it(monkeypatch):
    """Inside the body overflow/divide/invalid raise and underflow does not; afterwards numpy's state is as before."""
    from cli_runner import invoke

    from opcheck.commands import pipeline
    from opcheck.errors import InputError

    seen = []

    def probe(opts):
        seen.append(np.geterr())
        raise InputError("probe reached")

    monkeypatch.setattr(pipeline, "check_options", probe)
    before = np.geterr()
    res = invoke("verify", "--dataset", "sphere", "--n", "5", "--d0", "3")
    assert (res.code, res.err.strip()) == (2, "opcheck: error: probe reached")
    assert seen == [{"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}]
    assert np.geterr() == before


def _typer_params():
    """(context, parameter) for the root group's and every sub-command's parameters."""
    from typer._click import Context

    group = _commands()
    yield from ((Context(group), p) for p in group.params)
    for cmd in group.commands.values():
        yield from ((Context(cmd), p) for p in cmd.params)


def test_deferred_coercion_agrees_with_typers_own_on_every_parameter():
    """Oracle: Typer's coercer built eagerly; the deferred one gives the same for None and for each default."""
    from typer._coercion import build_runtime_param

    from opcheck.commands.lazy_coercion import _Deferred

    checked = 0
    for ctx, p in _typer_params():
        real = build_runtime_param(p.type_descriptor)
        deferred = _Deferred(lambda real=real: real)
        texts = () if (p.multiple or p.nargs != 1 or p.type_descriptor.annotation is bool) else TEXTS
        for value in ((None,) if p.default is None else (None, p.default)) + texts:
            mine, theirs = _outcome(deferred, p, ctx, value), _outcome(real, p, ctx, value)
            assert repr(mine) == repr(theirs) and type(mine) is type(theirs), (p.name, value, mine, theirs)
            checked += 1
    assert checked > 800  # verify, bound, report and docs together have far more than 40 parameters


#: command-line texts for the oracle: numbers in every spelling, non-numbers, paths, choices
TEXTS = ("12", "-3", "+4", "0", "007", "1.5", "-.5", "2.", "1e-3", "-2.5E+2", "1_000", "inf", "nan", "0x10", "abc", "",
         " 7", "/tmp/x", "gelu", "teacher", "LECUN", "True")


def _outcome(coercer, p, ctx, value):
    """The coerced value, or the exception's class name (a BadParameter must stay a BadParameter)."""
    try:
        return coercer.coerce(value, param=p, ctx=ctx)
    except Exception as exc:  # noqa: BLE001 - the class is the outcome compared
        return type(exc).__name__


def test_deferred_coercion_builds_typers_coercer_once_a_value_is_given():
    from cli_runner import invoke
    from typer._click import Context

    from opcheck.commands.lazy_coercion import _Deferred

    group = _commands()
    width = next(p for p in group.commands["verify"].params if p.name == "width")
    assert isinstance(width.get_runtime_param(), _Deferred)  # nothing built for a parameter not yet given
    assert width.process_value(Context(group.commands["verify"]), "250") == 250  # a plain integer: no adapter
    assert isinstance(width.get_runtime_param(), _Deferred)
    assert width.process_value(Context(group.commands["verify"]), "+0250") == 250
    kappa = next(p for p in group.commands["verify"].params if p.name == "kappa_max")
    assert kappa.process_value(Context(group.commands["verify"]), "inf") == float("inf")  # not plain: Typer's coercer
    assert not isinstance(kappa.get_runtime_param(), _Deferred)  # built and kept by Typer
    bad = invoke("verify", "--width", "wide")
    assert bad.code == 2 and "--width" in bad.err and len(bad.err.strip().splitlines()) == 1
