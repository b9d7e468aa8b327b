"""opcheck.api: the Python API gives what the commands give, and is imported lazily."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

import opcheck
from cli_runner import invoke


def test_import_opcheck_is_cheap_and_lists_the_api():
    code = ("import sys, opcheck; heavy = [m for m in ('numpy', 'scipy', 'sympy', 'matplotlib', 'typer') if m in sys.modules];"
            "print(heavy, sorted(opcheck.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("[] ")
    for name in ("verify", "train", "bound", "report", "VerifyResult"):
        assert name in out
    assert callable(opcheck.verify) and opcheck.verify.__module__ == "opcheck.api"
    with pytest.raises(AttributeError):
        opcheck.no_such_thing  # noqa: B018


def test_verify_matches_the_command_json(tmp_path):
    X = np.random.default_rng(3).standard_normal((15, 4))
    y = np.arange(15) % 3
    np.savez(tmp_path / "d.npz", X=X, y=y)
    r = opcheck.verify(X, y, width=40, seed=2)
    res = invoke("verify", tmp_path / "d.npz", "--width", "40", "--seed", "2", "--json")
    cli = json.loads(res.out)
    api = r.to_dict()
    assert list(api) == list(cli)  # same keys, same order, schema_version first
    assert api["quantities"] == pytest.approx(cli["quantities"], rel=1e-9)
    assert [c["holds"] for c in api["conditions"]] == [c["holds"] for c in cli["conditions"]]
    assert res.code == (0 if r.all_hold else 1)
    assert json.loads(r.to_json()) == api


def test_verify_result_views():
    r = opcheck.verify(np.random.default_rng(0).standard_normal((10, 3)), width=30)
    html = r._repr_html_()
    assert html.startswith("<table") and html.count("<tr>") == len(r.conditions) + 1
    assert "d1=30" in repr(r)
    assert r.hypotheses.params.W.shape == (30, 3)


def test_train_records_gradient_descent():
    X = np.random.default_rng(1).standard_normal((8, 3))
    r = opcheck.train(X, width=30, steps=20, sigma_points=0, seed=1)
    assert r.training["steps_run"] == 20
    names = [c["name"] for c in r.conditions]
    assert "tolerance reached" in names and "stayed in ball(Theta0, rho)" in names


def test_bound_matches_the_command():
    b = opcheck.bound(n=5000, d0=50)
    cli = json.loads(invoke("bound", "--n", "5000", "--d0", "50", "--json").out)
    assert b.to_dict() == cli
    assert b.width("song2021-21") == math.ceil(5000 ** 1.5 / 50)  # widths are integers
    assert b.to_dict()["theorems"][0]["required_width_exact"] is not None
    assert "<table" in b._repr_html_()


@pytest.mark.parametrize("call, match", [
    (lambda: opcheck.verify(np.zeros(5)), "must be 2-D"),
    (lambda: opcheck.verify(np.ones((6, 2)), width=0), "--width must be a positive integer"),
    (lambda: opcheck.verify(np.ones((6, 2)), activation="relux"), "unknown activation"),
    (lambda: opcheck.train(np.ones((6, 2)), tol=0.0), "--tol must be a positive finite number"),
    (lambda: opcheck.bound(n=0, d0=3), "--n must be a positive integer"),
    (lambda: opcheck.verify("digits", y=[1, 2]), "built-in"),
])
def test_bad_input_raises_input_error(call, match):
    with pytest.raises(opcheck.InputError, match=match):
        call()


def test_docs_path_points_at_the_projects_own_theory():
    path = opcheck.docs_path()
    assert path.read_text().startswith("# ") and "§" in path.read_text() or "(9)" in path.read_text()
    with pytest.raises(opcheck.InputError, match="ships"):
        opcheck.docs_path("nope")
