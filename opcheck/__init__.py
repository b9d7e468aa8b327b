"""opcheck — a theorem checker for shallow overparameterized networks.

Paper: C. Song, A. Ramezani-Kebrya, T. Pethick, A. Eftekhari, V. Cevher,
"Subquadratic Overparameterization for Shallow Neural Networks", NeurIPS 2021.

Python API (each mirrors the command of the same name; see ``help(opcheck.verify)``)
-----------------------------------------------------------------------------------
verify(X, y=None, *, width=None, activation="gelu", init="lecun", seed=0, ...) -> VerifyResult
    The hypotheses of Theorem 3 at initialization: Lemma 3, (9), (13), (19), (20), (21).
train(X, y=None, *, steps=1000, lr=None, tol=None, layers="both", ...) -> VerifyResult
    Gradient descent from Θ0 and the theorem's conclusions (Lemma 1, Lemma 2, rate (14)).
bound(n=..., d0=..., *, activation="gelu", ...) -> BoundResult
    The width each theorem requires: (20)/(21) beside prior results (sympy registry).
report(X=None, y=None, *, out="opcheck-report", quick=False, ...) -> ReportResult  (help: opcheck.api.report)
    Sweeps of width, sample size and init ratio, written as HTML, Markdown and JSON.
docs_path() -> pathlib.Path
    The installed copy of docs/theory.md, the mathematics every [derived] label cites.

Results have ``.to_dict()`` and ``.to_json()`` (the command's ``--json`` keys) and show
as a table in Jupyter.  Bad input raises :class:`opcheck.errors.InputError`.

>>> import opcheck
>>> opcheck.bound(n=10000, d0=100, theorems=["song2021-21"]).width("song2021-21")
10000

Layout (imports flow one way: commands -> report/render -> checks/theory ->
linalg/model/data -> _runtime; ``tests/test_layering.py`` enforces it)
----------------------------------------------------------------------------
_runtime/   blas_guard (OpenBLAS kernel guard), blas_spin (idle-thread polling), memory (planner), seeding
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

Every reported number carries its source: ``paper``, ``derived`` (docs/theory.md)
or ``measured``.
"""
from opcheck._runtime import blas_guard as _blas_guard
from opcheck._runtime import blas_spin as _blas_spin

_blas_guard.apply()  # before anything imports numpy: see opcheck/_runtime/blas_guard.py
_blas_spin.apply()  # likewise: numpy's and scipy's OpenBLAS pools stop polling after ~1 ms

__version__ = "0.1.0"

__all__ = ["BoundResult", "InputError", "ReportResult", "VerifyResult", "bound", "docs_path", "report", "train", "verify", "__version__"]

_API = {"verify", "train", "bound", "docs_path", "VerifyResult", "BoundResult", "ReportResult"}


def _callable_report_package() -> None:
    """``opcheck.report`` is both the sub-package (sweeps, fits, writer) and the API function.

    Python binds ``opcheck.report`` to the sub-package as soon as any of its modules is
    imported, so a function of that name would be shadowed.  Instead the sub-package's
    module object is made callable: ``opcheck.report(X, out=...)`` runs
    :func:`opcheck.api.report`, and ``opcheck.report.writer`` etc. stay modules.
    ``opcheck/report/__init__.py`` imports nothing, so this costs nothing at import.
    """
    import sys
    import types

    from opcheck import report as package

    class _ReportPackage(types.ModuleType):
        def __call__(self, *args, **kwargs):
            from opcheck.api import report

            return report(*args, **kwargs)

    package.__class__ = _ReportPackage
    sys.modules[package.__name__] = package


_callable_report_package()


def __getattr__(name: str):
    """Import the API on first use: ``import opcheck`` loads neither numpy nor sympy."""
    if name in _API:
        from opcheck import api

        return getattr(api, name)
    if name == "InputError":
        from opcheck.errors import InputError

        return InputError
    raise AttributeError(f"module 'opcheck' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(__all__))
