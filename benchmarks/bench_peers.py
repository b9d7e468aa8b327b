"""opcheck verify against the peers a user would otherwise write, measured side by side in one run.

Same data for everyone: n = 1000 seeded rows of scikit-learn digits (d0 = 64, unit
norm), scalar float targets (d2 = 1), LeCun W0, V0 (d1 = 2000), GELU, float64.

  * whole process: ``opcheck verify data.npz --init-params theta0.npz --json`` against a
    torch.func script (jacrev + vmap → J, J Jᵀ, eigvalsh) run as its own process;
  * the kernel alone: opcheck's structured Gram plus its certified extremes
    (:func:`opcheck.linalg.jacobian_spectrum.jacobian_extremes`, block ``both``) against
    torch.func's NTK alone (J by jacrev + vmap, then J Jᵀ, in this process).  opcheck's
    kernel runs in a child process on the OpenBLAS kernel that ``opcheck verify`` uses at
    this order (the machine's own up to order 12 000: ``OPCHECK_KEEP_BLAS_KERNEL=1``, see
    opcheck/_runtime/blas_guard.py), and again in this process as the Python API runs it
    with opcheck imported before numpy (OpenBLAS's Haswell kernel on AVX-512 machines; a
    session that imports numpy first gets the child's figure); both are printed;
  * agreement of σ_min(J) and σ_max(J) (relative, target ≤ 1e-6);
  * GFLOP/s per opcheck stage against numpy's matmul rate on this machine;
  * the digits size (n = 1000, d1 = 4000, d2 = 10 one-hot) whole process (target ≤ 20 s).

Peers that are not installed (``pip install -e '.[bench]'`` brings torch) are skipped
with a line saying so.  Targets (issue 11): ≥ 6x whole process, ≥ 20x kernel.  The mid
case runs in ``--repeat`` rounds, each timing opcheck and torch one after the other (this
VM's speed drifts by 2x within minutes), and prints each round's ratios and their median.
Run:  .venv/bin/python benchmarks/bench_peers.py [--repeat 3] [--skip-digits]
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

USER_ENV = dict(os.environ)  # before opcheck's import adds its OpenBLAS settings: what a shell gives every child process

import opcheck  # noqa: E402,F401  (first, as in the console script: its OpenBLAS settings apply before numpy loads it)

import numpy as np  # noqa: E402

from _timing import best_of, matmul_gflops  # noqa: E402

N, D0, D1, D2 = 1000, 64, 2000, 1

TORCH_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np, torch
from torch.func import jacrev, vmap
torch.set_default_dtype(torch.float64)
d, p = np.load(sys.argv[1]), np.load(sys.argv[2])
X = torch.from_numpy(np.ascontiguousarray(d["X"]))            # n x d0, samples as rows
W, V = torch.from_numpy(p["W0"]), torch.from_numpy(p["V0"])   # d1 x d0, d2 x d1
def f(W, V, x):
    return V @ torch.nn.functional.gelu(W @ x)                # exact erf GELU = x Phi(x)
t1 = time.perf_counter()
jw, jv = vmap(jacrev(f, argnums=(0, 1)), in_dims=(None, None, 0))(W, V, X)
n, d2 = X.shape[0], V.shape[0]
J = torch.cat([jw.reshape(n * d2, -1), jv.reshape(n * d2, -1)], dim=1)
K = J @ J.T
t2 = time.perf_counter()
ev = torch.linalg.eigvalsh(K)
t3 = time.perf_counter()
print(json.dumps({"sigma_min": float(ev[0].clamp(min=0).sqrt()), "sigma_max": float(ev[-1].sqrt()),
                  "ntk_seconds": t2 - t1, "eigvalsh_seconds": t3 - t2, "threads": torch.get_num_threads()}))
"""


def make_inputs(tmp: Path, n: int, d1: int, d2: int) -> tuple[Path, Path]:
    """Seeded digits rows (unit norm), targets and LeCun (W0, V0), as the files both sides read."""
    from sklearn.datasets import load_digits

    from opcheck._runtime import seeding
    from opcheck.model.network import init_scales, sample_params

    digits = load_digits()
    idx = np.sort(np.random.default_rng(0).choice(digits.data.shape[0], n, replace=False))
    X = digits.data[idx].astype(np.float64)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = digits.target[idx]
    labels = (y.astype(np.float64) / 9.0) if d2 == 1 else y.astype(np.int64)
    data, theta = tmp / f"data_{d1}_{d2}.npz", tmp / f"theta0_{d1}_{d2}.npz"
    np.savez(data, X=X, y=labels)
    p = sample_params(init_scales("lecun", D0, d1, d2), D0, d1, d2, seeding.rng(0, "init"))
    np.savez(theta, W0=p.W, V0=p.V)
    return data, theta


CPU_SECONDS: dict[str, float] = {}  # median CPU seconds (user + sys) of the last run() per command name


def torch_installed() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stdout) of one run of ``cmd``."""
    wall, _, out = run(cmd, 1, env)
    return wall, CPU_SECONDS[cmd[-1]], out


def run(cmd: list[str], repeat: int, env: dict | None = None) -> tuple[float, list[float], str]:
    """Median wall time of ``repeat`` runs; their median CPU time goes to CPU_SECONDS[cmd[-1]]."""
    times, cpus, out = [], [], ""
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        if res.returncode not in (0, 1):
            raise RuntimeError(f"{cmd[:3]} failed ({res.returncode}): {res.stderr[-400:]}")
        out = res.stdout
    CPU_SECONDS[cmd[-1]] = statistics.median(cpus)
    return statistics.median(times), times, out


def installed_env(tmp: Path) -> dict[str, str]:
    """The environment for opcheck's processes: its modules' bytecode cached, as in an installed copy.

    ``pip install .`` compiles every module (site-packages holds ``__pycache__``, as torch's
    does). An editable source tree without ``__pycache__`` under ``PYTHONDONTWRITEBYTECODE=1``
    (this sandbox's setting) would instead compile opcheck's ≈ 100 modules in every process,
    ≈ 60 ms that no installed copy pays. So, when opcheck has no bytecode next to its
    sources, the cache goes to ``PYTHONPYCACHEPREFIX`` in ``tmp`` (filled by an untimed
    warm-up run). Either way the environment is the one this process started with: the
    ``OPENBLAS_CORETYPE`` that ``import opcheck`` set here (the Haswell guard) must not reach
    the ``opcheck verify`` children, which choose their own kernel as the console does.
    """
    import opcheck

    if (Path(opcheck.__file__).parent / "__pycache__").is_dir():
        return dict(USER_ENV)
    env = {k: v for k, v in USER_ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return env


def opcheck_cmd(data: Path, theta: Path, d1: int) -> list[str]:
    return [sys.executable, "-m", "opcheck", "verify", str(data), "--init-params", str(theta), "--width", str(d1), "--json"]


def kernel_stages_as_verify(data: Path, theta: Path, repeat: int) -> dict:
    """:func:`kernel_stages` in a child process on the BLAS kernel ``opcheck verify`` uses at this order (≤ 12 000:
    the machine's own), as {stage: (seconds, flops)} plus the certified σ_min(J) interval and the kernel's name."""
    from opcheck._runtime import blas_guard

    assert D2 * N <= blas_guard.SAFE_ORDER  # larger orders: verify moves to Haswell, and so would this measurement
    env = dict(USER_ENV, OPCHECK_KEEP_BLAS_KERNEL="1")
    res = subprocess.run([sys.executable, __file__, "--kernel-stages", str(data), str(theta), str(repeat)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(res.stdout)


def blas_kernel() -> str:
    """OpenBLAS's kernel name(s) in this process (threadpoolctl's ``architecture``)."""
    import threadpoolctl

    return "/".join(sorted({str(i.get("architecture")) for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"})) or "not OpenBLAS"


def kernel_stages_json(data: Path, theta: Path, repeat: int) -> str:
    """The child's side of :func:`kernel_stages_as_verify`."""
    st = kernel_stages(data, theta, repeat)
    ext = st.pop("_ext")
    st.pop("_A")
    iv = ext.sigma_min_interval
    return json.dumps({"stages": st, "sigma_min": ext.sigma_min, "interval": [iv.lo, iv.hi], "sigma_max": ext.sigma_max,
                       "kernel": blas_kernel(), "matmul": matmul_gflops(2000, repeat=3)})


def kernel_stages(data: Path, theta: Path, repeat: int) -> dict:
    """opcheck's kernel in this process, stage by stage, with the flop counts of each stage."""
    from opcheck._runtime import threads
    from opcheck.linalg import gram, spectra
    from opcheck.linalg.jacobian_spectrum import jacobian_extremes
    from opcheck.linalg.symmetric_store import SymmetricStore
    from opcheck.model.activations import get_activation

    X = np.ascontiguousarray(np.load(data)["X"].T)
    p = np.load(theta)
    W, V = p["W0"], p["V0"]
    act = get_activation("gelu")
    n, d1 = X.shape[1], W.shape[0]
    t_fwd, P = best_of(lambda: W @ X, repeat)
    t_act, (A, B) = best_of(lambda: act.phi_and_dphi(P), repeat)
    src = gram.array_chunks(A, B)
    t_w, H = best_of(lambda: gram.form_w_block(gram.new_gram(n), V, src, X), repeat)
    t_v, _ = best_of(lambda: gram.add_v_block(H.copy(order="F"), 1, src), repeat)
    t_ext, ext = best_of(lambda: jacobian_extremes(V, A, B, X, ("both",)), repeat)

    def estimates_only():  # the same Gram and solvers without the formation bound and the certificate factorisation
        G = gram.add_v_block(gram.form_w_block(gram.new_gram(n), V, src, X), 1, src)
        return spectra.store_extremes(SymmetricStore(G), 0, 0.0, tight_max=False, tight_min=False)

    with threads.sync_heavy():  # as jacobian_extremes runs its Gram
        t_est, est = best_of(estimates_only, repeat)
    assert abs(est.lambda_min - ext["both"].lambda_min) <= 1e-8 * ext["both"].lambda_min  # the same estimate, uncertified
    return {
        "forward W X": (t_fwd, 2.0 * n * D0 * d1),
        "phi, phi' (fused GELU)": (t_act, None),
        "W-block Gram (dsyrk + K panels)": (t_w, float(n) ** 2 * d1 + float(n) ** 2 * D0),
        "V-block A^T A added (dsyrk)": (t_v, float(n) ** 2 * d1),
        "Gram + extremes, estimates only": (t_est, None),
        "Gram + certified extremes (total)": (t_ext, None),
        "_ext": ext["both"],
        "_A": A,
    }


def kernel_inputs(data: Path, theta: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(V0, A = φ(W0X), B = φ'(W0X), X) as the kernel takes them, X with samples as columns."""
    from opcheck.model.activations import get_activation

    X = np.ascontiguousarray(np.load(data)["X"].T)
    p = np.load(theta)
    A, B = get_activation("gelu").phi_and_dphi(p["W0"] @ X)
    return p["V0"], A, B, X


def torch_ntk_in_process(data: Path, theta: Path, repeat: int) -> float | None:
    try:
        import torch
        from torch.func import jacrev, vmap
    except ImportError:
        return None
    torch.set_default_dtype(torch.float64)
    X = torch.from_numpy(np.ascontiguousarray(np.load(data)["X"]))
    p = np.load(theta)
    W, V = torch.from_numpy(p["W0"]), torch.from_numpy(p["V0"])

    def f(W, V, x):
        return V @ torch.nn.functional.gelu(W @ x)

    def ntk():
        jw, jv = vmap(jacrev(f, argnums=(0, 1)), in_dims=(None, None, 0))(W, V, X)
        J = torch.cat([jw.reshape(X.shape[0] * V.shape[0], -1), jv.reshape(X.shape[0] * V.shape[0], -1)], dim=1)
        return J @ J.T

    return best_of(ntk, repeat)[0]


def main(repeat: int = 3, digits: bool = True) -> None:
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min) at start; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    rate = matmul_gflops(2000, repeat=3)
    m = 2000
    print(f"numpy matmul: {rate:.1f} GFLOP/s ({m}x{m} @ {m}x{m}, best of 3; this process, OpenBLAS kernel {blas_kernel()})")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        data, theta = make_inputs(tmp, N, D1, D2)
        print(f"\nmid case: n = {N}, d0 = {D0}, d1 = {D1}, d2 = {D2} (digits rows, LeCun, GELU, float64)")
        env = installed_env(tmp)
        if "PYTHONPYCACHEPREFIX" in env and "PYTHONPYCACHEPREFIX" not in USER_ENV:
            run(opcheck_cmd(data, theta, D1), 1, env)  # untimed: writes the bytecode cache
            print("  (opcheck runs from a source tree without bytecode: its modules are compiled once into a cache, as `pip install .` does)")
        has_torch = torch_installed()
        script = tmp / "peer_torch.py"
        script.write_text(TORCH_SCRIPT)
        rounds = []  # interleaved, so both sides of each ratio see the same minutes of this VM
        for _ in range(repeat):
            r = {"op": timed(opcheck_cmd(data, theta, D1), env), "child": kernel_stages_as_verify(data, theta, 3)}
            if has_torch:
                r["pt"] = timed([sys.executable, str(script), str(data), str(theta)], dict(USER_ENV))
                r["ntk"] = torch_ntk_in_process(data, theta, 3)
            rounds.append(r)
        res = json.loads(rounds[-1]["op"][2])
        q = res["quantities"]
        t_op = statistics.median(r["op"][0] for r in rounds)
        cpu_op = statistics.median(r["op"][1] for r in rounds)
        print(f"  opcheck verify, whole process: {t_op:.2f} s median of {repeat} {['%.2f' % r['op'][0] for r in rounds]} ({cpu_op:.2f} CPU s); stages {res['timings_seconds']}")
        kernels_s = [r["child"]["stages"]["Gram + certified extremes (total)"][0] for r in rounds]
        child = rounds[kernels_s.index(min(kernels_s))]["child"]
        print(f"  opcheck kernel as `opcheck verify` runs it (child process, OpenBLAS kernel {child['kernel']}, "
              f"its numpy matmul {child['matmul']:.1f} GFLOP/s), best of 3 in the round of the fastest total:")
        for name, (t, flops) in child["stages"].items():
            rate_s = f"{flops / t / 1e9:6.1f} GFLOP/s ({100 * flops / t / 1e9 / child['matmul']:4.0f} % of matmul)" if flops else ""
            print(f"  {name:36s} {t * 1e3:8.1f} ms  {rate_s}")
        print(f"  kernel total per round: {['%.1f ms' % (t * 1e3) for t in kernels_s]}")
        lo, hi = child["interval"]
        print(f"  sigma_min(J) = {child['sigma_min']:.12g} in [{lo:.12g}, {hi:.12g}] (certified); sigma_max(J) = {child['sigma_max']:.12g}")
        from opcheck.linalg.jacobian_spectrum import jacobian_extremes

        V, A, B, X = kernel_inputs(data, theta)
        t_api, _ = best_of(lambda: jacobian_extremes(V, A, B, X, ("both",)), repeat)
        print(f"  the same kernel with opcheck imported before numpy (this process: OpenBLAS kernel {blas_kernel()}): {t_api * 1e3:.1f} ms")
        if not has_torch:
            print("  torch.func: not installed (pip install -e '.[bench]') - skipped")
        else:
            rt = json.loads(rounds[-1]["pt"][2])
            t_pt = statistics.median(r["pt"][0] for r in rounds)
            cpu_pt = statistics.median(r["pt"][1] for r in rounds)
            print(f"  torch.func whole process:      {t_pt:.2f} s median of {repeat} {['%.2f' % r['pt'][0] for r in rounds]} (its own NTK {rt['ntk_seconds']:.2f} s, eigvalsh {rt['eigvalsh_seconds']:.2f} s, {rt['threads']} threads)")
            print(f"  torch.func NTK alone (J + J J^T, in this process, best of 3 per round): {['%.2f s' % r['ntk'] for r in rounds]}")
            print(f"  CPU seconds, whole process: torch.func {cpu_pt:.2f}, opcheck {cpu_op:.2f} -> x{cpu_pt / cpu_op:.1f}")
            whole = [r["pt"][0] / r["op"][0] for r in rounds]
            kern = [r["ntk"] / k for r, k in zip(rounds, kernels_s)]
            est = [r["ntk"] / r["child"]["stages"]["Gram + extremes, estimates only"][0] for r in rounds]
            t_ntk = min(r["ntk"] for r in rounds)
            print(f"  ratio whole process per round {['x%.1f' % x for x in whole]}, median x{statistics.median(whole):.1f} (target >= 6)")
            print(f"  ratio kernel, opcheck Gram + certified extremes vs torch NTK alone, per round {['x%.1f' % x for x in kern]}, "
                  f"median x{statistics.median(kern):.1f} (target >= 20; with opcheck imported before numpy: x{t_ntk / t_api:.1f})")
            print(f"  the same without certificates (Gram + extreme eigenvalue estimates, what torch's J J^T + eigvalsh gives) per round "
                  f"{['x%.1f' % x for x in est]}, median x{statistics.median(est):.1f}")
            for key in ("sigma_min", "sigma_max"):
                ref = q[f"{key}_jacobian"]
                print(f"  {key}(J): torch {rt[key]:.12g}, opcheck {ref:.12g}, relative difference {abs(rt[key] - ref) / ref:.1e} (target <= 1e-6)")
        try:
            import neural_tangents  # noqa: F401
        except ImportError:
            print("  neural-tangents: not installed - skipped")
        if digits:
            dd, dt = make_inputs(tmp, 1000, 4000, 10)
            t_dg, ts_dg, out_dg = run(opcheck_cmd(dd, dt, 4000), 1, env)
            r = json.loads(out_dg)
            print(f"\ndigits size: n = 1000, d0 = 64, d1 = 4000, d2 = 10: opcheck verify whole process {t_dg:.1f} s (target <= 20 s); stages {r['timings_seconds']}")
            print(f"  numpy matmul right after it: {matmul_gflops(2000, repeat=3):.1f} GFLOP/s (this VM slows under sustained load: compare with the rate at the start)")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--kernel-stages"]:
        print(kernel_stages_json(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])))
        sys.exit(0)
    rep = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    main(rep, "--skip-digits" not in sys.argv)
