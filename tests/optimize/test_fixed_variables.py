"""Variables fixed by their bounds (lb == ub): minimize takes them out for L-BFGS-B and
SLSQP when differences are needed (refopt/optimize/_fixed.py), as scipy's minimize does."""

from __future__ import annotations

import numpy as np
import pytest

from refopt import NonlinearConstraint, minimize


def f(x):
    return (x[0] - 1) ** 2 + (x[1] - 2) ** 2 + (x[2] - 3) ** 2 + x[0] * x[1]


def grad(x):
    return np.array([2 * (x[0] - 1) + x[1], 2 * (x[1] - 2) + x[0], 2 * (x[2] - 3)])


BOUNDS = [(0, 1), (0.5, 0.5), (None, None)]  # x1 fixed at 0.5


def reduced_f(z):  # f with x1 = 0.5 written out by hand
    return f(np.array([z[0], 0.5, z[1]]))


@pytest.mark.parametrize("method", ["L-BFGS-B", "SLSQP"])
def test_fixed_variable_is_removed_when_differences_are_needed(method):
    res = minimize(f, [0.5, 0.5, 0.5], method=method, bounds=BOUNDS)
    # with x1 = 0.5: d/dx0 = 2(x0 - 1) + 0.5 = 0 and x2 = 3
    np.testing.assert_allclose(res.x, [0.75, 0.5, 3.0], atol=1e-6)
    assert res.x[1] == 0.5 and res.x.size == 3
    assert np.isnan(res.jac[1]) and np.all(np.isfinite(res.jac[[0, 2]]))
    # the run is the run on the reduced problem, evaluation for evaluation
    alone = minimize(reduced_f, [0.5, 0.5], method=method, bounds=[(0, 1), (None, None)])
    np.testing.assert_array_equal(res.x[[0, 2]], alone.x)
    assert (res.nfev, res.nit) == (alone.nfev, alone.nit)
    if method == "L-BFGS-B":
        assert res.hess_inv is None


@pytest.mark.parametrize("method", ["L-BFGS-B", "SLSQP"])
def test_with_an_analytic_gradient_nothing_is_removed(method):
    res = minimize(f, [0.5, 0.5, 0.5], jac=grad, method=method, bounds=BOUNDS)
    np.testing.assert_allclose(res.x, [0.75, 0.5, 3.0], atol=1e-6)
    np.testing.assert_allclose(res.jac, grad(res.x), atol=1e-6)  # no NaN: the full gradient


def test_constraints_are_reduced_with_the_objective():
    # x0 + x2 <= 2.5 (no Jacobian: differences), x0 + x1 = 1.2 (Jacobian given)
    ineq = {"type": "ineq", "fun": lambda x: 2.5 - x[0] - x[2]}
    eq = {"type": "eq", "fun": lambda x: x[1] + x[0] - 1.2, "jac": lambda x: np.array([1.0, 1, 0])}
    user = [dict(ineq), dict(eq)]
    res = minimize(f, [0.5, 0.5, 0.5], jac=grad, method="SLSQP", bounds=BOUNDS, constraints=user)
    # x1 = 0.5 makes the equality x0 = 0.7; then min (x2 - 3)^2 with x2 <= 1.8
    np.testing.assert_allclose(res.x, [0.7, 0.5, 1.8], atol=1e-8)
    assert res.success and np.isnan(res.jac[1])
    # KKT in the free variables (x0, x2): grad f = lambda_eq (1, 0) + mu (-1, -1)
    g = grad(res.x)[[0, 2]]
    lam, mu = res.multipliers
    np.testing.assert_allclose(g, lam * np.array([1.0, 0.0]) + mu * np.array([-1.0, -1.0]),
                               atol=1e-6)
    assert user[0].keys() == ineq.keys() and user[1]["jac"] is eq["jac"]  # not mutated


def test_callback_sees_the_full_point_in_both_forms_and_nothing_is_printed(capsys):
    points, results = [], []
    minimize(f, [0.5, 0.5, 0.5], method="SLSQP", bounds=BOUNDS, callback=points.append)
    minimize(f, [0.5, 0.5, 0.5], method="L-BFGS-B", bounds=BOUNDS,
             callback=lambda intermediate_result: results.append(intermediate_result.x))
    assert points and results
    assert all(p.size == 3 and p[1] == 0.5 for p in points + results)
    assert capsys.readouterr().out == ""  # scipy 1.17 prints the callback here


@pytest.mark.parametrize("method", ["L-BFGS-B", "SLSQP"])
def test_every_variable_fixed_needs_no_run(method):
    res = minimize(f, [9.0, 9.0, 9.0], method=method, bounds=[(0.2, 0.2), (0.5, 0.5), (1, 1)])
    assert res.success and res.message == "All independent variables were fixed by bounds."
    np.testing.assert_array_equal(res.x, [0.2, 0.5, 1.0])
    assert res.fun == f(np.array([0.2, 0.5, 1.0]))
    assert (res.nfev, res.njev, res.nhev) == (1, 0, 0)


def test_every_variable_fixed_checks_the_constraints_there():
    bounds = [(0.2, 0.2), (1.0, 1.0), (1, 1)]
    holds = {"type": "eq", "fun": lambda x: x[0] + x[1] - 1.2}
    fails = NonlinearConstraint(lambda x: x[0] + x[2], -np.inf, 0.7)  # 1.2 > 0.7 by 0.5
    ok = minimize(f, [0.0, 0.0, 0.0], method="SLSQP", bounds=bounds, constraints=holds)
    assert ok.success and ok.message == ("All independent variables were fixed by bounds at "
                                         "values that satisfy the constraints.")
    bad = minimize(f, [0.0, 0.0, 0.0], method="SLSQP", bounds=bounds, constraints=[holds, fails])
    assert not bad.success
    assert bad.message.startswith("All independent variables were fixed by bounds, but")
    assert "(Maximum violation: 0.5" in bad.message
