"""Seeded randomness: one independent stream per purpose, all from ``--seed``.

``rng(seed, "init")`` and ``rng(seed, "teacher")`` are independent streams of one
:class:`numpy.random.SeedSequence`, so changing how many numbers one purpose
draws never changes another's.  No module calls ``np.random`` globals.
"""
from __future__ import annotations

import numpy as np

_PURPOSES = {
    "subset": 1,
    "init": 2,
    "teacher": 3,
    "random_labels": 4,
    "sphere": 5,
    "split": 6,
    "lipschitz": 7,
    "lanczos": 8,
    "lanczos-block": 9,
}


def rng(seed: int, purpose: str) -> np.random.Generator:
    """The generator for ``purpose`` under ``seed`` (a fixed, documented stream id)."""
    from opcheck._runtime.validation import non_negative_int

    seed = non_negative_int(seed, "--seed")
    return np.random.default_rng(np.random.SeedSequence([seed, _PURPOSES[purpose]]))
