"""The ω2/ω1 sweep at the fixed He product (the paper's §6 and Figure 1), over several seeds.

At ``ω1 ω2 = 2/√(d0 d1)`` (He's product, theory.md §7) each ratio ω2/ω1 is run
with ``--seeds`` init replicates (seeds ``--seed``, ``--seed`` + 1, …): GD on both
layers with the linearisation alongside.  Per ratio the report gives the mean and
standard deviation over seeds of the held-out error, the laziness gap and the
layers' relative motion, and :func:`trend` fits the held-out error against
``log10(ω2/ω1)``: the paper reports better test accuracy as the ratio grows, i.e. a
negative slope; ``reproduces`` is true when the 95 % interval of the slope lies
below 0, false when above, None when it contains 0 (no trend resolved).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from opcheck.checks.records import jsonable
from opcheck.report.exponents import weighted_line
from opcheck.report.points import PointResult

METRICS = ("test_error", "train_error", "max_lazy_gap", "w_motion", "v_motion", "final_loss")


def he_product(d0: int, d1: int) -> float:
    """``ω1 ω2`` of He initialization: √(2/d0) √(2/d1) = 2/√(d0 d1)."""
    return 2.0 / math.sqrt(d0 * d1)


def ratio_omegas(ratio: float, product: float) -> tuple[float, float]:
    """(ω1, ω2) with ω1 ω2 = product and ω2/ω1 = ratio."""
    return math.sqrt(product / ratio), math.sqrt(product * ratio)


def _metric(p: PointResult, name: str) -> float:
    g = p.gd or {}
    v = g.get(name)
    if isinstance(v, dict):
        v = v.get("value")
    return float(v) if v is not None else math.nan


@dataclass(frozen=True)
class InitRatioSweep:
    """Points per (ratio, seed) and their per-ratio summaries."""

    n: int
    d0: int
    d1: int
    product: float
    he_ratio: float
    ratios: tuple[float, ...]
    seeds: tuple[int, ...]
    points: tuple[PointResult, ...]  # ratio-major, seed-minor

    def summary(self) -> list[dict]:
        out = []
        S = len(self.seeds)
        for i, r in enumerate(self.ratios):
            pts = self.points[i * S:(i + 1) * S]
            row = {"ratio": r}
            for m in METRICS:
                vals = np.array([_metric(p, m) for p in pts])
                ok = vals[np.isfinite(vals)]
                row[m] = {"mean": float(ok.mean()) if ok.size else None,
                          "sd": float(ok.std(ddof=1)) if ok.size > 1 else None, "count": int(ok.size)}
            out.append(row)
        return out

    def trend(self) -> dict:
        """Held-out error against log10(ω2/ω1): weighted slope over the per-ratio means."""
        rows = [r for r in self.summary() if r["test_error"]["mean"] is not None]
        if len(rows) < 3:
            return {"slope": None, "ci": None, "reproduces": None, "note": "fewer than 3 ratios with a held-out error"}
        S = len(self.seeds)
        se = [(r["test_error"]["sd"] or 0.0) / math.sqrt(S) for r in rows]
        line = weighted_line([math.log10(r["ratio"]) for r in rows], [r["test_error"]["mean"] for r in rows], se)
        rep = None if line.ci is None or line.ci[0] <= 0.0 <= line.ci[1] else bool(line.ci[1] < 0.0)
        return {"slope": line.slope, "ci": list(line.ci) if line.ci else None, "dof": line.dof, "reproduces": rep,
                "note": "held-out error per decade of omega2/omega1; weighted by the seeds' standard errors; 95 % t-interval"}

    def as_dict(self) -> dict:
        S = len(self.seeds)
        return jsonable({
            "n": self.n,
            "d0": self.d0,
            "d1": self.d1,
            "product": self.product,
            "product_source": "paper (section 6: the He product omega1 omega2 = 2/sqrt(d0 d1))",
            "he_ratio": self.he_ratio,
            "ratios": list(self.ratios),
            "seeds": list(self.seeds),
            "points": [{"ratio": self.ratios[i // S], **p.as_dict()} for i, p in enumerate(self.points)],
            "summary": self.summary(),
            "trend": self.trend(),
        })
