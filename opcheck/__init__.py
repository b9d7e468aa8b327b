"""opcheck — a theorem checker for shallow overparameterized networks.

Paper: C. Song, A. Ramezani-Kebrya, T. Pethick, A. Eftekhari, V. Cevher,
"Subquadratic Overparameterization for Shallow Neural Networks", NeurIPS 2021.

Catalogue (public API)
----------------------
Activations
    get_activation -- φ, φ', φ'', sup constants, Hermite coefficients, Assumption 2 bullets
Data
    load_samples, prepare_dataset -- load .npy/.npz/.csv/built-in data, validate, normalise
Network
    init_params, forward -- initialisation schemes (LeCun, He, Xavier) and x ↦ V φ(W x)
Spectra
    jacobian_gram -- the structured J Jᵀ (never the explicit Jacobian)
    extreme_eigenvalues -- λ_min/λ_max with solver health (dense, shift-invert, Lanczos)
Verification
    run_verify -- the hypotheses of Theorem 3 as a plain result object

Every reported number carries its source: ``paper`` or ``derived`` (theory.md).
"""
from opcheck import _blas_guard

_blas_guard.apply()  # before anything imports numpy: see opcheck/_blas_guard.py

__version__ = "0.1.0"
