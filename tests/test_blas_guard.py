"""The OpenBLAS guard: a Gram of order > 12 000 must not crash the console script's process."""
import subprocess
import sys

CODE = """
import opcheck, numpy as np
S = np.random.default_rng(0).random((300, 17970))
G = S.T @ S
print(G.shape[0])
"""


def test_large_syrk_survives_in_an_opcheck_process():
    res = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"exit {res.returncode}: {res.stderr[-300:]}"
    assert res.stdout.strip() == "17970"
