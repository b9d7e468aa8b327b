"""Time of ``opcheck report`` per part, default and ``--quick``, and the speed-up of a LocalCluster over serial.

Runs, in this order (each a real report into a temporary folder, timed end to end):

1. ``opcheck report --quick`` (target: <= 60 s on 2 cores);
2. ``opcheck report`` (the default; target: <= 5 min on 2 cores) — skipped with ``--quick-only``;
3. the thresholds part of ``--quick`` serially (``--scheduler serial``) and on the default
   LocalCluster, for the speed-up (both in one run of this script, so the ratio is measured
   under the same machine load) — skipped with ``--no-speedup``.

For each report it prints the wall seconds of every part (thresholds, width sweep,
sample-size sweep, init-ratio sweep; from ``results.json``'s ``timings``) with the
seconds the workers spent in that part's tasks, the process tree's CPU seconds
(user + system, this process's children) and the load average before and after.
The machine may be shared: CPU seconds and their shares per part are what to compare
between runs; wall times are worth recording only from a quiet machine.

``--sweep-speedup`` runs only one sweep, the default width sweep (7 points of 300 GD
steps at n = 200), serially and on a LocalCluster of 2 workers, and prints the speed-up
of the sweep, the CPU seconds of each run and the load average (about 1.5 minutes in all
on 2 cores; see :func:`sweep_speedup`).

    python benchmarks/bench_report.py [--quick-only] [--no-speedup] | [--sweep-speedup]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import machine_line  # noqa: E402

TARGETS = {"--quick": 60.0, "default": 300.0}
PARTS = ("thresholds", "width sweep", "sample-size sweep", "init-ratio sweep")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def report(*argv: str) -> tuple[float, float, tuple, dict]:
    """Wall seconds, CPU seconds of the process tree, load averages (before, after), results.json."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r"
        load0, cpu0, t = os.getloadavg(), _children_cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "opcheck", "report", *argv, "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        total, cpu = time.perf_counter() - t, _children_cpu() - cpu0
        return total, cpu, (load0, os.getloadavg()), json.loads((out / "results.json").read_text())


def show(name: str, total: float, cpu: float, loads: tuple, doc: dict, target: float | None = None) -> None:
    ex = doc["timings"]["execution"]
    parts, busy = doc["timings"]["parts_seconds"], doc["timings"].get("worker_seconds", {})
    verdict = "" if target is None else (f"  (target <= {target:.0f} s: {'met' if total <= target else 'NOT met'} at this load)")
    print(f"{name}: {total:.1f} s wall, {cpu:.1f} s CPU ({ex['mode']}, {ex['workers']} worker(s)); "
          f"load average {loads[0][0]:.2f} before, {loads[1][0]:.2f} after{verdict}")
    work = sum(busy.get(p, 0.0) for p in PARTS) or 1.0
    print(f"    {'part':<20} {'wall s':>8} {'task s':>8} {'share':>6}")
    for part, secs in parts.items():
        b = busy.get(part)
        extra = f" {b:8.1f} {b / work:6.0%}" if b is not None else ""
        print(f"    {part:<20} {secs:8.1f}{extra}")
    print(f"    {'total':<20} {total:8.1f}")
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
        total, cpu, _, doc = report("--sweeps", sweep, *argv)
        return total, cpu, doc

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
    slow = dc["timings"]["worker_seconds"][part] / ds["timings"]["worker_seconds"][part]
    print(f"the same tasks took {slow:.2f}x their serial seconds side by side (1.0 when every worker has a free core; "
          f"above 1: other load or memory bandwidth, and the speed-up is bounded by {jobs / slow:.2f}x)")
    same = {k: v for k, v in ds.items() if k not in ("timings", "provenance")} == {k: v for k, v in dc.items() if k not in ("timings", "provenance")}
    print(f"identical results.json apart from timings and provenance (whose command line names each run's --out): {same}")


def main() -> None:
    if "--sweep-speedup" in sys.argv:
        sweep_speedup()
        return
    print(machine_line())
    quick_only, speedup = "--quick-only" in sys.argv, "--no-speedup" not in sys.argv
    show("opcheck report --quick", *report("--quick"), target=TARGETS["--quick"])
    if not quick_only:
        show("opcheck report", *report(), target=TARGETS["default"])
    if not speedup:
        return
    ts, _, _, ds = report("--quick", "--sweeps", "thresholds", "--scheduler", "serial")
    tc, _, _, dc = report("--quick", "--sweeps", "thresholds")
    a, b = ds["timings"]["parts_seconds"]["thresholds"], dc["timings"]["parts_seconds"]["thresholds"]
    print(f"thresholds of --quick: serial {a:.1f} s, LocalCluster ({dc['timings']['execution']['workers']} workers) {b:.1f} s: "
          f"speed-up {a / b:.2f}x (wall incl. start-up: {ts:.1f} s vs {tc:.1f} s)")
    same = {k: v for k, v in ds.items() if k not in ("timings", "provenance")} == {k: v for k, v in dc.items() if k not in ("timings", "provenance")}
    print(f"identical results.json apart from timings and provenance: {same}")


if __name__ == "__main__":
    main()
