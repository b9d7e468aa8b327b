"""Regression tests for issue 10: every input handled (no exit 3, nothing silently wrong, no hang).

Each test reproduces one bullet of the issue with the command it gives (scaled down
to a tiny problem) and asserts the handled outcome.
"""
from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile

import numpy as np
import pytest

from cli_runner import invoke

D0, N, WIDTH = 4, 12, 20


def strict_json(text: str) -> dict:
    def bad(token):
        raise ValueError(f"non-strict JSON token {token}")

    return json.loads(text, parse_constant=bad)


def one_line_error(res) -> None:
    assert res.code == 2, res
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("opcheck: error: "), res
    assert "Traceback" not in res.err and "Warning" not in res.err


@pytest.fixture
def X():
    return np.random.default_rng(7).standard_normal((N, D0))


def _save(tmp_path, name, **arrays):
    path = tmp_path / name
    if name.endswith(".npy"):
        np.save(path, arrays["X"])
    else:
        np.savez(path, **arrays)
    return path


def _verify_json(path, *extra):
    res = invoke("verify", path, "--width", WIDTH, "--json", *extra)
    assert res.code in (0, 1), res
    assert "Warning" not in res.err and "Traceback" not in res.err
    return strict_json(res.out)


# ------------------------------------------------------------------ scale-safe normalisation
@pytest.mark.parametrize("factor", [1e-300, 1e155, 1e300])
def test_samples_at_extreme_scales_give_the_unscaled_result(tmp_path, X, factor):
    """X·1e-300 used to be 'all zeros', X·1e155 and up an ArpackError (exit 3): same result as X now."""
    ref = _verify_json(_save(tmp_path, "x.npy", X=X))
    got = _verify_json(_save(tmp_path, "s.npy", X=X * factor))
    assert got["all_hold"] == ref["all_hold"]
    for key in ("y_frobenius", "y_scale", "assumption2_holds"):
        assert got["data"][key] == pytest.approx(ref["data"][key], rel=1e-9)
    assert got["data"]["x_norm_min"] == pytest.approx(ref["data"]["x_norm_min"] * factor, rel=1e-12)
    assert [c["holds"] for c in got["conditions"]] == [c["holds"] for c in ref["conditions"]]


def test_mixed_huge_and_tiny_rows_are_normalised_without_warnings(tmp_path, X):
    X = X.copy()
    X[::2] *= 1e300
    X[1::2] *= 1e-300
    got = _verify_json(_save(tmp_path, "m.npy", X=X))
    assert got["data"]["assumption2_holds"] is True


def test_column_norms_are_an_oracle_match_at_any_scale():
    from opcheck.data.prepare import column_norms, unit_columns

    A = np.random.default_rng(0).standard_normal((5, 7))
    exact = np.linalg.norm(A, axis=0)
    for s in (1e-300, 1.0, 1e300):
        assert np.allclose(column_norms(A * s) / s, exact, rtol=1e-14)
        assert np.allclose(unit_columns(A * s), A / exact, rtol=1e-14, atol=0)


def test_labels_near_1e300_are_scaled_not_zeroed(tmp_path, X):
    """||Y|| used to overflow to inf, Y was multiplied by 0 and the run went on with ||Y||_F = 0."""
    y = np.random.default_rng(1).standard_normal(N)
    ref = _verify_json(_save(tmp_path, "a.npz", X=X, y=y))
    got = _verify_json(_save(tmp_path, "b.npz", X=X, y=y * 1e300))
    assert got["data"]["y_frobenius"] == pytest.approx(1.0, rel=1e-12)
    assert got["data"]["y_scale"] == pytest.approx(ref["data"]["y_scale"] * 1e-300, rel=1e-12)


@pytest.mark.parametrize("factor", [1e-300, 1e300])
def test_no_normalize_at_extreme_scales_is_refused_with_the_figure(tmp_path, X, factor):
    res = invoke("verify", _save(tmp_path, "x.npy", X=X * factor), "--no-normalize", "--width", WIDTH)
    one_line_error(res)
    assert "--no-normalize" in res.err and "found" in res.err


def test_bound_data_at_huge_scale_runs(tmp_path, X):
    res = invoke("bound", "--data", _save(tmp_path, "x.npy", X=X * 1e200), "--json")
    assert res.code == 0, res
    assert strict_json(res.out)


# ------------------------------------------------------------------ CSV
def test_csv_with_bom_and_no_header_keeps_every_row(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf1,2,3\n4,5,6\n7,8,1\n2,2,9\n")
    from opcheck.data.loaders import load_file

    raw = load_file(str(path))
    assert raw.X.shape == (4, 3)
    assert raw.X[0].tolist() == [1.0, 2.0, 3.0]


def test_csv_with_bom_and_header_names_the_first_column_plainly(tmp_path):
    path = tmp_path / "bomh.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b,c\n1,2,3\n4,5,6\n7,8,1\n")
    from opcheck.data.loaders import load_file

    raw = load_file(str(path), "a")
    assert raw.X.shape == (3, 2) and raw.y.tolist() == [1.0, 4.0, 7.0]


def test_csv_last_column_named_label_is_warned_about(tmp_path):
    path = tmp_path / "lab.csv"
    rows = "\n".join(f"{i % 3},{(i * 7) % 5},{i % 2}" for i in range(1, 9))
    path.write_text("a,b,label\n" + rows + "\n")
    res = invoke("verify", path, "--width", WIDTH)
    assert res.code in (0, 1), res
    assert "opcheck: warning:" in res.err and "--label-column label" in res.err


def test_csv_semicolon_separator(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("1;2;3\n4;5;6\n")
    from opcheck.data.loaders import load_file

    assert load_file(str(path)).X.shape == (2, 3)


def test_string_class_labels_are_classes(tmp_path):
    path = tmp_path / "iris.csv"
    names = ["setosa", "virginica", "versicolor"]
    rng = np.random.default_rng(3)
    lines = ["a,b,c,species"] + [",".join(f"{v:.4f}" for v in rng.standard_normal(3)) + f",{names[i % 3]}" for i in range(9)]
    path.write_text("\n".join(lines) + "\n")
    got = _verify_json(path, "--label-column", "species")
    assert got["data"]["d2"] == 3 and got["data"]["labels"].startswith("one-hot classes (3)")


def test_string_class_labels_in_npz(tmp_path, X):
    path = tmp_path / "s.npz"
    np.savez(path, X=X, y=np.array(["cat", "dog"] * (N // 2)))
    assert _verify_json(path)["data"]["d2"] == 2


# ------------------------------------------------------------------ stdin, FIFO, unreadable
def test_data_from_stdin_npy_and_csv(X):
    from typer.testing import CliRunner

    from opcheck.cli import app

    buf = io.BytesIO()
    np.save(buf, X)
    r = CliRunner().invoke(app, ["verify", "-", "--width", str(WIDTH), "--json"], input=buf.getvalue())
    assert r.exit_code in (0, 1), r.stderr
    assert strict_json(r.stdout)["data"]["n"] == N
    text = "\n".join(",".join(repr(float(v)) for v in row) for row in X)
    r = CliRunner().invoke(app, ["bound", "-", "--json"], input=text)
    assert r.exit_code == 0, r.stderr
    assert strict_json(r.stdout)["data"]["n"] == N if "data" in strict_json(r.stdout) else True


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_npy_is_read_once_and_does_not_hang(tmp_path, X):
    """The magic check and np.load used to open the FIFO twice: the second open waited forever."""
    fifo = tmp_path / "pipe.npy"
    os.mkfifo(fifo)
    buf = io.BytesIO()
    np.save(buf, X)

    def writer():
        try:
            with open(fifo, "wb") as fh:
                fh.write(buf.getvalue())
        except BrokenPipeError:  # the reader closed early: its own failure is asserted below
            pass

    from opcheck.data.loaders import load_file

    out = {}
    t_w = threading.Thread(target=writer, daemon=True)
    t_r = threading.Thread(target=lambda: out.setdefault("raw", load_file(str(fifo))), daemon=True)
    t_w.start()
    t_r.start()
    t_r.join(20)
    reader_hung = t_r.is_alive()
    t_w.join(5)
    if t_w.is_alive():  # a writer still blocked: drain the pipe through a read end that never blocks. (A blocking open
        # here once hung the whole suite: the writer finished between an is_alive() check and the open, which then
        # waited for a writer forever.)
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            deadline = time.monotonic() + 5
            while t_w.is_alive() and time.monotonic() < deadline:
                try:
                    os.read(fd, 1 << 16)
                except BlockingIOError:
                    time.sleep(0.01)
        finally:
            os.close(fd)
    assert not reader_hung, "reading a FIFO hung"
    assert np.array_equal(out["raw"].X, X)


def test_unreadable_file_is_exit_two(tmp_path, X, monkeypatch):
    """PermissionError used to escape (exit 3); root ignores chmod, so the error is injected."""
    import builtins

    path = _save(tmp_path, "x.npy", X=X)
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("1,2\n3,4\n")
    real_open = builtins.open

    def denied(file, *a, **k):
        if str(file) in (str(path), str(csv_path)):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", denied)
    for target in (path, csv_path):
        res = invoke("bound", "--data", target)
        one_line_error(res)
        assert "Permission denied" in res.err


# ------------------------------------------------------------------ .npz headers, memory planner
def _forged_npz(path, shape):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("X.npy", header.getvalue() + b"\0" * 64)
    return path


def test_npz_header_claiming_a_huge_shape_is_refused_naming_the_shape(tmp_path):
    res = invoke("verify", _forged_npz(tmp_path / "claim.npz", (10**6, 10**6)))
    one_line_error(res)
    assert "claims shape (1000000, 1000000)" in res.err


def test_npz_is_refused_before_decompressing_when_over_budget(tmp_path, monkeypatch):
    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, X=np.zeros((1000, 1000)))
    assert path.stat().st_size < 100_000
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", "0.01")
    reads = []
    real = zipfile.ZipExtFile.read
    monkeypatch.setattr(zipfile.ZipExtFile, "read", lambda self, n=-1: reads.append(n) or real(self, n))
    res = invoke("verify", path)
    one_line_error(res)
    assert "claims shape (1000, 1000)" in res.err
    assert sum(max(r, 0) for r in reads) < 1000, "the data were decompressed before the header check"


def test_memory_budget_env_garbage_is_exit_two(tmp_path, X, monkeypatch):
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", "abc")
    res = invoke("verify", _save(tmp_path, "x.npy", X=X), "--width", WIDTH)
    one_line_error(res)
    assert "OPCHECK_MEMORY_BUDGET_GB" in res.err


def test_planner_honours_rlimit_as(monkeypatch):
    import resource

    from opcheck._runtime import memory

    monkeypatch.setattr(resource, "getrlimit", lambda which: (3 * 1024**3, resource.RLIM_INFINITY) if which == resource.RLIMIT_AS else (-1, -1))
    status = "/proc/self/status"
    used = next(float(ln.split()[1]) * 1024 for ln in open(status) if ln.startswith("VmSize:"))
    assert memory._address_space_bytes() == pytest.approx(max(3 * 1024**3 - used, 0.0), rel=0.05)
    assert memory.available_bytes() <= max(3 * 1024**3 - used, 0.0) * 1.05


@pytest.mark.parametrize("layout", ["v2", "v1"])
def test_planner_honours_cgroup_limits(tmp_path, layout):
    from opcheck._runtime import memory

    proc = tmp_path / "cgroup"
    if layout == "v2":
        proc.write_text("0::/box\n")
        (tmp_path / "root" / "box").mkdir(parents=True)
        (tmp_path / "root" / "box" / "memory.max").write_text("1073741824\n")
        (tmp_path / "root" / "box" / "memory.current").write_text("73741824\n")
    else:
        proc.write_text("4:memory:/box\n0::/\n")
        (tmp_path / "root" / "memory" / "box").mkdir(parents=True)
        (tmp_path / "root" / "memory" / "box" / "memory.limit_in_bytes").write_text("1073741824\n")
        (tmp_path / "root" / "memory" / "box" / "memory.usage_in_bytes").write_text("73741824\n")
    assert memory._cgroup_bytes(str(proc), str(tmp_path / "root")) == 1_000_000_000


def test_ulimit_v_is_refused_before_allocating():
    """Under `ulimit -v` the run used to allocate until MemoryError: the planner now refuses first."""
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000 * 1024, resource.RLIM_INFINITY))

    proc = subprocess.run([sys.executable, "-m", "opcheck", "verify", "--dataset", "sphere", "--n", "50", "--d0", "5", "--width", "4000000"],
                          capture_output=True, text=True, preexec_fn=limit, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "would need" in proc.stderr and "Traceback" not in proc.stderr


def test_sphere_with_a_huge_n_is_refused_by_the_planner():
    one_line_error(invoke("verify", "--dataset", "sphere", "--n", "99999999999999999999999"))


# ------------------------------------------------------------------ options and files
def test_save_init_onto_a_folder_or_missing_folder_is_refused_before_work(tmp_path, X):
    data = _save(tmp_path, "x.npy", X=X)
    (tmp_path / "d.npz").mkdir()
    for target in (tmp_path / "d.npz", tmp_path / "missing" / "a.npz", tmp_path):
        one_line_error(invoke("verify", data, "--width", WIDTH, "--save-init", target))


def test_save_init_into_an_unwritable_folder_is_refused_before_work(tmp_path, X, monkeypatch):
    import tempfile

    data = _save(tmp_path, "x.npy", X=X)
    ro = tmp_path / "ro"
    ro.mkdir()
    real = tempfile.mkstemp

    def mkstemp(*a, dir=None, **k):
        if dir is not None and os.path.samefile(dir, ro):
            raise PermissionError(13, "Permission denied")
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    res = invoke("verify", data, "--width", WIDTH, "--save-init", ro / "a.npz")
    one_line_error(res)
    assert "cannot write" in res.err


def test_options_that_do_nothing_are_warned_about(tmp_path, X):
    res = invoke("verify", _save(tmp_path, "x.npy", X=X), "--width", WIDTH, "--steps", "5", "--tol", "1e-3", "--train-layers", "first")
    assert res.code in (0, 1)
    assert "--steps, --tol, --train-layers have no effect without --train" in res.err
    res = invoke("verify", _save(tmp_path, "y.npz", X=X, y=np.arange(N) % 2), "--width", WIDTH, "--labels", "random", "--d2", "3")
    assert res.code in (0, 1)
    assert "--labels, --d2 have no effect on labelled data" in res.err


def test_bound_accepts_data_positionally_and_does_not_suggest_a_missing_option(tmp_path, X):
    res = invoke("bound", _save(tmp_path, "x.npz", X=X), "--json")
    assert res.code == 0, res
    Z = X.copy()
    Z[2] = 0.0
    res = invoke("bound", _save(tmp_path, "z.npy", X=Z))
    one_line_error(res)
    assert "--no-normalize" not in res.err
    assert "--no-normalize" in invoke("verify", tmp_path / "z.npy").err


# ------------------------------------------------------------------ finite options that used to be exit 3
@pytest.mark.parametrize("option", [["--omega1", "1e200"], ["--omega2", "1e200"], ["--omega1", "1e-200"], ["--constant", "1e308"]])
def test_extreme_scales_and_constants_in_verify_are_refused_with_the_range(tmp_path, X, option):
    res = invoke("verify", _save(tmp_path, "x.npy", X=X), "--width", WIDTH, *option)
    one_line_error(res)
    assert f"{option[0]} must be in [" in res.err


def test_init_params_at_1e200_are_refused_with_the_range(tmp_path, X):
    rng = np.random.default_rng(2)
    init = tmp_path / "init.npz"
    np.savez(init, W0=rng.standard_normal((WIDTH, D0)) * 1e200, V0=rng.standard_normal((1, WIDTH)) * 1e200)
    res = invoke("verify", _save(tmp_path, "x.npy", X=X), "--init-params", init)
    one_line_error(res)
    assert "RMS of W0" in res.err


@pytest.mark.parametrize("command", [["bound", "--n", "1000", "--d0", "50"], ["report", "--quick"]])
def test_constant_1e308_is_refused_in_bound_and_report(command):
    res = invoke(*command, "--constant", "1e308")
    one_line_error(res)
    assert "--constant must be in [" in res.err


@pytest.mark.parametrize("extra", [["--n", "100000000000000", "--d0", "10"], ["--n", "1000", "--d0", "50", "--lambda0", "1e-300"],
                                   ["--n", "1000", "--d0", "50", "--delta", "1e-300"]])
def test_bound_at_extreme_finite_inputs_runs(extra):
    """The ratio to (21) overflowed (10**(log10 a - log10 b)): beyond float64 it is now inf (JSON null)."""
    res = invoke("bound", *extra, "--json")
    assert res.code == 0, res
    assert "Warning" not in res.err
    strict_json(res.out)


def test_bound_solve_for_n_with_a_width_below_one_is_refused():
    res = invoke("bound", "--solve-for", "n", "--width", "0.5", "--d0", "784")
    one_line_error(res)
    assert "--width must be in [1" in res.err


def test_huge_steps_are_refused_by_the_planner_before_any_step(tmp_path, X):
    res = invoke("verify", _save(tmp_path, "x.npy", X=X), "--width", WIDTH, "--train", "--steps", "99999999999999999999999", "--tol", "1e300")
    one_line_error(res)
    assert "gradient-descent trace" in res.err and "would need" in res.err


def test_sigma_points_are_bounded_by_the_steps():
    from opcheck.checks.gradient_descent import log_steps

    assert log_steps(10, 1_000_000_000) == list(range(11))
    assert log_steps(10**22, 3) == [0, 1, 10**22]  # Python ints beyond int64 used to break geomspace


def test_huge_sigma_points_finish(tmp_path, X):
    res = invoke("verify", _save(tmp_path, "x.npy", X=X), "--width", WIDTH, "--train", "--steps", "3", "--sigma-points", "1000000000", "--json")
    assert res.code in (0, 1), res
    doc = strict_json(res.out)
    assert doc


def test_huge_d2_at_small_n_is_refused_before_starting_with_the_figure():
    res = invoke("verify", "--dataset", "sphere", "--n", "30", "--d0", "5", "--d2", "100000")
    one_line_error(res)
    assert "floating-point operations" in res.err and "order d2 n = 3000000" in res.err


def test_time_budget_env_garbage_is_exit_two(monkeypatch):
    monkeypatch.setenv("OPCHECK_TIME_BUDGET_S", "soon")
    one_line_error(invoke("verify", "--dataset", "sphere", "--n", "30", "--d0", "5", "--d2", "100000"))


def test_values_at_the_top_of_float64_are_normalised(tmp_path):
    """Found by the fuzz suite: max|x| = 1e308 rounded up to 2^1024, which is not a float64."""
    path = tmp_path / "top.csv"
    path.write_text("1.7976931348623157e308,1.7976931348623157e308,1\n1e308,-3,2\n1,2,3\n")
    got = _verify_json(path)
    assert got["data"]["assumption2_holds"] is True
    from opcheck.data.prepare import column_norms

    top = np.array([[1.7976931348623157e308], [0.0]])
    assert column_norms(top)[0] == 1.7976931348623157e308


def test_csv_label_of_1e400_is_a_clean_error(tmp_path):
    """float('1e400') is inf: it used to leak RuntimeWarnings; now one line names the cell."""
    path = tmp_path / "l.csv"
    path.write_text("a,b,y\n1,2,1e400\n3,4,5\n")
    res = invoke("verify", path, "--label-column", "y")
    one_line_error(res)
    assert "non-finite" in res.err


def test_report_on_samples_at_1e200_runs(tmp_path, X):
    """Values of 1e155 and more used to reach ARPACK as inf/0 in report too (exit 3)."""
    res = invoke("report", _save(tmp_path, "big.npy", X=X * 1e200), "--quick", "--sweeps", "width", "--steps", "5", "--n", "12",
                 "--test-fraction", "0", "--scheduler", "serial", "--out", tmp_path / "rep")
    assert res.code == 0, res
    assert "Warning" not in res.err and "Traceback" not in res.err
    assert (tmp_path / "rep" / "results.json").exists()


def test_report_with_huge_d2_is_refused_before_building_its_data():
    """Found by a new user: verify refused --d2 100000 at once, report built teacher labels for a minute and then
    ground on.  The report now runs verify's planner at its largest points before anything but the main split."""
    import time

    t = time.perf_counter()
    res = invoke("report", "--quick", "--d2", "100000", "--dataset", "sphere", "--n", "30", "--d0", "5", "--scheduler", "serial")
    one_line_error(res)
    assert "floating-point operations" in res.err and "order d2 n = 3000000" in res.err
    assert time.perf_counter() - t < 30


def test_report_gd_threshold_memory_is_planned(monkeypatch):
    """The GD threshold's widest run needs at least 4 arrays of d2 x d1 (V and its gradient, twice): refused with the
    figure when even that does not fit; allowed when it does."""
    from opcheck._runtime import memory
    from opcheck.errors import InputError
    from opcheck.report.config import ReportConfig, make_plan
    from opcheck.report.work_plan import GD_OUTPUT_ARRAYS, GD_V_ARRAYS, require_feasible

    config = ReportConfig(quick=True, sweeps=("thresholds",))
    plan = make_plan(config, 100, ("width",))
    need = GD_V_ARRAYS * memory.float64_bytes((50, 1600)) + GD_OUTPUT_ARRAYS * memory.float64_bytes((50, 100))
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", str(0.9 * need / memory.GB))
    with pytest.raises(InputError, match=r"gradient-descent threshold's widest run \(n = 100, d1 = 1600, d2 = 50\)"):
        require_feasible(config, plan, 16, 50, [(50, (100, 1600))])
    monkeypatch.setenv("OPCHECK_MEMORY_BUDGET_GB", str(1.1 * need / memory.GB))
    require_feasible(config, plan, 16, 50, [(50, (100, 1600))])


def test_messages_use_the_singular_for_one(tmp_path):
    """Found by a new user: "X has 1 non-finite entries", "beyond the 1 hours budget"."""
    from opcheck._runtime.work import _duration

    assert (_duration(3600), _duration(7200), _duration(60), _duration(30)) == ("1 hour", "2 hours", "1 minute", "30 s")
    X = np.ones((6, 3))
    X[2, 1] = np.nan
    path = tmp_path / "one_nan.npy"
    np.save(path, X)
    res = invoke("verify", path)
    one_line_error(res)
    assert "has 1 non-finite entry (first" in res.err
