"""Tests for refopt/differentiation.py (finite differences).

Known answers come from calculus: affine and quadratic functions whose Jacobians are exact,
analytic functions with closed-form derivatives, and the truncation-error orders of
Nocedal & Wright §8.1 (measured as log-log slopes).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refopt.differentiation import (
    absolute_step, adjust_to_bounds, approx_derivative, complex_step_column, sparsity_structure,
    dense_jacobian, group_columns, grouped_difference,
)

EPS = np.finfo(float).eps
TINY = np.finfo(float).smallest_subnormal
METHODS = ["2-point", "3-point", "cs"]

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def vectors(n_min=1, n_max=5, elements=finite):
    return st.integers(n_min, n_max).flatmap(lambda n: hnp.arrays(float, n, elements=elements))


def recording(fun):
    """Wrap fun so that every point it is called at is recorded (copied)."""
    calls = []

    def wrapped(x, *args, **kwargs):
        calls.append(np.array(x, copy=True))
        return fun(x, *args, **kwargs)

    return wrapped, calls


# ---------------------------------------------------------------------------------------------
# exactness properties


@given(data=st.data(), m=st.integers(1, 4))
def test_two_point_is_exact_to_rounding_on_affine_functions(data, m):
    x0 = data.draw(vectors())
    n = x0.size
    A = data.draw(hnp.arrays(float, (m, n), elements=finite))
    b = data.draw(hnp.arrays(float, m, elements=finite))
    J = approx_derivative(lambda x: A @ x + b, x0, method="2-point")
    # the only error is rounding in f(x + h) - f(x), divided by the step h
    h = np.sqrt(EPS) * np.maximum(1.0, np.abs(x0))
    scale = np.abs(A) @ (np.abs(x0) + h) + np.abs(b)
    # (plus an absolute floor for results that underflow into subnormal numbers)
    bound = (4 * (n + 2) * EPS * scale[:, None] + (n + 2) * TINY) / h[None, :]
    assert np.all(np.abs(J.reshape(m, n) - A) <= bound)


@given(data=st.data())
def test_three_point_is_exact_to_rounding_on_quadratics(data):
    x0 = data.draw(vectors())
    n = x0.size
    Q = data.draw(hnp.arrays(float, (n, n), elements=st.floats(-10, 10)))
    Q = Q + Q.T
    c = data.draw(hnp.arrays(float, n, elements=st.floats(-10, 10)))
    J = approx_derivative(lambda x: 0.5 * x @ Q @ x + c @ x, x0, method="3-point")
    # central differences have no truncation error on a quadratic (the h**2 term is f''')
    h = EPS ** (1 / 3) * np.maximum(1.0, np.abs(x0))
    xs = np.abs(x0) + h
    f_scale = 0.5 * xs @ np.abs(Q) @ xs + np.abs(c) @ xs
    bound = (4 * (n + 2) ** 2 * EPS * f_scale + (n + 2) ** 2 * TINY) / h
    assert J.shape == (n,)
    assert np.all(np.abs(J - (Q @ x0 + c)) <= bound)


@given(x0=vectors(elements=st.floats(-1, 1)), side=st.sampled_from(["lower", "upper"]))
def test_one_sided_three_point_is_exact_on_quadratics_at_a_bound(x0, side):
    Q = np.diag(np.arange(1.0, x0.size + 1))
    lb = x0 if side == "lower" else x0 - 1.0
    ub = x0 + 1.0 if side == "lower" else x0
    J = approx_derivative(lambda x: 0.5 * x @ Q @ x, x0, method="3-point", bounds=(lb, ub))
    assert np.allclose(J, Q @ x0, rtol=0, atol=1e-8)


def analytic(x):
    return np.array([np.sin(x[0]) * np.exp(x[1]), x[0] ** 3 * x[1] - np.log(1 + x[1] ** 2),
                     np.arctan(x[0] * x[1])])


def analytic_jacobian(x):
    a, b = x
    return np.array([[np.cos(a) * np.exp(b), np.sin(a) * np.exp(b)],
                     [3 * a ** 2 * b, a ** 3 - 2 * b / (1 + b ** 2)],
                     [b / (1 + (a * b) ** 2), a / (1 + (a * b) ** 2)]])


@given(x0=hnp.arrays(float, 2, elements=st.floats(-3, 3)))
def test_complex_step_agrees_with_analytic_derivative_to_1e_14(x0):
    J = approx_derivative(analytic, x0, method="cs")
    exact = analytic_jacobian(x0)
    assert np.all(np.abs(J - exact) <= 1e-14 * np.maximum(1.0, np.abs(exact)))


def test_complex_step_has_no_cancellation_even_for_a_tiny_step():
    # approx_derivative replaces a step lost in x0 + h (as scipy does, for every method),
    # so the column function is called directly with h = 1e-200
    x0 = np.array([0.7, -0.4])
    exact = analytic_jacobian(x0)
    for j in range(2):
        column = complex_step_column(analytic, x0, j, 1e-200)
        assert np.all(np.abs(column - exact[:, j]) <= 2 * EPS * np.abs(exact[:, j]))


def test_a_step_lost_in_rounding_is_replaced_by_the_default_for_every_method():
    steps = {}
    for method in METHODS:
        f, calls = recording(lambda x: x ** 2)
        approx_derivative(f, 0.7, method=method, abs_step=1e-200)
        steps[method] = sorted(c[0] - 0.7 for c in calls[1:])
    assert steps["2-point"] == [(0.7 + np.sqrt(EPS)) - 0.7]
    h3 = EPS ** (1 / 3)
    assert steps["3-point"] == [(0.7 - h3) - 0.7, (0.7 + h3) - 0.7]
    assert steps["cs"] == [1j * np.sqrt(EPS)]


# ---------------------------------------------------------------------------------------------
# bounds: fun is never evaluated outside the box


@st.composite
def boxes(draw):
    n = draw(st.integers(1, 4))
    lb = draw(hnp.arrays(float, n, elements=st.floats(-1e3, 1e3)))
    width = draw(hnp.arrays(float, n, elements=st.sampled_from([1e-14, 1e-10, 1e-8, 1e-6, 1e-3, 1.0, 1e3])
                            | st.floats(1e-12, 1e2)))
    ub = lb + width
    assume(np.all(ub > lb))
    where = draw(hnp.arrays(float, n, elements=st.sampled_from([0.0, 1.0]) | st.floats(0, 1)))
    x0 = np.clip(lb + where * (ub - lb), lb, ub)
    return x0, lb, ub


@given(box=boxes(), method=st.sampled_from(METHODS), step=st.sampled_from([None, 1e-3, -0.5, 10.0]))
def test_fun_is_never_called_outside_the_box(box, method, step):
    x0, lb, ub = box

    def guarded(x):
        real = np.real(x)
        if np.any(real < lb) or np.any(real > ub):
            raise AssertionError(f"evaluated outside the bounds at {real!r}")
        return np.array([np.sum(x ** 2), np.prod(x)])

    J = approx_derivative(guarded, x0, method=method, abs_step=step, bounds=(lb, ub))
    assert J.shape == (2, x0.size)


def test_one_ulp_overshoot_of_scipy_is_avoided():
    # x0 + (ub - x0) rounds one ulp above ub here, so scipy 1.17 evaluates fun at
    # 2.616121342493166e-10 > ub (found by search, checked by hand); refopt clips.
    x0 = np.array([-2.984911434141233e-09])
    lb, ub = x0 - 1e-9, np.array([2.616121342493164e-10])
    assert x0 + (ub - x0) > ub
    for method in ("2-point", "3-point"):
        f, calls = recording(np.sin)
        J = approx_derivative(f, x0, method=method, bounds=(lb, ub))
        assert all(lb[0] <= c[0] <= ub[0] for c in calls)
        assert np.allclose(J, np.cos(x0), rtol=1e-6)


@given(box=boxes(), method=st.sampled_from(["2-point", "3-point"]))
def test_one_sided_steps_stay_accurate_in_wide_boxes(box, method):
    x0, lb, ub = box
    assume(np.all(ub - lb >= 1e-3))
    x0 = x0 / 1e3  # keep exp well scaled
    J = approx_derivative(lambda x: np.exp(x), x0, method=method, bounds=(lb / 1e3, ub / 1e3))
    tol = 1e-6 if method == "2-point" else 1e-8
    assert np.allclose(np.diag(np.atleast_2d(J)) if x0.size > 1 else J, np.exp(x0), rtol=tol, atol=0)


def test_two_point_at_upper_bound_steps_backward():
    f, calls = recording(lambda x: x ** 2)
    J = approx_derivative(f, 1.0, method="2-point", bounds=(0.0, 1.0))
    assert calls[1][0] == 1.0 - np.sqrt(EPS)
    assert np.allclose(J, 2.0, rtol=1e-7)


def test_three_point_in_a_narrow_box_goes_one_sided_with_half_the_room():
    f, calls = recording(lambda x: x ** 2)
    J = approx_derivative(f, 1.0, method="3-point", bounds=(0.999999, 1.0))
    room = 1.0 - 0.999999
    assert np.isclose(calls[1][0], 1.0 - room / 2, rtol=0, atol=1e-20)
    assert np.isclose(calls[2][0], 1.0 - room, rtol=0, atol=1e-20)
    assert np.allclose(J, 2.0, rtol=1e-10)


def test_three_point_returns_to_central_when_the_shrunken_step_fits_both_sides():
    # x0 is 1e-7 from the lower bound and 1.5e-7 from the upper, far less than the default
    # step 6e-6. The one-sided step towards the upper bound is cut to half that room,
    # 0.75e-7, which is shorter than the lower room, so a central difference with the
    # lower room, 1e-7, as its step fits and is used instead.
    x0, lb, ub = 0.5, 0.5 - 1e-7, 0.5 + 1.5e-7
    f, calls = recording(lambda x: x ** 3)
    J = approx_derivative(f, x0, method="3-point", bounds=(lb, ub))
    below, above = calls[1][0], calls[2][0]
    assert np.isclose(x0 - below, 1e-7, rtol=1e-8) and np.isclose(above - x0, 1e-7, rtol=1e-8)
    assert np.isclose(J[0], 3 * x0 ** 2, rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# truncation error orders: slopes 1 and 2 in log-log


@pytest.mark.parametrize("method, order", [("2-point", 1.0), ("3-point", 2.0)])
def test_error_scales_with_the_order_of_the_scheme(method, order):
    def f(x):
        return np.exp(np.sin(x))

    x0 = np.array([0.7])
    exact = np.cos(0.7) * np.exp(np.sin(0.7))
    steps = np.logspace(-4, -1.5, 8) if method == "2-point" else np.logspace(-3, -1, 8)
    errors = [abs(approx_derivative(f, x0, method=method, abs_step=h)[0] - exact) for h in steps]
    slope = np.polyfit(np.log(steps), np.log(errors), 1)[0]
    assert abs(slope - order) < 0.1


@pytest.mark.parametrize("method, best", [("2-point", 1e-7), ("3-point", 1e-9), ("cs", 1e-15)])
def test_default_steps_reach_the_predicted_accuracy(method, best):
    x0 = np.array([0.7])
    exact = np.cos(0.7) * np.exp(np.sin(0.7))
    J = approx_derivative(lambda x: np.exp(np.sin(x)), x0, method=method)
    assert abs(J[0] - exact) <= best * abs(exact)


def test_too_small_a_step_is_dominated_by_rounding():
    # below the optimal step, halving h makes the forward difference worse, not better
    def f(x):
        return np.exp(np.sin(x))

    exact = np.cos(0.7) * np.exp(np.sin(0.7))
    err = [abs(approx_derivative(f, 0.7, method="2-point", abs_step=h)[0] - exact)
           for h in (1e-8, 1e-13)]
    assert err[1] > 10 * err[0]


# ---------------------------------------------------------------------------------------------
# steps, evaluation counts, inputs untouched


@pytest.mark.parametrize("x0", [0.0, 0.3, -0.3, 5.0, -5.0, 1e6])
@pytest.mark.parametrize("method, power", [("2-point", 1 / 2), ("3-point", 1 / 3)])
def test_default_step_is_eps_power_times_sign_and_max_one_abs(x0, method, power):
    f, calls = recording(lambda x: x ** 2)
    approx_derivative(f, x0, method=method)
    h = EPS ** power * (1.0 if x0 >= 0 else -1.0) * max(1.0, abs(x0))
    expected = x0 + h if method == "2-point" else x0 + abs(h)
    assert calls[-1][0] == expected


def test_relative_step_uses_abs_x0_without_max_and_falls_back_at_zero():
    f, calls = recording(lambda x: x ** 2)
    approx_derivative(f, [0.5, -0.5, 0.0], method="2-point", rel_step=1e-3)
    steps = [calls[j + 1][j] - [0.5, -0.5, 0.0][j] for j in range(3)]
    assert np.allclose(steps, [5e-4, -5e-4, np.sqrt(EPS)], rtol=1e-9, atol=0)


def test_absolute_step_is_used_as_given_and_its_sign_is_ignored_by_three_point():
    f, calls = recording(lambda x: x ** 2)
    approx_derivative(f, 2.0, method="2-point", abs_step=-1e-4)
    assert calls[1][0] == 2.0 - 1e-4
    f, calls = recording(lambda x: x ** 2)
    approx_derivative(f, 2.0, method="3-point", abs_step=-1e-4)
    assert sorted(c[0] for c in calls[1:]) == [2.0 - 1e-4, 2.0 + 1e-4]


def test_absolute_step_lost_to_rounding_falls_back_to_the_default():
    f, calls = recording(lambda x: x ** 2)
    approx_derivative(f, 1e10, method="2-point", abs_step=1e-10)
    assert calls[1][0] == 1e10 + np.sqrt(EPS) * 1e10


def test_divides_by_the_step_actually_taken():
    # 0.1 + 1e-8 is not 1e-8 away from 0.1 in floating point; f = 2x is computed exactly,
    # so the quotient is exactly 2 only if the divisor is the representable step
    assert (0.1 + 1e-8) - 0.1 != 1e-8
    J = approx_derivative(lambda x: 2.0 * x, 0.1, method="2-point", abs_step=1e-8)
    assert J[0] == 2.0


@pytest.mark.parametrize("method, per_column", [("2-point", 1), ("3-point", 2), ("cs", 1)])
def test_evaluation_counts(method, per_column):
    f, calls = recording(lambda x: np.array([x.sum(), x.prod()]))
    approx_derivative(f, np.ones(4), method=method)
    assert len(calls) == 1 + per_column * 4
    f, calls = recording(lambda x: np.array([x.sum(), x.prod()]))
    _, info = approx_derivative(f, np.ones(4), method=method, f0=np.array([4.0, 1.0]), full_output=True)
    assert len(calls) == per_column * 4 == info["nfev"]
    f, calls = recording(lambda x: np.array([x.sum(), x.prod()]))
    _, info = approx_derivative(f, np.ones(4), method=method, full_output=True, bounds=(0, 1))
    assert len(calls) == 1 + per_column * 4 == info["nfev"]


@pytest.mark.parametrize("method", METHODS)
def test_x0_is_not_mutated_and_fun_gets_float_vectors(method):
    x0 = np.array([1.0, 2.0])
    before = x0.copy()
    seen = []

    def f(x):
        seen.append((x.shape, x.dtype))
        x[0] = 99.0  # a fun that scribbles on its argument must not reach x0
        return x[1] ** 2

    approx_derivative(f, x0, method=method)
    assert np.array_equal(x0, before)
    assert all(shape == (2,) for shape, _ in seen)
    assert seen[0][1] == np.float64


def test_integer_x0_is_promoted_to_float():
    J = approx_derivative(lambda x: x ** 2, [1, 2], method="3-point")
    assert np.allclose(J, np.diag([2.0, 4.0]))


def test_float32_x0_uses_float32_epsilon():
    f, calls = recording(lambda x: x.astype(np.float64) ** 2)
    approx_derivative(f, np.float32(1.0), method="2-point")
    assert calls[1].dtype == np.float32
    assert calls[1][0] == np.float32(1.0 + np.finfo(np.float32).eps ** 0.5)


# ---------------------------------------------------------------------------------------------
# shapes


@pytest.mark.parametrize("method", METHODS)
def test_shapes(method):
    def vec(x):
        return np.array([x[0] ** 2, 3.0 * x[0]])

    assert approx_derivative(lambda x: np.sum(x ** 2), [1.0, 2.0, 3.0], method=method).shape == (3,)
    assert approx_derivative(lambda x: x[0] ** 2, 2.0, method=method).shape == (1,)
    assert approx_derivative(vec, 2.0, method=method).shape == (2, 1)
    assert approx_derivative(lambda x: [x[0], x[1], x[0] * x[1]], [1.0, 2.0], method=method).shape == (3, 2)
    assert approx_derivative(lambda x: x ** 2, np.array([2.0]), method=method).shape == (1,)


def test_jacobian_is_fortran_ordered_like_scipy():
    J = approx_derivative(lambda x: np.array([x[0], x[1], x[0] * x[1]]), [1.0, 2.0])
    assert J.flags.f_contiguous


@pytest.mark.parametrize("method", METHODS)
def test_args_and_kwargs_are_passed(method):
    def f(x, a, b=1.0):
        return a * x ** 2 + b * x

    J = approx_derivative(f, [1.0, 2.0], method=method, args=(3.0,), kwargs={"b": 5.0})
    assert np.allclose(J, np.diag([11.0, 17.0]), rtol=1e-6)


def test_scalar_bounds_apply_to_every_variable():
    f, calls = recording(lambda x: np.sum(x ** 2))
    approx_derivative(f, [1.0, 1.0], method="2-point", bounds=(0.0, 1.0))
    assert all(np.all(c <= 1.0) for c in calls)


# ---------------------------------------------------------------------------------------------
# bad inputs


def square(x):
    return x ** 2


BAD = [
    (dict(x0=1.0, method="4-point"), ValueError, "Unknown method '4-point'. "),
    (dict(x0=np.ones((2, 2))), ValueError, "`x0` must have at most 1 dimension."),
    (dict(x0=np.ones(3), bounds=([0, 0], [2, 2])), ValueError, "Inconsistent shapes between bounds and `x0`."),
    (dict(x0=np.ones(2), bounds=(0, [2, 2, 2])), ValueError, "Inconsistent shapes between bounds and `x0`."),
    (dict(x0=np.ones(2), f0=np.ones((2, 1))), ValueError, "`f0` passed has more than 1 dimension."),
    (dict(x0=[0.5, 3.0], bounds=(0, 1)), ValueError, "`x0` violates bound constraints."),
    (dict(x0=[-1.0], bounds=(0, 1)), ValueError, "`x0` violates bound constraints."),
    (dict(x0=[0.5], bounds=(0, 1, 2)), ValueError, "`bounds` must contain 2 elements."),
    (dict(x0=[0.5], bounds=(np.nan, 1)), ValueError, "`bounds` must not contain nan"),
    (dict(x0=[1.0, np.nan]), ValueError, "`x0` must contain only finite values"),
    (dict(x0=np.inf), ValueError, "`x0` must contain only finite values"),
    (dict(x0=1.0 + 2.0j), ValueError, "`x0` must be real."),
    (dict(x0=[1.0, 2.0], as_linear_operator=True, bounds=(0, 3)), ValueError,
     "Bounds not supported when `as_linear_operator` is True."),
    (dict(x0=[1.0, 2.0], sparsity=np.ones((3, 3))), ValueError, "`sparsity` has shape (3, 3)"),
    (dict(x0=[1.0, 2.0], sparsity=(np.ones((2, 2)), [0])), ValueError, "`groups` must hold"),
]


@pytest.mark.parametrize("kwargs, error, message", BAD)
def test_bad_inputs_raise_scipys_errors(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        approx_derivative(square, **kwargs)


def test_fun_returning_a_matrix_is_a_runtime_error():
    with pytest.raises(RuntimeError, match=re.escape("`fun` return value has more than 1 dimension.")):
        approx_derivative(lambda x: np.outer(x, x), [1.0, 2.0])


def test_non_finite_x0_is_rejected_before_fun_is_called():
    f, calls = recording(square)
    with pytest.raises(ValueError):
        approx_derivative(f, [np.nan])
    assert calls == []


def test_infeasible_x0_is_rejected_before_fun_is_called():
    f, calls = recording(square)
    with pytest.raises(ValueError, match="`x0` violates bound constraints."):
        approx_derivative(f, [2.0], bounds=(0, 1))
    assert calls == []


def test_a_narrower_float_type_of_fun_sets_the_step():
    # the rounding error comes from f's float32 values, so EPS is float32's
    f, calls = recording(lambda x: (x ** 2).astype(np.float32))
    approx_derivative(f, 1.0, method="2-point")
    assert calls[1][0] == 1.0 + float(np.finfo(np.float32).eps ** 0.5)


def test_worked_examples_reach_the_predicted_digits():
    from refopt.examples import finite_differences as ex

    rows = [line.split() for line in ex.example_jacobian_by_three_methods().splitlines()]
    digits = {row[0]: float(row[-1]) for row in rows if row and row[0] in METHODS}
    assert digits["2-point"] > 7 and digits["3-point"] > 10 and digits["cs"] > 15
    assert ex.example_steps_at_a_bound().count("all points inside: True") == 2


# ---------------------------------------------------------------------------------------------
# column grouping (Curtis, Powell & Reid 1974) and grouped differences


class TinyCOO:
    """A duck-typed sparse matrix: just ``tocoo()`` with row, col, data and shape."""

    def __init__(self, row, col, data, shape):
        self.row, self.col, self.data, self.shape = (np.asarray(row), np.asarray(col),
                                                      np.asarray(data, dtype=float), shape)

    def tocoo(self):
        return self


def tridiagonal_residuals(x):
    # r_i = x_{i-1} - 2 x_i**2 + sin(x_{i+1}): row i depends on columns i-1, i, i+1
    padded = np.concatenate([[0.0], x, [0.0]])
    return padded[:-2] - 2 * x ** 2 + np.sin(padded[2:])


def tridiagonal_jacobian(x):
    n = x.size
    return np.eye(n, k=-1) + np.diag(-4 * x) + np.diag(np.cos(x[1:]), k=1)


@given(A=st.integers(1, 7).flatmap(lambda m: st.integers(1, 7).flatmap(
    lambda n: hnp.arrays(bool, (m, n)))), seed=st.integers(0, 100))
def test_groups_are_disjoint_and_greedy(A, seed):
    groups = group_columns(A, order=seed)
    order = np.random.RandomState(seed).permutation(A.shape[1])
    position = np.argsort(order)
    assert sorted(set(groups)) == list(range(groups.max() + 1))
    for g in range(groups.max() + 1):
        members = np.flatnonzero(groups == g)
        assert np.all(A[:, members].sum(axis=1) <= 1)  # no row is shared inside a group
    for j in range(A.shape[1]):
        for g in range(groups[j]):
            # j was refused by every earlier group: it meets a member visited before it
            earlier = [i for i in np.flatnonzero(groups == g) if position[i] < position[j]]
            assert any(np.any(A[:, i] & A[:, j]) for i in earlier)


def test_group_columns_known_cases():
    # all columns conflict: one group each, numbered in the seed-0 visiting order
    order = np.random.RandomState(0).permutation(4)
    groups = group_columns(np.ones((3, 4)), order=0)
    assert np.array_equal(groups[order], np.arange(4))
    assert np.array_equal(group_columns(np.eye(5)), np.zeros(5))
    assert np.array_equal(group_columns(np.diag(np.ones(6)) + np.eye(6, k=1) + np.eye(6, k=-1),
                                        order=np.arange(6)), [0, 1, 2, 0, 1, 2])


def test_stored_zeros_of_a_sparse_structure_still_conflict():
    identity = TinyCOO([0, 1], [0, 1], [1.0, 1.0], (2, 2))
    with_zero = TinyCOO([0, 1, 0], [0, 1, 1], [1.0, 1.0, 0.0], (2, 2))
    assert group_columns(identity).max() == 0
    assert group_columns(with_zero).max() == 1
    assert np.array_equal(sparsity_structure(with_zero, structural=False).toarray(), np.eye(2))


@pytest.mark.parametrize("A, order, message", [
    (np.ones((2, 2, 2)), 0, "`A` must be 2-dimensional."),
    (np.ones((2, 3)), [0, 1], "`order` has incorrect shape."),
])
def test_group_columns_errors(A, order, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        group_columns(A, order)


@pytest.mark.parametrize("method, per_group, rtol", [("2-point", 1, 1e-6), ("3-point", 2, 1e-9),
                                                      ("cs", 1, 1e-15)])
@pytest.mark.parametrize("bounded", [False, True])
def test_grouped_difference_matches_the_jacobian_with_few_evaluations(method, per_group, rtol,
                                                                       bounded):
    n = 12
    x0 = np.linspace(-1.0, 1.0, n)
    lb, ub = (x0 - 1e-7, x0 + 1.0) if bounded else (np.full(n, -np.inf), np.full(n, np.inf))
    structure = np.abs(tridiagonal_jacobian(np.ones(n))) > 0
    groups = group_columns(structure, order=np.arange(n))
    f, calls = recording(tridiagonal_residuals)
    f0 = f(x0)
    h = absolute_step(x0, f0, method)
    if method != "cs":
        h, one_sided = adjust_to_bounds(x0, h, "1-sided" if method == "2-point" else "2-sided", lb, ub)
    else:
        one_sided = np.zeros(n, dtype=bool)
    J = grouped_difference(f, x0, f0, h, one_sided, method,
                           sparsity_structure(structure, False), groups, lb, ub).toarray()
    exact = tridiagonal_jacobian(x0)
    assert len(calls) - 1 == per_group * 3  # three groups, whatever n is
    assert np.allclose(J, exact, rtol=rtol, atol=rtol)
    assert np.all(J[~structure] == 0)
    # the same entries as one column at a time, to the accuracy of the scheme
    dense = dense_jacobian(tridiagonal_residuals, x0, f0, h, one_sided, method, lb, ub)
    assert np.allclose(J, dense, rtol=rtol, atol=rtol)


# orders of the greedy grouping, vectorised differences on a CSR pattern

from refopt.differentiation import (  # noqa: E402
    ORDERS, column_intersection_graph, smallest_last_order, visiting_order,
)
from refopt.linalg.sparse import CSRMatrix  # noqa: E402

patterns = st.integers(1, 9).flatmap(lambda m: st.integers(1, 9).flatmap(
    lambda n: hnp.arrays(bool, (m, n))))
any_order = st.one_of(st.sampled_from(ORDERS), st.integers(0, 2**32 - 1), st.none())


@given(A=patterns, order=any_order, sparse=st.booleans())
def test_no_two_columns_of_a_group_share_a_row_in_every_order(A, order, sparse):
    groups = group_columns(CSRMatrix(A.astype(float)) if sparse else A, order=order)
    assert groups.shape == (A.shape[1],)
    assert sorted(set(groups)) == list(range(groups.max() + 1))
    for g in range(groups.max() + 1):
        assert np.all(A[:, groups == g].sum(axis=1) <= 1)


@given(A=patterns, data=st.data())
def test_a_given_permutation_is_visited_greedily(A, data):
    order = np.array(data.draw(st.permutations(range(A.shape[1]))), dtype=int)
    groups = group_columns(A, order=order)
    position = np.argsort(order)
    for j in range(A.shape[1]):
        # j's group is the lowest one holding no earlier column that shares a row with j
        blocked = {groups[i] for i in range(A.shape[1])
                   if position[i] < position[j] and np.any(A[:, i] & A[:, j])}
        assert groups[j] == min(set(range(A.shape[1] + 1)) - blocked)


def degeneracy(A):
    """Largest least degree met while deleting least-degree vertices (brute force)."""
    adjacent = (A.T.astype(int) @ A.astype(int)) > 0
    np.fill_diagonal(adjacent, False)
    alive = list(range(A.shape[1]))
    worst = 0
    while alive:
        degrees = [adjacent[j, alive].sum() for j in alive]
        worst = max(worst, min(degrees))
        alive.pop(int(np.argmin(degrees)))
    return worst


@given(A=patterns)
def test_smallest_last_needs_at_most_degeneracy_plus_one_groups(A):
    assert group_columns(A, order="smallest-last").max() + 1 <= degeneracy(A) + 1
    order = smallest_last_order(column_intersection_graph(CSRMatrix(A.astype(float))))
    assert np.array_equal(np.sort(order), np.arange(A.shape[1]))


@pytest.mark.parametrize("lower, upper", [(0, 0), (1, 1), (2, 0), (0, 3), (2, 3), (4, 4)])
@pytest.mark.parametrize("n", [10, 37, 200])
@pytest.mark.parametrize("order", ["smallest-last", "largest-first", "natural"])
def test_a_banded_pattern_needs_exactly_its_bandwidth(lower, upper, n, order):
    A = sum(np.eye(n, k=k) for k in range(-lower, upper + 1)) != 0
    assert group_columns(A, order=order).max() + 1 == lower + upper + 1


def test_the_default_order_is_smallest_last_and_scipys_is_reproduced_by_seed():
    A = np.random.default_rng(3).random((30, 40)) < 0.1
    assert np.array_equal(group_columns(A), group_columns(A, order="smallest-last"))
    assert np.array_equal(visiting_order(5, 40, None), np.random.RandomState(5).permutation(40))


@pytest.mark.parametrize("order, message", [
    ("random", "`order` must be an int, None, a permutation"),
    ([0, 0, 1], "`order` must be a permutation of range(n)."),
])
def test_bad_orders_are_refused(order, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        group_columns(np.ones((2, 3)), order=order)


def sparse_function(P, W, V):
    """Residuals whose row i depends exactly on the x_j with P[i, j]: a random sparse f."""
    A, B = np.where(P, W, 0.0), np.where(P, V, 0.0)
    return lambda x: A @ np.sin(x) + B @ x**2


@given(P=patterns, data=st.data(), method=st.sampled_from(METHODS), bounded=st.booleans(),
       order=any_order)
def test_grouped_differences_equal_dense_ones(P, data, method, bounded, order):
    m, n = P.shape
    W = data.draw(hnp.arrays(float, (m, n), elements=st.floats(-3, 3)))
    V = data.draw(hnp.arrays(float, (m, n), elements=st.floats(-3, 3)))
    x0 = data.draw(hnp.arrays(float, n, elements=st.floats(-2, 2)))
    fun = sparse_function(P, W, V)
    bounds = (x0 - data.draw(st.sampled_from([0.0, 1e-9, 1.0])), x0 + 1e-9) if bounded \
        else (-np.inf, np.inf)
    if method == "cs":
        bounds = (-np.inf, np.inf)   # the complex step does not look at bounds
    groups = group_columns(P, order=order)
    dense, dense_info = approx_derivative(fun, x0, method=method, bounds=bounds, full_output=True)
    J, info = approx_derivative(fun, x0, method=method, bounds=bounds, sparsity=(P, groups),
                                full_output=True)
    assert isinstance(J, CSRMatrix) and J.shape == (m, n)
    assert np.allclose(J.toarray(), np.where(P, np.atleast_2d(dense).reshape(m, n), 0.0),
                       rtol=1e-12, atol=1e-12)
    per_point = 2 if method == "3-point" else 1
    assert info["nfev"] == 1 + per_point * (groups.max() + 1 if n else 0)
    assert dense_info["nfev"] == 1 + per_point * n


def test_workers_get_all_grouped_points_in_one_call():
    n = 30
    structure = sum(np.eye(n, k=k) for k in (-1, 0, 1)) != 0
    calls = []

    def recording_map(f, points):
        points = list(points)
        calls.append(len(points))
        return [f(x) for x in points]

    for method, per_group in [("2-point", 1), ("3-point", 2), ("cs", 1)]:
        calls.clear()
        J = approx_derivative(tridiagonal_residuals, np.linspace(0, 1, n), method=method,
                              sparsity=structure, workers=recording_map)
        assert calls == [3 * per_group]
        assert np.allclose(J.toarray(), tridiagonal_jacobian(np.linspace(0, 1, n)), atol=1e-6)
    calls.clear()
    dense = approx_derivative(tridiagonal_residuals, np.linspace(0, 1, n), workers=recording_map)
    assert calls == [2 * n]
    assert np.array_equal(dense, approx_derivative(tridiagonal_residuals, np.linspace(0, 1, n)))


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 1e-9), ("cs", 1e-14)])
def test_the_linear_operator_gives_directional_derivatives(method, rtol):
    x0 = np.linspace(-1, 1, 8)
    J = approx_derivative(tridiagonal_residuals, x0, method=method, as_linear_operator=True)
    p = np.cos(np.arange(8.0))
    assert np.allclose(J.matvec(p), tridiagonal_jacobian(x0) @ p, rtol=rtol, atol=rtol)
    assert np.array_equal(J.matvec(np.zeros(8)), np.zeros(8))
    with pytest.raises(NotImplementedError, match="J p, not J\\^T y"):
        J.rmatvec(np.ones(8))
