"""Fuzz (issue 10): generated values for every numeric option of verify, bound and report.

Values range over small valid ones, zero and negatives, huge integers (past int64), floats
from 5e-324 to 1.8e308, inf, nan and non-numbers.  Properties: exit 0, 1 or 2 (never 3),
no traceback or Python warning on stderr, exit 2 is one line, ``--json`` strict; and no
run grows the process beyond the memory budget the planner was given.

``report`` runs its sweeps for minutes, so its options are fuzzed up to the point where
the command has validated every option and checked ``--out`` (here a file, refused last):
the sweeps themselves are covered by tests/test_report_*.py.
"""
from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fuzz_support import FUZZ_BUDGET_GB, check_contract, peak_rss_bytes, run  # noqa: E402

INTS = st.one_of(st.integers(-3, 12), st.sampled_from([0, -1, 10**6, 10**9, 10**15, 10**23, 2**63, -(2**63)]))
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -1.0, 5e-324, 1e-300, 1e-12, 0.5, 2.0, 1e12, 1e300, 1.7976931348623157e308]),
)
VALUES = {"int": INTS.map(str), "float": FLOATS.map(repr), "junk": st.sampled_from(["abc", "", "1,5", "0x10", "1e", "--"])}

VERIFY = {"--n": "int", "--d0": "int", "--d2": "int", "--width": "int", "--seed": "int", "--constant": "float", "--kappa-max": "float",
          "--lr": "float", "--omega1": "float", "--omega2": "float", "--steps": "int", "--tol": "float", "--sigma-points": "int",
          "--c13": "float", "--c14": "float", "--c-path": "float", "--c20": "float", "--c21": "float"}
BOUND = {"--n": "int", "--d0": "int", "--d2": "int", "--t": "int", "--constant": "float", "--batch-size": "int", "--depth": "int",
         "--lambda0": "float", "--delta": "float", "--seed": "int"}
REPORT = {"--n": "int", "--seed": "int", "--test-fraction": "float", "--constant": "float", "--steps": "int", "--tol": "float",
          "--lr": "float", "--jobs": "int", "--d0": "int", "--d2": "int"}


@pytest.fixture(autouse=True)
def _small_budget(monkeypatch):
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", str(FUZZ_BUDGET_GB))


@st.composite
def option_values(draw, table):
    names = draw(st.lists(st.sampled_from(sorted(table)), min_size=1, max_size=3, unique=True))
    out = {}
    for name in names:
        kind = draw(st.sampled_from([table[name], table[name], table[name], "junk"]))
        out[name] = draw(VALUES[kind])
    return out


def _argv(base: dict, chosen: dict) -> list[str]:
    merged = {**base, **chosen}
    return [w for k, v in merged.items() for w in ((k,) if v is None else (k, v))]


def _check_memory(before: float, res) -> None:
    grown = peak_rss_bytes() - before
    assert grown <= FUZZ_BUDGET_GB * 1024**3 + 200 * 1024**2, (grown, res)


@given(chosen=option_values(VERIFY), train=st.booleans())
def test_verify_numeric_options(chosen, train):
    base = {"--dataset": "sphere", "--n": "8", "--d0": "3", "--width": "10", "--json": None}
    if train:
        base.update({"--train": None, "--steps": "5"})
    before = peak_rss_bytes()
    res = run("verify", *_argv(base, chosen))
    check_contract(res, json_expected=True)
    _check_memory(before, res)


@given(chosen=option_values(BOUND), solve_for_n=st.booleans(), width=VALUES["float"])
def test_bound_numeric_options(chosen, solve_for_n, width):
    base = {"--n": "100", "--d0": "10", "--json": None}
    if solve_for_n:
        base = {"--solve-for": "n", "--width": width, "--d0": "10", "--json": None}
        chosen.pop("--n", None)
    res = run("bound", *_argv(base, chosen))
    check_contract(res, json_expected=True)
    assert res.code in (0, 2)


@given(chosen=option_values(REPORT))
def test_report_numeric_options_up_to_the_sweeps(tmp_path_factory, chosen):
    out = tmp_path_factory.mktemp("rep") / "a-file"
    out.write_text("not a folder")
    res = run("report", "--quick", "--out", out, *_argv({}, chosen))
    check_contract(res)
    assert res.code == 2  # refused: a bad value, or (every value accepted) --out is a file
