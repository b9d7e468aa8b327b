"""Fuzz (issue 10): generated sample arrays through ``opcheck verify`` and ``opcheck bound``.

Arrays vary in dtype, shape, scale (1e-300 .. 1e300, per row too), NaN/inf placement and
duplicate rows; they are saved as .npy or .npz (with labels of several kinds).  Properties:
the exit code is 0, 1 or 2 (never 3), stderr never shows a traceback or a Python warning,
exit 2 is one line, ``--json`` is strict JSON; and scaling X by any positive factor (or
each sample by its own) leaves every normalised quantity unchanged.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fuzz_support import FUZZ_BUDGET_GB, check_contract, run, strict_json  # noqa: E402

WIDTH = "10"


@pytest.fixture(autouse=True)
def _small_budget(monkeypatch):
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", str(FUZZ_BUDGET_GB))


@st.composite
def sample_arrays(draw):
    """A (possibly hostile) array of samples: dtype, shape, scale, non-finite cells, duplicates."""
    ndim = draw(st.sampled_from([2, 2, 2, 2, 1, 3, 0]))
    if ndim == 2:
        shape = (draw(st.integers(0, 9)), draw(st.integers(0, 5)))
    elif ndim == 1:
        shape = (draw(st.integers(0, 6)),)
    elif ndim == 3:
        shape = (2, 2, 2)
    else:
        shape = ()
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.standard_normal(shape)
    exponent = draw(st.integers(-300, 300))
    X = X * 10.0**exponent
    if ndim == 2 and X.size and draw(st.booleans()):  # each row its own scale (in 1e-300 .. 1e300 overall)
        X = X / 10.0**exponent * 10.0 ** rng.integers(-300, 300, size=(shape[0], 1)).astype(float)
    if X.size and draw(st.booleans()):
        X.flat[draw(st.integers(0, X.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0]))
    if ndim == 2 and shape[0] >= 2 and draw(st.booleans()):
        X[1] = X[0]  # duplicate row
    if ndim == 2 and shape[0] >= 1 and draw(st.booleans()):
        X[-1] = 0.0  # an all-zero sample
    dtype = draw(st.sampled_from(["float64", "float64", "float32", "int64", "bool", "complex128", "U3"]))
    with np.errstate(all="ignore"):
        return X.astype(dtype) if dtype != "U3" else X.astype(str)


@st.composite
def labels_for(draw, n):
    kind = draw(st.sampled_from(["none", "int", "float", "huge", "text", "wrong-length", "nan"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if kind == "none":
        return None
    if kind == "int":
        return rng.integers(0, 3, n)
    if kind == "float":
        return rng.standard_normal(n)
    if kind == "huge":
        return rng.standard_normal(n) * 1e300
    if kind == "text":
        return np.array(["setosa", "virginica"] * n)[:n]
    if kind == "nan":
        y = rng.standard_normal(n)
        if n:
            y[0] = np.nan
        return y
    return rng.standard_normal(n + 1)


@given(X=sample_arrays(), data=st.data(), as_npz=st.booleans())
def test_generated_arrays_never_crash_verify(tmp_path_factory, X, data, as_npz):
    folder = tmp_path_factory.mktemp("arr")
    if as_npz:
        y = data.draw(labels_for(X.shape[0] if X.ndim else 0))
        path = folder / "d.npz"
        np.savez(path, X=X, **({} if y is None else {"y": y}))
    else:
        path = folder / "d.npy"
        np.save(path, X)
    check_contract(run("verify", path, "--width", WIDTH, "--json"), json_expected=True)


@given(X=sample_arrays())
def test_generated_arrays_never_crash_bound(tmp_path_factory, X):
    path = tmp_path_factory.mktemp("arr") / "d.npy"
    np.save(path, X)
    res = run("bound", path, "--json")
    check_contract(res, json_expected=True)
    assert res.code in (0, 2)  # bound has no verdict: evaluated or refused


def _quantities(path) -> dict:
    res = run("verify", path, "--width", WIDTH, "--json")
    check_contract(res, json_expected=True)
    assert res.code in (0, 1), res
    return strict_json(res.out)


@given(seed=st.integers(0, 2**16), n=st.integers(2, 6), d0=st.integers(2, 5), exponent=st.integers(-300, 300), per_row=st.booleans())
def test_scaling_x_leaves_normalised_quantities_unchanged(tmp_path_factory, seed, n, d0, exponent, per_row):
    folder = tmp_path_factory.mktemp("scale")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d0))
    factor = 10.0 ** (rng.integers(-300, 300, size=(n, 1)).astype(float) if per_row else float(exponent))
    np.save(folder / "a.npy", X)
    np.save(folder / "b.npy", X * factor)
    a, b = _quantities(folder / "a.npy"), _quantities(folder / "b.npy")
    assert a["all_hold"] == b["all_hold"]
    assert [c["holds"] for c in a["conditions"]] == [c["holds"] for c in b["conditions"]]
    for key in ("y_frobenius", "y_scale", "d1", "n", "d0", "d2"):  # teacher labels: rounding of X only
        assert math.isclose(a["data"][key], b["data"][key], rel_tol=1e-6), key
    for key, va in a["quantities"].items():
        vb = b["quantities"][key]
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)):
            assert math.isclose(va, vb, rel_tol=1e-6, abs_tol=1e-9), (key, va, vb)
        else:
            assert va == vb, key
