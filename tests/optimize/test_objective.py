"""The counted objective's second derivatives (refopt/optimize/_objective.py): ``hess(x)``
and ``hessp(x, p)`` in every form, what each costs and where it is counted."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from refopt.linalg.operators import aslinearoperator
from refopt.optimize import BFGS
from refopt.optimize._objective import ScalarObjective

# f = x0^2 x1 + x1^3: gradient and Hessian in closed form
X0 = np.array([1.5, -0.5])


def f(x):
    return x[0] ** 2 * x[1] + x[1] ** 3


def g(x):
    return np.array([2 * x[0] * x[1], x[0] ** 2 + 3 * x[1] ** 2])


def h(x):
    return np.array([[2 * x[1], 2 * x[0]], [2 * x[0], 6 * x[1]]])


def test_callable_hessian_is_evaluated_at_x0_and_once_per_new_point():
    objective = ScalarObjective(f, X0, (), g, hess=h)
    assert objective.nhev == 1
    assert_array_equal(objective.hess(X0), h(X0))
    assert objective.nhev == 1  # the same point: cached
    x1 = X0 + 0.25
    assert_array_equal(objective.hess(x1), h(x1))
    objective.grad(x1)
    assert (objective.nhev, objective.ngev, objective.nfev) == (2, 2, 1)


@pytest.mark.parametrize("scheme, per_product", [("2-point", 1), ("3-point", 2), ("cs", 1)])
def test_differenced_hessian_products_cost_gradients(scheme, per_product):
    objective = ScalarObjective(f, X0, (), g, hess=scheme)
    H = objective.hess(X0)
    p = np.array([0.3, -1.0])
    assert_allclose(H.dot(p), h(X0) @ p, rtol=1e-5)
    assert objective.ngev == 1 + per_product and objective.nhev == 0
    assert_array_equal(objective.x, X0)  # the products do not move the cached point
    assert_array_equal(H.dot(np.zeros(2)), np.zeros(2))  # and a zero product is free
    assert objective.ngev == 1 + per_product


def test_update_strategy_learns_from_every_move():
    strategy = BFGS(init_scale=1.0)
    objective = ScalarObjective(f, X0, (), g, hess=strategy)
    M = objective.hess(X0)
    assert_array_equal(M.get_matrix(), np.eye(2))
    x1 = X0 + np.array([0.1, 0.2])
    objective.fun(x1)  # a move: the gradient at x1 is computed for the update
    assert objective.ngev == 2
    s, y = x1 - X0, g(x1) - g(X0)
    assert_allclose(objective.hess(x1).dot(s), y)  # the secant equation (29.3)
    assert strategy.approx_type is None  # the user's strategy was copied


def test_hessp_uses_the_users_function_or_the_hessian():
    calls = []

    def hessp(x, p):
        calls.append(1)
        return h(x) @ p

    p = np.array([1.0, 2.0])
    with_hessp = ScalarObjective(f, X0, (), g, hessp=hessp)
    assert_allclose(with_hessp.hessp(X0, p), h(X0) @ p)
    assert with_hessp.nhessp == len(calls) == 1 and with_hessp.hess(X0) is None
    with_hess = ScalarObjective(f, X0, (), g, hess=h)
    assert_allclose(with_hess.hessp(X0, p), h(X0) @ p)
    assert (with_hess.nhessp, with_hess.nhev) == (1, 1)


def test_user_operator_and_shape_checks():
    objective = ScalarObjective(f, X0, (), g, hess=lambda x: aslinearoperator(h(x)))
    assert_allclose(objective.hess(X0).dot(np.ones(2)), h(X0) @ np.ones(2))
    with pytest.raises(ValueError, match=r"must have shape \(2, 2\); got \(3, 3\)"):
        ScalarObjective(f, X0, (), g, hess=lambda x: np.eye(3))
    with pytest.raises(ValueError, match="`hess` must be either callable"):
        ScalarObjective(f, X0, (), g, hess=3)
    with pytest.raises(ValueError, match="Whenever the gradient is estimated via "
                                         "finite-differences"):
        ScalarObjective(f, X0, (), "2-point", hess="2-point")
