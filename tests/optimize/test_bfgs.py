"""BFGS (refopt/optimize/bfgs.py): known minima, the update's properties, scipy's published
counts, options and statuses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from refopt import minimize
from refopt.optimize import OptimizeWarning
from refopt.optimize.bfgs import bfgs_update, minimize_bfgs

from . import (MGH_PROBLEMS, ROSEN_X0, check_entropy_run, check_library_run,
               check_mgh_minimum, check_quadratic_minimum, counted_rosen, library_cases,
               library_id, rosen, rosen_der, spd_systems)


@given(spd_systems())
def test_quadratic_minimum_is_the_solution_of_Ax_eq_b(system):
    check_quadratic_minimum("BFGS", system)


@pytest.mark.parametrize("problem", MGH_PROBLEMS, ids=lambda p: p.name)
def test_mgh_known_minima(problem):
    check_mgh_minimum("BFGS", problem, gtol=1e-8)


def test_scipy_documentation_run():
    # the minimize reference page's run (its counts, 26 iterations, are figures of the whole
    # floating-point path: not asserted, see tests/README.md)
    res = minimize(rosen, ROSEN_X0, method="BFGS", jac=rosen_der, options={"gtol": 1e-6})
    assert res.success and np.linalg.norm(res.jac, np.inf) <= 1e-6
    assert res.message == "Optimization terminated successfully."
    assert_allclose(res.x, np.ones(5), atol=1e-6)
    H = res.hess_inv
    assert_allclose(H, H.T, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(H) > 0)


def test_scipy_test_suite_trace():
    # scipy's CheckOptimizeParameterized.test_bfgs: its first iterates
    check_entropy_run("BFGS", 6, [[0, -5.25060743e-01, 4.87748473e-01],
                                            [0, -5.24885582e-01, 4.87530347e-01]])


def test_counts_are_the_real_calls():
    f, g, calls = counted_rosen()
    res = minimize(f, ROSEN_X0, method="BFGS", jac=g)
    assert (res.nfev, res.njev) == (calls["f"], calls["g"])
    calls["f"] = 0
    res = minimize(f, ROSEN_X0, method="BFGS")  # forward differences: n calls per gradient
    assert res.nfev == calls["f"]
    assert res.nfev >= 5 * res.njev


@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_update_is_symmetric_and_satisfies_the_secant_equation(n, seed):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    H = M @ M.T + np.eye(n)
    s = rng.standard_normal(n)
    y = rng.standard_normal(n)
    if y @ s <= 1e-3 * np.linalg.norm(y) * np.linalg.norm(s):
        y = -y if y @ s < 0 else y + s  # make the curvature yᵀs clearly positive
    H_new = bfgs_update(H, s, y)
    assert_allclose(H_new, H_new.T, rtol=1e-10, atol=1e-10 * np.abs(H_new).max())
    assert_allclose(H_new @ y, s, rtol=1e-8, atol=1e-8 * np.abs(s).max())
    assert np.all(np.linalg.eigvalsh((H_new + H_new.T) / 2) > 0)


def test_zero_curvature_uses_rho_1000():
    s, y = np.array([1.0, 0.0]), np.array([0.0, 1.0])  # yᵀs = 0
    H = bfgs_update(np.eye(2, dtype=int), s, y)
    rho = 1000.0
    A = np.eye(2) - rho * np.outer(s, y)
    assert_allclose(H, A @ A.T + rho * np.outer(s, s))
    with pytest.warns(OptimizeWarning, match="rhok assumed large"):
        bfgs_update(np.eye(2), s, y, disp=True)


def test_hess_inv0_is_used():
    # f = 2 (x - 3)^2 from x0 = 3.5 with the exact inverse Hessian 1/4: the first trial step
    # min(1, 1.01 / |x0 - 3|) is 1, which is the Newton step, so one iteration suffices.
    res = minimize(lambda x: 2 * (x[0] - 3) ** 2, [3.5], jac=lambda x: 4 * (x - 3),
                   method="BFGS", options={"hess_inv0": np.array([[0.25]])})
    assert res.nit == 1
    assert_allclose(res.x, [3.0], atol=1e-15)


@pytest.mark.parametrize("H0", [-np.eye(2), np.diag([1.0, 0.0]), np.array([[1.0, 0.5], [0, 1]])])
def test_hess_inv0_must_be_symmetric_positive_definite(H0):
    with pytest.raises(ValueError, match="'hess_inv0' matrix isn't positive definite."):
        minimize(rosen, [1.0, 2.0], method="BFGS", options={"hess_inv0": H0})


@pytest.mark.parametrize("H0", [np.eye(3), np.ones(2), np.eye(2)[None]])
def test_hess_inv0_must_be_n_by_n(H0):
    with pytest.raises(ValueError, match=r"'hess_inv0' must be an array of shape \(2, 2\)"):
        minimize(rosen, [1.0, 2.0], method="BFGS", options={"hess_inv0": H0})


def test_hess_inv0_is_not_mutated():
    H0 = np.eye(5) * 0.5
    copy = H0.copy()
    minimize(rosen, ROSEN_X0, jac=rosen_der, options={"hess_inv0": H0})
    assert np.array_equal(H0, copy)


def test_maxiter_status():
    res = minimize(rosen, ROSEN_X0, jac=rosen_der, options={"maxiter": 3})
    assert (res.status, res.success, res.nit) == (1, False, 3)
    assert res.message == "Maximum number of iterations has been exceeded."


def test_xrtol_stops_on_a_small_step():
    loose = minimize(rosen, ROSEN_X0, jac=rosen_der, options={"xrtol": 0.1})
    tight = minimize(rosen, ROSEN_X0, jac=rosen_der)
    assert loose.success and loose.nit < tight.nit


def test_norm_option_changes_the_stopping_test():
    res_inf = minimize(rosen, ROSEN_X0, jac=rosen_der, options={"gtol": 1e-3})
    res_2 = minimize(rosen, ROSEN_X0, jac=rosen_der, options={"gtol": 1e-3, "norm": 2})
    assert np.abs(res_inf.jac).max() <= 1e-3
    assert np.linalg.norm(res_2.jac) <= 1e-3


def test_return_all_lists_every_iterate():
    res = minimize(rosen, ROSEN_X0, jac=rosen_der, options={"return_all": True})
    assert len(res.allvecs) == res.nit + 1
    assert_allclose(res.allvecs[0], ROSEN_X0)
    assert_allclose(res.allvecs[-1], res.x)


def test_disp_prints_the_summary(capsys):
    minimize(rosen, ROSEN_X0, jac=rosen_der, options={"gtol": 1e-6, "disp": True})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Optimization terminated successfully."
    assert lines[2:] == ["         Iterations: 26", "         Function evaluations: 31",
                         "         Gradient evaluations: 31"]


def test_disp_warns_on_failure():
    with pytest.warns(OptimizeWarning, match="Maximum number of iterations"):
        minimize(rosen, ROSEN_X0, jac=rosen_der, options={"maxiter": 2, "disp": True})


def test_nan_at_start_is_reported_not_raised():
    res = minimize(lambda x: np.nan, [1.0, 2.0], method="BFGS")
    assert (res.status, res.success, res.nit) == (3, False, 0)
    assert res.message == "NaN result encountered."


def test_unbounded_below_ends_with_a_status():
    with np.errstate(all="ignore"):
        res = minimize(lambda x: -np.exp(x[0]), [0.0], method="BFGS")
    assert res.status == 2 and not res.success
    assert res.message == "Desired error not necessarily achieved due to precision loss."


def test_float32_start_point_accepted():
    res = minimize(rosen, np.array(ROSEN_X0, dtype=np.float32), jac=rosen_der)
    assert_allclose(res.x, np.ones(5), atol=1e-4)


def test_direct_call_defaults():
    res = minimize_bfgs(rosen, ROSEN_X0, jac=rosen_der)
    assert res.success and res.nit > 0
    assert set(res) == {"fun", "jac", "hess_inv", "nfev", "njev", "status", "success",
                        "message", "x", "nit"}


@pytest.mark.slow
@pytest.mark.parametrize("problem, start", library_cases(bounded=False), ids=library_id)
def test_library_problem(problem, start):
    check_library_run("BFGS", problem, start)


def test_hess_inv_is_never_the_users_array():
    H0 = np.eye(2)
    res = minimize(lambda x: x @ x, np.zeros(2), jac=lambda x: 2 * x,
                   options={"hess_inv0": H0})  # converged at x0: H is returned unchanged
    assert res.nit == 0 and np.array_equal(res.hess_inv, H0)
    res.hess_inv[0, 0] = 5.0
    assert H0[0, 0] == 1.0
