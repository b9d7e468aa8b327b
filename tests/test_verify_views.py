"""opcheck verify's views: the short default, -q (verdict only), -v (full tables), --out (the report trio)."""
from __future__ import annotations

import json

SPHERE = ("verify", "--dataset", "sphere", "--n", "12", "--d0", "3", "--width", "30")


def test_default_view_is_short_and_has_every_condition(run_cli):
    res = run_cli(*SPHERE)
    doc = json.loads(run_cli(*SPHERE, "--json").out)
    lines = res.out.strip().splitlines()
    assert res.code == (0 if doc["all_hold"] else 1)
    verdict_lines = sum(-(-len(v) // 60) for v in doc["verdict"])  # wrapped at 80 columns
    assert len(lines) <= 2 + len(doc["conditions"]) + 1 + verdict_lines + 1
    for c in doc["conditions"]:
        assert c["equation"] in res.out
    assert doc["verdict"][0].split(";")[0] in res.out.replace("\n", " ")
    assert "solver health" not in res.out  # a -v table


def test_quiet_prints_the_verdict_only(run_cli):
    res = run_cli(*SPHERE, "-q")
    doc = json.loads(run_cli(*SPHERE, "--json").out)
    assert res.out == doc["verdict"][0] + "\n" and res.err.strip() == ""
    assert res.code == (0 if doc["all_hold"] else 1)


def test_verbose_prints_the_full_tables(run_cli):
    res = run_cli(*SPHERE, "-v")
    for text in ("solver health", "quantities at Theta0", "activation", "verdict"):
        assert text in res.out
    assert "jacobian_w_block: not computed" in res.out and "σ_min(J_W)" not in res.out  # J_W only with --w-block
    full = run_cli(*SPHERE, "-v", "--w-block")
    assert "not computed" not in full.out and "σ_min(J_W)" in full.out


def test_out_writes_the_report_trio_atomically(run_cli, tmp_path):
    folder = tmp_path / "one-run"
    res = run_cli(*SPHERE, "-q", "--out", folder)
    assert res.code in (0, 1)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [".opcheck-report", "report.html", "report.md", "results.json"]
    results = json.loads((folder / "results.json").read_text())
    cli = json.loads(run_cli(*SPHERE, "--json").out)
    assert results["kind"] == "opcheck-verify" and results["schema_version"] == 2
    assert results["quantities"] == cli["quantities"]
    md = (folder / "report.md").read_text()
    for c in cli["conditions"]:
        assert c["name"] in md
    # a second run replaces the earlier folder; a foreign non-empty folder is refused before any work
    assert run_cli(*SPHERE, "-q", "--out", folder).code in (0, 1)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    res = run_cli(*SPHERE, "--out", foreign)
    assert res.code == 2 and "--force" in res.err and (foreign / "notes.txt").read_text() == "mine"


def test_extrapolated_width_reads_the_same_in_diagnoses_and_verdict(run_cli):
    """-v's diagnoses row and the verdict show (9)'s extrapolated width by one rule (was all 17 digits vs 2.802e+16)."""
    import re

    from opcheck.checks.conditions import width_text as width  # the verdict's rule

    argv = ("verify", "--dataset", "digits", "--n", "40", "--width", "40")
    w = json.loads(run_cli(*argv, "--json").out)["order_analysis"]["width"]
    assert w is not None and w >= 1e9  # the case where digits and scientific notation differ
    from opcheck.render.fmt import num

    assert num(95_373_328_943) == width(95_373_328_943) == "9.537e+10" and num(85_073_515) == width(85_073_515) == "85,073,515"
    flat = re.sub(r"[\s│╭╮╰╯─]+", " ", run_cli(*argv, "-v").out)
    assert flat.count(f"near d1 = {width(w)} ") == 2, flat
    assert str(int(w)) not in flat
    # the width (20) needs: the conditions table and the verdict sentence print the same digits
    doc = json.loads(run_cli(*argv, "--json").out)
    needed = width(next(c for c in doc["conditions"] if c["key"] == "width_20")["threshold"])
    assert f">= {needed} " in flat and f"d1 >= {needed} (t = " in flat, needed


def test_solver_notes_each_on_their_own_line():
    """Each matrix's note starts its own line, so "not computed" is not read as part of the note before it."""
    from rich.console import Console

    from opcheck.render.verify_view import solver_table

    spectrum = {"sigma_min": 0.0, "sigma_max": 1.0, "method": "dense eigvalsh (LAPACK)", "iterations": 1, "interval": None}
    spectra = {"x": {**spectrum, "note": "lambda_min is at or below the numerical resolution"}, "jacobian": {**spectrum, "note": ""}}
    for width in (80, 200):
        console = Console(record=True, width=width)
        solver_table(console, spectra)
        lines = [line.strip() for line in console.export_text().splitlines()]
        assert any(line.startswith("x: lambda_min is at or below") for line in lines)
        assert any(line.startswith("jacobian_w_block: not computed") for line in lines), lines
