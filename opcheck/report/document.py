"""The report's content as a list of neutral blocks, rendered to HTML and Markdown.

:func:`build` reads the plain results (as in results.json) and the plot
metadata and returns blocks — headings, paragraphs, bullet lists, tables,
figures, key/value lists — so the HTML and the Markdown report say exactly the
same thing.  Formatting only; every number is already in the results.
"""
from __future__ import annotations

from opcheck.render.fmt import interval, num


from opcheck.report.document_blocks import Block
from opcheck.report.document_thresholds import summary_blocks, threshold_blocks


def _f(x) -> str:
    return num(x).replace("∞", "inf")


def _yes(x) -> str:
    return "—" if x is None else ("yes" if x else "no")


def _err(gd: dict | None) -> str:
    if not gd or not gd.get("test_error"):
        return "—"
    return _f(gd["test_error"]["value"])


def _c(q: dict) -> str:
    """C_needed; null in JSON means infinite (mu_Phi = 0)."""
    return "inf (mu_Phi = 0)" if q["c_needed"] is None and q["mu_phi"] == 0 else _f(q["c_needed"])


def _threshold(th: dict) -> str:
    if th["kind"] == "measured":
        lo = th["bracket"][0] if th["bracket"] else None
        return f"{_f(th['width'])} (measured; > {_f(lo)})" if lo is not None else f"<= {_f(th['width'])} (measured)"
    if th["kind"] == "extrapolated":
        rng = f", range {interval(*th['width_range'])}" if th["width_range"] else ""
        return f"~{_f(th['width'])} (EXTRAPOLATED{rng})"
    return "not reached"


def _ci(fit: dict) -> str:
    ci = fit.get("exponent_ci")
    return f"[{ci[0]:.3g}, {ci[1]:.3g}]" if ci else "—"


READING = (
    "Sources: [paper] the paper states it; [derived] opcheck's derivation where the paper leaves a gap (theory.md); "
    "[measured] computed on your data. Measured hypotheses at Theta0 are Assumption 2 (data and activation), (19), "
    "mu_Phi > 0, sigma_min(J) > 0 and condition (9) with the universal constant C = --constant. The width conditions (20) "
    "and (21) are the paper's predictions of the width threshold and are drawn beside it, not counted. "
    "Anything beyond the measured widths is marked EXTRAPOLATED."
)


def _width_blocks(w: dict, figs: dict) -> list[Block]:
    out = [Block("h2", f"Width sweep at n = {w['n']}")]
    if "width_sweep.png" in figs:
        out.append(Block("figure", figs["width_sweep.png"]["title"], file="width_sweep.png", items=(figs["width_sweep.png"]["caption"],)))
    rows = []
    for p in w["points"]:
        q, gd = p["quantities"], p["gd"]
        rows.append((str(p["d1"]), _f(q["mu_phi"]), _f(q["sigma_min_jacobian"]), _c(q), _f(q["h0"]),
                     _yes(p["hypotheses_hold"]), ", ".join(p["failing"]) or "—",
                     _f(gd["final_loss"]) if gd else "—", _yes(gd["converged"]) if gd else "—", _err(gd)))
    out.append(Block("table", headers=("d1", "mu_Phi", "sigma_min(J)", "C_needed (9)", "h0", "hypotheses hold", "failing",
                                       "GD final loss", "reached tol", "held-out error"), rows=tuple(rows)))
    fit = w["c_needed_fit"]
    ext = w["c_needed_extrapolation"]
    items = [
        f"Hypotheses threshold: {_threshold(w['threshold_hypotheses'])} — {w['threshold_hypotheses']['note']}",
        f"GD threshold: {_threshold(w['threshold_gd'])} — {w['threshold_gd']['note']}",
        f"C_needed ~ d1^p: p = {_f(fit['exponent'])}, {int(fit['level'] * 100)}% CI {_ci(fit)} on d1 = {', '.join(map(str, fit['widths_used']))} "
        f"(order analysis: {fit['order_analysis_exponent']:g} [derived])",
    ]
    if ext:
        items.append(f"C_needed reaches C = {_f(ext['target'])} at d1 ~ {_f(ext['x'])} ({ext['label'].upper()}: {ext['note']})")
    oext = w.get("c_needed_order_extrapolation")
    if oext:
        items.append(f"With the asymptotic slope d1^-1 [derived] instead: d1 ~ {_f(oext['x'])} (EXTRAPOLATION: {oext['note']})")
    items.append(f"Bounds with constant 1: (21) n^(3/2)/d0 = {_f(w['headline_21'])} [paper]; (20) = {_f(w['bound_20'])} (t = {w['bound_20_t']}, derived xi) [derived]")
    out.append(Block("list", items=tuple(items)))
    return out


def _sample_blocks(s: dict, figs: dict) -> list[Block]:
    out = [Block("h2", f"Sample-size sweep at d0 = {s['d0']}")]
    if "threshold_vs_n.png" in figs:
        out.append(Block("figure", figs["threshold_vs_n.png"]["title"], file="threshold_vs_n.png", items=(figs["threshold_vs_n.png"]["caption"],)))
    rows = []
    for sc in s["scans"]:
        fit = sc["c_needed_fit"]
        oext = sc.get("c_needed_order_extrapolation")
        rows.append((str(sc["n"]), ", ".join(map(str, sc["widths"])), _threshold(sc["threshold_hypotheses"]),
                     f"~{_f(oext['x'])} (EXTRAPOLATED)" if oext else "—", _threshold(sc["threshold_gd"]),
                     _f(fit["exponent"]), _f(sc["bound_20"]), _f(sc["headline_21"])))
    out.append(Block("p", "Secondary: the (9) threshold with C = --constant, EXTRAPOLATED from each n's C_needed trend (the measured thresholds are "
                          "above). Each n here uses the widths 0.5 n … 8 n; the width sweep below uses n/4 … 16 n, so at its n its fitted trend, "
                          "hence its extrapolation, can differ from this table's."))
    out.append(Block("table", headers=("n", "widths", "hypotheses threshold (fitted slope)", "hypotheses threshold (slope -1) [derived]", "GD threshold",
                                       "C_needed exponent in d1", "(20), C = 1", "(21), C = 1"), rows=tuple(rows)))
    fits = [
        ("hypotheses threshold (" + ", ".join(sorted(set(s["fit_hypotheses"]["threshold_kinds"]))) + ")" if s["fit_hypotheses"]["threshold_kinds"] else "hypotheses threshold",
         s["fit_hypotheses"]),
        ("hypotheses threshold, order-analysis slope [derived]", s["fit_order_analysis"]),
        ("GD reaches --tol within --steps (budget-bound)", s["fit_gd"]),
        ("(20) on the data [derived]", s["fit_bound_20"]),
    ]
    rows = [(name, _f(f["exponent"]), _ci(f), str(f["points_used"]), f["note"]) for name, f in fits]
    muted = tuple(i for i, (_, f) in enumerate(fits) if f["dof"] < 3)
    rows.append(("this paper, (21) at fixed d0 [paper]", _f(s["paper_exponent"]), "—", "—", s["paper_exponent_source"]))
    for b in s["bounds"]:
        if b["key"] != "song2021-21":
            rows.append((f"{b['name']} [{b['source']}]", _f(b["exponent_n"]), "—", "—", b["note"]))
    out.append(Block("h3", "Exponent of the width threshold in n"))
    out.append(Block("table", headers=("what", "exponent", "CI", "points", "note"), rows=tuple(rows), muted=muted))
    return out


def _ms(stat: dict) -> str:
    if stat["mean"] is None:
        return "—"
    return _f(stat["mean"]) + (f" ± {_f(stat['sd'])}" if stat["sd"] is not None else "")


def _ratio_blocks(r: dict, figs: dict) -> list[Block]:
    out = [Block("h2", "Initialization ratio at the He product (the paper's section 6)")]
    if "init_ratio.png" in figs:
        out.append(Block("figure", figs["init_ratio.png"]["title"], file="init_ratio.png", items=(figs["init_ratio.png"]["caption"],)))
    tr = r["trend"]
    verdict = {True: "reproduced", False: "contradicted", None: "not resolved"}[tr["reproduces"]]
    ci = f" (95% CI [{tr['ci'][0]:.3g}, {tr['ci'][1]:.3g}])" if tr["ci"] else ""
    out.append(Block("p", f"n = {r['n']}, d0 = {r['d0']}, d1 = {r['d1']}, omega1 omega2 = {_f(r['product'])} ({r['product_source']}); "
                          f"He initialization is omega2/omega1 = {_f(r['he_ratio'])}; seeds {', '.join(map(str, r['seeds']))}. "
                          f"Held-out error per decade of omega2/omega1: {_f(tr['slope'])}{ci} — the paper's trend (better accuracy as the ratio grows) is {verdict}."))
    rows = []
    for row in r["summary"]:
        rows.append((f"{row['ratio']:.3g}", _ms(row["final_loss"]), _ms(row["w_motion"]), _ms(row["v_motion"]), _ms(row["max_lazy_gap"]),
                     _ms(row["train_error"]), _ms(row["test_error"])))
    out.append(Block("table", headers=("omega2/omega1", "final loss", "W motion", "V motion", "max lazy gap", "training error",
                                       "held-out error"), rows=tuple(rows)))
    return out


def build(results: dict, plots: list[dict]) -> list[Block]:
    """Blocks of the whole report, in order."""
    figs = {p["file"]: p for p in plots}
    cfg, data, sw = results["config"], results["data"], results["sweeps"]
    blocks = [
        Block("h1", "opcheck report — Subquadratic Overparameterization for Shallow Neural Networks"),
        Block("p", f"Data: {data['source']} — d0 = {data['d0']}, d2 = {data['d2']}, labels: {data['labels']}; "
                   f"{data['available_samples']} samples available, width sweep at n = {data['n_width_sweep']}"
                   + (f", {data['n_test']} held out ({data['test_metric']})" if data["n_test"] else ", nothing held out")
                   + f". Activation {cfg['activation']}, init {cfg['init']}, seed {cfg['seed']}, universal constant C = {_f(cfg['constant'])}, "
                   f"GD: {cfg['steps']} steps, tol {_f(cfg['tol'])}" + (f", lr {_f(cfg['lr'])}" if cfg["lr"] else ", lr = 1/lambda_max(Hessian at Theta0)")
                   + (" (--quick)" if cfg["quick"] else "") + "."),
    ]
    blocks += summary_blocks(results, figs)
    blocks += [Block("h2", "Findings"), Block("list", items=tuple(results["findings"])), Block("p", READING)]
    blocks += threshold_blocks(results)
    if sw["samples"] is not None:
        blocks += _sample_blocks(sw["samples"], figs)
    if sw["width"] is not None:
        blocks += _width_blocks(sw["width"], figs)
    if "loss_curves.png" in figs:
        blocks += [Block("h2", "Gradient descent"), Block("figure", figs["loss_curves.png"]["title"], file="loss_curves.png", items=(figs["loss_curves.png"]["caption"],))]
    if sw["init_ratio"] is not None:
        blocks += _ratio_blocks(sw["init_ratio"], figs)
    prov = results["provenance"] or {}
    if prov:
        kv = [("opcheck", prov["opcheck_version"]), ("command line", prov["command_line"]),
              ("seeds", ", ".join(f"{k} = {v}" for k, v in prov["seeds"].items()))]
        kv += [(f"data {k}", str(v)) for k, v in prov["data"].items()]
        kv += [(f"machine {k}", str(v)) for k, v in prov["machine"].items()]
        kv += [(k, v) for k, v in prov["libraries"].items()]
        blocks += [Block("h2", "Provenance"), Block("kv", rows=tuple(kv))]
    tm = results["timings"]
    rows = [(k, f"{v:.1f} s") for k, v in tm["parts_seconds"].items()]
    ex = tm.get("execution") or {}
    blocks += [Block("h2", "Timings"),
               Block("p", f"Started {tm['started_utc']} on {ex.get('mode', '?')} execution with {ex.get('workers', '?')} worker(s); wall-clock seconds per part "
                          "(results.json also has the summed task seconds)."),
               Block("kv", rows=tuple(rows))]
    return blocks
