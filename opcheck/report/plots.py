"""The report's figures, drawn from the plain ``results.json`` data (matplotlib, Agg).

Every function takes the dict of one sweep (as in results.json) and returns a
:class:`Plot` with PNG bytes; nothing is computed beyond evaluating the fitted
power laws on a grid for drawing.  The object-oriented API (``Figure`` +
``FigureCanvasAgg``) is used, so no global pyplot state and no display is
touched — headless by construction.

* :func:`threshold_plot` — log-log width threshold vs n: measured (filled) and
  extrapolated (open, with range) thresholds, the fitted line with its exponent,
  each theorem's bound (C = 1) and (20) on the data;
* :func:`width_plot` — μ_Φ and σ_min(J) against width (log-log; zeros marked),
  and C_needed against width with its fitted power law and the constant C;
* :func:`loss_plot` — GD loss curves for each width and each init ratio;
* :mod:`opcheck.report.plots_thresholds` — the key plot (measured thresholds
  against n) and the init-ratio plot with error bars over seeds.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator

DPI = 100
PNG_META = {"Software": None}  # keep the PNG bytes free of version strings


@dataclass(frozen=True)
class Plot:
    file: str
    title: str
    caption: str
    sweep: str
    png: bytes

    def meta(self) -> dict:
        return {"file": self.file, "title": self.title, "caption": self.caption, "sweep": self.sweep}


def _plain(v: float, _pos=None) -> str:
    """Tick labels without mathtext (which dominates the drawing time on log axes)."""
    return f"{v:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e") if (v >= 1e4 or 0 < v < 1e-2) else f"{v:g}"


#: major tick positions per decade tried in turn until a log axis shows two labelled ticks
LOG_SUBS = ((1.0,), (1.0, 2.0, 5.0), tuple(float(k) for k in range(1, 10)))


def _inside(ticks, lo: float, hi: float) -> int:
    return sum(lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9) for t in ticks)


def _two_log_labels(axis, lo: float, hi: float) -> None:
    """At least two labelled major ticks inside ``[lo, hi]`` on a log axis: decades, else 1-2-5, else every
    multiple 1..9 of each decade, else the two ends of the view (labelled with 3 significant digits)."""
    if _inside(axis.get_major_locator().tick_values(lo, hi), lo, hi) >= 2:
        return
    for subs in LOG_SUBS[1:]:
        locator = LogLocator(base=10.0, subs=subs, numticks=30)
        if _inside(locator.tick_values(lo, hi), lo, hi) >= 2:
            axis.set_major_locator(locator)
            return
    axis.set_major_locator(FixedLocator([lo, hi]))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.3g}"))


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    for ax in fig.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim), (ax.yaxis, ax.get_ylim)):
            if axis.get_scale() == "log":
                axis.set_minor_locator(NullLocator())  # minor log ticks cost most of the drawing time
                axis.set_minor_formatter(NullFormatter())
                if not isinstance(axis.get_major_formatter(), FuncFormatter):
                    axis.set_major_formatter(FuncFormatter(_plain))
                lo, hi = sorted(limits())
                if not isinstance(axis.get_major_locator(), FixedLocator) and lo > 0:
                    _two_log_labels(axis, lo, hi)
    fig.set_layout_engine("tight")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_META)
    return buf.getvalue()


def _pos(values) -> np.ndarray:
    a = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    a[~(a > 0)] = np.nan
    return a


def _int_ticks(ax, values) -> None:
    """Major ticks at the grid values, labelled as integers; no minor labels (log axes)."""
    vals = sorted({int(v) for v in values})
    ax.xaxis.set_major_locator(FixedLocator(vals))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _fit_line(ax, fit: dict, xs, label: str, **kw) -> None:
    if fit.get("exponent") is None or fit.get("log_prefactor") is None:
        return
    x = np.geomspace(min(xs), max(xs), 50)
    ax.plot(x, np.exp(fit["log_prefactor"] + fit["exponent"] * np.log(x)), label=label, **kw)


def _fit_label(fit: dict, var: str) -> str:
    ci = fit.get("exponent_ci")
    band = f", {fit['level']:.0%} CI [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
    return f"fit ~ {var}^{fit['exponent']:.2f}{band}"


# --------------------------------------------------------------------------- threshold vs n
def threshold_plot(samples: dict) -> Plot:
    fig = Figure(figsize=(12, 5.6))
    ax = fig.add_subplot(1, 1, 1)
    ns = samples["ns"]
    greys = ("0.0", "0.3", "0.5", "0.7", "0.85")
    styles = ((0, (5, 3)), (0, (2, 2)), (0, (6, 2, 1, 2)), (0, (1, 1)), (0, (8, 4)))
    for i, b in enumerate(samples["bounds"]):
        ax.plot(b["ns"], _pos(b["widths"]), ls=styles[i % 5], color=greys[i % 5], lw=1.2, label=f"{b['name']} [{b['source']}; {b['note']}]")
    b20 = _pos([s["bound_20"] for s in samples["scans"]])
    if np.isfinite(b20).any():
        ax.plot(ns, b20, ls=":", marker="s", ms=4, color="0.35", label="(20) on the data, derived xi, C = 1 [derived]")
    for crit, color, name in (("threshold_hypotheses", "C0", "hypotheses hold"), ("threshold_gd", "C3", "GD reaches tol")):
        meas = [(s["n"], s[crit]["width"]) for s in samples["scans"] if s[crit]["kind"] == "measured"]
        extr = [(s["n"], s[crit]) for s in samples["scans"] if s[crit]["kind"] == "extrapolated"]
        if meas:
            ax.plot(*zip(*meas), "o", color=color, ms=7, label=f"{name}: measured")
        if extr:
            x = [e[0] for e in extr]
            y = np.array([e[1]["width"] for e in extr])
            lo = np.array([e[1]["width_range"][0] if e[1]["width_range"] else w for e, w in zip(extr, y)])
            hi = np.array([e[1]["width_range"][1] if e[1]["width_range"] else w for e, w in zip(extr, y)])
            hi = np.where(np.isfinite(hi), hi, y * 1e3)
            ax.errorbar(x, y, yerr=[np.clip(y - lo, 0, None), np.clip(hi - y, 0, None)], fmt="o", mfc="white", color=color, ms=7, capsize=3,
                        label=f"{name}: EXTRAPOLATED from C_needed trend")
    order = [(s["n"], s["c_needed_order_extrapolation"]["x"]) for s in samples["scans"] if s.get("c_needed_order_extrapolation")]
    if order:
        ax.plot(*zip(*order), "s", mfc="white", color="C2", ms=7, label="hypotheses hold: EXTRAPOLATED with the asymptotic slope d1^-1 [derived]")
    for key, name, color in (("fit_hypotheses", "hypotheses", "C0"), ("fit_order_analysis", "order-analysis slope", "C2"), ("fit_gd", "GD", "C3")):
        if samples[key]["exponent"] is not None:
            _fit_line(ax, samples[key], ns, f"{name}: " + _fit_label(samples[key], "n"), color=color, lw=2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (training samples)")
    ax.set_ylabel("width d1")
    ax.set_title(f"Width threshold against n at d0 = {samples['d0']}")
    ax.grid(True, which="major", alpha=0.3)
    _int_ticks(ax, ns)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    cap = ("Smallest width at which the measured hypotheses hold (filled: measured on the grid; open: extrapolated from the fitted "
           "C_needed ~ d1^p trend, bars from the exponent's CI) and at which GD reaches --tol, against n on log-log axes, with the fitted "
           "line and each theorem's bound evaluated with constant 1.")
    return Plot("threshold_vs_n.png", "Width threshold against n", cap, "samples", _png(fig))


# --------------------------------------------------------------------------- width sweep
def width_plot(width: dict, constant: float) -> Plot:
    fig = Figure(figsize=(11, 4.4))
    ax, bx = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    pts = width["points"]
    d1 = np.array([p["d1"] for p in pts], dtype=float)
    mu = _pos([p["quantities"]["mu_phi"] for p in pts])
    sj = _pos([p["quantities"]["sigma_min_jacobian"] for p in pts])
    ax.plot(d1, sj, "o-", color="C1", label="sigma_min(J) [measured]")
    ax.plot(d1, mu, "s-", color="C0", label="mu_Phi = sigma_min(phi(W0 X)) [Lemma 3]")
    finite = np.concatenate([mu[np.isfinite(mu)], sj[np.isfinite(sj)]])
    floor = (finite.min() if finite.size else 1.0) / 3
    for vals, color, what in ((mu, "C0", "mu_Phi = 0 (d1 < n: rank of phi(W0 X) <= d1)"), (sj, "C1", "sigma_min(J) = 0")):
        zeros = d1[~np.isfinite(vals)]
        if zeros.size:
            ax.plot(zeros, np.full(zeros.size, floor), "x", color=color, ms=9, mew=2, label=f"{what}, drawn at the bottom")
    n = width["n"]
    ax.axvline(n, color="0.5", ls=":", lw=1, label=f"d1 = n = {n}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width d1")
    ax.set_ylabel("singular value")
    ax.set_title(f"Near-isometry constants at n = {n}")
    _int_ticks(ax, d1)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)

    c = _pos([p["quantities"]["c_needed"] for p in pts])
    bx.plot(d1, c, "o-", color="C2", label="C_needed of (9) [measured]")
    fit = width["c_needed_fit"]
    if fit["exponent"] is not None:
        _fit_line(bx, fit, fit["widths_used"], _fit_label(fit, "d1"), color="k", lw=1.5, ls="--")
    bx.axhline(constant, color="C3", lw=1, label=f"C = {constant:g} (--constant)")
    if np.isfinite(c).any():
        bx.set_ylim(min(constant, np.nanmin(c)) / 10, max(constant, np.nanmax(c)) * 10)
    ext = width.get("c_needed_extrapolation")
    if ext and ext.get("x") is not None and ext["label"] == "extrapolation":
        bx.annotate(f"extrapolation: C_needed = C near d1 ~ {ext['x']:.2g}", xy=(0.02, 0.12), xycoords="axes fraction", fontsize=8, color="C3")
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel("width d1")
    bx.set_ylabel("C_needed = h0 beta^2 nu^2 / (alpha_f mu^6)")
    bx.set_title("Implied constant of condition (9)")
    _int_ticks(bx, d1)
    bx.grid(True, which="major", alpha=0.3)
    if not np.isfinite(c).any():
        bx.text(0.5, 0.5, "C_needed = inf at every width:\nmu_Phi = 0 (d1 < n everywhere)", ha="center", va="center", transform=bx.transAxes)
    bx.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, frameon=False)
    cap = ("Left: mu_Phi and sigma_min(J) at Theta0 against width (log-log); mu_Phi is exactly 0 for d1 < n. Right: the implied "
           "constant C_needed of condition (9) (holds iff C >= C_needed), its fitted power law in d1 and the constant you set.")
    return Plot("width_sweep.png", "mu_Phi, sigma_min(J) and C_needed against width", cap, "width", _png(fig))


# --------------------------------------------------------------------------- loss curves
def _curves(ax, entries, title: str, cmap: str) -> None:
    import matplotlib

    colors = matplotlib.colormaps[cmap](np.linspace(0.15, 0.95, max(len(entries), 1)))
    for (label, gd), col in zip(entries, colors):
        steps = np.array(gd["curve"]["step"], dtype=float)
        loss = _pos(gd["curve"]["loss"])
        ax.plot(steps + 1, loss, color=col, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step + 1")
    ax.set_ylabel("h(Theta_i) = ||V phi(WX) - Y||_F^2")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3, frameon=False)


def loss_plot(width: dict | None, ratio: dict | None, tol: float) -> Plot | None:
    panels = [p for p in (width, ratio) if p is not None and any(q["gd"] for q in p["points"])]
    if not panels:
        return None
    fig = Figure(figsize=(5.6 * len(panels), 5.4))
    k = 1
    if width is not None and any(q["gd"] for q in width["points"]):
        ax = fig.add_subplot(1, len(panels), k)
        _curves(ax, [(f"d1 = {p['d1']}", p["gd"]) for p in width["points"] if p["gd"]], f"GD at n = {width['n']}, by width", "viridis")
        ax.axhline(tol, color="C3", lw=1, ls=":")
        k += 1
    if ratio is not None and any(q["gd"] for q in ratio["points"]):
        ax = fig.add_subplot(1, len(panels), k)
        first = ratio["seeds"][0] if ratio.get("seeds") else None
        _curves(ax, [(f"omega2/omega1 = {p['ratio']:.3g}", p["gd"]) for p in ratio["points"] if p["gd"] and p.get("seed") == first],
                f"GD at d1 = {ratio['d1']}, by init ratio (seed {first})", "plasma")
        ax.axhline(tol, color="C3", lw=1, ls=":")
    cap = f"Full-batch gradient descent on both layers from Theta0 (step 1/lambda_max of the Hessian unless --lr); dotted: --tol = {tol:g}."
    return Plot("loss_curves.png", "Gradient-descent loss curves", cap, "gd", _png(fig))


def all_plots(results: dict) -> list[Plot]:
    """Every figure the results allow, in report order."""
    from opcheck.report.plots_thresholds import ratio_plot, thresholds_plot

    sw = results["sweeps"]
    out = []
    key = thresholds_plot(results)
    if key is not None:
        out.append(key)
    if sw["samples"] is not None:
        out.append(threshold_plot(sw["samples"]))
    if sw["width"] is not None:
        out.append(width_plot(sw["width"], results["config"]["constant"]))
    lp = loss_plot(sw["width"], sw["init_ratio"], results["config"]["tol"])
    if lp is not None:
        out.append(lp)
    if sw["init_ratio"] is not None:
        out.append(ratio_plot(sw["init_ratio"]))
    return out

