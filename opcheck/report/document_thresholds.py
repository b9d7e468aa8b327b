"""The report's opening (summary box, key plot) and its thresholds section, as neutral blocks.

Formatting only: every number is already in results.json (``summary``,
``thresholds``, ``exponents``, ``threshold_settings``).  Fits that are not findings
(fewer than 3 degrees of freedom) are emitted as *muted* rows, rendered greyed.
"""
from __future__ import annotations

from opcheck.render.fmt import interval, num
from opcheck.report.document_blocks import Block
from opcheck.report.threshold_tasks import LABEL_FREE

#: criteria that do not read the labels (results.json ``criterion`` values)
LABEL_FREE_KEYS = tuple(c.value for c in LABEL_FREE)

CRITERION_TITLES = {
    "features": "random-features concentration",
    "ntk": "empirical-NTK concentration",
    "gd": "GD in the kernel regime",
    "gd-tol": "GD reaches --tol (budget-bound)",
    "c9": "(9) with C = --constant (EXTRAPOLATED)",
}


def _f(x) -> str:
    return num(x).replace("∞", "inf")


def summary_blocks(results: dict, figs: dict) -> list[Block]:
    """The answer first: one box line per dataset, then the key plot."""
    boxes = results.get("summary") or []
    if not boxes:
        return []
    items = []
    for b in boxes:
        items.append(f"{b['dataset']} ({b['labels']}): {b['headline']}")
        items += [f"    {line}" for line in b["lines"][1:]]
    out = [Block("h2", "Summary: how the width each threshold needs grows with n"), Block("box", items=tuple(items))]
    if "thresholds_vs_n.png" in figs:
        f = figs["thresholds_vs_n.png"]
        out.append(Block("figure", f["title"], file="thresholds_vs_n.png", items=(f["caption"],)))
    return out


def _bracket(r: dict) -> str:
    lo, hi = r["bracket"]
    return interval(lo, hi, "(", "]") if lo is not None else f"<= {_f(hi)}"


def threshold_blocks(results: dict) -> list[Block]:
    """Definitions, the exponent table (greyed rows: not findings) and the per-n thresholds."""
    recs, exps, st = results.get("thresholds") or [], results.get("exponents") or [], results.get("threshold_settings")
    if not recs:
        return []
    out = [Block("h2", "Measured width thresholds"),
           Block("list", items=tuple(f"{CRITERION_TITLES.get(k, k)}: {v}" for k, v in st["criteria"].items()) + (
               f"Each threshold: bisection on log d1 to hi/lo <= {1 + st['bisection_rel_tol']:g}, {st['seeds']} init seed(s) per n; "
               f"value = geometric mean over seeds; its log-uncertainty combines the seeds' spread and the brackets. "
               f"GD: budget {st['gd']['budget_steps']} steps per run, horizon h <= {st['gd']['fit_fraction']:g} ||Y||^2, "
               f"gap <= {st['gd']['gap']:g} ||Y||^2.",)),
           Block("h3", "Exponent of each threshold in n (95 % intervals; greyed rows are not findings)")]
    shared = {d["key"]: d["same_samples_as"] for d in results.get("datasets") or [] if d.get("same_samples_as")}
    exps = [e for e in exps if not (e["dataset"] in shared and e["criterion"] in LABEL_FREE_KEYS)]
    recs = [r for r in recs if not (r["dataset"] in shared and r["criterion"] in LABEL_FREE_KEYS)]
    if shared:
        out.append(Block("p", "; ".join(f"{k} uses the same samples X as {v} (only the labels differ): its label-free thresholds "
                                        f"({', '.join(LABEL_FREE_KEYS)}) are {v}'s and are shown once, under {v}" for k, v in shared.items()) + "."))
    rows, muted = [], []
    for i, e in enumerate(exps):
        ci = f"[{e['ci'][0]:.2f}, {e['ci'][1]:.2f}]" if e["ci"] else "—"
        verdict = ", ".join(f"{v['exponent']:g}: {'inside' if v['inside'] else 'excluded'}" for v in e["verdicts"]) or "—"
        rows.append((e["dataset"], CRITERION_TITLES.get(e["criterion"], e["criterion"]), e["kind"],
                     f"{e['estimate']:.2f}" if e["estimate"] is not None else "—", ci, str(e["dof"]),
                     ", ".join(map(str, e["n_values"])) or "—", verdict, "yes" if e["finding"] else "no"))
        if not e["finding"]:
            muted.append(i)
    out.append(Block("table", headers=("dataset", "threshold", "kind", "exponent", "95% CI", "dof", "n values", "1, 3/2, 2", "finding"),
                     rows=tuple(rows), muted=tuple(muted)))
    out.append(Block("h3", "Thresholds per dataset and n"))
    rows = []
    for r in recs:
        k = r["kernel"] or {}
        rows.append((r["dataset"], CRITERION_TITLES.get(r["criterion"], r["criterion"]), str(r["n"]), r["kind"], _f(r["value"]), _bracket(r),
                     _f(r["log_se"]), str(len(r["seeds"])), _f(k.get("lambda_min")), _f(k.get("condition")),
                     f"{r['steps_used']} / {r['budget_steps']}" if r["budget_steps"] else "—", r["ended_by"]))
    out.append(Block("table", headers=("dataset", "threshold", "n", "kind", "d1*", "bracket over seeds", "log-uncertainty", "seeds",
                                       "lambda_min(K_inf)", "cond(K_inf)", "GD steps used / budget", "ended by"), rows=tuple(rows)))
    return out
