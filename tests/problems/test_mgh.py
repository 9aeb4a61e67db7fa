"""The MGH problems of MINPACK's driver: Jacobians, starts, minima, registration."""

from __future__ import annotations


import numpy as np
import pytest

from refopt.problems import all_problems, mgh

CASES = sorted({(c.nprob, c.n, c.m) for c in mgh.driver_cases()})


def test_the_driver_has_53_runs_over_28_cases():
    cases = mgh.driver_cases()
    assert len(cases) == 53 and len(CASES) == 28
    assert {c.nprob for c in cases} == set(range(1, 19))


@pytest.mark.parametrize("nprob,n,m", CASES)
def test_analytic_jacobian_matches_central_differences(nprob, n, m):
    rng = np.random.default_rng(nprob * 100 + n)
    x = mgh.initial_point(nprob, n) + 0.1 * rng.standard_normal(n)
    if nprob == 10:  # Meyer's scale: perturb relatively
        x = mgh.initial_point(nprob, n) * (1 + 0.01 * rng.standard_normal(n))
    jac = mgh.jacobian(nprob, x, m)
    assert jac.shape == (m, n)
    h = 1e-6 * np.maximum(1.0, np.abs(x))
    numeric = np.column_stack([
        (mgh.residuals(nprob, x + h[j] * np.eye(n)[j], m)
         - mgh.residuals(nprob, x - h[j] * np.eye(n)[j], m)) / (2 * h[j]) for j in range(n)])
    np.testing.assert_allclose(jac, numeric, rtol=1e-5, atol=1e-6 * np.abs(numeric).max())


@pytest.mark.parametrize("nprob,n,m", CASES)
def test_residual_shape_and_start(nprob, n, m):
    x0 = mgh.initial_point(nprob, n)
    assert x0.shape == (n,)
    assert mgh.residuals(nprob, x0, m).shape == (m,)
    np.testing.assert_array_equal(mgh.initial_point(nprob, n, 10.0),
                                  np.full(n, 10.0) if nprob == 11 else 10.0 * x0)


def test_linear_minimum_norms_are_the_least_squares_residuals():
    # problems 1-3 are linear: the closed-form minimum equals numpy's least squares
    for nprob, n, m in [(1, 5, 10), (1, 5, 50), (2, 5, 10), (2, 5, 50), (3, 5, 10), (3, 5, 50)]:
        a = mgh.jacobian(nprob, np.zeros(n), m)
        b = -mgh.residuals(nprob, np.zeros(n), m)
        x = np.linalg.lstsq(a, b, rcond=None)[0]
        assert np.linalg.norm(a @ x - b) == pytest.approx(mgh.minimum_norm(nprob, n, m), rel=1e-12)


def test_zero_residual_problems_vanish_at_their_published_minimisers():
    assert np.all(mgh.residuals(4, np.array([1.0, 1.0]), 2) == 0.0)
    assert np.allclose(mgh.residuals(5, np.array([1.0, 0.0, 0.0]), 3), 0.0)
    assert np.all(mgh.residuals(6, np.zeros(4), 4) == 0.0)
    assert np.allclose(mgh.residuals(12, np.array([1.0, 10.0, 1.0]), 10), 0.0)
    assert np.allclose(mgh.residuals(16, np.ones(10), 10), 0.0)
    assert np.allclose(mgh.residuals(7, np.array([5.0, 4.0]), 2), 0.0)


def test_helical_valley_on_the_axis_uses_the_sign_of_x2():
    # theta(0, x2) = +-1/4, the limit of the atan formula from either side
    f_plus = mgh.residuals(5, np.array([0.0, 1.0, 0.0]), 3)
    assert f_plus[0] == pytest.approx(-25.0)
    assert mgh.residuals(5, np.array([0.0, -1.0, 0.0]), 3)[0] == pytest.approx(25.0)


def test_brown_almost_linear_jacobian_with_a_zero_component():
    x = np.array([0.0, 2.0, 3.0])
    jac = mgh.jacobian(16, x, 3)
    assert jac[2, 0] == 6.0 and jac[2, 1] == 0.0 and jac[2, 2] == 0.0


def test_registered_problems():
    problems = [p for p in all_problems("least_squares") if p.name.startswith("mgh")
                and p.extra.get("nprob") is not None]
    assert len(problems) == 28
    for p in problems:
        assert p.kind == "least_squares"
        assert p.fun(p.starts[0]).shape == (p.m,)
        assert p.jac(p.starts[0]).shape == (p.m, p.n)
        assert p.f_star >= 0.0


def test_chebyquad_1d_minima_are_stationary_and_lowest_nearby():
    minima = mgh.chebyquad_1d_local_minima()
    assert len(minima) >= 3
    for x, norm in minima:
        f = mgh.residuals(15, np.array([x]), 8)
        g = mgh.jacobian(15, np.array([x]), 8).T @ f
        assert abs(g[0]) < 1e-6 * norm
        for dx in (-1e-3, 1e-3):
            assert np.linalg.norm(mgh.residuals(15, np.array([x + dx]), 8)) > norm
    assert mgh.minimum_norm(15, 1, 8) == min(v for _, v in minima)
