"""The cases of scipy's own SLSQP tests (scipy/optimize/tests/test_slsqp.py, 1.17), rewritten
for refopt with answers worked out by hand (closed forms, or infeasibility shown by
inspection) instead of recorded runs.

The main problem is Chapra & Canale's Example 14.4 (Numerical Methods for Engineers):
maximize ``f = 2xy + 2x - x^2 - 2y^2``, i.e. minimize ``-f``. It is concave, with
``grad f = (2y + 2 - 2x, 2x - 4y)``, zero only at (2, 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from refopt import Bounds, NonlinearConstraint, OptimizeResult, fmin_slsqp, minimize


def neg_f(v, sign=-1.0):
    x, y = v
    return sign * (2 * x * y + 2 * x - x ** 2 - 2 * y ** 2)


def neg_f_grad(v, sign=-1.0):
    x, y = v
    return sign * np.array([-2 * x + 2 * y + 2, 2 * x - 4 * y])


X0 = [-1.0, 1.0]
ON_DIAGONAL = {"type": "eq", "fun": lambda v, sign: np.array([v[0] - v[1]]), "args": (-1.0,)}
ON_DIAGONAL_JAC = dict(ON_DIAGONAL, jac=lambda v, sign: np.array([[1.0, -1.0]]))
BELOW_DIAGONAL = {"type": "ineq", "fun": lambda v, sign: np.array([v[0] - v[1] - 1.0]),
                  "args": (-1.0,)}


@pytest.mark.parametrize("jac", [None, False, "2-point", "3-point", neg_f_grad])
def test_unconstrained_maximum_is_the_stationary_point(jac):
    res = minimize(neg_f, X0, args=(-1.0,), jac=jac, method="SLSQP")
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [2, 1], atol=1e-6)


def test_function_and_gradient_together():
    res = minimize(lambda v, s: (neg_f(v, s), neg_f_grad(v, s)), X0, args=(-1.0,), jac=True,
                   method="SLSQP")
    assert res.success
    np.testing.assert_allclose(res.x, [2, 1], atol=1e-6)


@pytest.mark.parametrize("jac", [None, "2-point", "3-point"])
def test_box_corner(jac):
    # x >= 2.5, y <= 0.5: at (2.5, 0.5) df/dx = -2 < 0 and df/dy = 3 > 0 push into both bounds
    res = minimize(neg_f, X0, args=(-1.0,), jac=jac, bounds=((2.5, None), (None, 0.5)),
                   method="SLSQP")
    assert res.success
    np.testing.assert_allclose(res.x, [2.5, 0.5], atol=1e-8)
    assert res.x[0] >= 2.5 and res.x[1] <= 0.5


@pytest.mark.parametrize("con", [ON_DIAGONAL, ON_DIAGONAL_JAC,
                                 dict(ON_DIAGONAL_JAC, fun=lambda v, s: v[0] - v[1],
                                      jac=lambda v, s: [1.0, -1.0])],
                         ids=["approximated", "given", "scalar"])
@pytest.mark.parametrize("jac", [None, neg_f_grad], ids=["fd", "grad"])
def test_on_the_diagonal_the_maximum_is_at_one(con, jac):
    # x = y: f = -x^2 + 2x, largest at x = 1
    res = minimize(neg_f, X0, args=(-1.0,), jac=jac, constraints=con, method="SLSQP")
    assert res.success
    np.testing.assert_allclose(res.x, [1, 1], atol=1e-6)


def test_inequality_active_at_the_free_maximum():
    # x - y >= 1 holds with equality at (2, 1) itself: its multiplier is zero, a degenerate
    # vertex that SLSQP approaches slowly, so the default ftol gives three digits (scipy's
    # test asks as much) and a tight one many more
    res = minimize(neg_f, X0, args=(-1.0,), jac=neg_f_grad, constraints=BELOW_DIAGONAL,
                   method="SLSQP")
    assert res.success
    np.testing.assert_allclose(res.x, [2, 1], atol=1e-3)
    tight = minimize(neg_f, X0, args=(-1.0,), jac=neg_f_grad, constraints=BELOW_DIAGONAL,
                     method="SLSQP", options={"ftol": 1e-12})
    np.testing.assert_allclose(tight.x, [2, 1], atol=1e-5)
    assert tight.x[0] - tight.x[1] - 1 >= -1e-10


def test_vector_inequality_inactive():
    res = minimize(neg_f, X0, args=(-1.0,), jac=neg_f_grad, method="SLSQP",
                   constraints={"type": "ineq", "fun": lambda v: np.asarray(v),
                                "jac": lambda v: np.eye(v.size)})
    assert res.success
    np.testing.assert_allclose(res.x, [2, 1], atol=1e-6)


def test_bounds_and_equality():
    # x = y within x in [-0.8, 1], y in [-1, 0.8]: -x^2 + 2x grows up to x = 0.8
    for solve in (lambda: minimize(neg_f, X0, args=(-1.0,), jac=neg_f_grad, method="SLSQP",
                                   bounds=[(-0.8, 1.0), (-1, 0.8)], constraints=ON_DIAGONAL_JAC).x,
                  lambda: fmin_slsqp(neg_f, X0, args=(-1.0,), fprime=neg_f_grad,
                                     bounds=[(-0.8, 1.0), (-1, 0.8)],
                                     f_eqcons=lambda v, s: np.array([v[0] - v[1]]),
                                     fprime_eqcons=lambda v, s: np.array([[1.0, -1.0]]),
                                     iprint=0)):
        x = solve()
        np.testing.assert_allclose(x, [0.8, 0.8], atol=1e-8)
        assert -0.8 <= x[0] <= 1 and -1 <= x[1] <= 0.8


def test_fmin_slsqp_faces():
    x, fx, nit, mode, message = fmin_slsqp(neg_f, X0, args=(-1.0,), iprint=0, full_output=1)
    assert mode == 0 and message == "Optimization terminated successfully"
    np.testing.assert_allclose(x, [2, 1], atol=1e-6)
    assert fx == pytest.approx(-2.0) and nit > 0  # f(2, 1) = 8 + 4 - 4 - 2 = 2
    x = fmin_slsqp(neg_f, X0, args=(-1.0,), eqcons=[lambda v, s: v[0] - v[1]], iprint=0)
    np.testing.assert_allclose(x, [1, 1], atol=1e-6)
    x = fmin_slsqp(neg_f, X0, args=(-1.0,), fprime=neg_f_grad,
                   ieqcons=[lambda v, s: v[0] - v[1] - 1.0], iprint=0)
    np.testing.assert_allclose(x, [2, 1], atol=1e-3)  # the degenerate vertex above


def test_scalar_problems():
    # min z^2 with z >= 1, as a list of scalar constraints and as one vector function
    np.testing.assert_allclose(fmin_slsqp(lambda z: z[0] ** 2, [3.0],
                                          ieqcons=[lambda z: z[0] - 1], iprint=0), [1.0])
    np.testing.assert_allclose(fmin_slsqp(lambda z: z[0] ** 2, [3.0],
                                          f_ieqcons=lambda z: [z[0] - 1], iprint=0), [1.0])
    fmin_slsqp(lambda z: z[0] ** 2 - 1, [0], bounds=[[0, 1]], iprint=0)  # integer bounds
    # one-element arrays as bounds: z_1 in [2, 3], so min sum(z^2 - 1) is at (0, 2)
    x = fmin_slsqp(lambda z: np.sum(z ** 2 - 1), [2.5, 2.5], iprint=0,
                   bounds=[(-np.inf, np.inf), (np.array([2]), np.array([3]))])
    np.testing.assert_allclose(x, [0, 2], atol=1e-8)


def test_objective_must_be_a_scalar():
    with pytest.raises(ValueError):
        fmin_slsqp(lambda x: [0, 1], [1, 2, 3], iprint=0)
    fmin_slsqp(lambda x: [0], [1, 2, 3], iprint=0)  # a one-element list is a scalar


def test_callback_forms():
    seen = []
    res = minimize(neg_f, X0, args=(-1.0,), method="SLSQP",
                   callback=lambda xk: seen.append(not isinstance(xk, OptimizeResult)))
    assert res.success and seen and all(seen) and len(seen) == res.nit
    results = []
    res = minimize(neg_f, X0, args=(-1.0,), method="SLSQP",
                   callback=lambda intermediate_result: results.append(intermediate_result))
    assert res.success and all(isinstance(r, OptimizeResult) for r in results)

    def stop(intermediate_result):
        raise StopIteration

    res = minimize(neg_f, X0, args=(-1.0,), method="SLSQP", callback=stop)
    assert not res.success and res.message.startswith("`callback` raised `StopIteration`")


def test_inconsistent_linearization_at_the_start_is_overcome():
    # min |x|^2, x0 + x1 = 2, x0^2 >= 1, x >= 0: at (0, 1) the linearized x0^2 >= 1 reads
    # 0 >= 1; the answer (1, 1) is the nearest point of the line, and x0^2 = 1 holds there
    res = minimize(lambda x: x[0] ** 2 + x[1] ** 2, [0, 1], method="SLSQP",
                   constraints=({"type": "eq", "fun": lambda x: x[0] + x[1] - 2},
                                {"type": "ineq", "fun": lambda x: x[0] ** 2 - 1}),
                   bounds=((0, None), (0, None)))
    assert res.success
    np.testing.assert_allclose(res.x, [1, 1], atol=1e-6)


@pytest.mark.parametrize("objective, constraints, bounds, x0", [
    # x0 + x1 = 1 with x0 >= 2 and x1 >= 0 (scipy issue 5743)
    (lambda x: x[0] ** 2 + x[1] ** 2, ({"type": "eq", "fun": lambda x: x[0] + x[1] - 1}, {"type": "ineq", "fun": lambda x: x[0] - 2}),
     ((0, None), (0, None)), [1, 2]),
    # x1 >= x0 + 1 and x0 >= x1 (scipy issue 7618)
    (lambda x: -x[0] + 4 * x[1], ({"type": "ineq", "fun": lambda x: x[1] - x[0] - 1}, {"type": "ineq", "fun": lambda x: x[0] - x[1]}),
     ((-5, 5), (-5, 5)), [1, 5]),
    # x0 + x1 <= -3 and x1 + x2 >= 2 in [-2, 2]^3: x1 >= 0 forces x0 <= -3 (scipy issue 9640)
    (lambda x: 1.0, ({"type": "ineq", "fun": lambda x: -x[0] - x[1] - 3}, {"type": "ineq", "fun": lambda x: x[1] + x[2] - 2}),
     ((-2, 2),) * 3, [-1.8869783504471584, -0.640096352696244, -0.8174212253407696]),
])
def test_infeasible_problems_never_succeed(objective, constraints, bounds, x0):
    res = minimize(objective, x0, method="SLSQP",
                   bounds=bounds, constraints=constraints, options={"maxiter": 10000})
    assert not res.success and res.status in (4, 8, 9)


def test_gradient_has_the_shape_of_x():
    res = minimize(lambda x: (x[0] - 1) ** 2 + 2 * (x[1] - 1) ** 2 + 0.5 * (x[2] - 1) ** 2,
                   [0, 0, 0], method="SLSQP")
    assert res.jac.shape == (3,)


@pytest.mark.parametrize("bounds", [((1, 2), (2, 1)), ((2, 1), (1, 2)), ((2, 1), (2, 1)),
                                    ((np.inf, 0), (np.inf, 0)), ((1, -np.inf), (0, 1))])
def test_lower_above_upper_is_refused(bounds):
    with pytest.raises(ValueError):
        minimize(neg_f, X0, bounds=bounds, method="SLSQP")


@pytest.mark.parametrize("x0, bounds, answer", [
    ([10], (None, 0), 0.0), ([-10], (2, None), 2.0), ([-10], (None, 0), 0.0),
    ([10], (2, None), 2.0), ([-0.5], (-1, 0), 0.0), ([10], (-1, 0), 0.0)])
def test_start_outside_the_bounds_is_clipped(x0, bounds, answer):
    # (x - 1)^2 on an interval not containing 1: the end nearer to 1
    res = minimize(lambda x: (x[0] - 1) ** 2, x0, method="slsqp", bounds=[bounds])
    assert res.success
    np.testing.assert_allclose(res.x, answer, atol=1e-10)


@pytest.mark.parametrize("x0, constraints, answer", [
    ([10], [lambda x: -x[0]], 0.0), ([-10], [lambda x: x[0] - 2], 2.0),
    ([-10], [lambda x: -x[0]], 0.0), ([10], [lambda x: x[0] - 2], 2.0),
    ([-0.5], [lambda x: -x[0], lambda x: x[0] + 1], 0.0),
    ([10], [lambda x: -x[0], lambda x: x[0] + 1], 0.0)])
def test_infeasible_start(x0, constraints, answer):
    # (x - 1)^2 with x <= 0, or x >= 2, or -1 <= x <= 0: the feasible point nearest 1
    res = minimize(lambda x: x[0] * x[0] - 2 * x[0] + 1, x0, method="slsqp",
                   constraints=[{"type": "ineq", "fun": c} for c in constraints])
    assert res.success
    np.testing.assert_allclose(res.x, answer, atol=1e-10)


def test_bounds_object():
    res = minimize(lambda x: x[0] ** 2 + x[1] ** 2, [0, 0], method="slsqp",
                   bounds=Bounds([1, 0], [np.inf, np.inf]))
    assert res.success
    np.testing.assert_allclose(res.x, [1, 0], atol=1e-10)


def test_nested_minimization():
    inner_runs = []

    def outer(x):
        inner = minimize(lambda z: (z[0] - 1) ** 2 + (z[1] - 1) ** 2, (3, 4), method="SLSQP")
        inner_runs.append(inner.success and np.allclose(inner.x, [1, 1], atol=1e-6))
        assert len(inner_runs) < 1000
        return x @ x

    res = minimize(outer, (5.0, 5.0, 5.0), method="SLSQP")
    assert res.success and all(inner_runs)
    np.testing.assert_allclose(res.x, [0, 0, 0], atol=1e-6)


def test_nlopt_tutorial_two_cubic_equalities():
    # min sqrt(x1) on x1 = (2 x0)^3 and x1 = (1 - x0)^3: 2 x0 = 1 - x0, so x = (1/3, 8/27)
    res = minimize(lambda x: np.sqrt(x[1]), [8, 0.25], method="SLSQP", bounds=[(-0.5, 1), (0, 8)],
                   constraints=[{"type": "eq", "fun": lambda x: x[1] - (2 * x[0]) ** 3},
                                {"type": "eq", "fun": lambda x: x[1] - (1 - x[0]) ** 3}])
    assert res.success
    np.testing.assert_allclose(res.x, [1 / 3, 8 / 27], rtol=1e-7)
    np.testing.assert_allclose(res.fun, np.sqrt(8 / 27), rtol=1e-9)


def test_difference_steps_stay_inside_the_bounds():
    # gh-11403: neither f nor the constraint may be evaluated outside the box
    def inside(x):
        assert np.all((0 <= x) & (x <= 1)), x
        return x

    minimize(lambda x: -inside(x)[0] ** 2 + x[1] ** 2, np.array([0.9, 0.5]), method="SLSQP",
             bounds=Bounds([0.0, 0.0], [1.0, 1.0]),
             constraints=[NonlinearConstraint(lambda x: inside(x)[0] ** 0.5 + x[1], 0, 1.5)])

    def norm_above_lb(x):  # |x| on [0.1, 1]: the minimum is on the lower bound
        assert np.all(x >= 0.1), x
        return np.linalg.norm(x)

    res = minimize(norm_above_lb, np.array([0.1 + 0.9 * 0.417022004702574]), method="SLSQP",
                   bounds=Bounds([0.1], [1.0]))
    assert res.success
    np.testing.assert_allclose(res.x, [0.1], atol=1e-10)


def test_more_equalities_than_variables_ends_cleanly():
    # 50 + 1 equality constraints on 22 variables (scipy's gh-14915 crashed here): mode 2
    target = np.linspace(0.9, 4.0, 50)
    res = minimize(lambda w: 0.0, np.full(22, 1 / 22), method="SLSQP",
                   constraints=({"type": "eq", "fun": lambda w: 1.0 - target},
                                {"type": "eq", "fun": lambda w: np.sum(w) - 1}))
    assert res.status == 2 and res.message == "More equality constraints than independent variables"


def test_more_equalities_than_variables_with_inequalities_ends_cleanly():
    # scipy issue 25665: this shape once under-allocated scipy's workspace
    res = minimize(lambda x: x @ x, [0.5, 0.5], method="SLSQP",
                   constraints=({"type": "eq", "fun": lambda x: [x[0] - 1, x[1], x[0] + x[1] - 1]},
                                {"type": "ineq", "fun": lambda x: x[0] + 3}))
    assert res.status == 2 and not res.success
