"""Held-out error of trained parameters: predictions ``V φ(W X_test)`` (eq. 15).

* classification (one-hot class targets): the misclassification rate,
  ``mean_a [argmax_k Ẑ_ka ≠ argmax_k Y_ka]``;
* regression (any other target): the relative squared error
  ``‖Ẑ − Y‖_F² / ‖Y‖_F²`` (1 = no better than predicting zero).

[derived: opcheck's choice of metrics; the paper reports test accuracy.]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from opcheck.model.activations import Activation
from opcheck.model.network import Params, forward


@dataclass(frozen=True)
class TestError:
    value: float
    metric: str  # "misclassification rate" | "relative squared error"
    n_test: int

    def as_dict(self) -> dict:
        return {"value": self.value, "metric": self.metric, "n_test": self.n_test}


def predict(params: Params, X: np.ndarray, act: Activation) -> np.ndarray:
    """``V φ(W X)`` (d2 × n) — the network's outputs on the columns of X."""
    return forward(params, X, act, with_derivative=False).Z


def test_error(params: Params, X: np.ndarray, Y: np.ndarray, act: Activation, classification: bool) -> TestError:
    """Misclassification rate (one-hot targets) or relative squared error on (X, Y)."""
    Z = predict(params, X, act)
    n = X.shape[1]
    if classification:
        wrong = np.argmax(Z, axis=0) != np.argmax(Y, axis=0)
        return TestError(float(np.mean(wrong)), "misclassification rate", n)
    denom = float(np.vdot(Y, Y))
    R = Z - Y
    value = float(np.vdot(R, R)) / denom if denom > 0 else float("inf")
    return TestError(value, "relative squared error", n)


test_error.__test__ = False  # not a pytest test despite the name
TestError.__test__ = False
