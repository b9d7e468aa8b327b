"""Wall time of ``opcheck report`` per part, and the speed-up of a LocalCluster over serial execution.

Runs, in this order (each a real report into a temporary folder, timed end to end):

1. ``opcheck report --quick`` (target: <= 60 s on 2 cores);
2. ``opcheck report`` (the default; target: <= 5 min on 2 cores) — skipped with ``--quick-only``;
3. the thresholds part of ``--quick`` serially (``--scheduler serial``) and on the default
   LocalCluster, for the speed-up (both in one run of this script, so the ratio is measured
   under the same machine load).

Prints the seconds of every part (from ``results.json``'s ``timings``) and the totals.
The machine is shared: run it on a quiet machine for figures worth recording.

    python benchmarks/bench_report.py [--quick-only]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def report(*argv: str) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "opcheck", "report", *argv, "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        total = time.perf_counter() - t
        return total, json.loads((out / "results.json").read_text())


def show(name: str, total: float, doc: dict) -> None:
    ex = doc["timings"]["execution"]
    print(f"{name}: {total:.1f} s wall ({ex['mode']}, {ex['workers']} worker(s))")
    for part, secs in doc["timings"]["parts_seconds"].items():
        print(f"    {part:<20} {secs:7.1f} s")
    for box in doc["summary"]:
        print(f"    {box['dataset']}: {box['headline']}")


def main() -> None:
    quick_only = "--quick-only" in sys.argv
    total, doc = report("--quick")
    show("opcheck report --quick", total, doc)
    if not quick_only:
        total, doc = report()
        show("opcheck report", total, doc)
    ts, ds = report("--quick", "--sweeps", "thresholds", "--scheduler", "serial")
    tc, dc = report("--quick", "--sweeps", "thresholds")
    a, b = ds["timings"]["parts_seconds"]["thresholds"], dc["timings"]["parts_seconds"]["thresholds"]
    print(f"thresholds of --quick: serial {a:.1f} s, LocalCluster ({dc['timings']['execution']['workers']} workers) {b:.1f} s: "
          f"speed-up {a / b:.2f}x (wall incl. start-up: {ts:.1f} s vs {tc:.1f} s)")
    same = {k: v for k, v in ds.items() if k not in ("timings", "provenance")} == {k: v for k, v in dc.items() if k not in ("timings", "provenance")}
    print(f"identical results.json apart from timings and provenance: {same}")


if __name__ == "__main__":
    main()
