"""``opcheck verify`` end to end: each input format, JSON contract, exit codes, bad input."""
import json
import pickle

import numpy as np
import pytest

REQUIRED_QUANTITIES = {
    "sigma_min_jacobian", "sigma_max_jacobian", "mu_phi", "sigma_max_phi", "sigma_max_x", "sigma_max_v0",
    "nu_phi", "chi_max", "beta_phi", "rho", "h0", "c_needed",
}


@pytest.fixture
def samples(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((15, 4))
    y = np.arange(15) % 3
    return tmp_path, X, y


def _json(res):
    assert res.code in (0, 1), res
    return json.loads(res.out)  # stdout holds exactly one JSON object


def test_npz_with_labels_json_contract(run_cli, samples):
    tmp, X, y = samples
    np.savez(tmp / "d.npz", X=X, y=y)
    doc = _json(run_cli("verify", tmp / "d.npz", "--width", "30", "--json"))
    assert REQUIRED_QUANTITIES <= set(doc["quantities"])
    assert doc["data"]["n"] == 15 and doc["data"]["d0"] == 4 and doc["data"]["d1"] == 30 and doc["data"]["d2"] == 3
    assert doc["data"]["labels"] == "one-hot classes (3)"
    assert abs(doc["data"]["y_scale"] - 1 / np.sqrt(15)) < 1e-12
    assert set(doc["init"]) >= {"scheme", "omega1", "omega2", "kappa_init", "seed"}
    for c in doc["conditions"]:
        assert set(c) >= {"name", "equation", "value", "threshold", "holds", "source"}
        assert c["source"] in ("paper", "derived")
    assert any(c["equation"] == "(9)" for c in doc["conditions"])
    assert doc["all_hold"] is (run_cli("verify", tmp / "d.npz", "--width", "30", "--json").code == 0)


def test_npy_csv_and_builtins(run_cli, samples):
    tmp, X, y = samples
    np.save(tmp / "x.npy", X)
    doc = _json(run_cli("verify", tmp / "x.npy", "--json", "--labels", "random", "--d2", "2"))
    assert doc["data"]["labels"] == "random" and doc["data"]["d2"] == 2
    assert doc["data"]["d1"] == 15  # default: max(ceil(n^1.5/d0), n)
    with open(tmp / "d.csv", "w") as fh:
        fh.write("a,b,c,d,label\n")
        for row, lab in zip(X, y):
            fh.write(",".join(f"{v:.17g}" for v in row) + f",{lab}\n")
    doc = _json(run_cli("verify", tmp / "d.csv", "--label-column", "label", "--json"))
    assert doc["data"]["d0"] == 4 and doc["data"]["labels"] == "one-hot classes (3)"
    doc2 = _json(run_cli("verify", tmp / "d.csv", "--label-column", "4", "--json"))
    assert doc2["quantities"] == doc["quantities"]
    doc = _json(run_cli("verify", "--dataset", "sphere", "--n", "20", "--d0", "5", "--json"))
    assert doc["data"]["labels"] == "teacher" and doc["data"]["n"] == 20
    doc = _json(run_cli("verify", "--dataset", "digits", "--n", "40", "--json"))
    assert doc["data"]["d0"] == 64 and doc["data"]["d2"] == 10 and doc["data"]["subset_of"] == 1797


def test_terminal_report_and_exit_code(run_cli, samples):
    tmp, X, y = samples
    np.savez(tmp / "d.npz", X=X, y=y)
    res = run_cli("verify", tmp / "d.npz", "--width", "30", "-v")  # -v: the full tables
    assert res.code == 1  # (9) with C = 1 fails on random data
    for text in ("conditions", "verdict", "mu_phi", "(9)", "Assumption 2"):
        assert text in res.out
    ok = run_cli("verify", tmp / "d.npz", "--width", "30", "--constant", "1e12")
    # with an enormous universal constant (9) and (20) hold; the exit code follows the rows
    doc = _json(run_cli("verify", tmp / "d.npz", "--width", "30", "--constant", "1e12", "--json"))
    assert ok.code == (0 if doc["all_hold"] else 1)


def test_no_normalize_says_assumption_two_fails(run_cli, samples):
    tmp, X, y = samples
    np.savez(tmp / "d.npz", X=3 * X, y=y)
    doc = _json(run_cli("verify", tmp / "d.npz", "--no-normalize", "--json"))
    row = next(c for c in doc["conditions"] if c["name"] == "Assumption 2 (data)")
    assert row["holds"] is False and "unit norm" in row["detail"]


def test_save_init_round_trip(run_cli, samples):
    tmp, X, y = samples
    np.savez(tmp / "d.npz", X=X, y=y)
    first = _json(run_cli("verify", tmp / "d.npz", "--width", "25", "--seed", "7", "--save-init", tmp / "init.npz", "--json"))
    saved = np.load(tmp / "init.npz")
    assert saved["W0"].shape == (25, 4) and saved["V0"].shape == (3, 25)
    assert saved["X"].shape == (4, 15) and saved["Y"].shape == (3, 15)
    np.testing.assert_allclose(np.linalg.norm(saved["X"], axis=0), 1.0)
    again = _json(run_cli("verify", tmp / "d.npz", "--seed", "99", "--init-params", tmp / "init.npz", "--json"))
    assert again["quantities"] == first["quantities"]


def test_activation_failing_a_bullet_is_named(run_cli, samples):
    tmp, X, y = samples
    np.savez(tmp / "d.npz", X=X, y=y)
    doc = _json(run_cli("verify", tmp / "d.npz", "--activation", "relu", "--json"))
    row = next(c for c in doc["conditions"] if c["name"] == "Assumption 2 (activation)")
    assert row["holds"] is False and "twice differentiable" in row["detail"]
    assert doc["quantities"]["beta_phi"] is None  # infinite: sup|phi''| is a Dirac mass


def _bad_inputs(tmp):
    X = np.random.default_rng(0).standard_normal((10, 3))
    cases = {}
    cases["missing file"] = ([tmp / "nope.npy"], "file not found")
    (tmp / "x.txt").write_text("1,2\n")
    cases["unknown extension"] = ([tmp / "x.txt"], "unknown file extension")
    with open(tmp / "pickled.npy", "wb") as fh:
        np.lib.format.write_array(fh, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    cases["pickled npy"] = ([tmp / "pickled.npy"], "pickled")
    (tmp / "raw_pickle.npy").write_bytes(pickle.dumps([1, 2, 3]))
    cases["raw pickle"] = ([tmp / "raw_pickle.npy"], "pickle")
    (tmp / "fake.npy").write_text("just text")
    cases["not an npy"] = ([tmp / "fake.npy"], "not a valid .npy")
    (tmp / "zero_bytes.npy").write_bytes(b"")
    cases["empty npy file"] = ([tmp / "zero_bytes.npy"], "empty")
    (tmp / "fake.npz").write_text("hello")
    cases["not an npz"] = ([tmp / "fake.npz"], "not a valid .npz")
    bad = X.copy()
    bad[2, 1] = np.nan
    np.save(tmp / "nan.npy", bad)
    cases["nan"] = ([tmp / "nan.npy"], "non-finite")
    bad[2, 1] = np.inf
    np.save(tmp / "inf.npy", bad)
    cases["inf"] = ([tmp / "inf.npy"], "non-finite")
    np.save(tmp / "one_d.npy", X[:, 0])
    cases["1-D"] = ([tmp / "one_d.npy"], "must be 2-D")
    np.save(tmp / "three_d.npy", X.reshape(10, 3, 1))
    cases["3-D"] = ([tmp / "three_d.npy"], "must be 2-D")
    zero = X.copy()
    zero[4] = 0
    np.save(tmp / "zero.npy", zero)
    cases["all-zero sample"] = ([tmp / "zero.npy"], "all zeros")
    np.save(tmp / "empty.npy", np.zeros((0, 3)))
    cases["empty array"] = ([tmp / "empty.npy"], "empty")
    (tmp / "empty.csv").write_text("")
    cases["empty csv"] = ([tmp / "empty.csv"], "empty")
    np.savez(tmp / "count.npz", X=X, y=np.arange(9))
    cases["label count"] = ([tmp / "count.npz"], "9 labels for 10 samples")
    (tmp / "text.csv").write_text("1,2,3\n4,oops,6\n")
    cases["non-numeric csv"] = ([tmp / "text.csv"], "'oops' is not a number")
    np.save(tmp / "ok.npy", X)
    cases["width 0"] = ([tmp / "ok.npy", "--width", "0"], "--width must be a positive integer")
    cases["huge width"] = ([tmp / "ok.npy", "--width", "100000000000"], "GB")
    np.save(tmp / "strings.npy", np.array([["a", "b"], ["c", "d"]]))
    cases["string dtype"] = ([tmp / "strings.npy"], "dtype")
    cases["unknown activation"] = ([tmp / "ok.npy", "--activation", "foo"], "unknown activation")
    cases["unknown init"] = ([tmp / "ok.npy", "--init", "foo"], "unknown init")
    cases["bad option"] = ([tmp / "ok.npy", "--no-such-flag"], "No such option")
    cases["negative omega"] = ([tmp / "ok.npy", "--omega1", "-1"], "--omega1")
    cases["data and dataset"] = ([tmp / "ok.npy", "--dataset", "digits"], "not both")
    cases["n too large"] = ([tmp / "ok.npy", "--n", "50"], "exceeds")
    np.savez(tmp / "init_missing.npz", W0=np.ones((5, 3)))
    cases["init without V0"] = ([tmp / "ok.npy", "--init-params", tmp / "init_missing.npz"], "lacks V0")
    np.savez(tmp / "init_shape.npz", W0=np.ones((5, 4)), V0=np.ones((1, 5)))
    cases["init wrong d0"] = ([tmp / "ok.npy", "--init-params", tmp / "init_shape.npz"], "W0 has 4 columns")
    np.savez(tmp / "init_obj.npz", W0=np.array([None, 1], dtype=object), V0=np.ones((1, 2)))
    cases["init pickled"] = ([tmp / "ok.npy", "--init-params", tmp / "init_obj.npz"], "pickled")
    return cases


def test_every_bad_input_is_one_line_exit_two(run_cli, tmp_path):
    for label, (args, needle) in _bad_inputs(tmp_path).items():
        res = run_cli("verify", *args)
        assert res.code == 2, (label, res)
        lines = [l for l in res.err.strip().splitlines() if l.strip()]
        assert len(lines) == 1, (label, res.err)
        assert lines[0].startswith("opcheck: error:"), (label, res.err)
        assert needle.lower() in lines[0].lower(), (label, lines[0])
        assert "Traceback" not in res.err and res.out == "", label


def test_negative_seed_is_a_usage_error(run_cli):
    for cmd in (["verify", "--dataset", "sphere", "--n", "10", "--d0", "3"], ["bound", "--n", "100", "--d0", "10"]):
        res = run_cli(*cmd, "--seed", "-1")
        assert res.code == 2 and "--seed" in res.err and len(res.err.strip().splitlines()) == 1, res


def test_a_bug_is_one_line_and_exit_three(run_cli, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("opcheck.checks.hypotheses.run_verify", broken)
    res = run_cli("verify", "--dataset", "sphere", "--n", "10", "--d0", "3")
    assert res.code == 3 and res.err.startswith("opcheck: internal error: RuntimeError: boom"), res
    assert "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1
