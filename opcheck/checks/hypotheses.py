"""Check the hypotheses of Theorem 3 at Θ0 on a dataset (docs/theory.md §§3–5).

:func:`run_verify` computes, without ever forming the Jacobian:

* σ_max(X) and σ_min(X^{*t}), t = 1..4 (through ``(XᵀX)^{∘t}``) and the sample geometry
  (duplicates, largest cosine, numerical rank of X: :mod:`opcheck.checks.diagnoses`);
* μ_Φ = σ_min(φ(W0X)) and σ_max(φ(W0X)), σ_max(V0), the scale ω̂1, ω̂2, κ̂ of the W0, V0 in use;
* σ_min, σ_max of the full Jacobian J of Φ at Θ0 and of its V-block (and, with
  ``w_block``, of its W-block), through the structured Gram
  (:mod:`opcheck.linalg.gram`) or matrix-free Lanczos;
* Lemma 3's constants (:mod:`opcheck.checks.lemma3`), the implied constants of
  (9), (13), (20), (21) (:mod:`opcheck.checks.constants`);
* the rows (:mod:`opcheck.checks.conditions`) and the verdict (:mod:`opcheck.checks.verdict`).

The result is typed data; :mod:`opcheck.render` shows it.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from opcheck._runtime import blas_guard, memory, validation, work
from opcheck._runtime.seeding import rng
from opcheck.checks import conditions as rows_mod
from opcheck.checks import verify_summaries as S
from opcheck.checks.constants import ConstantKey, Constants, ImpliedConstant
from opcheck.checks.diagnoses import Cause, SampleGeometry, causes, sample_geometry
from opcheck.checks.lemma3 import Lemma3Constants, kappa_sampling_band, lemma3_constants, measure_init
from opcheck.checks.order_analysis import Extrapolation, extrapolate_width
from opcheck.checks.quantities import QuantityKey, quantity_table
from opcheck.checks.records import Condition, Quantity, all_hold, jsonable
from opcheck.checks.verdict import verdict as verdict_lines
from opcheck.checks.width_requirements import headline_requirement, width_requirement
from opcheck.data.prepare import Dataset, headline_width
from opcheck.errors import InputError
from opcheck.linalg import spectra
from opcheck.linalg.jacobian_spectrum import TooBig, jacobian_extremes, matrix_free_blocks, matrix_free_flops, plan_grams
from opcheck.linalg.khatri_rao import khatri_rao_extremes
from opcheck.model.activations import get_activation
from opcheck.model.network import Params, forward, init_scales, sample_params

T_RANGE = (1, 2, 3, 4)
JACOBIAN_BLOCKS = ("both", "first", "second")


def jacobian_blocks(w_block: bool) -> tuple[str, ...]:
    """The Jacobian blocks whose spectra verify computes.

    J (``both``) and its V-block (``second``, whose σ_min is μ_Φ) always: Theorem 3's
    hypotheses rest on σ_min(J) and μ_Φ.  The W-block J_W (``first``) only on request:
    no hypothesis uses it (gradient descent on W alone tracks its own σ_min(J_W)), and
    its λ_min costs one more Cholesky factorisation of order d2·n plus its solves — at
    d2 = 10, n = 1000 about a third of the run.
    """
    return JACOBIAN_BLOCKS if w_block else ("both", "second")


@dataclass(frozen=True)
class VerifyConfig:
    """What the user chose; every field maps to a ``opcheck verify`` option."""

    activation: str = "gelu"
    init: str = "lecun"
    omega1: float | None = None
    omega2: float | None = None
    width: int | None = None
    seed: int = 0
    constant: float = 1.0  # C9, the constant of (9); the others follow the documented mapping unless set
    kappa_max: float = 2.0  # (19): κ_init ≲ 1; the paper states He (κ = 2) satisfies it
    lr: float | None = None  # step size to compare with (13), if any
    c13: float | None = None
    c14: float | None = None
    c_path: float | None = None
    c20: float | None = None
    c21: float | None = None
    too_big: TooBig = TooBig.DISTRIBUTED  # a Gram past the memory budget: Dask blocks (--no-distributed: REFUSE)
    scheduler: str | None = None  # Dask scheduler address (--scheduler); None: $OPCHECK_SCHEDULER or a LocalCluster
    w_block: bool = False  # also the extreme singular values of the W-block J_W (--w-block): see jacobian_blocks

    def constants(self) -> Constants:
        return Constants.from_options(self.constant, c13=self.c13, c14=self.c14, c_path=self.c_path, c20=self.c20, c21=self.c21)


@dataclass(frozen=True)
class VerifyResult:
    """Everything ``opcheck verify`` reports; ``params`` is Θ0 (not serialised)."""

    data: dict
    init: dict
    activation: dict
    quantities: dict[QuantityKey, Quantity]
    spectra: dict[str, dict]
    khatri_rao: list[dict]
    width_requirements: dict
    conditions: list[Condition]
    verdict: list[str]
    timings: dict[str, float]
    constants: Constants
    implied_constants: dict[ConstantKey, ImpliedConstant]
    lemma3: Lemma3Constants
    geometry: SampleGeometry
    causes: tuple[Cause, ...]
    extrapolation: Extrapolation
    params: Params = field(repr=False, compare=False)
    dataset: Dataset = field(repr=False, compare=False)

    @property
    def all_hold(self) -> bool:
        return all_hold(self.conditions)

    def value(self, name: str | QuantityKey) -> float:
        return self.quantities[QuantityKey(name)].value

    def as_dict(self) -> dict:
        return jsonable(
            {
                "data": self.data,
                "init": self.init,
                "activation": self.activation,
                "quantities": {k.value: q.value for k, q in self.quantities.items()},
                "provenance": {k.value: q.as_dict() for k, q in self.quantities.items()},
                "spectra": self.spectra,
                "khatri_rao": self.khatri_rao,
                "width_requirements": self.width_requirements,
                "constants": self.constants.as_dict(),
                "implied_constants": {k.value: v.as_dict() for k, v in self.implied_constants.items()},
                "diagnoses": {"sample_geometry": self.geometry.as_dict(), "causes": [c.as_dict() for c in self.causes]},
                "order_analysis": self.extrapolation.as_dict(),
                "conditions": [c.as_dict() for c in self.conditions],
                "all_hold": self.all_hold,
                "verdict": self.verdict,
                "timings_seconds": self.timings,
            }
        )


# --------------------------------------------------------------------- helpers
def resolve_width(dataset: Dataset, config: VerifyConfig, params: Params | None) -> int:
    """The width d1: from loaded parameters, ``--width``, or the headline default."""
    if params is not None:
        d1 = params.W.shape[0]
        if config.width is not None and config.width != d1:
            raise InputError(f"--width {config.width} disagrees with the loaded parameters (W0 has d1 = {d1} rows)")
        return d1
    if config.width is None:
        return headline_width(dataset.n, dataset.d0)
    return validation.positive_int(config.width, "--width")


def check_params(params: Params, dataset: Dataset) -> None:
    """Loaded (W0, V0) must match the data: W0 is d1 × d0, V0 is d2 × d1, finite."""
    W, V = params.W, params.V
    if W.ndim != 2 or V.ndim != 2:
        raise InputError(f"W0 and V0 must be 2-D, got shapes {W.shape} and {V.shape}")
    if W.shape[1] != dataset.d0:
        raise InputError(f"W0 has {W.shape[1]} columns but the data have d0 = {dataset.d0}")
    if V.shape != (dataset.d2, W.shape[0]):
        raise InputError(f"V0 has shape {V.shape}, expected (d2, d1) = ({dataset.d2}, {W.shape[0]})")
    if not (np.isfinite(W).all() and np.isfinite(V).all()):
        raise InputError("W0 or V0 has non-finite entries")


def plan_verify(n: int, d0: int, d1: int, d2: int, blocks: tuple[str, ...], too_big: TooBig, scheduler: str | None = None) -> dict:
    """Plan every Jacobian Gram of one verify point and refuse (InputError, exit 2) what does not fit or cannot
    finish, before any work: the Grams' paths (:func:`plan_grams`), φ(W0X), and the matrix-free spectra's work.
    Returns the plans.  ``opcheck report`` calls it for its largest points before it starts."""
    gram_plans = plan_grams(n, d0, d1, d2, blocks, too_big)
    for plan in gram_plans.values():
        plan.require()
    plan_memory(n, d0, d1, d2, matrix_free_blocks(gram_plans, d0, d1, scheduler))
    return gram_plans


def plan_memory(n: int, d0: int, d1: int, d2: int, matrix_free: tuple[str, ...] = JACOBIAN_BLOCKS) -> None:
    """Refuse if φ(W0X) cannot be held, or if the Gram blocks planned matrix-free (``matrix_free``) cannot finish."""
    base = memory.float64_bytes((d1, n), (d1, n), (d1, n), (d1, d0), (d2, d1), (n, n))
    memory.require(
        base,
        f"phi(W0 X) and phi'(W0 X) at width d1 = {d1}, n = {n}",
        "use a smaller --width or a smaller sample with --n",
    )
    flops = matrix_free_flops(n, d0, d1, d2, matrix_free) if matrix_free else 0.0
    work.require(flops, f"the matrix-free Jacobian spectrum (J J^T of order d2 n = {d2 * n}, too large to form)",
                 "use a smaller --d2 or --n")


# ------------------------------------------------------------------------ main
@blas_guard.crash_capped(lambda a: a["dataset"].d2 * a["dataset"].n)
def run_verify(dataset: Dataset, config: VerifyConfig, params: Params | None = None, progress: Callable[[str], None] | None = None) -> VerifyResult:
    """Compute every hypothesis of Theorem 3 at Θ0 (see module docstring).

    One linear pipeline on purpose: plan memory, sample or load Θ0, data spectra,
    forward pass, Jacobian spectra (with certified intervals), Lemma 3 constants,
    conditions — each stage a call, timed in order by ``lap``; splitting it would only
    pass the same dozen intermediate values between functions.  BLAS runs on one thread
    when the Gram's order d2·n is one that crashes OpenBLAS's multi-threaded AVX-512
    kernels (:func:`opcheck._runtime.blas_guard.crash_cap`).
    """
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    validation.magnitude(config.constant, "--constant", *validation.CONSTANT_RANGE, " (the universal constant of the O(.) bounds)")
    validation.positive_finite(config.kappa_max, "--kappa-max")
    validation.positive_finite(config.lr, "--lr")
    constants = config.constants()
    act = get_activation(config.activation)
    n, d0, d2 = dataset.n, dataset.d0, dataset.d2
    if params is not None:
        check_params(params, dataset)
    d1 = resolve_width(dataset, config, params)
    nominal = init_scales(config.init, d0, d1, d2, config.omega1, config.omega2)
    blocks = jacobian_blocks(config.w_block)
    gram_plans = plan_verify(n, d0, d1, d2, blocks, config.too_big, config.scheduler)
    loaded = params is not None
    if params is None:
        params = sample_params(nominal, d0, d1, d2, rng(config.seed, "init"))
    measured = measure_init(params)
    X = dataset.X

    say("data spectra: sigma_max(X), sigma_min(X^{*t}), sample geometry")
    sx = spectra.matrix_singular_extremes(X)
    kr = khatri_rao_extremes(X, T_RANGE, config.seed)
    geom = sample_geometry(X)
    lap("data_spectra")

    say("forward pass, sigma_max(V0)")
    fw = forward(params, X, act)
    sv0 = spectra.matrix_singular_extremes(params.V)
    lap("phi_spectrum")

    say("phi(W0 X) and Jacobian spectra")
    # mu_Phi = sigma_min(phi(W0 X)) from the V-block Gram A^T A, formed once and shared with J J^T
    ext = jacobian_extremes(params.V, fw.A, fw.B, X, blocks, config.seed, plans=gram_plans, scheduler=config.scheduler, progress=say)
    sa, sj = ext["second"], ext["both"]
    sj = _floor_by_v_block(sj, sa)
    lap("jacobian_spectrum")

    R = fw.Z - dataset.Y
    l3 = lemma3_constants(sx.sigma_max, sa.sigma_min, sa.sigma_max, sv0.sigma_max, act.dphi_max.value, act.ddphi_max.value, float(np.vdot(R, R)))
    reqs_unit = [width_requirement(act, k.t, sx.sigma_max, k.sigma_min, n, constants.c20, 1.0) for k in kr]
    reqs_init = [width_requirement(act, k.t, sx.sigma_max, k.sigma_min, n, constants.c20, measured.omega1) for k in kr]
    facts = rows_mod.Facts(
        n=n, d0=d0, d1=d1, data_ok=dataset.assumption2()[0], data_why=dataset.assumption2()[1], normalized=dataset.normalized,
        act=act, init=measured, nominal=nominal, loaded=loaded, kappa_max=config.kappa_max, kappa_band=kappa_sampling_band(d0, d1, d2), l3=l3,
        sigma_min_j=sj.sigma_min, sigma_min_j_note=sj.note, sigma_min_j_interval=S.sigma_interval(sj), mu_note=sa.note, mu_interval=S.sigma_interval(sa),
        constants=constants, lr=config.lr, best_init=S.best(reqs_init), best_unit=S.best(reqs_unit), reqs_init=tuple(reqs_init),
        headline=headline_requirement(n, d0, constants.c21),
        causes=causes(geom, d1, l3.mu, act, dataset.standardized),
        extrapolation=extrapolate_width(l3, d1, constants.c9),
    )
    conds = rows_mod.rows(facts)
    lap("lemma3_and_conditions")

    return VerifyResult(
        data={**dataset.summary(), "d1": d1},
        init=S.init_summary(measured, nominal, loaded, config.seed, d0, d1),
        activation=S.activation_summary(act, measured.omega1),
        quantities=quantity_table(l3, {"x": sx, "phi": sa, "v0": sv0, "j": sj, **({"w": ext["first"]} if "first" in ext else {})},
                                  sa.note, measured, constants, kr),
        spectra={
            "x": S.spectrum(sx),
            "phi_w0x": S.spectrum(sa),
            "v0": S.spectrum(sv0),
            "jacobian": S.spectrum(sj),
            **({"jacobian_w_block": S.spectrum(ext["first"])} if "first" in ext else {}),
            "jacobian_v_block": S.spectrum(sa),
        },
        khatri_rao=[k.as_dict() for k in kr],
        width_requirements=S.width_summary(reqs_unit, reqs_init, facts),
        conditions=conds,
        verdict=verdict_lines(conds, facts),
        timings=timings,
        constants=constants,
        implied_constants=S.implied_at_init(facts),
        lemma3=l3,
        geometry=geom,
        causes=facts.causes,
        extrapolation=facts.extrapolation,
        params=params,
        dataset=dataset,
    )


def _floor_by_v_block(sj: spectra.Extremes, sa: spectra.Extremes) -> spectra.Extremes:
    """σ_min(J) ≥ σ_min(φ(W0X)) = μ_Φ, because J Jᵀ = I ⊗ AᵀA + (PSD W-block).

    When λ_min(J Jᵀ) is below the Gram's resolution (reported as 0) but μ_Φ,
    computed by SVD of φ(W0X) itself with far finer resolution, is positive, the
    Gram's 0 is a rounding floor, not a zero: report the certified lower bound
    μ_Φ instead, and say that σ_min(J) lies in [μ_Φ, √resolution].
    """
    if sj.lambda_min > 0 or sa.sigma_min <= 0 or sj.method == spectra.Method.STRUCTURAL.value:
        return sj
    upper = math.sqrt(sj.resolution)
    note = (f"lambda_min(J J^T) is below the Gram's resolution {sj.resolution:.2e}; sigma_min(J) lies in "
            f"[mu_Phi, {upper:.3g}] and the certified lower bound mu_Phi = {sa.sigma_min:.3g} is reported")
    iv = sj.lambda_min_interval
    if iv is not None and sa.lambda_min_interval is not None:  # J Jᵀ ⪰ I ⊗ AᵀA: λ_min(J Jᵀ) ≥ λ_min(AᵀA) ≥ its certified lo
        iv = iv.with_lower(sa.lambda_min_interval.lo, sa.lambda_min_interval.lo_by)
    return spectra.Extremes(sa.sigma_min**2, sj.lambda_max, sj.method, sj.iterations, sj.residual_min, sj.residual_max, sj.resolution, note,
                            iv, sj.lambda_max_interval)
