"""Helpers shared by the trf, dogbox and LSMR tests: calling a solver as least_squares does,
oracles for bounded linear problems, the first-order conditions, and the test problems."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from refopt._bounds import make_strictly_feasible
from refopt._callback import wrap_callback
from refopt.lsq.losses import construct_loss_function
from refopt.lsq.options import Options, Problem, Scaling
from refopt.lsq.trf import trf
from refopt.problems import mgh
from refopt.problems.reference_runs import no_worse

INF = np.inf


def run(solver, fun, jac, x0, lb=None, ub=None, tol=1e-8, max_nfev=None, x_scale=None,
        loss="linear", f_scale=1.0, verbose=0, callback=None, tr_solver="exact",
        tr_options=None):
    """Call a solver as the least_squares front end does (trf gets a strictly feasible x0)."""
    x0 = np.asarray(x0, dtype=float)
    n = x0.size
    lb = np.full(n, -INF) if lb is None else np.asarray(lb, dtype=float)
    ub = np.full(n, INF) if ub is None else np.asarray(ub, dtype=float)
    if solver is trf:
        x0 = make_strictly_feasible(x0, lb, ub)
    f0 = np.asarray(fun(x0), dtype=float)
    J0 = np.asarray(jac(x0, f0), dtype=float)
    loss_function = construct_loss_function(f0.size, loss, f_scale)
    scaling = (Scaling.jacobian() if isinstance(x_scale, str) else
               Scaling.fixed(np.ones(n) if x_scale is None else x_scale))
    options = Options(tol, tol, tol, 100 * n if max_nfev is None else max_nfev,
                      loss_function=loss_function, tr_solver=tr_solver,
                      tr_options={} if tr_options is None else tr_options, verbose=verbose,
                      callback=wrap_callback(callback))
    return solver(Problem(fun, jac, x0, f0, J0, lb, ub), options, scaling)


def bounded_lsq_oracle(A, b, lb, ub):
    """min ||A x - b|| subject to lb <= x <= ub, by enumerating the active sets.

    For full-rank A the constrained minimiser is the unconstrained minimiser of its own
    active set restricted problem, so the best feasible candidate over all 3**n patterns
    (free / at lb / at ub) is the solution.
    """
    n = A.shape[1]
    best_cost, best_x = INF, None
    for pattern in itertools.product((-1, 0, 1), repeat=n):
        pattern = np.array(pattern)
        if np.any((pattern == -1) & ~np.isfinite(lb)) or np.any((pattern == 1) & ~np.isfinite(ub)):
            continue
        x = np.where(pattern == -1, lb, np.where(pattern == 1, ub, 0.0))
        free = pattern == 0
        if free.any():
            rhs = b - A[:, ~free] @ x[~free]
            x[free] = np.linalg.lstsq(A[:, free], rhs, rcond=None)[0]
        if np.all(x >= lb - 1e-12) and np.all(x <= ub + 1e-12):
            cost = 0.5 * np.sum((A @ x - b) ** 2)
            if cost < best_cost:
                best_cost, best_x = cost, x
    return best_x, best_cost


def assert_kkt(x, g, lb, ub, atol):
    """First-order conditions: zero gradient inside, gradient pointing out on a bound."""
    at_lb = np.abs(x - lb) <= 1e-7 * (1 + np.abs(x))
    at_ub = np.abs(ub - x) <= 1e-7 * (1 + np.abs(x))
    inside = ~at_lb & ~at_ub
    assert np.all(np.abs(g[inside]) <= atol)
    assert np.all(g[at_lb] >= -atol)
    assert np.all(g[at_ub] <= atol)


@st.composite
def bounded_linear_problems(draw, x0_on_bounds=False):
    """``(A, b, lb, ub, x0)``: full-rank A, random finite or infinite bounds, x0 inside
    (with ``x0_on_bounds``, some components of x0 moved onto their finite bounds)."""
    n = draw(st.integers(1, 3))
    m = n + draw(st.integers(0, 3))
    A = draw(arrays(float, (m, n), elements=st.floats(-3, 3)))
    sigma = np.linalg.svd(A, compute_uv=False)
    assume(sigma.min() > 0.1 and sigma.max() < 50 * sigma.min())
    b = draw(arrays(float, m, elements=st.floats(-5, 5)))
    lb = draw(arrays(float, n, elements=st.floats(-3, 1)))
    width = draw(arrays(float, n, elements=st.floats(0.2, 4)))
    ub = lb + width
    lb = np.where(draw(arrays(bool, n)), -INF, lb)
    ub = np.where(draw(arrays(bool, n)), INF, ub)
    frac = draw(arrays(float, n, elements=st.floats(0.1, 0.9)))
    x0 = np.where(np.isfinite(lb) & np.isfinite(ub), lb + frac * width,
                  np.where(np.isfinite(lb), lb + frac, np.where(np.isfinite(ub), ub - frac, frac)))
    if x0_on_bounds:
        side = draw(arrays(np.int64, n, elements=st.integers(-1, 1)))
        x0 = np.where((side == -1) & np.isfinite(lb), lb, np.where((side == 1) & np.isfinite(ub), ub, x0))
    return A, b, lb, ub, x0


def linear(A, b):
    return (lambda x: A @ x - b), (lambda x, f: A.copy())


# the scipy documentation's Rosenbrock example
def rosenbrock(x):
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def rosenbrock_jac(x, f=None):
    return np.array([[-20 * x[0], 10], [-1, 0]])


def rosenbrock_on_x1_equals(x1):
    """x0 minimising 100 (x1 - x0**2)**2 + (1 - x0)**2 for fixed x1: the real root of the
    cubic 400 x0**3 + (2 - 400 x1) x0 - 2 = 0 (the derivative set to zero)."""
    roots = np.roots([400.0, 0.0, 2.0 - 400.0 * x1, -2.0])
    real = np.real(roots[np.abs(roots.imag) < 1e-12])
    values = 100 * (x1 - real**2) ** 2 + (1 - real) ** 2
    return real[np.argmin(values)]


# Runs that end elsewhere, with scipy too (refopt takes the same steps, checked by hand),
# keyed by (problem, n, factor).
MGH_MISSES = {
    "trf": {
        (8, 3, 100.0): "Bard: parameters run off to infinity along an asymptote of the model",
        (9, 4, 10.0): "Kowalik-Osborne: parameters run off to infinity",
        (15, 1, 1.0): "Chebyquad n=1: x0 = 1/2 is a stationary point (a local maximum)",
    },
    "dogbox": {
        (9, 4, 100.0): "Kowalik-Osborne: parameters run off to infinity",
        (15, 1, 1.0): "Chebyquad n=1: x0 = 1/2 is a stationary point (a local maximum)",
    },
}


def check_mgh_case(solver, case, tr_solver="exact", tr_options=None, misses=None):
    res = run(solver, lambda x: case.fun(x), lambda x, f: case.jac(x), case.x0(),
              tol=1e-12, max_nfev=1000 * case.n, tr_solver=tr_solver, tr_options=tr_options)
    assert np.all(np.isfinite(res.x))
    misses = MGH_MISSES[solver.__name__] if misses is None else misses
    if (case.nprob, case.n, case.factor) in misses:
        # not a minimum, but no worse than the start (up to the last bits of the sum) and
        # stationary or stopped by a test
        assert no_worse(res.cost, 0.5 * np.sum(case.fun(case.x0()) ** 2))
        assert res.status in (1, 2, 3, 4)
        return
    norms = mgh.known_norms(case.nprob, case.n, case.m)
    assert norms, "every driver case has a published or closed-form minimum"
    ssq = 2 * res.cost
    assert any(abs(ssq - k**2) <= 1e-5 * k**2 + 1e-10 for k in norms), (ssq, norms)


def mgh_case_ids(cases):
    return [f"p{c.nprob}-n{c.n}-m{c.m}-x{c.factor:g}" for c in cases]


def outlier_data():
    t = np.linspace(0, 10, 40)
    y = 0.5 + 2.0 * np.exp(-1.3 * t)
    y[4::8] += 3.0  # gross outliers
    return t, y


def outlier_model():
    """``a + b exp(c t) - y`` on the outlier data, with its Jacobian ``jac(p, f)``."""
    t, y = outlier_data()

    def fun(p):
        return p[0] + p[1] * np.exp(p[2] * t) - y

    def jac(p, f):
        e = np.exp(p[2] * t)
        return np.column_stack((np.ones_like(t), e, p[1] * t * e))

    return t, fun, jac
