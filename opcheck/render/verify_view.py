"""Rich terminal report for ``opcheck verify`` (formats a result dict; computes nothing)."""
from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.markup import escape
from rich.text import Text

from opcheck.render.fmt import mark, num

SOURCE_STYLE = {"paper": "cyan", "derived": "magenta", "measured": "white", "user": "yellow"}

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
    "kappa_init": "κ_init",
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
]


def _src(source: str) -> str:
    return f"[{SOURCE_STYLE.get(source, 'white')}]{source}[/]"


def data_panel(d: dict, init: dict) -> Panel:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    t.add_row("source", str(d["source"]) + (f"  (seeded random subset of {d['n']} of its {d['subset_of']} samples)" if d.get("subset_of") else ""))
    t.add_row("shape", f"n = {d['n']}, d0 = {d['d0']}, d1 = {d['d1']}, d2 = {d['d2']}")
    t.add_row("labels", str(d["labels"]))
    if d["normalized"]:
        t.add_row("scales applied", f"x_i scaled by {num(d['x_scale_min'])} … {num(d['x_scale_max'])} to unit norm; Y scaled by {num(d['y_scale'])} (||Y||_F = {num(d['y_frobenius'])})")
    else:
        t.add_row("scales applied", "none (--no-normalize): data checked as given")
    t.add_row("Assumption 2", f"{mark(d['assumption2_holds'])} {d['assumption2_detail']}")
    t.add_row("init", f"{init['scheme']} ({init['source']}): omega1 = {num(init['omega1'])}, omega2 = {num(init['omega2'])}, kappa_init = {num(init['kappa_init'])}, seed {init['seed']}" + (" — loaded from file" if init.get("loaded_from_file") else ""))
    return Panel(t, title="data and initialization", box=box.ROUNDED)


def activation_panel(a: dict) -> Panel:
    t = Table(box=box.SIMPLE, show_header=True, header_style="bold")
    t.add_column("Assumption 2 bullet")
    t.add_column("")
    t.add_column("detail")
    for b in a["bullets"]:
        t.add_row(b["name"], mark(b["holds"]), escape(b["detail"]))
    h = Table(box=box.SIMPLE, show_header=True, header_style="bold")
    h.add_column("Hermite c_i")
    for i in range(len(a["hermite_unit_scale"])):
        h.add_column(f"c{i}", justify="right")
    h.add_row("s = 1", *[num(c, 3) for c in a["hermite_unit_scale"]])
    h.add_row("s = ω1", *[num(c, 3) for c in a["hermite_init_scale"]])
    h.caption = escape(f"c_i = E[φ(s g) He_i(g)]; s = 1 is the paper's literal statement, s = ω1 = {num(a['init_scale'])} the pre-activation scale [derived]")
    head = Text(f"{a['name']}: {a['formula']}   sup|phi'| = {num(a['dphi_max']['value'], 7)} ({a['dphi_max']['method']}, {a['dphi_max']['where']}),  sup|phi''| = {num(a['ddphi_max']['value'], 7)} ({a['ddphi_max']['method']}, {a['ddphi_max']['where']})")
    return Panel(Group(head, t, h), title="activation", box=box.ROUNDED)


def quantities_table(result: dict) -> Table:
    t = Table(title="quantities at Theta0", box=box.SIMPLE_HEAVY, header_style="bold")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    t.add_column("source")
    t.add_column("eq.")
    t.add_column("json key", style="dim")
    prov = result["provenance"]
    names = [k for k in QUANTITY_ORDER if k in prov] + sorted(k for k in prov if k not in QUANTITY_ORDER)
    for k in names:
        q = prov[k]
        label = SHORT.get(k) or (f"σ_min(X^*{k.rsplit('_', 1)[-1]})" if k.startswith("sigma_min_x_star_") else k)
        t.add_row(label, num(q["value"]), _src(q["source"]), escape(q["equation"]), k)
    t.caption = (
        "PL α at Θ0 certifies h(Θ0) ≤ ‖∇h(Θ0)‖²/(2α) at Θ0 only; PL α on ball certifies h ≤ ‖∇h‖²/(2α) "
        "at every Θ in ball(Θ0, ρ) (Lemma 1). C_needed: (9) holds with universal constant C iff C ≥ C_needed."
    )
    return t


def solver_table(spectra: dict) -> Table:
    t = Table(title="solver health", box=box.SIMPLE, header_style="bold")
    for col in ("matrix", "σ_min", "σ_max", "method", "iters", "λ resolution"):
        t.add_column(col, overflow="fold")
    notes = []
    for name, s in spectra.items():
        t.add_row(name, num(s["sigma_min"]), num(s["sigma_max"]), s["method"], str(s["iterations"]), num(s["resolution"]))
        if s["note"]:
            notes.append(f"{name}: {s['note']}")
    if notes:
        t.caption = escape("; ".join(notes))
    return t


def conditions_table(conditions: list[dict]) -> Table:
    t = Table(title="conditions", box=box.SIMPLE_HEAVY, header_style="bold")
    t.add_column("", no_wrap=True, min_width=1)
    t.add_column("condition", min_width=14)
    t.add_column("eq.", no_wrap=True)
    for col in ("value", "", "threshold", "margin"):
        t.add_column(col, no_wrap=True)
    for c in conditions:
        t.add_row(mark(c["holds"]), escape(c["name"]), escape(c["equation"]), escape(num(c["value"])), c["relation"], escape(num(c["threshold"])), num(c.get("margin")))
    return t


def condition_details(conditions: list[dict]) -> Text:
    lines = [f"{'✓' if c['holds'] else ('–' if c['holds'] is None else '✗')} {c['name']} [{c['source']}]: {c['detail']}" for c in conditions]
    return Text("\n".join(lines), style="dim")


def verdict_panel(lines: list[str], ok: bool) -> Panel:
    style = "green" if ok else "red"
    return Panel(escape("\n".join(lines)), title="verdict", border_style=style, box=box.ROUNDED)


def training_panel(tr: dict, sm: dict) -> Panel:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    t.add_row("steps", f"{tr['steps_run']} of {tr['steps_requested']} (layers: {tr['layers']})" + ("  [red]diverged[/]" if tr.get("diverged") else ""))
    t.add_row("step size", f"{num(tr['lr'])}  ({escape(str(tr['lr_source']))})")
    t.add_row("loss", f"h0 = {num(tr['initial_loss'])} → {num(tr['final_loss'])}  (tol {num(tr['tol'])}, {escape(str(tr.get('tol_source', '')))})")
    t.add_row("distance", f"max ||Θ_i − Θ0|| = {num(tr['max_distance'])} = {num(tr['max_distance_ratio'])} ρ")
    t.add_row("path length", f"{num(tr['path_length_total'])}  vs Lemma 2 bound {num(tr['path_length_bound'])} (constant 1)")
    t.add_row("rate (14)", f"C_emp = {num(tr['c_emp'])}; per-step contraction mean {num(tr['contraction_mean'])}, worst {num(tr['contraction_worst'])}")
    t.add_row("σ_min(J) along GD", f"min {num(tr['sigma_min_min'])} vs μ/2 = {num(tr['half_mu'])}  ({escape(tr['sigma_jacobian'])}, at steps {', '.join(str(s) for s in tr['sigma_step'])})")
    t.add_row("laziness", f"max |h − h_lin| = {num(tr['max_lazy_gap'])}; weight motion W {num(tr['final_w_motion'])}, V {num(tr['final_v_motion'])} (relative)")
    t.add_row("Hessian of h at Θ0", f"λ_max = {num(sm['hessian_max_eig'])}, λ_min = {num(sm['hessian_min_eig'])} (Lanczos)")
    style = "bold red" if sm["lipschitz_exceeds_bound"] else ""
    t.add_row("Lipschitz of J", f"[{style}]measured lower estimate {num(sm['jacobian_lipschitz_lower'])} vs β_Φ = {num(sm['beta_phi'])} (Lemma 3)[/]" if style else f"measured lower estimate {num(sm['jacobian_lipschitz_lower'])} vs β_Φ = {num(sm['beta_phi'])} (Lemma 3)")
    return Panel(t, title="gradient descent (--train)", box=box.ROUNDED)


def render_verify(console: Console, result: dict) -> None:
    """Print the whole verify report."""
    console.print(data_panel(result["data"], result["init"]))
    console.print(activation_panel(result["activation"]))
    console.print(quantities_table(result))
    console.print(solver_table(result["spectra"]))
    if "training" in result:
        console.print(training_panel(result["training"], result["smoothness"]))
    console.print(conditions_table(result["conditions"]))
    console.print(condition_details(result["conditions"]))
    console.print(verdict_panel(result["verdict"], result["all_hold"]))
    console.print("[dim]sources: [cyan]paper[/] = the paper's statement; [magenta]derived[/] = opcheck's derivation where the paper leaves a gap (theory.md); measured = computed on your data.[/]")
