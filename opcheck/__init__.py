"""opcheck — a theorem checker for shallow overparameterized networks.

Paper: C. Song, A. Ramezani-Kebrya, T. Pethick, A. Eftekhari, V. Cevher,
"Subquadratic Overparameterization for Shallow Neural Networks", NeurIPS 2021.

Catalogue (modules; each has one idea and cites the paper's equations)
----------------------------------------------------------------------
Activations and data
    activations.get_activation    φ, φ', φ'', sup constants, Hermite c_i(s), Assumption 2 bullets
    loaders.load_file / load_builtin   .npy/.npz/.csv and built-in digits/sphere, validated
    data.prepare_dataset          subset, labels, Assumption 2 normalisation -> Dataset (X d0×n, Y d2×n)
Network and Jacobian
    network.init_scales / sample_params / forward / loss     eqs. (15)–(17), κ_init of (19)
    jacobian.jvp / vjp            J v and Jᵀ u without forming J
    gram.jacobian_gram            the structured J Jᵀ = I ⊗ AᵀA + [K ⊙ Bᵀ diag(V_k V_k') B]
    spectra.gram_extremes / operator_extremes   λ_min, λ_max with solver health
    khatri_rao.khatri_rao_extremes            σ(X^{*t}) via (XᵀX)^{∘t}
Hypotheses (opcheck verify)
    verify.run_verify             Lemma 3, PL constants, conditions (9), (13), (19), (20), (21)
    width_bound / theory.xi       (20) with the derived ξ_t, headline (21)
Conclusions (opcheck verify --train)
    gradients, hessian            ∇h and exact Hessian-vector products of (16); Lanczos extremes
    dynamics.train                gradient descent with ball, rate (14), laziness tracking
    lipschitz, smoothness         measured Lipschitz lower estimate of J beside β_Φ
    conclusions.check_conclusions the conclusions as condition rows
Bounds (opcheck bound)
    theory                        the theorem registry (sympy), evaluation, solve-for-n
Report (opcheck report)
    report                        sweeps, fits, plots, atomic HTML/Markdown/JSON writer

Every reported number carries its source: ``paper`` or ``derived`` (theory.md).
"""
from opcheck import _blas_guard

_blas_guard.apply()  # before anything imports numpy: see opcheck/_blas_guard.py

__version__ = "0.1.0"
