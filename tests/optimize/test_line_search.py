"""Line searches (refopt/optimize/line_search.py): the steps satisfy the strong Wolfe conditions
on random smooth functions; dcstep's four cases; dcsrch's errors; the fallback chain."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from refopt.optimize.line_search import (LineSearchError, LineSearchWarning, dcsrch, dcstep,
                                         line_search, line_search_wolfe1, line_search_wolfe12,
                                         scalar_search_wolfe1, scalar_search_wolfe2)

from . import MGH_PROBLEMS, rosen, rosen_der

positive = st.floats(-1.0, 1.0).map(lambda e: 10.0 ** e)  # log-uniform on [0.1, 10]


@st.composite
def smooth_1d(draw):
    """phi(a) = ½ k (a - m)² + b sin(w a + t) (bounded below), with phi'(0) < 0."""
    k, m, w = draw(positive), draw(positive), draw(positive)
    b = draw(st.floats(0.0, 1.0)) * k * m
    t = draw(st.floats(0.0, 2 * np.pi))

    def phi(a):
        return 0.5 * k * (a - m) ** 2 + b * np.sin(w * a + t)

    def derphi(a):
        return k * (a - m) + b * w * np.cos(w * a + t)

    assume(derphi(0.0) < -1e-8)
    return phi, derphi


@st.composite
def wolfe_constants(draw):
    c1 = draw(st.floats(-4.0, np.log10(0.5)).map(lambda e: 10.0 ** e))
    c2 = draw(st.floats(0.0, 1.0).map(lambda u: c1 + u * (0.99 - c1)))
    assume(0 < c1 < c2 < 1)
    return c1, c2


def assert_strong_wolfe(phi, derphi, alpha, c1, c2):
    phi0, derphi0 = phi(0.0), derphi(0.0)
    assert alpha > 0
    assert phi(alpha) <= phi0 + c1 * alpha * derphi0            # (20.1)
    assert abs(derphi(alpha)) <= c2 * abs(derphi0)               # (20.2)


@given(smooth_1d(), wolfe_constants())
def test_more_thuente_step_satisfies_strong_wolfe(function, constants):
    phi, derphi = function
    c1, c2 = constants
    alpha, phi_alpha, phi0 = scalar_search_wolfe1(phi, derphi, phi(0.0), None, derphi(0.0),
                                                  c1=c1, c2=c2, amin=1e-100, amax=1e100)
    assert alpha is not None
    assert phi_alpha == phi(alpha) and phi0 == phi(0.0)
    assert_strong_wolfe(phi, derphi, alpha, c1, c2)


@given(smooth_1d(), wolfe_constants())
def test_zoom_step_satisfies_strong_wolfe(function, constants):
    phi, derphi = function
    c1, c2 = constants
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineSearchWarning)
        alpha, phi_alpha, _, derphi_alpha = scalar_search_wolfe2(phi, derphi, c1=c1, c2=c2)
    if derphi_alpha is not None:  # None: the search reported that it did not converge
        assert_strong_wolfe(phi, derphi, alpha, c1, c2)
        assert derphi_alpha == derphi(alpha)


@pytest.mark.parametrize("problem", MGH_PROBLEMS, ids=lambda p: p.name)
def test_public_line_search_along_steepest_descent(problem):
    x = np.array(problem.starts[0])
    g = problem.jac(x)
    p = -g / np.linalg.norm(g)
    calls = {"f": 0, "g": 0}

    def f(x):
        calls["f"] += 1
        return problem.fun(x)

    def fprime(x):
        calls["g"] += 1
        return problem.jac(x)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineSearchWarning)
        alpha, fc, gc, f_new, f_old, g_new = line_search(f, fprime, x, p, g)
    assert (fc, gc) == (calls["f"], calls["g"])
    if g_new is not None:
        phi = lambda a: problem.fun(x + a * p)  # noqa: E731
        derphi = lambda a: problem.jac(x + a * p) @ p  # noqa: E731
        assert_strong_wolfe(phi, derphi, alpha, 1e-4, 0.9)
        assert f_new == problem.fun(x + alpha * p) and f_old == problem.fun(x)
        assert_allclose(g_new, problem.jac(x + alpha * p))


def test_wolfe1_on_rosenbrock_returns_the_gradient_at_the_step():
    x = np.array([-1.2, 1.0])
    g = rosen_der(x)
    alpha, fc, gc, f_new, f_old, g_new = line_search_wolfe1(rosen, rosen_der, x, -g, g)
    assert alpha is not None and fc == gc + 1  # phi(0) computed too: no old_fval given
    alpha, fc, gc, f_new, f_old, g_new = line_search_wolfe1(rosen, rosen_der, x, -g, g,
                                                            rosen(x))
    assert alpha is not None and fc == gc >= 1 and f_old == rosen(x)
    assert_allclose(g_new, rosen_der(x - alpha * g))
    assert f_new == rosen(x - alpha * g)


# ---------------------------------------------------------------------- dcstep, case by case
# For a quadratic the cubic (20.7), quadratic (20.8) and secant (20.9) steps are all exact, so
# every case that interpolates must return the quadratic's minimizer m.

def quadratic(m):
    return (lambda a: (a - m) ** 2), (lambda a: 2 * (a - m))


def point(fun, a):
    phi, derphi = fun
    return a, phi(a), derphi(a)


def test_case1_higher_value_brackets_and_interpolates():
    fun = quadratic(1.0)
    stx, fx, dx = point(fun, 0.0)
    stp, fp, dp = point(fun, 2.5)  # fp > fx
    out = dcstep(stx, fx, dx, 0.0, fx, dx, stp, fp, dp, False, 0.0, 10.0)
    new_stx, _, _, new_sty, fy, dy, step, brackt = out
    assert brackt
    assert (new_stx, new_sty, fy, dy) == (stx, stp, fp, dp)  # the trial point closes it
    assert_allclose(step, 1.0)


def test_case2_slopes_of_opposite_sign():
    fun = quadratic(1.0)
    stx, fx, dx = point(fun, 0.0)
    stp, fp, dp = point(fun, 1.5)  # fp <= fx, dp > 0 > dx
    new_stx, fx2, dx2, new_sty, fy, dy, step, brackt = dcstep(
        stx, fx, dx, 0.0, fx, dx, stp, fp, dp, False, 0.0, 10.0)
    assert brackt
    assert (new_stx, fx2, dx2) == (stp, fp, dp) and (new_sty, fy, dy) == (stx, fx, dx)
    assert_allclose(step, 1.0)


def test_case3_decreasing_slope_unbracketed_extrapolates_within_limits():
    fun = quadratic(4.0)
    stx, fx, dx = point(fun, 0.0)
    stp, fp, dp = point(fun, 1.0)  # same sign, |dp| < |dx|
    new_stx, _, _, new_sty, _, _, step, brackt = dcstep(
        stx, fx, dx, 0.0, fx, dx, stp, fp, dp, False, 1.1, 5.0)
    assert not brackt and new_stx == stp and new_sty == 0.0
    assert_allclose(step, 4.0)
    # the same step clipped to the extrapolation range [stpmin, stpmax]
    step = dcstep(stx, fx, dx, 0.0, fx, dx, stp, fp, dp, False, 1.1, 2.0)[6]
    assert step == 2.0


def test_case3_bracketed_keeps_within_066_of_the_bracket():
    fun = quadratic(4.0)
    stx, fx, dx = point(fun, 0.0)
    stp, fp, dp = point(fun, 1.0)
    sty = 2.0  # bracket [0, 2] (as if a higher point had been seen at 2)
    step = dcstep(stx, fx, dx, sty, fun[0](sty), fun[1](sty), stp, fp, dp, True, 0.0, sty)[6]
    assert step == pytest.approx(stp + 0.66 * (sty - stp))


def test_case4_unbracketed_goes_to_the_end_of_the_range():
    phi, derphi = (lambda a: -a ** 3), (lambda a: -3 * a ** 2)
    stx, fx, dx = 0.5, phi(0.5), derphi(0.5)
    stp, fp, dp = 1.0, phi(1.0), derphi(1.0)  # steeper: |dp| >= |dx|, same sign, lower
    out = dcstep(stx, fx, dx, 0.0, phi(0.0), derphi(0.0), stp, fp, dp, False, 1.1, 4.0)
    assert out[6] == 4.0 and not out[7]
    out = dcstep(1.0, fp, dp, 0.0, 0.0, 0.0, 0.5, fx, dx, False, 0.2, 4.0)  # going left
    assert out[6] == 0.2


def test_case4_bracketed_uses_the_far_end():
    fun = quadratic(3.0)
    stx, fx, dx = point(fun, 0.0)
    stp, fp, dp = point(fun, 1.0)
    sty, fy, dy = point(fun, 4.0)
    # |dp| >= |dx| cannot happen for the same quadratic; scale stx's slope down to reach case 4
    step = dcstep(stx, fx + 10, dx / 10, sty, fy, dy, stp, fp, dp, True, 0.0, 4.0)[6]
    assert_allclose(step, 3.0)


# ------------------------------------------------------------------------- dcsrch and errors

@pytest.mark.parametrize("args, task", [
    ((1.0, 1.0, 1.0), "ERROR: INITIAL G .GE. ZERO"),
    ((20.0, 1.0, -1.0), "ERROR: STP .GT. STPMAX"),
    ((1e-9, 1.0, -1.0), "ERROR: STP .LT. STPMIN"),
])
def test_dcsrch_input_errors(args, task):
    stp, f0, g0 = args
    alpha, phi1, message = dcsrch(lambda a: 0.0, lambda a: 0.0, stp, f0, g0, 1e-4, 0.9, 1e-14,
                                  1e-8, 10.0)
    assert alpha is None and message == task and phi1 == f0


def test_dcsrch_converges_and_counts_trial_steps():
    phi, derphi = quadratic(3.0)
    calls = []
    alpha, phi1, task = dcsrch(lambda a: calls.append(a) or phi(a), derphi, 1.0, phi(0.0),
                               derphi(0.0), 1e-4, 0.1, 1e-14, 0.0, 100.0)
    assert task == "CONVERGENCE"
    assert abs(derphi(alpha)) <= 0.1 * abs(derphi(0.0)) and phi1 == phi(alpha)
    assert calls[-1] == alpha


def test_dcsrch_gives_up_after_maxiter_evaluations():
    calls = []
    # phi' = -1 everywhere: the curvature condition (20.2) never holds
    alpha, _, task = dcsrch(lambda a: calls.append(a) or -a, lambda a: -1.0, 1.0, 0.0, -1.0,
                            1e-4, 0.9, 1e-14, 0.0, 1e100, maxiter=7)
    assert alpha is None and "max iterations" in task and len(calls) == 7


def test_c1_c2_checked():
    phi, derphi = quadratic(1.0)
    for search in (scalar_search_wolfe1, scalar_search_wolfe2):
        with pytest.raises(ValueError, match="'c1' and 'c2' do not satisfy '0 < c1 < c2 < 1'"):
            search(phi, derphi, c1=0.5, c2=0.5)


def test_first_trial_step_repeats_the_last_decrease():
    # (20.3): alpha1 = min(1, 1.01 * 2 (phi0 - phi_old) / phi'(0))
    trials = []
    phi, derphi = quadratic(10.0)
    scalar_search_wolfe1(lambda a: trials.append(a) or phi(a), derphi, phi(0.0),
                         phi(0.0) + 0.25, derphi(0.0))
    assert trials[0] == pytest.approx(min(1.0, 1.01 * 2 * (-0.25) / derphi(0.0)))


def test_wolfe12_falls_back_and_finally_raises():
    f = lambda x: float((x[0] - 1) ** 2)  # noqa: E731
    g = lambda x: 2 * (x - 1)  # noqa: E731
    x, p = np.zeros(1), np.ones(1)
    alpha = line_search_wolfe12(f, g, x, p, g(x), f(x), None, c1=1e-4, c2=0.9)[0]
    assert alpha is not None
    seen = []

    def never(alpha, x_new, f_new, g_new):
        seen.append(alpha)
        return False

    with pytest.raises(LineSearchError):
        line_search_wolfe12(f, g, x, p, g(x), f(x), None, extra_condition=never, c1=1e-4,
                            c2=0.9)
    assert len(seen) >= 2  # asked after Moré–Thuente, then again inside the zoom


def test_wolfe2_warns_when_it_cannot_converge():
    with pytest.warns(LineSearchWarning):
        line_search(lambda x: -x[0], lambda x: np.array([-1.0]), np.zeros(1), np.ones(1))


def test_rosen_line_search_from_many_points():
    rng = np.random.default_rng(1)
    for _ in range(50):
        x = rng.uniform(-2, 2, 4)
        g = rosen_der(x)
        alpha, *_rest, g_new = line_search(rosen, rosen_der, x, -g, g)
        if g_new is not None:
            phi = lambda a: rosen(x - a * g)  # noqa: E731
            derphi = lambda a: -rosen_der(x - a * g) @ g  # noqa: E731
            assert_strong_wolfe(phi, derphi, alpha, 1e-4, 0.9)
