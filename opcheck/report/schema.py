"""The documented schema of ``results.json`` and a small validator for it.

:data:`RESULTS_SCHEMA` is a JSON-Schema-like dict (the subset: ``type`` — one
name or a list —, ``properties``, ``required``, ``additionalProperties``,
``items``, ``enum``, ``minimum``).  :func:`validate` returns the list of
violations as ``"path: message"`` strings (empty = valid).  Sweeps that were
skipped are ``null``; non-finite numbers are ``null`` (strict JSON).
"""
from __future__ import annotations

from typing import Any

NUM = ["number", "null"]
INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
NUMS = {"type": "array", "items": {"type": NUM}}


def _obj(props: dict, required: list[str] | None = None, extra: bool = True) -> dict:
    return {"type": "object", "properties": props, "required": list(props) if required is None else required, "additionalProperties": extra}


def _nullable(schema: dict) -> dict:
    t = schema["type"]
    return {**schema, "type": (t if isinstance(t, list) else [t]) + ["null"]}


FIT = _obj({
    "exponent": {"type": NUM},
    "log_prefactor": {"type": NUM},
    "exponent_ci": _nullable({"type": "array", "items": {"type": NUM}}),
    "stderr": {"type": NUM},
    "level": {"type": "number"},
    "points_used": INT,
    "dof": INT,
    "r2": {"type": NUM},
    "note": STR,
})

EXTRAPOLATION = _obj({
    "label": {"type": "string", "enum": ["extrapolation", "interpolation"]},
    "target": {"type": NUM},
    "x": {"type": NUM},
    "x_range": _nullable({"type": "array", "items": {"type": NUM}}),
    "measured_max_x": {"type": NUM},
    "note": STR,
})

THRESHOLD = _obj({
    "criterion": {"type": "string", "enum": ["hypotheses", "gd"]},
    "kind": {"type": "string", "enum": ["measured", "extrapolated", "not reached"]},
    "width": {"type": NUM},
    "bracket": _nullable({"type": "array", "items": {"type": NUM}}),
    "width_range": _nullable({"type": "array", "items": {"type": NUM}}),
    "note": STR,
})

ERROR = _nullable(_obj({"value": {"type": NUM}, "metric": {"type": "string", "enum": ["misclassification rate", "relative squared error"]}, "n_test": INT}))

GD = _nullable(_obj({
    "converged": BOOL,
    "tol": {"type": "number"},
    "steps_run": INT,
    "steps_requested": INT,
    "initial_loss": {"type": NUM},
    "final_loss": {"type": NUM},
    "min_loss": {"type": NUM},
    "lr": {"type": NUM},
    "lr_source": STR,
    "diverged": BOOL,
    "c_emp": {"type": NUM},
    "linear_convergence": BOOL,
    "stayed_in_ball": BOOL,
    "max_distance_ratio": {"type": NUM},
    "w_motion": {"type": NUM},
    "v_motion": {"type": NUM},
    "max_lazy_gap": {"type": NUM},
    "final_lazy_gap": {"type": NUM},
    "train_error": ERROR,
    "test_error": ERROR,
    "curve": _obj({"step": {"type": "array", "items": INT}, "loss": NUMS, "lazy_gap": _nullable(NUMS)}),
}))

POINT = _obj({
    "n": INT,
    "d1": INT,
    "seed": {"type": ["integer", "null"]},
    "d2": INT,
    "init": _obj({"scheme": STR, "omega1": {"type": "number"}, "omega2": {"type": "number"}, "kappa_init": {"type": "number"}, "source": STR}),
    "quantities": _obj({k: {"type": NUM} for k in ("mu_phi", "sigma_min_jacobian", "sigma_max_jacobian", "c_needed", "h0", "rho", "beta_phi", "nu_phi", "sigma_max_x", "kappa_init")}),
    "hypotheses": {"type": "array", "items": _obj({"name": STR, "equation": STR, "holds": BOOL, "source": STR})},
    "hypotheses_hold": BOOL,
    "failing": {"type": "array", "items": STR},
    "bound_20": {"type": NUM},
    "bound_20_t": {"type": ["integer", "null"]},
    "headline_21": {"type": "number"},
    "gd": GD,
})

SCAN = _obj({
    "n": INT,
    "d0": INT,
    "d2": INT,
    "widths": {"type": "array", "items": INT},
    "points": {"type": "array", "items": POINT},
    "c_needed_fit": {**FIT, "required": FIT["required"] + ["widths_used", "order_analysis_exponent"]},
    "c_needed_extrapolation": _nullable(EXTRAPOLATION),
    "c_needed_order_extrapolation": _nullable(EXTRAPOLATION),
    "threshold_hypotheses": THRESHOLD,
    "threshold_gd": THRESHOLD,
    "bound_20": {"type": NUM},
    "bound_20_t": {"type": ["integer", "null"]},
    "headline_21": {"type": "number"},
})

BOUND = _obj({"key": STR, "name": STR, "ns": {"type": "array", "items": INT}, "widths": NUMS, "exponent_n": {"type": "number"}, "source": STR, "note": STR})

SAMPLES = _nullable(_obj({
    "d0": INT,
    "ns": {"type": "array", "items": INT},
    "scans": {"type": "array", "items": SCAN},
    "fit_hypotheses": {**FIT, "required": FIT["required"] + ["threshold_kinds"]},
    "fit_order_analysis": FIT,
    "fit_gd": FIT,
    "fit_bound_20": FIT,
    "paper_exponent": {"type": "number"},
    "paper_exponent_source": STR,
    "bounds": {"type": "array", "items": BOUND},
}))

RATIO_POINT = {**POINT, "properties": {"ratio": {"type": "number", "minimum": 0}, **POINT["properties"]}, "required": ["ratio"] + POINT["required"]}
STAT = _obj({"mean": {"type": NUM}, "sd": {"type": NUM}, "count": INT})
RATIO_SUMMARY = _obj({"ratio": {"type": "number"}, **{m: STAT for m in ("test_error", "train_error", "max_lazy_gap", "w_motion", "v_motion", "final_loss")}})

INIT_RATIO = _nullable(_obj({
    "n": INT,
    "d0": INT,
    "d1": INT,
    "product": {"type": "number"},
    "product_source": STR,
    "he_ratio": {"type": "number"},
    "ratios": NUMS,
    "seeds": {"type": "array", "items": INT},
    "points": {"type": "array", "items": RATIO_POINT},
    "summary": {"type": "array", "items": RATIO_SUMMARY},
    "trend": _obj({"slope": {"type": NUM}, "ci": _nullable({"type": "array", "items": {"type": NUM}}),
                   "reproduces": {"type": ["boolean", "null"]}, "note": STR}),
}))

CRITERIA = ["features", "ntk", "gd", "gd-tol", "c9"]
SEARCH = _obj({"replicate": INT, "seed_sequence": {"type": "array", "items": INT}, "lo": {"type": ["integer", "null"]},
               "hi": {"type": ["integer", "null"]}, "estimate": {"type": NUM},
               "ended_by": {"type": "string", "enum": ["bracketed", "holds at start", "cap", "gave up"]},
               "evaluations": {"type": "array", "items": {"type": "array"}}})
KERNEL = _nullable(_obj({"lambda_min": {"type": NUM}, "lambda_max": {"type": NUM}, "condition": {"type": NUM}, "method": STR,
                         "truncation_bound": {"type": NUM}}))
THRESHOLD_RECORD = _obj({
    "dataset": STR,
    "criterion": {"type": "string", "enum": CRITERIA},
    "n": INT,
    "kind": {"type": "string", "enum": ["measured", "not reached", "upper bound", "budget-bound", "extrapolated"]},
    "value": {"type": NUM},
    "bracket": {"type": "array", "items": {"type": NUM}},
    "log_se": {"type": NUM},
    "seeds": {"type": "array", "items": SEARCH},
    "kernel": KERNEL,
    "budget_steps": {"type": ["integer", "null"]},
    "steps_used": {"type": ["integer", "null"]},
    "ended_by": STR,
    "note": STR,
})
EXPONENT_RECORD = _obj({
    "dataset": STR,
    "criterion": {"type": "string", "enum": CRITERIA},
    "kind": {"type": "string", "enum": ["measured", "extrapolated"]},
    "estimate": {"type": NUM},
    "ci": _nullable({"type": "array", "items": {"type": "number"}}),
    "stderr": {"type": NUM},
    "log_prefactor": {"type": NUM},
    "n_values": {"type": "array", "items": INT},
    "dof": INT,
    "chi2_per_dof": {"type": NUM},
    "level": {"type": "number"},
    "finding": BOOL,
    "verdicts": {"type": "array", "items": _obj({"exponent": {"type": "number"}, "inside": BOOL})},
    "note": STR,
})
DATASET = _obj({"key": STR, "source": STR, "labels": STR, "d0": INT, "d2": INT, "n_values": {"type": "array", "items": INT},
                "gd_n_values": {"type": "array", "items": INT}, "same_samples_as": {"type": ["string", "null"]}},
               required=["key", "source", "labels", "d0", "d2", "n_values", "gd_n_values"])
SUMMARY = _obj({"dataset": STR, "source": STR, "labels": STR, "headline": STR, "criterion": {"type": ["string", "null"]},
                "estimate": {"type": NUM}, "ci": _nullable({"type": "array", "items": {"type": "number"}}),
                "lines": {"type": "array", "items": STR}})

PLOT = _obj({"file": STR, "title": STR, "caption": STR, "sweep": STR})

RESULTS_SCHEMA: dict = _obj({
    "schema_version": {"type": "integer", "enum": [2]},
    "kind": {"type": "string", "enum": ["opcheck-report"]},
    "config": _obj({
        "activation": STR, "init": STR, "seed": INT, "constant": {"type": "number"}, "kappa_max": {"type": "number"},
        "steps": INT, "tol": {"type": "number"}, "lr": {"type": NUM}, "test_fraction": {"type": "number"},
        "sweeps": {"type": "array", "items": {"type": "string", "enum": ["thresholds", "width", "samples", "init-ratio"]}},
        "quick": BOOL, "n": {"type": ["integer", "null"]}, "seeds": INT, "gd_budget": INT, "n_max": {"type": ["integer", "null"]},
    }),
    "plan": _obj({"n": INT, "widths": {"type": "array", "items": INT}, "sample_ns": {"type": "array", "items": INT},
                  "sample_width_factors": NUMS, "ratios": NUMS, "ratio_width": INT, "n_note": STR}),
    "data": _obj({"source": STR, "d0": INT, "d2": INT, "labels": STR, "available_samples": INT, "n_width_sweep": INT,
                  "test_fraction": {"type": "number"}, "n_test": INT, "classification": BOOL, "assumption2_holds": BOOL},
                 required=["source", "d0", "d2", "labels", "available_samples", "n_width_sweep", "test_fraction", "n_test", "classification", "assumption2_holds"]),
    "datasets": {"type": "array", "items": DATASET},
    "summary": {"type": "array", "items": SUMMARY},
    "thresholds": {"type": "array", "items": THRESHOLD_RECORD},
    "exponents": {"type": "array", "items": EXPONENT_RECORD},
    "threshold_settings": _nullable(_obj({"seeds": INT, "bisection_rel_tol": {"type": "number"}, "criteria": {"type": "object"},
                                           "gd": {"type": "object"}, "caps": {"type": "object"}})),
    "sweeps": _obj({"width": _nullable(SCAN), "samples": SAMPLES, "init_ratio": INIT_RATIO}, extra=False),
    "findings": {"type": "array", "items": STR},
    "plots": {"type": "array", "items": PLOT},
    "provenance": _obj({
        "opcheck_version": STR, "command_line": STR, "options": {"type": "object"},
        "seeds": {"type": "object"},
        "data": _obj({"source": STR, "raw_sha256": STR, "prepared_sha256": STR}, required=["source", "raw_sha256"]),
        "machine": _obj({"platform": STR, "cpu_count": {"type": ["integer", "null"]}}),
        "libraries": _obj({"python": STR, "numpy": STR, "scipy": STR, "matplotlib": STR}),
    }),
    "timings": _obj({"started_utc": STR, "jobs": {"type": ["integer", "null"]}, "execution": {"type": "object"},
                     "parts_seconds": {"type": "object"}, "worker_seconds": {"type": "object"}}),
}, extra=False)

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(doc: Any, schema: dict = RESULTS_SCHEMA, path: str = "$") -> list[str]:
    """Violations of ``schema`` by ``doc`` as ``"path: message"`` strings."""
    errors: list[str] = []
    t = schema.get("type")
    if t is not None:
        names = t if isinstance(t, list) else [t]
        if not any(_TYPES[nm](doc) for nm in names):
            return [f"{path}: expected {' or '.join(names)}, got {type(doc).__name__}"]
    if "enum" in schema and doc not in schema["enum"]:
        errors.append(f"{path}: {doc!r} not one of {schema['enum']}")
    if "minimum" in schema and isinstance(doc, (int, float)) and not isinstance(doc, bool) and doc < schema["minimum"]:
        errors.append(f"{path}: {doc} < minimum {schema['minimum']}")
    if isinstance(doc, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in doc:
                errors.append(f"{path}: missing required key '{key}'")
        for key, val in doc.items():
            if key in props:
                errors += validate(val, props[key], f"{path}.{key}")
            elif schema.get("additionalProperties", True) is False:
                errors.append(f"{path}: unexpected key '{key}'")
    if isinstance(doc, list) and "items" in schema:
        for i, val in enumerate(doc):
            errors += validate(val, schema["items"], f"{path}[{i}]")
    return errors
