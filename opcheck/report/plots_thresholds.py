"""The key plot (measured thresholds against n, per dataset) and the init-ratio plot with error bars.

Drawn from results.json data only; nothing is computed beyond evaluating fitted
lines on a grid.  Colours: each criterion has its own colour (points and fitted
line); the reference exponents 1, 3/2, 2 are grey/black dashed lines, never a
criterion's colour.  Legends sit outside the axes; a panel with nothing to draw
says why in words.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from opcheck.report.plots import Plot, _png

COLORS = {"features": "tab:blue", "ntk": "tab:orange", "gd": "tab:green"}
NAMES = {"features": "random features", "ntk": "empirical NTK", "gd": "GD in kernel regime"}
REFS = ((1.0, "0.65", (0, (5, 3)), "n^1 (params ∝ n)"), (1.5, "0.35", (0, (2, 2)), "n^3/2 (this paper)"), (2.0, "0.0", (0, (6, 2, 1, 2)), "n^2 (quadratic priors)"))


def thresholds_plot(results: dict) -> Plot | None:
    """One log-log panel per dataset: d1* against n with ±2 log-uncertainty bars, fits, reference slopes."""
    datasets = results.get("datasets") or []
    if not datasets:
        return None
    k = len(datasets)
    fig = Figure(figsize=(5.2 * k, 5.0))
    axes = [fig.add_subplot(1, k, i + 1) for i in range(k)]
    for ax, ds in zip(axes, datasets):
        recs = [r for r in results["thresholds"] if r["dataset"] == ds["key"]]
        meas = [r for r in recs if r["kind"] == "measured"]
        for crit in ("features", "ntk", "gd"):
            pts = [r for r in meas if r["criterion"] == crit]
            if not pts:
                continue
            n = np.array([r["n"] for r in pts], dtype=float)
            v = np.array([r["value"] for r in pts])
            s = np.array([r["log_se"] for r in pts])
            ax.errorbar(n, v, yerr=[v - v * np.exp(-2 * s), v * np.exp(2 * s) - v], fmt="o", color=COLORS[crit], ms=5, capsize=2,
                        label=f"{NAMES[crit]} (measured, ±2 s.e.)")
            e = next((x for x in results["exponents"] if x["dataset"] == ds["key"] and x["criterion"] == crit), None)
            if e and e["estimate"] is not None:
                xs = np.geomspace(n.min(), n.max(), 40)
                ci = f" [{e['ci'][0]:.2f}, {e['ci'][1]:.2f}]" if e["ci"] else ""
                ax.plot(xs, np.exp(e["log_prefactor"]) * xs ** e["estimate"], color=COLORS[crit], lw=1.8, alpha=1.0 if e["finding"] else 0.35,
                        label=f"fit n^{e['estimate']:.2f}{ci}" + ("" if e["finding"] else " (not a finding)"))
        anchor = next((r for r in meas if r["criterion"] == "features"), meas[0] if meas else None)
        if anchor is not None:
            xs = np.geomspace(min(r["n"] for r in recs), max(r["n"] for r in recs), 40)
            for p, col, ls, name in REFS:
                ax.plot(xs, anchor["value"] * (xs / anchor["n"]) ** p, color=col, ls=ls, lw=1.1, label=f"slope {name}")
        else:
            ax.text(0.5, 0.5, "no measured threshold:\n" + "; ".join(sorted({f"{r['criterion']}: {r['kind']}" for r in recs})),
                    ha="center", va="center", transform=ax.transAxes, fontsize=9)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (training samples)")
        ax.set_ylabel("width threshold d1*")
        ax.set_title(f"{ds['key']} (d0 = {ds['d0']}, d2 = {ds['d2']})", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    cap = ("Measured width thresholds against n (log-log) for each dataset and criterion, geometric mean over the seeds with ±2 "
           "log-standard-error bars; solid lines: weighted fits (faint: fewer than 3 dof, not a finding); grey dashed lines: "
           "the slopes 1, 3/2 (this paper, eq. 21) and 2 through the first random-features point, for reading the exponents.")
    return Plot("thresholds_vs_n.png", "Width thresholds against n", cap, "thresholds", _png(fig))


def ratio_plot(ratio: dict) -> Plot:
    """Motion, laziness gap, loss and errors against ω2/ω1 at the He product: mean ± sd over seeds."""
    fig = Figure(figsize=(15, 4.8))
    ax, bx, cx = (fig.add_subplot(1, 3, k) for k in (1, 2, 3))
    rows = ratio["summary"]
    r = np.array([row["ratio"] for row in rows], dtype=float)

    def band(a, metric, fmt, color, label):
        m = np.array([np.nan if row[metric]["mean"] is None else row[metric]["mean"] for row in rows], dtype=float)
        sd = np.array([0.0 if row[metric]["sd"] is None else row[metric]["sd"] for row in rows], dtype=float)
        if np.isfinite(m).any():
            a.errorbar(r, m, yerr=sd, fmt=fmt, color=color, capsize=3, label=label)
        return np.isfinite(m).any()

    band(ax, "w_motion", "o-", "tab:blue", "||W_T - W0||_F / ||W0||_F")
    band(ax, "v_motion", "s-", "tab:orange", "||V_T - V0||_F / ||V0||_F")
    band(ax, "max_lazy_gap", "^-", "tab:purple", "max_i |h(Theta_i) - h_lin(Theta~_i)|")
    ax.set_yscale("log")
    ax.set_ylabel("relative motion / laziness gap")
    ax.set_title("Weight motion and laziness gap")
    band(bx, "final_loss", "o-", "tab:green", "h after GD")
    bx.set_yscale("log")
    bx.set_ylabel("training loss h(Theta_T)")
    bx.set_title("Training loss")
    has_test = band(cx, "test_error", "s-", "tab:red", "held-out")
    has_train = band(cx, "train_error", "o:", "tab:brown", "training set")
    cx.set_ylabel("error (misclassification rate or relative squared error)")
    cx.set_title("Error after gradient descent")
    if not (has_test or has_train):
        cx.text(0.5, 0.5, "no held-out set and no classes:\nno error to show", ha="center", va="center", transform=cx.transAxes)
    for a in (ax, bx, cx):
        a.set_xscale("log")
        a.set_xlabel("omega2 / omega1 at omega1 omega2 = 2/sqrt(d0 d1)")
        a.axvline(ratio["he_ratio"], color="0.5", ls=":", lw=1, label="He init")
        a.grid(True, which="major", alpha=0.3)
        a.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    cap = (f"omega2/omega1 swept at the fixed He product (n = {ratio['n']}, d1 = {ratio['d1']}), mean ± sd over seeds "
           f"{', '.join(map(str, ratio['seeds']))}; dotted vertical line: He initialization (ratio {ratio['he_ratio']:.3g}). "
           "Weight motion and the laziness gap are opcheck's proxies for lazy training [derived].")
    return Plot("init_ratio.png", "Laziness, weight motion and error against omega2/omega1", cap, "init-ratio", _png(fig))
