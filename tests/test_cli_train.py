"""``opcheck verify --train``: the JSON contract and honest verdicts, end to end."""
import json

import numpy as np

TRAINING_ARRAYS = {"step", "loss", "distance", "sigma_min", "lazy_gap", "w_motion", "v_motion"}
TRAINING_SUMMARIES = {"final_loss", "stayed_in_ball", "max_distance_ratio", "c_emp", "steps_run", "lr"}
SMOOTHNESS = {"hessian_max_eig", "hessian_min_eig", "jacobian_lipschitz_lower", "beta_phi"}


def _doc(res):
    assert res.code in (0, 1), res
    return json.loads(res.out)


def test_wide_network_converges_and_reports_the_contract(run_cli):
    res = run_cli("verify", "--dataset", "sphere", "--n", "12", "--d0", "6", "--width", "400", "--init", "he",
                  "--train", "--steps", "4000", "--json")
    doc = _doc(res)
    tr, sm = doc["training"], doc["smoothness"]
    assert TRAINING_ARRAYS <= set(tr) and TRAINING_SUMMARIES <= set(tr) and SMOOTHNESS <= set(sm)
    assert len(tr["step"]) == len(tr["loss"]) == len(tr["distance"]) == len(tr["w_motion"])
    h0 = doc["quantities"]["h0"]
    assert tr["final_loss"] < 1e-8 * h0, tr["final_loss"]  # default tol 1e-8 h0 reached
    row = {c["name"]: c for c in doc["conditions"]}
    assert row["tolerance reached"]["holds"] is True
    assert row["linear convergence (C_emp > 0)"]["holds"] is (tr["c_emp"] is not None and tr["c_emp"] > 0)
    assert row["beta_Phi >= measured Lipschitz"]["holds"] is True
    assert sm["jacobian_lipschitz_lower"] <= sm["beta_phi"]
    assert abs(tr["lr"] - 1 / sm["hessian_max_eig"]) <= 1e-9 * tr["lr"]  # default step 1/lambda_max
    assert res.code == (0 if doc["all_hold"] else 1)


def test_narrow_network_is_never_reported_as_holding(run_cli):
    doc = _doc(run_cli("verify", "--dataset", "sphere", "--n", "20", "--d0", "4", "--width", "6", "--train", "--steps", "200", "--json"))
    row = {c["name"]: c for c in doc["conditions"]}
    assert doc["quantities"]["mu_phi"] == 0.0
    assert row["sigma_min(J) >= mu/2 along GD"]["holds"] is False
    assert row["stayed in ball(Theta0, rho)"]["holds"] is False
    assert doc["all_hold"] is False


def test_terminal_output_and_bad_training_options(run_cli):
    res = run_cli("verify", "--dataset", "sphere", "--n", "10", "--d0", "4", "--width", "50", "--train", "--steps", "50", "-v")
    assert res.code in (0, 1) and "gradient descent (--train)" in res.out and "Lipschitz" in res.out
    for args, needle in [(["--steps", "0"], "--steps"), (["--tol", "-1"], "--tol"), (["--train-layers", "all"], "--train-layers")]:
        bad = run_cli("verify", "--dataset", "sphere", "--n", "10", "--d0", "4", "--train", *args)
        assert bad.code == 2 and needle in bad.err and len(bad.err.strip().splitlines()) == 1, bad


def test_train_leaves_piped_stderr_empty(run_cli):
    """Live displays (spinner, progress bar) only on a terminal: a piped --train run writes nothing to stderr."""
    res = run_cli("verify", "--dataset", "sphere", "--n", "10", "--d0", "5", "--width", "40", "--train", "--steps", "5", "--json")
    assert res.code in (0, 1), res
    assert res.err == "", repr(res.err)


def test_training_step_row_states_its_standing(run_cli, monkeypatch):
    """The (13) training-step row is not a bare '–': typed `standing` says what it means for the run."""
    import re

    from opcheck.checks.conclusions import Regime, step_standing
    from opcheck.checks.records import Standing

    argv = ("verify", "--dataset", "sphere", "--n", "10", "--d0", "4", "--width", "50", "--train", "--steps", "20")
    doc = _doc(run_cli(*argv, "--json"))
    rows = {c["key"]: c for c in doc["conditions"]}
    assert rows["initial_loss_9"]["holds"] is False
    assert rows["training_step_13"]["holds"] is None and rows["training_step_13"]["standing"] == Standing.NOT_APPLICABLE_9_FAILS.value
    assert all(c["standing"] is None for k, c in rows.items() if k != "training_step_13")
    monkeypatch.setenv("COLUMNS", "200")  # one line per row
    flat = re.sub(r"\s+", " ", run_cli(*argv).out)
    assert "(not applicable: (9) fails)" in flat
    # the three standings, from typed data only
    inside, outside = Regime(1e-3, 2e-3, 1.0, True, True), Regime(1e-2, 2e-3, 1.0, False, True)
    assert step_standing(inside, True) is Standing.INSIDE_REGIME
    assert step_standing(outside, True) is Standing.OUTSIDE_REGIME
    assert step_standing(inside, False) is Standing.NOT_APPLICABLE_9_FAILS
