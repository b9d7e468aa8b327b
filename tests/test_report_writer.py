"""Report folder policy (new / replace / refuse / --force merge), atomicity, schema validator."""
import json
import os

import pytest

from opcheck.errors import InputError
from opcheck.data.loaders import load_builtin
from opcheck.report import writer
from opcheck.report.config import ReportConfig
from opcheck.report.plots import Plot
from opcheck.report.run import prepare, run_report
from opcheck.report.schema import RESULTS_SCHEMA, validate

PNG = b"\x89PNG\r\n\x1a\n" + b"not really an image"


@pytest.fixture(scope="module")
def results():
    """A tiny real report (in-process, no plots drawn): width sweep only, 5 GD steps."""
    from opcheck.commands.common import build_dataset

    raw = load_builtin("sphere", 40, 6, 1)

    def build(r, m):
        return build_dataset(r, n=m, labels="teacher", d2=1, normalize=True, seed=1, activation="gelu", init="lecun", width=None, omega1=None, omega2=None)

    res = run_report(prepare(raw, build, ReportConfig(n=12, steps=5, quick=True, sweeps=("width",), test_fraction=0.25)), scheduler="serial")
    doc = res.as_dict()
    doc["provenance"] = {"opcheck_version": "x", "command_line": "opcheck report", "options": {}, "seeds": {"seed": 1},
                         "data": {"source": "sphere", "raw_sha256": "0" * 64}, "machine": {"platform": "p", "cpu_count": 2},
                         "libraries": {"python": "3", "numpy": "1", "scipy": "1", "matplotlib": "1"}}
    return doc


def plots():
    return [Plot("width_sweep.png", "W", "caption", "width", PNG), Plot("loss_curves.png", "L", "caption", "gd", PNG + b"2")]


def _files(folder):
    return sorted(os.listdir(folder))


def test_new_folder_gets_every_file_and_a_marker(tmp_path, results):
    out = tmp_path / "a" / "rep"  # parents are created
    w = writer.write_report(out, results, plots())
    assert w.mode == "new"
    assert _files(out) == sorted([writer.MARKER, "loss_curves.png", "report.html", "report.md", "results.json", "width_sweep.png"])
    marker = json.loads((out / writer.MARKER).read_text())
    assert marker["kind"] == "opcheck-report" and sorted(marker["files"]) == sorted(set(_files(out)) - {writer.MARKER})
    assert (out / "width_sweep.png").read_bytes() == PNG
    doc = json.loads((out / "results.json").read_text())
    assert validate(doc) == [] and [p["file"] for p in doc["plots"]] == ["width_sweep.png", "loss_curves.png"]
    assert _files(tmp_path / "a") == ["rep"]  # no temporary folder left behind


def test_earlier_report_is_replaced_whole(tmp_path, results):
    out = tmp_path / "rep"
    writer.write_report(out, results, plots())
    w = writer.write_report(out, results, plots()[:1])
    assert w.mode == "replace" and "loss_curves.png" not in _files(out)  # the stale plot went with the old folder
    assert _files(tmp_path) == ["rep"]


def test_refuses_foreign_folder_unless_forced(tmp_path, results):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="--force"):
        writer.write_report(out, results, plots())
    assert _files(out) == ["notes.txt"]
    w = writer.write_report(out, results, plots(), force=True)
    assert w.mode == "merge" and (out / "notes.txt").read_text() == "keep me" and (out / writer.MARKER).exists()
    # a report folder with a user file added is no longer "an earlier report": refused again without --force
    with pytest.raises(InputError, match="did not write"):
        writer.destination_mode(out, force=False)
    w = writer.write_report(out, results, plots()[:1], force=True)
    assert "loss_curves.png" not in _files(out) and (out / "notes.txt").exists()  # ours removed, theirs kept


def test_out_is_a_file(tmp_path):
    f = tmp_path / "x"
    f.write_text("")
    with pytest.raises(InputError, match="is a file"):
        writer.destination_mode(f, force=True)
    with pytest.raises(InputError, match="is a file"):
        writer.destination_mode(f / "sub", force=True)


def test_interrupted_write_leaves_no_report_that_looks_complete(tmp_path, results, monkeypatch):
    out = tmp_path / "rep"
    real = writer._write

    def failing(path, data):
        if path.name == "report.html":
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(writer, "_write", failing)
    with pytest.raises(InputError, match="writing failed"):
        writer.write_report(out, results, plots())
    assert _files(tmp_path) == []  # nothing, not even a temporary folder
    monkeypatch.setattr(writer, "_write", real)
    writer.write_report(out, results, plots())
    before = (out / "results.json").read_bytes()
    monkeypatch.setattr(writer, "_write", failing)
    with pytest.raises(InputError):
        writer.write_report(out, {**results, "findings": ["changed"]}, plots())
    assert (out / "results.json").read_bytes() == before and (out / writer.MARKER).exists()  # the earlier report is intact
    assert _files(tmp_path) == ["rep"]


def test_working_directory_is_merged_not_swapped(tmp_path, results, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = writer.write_report(tmp_path, results, plots())
    assert w.mode == "merge" and os.getcwd() == str(tmp_path) and (tmp_path / writer.MARKER).exists()


def test_validator_catches_violations(results):
    assert validate(results) == []
    bad = json.loads(json.dumps(results))
    del bad["findings"]
    bad["config"]["steps"] = "5"
    bad["sweeps"]["width"]["threshold_gd"]["kind"] = "guessed"
    bad["sweeps"]["extra"] = 1
    errs = "\n".join(validate(bad))
    assert "missing required key 'findings'" in errs
    assert "$.config.steps: expected integer" in errs
    assert "'guessed' not one of" in errs
    assert "unexpected key 'extra'" in errs
    assert validate(True, {"type": "integer"}) and validate(1.5, {"type": ["integer", "null"]})
    assert RESULTS_SCHEMA["additionalProperties"] is False
