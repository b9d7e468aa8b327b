"""Wall time of ``opcheck report`` per part, and the speed-up of a LocalCluster over serial execution.

Runs, in this order (each a real report into a temporary folder, timed end to end):

1. ``opcheck report --quick`` (target: <= 60 s on 2 cores);
2. ``opcheck report`` (the default; target: <= 5 min on 2 cores) — skipped with ``--quick-only``;
3. the thresholds part of ``--quick`` serially (``--scheduler serial``) and on the default
   LocalCluster, for the speed-up (both in one run of this script, so the ratio is measured
   under the same machine load).

Prints the seconds of every part (from ``results.json``'s ``timings``) and the totals.
The machine is shared: run it on a quiet machine for figures worth recording.

``--sweep-speedup`` runs only one sweep, the default width sweep (7 points of 300 GD
steps at n = 200), serially and on a LocalCluster of 2 workers, and prints the speed-up
of the sweep, the CPU seconds of each run and the load average (about 1.5 minutes in all
on 2 cores; see :func:`sweep_speedup`).

    python benchmarks/bench_report.py [--quick-only | --sweep-speedup]
"""
from __future__ import annotations

import json
import os
import resource
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


def sweep_speedup(sweep: str = "width", jobs: int = 2) -> None:
    """One sweep serially and on a LocalCluster of ``jobs`` workers, back to back (same load): the speed-up.

    The speed-up is of the sweep's own seconds (``parts_seconds``: from the first task sent to
    the last result back, cluster start-up excluded, which is printed apart).  CPU seconds are
    those of the report process and all its workers (``RUSAGE_CHILDREN``), so the load of other
    programs on a shared machine does not enter them.
    """
    def timed(*argv: str) -> tuple[float, float, dict]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        total, doc = report("--sweeps", sweep, *argv)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return total, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), doc

    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} CPUs; load average before: {os.getloadavg()}")
    rows = [("serial", *timed("--scheduler", "serial")), (f"LocalCluster, {jobs} workers", *timed("--jobs", str(jobs)))]
    part = {"width": "width sweep", "samples": "sample-size sweep", "init-ratio": "init-ratio sweep", "thresholds": "thresholds"}[sweep]
    for name, total, cpu, doc in rows:
        t = doc["timings"]
        print(f"  {name:<24} {sweep} sweep {t['parts_seconds'][part]:6.1f} s (start workers {t['parts_seconds']['start workers']:4.1f} s), "
              f"task seconds {t['worker_seconds'][part]:6.1f}, wall {total:6.1f} s, CPU {cpu:6.1f} s")
    (_, _, _, ds), (_, _, _, dc) = rows
    a, b = ds["timings"]["parts_seconds"][part], dc["timings"]["parts_seconds"][part]
    print(f"speed-up of the {sweep} sweep on {jobs} workers: {a / b:.2f}x  (load average after: {os.getloadavg()})")
    same = {k: v for k, v in ds.items() if k not in ("timings", "provenance")} == {k: v for k, v in dc.items() if k not in ("timings", "provenance")}
    print(f"identical results.json apart from timings and provenance (whose command line names each run's --out): {same}")


def main() -> None:
    if "--sweep-speedup" in sys.argv:
        sweep_speedup()
        return
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
