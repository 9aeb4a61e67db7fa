"""``python -m refopt verify``: judging, exit status, JSON output, method discovery."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from refopt import verify
from refopt.__main__ import main
from refopt.problems import Problem, register, unregister


def _problem(name, f_star, rtol=1e-8, atol=0.0, **extra):
    """F(x) = x - 3 (one residual): the minimum norm is 0 at x = 3."""
    return Problem(name=name, source="test", kind="least_squares", n=1, m=1,
                   starts=(np.array([0.0]), np.array([5.0])), fun=lambda x: np.asarray(x) - 3.0,
                   jac=lambda x: np.ones((1, 1)), f_star=f_star, x_star=np.array([3.0]),
                   rtol=rtol, atol=atol, extra=extra)


def _newton(problem, x0, fun, jac):
    """One Gauss-Newton step: exact for the linear test problems."""
    x = x0 - np.linalg.solve(jac(x0), fun(x0))
    fun(x)
    return {"x": x, "nfev": 2, "njev": 1, "message": "one step"}


@pytest.fixture
def registry():
    """Register test problems and a test method; remove them afterwards."""
    names = []

    def add(problem):
        register(problem)
        names.append(problem.name)

    verify.register_method(verify.Method("test-newton", lambda p: p.name.startswith("test_vfy"), _newton))
    yield add
    for name in names:
        unregister(name)
    verify.METHODS.pop("test-newton", None)
    verify.METHODS.pop("test-absent", None)


def run_cli(*argv):
    return main(["verify", "--no-nist", "--method", "test-newton", *argv])


def test_passing_cases_exit_zero(registry, capsys):
    registry(_problem("test_vfy_ok", 0.0, atol=1e-12))
    assert run_cli("--problems", "test_vfy_ok") == 0
    out = capsys.readouterr().out
    assert "test_vfy_ok" in out and "optimum" in out and "0 failed" in out


def test_impossible_tolerance_exits_non_zero(registry, capsys, tmp_path):
    registry(_problem("test_vfy_ok", 0.0, atol=1e-12))
    # a norm cannot be -1: no answer can meet this problem's tolerance
    registry(_problem("test_vfy_impossible", -1.0, rtol=0.0, atol=0.0))
    out_json = tmp_path / "runs.json"
    assert run_cli("--problems", "test_vfy", "--json", str(out_json)) == 1
    table = capsys.readouterr().out
    report = json.loads(out_json.read_text())
    assert report["failed"] == 2  # the impossible problem, from both starts
    assert report["columns"] == list(verify.COLUMNS)
    rows = report["runs"]
    assert len(rows) == 4
    for row in rows:  # every JSON row is a printed table row with the same figures
        line = next(line.split("] ", 1)[-1] for line in table.splitlines()  # after the count
                    if line.split("] ", 1)[-1].split()[:3] == [row["problem"], str(row["start"]), row["method"]])
        assert row["status"] in line
        assert f"{row['digits']:.1f}" in line
        assert line.split()[-3:-1] == [str(row["nfev"]), str(row["njev"])]
    statuses = {(r["problem"], r["start"]): r["status"] for r in rows}
    assert statuses[("test_vfy_impossible", 1)] == "MISS"
    assert statuses[("test_vfy_ok", 2)] == "optimum"
    assert report["summary"]["test-newton"]["missed"] == 2
    assert report["summary"]["test-newton"]["optimum"] == 2


def _statuses(problem_name, method_name="test-newton"):
    problem = verify.select_problems([problem_name], None)[0]
    method = verify.METHODS[method_name]
    return [verify.run_one(problem, start, method).status for start in range(len(problem.starts))]


def test_known_miss_counts_only_when_stopped_for_the_recorded_reason(registry, capsys):
    # f_star = 1 cannot be reached (the minimum norm is 0); the one Newton step reports
    # neither success nor a limit, so it "stalled"
    registry(_problem("test_vfy_known", 1.0, rtol=1e-8,
                      known_misses={"test-newton": {0: ("stalled", "the test says so"),
                                                    1: ("budget", "the wrong reason")}}))
    assert _statuses("test_vfy_known") == ["known miss", "MISS"]
    assert run_cli("--problems", "test_vfy_known") == 1
    out = capsys.readouterr().out
    assert "known miss" in out and "MISS" in out


def test_known_miss_worse_than_its_start_or_not_finite_is_a_miss(registry):
    def away(problem, x0, fun, jac):  # ends further from x = 3 than it began, then at NaN
        return {"x": x0 + 100.0 if x0[0] == 0.0 else x0 * np.nan, "message": "moved away"}

    verify.register_method(verify.Method("test-away", lambda p: p.name.startswith("test_vfy"), away))
    try:
        registry(_problem("test_vfy_away", 1.0, known_misses={"test-away": {0: "any reason",
                                                                            1: "any reason"}}))
        assert _statuses("test_vfy_away", "test-away") == ["MISS", "MISS"]
        registry(_problem("test_vfy_near", 1.0, known_misses={"test-newton": {0: "any reason"}}))
        assert _statuses("test_vfy_near") == ["known miss", "MISS"]  # no entry for start 2
    finally:
        verify.METHODS.pop("test-away", None)


def test_stop_reasons_read_from_the_result():
    from refopt.problems.reference_runs import BUDGET, CONVERGED, STALLED, stop_reason

    assert stop_reason({"success": True, "message": "`gtol` termination condition"}) == CONVERGED
    for message in ("Maximum number of function evaluations has been exceeded.",
                    "The maximum number of function evaluations is exceeded.",
                    "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT", "Iteration limit reached"):
        assert stop_reason({"success": False, "message": message}) == BUDGET
    assert stop_reason({"success": False, "message": "Desired error not necessarily achieved "
                                                     "due to precision loss."}) == STALLED


def test_local_minimum_recorded_for_a_start_passes(registry, capsys):
    registry(_problem("test_vfy_local", 1.0, local_minima=[{"f": 0.0, "x": None, "starts": (0, 1),
                                                            "note": "local minimum: test"}]))
    assert run_cli("--problems", "test_vfy_local") == 0
    assert "local minimum" in capsys.readouterr().out


def _verify_with_a_raising_method(registry, error: type, message: str) -> int:
    """Exit status of verify on one problem with the method "test-absent", which raises
    ``error(message)``."""
    def solve(problem, x0, fun, jac):
        raise error(message)

    verify.register_method(verify.Method("test-absent", lambda p: p.name.startswith("test_vfy"), solve))
    registry(_problem("test_vfy_ok", 0.0, atol=1e-12))
    return main(["verify", "--no-nist", "--method", "test-absent", "--problems", "test_vfy_ok"])


def test_unavailable_methods_are_reported_not_failed(registry, capsys):
    assert _verify_with_a_raising_method(registry, NotImplementedError, "not written yet") == 0
    out = capsys.readouterr().out
    assert "not available: not written yet" in out and "No method could run" in out


def test_rows_carry_a_progress_count_and_unavailable_is_said_once(registry, capsys):
    def absent(problem, x0, fun, jac):
        raise NotImplementedError("not written yet")

    verify.register_method(verify.Method("test-absent", lambda p: p.name.startswith("test_vfy"), absent))
    for name in ("test_vfy_a", "test_vfy_b", "test_vfy_c"):
        registry(_problem(name, 0.0, atol=1e-12))
    # 3 problems x 2 starts x 2 methods planned (12); test-absent's runs leave the count
    # as they are skipped, problem by problem
    assert main(["verify", "--no-nist", "--method", "test-absent", "test-newton",
                 "--problems", "test_vfy_"]) == 0
    out = capsys.readouterr().out
    assert out.count("not available: not written yet") == 2  # the row note and the summary
    counts = re.findall(r"^\[ *(\d+/\d+) +\d+\.\ds\] test_vfy", out, flags=re.MULTILINE)
    assert counts == ["1/10", "2/10", "3/8", "4/8", "5/6", "6/6"]


def test_failures_say_where_to_look_next(registry, capsys):
    registry(_problem("test_vfy_impossible", -1.0, rtol=0.0, atol=0.0))
    assert run_cli("--problems", "test_vfy_impossible") == 1
    out = capsys.readouterr().out
    assert "test_vfy_impossible start 1 test-newton: one step" in out
    assert "rerun one: python -m refopt verify --problems test_vfy_impossible --method test-newton" in out


def test_crashing_solver_is_an_error_row(registry, capsys):
    assert _verify_with_a_raising_method(registry, RuntimeError, "boom") == 1
    table, _, next_steps = capsys.readouterr().out.partition("failed runs")
    assert "RuntimeError: boom" not in table  # the table shows the status,
    assert "test_vfy_ok start 1 test-absent: RuntimeError: boom" in next_steps  # the end the message
    run = verify.run_one(verify.select_problems(["test_vfy_ok"], None)[0], 0, verify.METHODS["test-absent"])
    assert run.status == "error" and "boom" in run.message and not run.passed


def test_bad_arguments(capsys, tmp_path):
    assert main(["verify", "--method", "no-such-method", "--no-nist"]) == 2
    assert main(["verify", "--nist", str(tmp_path / "absent")]) == 2


def test_problems_without_a_known_optimum_are_not_run(registry, capsys):
    registry(_problem("test_vfy_unknown", math.nan))
    assert run_cli("--problems", "test_vfy_unknown") == 0
    assert "has no known optimum" in capsys.readouterr().out


def test_applicability_by_kind():
    lsq = _problem("test_vfy_x", 0.0)
    assert verify.METHODS["trf"].applies(lsq) and not verify.METHODS["BFGS"].applies(lsq)
    bounded = _problem("test_vfy_b", 0.0, bounds=(np.zeros(1), np.ones(1)))
    assert not verify.METHODS["lm"].applies(bounded) and verify.METHODS["dogbox"].applies(bounded)


def test_plot_writes_a_figure_per_method(registry, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    registry(_problem("test_vfy_ok", 0.0, atol=1e-12))
    assert run_cli("--problems", "test_vfy_ok", "--plot", str(tmp_path)) == 0
    figure = tmp_path / "convergence-test-newton.svg"
    assert figure.read_text().lstrip().startswith("<?xml")


@pytest.mark.slow
def test_real_solvers_pass_on_the_linear_problems(capsys):
    """trf and lm (when present) find the linear least-squares solutions known by construction."""
    code = main(["verify", "--no-nist", "--method", "lm", "trf", "--problems", "linear_"])
    out = capsys.readouterr().out
    assert code == 0
    assert "0 failed" in out


def test_nist_folder_is_read_and_judged(tmp_path, capsys):
    """A dataset written in the StRD layout, fitted by an oracle that returns the certified b."""
    from tests.problems.test_nist import exact_misra1a, strd_text

    b = (240.0, 5.5e-4)
    text = strd_text("Misra1a", [(500, 250, b[0], 2.5), (0.0001, 0.0005, b[1], 7e-6)],
                     rss=0.0, residual_sd=0.0, dof=5, data=exact_misra1a(b))
    (tmp_path / "Misra1a.dat").write_text(text)

    def oracle(problem, x0, fun, jac):
        fun(problem.x_star)
        return {"x": problem.x_star, "nfev": 1}

    verify.register_method(verify.Method("test-absent", lambda p: p.name.startswith("nist_"), oracle))
    try:
        out_json = tmp_path / "nist.json"
        code = main(["verify", "--nist", str(tmp_path), "--method", "test-absent",
                     "--problems", "nist_", "--json", str(out_json)])
    finally:
        verify.METHODS.pop("test-absent", None)
    assert code == 0
    rows = __import__("json").loads(out_json.read_text())["runs"]
    assert [(r["problem"], r["start"], r["status"]) for r in rows] == [
        ("nist_misra1a", 1, "optimum"), ("nist_misra1a", 2, "optimum")]
    assert all(r["digits"] == 11.0 for r in rows)  # capped at the digits NIST certifies


def test_perturb_scales_every_start(registry, capsys):
    seen = []

    def record(problem, x0, fun, jac):
        seen.append(x0.copy())
        return _newton(problem, x0, fun, jac)

    verify.register_method(verify.Method("test-record", lambda p: p.name.startswith("test_vfy"), record))
    try:
        registry(_problem("test_vfy_ok", 0.0, atol=1e-12))
        assert main(["verify", "--no-nist", "--method", "test-record", "--problems", "test_vfy_ok",
                     "--perturb"]) == 0
        assert [x[0] for x in seen] == [0.0, 5.0 * (1 + 1e-15)] and 5.0 * (1 + 1e-15) != 5.0
        seen.clear()
        assert main(["verify", "--no-nist", "--method", "test-record", "--problems", "test_vfy_ok",
                     "--perturb=-1e-15"]) == 0
        assert seen[1][0] == 5.0 * (1 - 1e-15)
        assert "every start scaled by 1 + (-1e-15)" in capsys.readouterr().out
    finally:
        verify.METHODS.pop("test-record", None)


def test_baseline_fails_on_a_changed_verdict_only(registry, capsys, tmp_path):
    registry(_problem("test_vfy_ok", 0.0, atol=1e-12))
    first = tmp_path / "first.json"
    assert run_cli("--problems", "test_vfy_ok", "--json", str(first)) == 0
    assert run_cli("--problems", "test_vfy_ok", "--baseline", str(first)) == 0
    assert "0 verdicts changed" in capsys.readouterr().out
    report = json.loads(first.read_text())
    report["runs"][1].update(passed=False, expected=False, status="MISS")   # recorded a failure
    report["runs"][0].update(passed=False, expected=True, status="known miss")  # same verdict
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(report))
    assert run_cli("--problems", "test_vfy_ok", "--baseline", str(edited)) == 1
    out = capsys.readouterr().out
    assert "1 verdicts changed, 1 statuses moved" in out
    assert "verdict changed: test_vfy_ok start 2 test-newton: MISS -> optimum" in out
    assert "status moved: test_vfy_ok start 1 test-newton: known miss -> optimum" in out
    assert run_cli("--problems", "test_vfy_ok", "--baseline", str(tmp_path / "absent")) == 2


def test_changed_verdicts_counts_runs_on_one_side_only():
    row = {"problem": "p", "start": 1, "method": "m", "passed": True, "expected": False,
           "status": "optimum"}
    other = dict(row, method="n")
    assert verify.changed_verdicts([row, other], [row]) == ([], [], 1)
    assert verify.verdict(dict(row, passed=False)) == "fail"
    assert verify.verdict(dict(row, passed=False, expected=True)) == "pass"


@pytest.mark.parametrize("name, method", [("mgh_beale_n2_m3", "lm"), ("mgh_beale_n2_m3_ssq", "Powell")])
def test_knife_edge_start_passes_exact_and_perturbed(name, method):
    """Beale's start (1, 1) lies on x2 = 1, where the residuals do not depend on x1: the
    exact start reaches x*, a start an ulp off the line is the recorded miss; both pass."""
    from refopt.problems import mgh_more, reference_runs

    assert name in reference_runs.KNIFE_EDGE and method in reference_runs.KNIFE_EDGE[name]
    problem = next(p for p in verify.select_problems([name], None) if p.name == name)
    x0 = np.array(problem.starts[0])
    np.testing.assert_array_equal(mgh_more.beale_jacobian(x0)[:, 0], 0.0)  # the degenerate line
    runs = [verify.run_one(problem, 0, verify.METHODS[method], perturb) for perturb in (0.0, 1e-15, -1e-15)]
    assert runs[0].status == "optimum"
    assert all(run.status in ("optimum", "known miss") for run in runs[1:])
    assert all(verify.verdict(run.row()) == "pass" for run in runs)
