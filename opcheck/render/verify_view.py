"""Rich terminal report for ``opcheck verify`` (formats a result dict; computes nothing).

No number is ever cut: tables print through :func:`opcheck.render.layout.print_rows`
(a table when it fits the console, ``label — key: value`` lines when not), panels
are label/value grids whose values wrap at spaces only.
"""
from __future__ import annotations

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from opcheck.render.fmt import num, standing, width
from opcheck.render.layout import print_rows

SHORT = {
    "sigma_max_x": "σ_max(X)",
    "mu_phi": "μ_Φ = σ_min(φ(W0X))",
    "sigma_max_phi": "σ_max(φ(W0X))",
    "sigma_max_v0": "σ_max(V0)",
    "sigma_min_jacobian": "σ_min(J)",
    "sigma_max_jacobian": "σ_max(J)",
    "sigma_min_jacobian_w_block": "σ_min(J_W)",
    "sigma_max_jacobian_w_block": "σ_max(J_W)",
    "sigma_min_jacobian_v_block": "σ_min(J_V)",
    "sigma_max_jacobian_v_block": "σ_max(J_V)",
    "nu_phi": "ν_Φ",
    "chi_max": "χ_max",
    "beta_phi": "β_Φ",
    "rho": "ρ = μ/(2β)",
    "h0": "h0",
    "grad_f_norm": "‖∇f(Φ(w0))‖",
    "alpha_f": "α_f",
    "beta_f": "β_f",
    "pl_alpha_at_init": "PL α at Θ0",
    "pl_alpha_on_ball": "PL α on ball",
    "c_needed": "C_needed (9)",
    "eta_13": "η (13)",
    "kappa_init": "κ_init (measured)",
    "omega1_measured": "ω1 (measured)",
    "omega2_measured": "ω2 (measured)",
}

QUANTITY_ORDER = [
    "sigma_max_x",
    "mu_phi",
    "sigma_max_phi",
    "sigma_max_v0",
    "sigma_min_jacobian",
    "sigma_max_jacobian",
    "sigma_min_jacobian_w_block",
    "sigma_max_jacobian_w_block",
    "sigma_min_jacobian_v_block",
    "sigma_max_jacobian_v_block",
    "nu_phi",
    "chi_max",
    "beta_phi",
    "rho",
    "h0",
    "grad_f_norm",
    "alpha_f",
    "beta_f",
    "pl_alpha_at_init",
    "pl_alpha_on_ball",
    "c_needed",
    "eta_13",
    "kappa_init",
    "omega1_measured",
    "omega2_measured",
]


def _grid(rows: list[tuple[str, str]]) -> Table:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold", no_wrap=True)
    t.add_column(overflow="fold")
    for k, v in rows:
        t.add_row(Text(k), Text(v))
    return t


def _mark(holds: bool | None) -> str:
    return "✓" if holds else ("–" if holds is None else "✗")


def _interval(iv) -> str:
    return "—" if not iv else f"[{num(iv[0], 7)}, {num(iv[1], 7)}]"


def data_panel(d: dict, init: dict) -> Panel:
    rows = [("source", str(d["source"]) + (f"  (seeded random subset of {d['n']} of its {d['subset_of']} samples)" if d.get("subset_of") else "")),
            ("shape", f"n = {d['n']}, d0 = {d['d0']}, d1 = {d['d1']}, d2 = {d['d2']}"),
            ("labels", str(d["labels"]))]
    if d["normalized"]:
        std = "features z-scored (--standardize), then " if d.get("standardized") else ""
        rows.append(("scales applied", f"{std}x_i scaled by factors from {num(d['x_scale_min'])} to {num(d['x_scale_max'])} to unit norm; Y scaled by {num(d['y_scale'])} (||Y||_F = {num(d['y_frobenius'])})"))
    else:
        rows.append(("scales applied", "none (--no-normalize): data checked as given"))
    rows.append(("Assumption 2", f"{_mark(d['assumption2_holds'])} {d['assumption2_detail']}"))
    nom = init.get("nominal", {})
    rows.append(("init in use", f"measured from W0, V0: omega1 = {num(init['omega1'])}, omega2 = {num(init['omega2'])}, kappa_init = {num(init['kappa_init'])}"
                 + (" (loaded from file)" if init.get("loaded_from_file") else f" (seed {init['seed']})")))
    if nom:
        used = "the scheme drawn from" if nom.get("used") else "not used: parameters loaded"
        rows.append(("nominal scheme", f"{nom['scheme']}: omega1 = {num(nom['omega1'])}, omega2 = {num(nom['omega2'])}, kappa = {num(nom['kappa_init'])} ({used})"))
    return Panel(_grid(rows), title="data and initialization", box=box.ROUNDED)


def activation_panel(console: Console, a: dict) -> None:
    rows = [(a["name"], a["formula"]),
            ("sup|phi'|", f"{num(a['dphi_max']['value'], 7)} ({a['dphi_max']['method']}, {a['dphi_max']['where']})"),
            ("sup|phi''|", f"{num(a['ddphi_max']['value'], 7)} ({a['ddphi_max']['method']}, {a['ddphi_max']['where']})")]
    rows += [(f"{_mark(b['holds'])} {b['name']}", b["detail"]) for b in a["bullets"]]
    lazy = a.get("lazy_training_condition")
    if lazy:
        rows.append((f"{_mark(lazy['holds'])} {lazy['name']}", f"{lazy['detail']} — {lazy['source']}"))
    console.print(Panel(_grid(rows), title="activation (Assumption 2 bullets)", box=box.ROUNDED))
    headers = ["Hermite c_i"] + [f"c{i}" for i in range(len(a["hermite_unit_scale"]))]
    print_rows(console, "Hermite coefficients", headers,
               [["s = 1", *[num(c, 3) for c in a["hermite_unit_scale"]]], ["s = ω1", *[num(c, 3) for c in a["hermite_init_scale"]]]],
               caption=f"c_i = E[φ(s g) He_i(g)]; s = 1 is the paper's literal statement, s = ω1 = {num(a['init_scale'])} measured from W0 [derived]")


def quantities_table(console: Console, result: dict) -> None:
    prov = result["provenance"]
    names = [k for k in QUANTITY_ORDER if k in prov] + sorted(k for k in prov if k not in QUANTITY_ORDER)
    rows = []
    for k in names:
        q = prov[k]
        label = SHORT.get(k) or (f"σ_min(X^*{k.rsplit('_', 1)[-1]})" if k.startswith("sigma_min_x_star_") else k)
        rows.append([label, num(q["value"]), _interval(q.get("interval")), q.get("formula_source", q["source"]), q.get("value_source", ""), q["equation"], k])
    print_rows(console, "quantities at Theta0", ["quantity", "value", "certified interval", "formula", "value from", "eq.", "json key"], rows,
               caption="formula: paper = the paper's formula, derived = rests on opcheck's derivation (chi_max, alpha_f, xi, the constants model), "
                       "none = a plain measurement; value from: measured on your data and parameters, computed from constants alone. "
                       "C_needed: (9) holds with C9 iff C9 >= C_needed.")


def solver_table(console: Console, spectra: dict) -> None:
    rows, notes = [], []
    for name, s in spectra.items():
        iv = s.get("interval") or {}
        rows.append([name, num(s["sigma_min"]), _interval(iv.get("sigma_min")), num(s["sigma_max"]), s["method"], str(s["iterations"])])
        if s["note"]:
            notes.append(f"{name}: {s['note']}")
    if "jacobian" in spectra and "jacobian_w_block" not in spectra:
        notes.append("jacobian_w_block: not computed (no hypothesis uses it; --w-block computes it)")
    print_rows(console, "solver health", ["matrix", "σ_min", "σ_min certified", "σ_max", "method", "iters"], rows, caption="\n".join(notes))  # one note per line: each names its own matrix


def constants_table(console: Console, result: dict) -> None:
    imp = result.get("implied_constants", {})
    cons = result.get("constants", {})
    rows = []
    for k, v in imp.items():
        val = "∞" if v.get("infinite") else (num(v["value"]) if v["value"] is not None else "—")
        rows.append([k, num(v["in_use"]), cons.get(k, {}).get("set_by", ""), val, "smallest" if v["meaning"].startswith("smallest") else "largest",
                     {True: "holds", False: "fails", None: "—"}[v["holds"]], v["note"]])
    print_rows(console, "constants of the O/Omega statements (docs/theory.md)", ["constant", "in use", "set by", "implied", "implied is the", "status", "note"], rows,
               line=lambda r: f"{r[0]} = {r[1]} ({r[2]}); implied ({r[4]} that works): {r[3]}, {r[5]}; {r[6]}")


def conditions_table(console: Console, conditions: list[dict]) -> None:
    rows = [[f"{_mark(c['holds'])} {c['name']}{standing(c)}", c["equation"], num(c["value"]), c["relation"], num(c["threshold"]), num(c.get("margin"))] for c in conditions]
    print_rows(console, "conditions", ["condition", "eq.", "value", "relation", "threshold", "margin"], rows,
               styles=["green" if c["holds"] else ("dim" if c["holds"] is None else "bold red") for c in conditions],
               line=lambda r: f"{r[0]} {r[1]}: {r[2]} {r[3]} {r[4]}" + (f" (margin {r[5]})" if r[5] != "—" else ""))


def condition_details(conditions: list[dict]) -> Text:
    lines = [f"{_mark(c['holds'])} {c['name']} [{c.get('formula_source', c['source'])}]: {c['detail']}" for c in conditions]
    return Text("\n".join(lines), style="dim")


def diagnoses_panel(result: dict) -> Panel | None:
    dg = result.get("diagnoses")
    if not dg:
        return None
    g = dg["sample_geometry"]
    rows = [("samples", f"{g['duplicates']} duplicate(s) after normalisation; largest cosine between two samples {num(g['max_cosine'], 7)}; "
                        f"numerical rank of X {g['numerical_rank_x']} of min(d0, n) = {min(g['d0'], g['n'])}")]
    rows += [(c["key"], c["sentence"]) for c in dg["causes"]]
    oa = result.get("order_analysis") or {}
    if oa.get("local_slope") is not None:
        rows.append(("C_needed vs d1", f"local slope {num(oa['local_slope'])}, asymptotic {num(oa['asymptotic_slope'])} [derived]"
                     + (f"; (9) near d1 = {width(oa['width'])}" if oa.get("width") is not None else "")))
    return Panel(_grid(rows), title="diagnoses", box=box.ROUNDED)


def verdict_panel(lines: list[str], ok: bool) -> Panel:
    style = "green" if ok else "red"
    return Panel(Text("\n".join(lines)), title="verdict", border_style=style, box=box.ROUNDED)


def training_panel(tr: dict, sm: dict) -> Panel:
    reg = tr.get("regime", {})
    rows = [
        ("steps", f"{tr['steps_run']} of {tr['steps_requested']} (layers: {tr['layers']})" + ("  diverged" if tr.get("diverged") else "")),
        ("step size", f"{num(tr['lr'])} ({tr['lr_source']})"),
    ]
    if reg:
        ratio = reg.get("lr_over_eta_13")
        rows.append(("theorem's regime", ("inside" if reg["inside"] else "OUTSIDE") + f": step = {num(ratio)} x the (13) step {num(reg['eta_13'])} (C13 = {num(reg['c13'])}); "
                     + ("iterates stayed in ball(Theta0, rho)" if reg["in_ball"] else "iterates left ball(Theta0, rho)")))
    rows += [
        ("loss", f"h0 = {num(tr['initial_loss'])} → {num(tr['final_loss'])} (tol {num(tr['tol'])}, {tr.get('tol_source', '')})"),
        ("distance", f"max ||Θ_i − Θ0|| = {num(tr['max_distance'])} = {num(tr['max_distance_ratio'])} ρ"),
        ("path length", f"{num(tr['path_length_total'])} vs Lemma 2 bound {num(tr['path_length_bound'])} (C_path = {num(tr.get('c_path'))}; implied {num(tr.get('implied_c_path'))})"),
        ("rate (14)", f"C_emp = implied C14 = {num(tr['c_emp'])}; per-step contraction mean {num(tr['contraction_mean'])}, worst {num(tr['contraction_worst'])}"),
        ("σ_min(J) along GD", f"min {num(tr['sigma_min_min'])} vs μ/2 = {num(tr['half_mu'])} ({tr['sigma_jacobian']}, at steps {', '.join(str(s) for s in tr['sigma_step'])})"),
        ("laziness", f"max |h − h_lin| = {num(tr['max_lazy_gap'])}; weight motion W {num(tr['final_w_motion'])}, V {num(tr['final_v_motion'])} (relative)"),
        ("Hessian of h at Θ0", f"λ_max = {num(sm['hessian_max_eig'])}, λ_min = {num(sm['hessian_min_eig'])} (Lanczos)"),
        ("Lipschitz of J", ("EXCEEDS THE BOUND: " if sm["lipschitz_exceeds_bound"] else "")
         + f"measured lower estimate {num(sm['jacobian_lipschitz_lower'])} vs β_Φ = {num(sm['beta_phi'])} (Lemma 3)"),
    ]
    return Panel(_grid(rows), title="gradient descent (--train)", box=box.ROUNDED)


def render_verify(console: Console, result: dict) -> None:
    """Print the whole verify report."""
    console.print(data_panel(result["data"], result["init"]))
    activation_panel(console, result["activation"])
    quantities_table(console, result)
    solver_table(console, result["spectra"])
    diag = diagnoses_panel(result)
    if diag is not None:
        console.print(diag)
    constants_table(console, result)
    if "training" in result:
        console.print(training_panel(result["training"], result["smoothness"]))
    conditions_table(console, result["conditions"])
    console.print(condition_details(result["conditions"]))
    console.print(verdict_panel(result["verdict"], result["all_hold"]))
    console.print(Text("sources: paper = the paper's statement; derived = opcheck's derivation where the paper leaves a gap (docs/theory.md); "
                       "measured = computed on your data.", style="dim"))
