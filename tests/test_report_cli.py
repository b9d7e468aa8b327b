"""``opcheck report`` end to end on tiny configurations: files, HTML, schema, determinism, refusal, bad input."""
import base64
import html
import contextlib
import io
import json
import sys
from html.parser import HTMLParser

import pytest

from opcheck.report.schema import validate
from opcheck.report.writer import MARKER

TINY = ("--quick", "--n", "24", "--steps", "15", "--seed", "3", "--test-fraction", "0.25", "--n-max", "40", "--seeds", "2", "--gd-budget", "200")


def run(*argv):
    """``opcheck`` in-process; (exit code, stdout, stderr)."""
    from opcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["report", *map(str, argv)])
            code = 0
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("r") / "rep"
    code, out, err = run(*TINY, "--scheduler", "serial", "--out", folder)
    assert code == 0, err
    (folder.parent / "serial-results.json").write_text((folder / "results.json").read_text())  # kept: later tests rewrite the folder
    return folder, out, err


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.stack, self.tables = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.imgs.append(dict(attrs))
        elif tag not in ("meta", "br"):
            self.stack.append(tag)
        self.tables += tag == "table"

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


def test_folder_has_every_file(report):
    folder, out, _ = report
    doc = json.loads((folder / "results.json").read_text())
    plots = [p["file"] for p in doc["plots"]]
    assert sorted(plots) == ["init_ratio.png", "loss_curves.png", "threshold_vs_n.png", "thresholds_vs_n.png", "width_sweep.png"]
    for name in ["report.html", "report.md", "results.json", *plots]:
        assert (folder / name).stat().st_size > 0
    for name in plots:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    marker = json.loads((folder / MARKER).read_text())
    assert set(marker["files"]) == {"report.html", "report.md", "results.json", *plots}
    assert str(folder / "report.html") in " ".join(out.split())  # the summary ends with the path
    assert "time per part" in out and "width sweep" in out and "thresholds" in out and "plots" in out
    assert "digits:" in out and "sphere-random:" in out  # the summary box, one line per dataset


def test_html_parses_and_embeds_every_plot(report):
    folder, _, _ = report
    text = (folder / "report.html").read_text()
    p = _Images()
    p.feed(text)
    p.close()
    assert p.stack == [] and p.tables >= 4
    by_file = {img["data-file"]: img["src"] for img in p.imgs}
    doc = json.loads((folder / "results.json").read_text())
    for plot in doc["plots"]:
        src = by_file[plot["file"]]
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) == (folder / plot["file"]).read_bytes()
    assert "src=\"http" not in text and "<script" not in text  # self-contained
    for finding in doc["findings"]:
        assert html.escape(finding) in text
    md = (folder / "report.md").read_text()
    assert all(f"]({p['file']})" in md for p in doc["plots"]) and "## Findings" in md


def test_results_json_matches_schema_and_content(report):
    folder, _, _ = report
    doc = json.loads((folder / "results.json").read_text())
    assert validate(doc) == []
    w = doc["sweeps"]["width"]
    assert w["n"] == 24 and w["widths"] == [6, 12, 24, 48, 96, 192]
    for pt in w["points"]:
        q = pt["quantities"]
        assert (q["mu_phi"] == 0) == (pt["d1"] < 24)  # phi(W0 X) is d1 x n: rank <= d1
        assert q["sigma_min_jacobian"] >= q["mu_phi"] * (1 - 1e-9)  # Lemma 3: the W-block only adds
        assert pt["gd"]["steps_run"] <= 15 and pt["gd"]["test_error"]["n_test"] == 8
        assert pt["hypotheses_hold"] == all(h["holds"] for h in pt["hypotheses"])
    assert doc["sweeps"]["samples"]["ns"] == [9, 15, 24]
    r = doc["sweeps"]["init_ratio"]
    assert r["ratios"] == [0.01, 0.1, 1.0, 10.0, 100.0] and r["seeds"] == [3, 4]
    assert [(p["ratio"], p["seed"]) for p in r["points"]] == [(q, s) for q in r["ratios"] for s in (3, 4)]
    assert [row["ratio"] for row in r["summary"]] == r["ratios"] and all(row["w_motion"]["count"] == 2 for row in r["summary"])
    for p in r["points"]:
        assert p["init"]["nominal"]["omega1"] * p["init"]["nominal"]["omega2"] == pytest.approx(r["product"])  # nominal; omega1, omega2 are measured
        assert p["gd"]["curve"]["lazy_gap"] is not None
    prov = doc["provenance"]
    words = prov["command_line"].split()
    assert words[:2] == ["opcheck", "report"] and {"--quick", "--seed", "--test-fraction"} <= set(words)
    assert "--jobs" not in words and "--scheduler" not in words
    assert [d["key"] for d in doc["datasets"]] == ["digits", "sphere-random", "sphere-teacher"]
    assert doc["schema_version"] == 2 and {r["criterion"] for r in doc["thresholds"]} == {"features", "ntk", "gd"}
    for r in doc["thresholds"]:
        assert len(r["seeds"]) == 2
        if r["kind"] == "measured":
            assert all(s["lo"] is None or s["lo"] < s["hi"] for s in r["seeds"]) and r["bracket"][1] >= r["value"]
    assert {(e["dataset"], e["criterion"]) for e in doc["exponents"]} >= {("digits", "features"), ("sphere-random", "ntk")}
    assert [b["dataset"] for b in doc["summary"]] == ["digits", "sphere-random", "sphere-teacher"]
    assert words[words.index("--n") + 1] == "24" and words[words.index("--steps") + 1] == "15"
    assert len(prov["data"]["raw_sha256"]) == 64 and len(prov["data"]["prepared_sha256"]) == 64
    assert prov["seeds"]["seed"] == 3 and prov["libraries"]["numpy"]


def _without_timings(doc):
    doc = dict(doc)
    doc.pop("timings")
    return doc


def test_same_seed_same_results_whatever_the_workers(report, monkeypatch):
    """Serial first; rerun into the same folder (an earlier report: replaced without --force) on a LocalCluster of 2 worker processes,
    without bokeh (whatever is installed): no dashboard link, and nothing fails."""
    folder, _, _ = report
    first = json.loads((folder.parent / "serial-results.json").read_text())
    for name in {"bokeh", *(m for m in sys.modules if m.startswith("bokeh."))}:
        monkeypatch.setitem(sys.modules, name, None)  # `import bokeh...` fails here, where the local scheduler runs
    code, out, err = run(*TINY, "--jobs", "2", "--out", folder)
    assert code == 0, err
    assert "running on a local Dask cluster of 2 worker(s)" in err and "dashboard" not in err
    assert "replaced an earlier report" in out
    again = json.loads((folder / "results.json").read_text())
    assert again["timings"]["execution"]["mode"] == "local" and again["timings"]["execution"]["workers"] == 2
    assert first["timings"]["execution"]["mode"] == "serial"
    assert _without_timings(again) == _without_timings(first)  # byte-for-byte the same numbers, provenance included


def test_hand_started_scheduler_and_workers_give_the_serial_results(report, tmp_path, monkeypatch):
    """`dask scheduler` and two `dask worker tcp://…` started by hand (subprocesses), used through --scheduler:
    results.json as in the serial run, apart from the timings (which hold the scheduler's address)."""
    from hand_cluster import hand_started_cluster

    folder, _, _ = report
    serial = json.loads((folder.parent / "serial-results.json").read_text())
    monkeypatch.delenv("OPCHECK_SCHEDULER", raising=False)
    with hand_started_cluster(tmp_path, workers=2) as address:
        code, out, err = run(*TINY, "--scheduler", address, "--out", folder)  # the same --out: it is in the provenance
    assert code == 0, err
    doc = json.loads((folder / "results.json").read_text())
    assert doc["timings"]["execution"] == {"mode": "remote", "workers": 2, "scheduler": address, "dashboard": None}
    assert f"running on the Dask scheduler at {address} (2 worker(s))" in err
    assert "dashboard" not in err  # the scheduler serves none (--no-dashboard): no link, no failure
    assert address not in json.dumps(_without_timings(doc))  # the address is execution detail, not provenance
    assert _without_timings(doc) == _without_timings(serial)


def test_points_equal_opcheck_verify(tmp_path, capsys):
    """With nothing held out, a width-sweep point is exactly `opcheck verify --n N --width D --seed S`."""
    from opcheck.cli import main

    code, _, err = run("--quick", "--n", "16", "--steps", "3", "--sweeps", "width", "--test-fraction", "0", "--seed", "4", "--scheduler", "serial", "--out", tmp_path / "w")
    assert code == 0, err
    doc = json.loads((tmp_path / "w" / "results.json").read_text())
    assert doc["sweeps"]["samples"] is None and doc["sweeps"]["init_ratio"] is None
    pt = doc["sweeps"]["width"]["points"][3]
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["verify", "--n", "16", "--width", str(pt["d1"]), "--seed", "4", "--json"])
    ver = json.loads(capsys.readouterr().out)
    for k in ("mu_phi", "sigma_min_jacobian", "c_needed", "h0"):
        # same data, same Theta0; only the BLAS thread count may differ (report: one thread)
        assert pt["quantities"][k] == pytest.approx(ver["quantities"][k], rel=1e-9)


def test_refusal_and_force(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("\\begin{document}")
    code, out, err = run("--quick", "--out", foreign)
    assert code == 2 and out == ""
    assert err.startswith("opcheck: error: ") and "--force" in err and err.count("\n") == 1
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.tex"]  # refused before any work
    code, _, err = run("--quick", "--n", "12", "--steps", "3", "--sweeps", "width", "--scheduler", "serial", "--force", "--out", foreign)
    assert code == 0, err
    names = {p.name for p in foreign.iterdir()}
    assert {"thesis.tex", "report.html", "results.json", MARKER} <= names
    assert (foreign / "thesis.tex").read_text() == "\\begin{document}"


@pytest.mark.parametrize("argv, needle", [
    (("--sweeps", "bogus"), "unknown sweep"),
    (("--test-fraction", "1.5"), "--test-fraction"),
    (("--n", "5000"), "use a smaller --n"),
    (("--steps", "0"), "--steps"),
    (("--tol", "-1"), "--tol"),
    (("--jobs", "0"), "--jobs"),
    (("--activation", "swish9"), "activation"),
    (("--init", "orthogonal"), "init"),
    (("--dataset", "mnist"), "unknown dataset"),
    (("nonexistent.npy",), "file not found"),
    (("--constant", "0"), "--constant"),
    (("--seeds", "0"), "--seeds"),
    (("--scheduler", "localhost"), "--scheduler"),
    (("--init", "xavier", "--sweeps", "thresholds"), "omega1"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, argv, needle):
    code, out, err = run(*argv, "--out", tmp_path / "x")
    assert code == 2 and out == ""
    assert err.startswith("opcheck: error: ") and err.count("\n") == 1 and needle in err
    assert not (tmp_path / "x").exists()


def test_quick_summary_says_it_is_quick_and_what_it_cannot_support(report):
    folder, out, _ = report
    doc = json.loads((folder / "results.json").read_text())
    assert doc["config"]["quick"] and doc["summary"]
    for box in doc["summary"]:
        assert box["headline"].startswith("quick run: ")
        note = box["lines"][1]
        assert note.startswith("QUICK RUN (--quick)") and "cannot support" in note and "0.6" in note
        greyed = [e["criterion"] for e in doc["exponents"] if e["dataset"] == box["dataset"] and not e["finding"]]
        assert all(f"{c} (" in note for c in greyed)
    assert "quick run: " in out and "QUICK RUN (--quick)" in (folder / "report.md").read_text()


def test_ctrl_c_on_a_local_cluster_leaves_no_process_and_no_report(tmp_path):
    """SIGINT to the whole process group (what Ctrl-C in a terminal does) while the sweeps run on 2 local workers:
    exit 130, every worker and nanny process gone, no report folder."""
    import os
    import signal
    import subprocess
    import threading
    import time

    out = tmp_path / "rep"
    proc = subprocess.Popen([sys.executable, "-m", "opcheck", "report", *TINY, "--jobs", "2", "--out", str(out)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    lines, running = [], threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if "running on a local Dask cluster" in line:
                running.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert running.wait(120), "".join(lines)
        time.sleep(1.0)  # the first tasks are on the workers
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(60) == 130, "".join(lines)
        deadline = time.monotonic() + 20
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(proc.pid), "worker processes outlived the interrupted report"
        assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-written report
        assert "Traceback" not in "".join(lines), "".join(lines)
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


def _group_alive(pgid: int) -> bool:
    import os

    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
