"""opcheck._runtime.serialize: the one strict-JSON walk, against json's own strict parser."""
from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from opcheck._runtime.serialize import dumps, finite_or_none, internal, to_data


class Kind(enum.Enum):
    PAPER = "paper"
    MEASURED = "measured"


@dataclass(frozen=True)
class Leaf:
    kind: Kind
    value: float
    arr: np.ndarray = field(default_factory=lambda: np.array([1.0, np.inf]))
    params: object = internal(default=None)


@dataclass(frozen=True)
class Tree:
    rows: tuple[Leaf, ...]
    by_kind: dict
    path: Path


def _strict_loads(text: str):
    def refuse(token):
        raise AssertionError(f"non-strict token {token}")

    return json.loads(text, parse_constant=refuse)


def test_dataclass_walk_enums_nonfinite_numpy_and_internal_fields():
    tree = Tree(
        rows=(Leaf(Kind.PAPER, math.nan, params=np.zeros(3)), Leaf(Kind.MEASURED, np.float64(2.5))),
        by_kind={Kind.PAPER: np.int64(3), "x": (np.bool_(True), -math.inf)},
        path=Path("a/b"),
    )
    data = _strict_loads(dumps(tree))
    assert data == {
        "rows": [
            {"kind": "paper", "value": None, "arr": [1.0, None]},
            {"kind": "measured", "value": 2.5, "arr": [1.0, None]},
        ],
        "by_kind": {"paper": 3, "x": [True, None]},
        "path": "a/b",
    }
    assert "params" not in data["rows"][0]


def test_types_are_plain_python():
    data = to_data({"i": np.int32(7), "f": np.float32(0.5), "b": np.bool_(False), "a": np.arange(3).reshape(1, 3)})
    assert data == {"i": 7, "f": 0.5, "b": False, "a": [[0, 1, 2]]}
    assert type(data["i"]) is int and type(data["f"]) is float and type(data["b"]) is bool


@pytest.mark.parametrize("x, expected", [(math.inf, None), (-math.inf, None), (math.nan, None), (1.5, 1.5), (3, 3), (True, True), (None, None), ("s", "s")])
def test_finite_or_none(x, expected):
    assert finite_or_none(x) == expected if expected is not None else finite_or_none(x) is None


def test_legacy_as_dict_objects_are_serialised_through_it():
    class Old:
        def as_dict(self):
            return {"v": math.inf}

    assert to_data([Old()]) == [{"v": None}]


def test_dumps_never_writes_nan_tokens():
    text = dumps({"a": [math.nan, math.inf, {"b": -math.inf}]})
    assert "NaN" not in text and "Infinity" not in text
    assert _strict_loads(text) == {"a": [None, None, {"b": None}]}
