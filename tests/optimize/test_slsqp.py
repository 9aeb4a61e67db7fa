"""SLSQP (refopt.optimize.slsqp): known solutions, KKT conditions, exit modes, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st

import refopt
from refopt import LinearConstraint, NonlinearConstraint, minimize
from refopt.optimize import slsqp
from refopt.problems import all_problems

# Nocedal & Wright (2006), Example 16.4, as scipy's minimize page states it
OBJECTIVE = lambda x: (x[0] - 1) ** 2 + (x[1] - 2.5) ** 2  # noqa: E731
NW_CONSTRAINTS = ({"type": "ineq", "fun": lambda x: x[0] - 2 * x[1] + 2},
                  {"type": "ineq", "fun": lambda x: -x[0] - 2 * x[1] + 6},
                  {"type": "ineq", "fun": lambda x: -x[0] + 2 * x[1] + 2})
NW_BOUNDS = ((0, None), (0, None))


def test_nocedal_wright_example_16_4():
    res = minimize(OBJECTIVE, (2, 0), method="SLSQP", bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS)
    assert res.success and res.status == 0
    assert res.message == "Optimization terminated successfully"
    np.testing.assert_allclose(res.x, [1.4, 1.7], atol=1e-6)
    # KKT at (1.4, 1.7): only the first constraint is active, with multiplier 0.8
    np.testing.assert_allclose(res.multipliers, [0.8, 0.0, 0.0], atol=1e-6)
    assert set(res) >= {"x", "fun", "jac", "nit", "nfev", "njev", "status", "message",
                        "success", "multipliers"}


def test_constraints_are_the_default_route_to_slsqp():
    a = minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS)
    b = minimize(OBJECTIVE, (2, 0), method="slsqp", bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS)
    assert np.array_equal(a.x, b.x) and a.nfev == b.nfev


def test_constraint_objects_give_the_dict_result():
    A = np.array([[1.0, -2.0], [-1.0, -2.0], [-1.0, 2.0]])
    linear = LinearConstraint(A, [-2.0, -6.0, -2.0], np.inf)
    nonlinear = NonlinearConstraint(lambda x: A @ x, [-2.0, -6.0, -2.0], np.inf,
                                    jac=lambda x: A)
    reference = minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS)
    for con in (linear, nonlinear, [linear]):
        res = minimize(OBJECTIVE, (2, 0), bounds=refopt.Bounds([0, 0], np.inf), constraints=con)
        np.testing.assert_allclose(res.x, reference.x, atol=1e-10)
        np.testing.assert_allclose(res.multipliers, reference.multipliers, atol=1e-8)


def test_mixed_constraint_object_is_split_into_equalities_then_inequalities():
    con = NonlinearConstraint(lambda x: [x[0] + x[1], x[0] - x[1]], [1.0, -np.inf], [1.0, 0.5])
    with pytest.warns(refopt.OptimizeWarning, match="same element"):
        res = minimize(lambda x: x @ x, [2.0, 0.0], constraints=con)
    np.testing.assert_allclose(res.x, [0.5, 0.5], atol=1e-8)
    assert res.multipliers.size == 2
    assert res.multipliers[0] == pytest.approx(1.0, abs=1e-6)  # d(x.x)/dx = lambda * (1, 1)


def hs_options(problem):
    kwargs = {"jac": problem.jac, "options": {"ftol": 1e-12, "maxiter": 1000}}
    if "bounds" in problem.extra:
        kwargs["bounds"] = list(zip(*problem.extra["bounds"]))
    if problem.extra.get("constraints"):
        kwargs["constraints"] = problem.extra["constraints"]
    return kwargs


def max_violation(problem, x):
    worst = 0.0
    for con in problem.extra.get("constraints", []):
        c = con["fun"](x)
        worst = max(worst, float(np.max(np.abs(c) if con["type"] == "eq" else np.maximum(-c, 0))))
    if "bounds" in problem.extra:
        lb, ub = problem.extra["bounds"]
        worst = max(worst, float(np.max(np.maximum(lb - x, 0))), float(np.max(np.maximum(x - ub, 0))))
    return worst


HS = [p for p in all_problems("constrained")]


@pytest.mark.parametrize("problem", HS, ids=[p.name for p in HS])
def test_hock_schittkowski_published_optimum(problem):
    res = minimize(problem.fun, problem.starts[0], method="SLSQP", **hs_options(problem))
    f = problem.fun(res.x)
    local = [m["f"] for m in problem.other_minima()]
    targets = [problem.f_star] + local  # hs02's start leads to its recorded local minimum
    assert any(abs(f - t) <= 1e-6 * max(1.0, abs(t)) for t in targets), (f, problem.f_star)
    assert max_violation(problem, res.x) <= 1e-8


@pytest.mark.parametrize("problem", [p for p in HS if p.extra.get("constraints")][:12],
                         ids=lambda p: p.name)
def test_multipliers_satisfy_stationarity_at_the_solution(problem):
    """grad f = sum lambda_j grad c_j (+ bound terms, which SLSQP does not report)."""
    res = minimize(problem.fun, problem.starts[0], method="SLSQP", **hs_options(problem))
    C = np.vstack([np.atleast_2d(c["jac"](res.x)) for c in sorted(
        problem.extra["constraints"], key=lambda c: c["type"] != "eq")])
    residual = problem.jac(res.x) - C.T @ res.multipliers
    if "bounds" in problem.extra:  # bound multipliers: only where x sits on a bound
        lb, ub = problem.extra["bounds"]
        free = (res.x > lb + 1e-7) & (res.x < ub - 1e-7)
        residual = residual[free]
    meq = sum(np.atleast_1d(c["fun"](res.x)).size for c in problem.extra["constraints"]
              if c["type"] == "eq")
    assert np.all(res.multipliers[meq:] >= -1e-8)
    assert np.max(np.abs(residual), initial=0.0) <= 1e-4 * (1 + np.abs(problem.jac(res.x)).max())


@given(st.integers(0, 2**32 - 1), st.integers(2, 5))
def test_convex_quadratic_with_linear_constraints_meets_kkt(seed, n):
    """min ½||x - p||² s.t. G x >= h: the projection of p; KKT with the reported multipliers."""
    rng = np.random.default_rng(seed)
    p = rng.normal(size=n) * 3
    G = rng.normal(size=(3, n))
    h = G @ rng.normal(size=n) - rng.uniform(0, 1, 3)  # nonempty
    res = minimize(lambda x: 0.5 * np.sum((x - p) ** 2), np.zeros(n), jac=lambda x: x - p,
                   constraints={"type": "ineq", "fun": lambda x: G @ x - h, "jac": lambda x: G},
                   options={"ftol": 1e-12, "maxiter": 200})
    assert res.status == 0
    lam = res.multipliers
    assert np.all(G @ res.x - h >= -1e-8) and np.all(lam >= -1e-10)
    np.testing.assert_allclose(res.x - p, G.T @ lam, atol=1e-6)
    np.testing.assert_allclose(lam * (G @ res.x - h), 0.0, atol=1e-6)


def test_unconstrained_quadratic_in_one_step_with_exact_gradient():
    res = minimize(lambda x: x @ x, [3.0, -4.0], jac=lambda x: 2 * x, method="SLSQP")
    assert res.success and np.allclose(res.x, 0.0, atol=1e-8)
    assert res.multipliers.size == 0


# ---- exit modes: never an exception, a hang or a success at an infeasible point ----------

def feasible(x, constraints, tol=1e-6):
    return all(np.all(np.asarray(c["fun"](x)) >= -tol) if c["type"] == "ineq"
               else np.all(np.abs(c["fun"](x)) <= tol) for c in constraints)


@pytest.mark.parametrize("constraints, bounds", [
    ([{"type": "ineq", "fun": lambda x: x[0] - 1}, {"type": "ineq", "fun": lambda x: -x[0]}],
     None),
    ([{"type": "eq", "fun": lambda x: x[0] - 1}, {"type": "eq", "fun": lambda x: x[0]}], None),
    ([{"type": "ineq", "fun": lambda x: 1 - x[0]}], [(3, 4), (0, 1)]),
    ([{"type": "eq", "fun": lambda x: x[0] ** 2 + x[1] ** 2 + 1}], None),
])
def test_infeasible_problems_end_with_a_failure_mode(constraints, bounds):
    res = minimize(OBJECTIVE, [0.0, 0.0], method="SLSQP", constraints=constraints, bounds=bounds,
                   options={"maxiter": 200})
    assert not res.success and res.status in (3, 4, 5, 6, 7, 8, 9)
    assert res.message == slsqp.EXIT_MODES[res.status]
    assert not feasible(res.x, constraints)


def test_more_equalities_than_variables_is_mode_2():
    con = {"type": "eq", "fun": lambda x: [x[0] - 1, x[1], x[0] + x[1] - 1]}
    res = minimize(OBJECTIVE, [0.0, 0.0], method="SLSQP", constraints=con)
    assert res.status == 2 and res.message == "More equality constraints than independent variables"


def test_iteration_limit_is_mode_9():
    rosen = lambda x: 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2  # noqa: E731
    res = minimize(rosen, [-1.2, 1.0], method="SLSQP", options={"maxiter": 3})
    assert res.status == 9 and res.nit == 3 and res.message == "Iteration limit reached"


def test_nan_objective_ends_without_an_exception_or_success():
    res = minimize(lambda x: (x[0] - 2) ** 2 if x[0] == 0 else np.nan, [0.0], method="SLSQP",
                   options={"maxiter": 50})
    assert not res.success and res.message == slsqp.EXIT_MODES[res.status]


def test_nan_region_is_avoided_by_the_line_search():
    """NaN beyond 0.5: the merit test rejects those trial points, so the run ends at the
    edge of the domain, where f is smallest."""
    res = minimize(lambda x: np.nan if x[0] > 0.5 else (x[0] - 2) ** 2, [0.0], method="SLSQP")
    assert np.isfinite(res.fun) and abs(res.x[0] - 0.5) < 1e-5


def test_nan_constraint_ends_without_an_exception_or_success():
    with np.errstate(invalid="ignore"):
        res = minimize(OBJECTIVE, [0.0, 0.0], method="SLSQP",
                       constraints={"type": "ineq", "fun": lambda x: np.sqrt(x[0] - 5)})
    assert not res.success and res.message == slsqp.EXIT_MODES[res.status]


# ---- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("con, error, message", [
    ({"fun": lambda x: x[0]}, KeyError, "Constraint 0 has no type defined."),
    ({"type": "eqq", "fun": lambda x: x[0]}, ValueError, "Unknown constraint type 'eqq'."),
    ({"type": "eq"}, ValueError, "Constraint 0 has no function defined."),
    ({"type": 1, "fun": lambda x: x[0]}, TypeError, "Constraint's type must be a string."),
    ([lambda x: x], TypeError, "Constraints must be defined using a dictionary."),
])
def test_bad_constraint_dicts(con, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(".", r"\.")):
        minimize(OBJECTIVE, [0.0, 0.0], method="SLSQP", constraints=con)


def test_constraint_of_changing_size_is_an_error():
    calls = []

    def grows(x):
        calls.append(1)
        return np.ones(len(calls) % 3 + 1)

    with pytest.raises(ValueError, match="returned .* values at one point"):
        minimize(OBJECTIVE, [0.0, 0.0], method="SLSQP", constraints={"type": "ineq", "fun": grows})


def test_constraint_jacobian_of_wrong_shape_is_an_error():
    con = {"type": "ineq", "fun": lambda x: x[0], "jac": lambda x: np.ones(3)}
    with pytest.raises(ValueError, match=r"Jacobian of constraint 0 must have shape \(1, 2\)"):
        minimize(OBJECTIVE, [0.0, 0.0], method="SLSQP", constraints=con)


def test_gradient_of_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match="gradient"):
        minimize(OBJECTIVE, [0.0, 0.0], jac=lambda x: np.ones(3), method="SLSQP")


@pytest.mark.parametrize("bounds, message", [
    ([(1, 0), (0, 1)], "An upper bound is less than the corresponding lower bound."),
    ([(0, 1)] * 3, "The number of bounds is not compatible"),
])
def test_bad_bounds(bounds, message):
    with pytest.raises(ValueError, match=message):
        minimize(OBJECTIVE, [0.0, 0.0], method="SLSQP", bounds=bounds)


def test_unknown_option_warns():
    with pytest.warns(refopt.OptimizeWarning, match="Unknown solver options: foo"):
        minimize(OBJECTIVE, [0.0, 0.0], method="SLSQP", options={"foo": 1})


# ---- options, callback, output -------------------------------------------------------------

def test_callback_sees_every_iteration_and_can_stop():
    seen = []
    res = minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS,
                   callback=lambda intermediate_result: seen.append(intermediate_result.fun))
    assert len(seen) == res.nit

    def stop(xk):
        raise StopIteration

    res = minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS, callback=stop)
    assert res.status == 99 and not res.success and res.nit == 1


def test_disp_and_iprint(capsys):
    minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS,
             options={"disp": True, "iprint": 2})
    out = capsys.readouterr().out
    assert "  NIT    FC           OBJFUN            GNORM" in out
    assert "Optimization terminated successfully    (Exit mode 0)" in out
    assert "Current function value:" in out and "Gradient evaluations:" in out
    minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS, options={"iprint": 2})
    assert capsys.readouterr().out == ""  # iprint without disp prints nothing


def test_ftol_and_tol():
    loose = minimize(OBJECTIVE, (2, 0), constraints=NW_CONSTRAINTS, options={"ftol": 1e-2})
    tight = minimize(OBJECTIVE, (2, 0), constraints=NW_CONSTRAINTS, tol=1e-12)
    assert tight.nit >= loose.nit
    assert abs(tight.fun - 0.8) <= 1e-10


def test_finite_difference_schemes_and_steps():
    exact = minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS,
                     jac=lambda x: np.array([2 * (x[0] - 1), 2 * (x[1] - 2.5)]))
    for jac, options in ((None, {"eps": 1e-7}), ("3-point", {}), ("2-point", {"finite_diff_rel_step": 1e-7})):
        res = minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS, jac=jac,
                       options=options)
        np.testing.assert_allclose(res.x, exact.x, atol=1e-6)
    assert exact.njev == exact.nit + (0 if exact.status else 0) or exact.njev >= 1


def test_starting_point_outside_bounds_is_clipped_and_input_not_mutated():
    x0 = np.array([-5.0, 10.0])
    seen = []
    res = minimize(lambda x: seen.append(x.copy()) or OBJECTIVE(x), x0, method="SLSQP",
                   bounds=[(0, 3), (0, 3)])
    assert np.array_equal(x0, [-5.0, 10.0])
    np.testing.assert_array_equal(seen[0], [0.0, 3.0])
    np.testing.assert_allclose(res.x, [1.0, 2.5], atol=1e-6)


# ---- the quasi-Newton factors --------------------------------------------------------------

@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.booleans())
def test_ldl_update_is_a_rank_one_update(seed, n, negative):
    rng = np.random.default_rng(seed)
    L = np.tril(rng.normal(size=(n, n)), -1) + np.eye(n)
    d = rng.uniform(0.5, 2.0, n)
    z = rng.normal(size=n)
    B = L @ np.diag(d) @ L.T
    sigma = 1.0 / (z @ z)
    if negative:  # keep B - sigma z z^T positive definite
        sigma = -0.5 / (z @ np.linalg.solve(B, z))
    expected = B + sigma * np.outer(z, z)
    slsqp.ldl_update(L, d, z, sigma)
    np.testing.assert_allclose(L @ np.diag(d) @ L.T, expected, atol=1e-10 * np.abs(B).max())
    assert np.all(d > 0) and np.allclose(np.diag(L), 1.0)


@given(st.integers(0, 2**32 - 1), st.integers(1, 5))
def test_damped_bfgs_keeps_b_positive_definite_and_meets_the_secant_equation(seed, n):
    rng = np.random.default_rng(seed)
    L, d = np.eye(n), np.ones(n)
    s, y = rng.normal(size=n), rng.normal(size=n)  # s^T y may be negative: damping
    Bs = s.copy()
    sy = s @ y
    theta = 1.0 if sy >= 0.2 * (s @ s) else 0.8 * (s @ s) / (s @ s - sy)
    r = theta * y + (1 - theta) * Bs
    assert slsqp.bfgs_update(L, d, s, y)
    B = L @ np.diag(d) @ L.T
    np.testing.assert_allclose(B @ s, r, atol=1e-10 * (1 + np.abs(r).max()))
    assert np.all(np.linalg.eigvalsh(B) > 0)


def test_no_runtime_warning_in_ordinary_runs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        minimize(OBJECTIVE, (2, 0), bounds=NW_BOUNDS, constraints=NW_CONSTRAINTS)
