"""Sparse least squares: jac_sparsity, sparse and operator Jacobians, for trf and dogbox."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refopt import least_squares
from refopt.linalg.operators import LinearOperator, aslinearoperator
from refopt.linalg.sparse import CSRMatrix
from refopt.lsq.losses import construct_loss_function
from refopt.lsq.point import make_point


def broyden(x):
    """Broyden tridiagonal (the seed page's large example, scipy's test problem)."""
    f = (3 - x) * x + 1
    f[1:] -= x[:-1]
    f[:-1] -= 2 * x[1:]
    return f


def broyden_pattern(n):
    i = np.arange(n)
    rows = np.concatenate((i, i[1:], i[:-1]))
    cols = np.concatenate((i, i[:-1], i[1:]))
    return CSRMatrix((np.ones(rows.size), (rows, cols)), shape=(n, n))


def broyden_jacobian(x):
    n = x.size
    i = np.arange(n)
    rows = np.concatenate((i, i[1:], i[:-1]))
    cols = np.concatenate((i, i[:-1], i[1:]))
    values = np.concatenate((3 - 2 * x, -np.ones(n - 1), -2 * np.ones(n - 1)))
    return CSRMatrix((values, (rows, cols)), shape=(n, n))


class ForeignCSR:
    """A foreign sparse class (as scipy's csr_array): built from (data, indices, indptr)."""

    def __init__(self, arrays, shape):
        self.data, self.indices, self.indptr = arrays
        self.shape = shape

    def tocsr(self):
        return self


def foreign(J):
    return ForeignCSR((J.data, J.indices, J.indptr), J.shape)


N = 60
X0 = -np.ones(N) + 0.1 * np.sin(np.arange(N))


@pytest.mark.parametrize("method", ["trf", "dogbox"])
@pytest.mark.parametrize("jac", ["2-point", "3-point", "cs"])
def test_jac_sparsity_ends_where_the_dense_run_ends(method, jac):
    dense = least_squares(broyden, X0, jac=jac, method=method, tr_solver="lsmr")
    sparse = least_squares(broyden, X0, jac=jac, method=method, jac_sparsity=broyden_pattern(N))
    assert isinstance(sparse.jac, CSRMatrix)
    assert sparse.cost < 1e-20 and dense.cost < 1e-20
    np.testing.assert_allclose(sparse.x, dense.x, rtol=1e-10)
    assert sparse.nfev == dense.nfev and sparse.status == dense.status


@st.composite
def small_sparse_problems(draw):
    """Residuals f_i = a_i x_i + b_i x_{i+k}^2 - c_i on a random pattern, with bounds or not."""
    n = draw(st.integers(2, 8))
    k = draw(st.integers(1, n - 1))
    a = np.array(draw(st.lists(st.floats(1, 3), min_size=n, max_size=n)))
    b = np.array(draw(st.lists(st.floats(-0.5, 0.5), min_size=n, max_size=n)))
    c = np.array(draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n)))
    bounded = draw(st.booleans())
    return n, k, a, b, c, bounded


@settings(max_examples=25)
@given(problem=small_sparse_problems(), method=st.sampled_from(["trf", "dogbox"]))
def test_a_sparse_run_ends_where_the_dense_run_ends(problem, method):
    n, k, a, b, c, bounded = problem
    partner = (np.arange(n) + k) % n

    def fun(x):
        return a * x + b * x[partner]**2 - c

    pattern = np.eye(n, dtype=bool)
    pattern[np.arange(n), partner] = True
    bounds = (-1.0, 1.0) if bounded else (-np.inf, np.inf)
    tight = dict(ftol=1e-12, xtol=1e-12, gtol=1e-12, bounds=bounds, method=method)
    dense = least_squares(fun, np.zeros(n), tr_solver="lsmr", **tight)
    sparse = least_squares(fun, np.zeros(n), jac_sparsity=pattern, **tight)
    # the products add in another order (CSR, not BLAS): the runs part in the last bits,
    # and each stops within its tolerances of the same minimum
    np.testing.assert_allclose(sparse.cost, dense.cost, rtol=1e-6, atol=1e-14)
    np.testing.assert_allclose(sparse.x, dense.x, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_callable_sparse_and_operator_jacobians(method):
    for jac, kind in [(broyden_jacobian, CSRMatrix), (lambda x: foreign(broyden_jacobian(x)),
                                                       ForeignCSR),
                      (lambda x: aslinearoperator(broyden_jacobian(x)), LinearOperator)]:
        res = least_squares(broyden, X0, jac=jac, method=method)
        assert res.cost < 1e-20 and res.success
        assert isinstance(res.jac, kind)   # of the kind the user's jac returned


@pytest.mark.parametrize("loss", ["soft_l1", "huber", "cauchy", "arctan"])
def test_robust_losses_scale_sparse_rows_as_dense_ones(loss):
    target = np.linspace(-1, 1, N)
    target[::7] += 5                                # outliers

    def fun(x):
        return broyden(x) - target

    rho = construct_loss_function(N, loss, 1.0)
    dense = make_point(X0, fun(X0), broyden_jacobian(X0).toarray(), rho)
    sparse = make_point(X0, fun(X0), broyden_jacobian(X0), rho)
    operator = make_point(X0, fun(X0), aslinearoperator(broyden_jacobian(X0)), rho)
    np.testing.assert_allclose(sparse.J.toarray(), dense.J, rtol=1e-15)
    p = np.cos(np.arange(N))
    np.testing.assert_allclose(operator.J.matvec(p), dense.J @ p, rtol=1e-13)
    for point in (sparse, operator):
        np.testing.assert_allclose(point.g, dense.g, rtol=1e-13, atol=1e-14)
        np.testing.assert_array_equal(point.f, dense.f)
    for method in ("trf", "dogbox"):
        # whole runs stop by ftol in a flat valley (arctan is flattest): the products add in
        # another order, the paths part, and the final costs agree to a few digits only
        d = least_squares(fun, X0, method=method, loss=loss, tr_solver="lsmr",
                          jac=lambda x: broyden_jacobian(x).toarray())
        s = least_squares(fun, X0, method=method, loss=loss, jac=broyden_jacobian)
        np.testing.assert_allclose(s.cost, d.cost, rtol=1e-3)
        assert s.status == d.status


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_x_scale_jac_uses_sparse_column_norms(method):
    dense = least_squares(broyden, X0, method=method, x_scale="jac", tr_solver="lsmr",
                          jac=lambda x: broyden_jacobian(x).toarray())
    sparse = least_squares(broyden, X0, method=method, x_scale="jac", jac=broyden_jacobian)
    assert sparse.cost < 1e-20
    np.testing.assert_allclose(sparse.x, dense.x, rtol=1e-10)
    assert sparse.nfev == dense.nfev


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_verbose_and_callback_with_sparsity(method, capsys):
    seen = []
    least_squares(broyden, X0, method=method, jac_sparsity=broyden_pattern(N), verbose=2,
                  callback=lambda intermediate_result: seen.append(intermediate_result.nit))
    out = capsys.readouterr().out
    assert "Iteration" in out and "termination condition is satisfied." in out
    assert seen == list(range(1, len(seen) + 1)) and seen
    stopped = least_squares(broyden, X0, method=method, jac_sparsity=broyden_pattern(N),
                            callback=lambda x: True)
    assert stopped.status == -2


def test_workers_see_each_jacobians_points_in_one_call():
    calls = []

    def recording_map(f, points):
        points = list(points)
        calls.append(len(points))
        return list(map(f, points))

    serial = least_squares(broyden, X0, jac_sparsity=broyden_pattern(N))
    res = least_squares(broyden, X0, jac_sparsity=broyden_pattern(N), workers=recording_map)
    assert set(calls) == {3} and len(calls) == res.njev      # three groups, one call each
    np.testing.assert_array_equal(res.x, serial.x)
    assert (res.nfev, res.njev) == (serial.nfev, serial.njev)


def test_memory_stays_with_the_nonzeros():
    # n = 20 000: a dense Jacobian would be 3.2 GB; the run holds a few MB per vector
    import tracemalloc

    n = 20_000
    tracemalloc.start()
    res = least_squares(broyden, -np.ones(n), jac_sparsity=broyden_pattern(n))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert res.cost < 1e-10
    assert peak < 400 * 8 * n        # O(nnz) arrays: a few hundred vectors of n, never n**2


@pytest.mark.slow
def test_broyden_with_100_000_variables():
    n = 100_000
    res = least_squares(broyden, -np.ones(n), jac_sparsity=broyden_pattern(n))
    assert res.cost < 1e-10 and res.success


BAD = {
    "wrong shape": (dict(jac_sparsity=np.ones((N - 1, N))), ValueError,
                    "`jac_sparsity` has wrong shape."),
    "with lm": (dict(jac_sparsity=broyden_pattern(N), method="lm"), ValueError,
                "method='lm' does not support `jac_sparsity`."),
    "with exact": (dict(jac_sparsity=broyden_pattern(N), tr_solver="exact"), ValueError,
                   "tr_solver='exact' is incompatible with `jac_sparsity`."),
    "with a callable jac": (dict(jac_sparsity=broyden_pattern(N), jac=broyden_jacobian),
                            ValueError, "`jac_sparsity` is used only with a finite-difference"),
    "sparse jac with exact": (dict(jac=broyden_jacobian, tr_solver="exact"), ValueError,
                              "tr_solver='exact' works only with dense Jacobian matrices."),
    "sparse jac with lm": (dict(jac=broyden_jacobian, method="lm"), ValueError,
                           "method='lm' works only with dense Jacobian matrices."),
    "operator with x_scale jac": (dict(jac=lambda x: aslinearoperator(broyden_jacobian(x)),
                                       x_scale="jac"), ValueError,
                                  "x_scale='jac' can't be used when `jac` returns LinearOperator."),
    "sparse jac of a wrong shape": (dict(jac=lambda x: broyden_jacobian(x[:-1])), ValueError,
                                    "The return value of `jac` has wrong shape"),
    "bad workers": (dict(workers=0), ValueError, "`workers` must be None, a positive int"),
}


@pytest.mark.parametrize("changes, error, message", BAD.values(), ids=BAD.keys())
def test_bad_inputs_fail_before_any_work(changes, error, message):
    calls = []

    def counted(x):
        calls.append(1)
        return broyden(x)

    with pytest.raises(error, match=re.escape(message)):
        least_squares(counted, X0, **changes)
    assert len(calls) <= 1          # at most f(x0): no differencing, no iteration


def test_non_finite_sparse_entries_are_refused():
    def jac(x):
        J = broyden_jacobian(x)
        J.data[5] = np.nan
        return J

    with pytest.raises(ValueError, match="has entries that are not finite"):
        least_squares(broyden, X0, jac=jac)


def test_a_jacobian_that_changes_form_or_shape_mid_run_is_refused():
    calls = []

    def switching(x):
        calls.append(1)
        return broyden_jacobian(x) if len(calls) == 1 else broyden_jacobian(x).toarray()

    with pytest.raises(ValueError, match="returned a sparse Jacobian at `x0` but a dense one"):
        least_squares(broyden, X0, jac=switching)

    calls.clear()

    def shrinking(x):
        calls.append(1)
        return broyden_jacobian(x if len(calls) == 1 else x[:-1])

    with pytest.raises(ValueError, match="wrong shape"):
        least_squares(broyden, X0, jac=shrinking)
