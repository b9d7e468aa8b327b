"""Gram accumulation in place: dsyrk with β = 1 against fresh products, in one run.

The schemes of :mod:`opcheck.linalg.gram` (the chunk source's ``fresh``: 0 = dsyrk β = 1
per chunk of 512 units, else fresh products of that many units) on the same data,
interleaved, best of ``--repeat``: the W-block ``K ⊙ Σ S_gᵀS_g`` plus the V-block as the
verify path forms them (d2 = 1: added into H; d2 > 1: through the n × n AᵀA), and the
formation bound γ_m‖|J||J|ᵀ‖₂ of each scheme.

Run:  .venv/bin/python benchmarks/bench_fresh_gram.py            (the in-memory cases n = 1000,
      d1 = 2000, d2 = 1 and d1 = 4000, d2 = 10)
      .venv/bin/python benchmarks/bench_fresh_gram.py --streamed --n 20000 --d1 4096 --repeat 1
      (A, B streamed from W as bench_scale does, on d1 = 4096 of its 20 000 hidden units:
      the Gram formation's cost per unit, 3.2 GB)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import opcheck  # noqa: E402,F401  (first: the BLAS kernel guard must run before numpy loads OpenBLAS)

import os  # noqa: E402

from _timing import machine_line, sphere_problem  # noqa: E402

from opcheck.linalg import gram  # noqa: E402
from opcheck.linalg.gram_error import FormationErrors  # noqa: E402


def arg(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def form(V, X, src, d2: int) -> float:
    """Seconds to form the full Gram in place as the verify path does."""
    t = time.perf_counter()
    AtA = gram.form_v_block(src) if d2 > 1 else None
    H = gram.form_w_block(gram.new_gram(d2 * X.shape[1]), V, src, X)
    gram.add_v_block(H, d2, src, AtA)
    return time.perf_counter() - t


SCHEMES = ((0, "dsyrk beta=1"), (gram.CHUNK, f"fresh {gram.CHUNK}"), (gram.FRESH_UNITS, f"fresh {gram.FRESH_UNITS}"))


def case(n: int, d0: int, d1: int, d2: int, repeat: int, streamed: bool) -> None:
    X, p0, act = sphere_problem(n, d0, d1, d2)
    if streamed:
        sources = {f: gram.StreamedFactors(p0.W, X, act.phi_and_dphi, gram.CHUNK, f) for f, _ in SCHEMES}
    else:
        A, B = act.phi_and_dphi(p0.W @ X)
        sources = {f: gram.array_chunks(A, B, gram.CHUNK, f) for f, _ in SCHEMES}
    best = {f: float("inf") for f, _ in SCHEMES}
    for _ in range(repeat):
        for f, _ in SCHEMES:
            best[f] = min(best[f], form(p0.V, X, sources[f], d2))
    flops = float(d2 * n) ** 2 * d1 + float(n) ** 2 * d1 + float(d2 * n) ** 2 * d0
    where = "streamed from W" if streamed else "held A, B"
    for f, label in SCHEMES:
        errs = FormationErrors(p0.V, X, sources[f])
        print(f"n={n} d0={d0} d1={d1} d2={d2} ({where}) {label}: {best[f]:.3f} s ({flops / best[f] / 1e9:.1f} GFLOP/s), "
              f"x{best[f] / best[0]:.3f} of beta=1; formation bound {errs('both'):.3e} (m = {errs.inner_length('both')})")


def main() -> None:
    print(f"{machine_line()}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(default)')}")
    repeat = arg("--repeat", 3)
    streamed = "--streamed" in sys.argv
    if "--n" in sys.argv:
        case(arg("--n", 1000), arg("--d0", 64), arg("--d1", 2000), arg("--d2", 1), repeat, streamed)
        return
    case(1000, 64, 2000, 1, repeat, streamed)
    case(1000, 64, 4000, 10, repeat, streamed)


if __name__ == "__main__":
    main()
