"""The inputs of ``opcheck bound`` and their validation (bad input → InputError, exit 2)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from opcheck._runtime import validation
from opcheck.errors import InputError

SOLVE_FOR = ("d1", "n")
#: λ0 default: the largest λ_min(H∞) possible for unit-norm samples (H∞_ii = 1/2),
#: i.e. the value most favourable to Du et al.
DEFAULT_LAMBDA0 = 0.5
#: δ default: failure probability 0.1 (guarantee with probability ≥ 0.9)
DEFAULT_DELTA = 0.1


@dataclass(frozen=True)
class BoundRequest:
    """What the user asked for; ``None`` means "not given" (a documented default applies)."""

    n: int | None = None
    d0: int | None = None
    d2: int = 1
    activation: str = "gelu"
    init: str = "lecun"
    t: int | None = None
    constant: float = 1.0
    batch_size: int | None = None
    depth: int = 1
    lambda0: float | None = None
    delta: float = DEFAULT_DELTA
    solve_for: str = "d1"
    width: float | None = None
    theorems: tuple[str, ...] = ()


def validate(req: BoundRequest, has_data: bool) -> None:
    """Raise InputError (one line) for every unusable combination."""
    if req.solve_for not in SOLVE_FOR:
        raise InputError(f"--solve-for must be one of: {', '.join(SOLVE_FOR)}, got '{req.solve_for}'")
    validation.positive_int(req.n, "--n")
    validation.positive_int(req.d0, "--d0")
    validation.positive_int(req.d2, "--d2")
    validation.positive_int(req.depth, "--depth")
    validation.positive_int(req.batch_size, "--batch-size")
    validation.int_at_least(req.t, 1, "--t", " (the Khatri-Rao power of (20))")
    validation.magnitude(req.constant, "--constant", *validation.CONSTANT_RANGE, " (the universal constant of the O(.) bounds)")
    validation.positive_finite(req.lambda0, "--lambda0")
    validation.magnitude(req.width, "--width", 1.0, 1e300, " (a hidden width counts neurons)")
    if not (math.isfinite(req.delta) and 0 < req.delta <= 1):
        raise InputError(f"--delta is a failure probability in (0, 1], got {req.delta}")
    if req.solve_for == "n":
        if req.width is None:
            raise InputError("--solve-for n needs --width D1 (the hidden width at which to find the largest n), e.g. --solve-for n --width 4096 --d0 784")
        if has_data:
            raise InputError("--solve-for n extrapolates in n under the order analysis; it cannot be combined with --data/--dataset, whose samples fix n")
        if req.n is not None:
            raise InputError("--n conflicts with --solve-for n (n is what is solved for)")
        if req.d0 is None:
            raise InputError("--solve-for n needs --d0")
    else:
        if req.width is not None:
            raise InputError("--width applies to --solve-for n only")
        if not has_data and (req.n is None or req.d0 is None):
            raise InputError("give --n and --d0 (e.g. opcheck bound --n 10000 --d0 784), or --data FILE / --dataset NAME")
    if req.batch_size is not None and req.n is not None and req.batch_size > req.n:
        raise InputError(f"--batch-size {req.batch_size} exceeds the number of samples n = {req.n}")
