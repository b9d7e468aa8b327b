"""The paper's Table 1 (theory.md §8), each row read as the paper's text reads it.

Widths and parameter counts are both reported: where the text counts parameters
(Oymak & Soltanolkotabi, Kawaguchi & Huang, Song & Yang: d0 d1 ≳ …; Zou & Gu,
Allen-Zhu et al.: total parameters) the width is derived from the count.  A row
without an explicit constant is evaluated with constant C = 1 and says so.
"""
from __future__ import annotations

import sympy as sp

from opcheck.theory import symbols as S
from opcheck.theory.entries import PAPER, SCALING, SHALLOW_PARAMS, Part, WidthTheorem

PRIOR_RESULTS: tuple[WidthTheorem, ...] = (
    WidthTheorem(
        key="oymak2020",
        name="Oymak & Soltanolkotabi 2020",
        citation="S. Oymak, M. Soltanolkotabi, 'Toward moderate overparameterization: global convergence "
        "guarantees for training shallow neural networks', IEEE JSAIT 2020",
        trained="first layer",
        activation="smooth or ReLU",
        init="random Gaussian",
        setting="quadratic loss",
        width=S.C * S.n**2 / S.d0,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2); the theorem counts d0*d1 >~ n^2",
        source=PAPER,
        parts=(Part("d0 d1 >~ n^2", PAPER),),
        stated_exponent=sp.Integer(2),
    ),
    WidthTheorem(
        key="kawaguchi2019",
        name="Kawaguchi & Huang 2019",
        citation="K. Kawaguchi, J. Huang, 'Gradient descent finds global minima for generalizable deep "
        "neural networks of practical sizes', Allerton 2019",
        trained="last layer",
        activation="any",
        init="random",
        setting="convex Lipschitz loss",
        width=S.C * S.n / S.d0,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2); the paper's text reads Omega~(n) parameters, so d0 d1 >~ n",
        source=SCALING,
        parts=(Part("Omega~(n) parameters (Table 1: Omega(n))", SCALING),),
        stated_exponent=sp.Integer(1),
        note="read as the paper's text: Omega~(n) parameters, i.e. width n/d0 (sqrt(n) below (21))",
    ),
    WidthTheorem(
        key="song-yang2019",
        name="Song & Yang 2019",
        citation="Z. Song, X. Yang, 'Quadratic suffices for over-parametrization via matrix Chernoff bound', "
        "arXiv:1906.03593, 2019",
        trained="first layer",
        activation="ReLU",
        init="random Gaussian",
        setting="separable data",
        width=S.C * S.n**2 / S.d0,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2); the paper's text reads Omega~(n^2) parameters, so d0 d1 >~ n^2",
        source=SCALING,
        parts=(Part("Omega~(n^2) parameters (Table 1: Omega(n^2))", SCALING),),
        stated_exponent=sp.Integer(2),
        note="read as the paper's text: Omega~(n^2) parameters, as for Oymak & Soltanolkotabi",
    ),
    WidthTheorem(
        key="du2019",
        name="Du et al. 2019",
        citation="S. S. Du, X. Zhai, B. Poczos, A. Singh, 'Gradient descent provably optimizes "
        "over-parameterized neural networks', ICLR 2019",
        trained="first layer",
        activation="ReLU",
        init="random Gaussian, fixed random signs in layer 2",
        setting="separable data, quadratic loss",
        width=S.C * S.n**6 / (S.lambda0**4 * S.delta**3),
        parameters=SHALLOW_PARAMS,
        parameters_note="m (d0 + d2) [derived]",
        source=PAPER,
        parts=(
            Part("m = Omega(n^6 / (lambda0^4 delta^3))", PAPER),
            Part("lambda0 = lambda_min(H_inf) (--lambda0 or from --data)", PAPER),
        ),
        stated_exponent=sp.Integer(6),
        note="lambda0 is held fixed when solving for n (it depends on the data)",
    ),
    WidthTheorem(
        key="zou-gu2019",
        name="Zou & Gu 2019",
        citation="D. Zou, Q. Gu, 'An improved analysis of training over-parameterized deep neural "
        "networks', NeurIPS 2019",
        trained="all layers, depth L",
        activation="ReLU",
        init="random Gaussian",
        setting="separable data, quadratic loss",
        width=S.C * S.n**8 * S.L**12 / (S.d0 + S.d2),
        parameters=S.C * S.n**8 * S.L**12,
        parameters_note="the paper's text reads the scaling as the total number of parameters",
        source=SCALING,
        parts=(Part("Omega(n^8 L^12) total parameters", SCALING),),
        note="width = parameters/(d0 + d2): a depth-1 network with that many parameters; at depth L > 1 the per-layer width solves d0 d1 + (L-1) d1^2 + d1 d2 = parameters",
        stated_exponent=sp.Integer(8),
    ),
    WidthTheorem(
        key="allen-zhu2019",
        name="Allen-Zhu et al. 2019",
        citation="Z. Allen-Zhu, Y. Li, Z. Song, 'A convergence theory for deep learning via "
        "over-parameterization', ICML 2019",
        trained="all layers (SGD), depth L",
        activation="ReLU",
        init="random Gaussian",
        setting="separable data, quadratic loss",
        width=S.C * S.n**24 * S.L**12 / (S.d0 + S.d2),
        parameters=S.C * S.n**24 * S.L**12,
        parameters_note="the paper's text reads the scaling as the total number of parameters",
        source=SCALING,
        parts=(Part("Omega(n^24 L^12) total parameters", SCALING),),
        note="width = parameters/(d0 + d2): a depth-1 network with that many parameters; at depth L > 1 the per-layer width solves d0 d1 + (L-1) d1^2 + d1 d2 = parameters",
        stated_exponent=sp.Integer(24),
    ),
    WidthTheorem(
        key="nguyen-mondelli2020",
        name="Nguyen & Mondelli 2020",
        citation="Q. Nguyen, M. Mondelli, 'Global convergence of deep networks with one wide layer "
        "followed by pyramidal topology', NeurIPS 2020",
        trained="all layers",
        activation="smooth",
        init="lazy (LeCun-type) initialization, pyramidal widths",
        setting="quadratic loss, lazy regime",
        width=S.C * S.n,
        parameters=SHALLOW_PARAMS,
        parameters_note="first wide layer and output only: d1 (d0 + d2), a lower bound [derived]",
        source=SCALING,
        parts=(Part("subquadratic (the paper's words); '~ n' is Rolland et al.'s reading", SCALING),),
        stated_exponent=sp.Integer(1),
        note="the paper calls it subquadratic; the width ~ n evaluated here is Rolland et al.'s reading, not this paper's",
    ),
)

#: later work, not in Table 1: a reference line for measured exponents (theory.md §8)
LATER_WORK: tuple[WidthTheorem, ...] = (
    WidthTheorem(
        key="bombari2022",
        name="Bombari et al. 2022 (later work)",
        citation="S. Bombari, M. H. Amani, M. Mondelli, 'Memorization and Optimization in Deep Neural Networks "
        "with Minimum Over-parameterization', NeurIPS 2022 (later work, not in the paper's Table 1)",
        trained="all layers (deep networks)",
        activation="smooth",
        init="Gaussian",
        setting="NTK lower bound once parameters = Omega~(n); shallow reading at fixed d0",
        width=S.C * S.n / S.d0,
        parameters=SHALLOW_PARAMS,
        parameters_note="d1 (d0 + d2); the work counts Omega~(n) parameters (the memorisation-capacity scale)",
        source=SCALING,
        parts=(Part("Omega~(n) parameters, read as width n/d0 for x -> V phi(W x)", SCALING),),
        stated_exponent=sp.Integer(1),
        note="later work, not in Table 1: a reference line for measured exponents (exponent 1, the memorisation-capacity scale)",
    ),
)
