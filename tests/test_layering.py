"""The package's imports flow one way (commands -> report/render -> checks/theory ->
linalg/model/data -> _runtime).  Parsed from the source with ``ast``: no import runs."""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "opcheck"

#: Layer rank of each sub-package: a module may import only from its own rank or lower.
RANK = {
    "errors": 0, "_runtime": 0,
    "data": 1, "model": 1, "linalg": 1,
    "checks": 2, "theory": 2,
    "report": 3, "render": 3,
    "commands": 4, "cli": 5, "__main__": 5, "__init__": 6, "api": 6,
}


def _layer(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("opcheck"):
            if node.module == "opcheck":
                for alias in node.names:
                    yield f"opcheck.{alias.name}", node.lineno
            else:
                yield node.module, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("opcheck"):
                    yield alias.name, node.lineno


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_one_way(path):
    rel = path.relative_to(PACKAGE).with_suffix("")
    own = rel.parts[0]
    assert own in RANK, f"{rel} is in no known layer: add it to RANK"
    for target, line in _imports(path):
        layer = _layer(target)
        if layer == "__version__":
            continue
        assert layer in RANK, f"{rel}:{line} imports unknown layer {target}"
        assert RANK[layer] <= RANK[own], f"{rel}:{line} imports {target} from a higher layer"


def test_layer_table_knows_every_subpackage():
    subpackages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert subpackages <= set(RANK)
