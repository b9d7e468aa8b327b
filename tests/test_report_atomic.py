"""Issue 10, report folder: atomic swap, leftovers of interrupted runs, symlinked --out, early writability."""
from __future__ import annotations

import os
import signal

import pytest

from opcheck.errors import InputError
from opcheck.report import atomic_folder, writer
from test_report_writer import plots, results  # noqa: F401  (the module fixture: a tiny real report)


def _report(folder, text):
    folder.mkdir()
    (folder / "report.md").write_text(text)
    return folder


def test_exchange_swaps_two_folders_in_one_call(tmp_path):
    a, b = _report(tmp_path / "a", "new"), _report(tmp_path / "b", "old")
    if not atomic_folder.exchange(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    assert (b / "report.md").read_text() == "new" and (a / "report.md").read_text() == "old"


def test_swap_replaces_an_earlier_report_and_leaves_nothing_behind(tmp_path):
    out = _report(tmp_path / "rep", "old")
    tmp = _report(tmp_path / ".rep.tmp-1-x", "new")
    how = atomic_folder.swap_in(tmp, out)
    assert how in ("exchange", "two-renames")
    assert (out / "report.md").read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["rep"]


def test_fallback_holds_ctrl_c_until_both_renames_are_done(tmp_path, monkeypatch):
    """A SIGINT between the two renames used to leave --out missing (the old report hidden in .NAME.old-*)."""
    out = _report(tmp_path / "rep", "old")
    tmp = _report(tmp_path / ".rep.tmp-1-x", "new")
    real = os.rename
    calls = []

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # arrives between the two renames
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        atomic_folder.swap_in(tmp, out, use_exchange=False)
    assert len(calls) == 2, "the interrupt was delivered before the second rename"
    assert (out / "report.md").read_text() == "new"


def test_leftovers_of_dead_runs_are_cleaned_on_the_next_run(tmp_path):
    out = _report(tmp_path / "rep", "x")
    (out / writer.MARKER).write_text('{"kind": "opcheck-report", "files": ["report.md"]}')
    dead = tmp_path / ".rep.old-999999999-abc"  # no such pid
    legacy = tmp_path / ".rep.tmp-abcd1234"  # older opcheck: no pid in the name
    alive = tmp_path / f".rep.tmp-{os.getpid()}-abc"  # this process: a run in progress, kept
    other = tmp_path / ".other.tmp-999999999-abc"  # another --out's folder, kept
    for folder in (dead, legacy, alive, other):
        folder.mkdir()
    assert writer.destination_mode(out, force=False) == "replace"
    assert sorted(os.listdir(tmp_path)) == sorted(["rep", alive.name, other.name])


def test_out_symlink_is_followed_and_kept(tmp_path, results):  # noqa: F811
    target = tmp_path / "real"
    link = tmp_path / "link"
    writer.write_report(target, results, plots())
    link.symlink_to(target)
    w = writer.write_report(link, results, plots()[:1])
    assert w.mode == "replace" and link.is_symlink() and os.readlink(link) == str(target)
    assert "loss_curves.png" not in os.listdir(target) and (target / writer.MARKER).exists()


def test_empty_out_in_a_read_only_parent_is_written_into_not_swapped(tmp_path, results, monkeypatch):  # noqa: F811
    """An empty --out whose parent is not writable used to fail after all sweeps ran."""
    out = tmp_path / "rep"
    out.mkdir()
    real = writer._probe_writable
    monkeypatch.setattr(writer, "_probe_writable", lambda folder: False if os.path.samefile(folder, tmp_path) else real(folder))
    assert writer.destination_mode(out, force=False) == "merge"
    w = writer.write_report(out, results, plots())
    assert w.mode == "merge" and (out / writer.MARKER).exists()
    assert not [n for n in os.listdir(out) if n.startswith(".rep.")]


def test_unwritable_parent_is_refused_before_any_sweep(tmp_path, monkeypatch):
    from cli_runner import invoke

    monkeypatch.setattr(writer, "_probe_writable", lambda folder: False)
    res = invoke("report", "--quick", "--out", tmp_path / "new-report")
    assert res.code == 2 and "not writable" in res.err
    with pytest.raises(InputError, match="not writable"):
        writer.destination_mode(tmp_path / "x", force=False)


def test_a_recorded_ctrl_c_leaves_no_report(tmp_path, results):  # noqa: F811
    """A SIGINT that a library swallowed (opcheck._runtime.interrupts) still stops the swap: no folder, no leftovers."""
    from opcheck._runtime import interrupts

    interrupts.record()
    try:
        with pytest.raises(KeyboardInterrupt):
            writer.write_report(tmp_path / "rep", results, plots())
        assert not list(tmp_path.iterdir())
    finally:
        interrupts.clear()
    assert writer.write_report(tmp_path / "rep", results, plots()).mode and (tmp_path / "rep" / writer.MARKER).exists()
