"""The report's figures: every log axis carries at least two labelled ticks inside its view,
also when the data span less than a decade (built through the report's own plotting functions)."""
from __future__ import annotations

import pytest

import opcheck.report.plots as plots
import opcheck.report.plots_thresholds as plots_thresholds


@pytest.fixture
def drawn(monkeypatch):
    """The figures the plotting functions draw (kept after their PNG is written)."""
    figs = []
    original = plots._png

    def keep(fig):
        png = original(fig)
        figs.append(fig)
        return png

    monkeypatch.setattr(plots, "_png", keep)
    monkeypatch.setattr(plots_thresholds, "_png", keep)
    return figs


def _labelled(axis) -> list[str]:
    """Texts of the major tick labels drawn inside the axis' view (after savefig drew the figure)."""
    lo, hi = sorted(axis.get_view_interval())
    return [lab.get_text() for loc, lab in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
            if lo * (1 - 1e-9) <= loc <= hi * (1 + 1e-9) and lab.get_text().strip()]


def _log_axes(figs):
    for fig in figs:
        for ax in fig.axes:
            for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
                if axis.get_scale() == "log":
                    yield f"{ax.get_title()} {name}", axis


def _record(ds, crit, n, value):
    return {"dataset": ds, "criterion": crit, "n": n, "kind": "measured", "value": value, "bracket": [value * 0.9, value * 1.1],
            "log_se": 0.05, "seeds": [0, 1, 2], "kernel": None, "budget_steps": None, "steps_used": None, "ended_by": "bracketed"}


def _stat(mean):
    return {"mean": mean, "sd": mean * 0.05}


def test_every_log_axis_has_two_labelled_ticks(drawn):
    # thresholds 118..475 and n 50..90: neither axis contains two decades' ticks
    results = {"datasets": [{"key": "digits", "d0": 64, "d2": 1}],
               "thresholds": [_record("digits", "features", n, v) for n, v in ((50, 118.0), (60, 200.0), (75, 300.0), (90, 475.0))],
               "exponents": []}
    plots_thresholds.thresholds_plot(results)
    rows = [{"ratio": r, "w_motion": _stat(0.2 + 0.01 * i), "v_motion": _stat(0.25 + 0.01 * i), "max_lazy_gap": _stat(0.3),
             "final_loss": _stat(0.31 + 0.02 * i), "test_error": _stat(0.4), "train_error": _stat(0.35)} for i, r in enumerate((0.5, 0.7, 1.0, 1.4))]
    plots_thresholds.ratio_plot({"summary": rows, "he_ratio": 1.0, "n": 50, "d1": 100, "seeds": [0, 1]})
    curve = {"curve": {"step": [0, 1, 2, 3], "loss": [0.62, 0.55, 0.5, 0.46]}}
    plots.loss_plot({"n": 50, "points": [{"d1": 100, "gd": curve}]}, None, tol=0.5)
    axes = list(_log_axes(drawn))
    assert len(axes) >= 8
    for name, axis in axes:
        labels = _labelled(axis)
        assert len(labels) >= 2, (name, labels)
        assert len(set(labels)) == len(labels), (name, labels)  # distinct: no two ticks read the same
