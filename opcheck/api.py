"""The Python API: :func:`verify`, :func:`train`, :func:`bound`, :func:`report`.

Each function does what the command of the same name does (the steps are shared,
:mod:`opcheck.commands.pipeline`) and returns a result object instead of printing:
``.to_dict()`` is the command's JSON document (the same keys, ``schema_version``
first), ``.to_json()`` its strict-JSON text, and in Jupyter the result shows as a
compact table (``_repr_html_``).  Bad input raises :class:`opcheck.errors.InputError`
with the one-line message the command would print.

Samples are **rows** (``X`` is n × d0), as on the command line; labels ``y`` are
1-D class labels or an n × d2 array of targets.
"""
from __future__ import annotations

import os
from pathlib import Path

from opcheck.errors import InputError
from opcheck.render.api_results import BoundResult, ReportResult, VerifyResult

__all__ = ["BoundResult", "ReportResult", "VerifyResult", "bound", "docs_path", "report", "train", "verify"]


def _raw(X, y, *, n, d0, label_column, seed):
    """``(RawSamples, n)`` from an array, a file, a built-in name or ``None`` (the digits).

    ``n`` is the subset to take, as ``opcheck verify`` chooses it (digits: 1000 by default).
    """
    import numpy as np

    from opcheck.commands.common import default_subset, load_raw
    from opcheck.data.loaders import BUILTIN, RawSamples, validate_labels, validate_samples

    if X is None or (isinstance(X, str) and X.strip().lower() in BUILTIN and not os.path.exists(X)):
        if y is not None:
            raise InputError("y applies to your own samples X, not to a built-in dataset")
        name = "digits" if X is None else X.strip().lower()
        n = default_subset(None, name, n)
        return load_raw(None, name, n, d0, None, seed), n
    if isinstance(X, (str, os.PathLike)):
        if y is not None:
            raise InputError("y applies to an array X; a file brings its own labels")
        return load_raw(Path(X), None, n, d0, label_column, seed), n
    Xa = validate_samples(np.asarray(X), "X")
    ya = validate_labels(None if y is None else np.asarray(y), Xa.shape[0], "y")
    classes = ya is not None and ya.ndim == 1 and np.issubdtype(ya.dtype, np.integer)
    return RawSamples(Xa, ya, f"array ({Xa.shape[0]} x {Xa.shape[1]})", bool(classes)), n


def verify(X=None, y=None, *, width=None, activation="gelu", init="lecun", seed=0, n=None, d0=None, labels="teacher", d2=1,
           normalize=True, standardize=False, omega1=None, omega2=None, constant=1.0, c13=None, c14=None, c_path=None, c20=None,
           c21=None, kappa_max=2.0, lr=None, label_column=None, params=None, w_block=False, _train=None) -> VerifyResult:
    """Check the hypotheses of Theorem 3 at initialization (``opcheck verify``).

    Parameters
    ----------
    X : array_like (n, d0), str or path, optional
        Samples as rows; or a .npy/.npz/.csv file; or ``"digits"`` / ``"sphere"``.
        Default: the built-in digits (a seeded subset of 1000 of 1797, as the command).
    y : array_like (n,) or (n, d2), optional
        Class labels (integers, one-hot encoded) or targets; default: a random teacher
        network of the same architecture (``labels``).
    width : int, optional
        Hidden width d1; default ``ceil(n^{3/2}/d0)`` (eq. 21 with C = 1), at least n.
    activation : {"gelu", "softplus", "tanh", "sigmoid", "silu", "relu"}
    init : {"lecun", "he", "xavier"}
        Gaussian init (17); ``omega1``/``omega2`` override the scales.
    seed : int
        One seed for every random stream (subset, init, teacher, Lanczos).
    constant : float
        C9, the universal constant hidden by O(.) in (9); ``c13``, ``c14``, ``c_path``,
        ``c20``, ``c21`` set the others (default: the mapping of docs/theory.md).
    kappa_max : float
        Threshold of (19) on ``kappa_init = omega1 omega2 sqrt(d0 d1)``.
    lr : float or "theorem", optional
        A step size to check against (13) (``"theorem"``: the (13) step, with :func:`train`).
    standardize : bool
        Z-score every feature before the unit-norm scaling.
    params : tuple (W0, V0), optional
        Θ0 to use instead of sampling (W0 is d1 × d0, V0 is d2 × d1).
    w_block : bool
        Also compute σ_min, σ_max of the first-layer block J_W (``--w-block``): no
        hypothesis uses them, and σ_min(J_W) costs one more Cholesky factorisation of
        order d2·n.  Without it the ``*_jacobian_w_block`` keys are absent.

    Returns
    -------
    VerifyResult
        ``.all_hold``, ``.conditions``, ``.quantities``, ``.to_dict()`` (the keys of
        ``opcheck verify --json``), ``.to_json()``.

    References
    ----------
    Song et al. (NeurIPS 2021): Lemma 3 (μ, ν, β), Lemma 1 (ρ, PL), conditions (9),
    (13), (19), (20), (21).  ``docs/theory.md`` derives every [derived] step.

    Examples
    --------
    >>> import numpy as np, opcheck
    >>> X = np.random.default_rng(0).standard_normal((12, 4))
    >>> r = opcheck.verify(X, width=60, seed=1)
    >>> r
    <VerifyResult n=12 d0=4 d1=60: ... of ... conditions hold>
    >>> r.quantities["mu_phi"] > 0, r.to_dict()["schema_version"]
    (True, 2)
    """
    from opcheck.commands.pipeline import VerifyOptions, run_verify_pipeline
    from opcheck.model.network import Params
    from opcheck.render.json_out import VERIFY_SCHEMA_VERSION

    raw, n = _raw(X, y, n=n, d0=d0, label_column=label_column, seed=seed)
    p0 = None if params is None else Params(*(_float_matrix(a, name) for a, name in zip(params, ("W0", "V0"))))
    train_kw = _train or {}
    opts = VerifyOptions.make(n=n, labels=labels, d2=d2, normalize=normalize, standardize=standardize, lr=lr, train=bool(train_kw), **train_kw,
                              activation=activation, init=init, omega1=omega1, omega2=omega2, width=width, seed=seed, constant=constant,
                              c13=c13, c14=c14, c_path=c_path, c20=c20, c21=c21, kappa_max=kappa_max, w_block=bool(w_block))
    run = run_verify_pipeline(raw, opts, params=p0)
    return VerifyResult(run.document, VERIFY_SCHEMA_VERSION, run.hypotheses, run.conclusions)


def _float_matrix(a, name: str):
    import numpy as np

    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2:
        raise InputError(f"{name} must be 2-D, got shape {a.shape}")
    return a


def train(X=None, y=None, *, steps=1000, lr=None, tol=None, layers="both", sigma_points=4, **verify_options) -> VerifyResult:
    """Run gradient descent from Θ0 and check the theorem's conclusions (``opcheck verify --train``).

    Parameters
    ----------
    X, y
        As for :func:`verify`; every other keyword of :func:`verify` applies too.
    steps : int
        Full-batch gradient-descent steps on h (eq. 16).
    lr : float, optional
        Step size; default ``1/lambda_max`` of the Hessian of h at Θ0 [derived].
    tol : float, optional
        Stop once ``h < tol``; default ``1e-8 h0``.
    layers : {"both", "first", "second"}
        Train both layers (the paper), W only, or V only (prior results' setting).
    sigma_points : int
        Log-spaced steps at which ``sigma_min(J)`` is measured against μ/2 (Lemma 1).

    Returns
    -------
    VerifyResult
        With ``.training`` (loss curve and summaries such as ``c_emp``, the empirical
        constant of the rate (14)) and the conclusions' condition rows.

    Examples
    --------
    >>> import numpy as np, opcheck
    >>> X = np.random.default_rng(0).standard_normal((10, 3))
    >>> r = opcheck.train(X, width=40, steps=30, sigma_points=0, seed=2)
    >>> r.training["steps_run"], r.training["final_loss"] < r.training["initial_loss"]
    (30, True)
    """
    return verify(X, y, _train={"steps": steps, "tol": tol, "train_layers": layers, "sigma_points": sigma_points}, lr=lr, **verify_options)


def bound(n=None, d0=None, *, d2=1, activation="gelu", init="lecun", t=None, constant=1.0, batch_size=None, depth=1, lambda0=None,
          delta=None, solve_for="d1", width=None, theorems=(), data=None, seed=0) -> BoundResult:
    """The width each theorem requires, this paper's (20)/(21) beside prior results (``opcheck bound``).

    Parameters
    ----------
    n, d0 : int
        Samples and input dimension (the §5.3 order analysis), unless ``data`` is given.
    activation, init
        φ and the init scheme whose Hermite coefficients give ξ of (20) [derived].
    t : int, optional
        Khatri-Rao power of (20); default: every t in 1..6, the smallest width wins.
    constant : float
        The universal constant C of every bound.
    solve_for : {"d1", "n"}
        ``"n"``: the largest n each theorem certifies at ``width``.
    theorems : sequence of str
        Registry keys to keep, e.g. ``("song2021-21", "du2019")``.
    data : str or path, optional
        Samples file, or ``"digits"``/``"sphere"``: their measured spectra replace the assumptions.

    Returns
    -------
    BoundResult
        ``.width(key)``, ``.to_dict()`` (the keys of ``opcheck bound --json``).

    Examples
    --------
    >>> import opcheck
    >>> b = opcheck.bound(n=10000, d0=100, theorems=["song2021-21"])
    >>> b.width("song2021-21")
    10000
    """
    from opcheck.commands.pipeline import run_bound
    from opcheck.data.loaders import BUILTIN
    from opcheck.render.json_out import BOUND_SCHEMA_VERSION
    from opcheck.theory.request import DEFAULT_DELTA, BoundRequest

    builtin = isinstance(data, str) and data.strip().lower() in BUILTIN and not os.path.exists(data)
    req = BoundRequest(n=n, d0=d0, d2=d2, activation=activation, init=init, t=t, constant=constant, batch_size=batch_size, depth=depth,
                       lambda0=lambda0, delta=DEFAULT_DELTA if delta is None else delta, solve_for=solve_for, width=width, theorems=tuple(theorems))
    rep = run_bound(req, data=None if builtin else data, dataset=data.strip().lower() if builtin else None, seed=seed)
    return BoundResult(rep.as_dict(), BOUND_SCHEMA_VERSION, rep)


def report(X=None, y=None, *, out="opcheck-report", quick=False, n=None, sweeps=None, seed=0, activation="gelu", init="lecun",
           constant=1.0, steps=None, tol=1e-2, lr=None, test_fraction=0.2, labels="teacher", d2=1, d0=None, jobs=None,
           force=False, scheduler=None, seeds=3, n_max=None, gd_budget=1000) -> ReportResult:
    """Sweeps, plots and a written report (``opcheck report``): HTML, Markdown, results.json.

    Parameters
    ----------
    X, y
        As for :func:`verify` (default: the built-in digits).
    out : str or path
        The report folder (an earlier opcheck report there is replaced).
    quick : bool
        Smaller grids and 100 GD steps.
    sweeps : str, optional
        ``"thresholds,width,samples,init-ratio"`` (default all), or ``"no-samples"`` to skip one.
    jobs : int, optional
        Local Dask worker processes (default: the CPU count); no number depends on it.
    scheduler : str, optional
        ``"tcp://HOST:PORT"`` of a running Dask scheduler, or ``"serial"`` (this process).
    seeds, n_max, gd_budget
        Init seeds per threshold, the largest n of the threshold grids, GD steps per threshold run.

    Returns
    -------
    ReportResult
        ``.path`` (the folder) and ``.to_dict()`` (results.json).

    Examples
    --------
    >>> import numpy as np, opcheck, tempfile, pathlib
    >>> X = np.random.default_rng(0).standard_normal((40, 6))
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "r"
    >>> r = opcheck.report(X, out=folder, quick=True, n=8, steps=3, sweeps="width", test_fraction=0, scheduler="serial")
    >>> sorted(p.name for p in r.path.iterdir() if p.suffix != ".png")
    ['.opcheck-report', 'report.html', 'report.md', 'results.json']
    """
    from opcheck._runtime import validation
    from opcheck.commands.pipeline import finish_report, prepare_report
    from opcheck.report.config import DEFAULT_STEPS, QUICK_STEPS, ReportConfig, parse_sweeps, validate
    from opcheck.report.writer import destination_mode

    config = ReportConfig(activation=activation, init=init, seed=seed, constant=constant, tol=tol, lr=lr, test_fraction=test_fraction,
                          steps=steps if steps is not None else (QUICK_STEPS if quick else DEFAULT_STEPS), sweeps=parse_sweeps(sweeps),
                          quick=quick, n=n, seeds=seeds, n_max=n_max, gd_budget=gd_budget)
    validate(config)
    validation.positive_int(jobs, "jobs")
    from opcheck.commands.pipeline import report_scheduler

    scheduler = report_scheduler(scheduler)
    out = Path(out)
    destination_mode(out, force)
    if isinstance(X, str) and X.strip().lower() == "sphere":
        from opcheck.commands.pipeline import report_raw

        raw = report_raw(None, "sphere", n, d0, None, seed, config)
    else:
        raw, _ = _raw(X, y, n=None, d0=d0, label_column=None, seed=seed)
    prepared = prepare_report(raw, config, labels=labels, d2=d2, key="sphere" if isinstance(X, str) else "data")
    run = finish_report(prepared, config, out=out, force=force, jobs=jobs, scheduler=scheduler, command_line="opcheck.report(...) (Python API)",
                        inputs={"out": str(out), "data": raw.source, "labels": labels, "d2": d2})
    return ReportResult(run.document, None, run.written.path)


def docs_path(name: str = "theory.md") -> Path:
    """The installed copy of one of the project's manuals (``docs/NAME`` in the repository).

    ``theory.md`` is the mathematics that every ``[derived]`` label and every
    ``theory.md §N`` in opcheck's output refers to.

    Examples
    --------
    >>> import opcheck
    >>> opcheck.docs_path().name
    'theory.md'
    """
    from opcheck._runtime.manuals import path

    return path(name)
