"""The registry of problems with known solutions: derivatives, optima, judging, expressions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refopt.problems import Problem, all_problems, log_relative_error, register, unregister
from refopt.problems import hock_schittkowski as hs
from refopt.problems import linear, nist, reference_runs

PROBLEMS = all_problems()
BY_NAME = {p.name: p for p in PROBLEMS}


def central_differences(fun, x, h=1e-6):
    """Central differences of ``fun`` (scalar or vector valued): rows are outputs."""
    x = np.asarray(x, dtype=float)
    steps = h * np.maximum(1.0, np.abs(x))
    columns = [(np.atleast_1d(fun(x + s * e)) - np.atleast_1d(fun(x - s * e))) / (2 * s)
               for s, e in zip(steps, np.eye(x.size))]
    return np.column_stack(columns)


def assert_derivative(derivative, fun, x, rtol=2e-5):
    analytic = np.atleast_2d(derivative(x))
    numeric = central_differences(fun, x)
    scale = max(1.0, float(np.max(np.abs(numeric))))
    assert analytic.shape == numeric.shape
    assert np.max(np.abs(analytic - numeric)) <= rtol * scale


def points(problem):
    """Where derivatives are checked: the starts (not the 100 x0 ones, where FD loses all
    digits to rounding), the known minimiser, and a point between (off the midpoint, which
    for the helical valley is the axis x1 = x2 = 0 where J is not defined)."""
    pts = [np.asarray(s, dtype=float) for s in problem.starts[:2]]
    if problem.x_star is not None:
        pts.append(np.asarray(problem.x_star, dtype=float))
        pts.append(0.4 * pts[0] + 0.6 * pts[-1])
    return pts


def test_registry_has_every_family():
    names = set(BY_NAME)
    assert any(n.startswith("mgh") and n.endswith("_ssq") for n in names)
    assert any(n.startswith("linear_") for n in names)
    assert any(n.startswith("quadratic_") for n in names)
    kinds = {p.kind for p in PROBLEMS}
    assert {"least_squares", "minimize"} <= kinds
    assert len(names) == len(PROBLEMS)


@pytest.mark.slow
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_derivatives_agree_with_finite_differences(problem):
    if problem.jac is None:
        pytest.skip("no derivative recorded")  # pragma: no cover - every family has one
    for x in points(problem):
        with np.errstate(all="ignore"):
            if not np.all(np.isfinite(np.atleast_1d(problem.fun(x)))):
                continue
        assert_derivative(problem.jac, problem.fun, x)
        for constraint in problem.extra.get("constraints", ()):
            assert_derivative(constraint["jac"], constraint["fun"], x)


KNOWN_X = [p for p in PROBLEMS if p.x_star is not None]


@pytest.mark.parametrize("problem", KNOWN_X, ids=lambda p: p.name)
def test_known_optimum_has_the_stated_value(problem):
    verdict = problem.judge(problem.x_star, start=0)
    assert verdict.passed and verdict.reached == "optimum", (problem.value(problem.x_star), problem.f_star)


def test_hock_schittkowski_optima_are_feasible_with_the_stated_value():
    problems = hs.load()
    assert len(problems) == 31
    for problem in problems:
        x = problem.x_star
        assert problem.judge(x).reached == "optimum", problem.name
        for constraint in problem.extra["constraints"]:
            values = constraint["fun"](x)
            if constraint["type"] == "eq":
                assert np.max(np.abs(values)) < 1e-8, problem.name
            else:
                assert np.min(values) > -1e-8, problem.name
        if "bounds" in problem.extra:
            lb, ub = problem.extra["bounds"]
            assert np.all(x >= lb - 1e-12) and np.all(x <= ub + 1e-12), problem.name


def test_linear_least_squares_solution_is_the_lstsq_solution():
    for name in ("linear_consistent_8x4", "linear_residual_20x6", "linear_illcond_40x8"):
        p = BY_NAME[name]
        A, b = p.extra["A"], p.extra["b"]
        x = np.linalg.lstsq(A, b, rcond=None)[0]
        assert np.linalg.norm(A @ x - b) == pytest.approx(p.f_star, rel=1e-10, abs=1e-12)
        # the solution is as accurate as the conditioning allows (cond**2 * |r| * eps)
        assert log_relative_error(x, p.x_star) > 15 - 2 * math.log10(p.extra["cond"]) - 2
        assert np.linalg.cond(A) == pytest.approx(p.extra["cond"], rel=1e-6)


def test_quadratic_minimiser_solves_the_normal_equations():
    p = BY_NAME["quadratic_10"]
    H = p.extra["hess"](p.x_star)
    np.testing.assert_allclose(np.linalg.solve(H, -p.jac(np.zeros(p.n))), p.x_star, rtol=1e-9)
    assert np.all(np.linalg.eigvalsh(H) > 0)


def test_mgh_sum_of_squares_matches_its_residuals():
    for p in PROBLEMS:
        if p.name.endswith("_ssq"):
            residual = BY_NAME[p.extra["residual_problem"]]
            x = np.asarray(p.starts[0], dtype=float)
            r = residual.fun(x)
            assert p.fun(x) == pytest.approx(float(r @ r), rel=1e-14)
            np.testing.assert_allclose(p.jac(x), 2 * residual.jac(x).T @ r, rtol=1e-12)
            assert p.f_star == pytest.approx(residual.f_star**2, rel=1e-14, abs=0)


# judging ----------------------------------------------------------------------------------

def _toy(**changes):
    fields = dict(name="test_toy_registry", source="test", kind="least_squares", n=1, m=1,
                  starts=(np.array([3.0]), np.array([-3.0])), fun=lambda x: np.array([x[0] ** 2 - 4.0]),
                  jac=lambda x: np.array([[2 * x[0]]]), f_star=0.0, x_star=np.array([2.0]),
                  rtol=1e-8, atol=1e-10)
    fields.update(changes)
    return Problem(**fields)


def test_judge_optimum_local_minimum_and_miss():
    p = _toy(extra={"local_minima": [{"f": 4.0, "x": np.array([0.0]), "starts": (1,),
                                      "note": "local minimum: the hump at 0"}]})
    assert p.judge([2.0]).reached == "optimum"
    assert p.judge([2.0]).digits == 15.0
    assert p.judge([0.0], start=1).reached == "local minimum"
    assert not p.judge([0.0], start=0).passed  # recorded for start index 1 only
    miss = p.judge([2.0 + 1e-3])
    assert not miss.passed and miss.reached == "missed"
    assert miss.digits == pytest.approx(-math.log10(1e-3 / 2), abs=1e-6)
    assert not p.judge([np.nan]).passed


def test_zero_optimum_without_atol_uses_rtol_as_absolute():
    p = _toy(atol=0.0, rtol=1e-6)
    assert p.tolerance(0.0) == 1e-6
    assert p.tolerance(2.0) == 2e-6


def test_local_norms_of_the_mgh_form_count_as_other_minima():
    p = _toy(extra={"local_norms": [4.0]})
    assert p.judge([0.0], start=0).passed


@given(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-200), st.integers(1, 14))
def test_log_relative_error_counts_digits(reference, digits):
    value = reference * (1 + 10.0**-digits)
    assert log_relative_error(value, reference) == pytest.approx(digits, abs=0.01)


def test_log_relative_error_edges():
    assert log_relative_error(1.0, 1.0) == 15.0
    assert log_relative_error(np.nan, 1.0) == 0.0
    assert log_relative_error(1e-9, 0.0) == pytest.approx(9.0)
    assert log_relative_error([1.0, 2.0 + 2e-4], [1.0, 2.0]) == pytest.approx(4.0)


def test_register_rejects_duplicates_and_bad_kinds():
    p = _toy()
    register(p)
    try:
        with pytest.raises(ValueError, match="already registered"):
            register(_toy())
        with pytest.raises(ValueError, match="kind must be one of"):
            register(_toy(name="test_bad_kind", kind="other"))
    finally:
        unregister(p.name)


def test_known_miss_table_names_registered_problems_and_methods():
    names = set(BY_NAME) | {p.name for p in nist.problems()}
    for name, methods in reference_runs.KNOWN_MISSES.items():
        assert name in names
        for method, starts in methods.items():
            for start, (reason, why) in starts.items():
                assert reason in (reference_runs.CONVERGED, reference_runs.BUDGET,
                                  reference_runs.STALLED) and why
                if name in BY_NAME:
                    assert 0 <= start < len(BY_NAME[name].starts)


def test_lower_chebyquad_minimum_is_below_the_published_one():
    p = BY_NAME["mgh15_chebyquad_n10_m10_ssq"]
    lower = reference_runs.LOWER_MINIMA["mgh15_chebyquad_n10_m10"]
    assert lower < p.f_star
    assert any(m["f"] == lower for m in p.other_minima())


# the expression compiler -------------------------------------------------------------------

EXPRESSIONS = ["100*(x[1] - x[0]**2)**2 + (1 - x[0])**2",
               "math.sin(x[0] + x[1]) + (x[0] - x[1])**2 - 1.5*x[0] + 2.5*x[1] + 1",
               "math.log(1 + x[0]**2) - x[1]", "-x[0]*x[1]/3 + math.exp(-x[1]) * math.pi",
               "math.sqrt(x[0]**2 + 1) - +x[1]"]


@given(st.lists(st.floats(-3, 3), min_size=2, max_size=2))
def test_compiled_expressions_agree_with_python(values):
    for text in EXPRESSIONS:
        expected = eval(text, {"math": math, "__builtins__": {}}, {"x": values})  # trusted test text
        assert hs.compile_expression(text)(np.array(values)) == pytest.approx(expected, rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "x.__class__", "os.getcwd()",
                                  "math.__dict__", "y[0]", "x[-1]", "x[0:2]", "[x[0]]",
                                  "lambda: 1", "x[0] if x[1] else 2", "math.sin(x[0], x[1])",
                                  "'text'", "x[0] < 1"])
def test_compiler_rejects_anything_outside_the_subset(text):
    with pytest.raises((ValueError, SyntaxError)):
        hs.compile_expression(text)


def test_complex_step_gradient_is_exact_to_rounding():
    f = hs.value_function(["math.sin(x[0])*x[1]**3"], 2)
    grad = hs.complex_step_derivative(f, 2)
    x = np.array([0.7, -1.3])
    np.testing.assert_allclose(grad(x), [math.cos(0.7) * (-1.3) ** 3, 3 * math.sin(0.7) * 1.69],
                               rtol=1e-15)


def test_hock_schittkowski_loader_reads_a_folder(tmp_path):
    record = {"id": "HS99", "n": 2, "objective": "(x[0] - 1)**2 + (x[1] - 2)**2",
              "eq_constraints": ["x[0] + x[1] - 1"], "ineq_constraints_ge0": [],
              "bounds": [[None, None], [0, None]], "x0": [0, 0], "x_star": [0, 1], "f_star": 2.0,
              "source": "test"}
    (tmp_path / hs.FILE_NAME).write_text(__import__("json").dumps({"problems": [record]}))
    (p,) = hs.load(tmp_path)
    assert p.name == "hs99" and p.kind == "constrained"
    assert p.judge(p.x_star).passed
    np.testing.assert_array_equal(p.extra["bounds"][0], [-np.inf, 0.0])
    np.testing.assert_allclose(p.extra["constraints"][0]["jac"](np.zeros(2)), [[1.0, 1.0]])
    with pytest.raises(FileNotFoundError):
        hs.load(tmp_path / "absent")


def test_linear_problem_builders_validate_and_are_reproducible():
    with pytest.raises(ValueError, match="m must be at least n"):
        linear.linear_least_squares("x", 3, 4, cond=10.0, residual_norm=0.0, seed=0)
    a = linear.quadratic("q", 5, cond=10.0, seed=3)
    b = linear.quadratic("q", 5, cond=10.0, seed=3)
    np.testing.assert_array_equal(a.x_star, b.x_star)


@given(st.integers(1, 6), st.integers(0, 6), st.floats(1.0, 1e4), st.floats(0.0, 10.0), st.integers(0, 2**16))
def test_linear_construction_gives_the_least_squares_solution(n, extra_rows, cond, residual, seed):
    if extra_rows == 0:  # a square system is consistent: no residual is possible
        with pytest.raises(ValueError, match="needs m > n"):
            linear.linear_least_squares("h", n, n, cond=cond, residual_norm=1.0, seed=seed)
        residual = 0.0
    p = linear.linear_least_squares("h", n + extra_rows, n, cond=cond, residual_norm=residual, seed=seed)
    A, b = p.extra["A"], p.extra["b"]
    x = np.linalg.lstsq(A, b, rcond=None)[0]
    assert np.linalg.norm(A @ x - b) == pytest.approx(p.f_star, rel=1e-9, abs=1e-12 * np.linalg.norm(b))
    np.testing.assert_allclose(x, p.x_star, rtol=0, atol=1e-9 * cond**2 * (1 + residual) * np.linalg.norm(p.x_star))
    np.testing.assert_allclose(A.T @ (A @ p.x_star - b), 0.0, atol=1e-12 * (1 + np.linalg.norm(b)))


def test_reference_data_ships_in_the_package():
    from refopt.problems import data_dir

    folder = data_dir()
    assert sorted(f.name for f in (folder / "nist").iterdir() if f.name.endswith(".dat")) \
        == sorted(f"{name}.dat" for name in nist.NAMES)
    for name in ("minpack_lmder_reference.csv", "hock_schittkowski.json", "README.md"):
        assert (folder / name).is_file()
    readme = (folder / "README.md").read_text()
    for source in ("NIST", "Garbow", "Hock", "Licence"):
        assert source in readme
    assert len(nist.load_all()) == 27 and len(hs.load()) == 31
