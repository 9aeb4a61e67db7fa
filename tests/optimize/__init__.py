"""Test problems for the minimizers with independently known minima.

Unconstrained problems from J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing
unconstrained optimization software", ACM TOMS 7(1), 17–41 (1981), taken from the registry
(:mod:`refopt.problems.mgh`, :mod:`refopt.problems.mgh_more`) in their minimisation form
``f = ‖F‖²``, ``g = 2 JᵀF`` (:mod:`refopt.problems.mgh_min`): each record carries the
standard starting point ``starts[0]``, the minimum value ``f_star`` the paper reports and,
where it is unique, the minimiser ``x_star``.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from refopt import minimize
from refopt.optimize import OptimizeWarning
from refopt.problems import all_problems
from refopt.problems.reference_runs import accepts, known_miss
from refopt.verify import minimize_options

#: the least-squares problems whose sums of squares the minimizer tests run, in this order
MGH_NAMES = ("mgh04_rosenbrock_n2_m2", "mgh06_powell_singular_n4_m4", "mgh_wood_n4_m6",
             "mgh_beale_n2_m3", "mgh05_helical_valley_n3_m3", "mgh_brown_badly_scaled_n2_m3",
             "mgh13_jennrich_and_sampson_n2_m10", "mgh12_box_3-dimensional_n3_m10",
             "mgh_trigonometric_n5_m5")
_MINIMIZE = {p.name: p for p in all_problems("minimize")}
MGH_PROBLEMS = [_MINIMIZE[f"{name}_ssq"] for name in MGH_NAMES]


def rosen(x: np.ndarray) -> float:
    """The n-dimensional Rosenbrock function (minimum 0 at all ones)."""
    x = np.asarray(x)
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0, axis=0)


def rosen_der(x: np.ndarray) -> np.ndarray:
    """Gradient of :func:`rosen`."""
    x = np.asarray(x)
    xm, xm_m1, xm_p1 = x[1:-1], x[:-2], x[2:]
    der = np.zeros_like(x)
    der[1:-1] = 200 * (xm - xm_m1 ** 2) - 400 * (xm_p1 - xm ** 2) * xm - 2 * (1 - xm)
    der[0] = -400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0])
    der[-1] = 200 * (x[-1] - x[-2] ** 2)
    return der


def rosen_hess(x: np.ndarray) -> np.ndarray:
    """Hessian of :func:`rosen` (tridiagonal)."""
    x = np.atleast_1d(x)
    H = np.diag(-400 * x[:-1], 1) - np.diag(400 * x[:-1], -1)
    diagonal = np.zeros(len(x))
    diagonal[0] = 1200 * x[0] ** 2 - 400 * x[1] + 2
    diagonal[-1] = 200
    diagonal[1:-1] = 202 + 1200 * x[1:-1] ** 2 - 400 * x[2:]
    return H + np.diag(diagonal)


ROSEN_X0 = (1.3, 0.7, 0.8, 1.9, 1.2)  # the scipy documentation's starting point


class EntropyProblem:
    """scipy's CheckOptimize problem: maximum entropy (Berger et al., Computational
    Linguistics 22(1), 1996), with counted calls and a trace of the points evaluated."""

    F = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 1], [1, 0, 0], [1, 0, 0]])
    K = np.array([1.0, 0.3, 0.5])
    x0 = np.zeros(3)
    solution = np.array([0.0, -0.524869316, 0.487525860])

    def __init__(self):
        self.funccalls = 0
        self.gradcalls = 0
        self.trace: list[np.ndarray] = []

    def func(self, x):
        self.funccalls += 1
        self.trace.append(np.copy(x))
        log_pdot = self.F @ x
        return np.log(np.sum(np.exp(log_pdot))) - self.K @ x

    def __call__(self, x):
        """The objective alone, for the derivative-free methods (counted and traced)."""
        return self.func(x)

    def grad(self, x):
        self.gradcalls += 1
        log_pdot = self.F @ x
        p = np.exp(log_pdot - np.log(np.sum(np.exp(log_pdot))))
        return self.F.T @ p - self.K


def counted_rosen():
    """:func:`rosen` and :func:`rosen_der` that count their calls in ``calls["f"]``,
    ``calls["g"]``: returns ``(f, g, calls)``."""
    calls = {"f": 0, "g": 0}

    def f(x):
        calls["f"] += 1
        return rosen(x)

    def g(x):
        calls["g"] += 1
        return rosen_der(x)

    return f, g, calls


def check_entropy_run(method, first, trace):
    """scipy's CheckOptimizeParameterized run of a gradient ``method``: the solution, the
    counted calls (the result's counts, plus the two function calls of the check here) and
    the first iterates ``trace`` from the ``first`` evaluated point on.

    The iterates are the first few of a short run (at most eight evaluations in), so they
    agree to far more than the seven digits checked whatever order numpy adds in; the
    total counts of the run (scipy's test asserts them) are not checked: they are figures of
    the whole floating-point path, to be compared with scipy's in one process on one machine
    (``python -m refopt bench`` / ``compare``), never with a recorded figure."""
    problem = EntropyProblem()
    res = minimize(problem.func, problem.x0, jac=problem.grad, method=method,
                   options={"maxiter": 1000})
    assert_allclose(problem.func(res.x), problem.func(problem.solution), atol=1e-6)
    assert res.success
    assert (problem.funccalls, problem.gradcalls) == (res.nfev + 2, res.njev)
    assert first + len(trace) <= 8
    assert_allclose(problem.trace[first:first + len(trace)], trace, atol=1e-14, rtol=1e-7)


def check_mgh_minimum(method, problem, gtol):
    """A gradient ``method`` from the standard start meets ``gtol`` at the published
    minimum value (and minimiser, where it is unique).

    Where ``gtol`` is close to what rounding leaves of the gradient at ``f*`` (Jennrich and
    Sampson: f* = 124, gtol = 1e-8), whether the last line search still finds a decrease
    depends on the last bits of the sums, so the run may instead stop with status 2
    (precision loss) — at the same minimum, which is what is checked."""
    res = minimize(problem.fun, problem.starts[0], method=method, jac=problem.jac,
                   options={"gtol": gtol})
    assert res.success or res.status == 2, res.message
    assert abs(res.fun - problem.f_star) <= 1e-5 * max(1.0, problem.f_star)
    if problem.x_star is not None:
        assert_allclose(res.x, problem.x_star, rtol=1e-3, atol=1e-3)


# ---------------------------------------------------------------------------------------
# Quadratics with a known minimiser x* = A⁻¹b
# ---------------------------------------------------------------------------------------

@st.composite
def spd_systems(draw):
    """A random SPD system A x = b, given as A = M Mᵀ, b = M c with M's singular values in
    [10^-0.75, 10^0.75] (so cond(A) <= ~1000)."""
    n = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    M = Q * 10 ** rng.uniform(-0.75, 0.75, n)
    c = rng.standard_normal(n) * 10 ** rng.uniform(-1, 1)
    return M, c


def quadratic(M, c):
    """f = ½‖Mᵀx − c‖² = ½ xᵀAx − bᵀx + const (A = MMᵀ, b = Mc), minimized at x* = A⁻¹b;
    written as a sum of squares so that f is computed accurately near the minimum."""
    return (lambda x: 0.5 * np.sum((M.T @ x - c) ** 2)), (lambda x: M @ (M.T @ x - c))


def assert_solves(res, M, c):
    """x* = A⁻¹b, to within the bound ‖x − x*‖ <= ‖A⁻¹‖ ‖∇f(x)‖ that the final gradient gives."""
    A, b = M @ M.T, M @ c
    x_star = np.linalg.solve(A, b)
    bound = np.linalg.norm(np.linalg.inv(A), 2) * np.linalg.norm(res.jac)
    assert np.linalg.norm(res.x - x_star) <= 1.01 * bound + 1e-13 * np.linalg.norm(x_star)
    assert np.linalg.norm(res.x - x_star) <= 1e-5 * np.linalg.norm(x_star)


def check_quadratic_minimum(method, system):
    """A gradient ``method`` from 0 reaches ``x* = A⁻¹b`` of the quadratic of ``system``."""
    M, c = system
    f, g = quadratic(M, c)
    res = minimize(f, np.zeros(len(c)), method=method, jac=g,
                   options={"gtol": 1e-9 * np.abs(M @ c).max()})
    assert res.success, res.message
    assert_solves(res, M, c)


# ---------------------------------------------------------------------------------------
# The whole minimisation library (refopt.problems): every problem x start
# ---------------------------------------------------------------------------------------

def library_cases(bounded: bool = True) -> list:
    """Every (problem, start index) of the registry's minimisation problems; without the
    bounded ones when ``bounded`` is False (for methods that take no bounds)."""
    return [(p, i) for p in all_problems("minimize") if bounded or "bounds" not in p.extra
            for i in range(len(p.starts))]


def library_id(value) -> str:
    """Test id of a ``library_cases`` entry: the problem's name, or the start index."""
    return value.name if hasattr(value, "name") else str(value)


def check_library_run(method, problem, start):
    """``minimize`` with ``method`` and the options ``python -m refopt verify`` uses, from
    ``problem.starts[start]``, reaches the published minimum (or a recorded local one), or
    is a recorded miss (refopt/problems/reference_runs.py) judged as verify judges it: a
    finite point no worse than the start, stopped for the recorded reason."""
    x0 = np.array(problem.starts[start], dtype=float)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", OptimizeWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow far out in a line search
        res = minimize(problem.fun, x0, method=method,
                       **minimize_options(problem, method, problem.jac))
    verdict = problem.judge(res.x, start)
    if not verdict.passed:
        miss = known_miss(problem, method, start)
        assert miss is not None and accepts(miss, problem, x0, res), (verdict, res.message)
