"""opcheck — a theorem checker for shallow overparameterized networks.

Paper: C. Song, A. Ramezani-Kebrya, T. Pethick, A. Eftekhari, V. Cevher,
"Subquadratic Overparameterization for Shallow Neural Networks", NeurIPS 2021.

Layout (imports flow one way: commands -> report/render -> checks/theory ->
linalg/model/data -> _runtime; ``tests/test_layering.py`` enforces it)
----------------------------------------------------------------------------
_runtime/   blas_guard (OpenBLAS kernel guard), memory (planner), seeding
data/       loaders (.npy/.npz/.csv, built-ins), prepare (Assumption 2 -> Dataset), splits
model/      activations (φ, φ', φ'', sups, Hermite c_i(s)), network (eqs. 15-17, κ_init of 19)
linalg/     jacobian (J v, Jᵀ u), gram (structured J Jᵀ), spectra (eigen-solvers with health),
            jacobian_spectrum, khatri_rao (σ(X^{*t})), loss_derivatives (∇h, Hessian products),
            hessian_spectrum (Lanczos extremes of the Hessian)
checks/     records (typed results), hypotheses (Lemma 3, (9), (13), (19), (20), (21)),
            width_requirements, gradient_descent, smoothness, lipschitz, conclusions
theory/     the sympy registry of this paper's and prior bounds, ξ, evaluation
report/     sweeps, fits, findings, plots, the atomic HTML/Markdown/JSON writer
render/     terminal views and strict JSON
commands/   the Typer commands verify, bound, report

Every reported number carries its source: ``paper`` or ``derived`` (theory.md).
"""
from opcheck._runtime import blas_guard as _blas_guard

_blas_guard.apply()  # before anything imports numpy: see opcheck/_runtime/blas_guard.py

__version__ = "0.1.0"
