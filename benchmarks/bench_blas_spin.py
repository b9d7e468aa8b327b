"""What OpenBLAS's idle polling costs when numpy's and scipy's copies alternate, and what opcheck's setting saves.

Two measurements, each in fresh processes with ``OPENBLAS_THREAD_TIMEOUT`` at OpenBLAS's
default (28) and at opcheck's (:data:`opcheck._runtime.blas_spin.SPIN_EXPONENT`):

  * a 16-column ``dpotrs`` (scipy's OpenBLAS) with an order-N factor, back to back and right
    after a 200 × 200 numpy product (numpy's OpenBLAS), medians of 7;
  * the whole ``opcheck verify`` at the mid case of ``bench_peers.py`` (n = 1000, d1 = 2000),
    medians of ``--repeat`` runs, with the stage timings of the last.

Run:  .venv/bin/python benchmarks/bench_blas_spin.py [--order 8000] [--repeat 5]
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from opcheck._runtime import blas_spin  # noqa: E402  (importing opcheck sets it here too; each child gets its value explicitly)

SOLVE_SCRIPT = r"""
import statistics, sys, time
import numpy as np
from scipy.linalg import lapack
N = int(sys.argv[1])
rng = np.random.default_rng(0)
R = np.asfortranarray(np.triu(rng.standard_normal((N, N))) + N * np.eye(N))  # any upper factor: dpotrs's cost is its size
Q = rng.standard_normal((N, 16))
small = rng.standard_normal((200, 200))
lapack.dpotrs(R, Q, lower=0)
back, after = [], []
for _ in range(7):
    t = time.perf_counter(); lapack.dpotrs(R, Q, lower=0); back.append(time.perf_counter() - t)
for _ in range(7):
    small @ small
    t = time.perf_counter(); lapack.dpotrs(R, Q, lower=0); after.append(time.perf_counter() - t)
print(statistics.median(back), statistics.median(after))
"""


def child_env(exponent: int) -> dict[str, str]:
    return dict(os.environ, **{blas_spin.VARIABLE: str(exponent)})


def solve_times(order: int, exponent: int) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", SOLVE_SCRIPT, str(order)], capture_output=True, text=True, env=child_env(exponent), check=True)
    back, after = map(float, out.stdout.split())
    return back, after


def verify_times(data: Path, theta: Path, exponent: int, repeat: int) -> tuple[float, list[float], dict]:
    cmd = [sys.executable, "-m", "opcheck", "verify", str(data), "--init-params", str(theta), "--width", "2000", "--json"]
    walls, stages = [], {}
    for _ in range(repeat):
        t = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True, env=child_env(exponent))  # exit 1: a hypothesis fails
        if res.returncode not in (0, 1):
            raise SystemExit(f"opcheck verify failed (exit {res.returncode}): {res.stderr[-400:]}")
        walls.append(time.perf_counter() - t)
        stages = json.loads(res.stdout)["timings_seconds"]
    return statistics.median(walls), walls, stages


def main(order: int = 8000, repeat: int = 5) -> None:
    from _timing import machine_line
    from bench_peers import make_inputs

    print(f"machine: {machine_line()}")
    default, ours = 28, blas_spin.SPIN_EXPONENT
    print(f"\n16-column dpotrs, order {order} (scipy's OpenBLAS), medians of 7:")
    for exponent in (default, ours):
        back, after = solve_times(order, exponent)
        print(f"  OPENBLAS_THREAD_TIMEOUT={exponent}: back to back {back * 1e3:6.1f} ms; after a numpy 200x200 product {after * 1e3:6.1f} ms (x{after / back:.2f})")
    with tempfile.TemporaryDirectory() as tmpdir:
        data, theta = make_inputs(Path(tmpdir), 1000, 2000, 1)
        print(f"\nopcheck verify, mid case (n = 1000, d1 = 2000, d2 = 1), whole process, median of {repeat}:")
        result = {}
        for exponent in (default, ours):
            med, walls, stages = verify_times(data, theta, exponent, repeat)
            result[exponent] = med
            print(f"  OPENBLAS_THREAD_TIMEOUT={exponent}: {med:.2f} s {['%.2f' % w for w in walls]}; stages {stages}")
        print(f"  ratio default / opcheck's setting: x{result[default] / result[ours]:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[args.index("--order") + 1]) if "--order" in args else 8000, int(args[args.index("--repeat") + 1]) if "--repeat" in args else 5)
