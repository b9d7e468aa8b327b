"""Start-up time of the CLI against `python -c 'import numpy, typer, rich'`, measured in one run.

Each command runs as a fresh process, interleaved round by round (so load changes hit
all of them alike); the medians and their ratio to the baseline are printed.
Target (issue 11): every ratio <= 2.  The load average is printed before and after
(the machine may be shared), and a note when Python writes no bytecode
(``PYTHONDONTWRITEBYTECODE``) and opcheck has none cached: then every process compiles
opcheck's own modules from source, which an installed copy does not.

Run:  .venv/bin/python benchmarks/bench_startup.py [--rounds 7]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXE = str(Path(sys.executable))
CASES = {
    "python -c 'import numpy, typer, rich'": [EXE, "-c", "import numpy, typer, rich"],
    "opcheck --help": [EXE, "-m", "opcheck", "--help"],
    "opcheck verify --help": [EXE, "-m", "opcheck", "verify", "--help"],
    "opcheck --version": [EXE, "-m", "opcheck", "--version"],
}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def main(rounds: int = 7) -> None:
    times: dict[str, list[float]] = {k: [] for k in CASES}
    load_before = _load()
    for _ in range(rounds):
        for name, cmd in CASES.items():
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - t)
    base = statistics.median(times[next(iter(CASES))])
    print(f"median of {rounds} fresh processes each (interleaved); load average {load_before} before, {_load()} after:")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:42s} {med * 1e3:7.0f} ms   x{med / base:4.2f} of the baseline")
    package = Path(__file__).resolve().parents[1] / "opcheck"
    if sys.flags.dont_write_bytecode and not (package / "__pycache__").is_dir():
        print("  note: PYTHONDONTWRITEBYTECODE is set and opcheck/ has no __pycache__: each process compiled opcheck's own modules")


if __name__ == "__main__":
    main(int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 7)
