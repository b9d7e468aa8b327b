"""Fuzz (issue 10): generated CSV text — byte-order mark, header, quoting, separators, blank lines.

Two properties: a well-formed numeric CSV, however it is dressed (BOM, header, quotes,
``,``/``;``/tab, blank lines, CRLF), is read back as exactly the numbers written (the
oracle is the generated matrix); and any generated CSV text, well-formed or not, keeps
the command-line contract (exit 0/1/2, one-line errors, strict JSON).
"""
from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fuzz_support import FUZZ_BUDGET_GB, check_contract, run  # noqa: E402

finite = st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda v: v == 0 or 1e-300 <= abs(v) <= 1e300)


@pytest.fixture(autouse=True)
def _small_budget(monkeypatch):
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", str(FUZZ_BUDGET_GB))


@st.composite
def dressed_csv(draw):
    """(bytes, matrix, label column name or None, labels) for a numeric CSV in some dress."""
    n, d = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    M = np.array(draw(st.lists(st.lists(finite, min_size=d, max_size=d), min_size=n, max_size=n)), dtype=np.float64)
    sep = draw(st.sampled_from([",", ";", "\t"]))
    quote = draw(st.booleans())
    header = draw(st.booleans())
    label = draw(st.sampled_from([None, "numbers", "words"]))
    names = [f"f{j}" for j in range(d)]
    words = ["setosa", "versicolor", "virginica"]
    labels = None
    if label:
        labels = [words[i % 3] for i in range(n)] if label == "words" else [float(i % 2) for i in range(n)]
    lines = []
    if header or label == "words":
        lines.append(sep.join(names + (["species"] if label else [])))
    for i, row in enumerate(M):
        cells = [repr(float(v)) for v in row] + ([str(labels[i])] if label else [])
        cells = [f'"{c}"' for c in cells] if quote else cells
        lines.append(sep.join(cells))
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "   ", sep * 0])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    raw = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")
    has_header = header or label == "words"
    column = ("species" if has_header else str(d)) if label else None
    return raw, M, column, labels


@given(case=dressed_csv())
def test_well_formed_csv_is_read_back_exactly(tmp_path_factory, case):
    from opcheck.data.loaders import load_file

    raw, M, column, labels = case
    path = tmp_path_factory.mktemp("csv") / "d.csv"
    path.write_bytes(raw)
    got = load_file(str(path), column)
    assert got.X.shape == M.shape
    assert np.array_equal(got.X, M)
    if labels is None:
        assert got.y is None
    else:
        assert [str(v) for v in got.y.tolist()] == [str(v) for v in labels]
        assert got.labels_are_classes


cells = st.one_of(
    st.sampled_from(["", " ", "1", "-0", "nan", "inf", "-inf", "1e400", "1e-400", "1e308", "1e-300", "0x10", "1,5", "a", "\"", "\"\"", "setosa", "label", "\ufeff"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4),
)


@st.composite
def hostile_csv(draw):
    rows = draw(st.lists(st.lists(cells, min_size=1, max_size=4), min_size=0, max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    text = "\n".join(sep.join(r) for r in rows)
    raw = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        raw = b"\xef\xbb\xbf" + raw
    if draw(st.booleans()):
        raw += draw(st.binary(max_size=4))  # maybe not UTF-8 at all
    column = draw(st.sampled_from([None, "0", "-1", "label", "7"]))
    return raw, column


@given(case=hostile_csv(), command=st.sampled_from(["verify", "bound"]))
def test_any_csv_text_keeps_the_contract(tmp_path_factory, case, command):
    raw, column = case
    path = tmp_path_factory.mktemp("csv") / "d.csv"
    path.write_bytes(raw)
    if command == "verify":
        argv = ["verify", path, "--width", "10", "--json"] + (["--label-column", column] if column else [])
    else:
        argv = ["bound", path, "--json"]
    check_contract(run(*argv), json_expected=True)
