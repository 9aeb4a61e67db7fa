"""Polak–Ribière+ conjugate gradients (refopt/optimize/cg.py): known minima, conjugacy on
quadratics, the sufficient-descent safeguard, scipy's published counts, options."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from refopt import minimize
from refopt.optimize.cg import SIGMA_3, minimize_cg, polak_ribiere_step

from . import (MGH_PROBLEMS, ROSEN_X0, check_entropy_run, check_library_run,
               check_mgh_minimum, check_quadratic_minimum, counted_rosen, library_cases,
               library_id, rosen, rosen_der, spd_systems)

# Where the gradient is large at the minimum's scale (x ~ 1e6, f ~ 124), 1e-8 is below what
# double precision resolves and the line search reports precision loss first.
GTOL = {"mgh_brown_badly_scaled_n2_m3_ssq": 1e-6,
        "mgh13_jennrich_and_sampson_n2_m10_ssq": 1e-6}


@given(spd_systems())
def test_quadratic_minimum_is_the_solution_of_Ax_eq_b(system):
    check_quadratic_minimum("CG", system)


@pytest.mark.parametrize("problem", MGH_PROBLEMS, ids=lambda p: p.name)
def test_mgh_known_minima(problem):
    check_mgh_minimum("CG", problem, gtol=GTOL.get(problem.name, 1e-8))


@given(st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_exact_steps_on_a_quadratic_give_conjugate_directions(n, seed):
    # With exact line minimization on a quadratic, Polak–Ribière is linear CG: p1ᵀ A p0 = 0.
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = (Q * 10 ** rng.uniform(-1, 1, n)) @ Q.T
    b = rng.standard_normal(n)
    x0 = np.zeros(n)
    g0 = A @ x0 - b
    p0 = -g0
    alpha = -(g0 @ p0) / (p0 @ A @ p0)
    _, x1, p1, g1, _ = polak_ribiere_step(lambda x: A @ x - b, x0, p0, g0, alpha)
    assert abs(p1 @ A @ p0) <= 1e-8 * np.linalg.norm(A @ p0) * np.linalg.norm(p1)
    assert_allclose(x1, x0 + alpha * p0)


def test_beta_is_never_negative():
    # g1 = g0 / 2 makes the Polak–Ribière beta (g1 - g0)ᵀg1 / g0ᵀg0 = -1/4 negative: PR+
    # restarts along -g1
    g0 = np.array([1.0, 0.0])
    gfkp1 = np.array([0.5, 0.0])
    _, _, p1, _, _ = polak_ribiere_step(None, np.zeros(2), -g0, g0, 1.0, gfkp1)
    assert_allclose(p1, -gfkp1)


@pytest.mark.parametrize("problem", MGH_PROBLEMS[:5], ids=lambda p: p.name)
def test_every_direction_is_a_sufficient_descent_direction(problem):
    # Rebuild p_k from the iterates' gradients with (22.3)-(22.4); each step must be a positive
    # multiple of p_k, and each p_k must satisfy (22.5) (the last may instead meet gtol).
    res = minimize(problem.fun, problem.starts[0], method="CG", jac=problem.jac,
                   options={"return_all": True})
    xs = res.allvecs
    p = -problem.jac(xs[0])
    for k in range(len(xs) - 1):
        g_k = problem.jac(xs[k])
        if k > 0:
            g_prev = problem.jac(xs[k - 1])
            beta = max(0.0, (g_k - g_prev) @ g_k / (g_prev @ g_prev))
            p = -g_k + beta * p
            assert p @ g_k <= -SIGMA_3 * (g_k @ g_k)                       # (22.5)
        step = xs[k + 1] - xs[k]
        alpha = step @ p / (p @ p)
        assert alpha > 0
        assert_allclose(step, alpha * p, rtol=1e-9, atol=1e-12 * np.abs(xs[k]).max())


def test_scipy_test_suite_trace():
    # scipy's CheckOptimizeParameterized.test_cg: its first iterates
    check_entropy_run("CG", 2, [[0, -0.5, 0.5], [0, -5.05700028e-01, 4.95985862e-01]])


@pytest.mark.parametrize("x0", np.linspace(-0.75, 3, 71))
def test_scipy_corner_case_flat_exponential(x0):
    # scipy's test_cg_cornercase: minimum 0 at r = 0.5, flat far away
    res = minimize(lambda r: 2.5 * (1 - np.exp(-1.5 * (r - 0.5))) ** 2, [x0], method="CG")
    assert res.success
    assert_allclose(res.x, [0.5], rtol=1e-5)


def test_counts_are_the_real_calls():
    f, g, calls = counted_rosen()
    res = minimize(f, ROSEN_X0, method="CG", jac=g)
    assert (res.nfev, res.njev) == (calls["f"], calls["g"])


def test_maxiter_status_and_fields():
    res = minimize(rosen, ROSEN_X0, method="CG", jac=rosen_der, options={"maxiter": 3})
    assert (res.status, res.success, res.nit) == (1, False, 3)
    assert res.message == "Maximum number of iterations has been exceeded."
    assert set(res) == {"fun", "jac", "nfev", "njev", "status", "success", "message", "x",
                        "nit"}


def test_c1_c2_must_be_ordered():
    with pytest.raises(ValueError, match="'c1' and 'c2' do not satisfy"):
        minimize(rosen, ROSEN_X0, method="CG", options={"c1": 0.5, "c2": 0.4})


def test_return_all_and_direct_call():
    res = minimize_cg(rosen, ROSEN_X0, jac=rosen_der, return_all=True)
    assert res.success
    assert len(res.allvecs) == res.nit + 1
    assert_allclose(res.allvecs[-1], res.x)


def test_finite_difference_gradient_reaches_the_minimum():
    res = minimize(rosen, ROSEN_X0, method="CG")
    assert res.success
    assert_allclose(res.x, np.ones(5), atol=1e-4)
    assert res.nfev >= 6 * res.njev - 5  # n = 5 extra calls per difference gradient


@pytest.mark.slow
@pytest.mark.parametrize("problem, start", library_cases(bounded=False), ids=library_id)
def test_library_problem(problem, start):
    check_library_run("CG", problem, start)
