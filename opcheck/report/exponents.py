"""The exponent of a width threshold in n: weighted log-log fit with a 95 % interval.

Model: ``log d1*_i = a + p log n_i + e_i`` with ``Var(e_i) = s_i²``, where ``s_i`` is the
per-n uncertainty of ``log d1*`` (seeds and bisection bracket, :mod:`opcheck.report.threshold_records`).
Weighted least squares with weights ``1/s_i²`` gives ``p̂`` and ``se₀(p̂) = 1/√Σ w_i (x_i − x̄_w)²``.
The per-n uncertainties fix the *relative* weights; their common scale is estimated from
the residuals (``Var(e_i) = c² s_i²``, ``ĉ² = χ²/dof``), because the seeds and brackets do
not capture every source of scatter (the data subset at each n, curvature).  The interval
is then exact under the model, Student's t with ``dof = k − 2``:

    p̂ ± t_{0.975, k−2} · se₀ · √(χ²/(k − 2)) .

A fit with fewer than :data:`MIN_DOF` degrees of freedom is kept for display but is never a
finding (``finding = False``).  Each interval is compared with the reference exponents
1 (parameters ∝ n: Kawaguchi & Huang; the memorisation lower bound), 3/2 (this paper, eq. 21)
and 2 (the quadratic priors).  [derived: opcheck's method]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import stats

LEVEL = 0.95
MIN_DOF = 3
#: reference exponents in n at fixed d0, with who states them
REFERENCES = ((1.0, "1 (parameters ∝ n: Kawaguchi & Huang 2019; memorisation)"),
              (1.5, "3/2 (this paper, eq. 21)"),
              (2.0, "2 (quadratic priors: Oymak & Soltanolkotabi, Song & Yang)"))
#: floor on a per-n log-uncertainty (a bracket of ±1 % and one seed agreeing exactly is not exactness)
MIN_LOG_SE = 0.01


@dataclass(frozen=True)
class ExponentFit:
    """A fitted exponent with its interval, the points used, and whether it may be stated."""

    estimate: float | None
    ci: tuple[float, float] | None
    stderr: float | None
    log_prefactor: float | None
    ns: tuple[int, ...]
    dof: int
    chi2_per_dof: float | None
    level: float
    finding: bool
    verdicts: tuple[tuple[float, bool], ...]  # (reference exponent, inside the interval)
    note: str

    def as_dict(self) -> dict:
        return {
            "estimate": self.estimate, "ci": list(self.ci) if self.ci else None, "stderr": self.stderr,
            "log_prefactor": self.log_prefactor, "n_values": list(self.ns), "dof": self.dof,
            "chi2_per_dof": self.chi2_per_dof, "level": self.level, "finding": self.finding,
            "verdicts": [{"exponent": e, "inside": inside} for e, inside in self.verdicts], "note": self.note,
        }


def fit_exponent(ns: Sequence[float], widths: Sequence[float], log_se: Sequence[float], level: float = LEVEL) -> ExponentFit:
    """Weighted fit of ``log width`` on ``log n`` (see module docstring)."""
    x = np.log(np.asarray(ns, dtype=float))
    y = np.log(np.asarray(widths, dtype=float))
    s = np.maximum(np.asarray(log_se, dtype=float), MIN_LOG_SE)
    k = x.size
    nn = tuple(int(v) for v in ns)
    if k < 2 or float(np.ptp(x)) == 0.0:
        return ExponentFit(None, None, None, None, nn, max(k - 2, 0), None, level, False, (), f"{k} usable n value(s): no fit")
    w = 1.0 / (s * s)
    xm, ym = float(np.sum(w * x) / w.sum()), float(np.sum(w * y) / w.sum())
    sxx = float(np.sum(w * (x - xm) ** 2))
    p = float(np.sum(w * (x - xm) * (y - ym)) / sxx)
    a = ym - p * xm
    dof = k - 2
    if dof == 0:
        return ExponentFit(p, None, None, a, nn, 0, None, level, False, (), "two n values: the line is exact, no interval; not a finding")
    chi2 = float(np.sum(w * (y - a - p * x) ** 2)) / dof
    se = math.sqrt(1.0 / sxx) * math.sqrt(chi2)
    q = float(stats.t.ppf(0.5 + level / 2.0, dof))
    ci = (p - q * se, p + q * se)
    finding = dof >= MIN_DOF
    verdicts = tuple((e, ci[0] <= e <= ci[1]) for e, _ in REFERENCES)
    note = f"weighted least squares on log-log axes, {level:.0%} t-interval with {dof} dof, scatter/uncertainty ratio {math.sqrt(chi2):.2g}"
    if not finding:
        note += f"; fewer than {MIN_DOF} dof: shown greyed, not a finding"
    return ExponentFit(p, ci, se, a, nn, dof, chi2, level, finding, verdicts, note)
