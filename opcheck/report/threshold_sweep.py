"""The thresholds part of the report: every dataset × n × criterion × seed, then records and exponents.

For each dataset the n grid is :func:`opcheck.report.config.threshold_ns` (9 values over a
factor 20 by default) and each n is one training set drawn as ``opcheck verify --n n``
would (seeded subset, Assumption-2 normalisation, labels).  Tasks
(:mod:`opcheck.report.threshold_tasks`):

* ``features`` at every n; ``ntk`` at every n when d2 = 1; ``gd`` at the n of
  :func:`opcheck.report.config.gd_ns`;
* ``--seeds`` replicates each (independent init streams);
* label-free criteria are keyed by the hash of X, so datasets that share their
  samples (the sphere with random and with teacher labels) share those tasks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from opcheck.data.loaders import RawSamples
from opcheck.data.splits import Builder, make_split
from opcheck.report.config import ReportConfig, gd_ns, threshold_ns
from opcheck.report.executor import Task
from opcheck.report.gd_threshold import GDCriterion
from opcheck.report.provenance import array_sha256
from opcheck.report.threshold_records import ExponentRecord, ThresholdRecord, aggregate, exponent
from opcheck.report.threshold_tasks import LABEL_FREE, Criterion, SearchSpec, omega1_for, run_search

REL_TOL = 0.05  # bisection stops at hi/lo <= 1.05
FEATURES_CAP = 64  # widths up to 64 n
GD_CAP = 16

CRITERIA_TEXT = {
    Criterion.FEATURES: "smallest d1 with lambda_min(Phi^T Phi) >= 1/2 d1 lambda_min(K_inf), Phi = phi(W0 X) [derived]",
    Criterion.NTK: "smallest d1 with lambda_min(J J^T) >= 1/2 lambda_min(E[J J^T]), E[J J^T] = d1 (K_inf + omega2^2 X^T X o K'_inf) [derived]",
    Criterion.GD: ("smallest d1 at which GD reaches h <= q ||Y||_F^2 within the budget while max_t |h - h_lin| <= eps ||Y||_F^2 "
                   "(GD stays in the kernel regime while it fits 1 - q of the labels' energy) [derived]"),
}


@dataclass(frozen=True)
class ThresholdData:
    """One dataset's training sets over the n grid."""

    key: str
    source: str
    labels: str
    d0: int
    d2: int
    ns: tuple[int, ...]
    gd_ns: tuple[int, ...]
    sets: dict = field(repr=False, compare=False)  # n -> (X, Y)
    x_hash: dict = field(repr=False, compare=False)  # n -> sha256 of X

    @property
    def samples_id(self) -> tuple:
        """The samples X at every n of the grid (their hashes): equal for datasets that differ only in labels."""
        return tuple(sorted(self.x_hash.items()))

    def summary(self, same_samples_as: str | None = None) -> dict:
        return {"key": self.key, "source": self.source, "labels": self.labels, "d0": self.d0, "d2": self.d2,
                "n_values": list(self.ns), "gd_n_values": list(self.gd_ns), "same_samples_as": same_samples_as}


def threshold_data(key: str, raw: RawSamples, build: Builder, config: ReportConfig) -> ThresholdData:
    """Training sets at every n of the grid (every input error is raised here)."""
    ns = threshold_ns(config, raw.X.shape[0])
    sets, hashes = {}, {}
    omega1_for(config.init, raw.X.shape[1])  # refused before any work
    for n in ns:
        tr = make_split(raw, n, 0.0, config.seed, build).train
        sets[n] = (tr.X, tr.Y)
        hashes[n] = array_sha256(tr.X)[:16]
    top = make_split(raw, ns[-1], 0.0, config.seed, build).train
    return ThresholdData(key, raw.source, top.labels, top.d0, top.d2, ns, gd_ns(config, ns), sets, hashes)


def _specs(d: ThresholdData, config: ReportConfig) -> list[tuple[str, SearchSpec]]:
    out = []
    for n in sorted(d.ns, reverse=True):  # the largest first: better load balance
        crits = [Criterion.FEATURES] + ([Criterion.NTK] if d.sets[n][1].shape[0] == 1 else []) + ([Criterion.GD] if n in d.gd_ns else [])
        for c in crits:
            for r in range(config.seeds):
                if c == Criterion.FEATURES:
                    spec = SearchSpec(c, n, r, config.seed, config.activation, config.init, n, FEATURES_CAP * n, REL_TOL)
                elif c == Criterion.NTK:
                    spec = SearchSpec(c, n, r, config.seed, config.activation, config.init, max(1, math.ceil(n / (d.d0 + 1))), FEATURES_CAP * n, REL_TOL)
                else:
                    spec = SearchSpec(c, n, r, config.seed, config.activation, config.init, max(2, n // 16), GD_CAP * n, REL_TOL,
                                      GDCriterion(config.gd_budget))
                data_id = d.x_hash[n] if c in LABEL_FREE else f"{d.key}-{d.x_hash[n]}"
                out.append((f"{c.value}-{data_id}-{n}-{r}", spec))
    return out


def tasks(datas: list[ThresholdData], config: ReportConfig) -> list[Task]:
    """Every search of every dataset (duplicate keys run once: the runner caches by key)."""
    out = []
    for d in datas:
        for key, spec in _specs(d, config):
            X, Y = d.sets[spec.n]
            out.append(Task(key, run_search, (spec, X, Y), spec.cost))
    return out


@dataclass(frozen=True)
class ThresholdSweep:
    """Records per dataset × criterion × n and exponents per dataset × criterion."""

    datasets: tuple[dict, ...]
    records: tuple[ThresholdRecord, ...]
    exponents: tuple[ExponentRecord, ...]
    settings: dict


def collect(datas: list[ThresholdData], config: ReportConfig, results: dict) -> ThresholdSweep:
    """Aggregate the finished searches (``results``: task key -> SearchResult)."""
    records, exps = [], []
    for d in datas:
        specs = _specs(d, config)
        by = {}
        for key, spec in specs:
            by.setdefault((spec.criterion, spec.n), []).append(results[key])
        recs = [aggregate(d.key, sorted(v, key=lambda r: r.spec.replicate)) for (_, _), v in sorted(by.items(), key=lambda kv: (list(Criterion).index(kv[0][0]), kv[0][1]))]
        records += recs
        for c in dict.fromkeys(r.criterion for r in recs):
            exps.append(exponent(d.key, c, [r for r in recs if r.criterion == c]))
    settings = {"seeds": config.seeds, "bisection_rel_tol": REL_TOL, "criteria": {c.value: t for c, t in CRITERIA_TEXT.items()},
                "gd": GDCriterion(config.gd_budget).as_dict(), "caps": {"features_ntk": f"{FEATURES_CAP} n", "gd": f"{GD_CAP} n"}}
    shared = same_samples(datas)
    return ThresholdSweep(tuple(d.summary(shared[d.key]) for d in datas), tuple(records), tuple(exps), settings)


def same_samples(datas: list[ThresholdData]) -> dict[str, str | None]:
    """Dataset key -> the earlier dataset with the same samples X at every n (None for the first of its X):
    such datasets differ only in labels and share their label-free thresholds."""
    first: dict[tuple, str] = {}
    out = {}
    for d in datas:
        owner = first.setdefault(d.samples_id, d.key)
        out[d.key] = owner if owner != d.key else None
    return out
