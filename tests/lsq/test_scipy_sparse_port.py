"""scipy's own sparse least-squares tests, ported by hand (no scipy imported).

The cases are those of the SparseMixin class and the sparse and operator refusals of the lm
tests in scipy's ``optimize/tests/test_least_squares.py`` (1.17), rewritten on refopt's
CSRMatrix and LinearOperator. Their answers are known independently: the Broyden
tridiagonal system (Moré, Garbow & Hillstrom 1981, problem 30, in scipy's variant
``(3 - x) x + 1``) has a root near ``x = -1``, so a run ends at cost 0; with bounds that
cut it off, first-order optimality 0 is what a solution means. Where refopt deliberately
refuses what scipy accepts (a callable ``jac`` with ``jac_sparsity``, which scipy ignores),
that combination is left out of the port and tested as an error in ``test_sparse.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from refopt import least_squares
from refopt.linalg.operators import LinearOperator, aslinearoperator
from refopt.linalg.sparse import CSRMatrix
from refopt._bounds import make_strictly_feasible
from tests.lsq.test_sparse import broyden, broyden_jacobian, broyden_pattern

N = 100                    # scipy's size for this problem
METHODS = ["trf", "dogbox"]
ZERO_COST = 1e-20          # scipy's tolerance on the final cost


def start_and_bounds(n: int = N):
    """A start near -1 and lower and upper bounds around the root, perturbed by a seeded
    generator, the start made strictly feasible (the shape of scipy's fixture; the
    same seeded draw)."""
    rng = np.random.default_rng(123440)   # the seed of scipy's fixture
    lb = np.linspace(-2.0, -1.5, n) + 0.1 * rng.standard_normal(n)
    ub = np.linspace(-0.8, 0.0, n) + 0.1 * rng.standard_normal(n)
    x0 = make_strictly_feasible(-np.ones(n) + 0.1 * rng.standard_normal(n), lb, ub)
    return x0, lb, ub


X0, LB, UB = start_and_bounds()


def dense_jacobian(x):
    return broyden_jacobian(x).toarray()


def operator_jacobian(x):
    return aslinearoperator(broyden_jacobian(x))


@pytest.mark.parametrize("method", METHODS)
def test_exact_solver_is_refused_for_a_sparse_jacobian(method):
    with pytest.raises(ValueError):
        least_squares(broyden, X0, broyden_jacobian, tr_solver="exact", method=method)
    with pytest.raises(ValueError):
        least_squares(broyden, X0, tr_solver="exact", jac_sparsity=broyden_pattern(N),
                      method=method)


@pytest.mark.parametrize("method", METHODS)
def test_sparse_and_dense_jacobians_both_find_the_root(method):
    sparse = least_squares(broyden, X0, jac=broyden_jacobian, method=method)
    dense = least_squares(broyden, X0, jac=dense_jacobian, method=method)
    assert sparse.cost < ZERO_COST and dense.cost < ZERO_COST
    assert isinstance(sparse.jac, CSRMatrix) and isinstance(dense.jac, np.ndarray)
    np.testing.assert_allclose(sparse.x, dense.x, rtol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_lsmr_options_are_passed_on(method):
    res = least_squares(broyden, X0, broyden_jacobian, method=method,
                        tr_options={"btol": 1e-10})
    assert res.cost < ZERO_COST


@pytest.mark.parametrize("method", METHODS)
def test_wrong_solver_and_wrong_lsmr_option(method):
    with pytest.raises(ValueError):
        least_squares(broyden, X0, broyden_jacobian, tr_solver="best", method=method)
    with pytest.raises(TypeError):
        least_squares(broyden, X0, broyden_jacobian, tr_solver="lsmr",
                      tr_options={"tol": 1e-10}, method=method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scheme", ["2-point", "3-point", "cs"])
def test_differences_on_the_pattern_take_the_dense_path(method, scheme):
    # dense differences solve with 'exact', grouped ones with 'lsmr': the same iterates,
    # because this problem's steps are the full Gauss-Newton steps either way
    dense = least_squares(broyden, X0, scheme, method=method)
    sparse = least_squares(broyden, X0, scheme, method=method, jac_sparsity=broyden_pattern(N))
    assert dense.nfev == sparse.nfev
    np.testing.assert_allclose(sparse.x, dense.x, rtol=1e-10)
    assert dense.cost < ZERO_COST and sparse.cost < ZERO_COST


CASES_WITH_BOUNDS = [(broyden_jacobian, None)] + [
    (scheme, pattern) for scheme in ("2-point", "3-point", "cs")
    for pattern in (None, broyden_pattern(N))]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("jac, pattern", CASES_WITH_BOUNDS,
                         ids=["sparse jac", "2-point", "2-point pattern", "3-point",
                              "3-point pattern", "cs", "cs pattern"])
@pytest.mark.parametrize("bounds", [(LB, np.inf), (-np.inf, UB), (LB, UB)],
                         ids=["lower", "upper", "both"])
def test_bounded_runs_end_first_order_optimal(method, jac, pattern, bounds):
    res = least_squares(broyden, X0, jac, bounds=bounds, method=method, jac_sparsity=pattern)
    assert res.optimality < 1e-10
    assert np.all(res.x >= bounds[0]) and np.all(res.x <= bounds[1])


@pytest.mark.parametrize("method", METHODS)
def test_a_pattern_of_the_wrong_shape_is_refused(method):
    pattern = broyden_pattern(N).toarray()[:-1]
    with pytest.raises(ValueError, match="`jac_sparsity` has wrong shape."):
        least_squares(broyden, X0, jac_sparsity=pattern, method=method)


@pytest.mark.parametrize("method", METHODS)
def test_an_operator_jacobian_finds_the_root_and_refuses_exact(method):
    res = least_squares(broyden, X0, operator_jacobian, method=method)
    assert res.cost < ZERO_COST and isinstance(res.jac, LinearOperator)
    with pytest.raises(ValueError):
        least_squares(broyden, X0, operator_jacobian, method=method, tr_solver="exact")


@pytest.mark.parametrize("method", METHODS)
def test_x_scale_jac_with_sparse_and_operator_jacobians(method):
    res = least_squares(broyden, X0, broyden_jacobian, method=method, x_scale="jac")
    assert res.cost < ZERO_COST
    with pytest.raises(ValueError):   # an operator has no column norms to offer
        least_squares(broyden, X0, operator_jacobian, method=method, x_scale="jac")


@pytest.mark.parametrize("regularize", [True, False])
def test_trf_lsmr_with_and_without_regularization(regularize):
    res = least_squares(broyden, X0, broyden_jacobian, method="trf",
                        tr_options={"regularize": regularize})
    assert res.cost < ZERO_COST


@pytest.mark.parametrize("kwargs", [dict(jac=broyden_jacobian), dict(jac=operator_jacobian),
                                    dict(jac_sparsity=broyden_pattern(N))],
                         ids=["sparse jac", "operator jac", "jac_sparsity"])
def test_lm_refuses_sparse_and_operator_jacobians(kwargs):
    with pytest.raises(ValueError):
        least_squares(broyden, X0, method="lm", **kwargs)


def test_lm_refuses_a_pattern_for_one_variable():
    with pytest.raises(ValueError):
        least_squares(lambda x: (x - 1.0)**2, 2.0, jac_sparsity=[1], method="lm")
