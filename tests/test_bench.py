"""``python -m refopt bench``: the case registry, measuring, and running without anchors."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from refopt import bench, benchmarks
from refopt.__main__ import main
from refopt.benchmarks import Case
from refopt.benchmarks import problems as bench_problems
from refopt.problems import all_problems


def counting_runner(nfev, njev=None, x=(1.0, 2.0)):
    calls = []

    def run():
        calls.append(1)
        return {"nfev": nfev, "njev": njev, "x": np.array(x)}

    run.calls = calls
    return run


def test_case_records_and_registry():
    cases = benchmarks.all_cases()
    names = [c.name for c in cases]
    assert len(names) == len(set(names))
    groups = {c.group for c in cases}
    assert {"lm", "trf", "dogbox", "BFGS", "CG", "Nelder-Mead", "Powell", "sparse", "fit"} <= groups
    assert all_problems("constrained")  # the Hock-Schittkowski problems (package data)
    assert {"L-BFGS-B", "SLSQP"} <= groups
    for case in cases:
        assert isinstance(case, Case) and callable(case.run)
        assert case.library in ("scipy", "lmfit", "asteval")
    lm = [c for c in cases if c.group == "lm"]
    assert all(c.anchor_name == "scipy.optimize.leastsq" for c in lm)
    assert [c.name for c in benchmarks.all_cases(groups=["CG"])] == [c.name for c in cases if c.group == "CG"]


def test_case_library_is_the_first_dotted_part():
    assert Case("a", "g", None, None, "lmfit.minimize").library == "lmfit"
    assert Case("a", "g", None).library == ""


def test_import_anchor_raises_import_error_for_missing_libraries():
    with pytest.raises(ImportError):
        benchmarks.import_anchor("no_such_library_refopt_test")
    assert not benchmarks.anchor_available("no_such_library_refopt_test")
    assert benchmarks.anchor_available("numpy")


def test_measure_reports_ratios_and_alternates():
    refopt_side, anchor_side = counting_runner(4, 2), counting_runner(2, 2, x=(1.0, 2.0 + 2e-8))
    row = bench.measure(Case("t/one", "t", refopt_side, anchor_side, "scipy.optimize.x"), repeats=3)
    assert row["status"] == "ok"
    assert row["nfev_ratio"] == 2.0 and row["njev_ratio"] == 1.0
    assert row["nfev_refopt"] == 4 and row["nfev_anchor"] == 2
    assert row["x_rel_diff"] == pytest.approx(1e-8, rel=1e-6)
    assert row["repeats"] == 3
    assert len(refopt_side.calls) == len(anchor_side.calls) == 4  # a warm-up and three timed runs
    assert row["time_ratio"] > 0


def test_measure_statuses():
    def missing():
        raise NotImplementedError("refopt.fit does not exist yet")

    def no_library():
        raise ImportError("No module named 'lmfit'")

    def crash():
        raise RuntimeError("boom")

    ok = counting_runner(1)
    assert bench.measure(Case("a", "g", missing, ok), 1)["status"] == "not implemented yet"
    assert bench.measure(Case("a", "g", None, ok), 1)["status"] == "not implemented yet"
    assert bench.measure(Case("a", "g", ok, no_library), 1)["status"] == "anchor not installed"
    assert bench.measure(Case("a", "g", crash, ok), 1)["status"] == "refopt error"
    assert bench.measure(Case("a", "g", ok, crash), 1)["status"] == "anchor error"


def test_summary_counts_equal_evaluations():
    rows = [{"group": "g", "status": "ok", "time_ratio": 4.0, "nfev_refopt": 3, "nfev_anchor": 3,
             "njev_refopt": 2, "njev_anchor": 2},
            {"group": "g", "status": "ok", "time_ratio": 1.0, "nfev_refopt": 3, "nfev_anchor": 4,
             "njev_refopt": None, "njev_anchor": None},
            {"group": "g", "status": "not implemented yet"}]
    s = bench.summarize(rows)["g"]
    assert s["cases"] == 3 and s["measured"] == 2 and s["not implemented"] == 1
    assert s["nfev equal"] == 1 and s["njev equal"] == 2
    assert s["time ratio (geometric mean)"] == pytest.approx(2.0)


def test_outcome_classes_compared_when_both_sides_judge(capsys):
    def side(outcome):
        return lambda: {"nfev": 3, "x": [1.0], "outcome": outcome}

    same = bench.measure(Case("a", "g", side("optimum"), side("optimum")), 1)
    other = bench.measure(Case("b", "g", side("optimum"), side("miss, budget")), 1)
    plain = bench.measure(Case("c", "g", lambda: {"nfev": 3}, lambda: {"nfev": 3}), 1)
    assert same["same_outcome"] and not other["same_outcome"] and "same_outcome" not in plain
    s = bench.summarize([same, other, plain])["g"]
    assert s["same outcome"] == 1 and s["outcome compared"] == 2
    bench.print_row(other)
    bench.print_row(same)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("outcome: refopt optimum, anchor miss, budget")
    assert "outcome" not in lines[1]


def test_problem_runs_carry_verify_outcome_class():
    from refopt.benchmarks import problems as bp

    case = next(c for c in bp.cases() if c.name == "lm/mgh_beale_n2_m3/start1")
    assert case.run()["outcome"] == "optimum"
    p = next(p for p in bp.all_problems() if p.name == "mgh_beale_n2_m3")
    assert bp.outcome(p, 0, p.starts[0], True, "") == "miss, converged"
    assert bp.outcome(p, 0, p.starts[0], False, "maximum number of evaluations") == "miss, budget"


def test_without_anchors_it_says_what_it_would_compare(monkeypatch, capsys):
    monkeypatch.setattr(bench, "anchor_available", lambda library: False)
    assert main(["bench"]) == 0
    out = capsys.readouterr().out
    assert "Not installed: scipy, lmfit" in out
    assert "refopt against scipy.optimize.leastsq" in out
    assert "machine:" in out and "numpy" in out


def test_runs_refopt_side_when_the_anchor_is_missing(monkeypatch, capsys, tmp_path):
    """With one anchor missing, its cases are listed as such and the others are measured."""
    monkeypatch.setattr(bench, "anchor_available", lambda library: library == "lmfit")
    monkeypatch.setattr(bench, "all_cases", lambda groups=None: [
        Case("t/scipy", "t", counting_runner(1), counting_runner(1), "scipy.optimize.x"),
        Case("t/lmfit", "t", counting_runner(2), counting_runner(1), "lmfit.minimize"),
        Case("t/missing", "t", None, counting_runner(1), "scipy.optimize.x")])
    out_json = tmp_path / "bench.json"
    assert main(["bench", "--repeat", "1", "--json", str(out_json)]) == 0
    report = json.loads(out_json.read_text())
    status = {row["case"]: row["status"] for row in report["rows"]}
    assert status == {"t/scipy": "anchor not installed", "t/lmfit": "ok", "t/missing": "not implemented yet"}
    assert report["summary"]["t"]["measured"] == 1
    assert "numpy" in report["machine"]
    out = capsys.readouterr().out
    assert out.count("scipy is not installed") == 1 and "its 2 cases" in out
    assert "t/scipy" not in out  # its row said nothing but "not installed"
    assert re.search(r"^\[2/3 +\d+\.\ds\] t/lmfit ", out, flags=re.MULTILINE)
    assert re.search(r"^\[3/3 +\d+\.\ds\] t/missing +not implemented yet", out, flags=re.MULTILINE)


def test_broyden_residuals_are_the_tridiagonal_system():
    x = np.array([0.5, -1.0, 2.0, 0.25])
    expected = [(3 - 2 * x[0]) * x[0] - 2 * x[1] + 1,
                (3 - 2 * x[1]) * x[1] - x[0] - 2 * x[2] + 1,
                (3 - 2 * x[2]) * x[2] - x[1] - 2 * x[3] + 1,
                (3 - 2 * x[3]) * x[3] - x[2] + 1]
    np.testing.assert_allclose(bench_problems.broyden_residuals(x.copy()), expected, rtol=1e-15)
    rows, cols = bench_problems.broyden_sparsity_triplets(4)
    assert sorted(zip(rows.tolist(), cols.tolist())) == sorted(
        (i, j) for i in range(4) for j in range(4) if abs(i - j) <= 1)


def test_the_known_optimum_is_printed_beside_each_sides_value(capsys):
    def ending_at(f):
        def run():
            return {"nfev": 3, "njev": 2, "nit": 2, "x": np.array([1.0]), "fun": f}
        return run

    row = bench.measure(Case("t/f", "t", ending_at(2.0 + 1e-7), ending_at(2.1), "scipy.optimize.x",
                             f_star=2.0), repeats=1)
    assert row["f_star"] == 2.0 and row["f_anchor"] == 2.1
    assert row["reached_refopt"] is True and row["reached_anchor"] is False
    bench.print_row(row)
    assert capsys.readouterr().out.split()[-3:] == ["2", "2.1", "2"]
    s = bench.summarize([row])["t"]
    assert (s["f* refopt"], s["f* anchor"], s["nit equal"]) == (1, 0, 1)
    assert bench.reached(1e-7, 0.0) and not bench.reached(2e-6, 0.0)  # absolute near f* = 0
    assert bench.reached(None, 1.0) is None and bench.reached(1.0, None) is None
    assert bench.reached(124.3622, 124.362, f_tol=1e-3) and not bench.reached(124.3622, 124.362)


def test_minimize_cases_carry_the_problems_optimum():
    cases = [c for c in bench_problems.cases() if c.group == "SLSQP"]
    by_name = {p.name: p for p in all_problems()}
    assert cases and all(c.f_star == by_name[c.name.split("/")[1]].f_star for c in cases)
    p = by_name[cases[0].name.split("/")[1]]
    assert cases[0].f_tol == p.tolerance(p.f_star)
