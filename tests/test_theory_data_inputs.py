"""--data values against explicit oracles: H∞ entry by entry, X^{*t} formed explicitly."""
from __future__ import annotations

import math

import numpy as np
import pytest

from opcheck.errors import InputError
from opcheck.theory.data_inputs import data_spectra, load_dataset, relu_ntk_gram


def _unit_columns(d0, n, seed):
    X = np.random.default_rng(seed).standard_normal((d0, n))
    return X / np.linalg.norm(X, axis=0)


def _khatri_rao_power(X, t):
    """Explicit X^{*t}: column a is vec(x_a ⊗ … ⊗ x_a)."""
    cols = []
    for a in range(X.shape[1]):
        v = X[:, a]
        for _ in range(t - 1):
            v = np.kron(v, X[:, a])
        cols.append(v)
    return np.stack(cols, axis=1)


def test_relu_ntk_gram_entry_by_entry():
    X = _unit_columns(3, 6, 0)
    X[:, 5] = X[:, 0]  # a duplicate: cosine exactly 1 (arccos needs the clip)
    H = relu_ntk_gram(X)
    for i in range(6):
        for j in range(6):
            c = min(1.0, max(-1.0, float(X[:, i] @ X[:, j])))
            assert H[i, j] == pytest.approx(c * (math.pi - math.acos(c)) / (2 * math.pi), abs=1e-15)
    assert np.allclose(np.diag(H), 0.5)


def test_clip_keeps_roundoff_cosines_finite():
    X = np.array([[1.0, 1.0 + 1e-15], [0.0, 0.0]])  # cosine slightly above 1 without the clip
    assert np.all(np.isfinite(relu_ntk_gram(X)))


def test_data_spectra_against_dense_oracles():
    X = _unit_columns(3, 5, 1)  # C(3+2-1, 2) = 6 >= 5: X^{*2} can have full column rank
    got = data_spectra(X, [2, 3], "test")
    assert got.sigma_max_x == pytest.approx(np.linalg.svd(X, compute_uv=False)[0], rel=1e-12)
    for t in (2, 3):
        s = np.linalg.svd(_khatri_rao_power(X, t), compute_uv=False)
        assert got.sigma_min(t) == pytest.approx(s[-1], rel=1e-8)
    assert got.sigma_min(1) == 0.0  # n = 5 > d0 = 3: structural zero
    H = np.array([[float(X[:, i] @ X[:, j]) * (math.pi - math.acos(max(-1, min(1, float(X[:, i] @ X[:, j]))))) / (2 * math.pi) for j in range(5)] for i in range(5)])
    assert got.lambda0 == pytest.approx(np.linalg.eigvalsh(H)[0], rel=1e-10)
    d = got.as_dict()
    assert d["n"] == 5 and d["d0"] == 3 and [p["t"] for p in d["khatri_rao"]] == [1, 2, 3]


def test_load_dataset_from_file_normalises(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, 3.0 * np.random.default_rng(0).standard_normal((40, 5)))
    ds = load_dataset(str(path), None, None, None, 0)
    assert ds.X.shape == (5, 40) and np.allclose(np.linalg.norm(ds.X, axis=0), 1.0)
    assert load_dataset(str(path), None, 10, None, 0).n == 10
    with pytest.raises(InputError, match="does not match"):
        load_dataset(str(path), None, None, 7, 0)
    with pytest.raises(InputError, match="not both"):
        load_dataset(str(path), "sphere", None, None, 0)


def test_load_builtin_sphere():
    ds = load_dataset(None, "sphere", 30, 4, 0)
    assert ds.X.shape == (4, 30)
