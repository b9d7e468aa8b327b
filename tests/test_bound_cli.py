"""`opcheck bound` through the app (tests/cli_runner.py): exit codes, one JSON object, rich table, bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest
from cli_runner import invoke


def _run(capsys, *argv):
    """``opcheck bound ARGV`` through the shared runner (``capsys`` kept for the callers' signature)."""
    return tuple(invoke("bound", *argv))


def _json(capsys, *argv):
    code, out, err = _run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)  # the whole stdout is exactly one JSON object


def test_issue_acceptance_json(capsys):
    obj = _json(capsys, "--n", 10000, "--d0", 100)
    assert set(obj) >= {"theorems", "inputs"}
    th = {t["key"]: t for t in obj["theorems"]}
    for t in obj["theorems"]:
        assert {"name", "source", "formula", "latex", "required_width", "parameters", "exponent_n"} <= set(t)
    assert th["song2021-21"]["required_width"] == pytest.approx(10000)
    assert th["song2021-21"]["exponent_n"] == 1.5 and th["du2019"]["exponent_n"] == 6
    assert th["song2021-21"]["source"] == "paper" and th["song2021-20"]["source"] == "derived"
    assert th["kawaguchi2019"]["source"] == "scaling only, constant 1"
    assert th["song2021-20"]["required_width_omega1_scale"] > th["song2021-20"]["required_width"]
    assert obj["inputs"]["n"]["value"] == 10000 and obj["inputs"]["lambda0"]["source"] == "default"
    # allen-zhu at n = 10^4 is 10^96 — still a finite float
    assert th["allen-zhu2019"]["parameters_log10"] == pytest.approx(96)  # the text counts parameters


def test_rich_table(capsys):
    code, out, err = _run(capsys, "--n", 10000, "--d0", 100)
    assert code == 0 and err == ""
    assert "[song2021-21]" in out and "10,000" in out and "[du2019]" in out
    assert "[derived]" in out  # markup-looking provenance stays visible
    assert out.index("[song2021-21]") < out.index("[oymak2020]") < out.index("[du2019]")  # sorted by width


def test_latex_and_theorem_filter(capsys):
    code, out, _ = _run(capsys, "--n", 1000, "--d0", 50, "--latex", "--theorem", "du2019")
    assert code == 0 and "\\frac{C n^{6}}" in out and "Oymak" not in out
    obj = _json(capsys, "--n", 1000, "--d0", 50, "--theorem", "du2019", "--theorem", "condition-9")
    assert [t["key"] for t in obj["theorems"]] == ["du2019"] and [f["key"] for f in obj["framework"]] == ["condition-9"]


def test_solve_for_n_round_trip_via_cli(capsys):
    solved = _json(capsys, "--solve-for", "n", "--width", 4096, "--d0", 784)
    th = {t["key"]: t for t in solved["theorems"]}
    n21 = th["song2021-21"]["solved_n"]
    assert n21 == pytest.approx((4096 * 784) ** (2 / 3), rel=1e-12)
    assert th["du2019"]["solved_n_floor"] == 0  # Du et al. certify no n >= 1 at 4096 units
    # width at the (integer) solved n is at most 4096, and at n + 1 it exceeds it
    w = {t["key"]: t for t in _json(capsys, "--n", int(n21), "--d0", 784)["theorems"]}["song2021-21"]["required_width"]
    w1 = {t["key"]: t for t in _json(capsys, "--n", int(n21) + 1, "--d0", 784)["theorems"]}["song2021-21"]["required_width"]
    assert w <= 4096 < w1


def test_dataset_sphere_and_data_file(capsys, tmp_path):
    obj = _json(capsys, "--dataset", "sphere", "--n", 120, "--d0", 6)
    assert obj["inputs"]["lambda0"]["source"] == "data" and obj["inputs"]["n"]["value"] == 120
    assert obj["data_vs_assumed"][0]["quantity"] == "sigma_max(X)"
    path = tmp_path / "x.npy"
    np.save(path, np.random.default_rng(0).standard_normal((50, 8)))
    code, out, err = _run(capsys, "--data", path, "--t", 2)
    assert code == 0, err
    assert "Order-analysis assumptions vs the data" in out


def test_help_shows_the_example(capsys):
    code, out, _ = _run(capsys, "--help")
    assert code == 0 and "opcheck bound --n 10000 --d0 784" in out


@pytest.mark.parametrize(
    "argv,match",
    [
        (["--n", 0, "--d0", 10], "--n must be a positive"),
        (["--n", -5, "--d0", 10], "--n must be a positive"),
        (["--n", 10, "--d0", 0], "--d0 must be a positive"),
        (["--n", 10, "--d0", 10, "--t", 0], "--t must be at least 1"),
        (["--n", 10, "--d0", 10, "--t", 3], "c_3 of gelu is 0"),
        (["--n", 10, "--d0", 10, "--activation", "tanh", "--t", 2], "c_2 of tanh is 0"),
        (["--n", 10, "--d0", 10, "--theorem", "nope"], "unknown theorem 'nope'"),
        (["--solve-for", "n", "--d0", 10], "--solve-for n needs --width"),
        (["--n", 10, "--d0", 10, "--solve-for", "x"], "--solve-for must be one of"),
        (["--n", 10, "--d0", 10, "--batch-size", 20], "exceeds the number of samples"),
        (["--n", 10], "give --n and --d0"),
        (["--n", 10, "--d0", 10, "--data", "/nonexistent.npy"], "file not found"),
        (["--n", 10, "--d0", 10, "--n-typo", 3], "No such option"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, argv, match):
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("opcheck: error:") and match in lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [("--n", 10000, "--d0", 784), ("--n", 10000, "--d0", 784, "--latex"),
                                  ("--solve-for", "n", "--width", 4096, "--d0", 784), ("--dataset", "sphere", "--n", 200)])
def test_piped_output_is_narrow_and_complete(monkeypatch, argv):
    """Piped (not a terminal), bound renders at PIPE_WIDTH columns, never wider, and every theorem still shows."""
    from opcheck.render.layout import PIPE_WIDTH

    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, err = invoke("bound", *argv)
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= PIPE_WIDTH <= 120
    for key in _json(None, *argv)["theorems"]:
        assert f"[{key['key']}]" in out
    assert "C20" in out and "constant of (20)" in out  # the inputs table keeps its prose, wrapped


def test_piped_subprocess_is_narrow():
    """The console script itself, stdout a pipe: no line over 120 characters (it was 160, 428 bytes)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    res = subprocess.run([sys.executable, "-m", "opcheck", "bound", "--n", "10000", "--d0", "784"], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert max(len(line) for line in res.stdout.splitlines()) <= 120
    assert "[allen-zhu2019]" in res.stdout and "[song2021-21]" in res.stdout


def test_json_widths_are_the_integers_the_tables_show():
    """required_width is ⌈exact⌉ (an int, as printed in the table); the real value stays under *_exact."""
    import math

    obj = _json(None, "--n", 10000, "--d0", 784)
    assert obj["schema_version"] == 2
    code, table, _ = invoke("bound", "--n", 10000, "--d0", 784, "--theorem", "song2021-21")
    for t in obj["theorems"]:
        exact = t["required_width_exact"]
        if exact is not None and exact < 2**53:
            assert isinstance(t["required_width"], int) and t["required_width"] == math.ceil(exact)
    th = {t["key"]: t for t in obj["theorems"]}
    assert th["song2021-21"]["required_width_exact"] == pytest.approx(10000**1.5 / 784, rel=1e-12)
    assert th["song2021-21"]["required_width"] == 1276 and "1,276" in table
    assert isinstance(th["song2021-20"]["required_width_omega1_scale"], int)
    for r in obj["per_t"]:
        if r["required_width_unit_exact"] is not None:
            assert r["required_width_unit"] == math.ceil(r["required_width_unit_exact"])


def test_constant_is_c9_and_scales_the_paper_widths_by_its_inverse_square_root():
    """--constant is C9: (20) and (21) carry 1/sqrt(C9) (C9 = 4 halves them, up to the ceiling to whole units), the
    prior results keep constant 1 — what the help text and docs/cli.md say (a new user read "multiplies every bound")."""
    import opcheck

    one, four = opcheck.bound(n=1000, d0=64, constant=1.0), opcheck.bound(n=1000, d0=64, constant=4.0)
    for key in ("song2021-21", "song2021-20"):
        assert abs(four.width(key) - one.width(key) / 2) <= 1, key
    assert four.width("du2019") == one.width("du2019")
