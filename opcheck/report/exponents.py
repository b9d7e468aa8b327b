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


@dataclass(frozen=True)
class Line:
    """``y ≈ a + p x`` by weighted least squares with a t-interval for ``p`` (module docstring)."""

    slope: float | None
    intercept: float | None
    ci: tuple[float, float] | None
    stderr: float | None
    dof: int
    chi2_per_dof: float | None


def weighted_line(x: Sequence[float], y: Sequence[float], s: Sequence[float], level: float = LEVEL) -> Line:
    """Weights ``1/s_i²`` fix the relative weights; the common scale comes from the residuals."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    s = np.maximum(np.asarray(s, dtype=float), MIN_LOG_SE)
    k = x.size
    if k < 2 or float(np.ptp(x)) == 0.0:
        return Line(None, None, None, None, max(k - 2, 0), None)
    w = 1.0 / (s * s)
    xm, ym = float(np.sum(w * x) / w.sum()), float(np.sum(w * y) / w.sum())
    sxx = float(np.sum(w * (x - xm) ** 2))
    p = float(np.sum(w * (x - xm) * (y - ym)) / sxx)
    a = ym - p * xm
    dof = k - 2
    if dof == 0:
        return Line(p, a, None, None, 0, None)
    chi2 = float(np.sum(w * (y - a - p * x) ** 2)) / dof
    se = math.sqrt(chi2 / sxx)
    q = float(stats.t.ppf(0.5 + level / 2.0, dof))
    return Line(p, a, (p - q * se, p + q * se), se, dof, chi2)


def fit_exponent(ns: Sequence[float], widths: Sequence[float], log_se: Sequence[float], level: float = LEVEL) -> ExponentFit:
    """Weighted fit of ``log width`` on ``log n`` (see module docstring)."""
    nn = tuple(int(v) for v in ns)
    line = weighted_line(np.log(np.asarray(ns, dtype=float)), np.log(np.asarray(widths, dtype=float)), log_se, level)
    k = len(nn)
    if line.slope is None:
        return ExponentFit(None, None, None, None, nn, max(k - 2, 0), None, level, False, (), f"{k} usable n value(s): no fit")
    if line.ci is None:
        return ExponentFit(line.slope, None, None, line.intercept, nn, 0, None, level, False, (), "two n values: the line is exact, no interval; not a finding")
    finding = line.dof >= MIN_DOF
    verdicts = tuple((e, line.ci[0] <= e <= line.ci[1]) for e, _ in REFERENCES)
    note = f"weighted least squares on log-log axes, {level:.0%} t-interval with {line.dof} dof, scatter/uncertainty ratio {math.sqrt(line.chi2_per_dof):.2g}"
    if not finding:
        note += f"; fewer than {MIN_DOF} dof: shown greyed, not a finding"
    return ExponentFit(line.slope, line.ci, line.stderr, line.intercept, nn, line.dof, line.chi2_per_dof, level, finding, verdicts, note)
