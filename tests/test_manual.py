"""The manual in the repository: README size and set-up lines, its Python example, its links."""
from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_readme_is_short_and_starts_with_the_two_setup_commands():
    text = README.read_text()
    assert len(text.encode()) <= 8 * 1024
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert len(first_block) == 2 and first_block[0].endswith("opcheck report")
    ci = (ROOT / ".ci" / "run").read_text()
    assert first_block[1] in ci  # .ci/run runs the README's second line verbatim


def test_readme_python_example_runs():
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README has no Python example"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(blocks):
        runner.run(parser.get_doctest(block, {}, f"README[{i}]", str(README), 0))
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0


def _manual_files():
    return [README, *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", _manual_files(), ids=lambda p: p.name)
def test_links_resolve_inside_the_repository(path):
    for target in re.findall(r"\]\(([^)#\s]+)\)", path.read_text()):
        if target.startswith(("http://", "https://")):
            continue
        assert (path.parent / target).resolve().exists(), f"{path.name} links to missing {target}"


def test_nothing_refers_outside_the_repository():
    files = [*_manual_files(), *(ROOT / "opcheck").rglob("*.py"), ROOT / "pyproject.toml"]
    for path in files:
        text = path.read_text()
        for needle in ("/work/", "shared/theory.md", "shared/design.md"):
            assert needle not in text, f"{path.relative_to(ROOT)} refers to {needle}"


def test_every_manual_ships_with_the_package():
    from opcheck._runtime.manuals import MANUALS, path

    for name in MANUALS:
        assert (ROOT / "docs" / name).exists()
        assert path(name).read_text() == (ROOT / "docs" / name).read_text()


def test_readme_verify_run_is_what_the_program_prints(run_cli):
    """The README's `$ opcheck verify --n 200` block against the program's own output today, word for word
    (whitespace aside: the README's copy was wrapped by a terminal of its own width)."""
    block = re.search(r"```console\n\$ opcheck verify --n 200\n(.*?)```", README.read_text(), re.S).group(1)
    res = run_cli("verify", "--n", "200")
    assert res.code == 1, res  # two conditions fail, as the README says
    assert block.split() == res.out.split()
