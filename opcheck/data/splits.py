"""The data of one sweep point: n training samples and, optionally, a held-out split.

For ``n`` training samples and held-out fraction ``f`` the report draws a pool of
``m = ⌈n/(1−f)⌉`` samples exactly as ``opcheck verify --n m`` would (seeded
subset, unit-norm samples, ``‖Y‖_F ≤ 1`` over the pool, Assumption 2), then splits
the pool's columns with the ``split`` random stream into n training and m − n
test samples.  Both halves therefore share one normalisation and one label
encoding (one-hot classes or teacher outputs).  With ``f = 0`` the training set
is exactly ``opcheck verify --n n``'s.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from opcheck.data.prepare import Dataset
from opcheck.data.loaders import RawSamples
from opcheck._runtime.seeding import rng

def pool_size(n_train: int, test_fraction: float) -> int:
    """Samples drawn for ``n_train`` training samples when a fraction is held out."""
    return n_train if test_fraction == 0 else int(math.ceil(n_train / (1.0 - test_fraction) - 1e-9))


def largest_train_n(available: int, test_fraction: float) -> int:
    """The most training samples ``available`` samples allow with the held-out fraction."""
    n = int(math.floor(available * (1.0 - test_fraction) + 1e-9))
    while n > 0 and pool_size(n, test_fraction) > available:
        n -= 1
    return n


#: ``build(raw, n) -> Dataset`` — the verify command's loading path (subset, normalise, label).
Builder = Callable[[RawSamples, int | None], Dataset]


@dataclass(frozen=True)
class SplitData:
    """Training set (what the theorem sees) and the held-out test set, if any."""

    train: Dataset
    test_X: np.ndarray | None  # d0 × n_test
    test_Y: np.ndarray | None  # d2 × n_test
    classification: bool  # one-hot class targets: test error = misclassification rate

    @property
    def n_test(self) -> int:
        return 0 if self.test_X is None else self.test_X.shape[1]


def _sphere_rows(raw: RawSamples, m: int) -> RawSamples:
    """The first m generated sphere points (= ``--dataset sphere --n m`` with the same seed)."""
    return dataclasses.replace(raw, X=raw.X[:m], y=None if raw.y is None else raw.y[:m])


def make_split(raw: RawSamples, n: int, test_fraction: float, seed: int, build: Builder) -> SplitData:
    """Pool of ``⌈n/(1−f)⌉`` samples prepared as verify does, split into n train + rest test."""
    m = pool_size(n, test_fraction)
    total = raw.X.shape[0]
    if raw.generated:
        pool = build(_sphere_rows(raw, m), None)
    else:
        pool = build(raw, None if m == total else m)
    classification = pool.classes is not None
    if m == n:
        return SplitData(pool, None, None, classification)
    order = rng(seed, "split").permutation(m)
    tr, te = np.sort(order[:n]), np.sort(order[n:])
    train = dataclasses.replace(
        pool,
        X=np.ascontiguousarray(pool.X[:, tr]),
        Y=np.ascontiguousarray(pool.Y[:, tr]),
        indices=pool.indices[tr] if pool.indices.size == m else tr,
    )
    return SplitData(train, np.ascontiguousarray(pool.X[:, te]), np.ascontiguousarray(pool.Y[:, te]), classification)
