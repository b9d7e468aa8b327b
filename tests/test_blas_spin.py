"""opcheck shortens OpenBLAS's idle polling only when it loads before numpy and the user chose nothing."""
import os
import subprocess
import sys

import pytest

from opcheck._runtime import blas_spin

PROBE = "import os\n{first}import opcheck\nprint(os.environ.get('OPENBLAS_THREAD_TIMEOUT', 'unset'))\n"


def _probe(first: str = "", value: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != blas_spin.VARIABLE}
    if value is not None:
        env[blas_spin.VARIABLE] = value
    res = subprocess.run([sys.executable, "-c", PROBE.format(first=first)], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr[-400:]
    return res.stdout.strip()


@pytest.mark.parametrize(
    ("first", "value", "expected"),
    [
        ("", None, str(blas_spin.SPIN_EXPONENT)),  # the console script and `import opcheck` first
        ("", "28", "28"),  # the user's own choice wins
        ("", "", ""),  # even an empty one (OpenBLAS then uses its default)
        ("import numpy\n", None, "unset"),  # too late: OpenBLAS has read its environment already
    ],
)
def test_spin_exponent_set_only_before_numpy_and_only_by_default(first, value, expected):
    assert _probe(first, value) == expected


def test_the_exponent_is_one_openblas_accepts():
    """OpenBLAS clamps the variable to 4..30 and its default is 28: the setting must shorten the polling."""
    assert 4 <= blas_spin.SPIN_EXPONENT < 28
