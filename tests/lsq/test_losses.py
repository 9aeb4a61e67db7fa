"""Robust losses: derivatives against finite differences, the rescaling identities of
Triggs et al. (2000) §4.3, and the f_scale and user-callable conventions."""

import numpy as np

from refopt.linalg.operators import aslinearoperator
from refopt.linalg.sparse import CSRMatrix
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from refopt.lsq.losses import (
    EPS, LOSSES, construct_loss_function, scale_for_robust_loss_function,
)

NAMES = sorted(LOSSES)
ROBUST = [name for name in NAMES if name != "linear"]


def central_difference(func, z, h):
    return (func(z + h) - func(z - h)) / (2 * h)


@pytest.mark.parametrize("name", NAMES)
@given(z=st.floats(1e-3, 1e4))
def test_derivatives_agree_with_finite_differences(name, z):
    loss = LOSSES[name]
    if name == "huber" and abs(z - 1) < 1e-3:
        z += 2e-3  # rho'' jumps at the kink z = 1; rho' is continuous there
    h = 1e-6 * max(1.0, z)
    zz = np.array([z])
    rho = loss(zz)
    drho = central_difference(lambda t: loss(t)[0], zz, h)
    d2rho = central_difference(lambda t: loss(t)[1], zz, h)
    assert rho.shape == (3, 1)
    np.testing.assert_allclose(rho[1], drho, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(rho[2], d2rho, rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_every_loss_is_z_near_zero(name):
    # rho(0) = 0, rho'(0) = 1: every loss is least squares for small residuals
    rho = LOSSES[name](np.array([0.0, 1e-6]))
    np.testing.assert_allclose(rho[0], [0.0, 1e-6], atol=0, rtol=1e-6)
    np.testing.assert_allclose(rho[1], 1.0, rtol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_losses_are_vectorised_and_do_not_warn_at_zero(name):
    z = np.array([0.0, 0.25, 1.0, 4.0, 1e8])
    with np.errstate(all="raise"):
        rho = LOSSES[name](z)
    for i, zi in enumerate(z):
        np.testing.assert_array_equal(rho[:, i], LOSSES[name](np.array([zi]))[:, 0])


def test_closed_forms_at_z_equal_3():
    z = np.array([3.0])
    np.testing.assert_allclose(LOSSES["soft_l1"](z)[:, 0], [2.0, 0.5, -0.0625])
    np.testing.assert_allclose(LOSSES["huber"](z)[:, 0], [2 * 3**0.5 - 1, 3**-0.5, -0.5 * 3**-1.5])
    np.testing.assert_allclose(LOSSES["cauchy"](z)[:, 0], [np.log(4), 0.25, -1 / 16])
    np.testing.assert_allclose(LOSSES["arctan"](z)[:, 0], [np.arctan(3), 0.1, -0.06])


residuals = arrays(float, st.integers(1, 12), elements=st.floats(-50, 50))


@pytest.mark.parametrize("name", ROBUST)
@given(f=residuals, C=st.floats(0.05, 20))
def test_f_scale_is_a_change_of_units(name, f, C):
    # (12.2): rho_C(s) = C^2 rho(s / C^2), rho_C' = rho'(s/C^2), rho_C'' = rho''(s/C^2) / C^2
    rho_C = construct_loss_function(f.size, name, C)(f)
    rho = LOSSES[name]((f / C) ** 2)
    np.testing.assert_allclose(rho_C, [C**2 * rho[0], rho[1], rho[2] / C**2], rtol=1e-12, atol=0)
    cost = construct_loss_function(f.size, name, C)(f, cost_only=True)
    np.testing.assert_allclose(cost, 0.5 * rho_C[0].sum(), rtol=1e-12, atol=1e-300)


def test_linear_loss_is_none():
    assert construct_loss_function(3, "linear", 2.0) is None


@pytest.mark.parametrize("name", ROBUST)
@given(f=residuals, C=st.floats(0.1, 10), seed=st.integers(0, 2**32 - 1))
def test_rescaled_problem_has_the_robust_gradient_and_hessian(name, f, C, seed):
    m = f.size
    J = np.random.default_rng(seed).standard_normal((m, 3))
    rho = construct_loss_function(m, name, C)(f)
    J_c, f_c = scale_for_robust_loss_function(J.copy(), f.copy(), rho)
    # (12.3) the gradient of 1/2 sum rho(f^2) is J^T (rho' f)
    np.testing.assert_allclose(J_c.T @ f_c, J.T @ (rho[1] * f), rtol=1e-9, atol=1e-9)
    # (12.4) where the curvature weight is not clipped, J_c^T J_c is the robust Gauss-Newton Hessian
    weight = rho[1] + 2 * rho[2] * f**2
    kept = weight >= EPS
    np.testing.assert_allclose(J_c[kept].T @ J_c[kept], J[kept].T @ (weight[kept, None] * J[kept]),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.abs(J_c[~kept]), np.sqrt(EPS) * np.abs(J[~kept]))


def test_rescaling_works_in_place_and_on_csr_like_matrices():
    f = np.array([0.5, -3.0, 10.0])
    rho = construct_loss_function(3, "soft_l1", 1.0)(f)
    J = np.arange(6.0).reshape(3, 2) + 1
    f_work, J_work = f.copy(), J.copy()
    J_out, f_out = scale_for_robust_loss_function(J_work, f_work, rho)
    assert J_out is J_work and f_out is f_work

    csr = CSRMatrix(J)
    assert scale_for_robust_loss_function(csr, f.copy(), rho)[0] is csr   # in place
    np.testing.assert_array_equal(csr.toarray(), J_out)
    operator = scale_for_robust_loss_function(aslinearoperator(J), f.copy(), rho)[0]
    np.testing.assert_allclose(operator.matvec(np.ones(2)), J_out @ np.ones(2), rtol=1e-15)
    np.testing.assert_allclose(operator.rmatvec(np.ones(3)), J_out.T @ np.ones(3), rtol=1e-15)
    with pytest.raises(TypeError, match="cannot scale"):
        scale_for_robust_loss_function([[1.0]], np.array([1.0]), rho[:, :1].copy())


def test_user_loss_is_copied_and_shape_checked():
    returned = []

    def my_soft_l1(z):
        rho = LOSSES["soft_l1"](z)
        returned.append(rho)
        return rho

    f = np.array([1.0, 2.0])
    rho = construct_loss_function(2, my_soft_l1, 2.0)(f)
    np.testing.assert_allclose(rho, construct_loss_function(2, "soft_l1", 2.0)(f))
    assert rho is not returned[0]
    np.testing.assert_array_equal(returned[0], LOSSES["soft_l1"]((f / 2) ** 2))  # untouched
    as_list = construct_loss_function(2, lambda z: [list(z), [1, 1], [0, 0]], 1.0)(f)
    np.testing.assert_array_equal(as_list, [[1, 4], [1, 1], [0, 0]])


@pytest.mark.parametrize("bad", [lambda z: z, lambda z: np.vstack([z, z]),
                                 lambda z: np.ones((3, z.size + 1)),
                                 lambda z: np.ones((4, z.size))])
def test_user_loss_of_the_wrong_shape_is_a_value_error(bad):
    loss_function = construct_loss_function(3, bad, 1.0)
    with pytest.raises(ValueError, match="^The return value of `loss` callable has wrong shape.$"):
        loss_function(np.ones(3))


def test_robust_losses_recover_the_true_parameters_of_the_outlier_example():
    # scipy's documentation example, with 50 points of which 5 carry a tenfold error. The
    # standard errors of an ordinary fit to the clean points (noise 0.1, Jacobian at the true
    # parameters) measure "within the noise": each robust loss lands within 3 of them, the
    # linear loss, dragged by the outliers, does not.
    from refopt.examples.least_squares import (
        NOISE, TRUE_PARAMETERS, exponential_model, exponential_residuals, outlier_data,
    )
    from refopt.lsq import least_squares

    t, y = outlier_data(n_points=50, n_outliers=5)
    clean = np.abs(y - exponential_model(t, *TRUE_PARAMETERS)) < 5 * NOISE
    a, b, c = TRUE_PARAMETERS
    J = np.column_stack([np.ones_like(t), np.exp(c * t), b * t * np.exp(c * t)])[clean]
    stderr = NOISE * np.sqrt(np.diag(np.linalg.inv(J.T @ J)))

    z = {}
    for loss in NAMES:
        res = least_squares(exponential_residuals, [1.0, 1.0, 0.0], loss=loss, f_scale=NOISE,
                            args=(t, y))
        assert res.success
        z[loss] = np.max(np.abs(res.x - TRUE_PARAMETERS) / stderr)
    assert all(z[loss] < 3 for loss in ROBUST), z
    assert z["linear"] > 3, z
