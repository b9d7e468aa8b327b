"""Datasets that share their samples X (the sphere with random and with teacher labels) share their
label-free thresholds: the report says so once instead of repeating identical findings."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

from opcheck.report.exponents import fit_exponent
from opcheck.report.threshold_records import ExponentRecord
from opcheck.report.threshold_sweep import ThresholdSweep
from opcheck.report.threshold_tasks import Criterion

NS = np.array([50, 100, 200, 400, 800, 1000], dtype=float)


def test_the_default_sphere_datasets_are_marked_as_sharing_their_samples():
    from opcheck.commands.pipeline import report_datasets
    from opcheck.report.config import ReportConfig
    from opcheck.report.threshold_sweep import same_samples, threshold_data

    config = ReportConfig(quick=True, n_max=120, sweeps=("thresholds",))
    _, more = report_datasets(None, None, "random", config)
    datas = [threshold_data(d.key, d.raw, d.build, config) for d in more]
    assert [d.key for d in datas] == ["sphere-random", "sphere-teacher"]
    assert same_samples(datas) == {"sphere-random": None, "sphere-teacher": "sphere-random"}
    raw = more[0].raw
    other = threshold_data("sphere-other", dataclasses.replace(raw, X=raw.X[:, ::-1].copy()), more[0].build, config)
    assert same_samples([datas[0], other])["sphere-other"] is None  # other samples (coordinates reversed): nothing shared


def _sweep():
    def ds(key, shared):
        return {"key": key, "source": "sphere", "labels": key.split("-")[1], "d0": 16, "d2": 1, "n_values": list(map(int, NS)),
                "gd_n_values": [], "same_samples_as": shared}

    feats = fit_exponent(NS, 3.0 * NS**1.1, [0.05] * 6)
    gd = fit_exponent(NS, 0.5 * NS**1.4 * np.exp(0.02 * np.arange(6)), [0.05] * 6)
    exps = tuple(ExponentRecord(k, c, "measured", f) for k in ("sphere-random", "sphere-teacher")
                 for c, f in ((Criterion.FEATURES, feats), (Criterion.NTK, feats), (Criterion.GD, gd)))
    settings = {"seeds": 3, "bisection_rel_tol": 0.05, "criteria": {}, "gd": {"budget_steps": 1, "fit_fraction": 0.5, "gap": 0.02}}
    return ThresholdSweep((ds("sphere-random", None), ds("sphere-teacher", "sphere-random")), (), exps, settings)


def test_findings_and_summary_state_label_free_results_once():
    from opcheck.report.findings import summary, threshold_findings

    t = _sweep()
    lines = threshold_findings(t)
    label_free = [line for line in lines if "concentration" in line]
    assert len(label_free) == 2 and all(line.startswith("sphere-random") for line in label_free)  # features and ntk, once
    shared = [line for line in lines if "the same samples X" in line]
    assert len(shared) == 1 and shared[0].startswith("sphere-teacher")
    assert sum(line.startswith("sphere-teacher") for line in lines) == 2  # the shared sentence and its own GD exponent
    box = {b["dataset"]: b for b in summary(SimpleNamespace(thresholds=t, data={"key": "digits"}, width=None, config=SimpleNamespace(quick=False)))}
    assert "as for sphere-random" in box["sphere-teacher"]["headline"]
    assert not any(line.startswith("ntk:") for line in box["sphere-teacher"]["lines"])
    assert any(line.startswith("ntk:") for line in box["sphere-random"]["lines"])


def test_threshold_tables_show_label_free_rows_once():
    from opcheck.report.document_thresholds import threshold_blocks

    t = _sweep()
    rec = {"criterion": "features", "n": 50, "kind": "measured", "value": 100.0, "bracket": [90, 110], "log_se": 0.05, "seeds": [0],
           "kernel": None, "budget_steps": None, "steps_used": None, "ended_by": "bracketed"}
    doc = {"datasets": list(t.datasets), "thresholds": [{**rec, "dataset": k} for k in ("sphere-random", "sphere-teacher")],
           "exponents": [e.as_dict() for e in t.exponents], "threshold_settings": t.settings}
    blocks = threshold_blocks(doc)
    exp_table, per_n = [b for b in blocks if b.kind == "table"]
    assert [(r[0], r[1]) for r in exp_table.rows if r[0] == "sphere-teacher"] == [("sphere-teacher", "GD in the kernel regime")]
    assert [r[0] for r in per_n.rows] == ["sphere-random"]
    assert any(b.kind == "p" and "same samples X as sphere-random" in b.text for b in blocks)
