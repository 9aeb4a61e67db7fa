"""refopt.curve_fit: known solutions (the weighted straight line in closed form, a noise-free
exponential), the covariance with 1-D and 2-D sigma, the warnings, and scipy's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import refopt
from refopt import OptimizeWarning
from refopt.lsq.curve_fit import curve_fit

RNG = np.random.default_rng(20)
X = np.linspace(0.0, 10.0, 25)
Y = 1.5 + 0.8 * X + RNG.normal(0.0, 0.3, X.size)
SIGMA_1D = 0.2 + 0.05 * X
A = RNG.normal(size=(X.size, X.size))
SIGMA_2D = np.diag(SIGMA_1D ** 2) + 0.01 * (A @ A.T) / X.size   # a correlated covariance


def line(x, a, b):
    return a + b * x


def line_jac(x, a, b):
    return np.column_stack([np.ones_like(x), x])


def closed_form(sigma, absolute):
    """Weighted least squares for y = a + b x: beta = (X' W X)^{-1} X' W y, W = C^{-1}."""
    C = np.diag(sigma ** 2) if sigma.ndim == 1 else sigma
    W = np.linalg.inv(C)
    D = np.column_stack([np.ones_like(X), X])
    cov = np.linalg.inv(D.T @ W @ D)
    beta = cov @ D.T @ W @ Y
    r = Y - D @ beta
    chi2 = r @ W @ r
    return beta, cov if absolute else cov * chi2 / (X.size - 2)


def test_public_name():
    assert refopt.curve_fit is curve_fit


@pytest.mark.parametrize("method", ["lm", "trf", "dogbox"])
@pytest.mark.parametrize("absolute", [True, False])
@pytest.mark.parametrize("sigma", [SIGMA_1D, SIGMA_2D], ids=["1-D", "2-D"])
def test_straight_line_equals_the_closed_form(method, absolute, sigma):
    beta, cov = closed_form(sigma, absolute)
    popt, pcov = curve_fit(line, X, Y, p0=[1.0, 1.0], sigma=sigma, absolute_sigma=absolute,
                           jac=line_jac, method=method)
    np.testing.assert_allclose(popt, beta, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(pcov, cov, rtol=1e-10, atol=1e-12)


def test_unit_sigma_and_no_sigma_agree_and_scale_away_when_relative():
    popt, pcov = curve_fit(line, X, Y, jac=line_jac)
    beta, cov = closed_form(np.ones_like(X), absolute=False)
    np.testing.assert_allclose(popt, beta, rtol=1e-10)
    np.testing.assert_allclose(pcov, cov, rtol=1e-10)
    # relative sigma: multiplying every sigma by 7 changes nothing
    _, pcov7 = curve_fit(line, X, Y, sigma=7 * np.ones_like(X), jac=line_jac)
    np.testing.assert_allclose(pcov7, pcov, rtol=1e-10)
    # absolute sigma: the covariance scales with sigma squared
    _, abs1 = curve_fit(line, X, Y, sigma=np.ones_like(X), absolute_sigma=True, jac=line_jac)
    _, abs7 = curve_fit(line, X, Y, sigma=7.0, absolute_sigma=True, jac=line_jac)
    np.testing.assert_allclose(abs7, 49 * abs1, rtol=1e-10)


def test_difference_jacobians_give_the_closed_form_to_difference_accuracy():
    beta, cov = closed_form(SIGMA_1D, absolute=True)
    for method in ("lm", "trf"):
        popt, pcov = curve_fit(line, X, Y, sigma=SIGMA_1D, absolute_sigma=True, method=method)
        np.testing.assert_allclose(popt, beta, rtol=1e-7)
        np.testing.assert_allclose(pcov, cov, rtol=1e-5)


@pytest.mark.parametrize("method", ["lm", "trf", "dogbox"])
def test_exponential_recovers_its_parameters_from_noise_free_data(method):
    def model(x, a, k, c):
        return a * np.exp(-k * x) + c

    x = np.linspace(0.0, 4.0, 40)
    popt, pcov = curve_fit(model, x, model(x, 2.5, 1.3, 0.5), p0=[1.0, 1.0, 0.0], method=method)
    np.testing.assert_allclose(popt, [2.5, 1.3, 0.5], rtol=1e-8)
    assert np.all(np.isfinite(pcov)) and np.all(np.abs(pcov) < 1e-12)   # no residual, no spread


def test_bounds_choose_trf_and_hold_the_fit():
    popt, _, info, mesg, ier = curve_fit(line, X, Y, bounds=([-np.inf, 0.0], [1.0, np.inf]),
                                         full_output=True)
    assert popt[0] == pytest.approx(1.0) and popt[1] > 0.8   # the intercept is held at its bound
    assert ier in (1, 2, 3, 4) and isinstance(mesg, str) and info["nfev"] > 0
    np.testing.assert_allclose(info["fvec"], line(X, *popt) - Y)


def test_start_from_the_signature_and_the_bounds():
    popt, _ = curve_fit(line, X, Y)
    np.testing.assert_allclose(popt, closed_form(np.ones_like(X), True)[0], rtol=1e-7)
    with pytest.raises(ValueError, match="Unable to determine number of fit parameters."):
        curve_fit(lambda *p: p[0], X, Y)


def test_full_output_of_lm_is_leastsqs():
    popt, pcov, info, mesg, ier = curve_fit(line, X, Y, full_output=True)
    assert {"nfev", "fvec", "fjac", "ipvt", "qtf"} <= set(info)
    assert ier in (1, 2, 3, 4) and mesg


def test_covariance_that_cannot_be_estimated_warns_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, pcov = curve_fit(line, X[:2], Y[:2])                 # as many points as parameters
    assert np.all(np.isinf(pcov))
    assert [w.category for w in caught] == [OptimizeWarning]
    assert caught[0].filename == __file__
    assert "Covariance of the parameters could not be estimated" in str(caught[0].message)


def test_a_parameter_the_model_ignores_gives_no_covariance_with_lm():
    with pytest.warns(OptimizeWarning):
        _, pcov = curve_fit(lambda x, a, b: a * x, X, Y)
    assert np.all(np.isinf(pcov))


def test_inputs_are_not_mutated():
    x, y, s, p0 = X.copy(), Y.copy(), SIGMA_2D.copy(), np.array([1.0, 1.0])
    curve_fit(line, x, y, p0=p0, sigma=s)
    curve_fit(line, x, y, p0=p0, sigma=s, method="trf")
    for a, b in ((x, X), (y, Y), (s, SIGMA_2D), (p0, [1.0, 1.0])):
        np.testing.assert_array_equal(a, b)


# -- bad inputs: scipy's exceptions and messages ---------------------------------------------

def with_nan():
    y = Y.copy()
    y[3] = np.nan
    return y


def test_xdata_and_ydata_of_different_lengths():
    with pytest.raises(ValueError, match="broadcast"):
        curve_fit(line, X[:-1], Y)


def test_nan_with_each_policy():
    with pytest.raises(ValueError, match="array must not contain infs or NaNs"):
        curve_fit(line, X, with_nan())
    with pytest.raises(ValueError, match="The input contains nan values"):
        curve_fit(line, X, with_nan(), nan_policy="raise")
    with pytest.raises(ValueError, match="`nan_policy='propagate'` is not supported"):
        curve_fit(line, X, with_nan(), nan_policy="propagate")
    with pytest.raises(ValueError, match=r"nan_policy must be one of \{None, 'raise', 'omit'\}"):
        curve_fit(line, X, with_nan(), nan_policy="skip")
    keep = np.arange(X.size) != 3
    popt, pcov = curve_fit(line, X, with_nan(), sigma=SIGMA_2D, nan_policy="omit", jac=line_jac)
    clean, clean_cov = curve_fit(line, X[keep], Y[keep], sigma=SIGMA_2D[np.ix_(keep, keep)], jac=line_jac)
    np.testing.assert_allclose(popt, clean, rtol=1e-12)
    np.testing.assert_allclose(pcov, clean_cov, rtol=1e-12)


def test_sigma_of_the_wrong_shape_or_not_a_covariance():
    with pytest.raises(ValueError, match="`sigma` has incorrect shape."):
        curve_fit(line, X, Y, sigma=SIGMA_1D[:-1])
    with pytest.raises(ValueError, match="`sigma` must be positive definite."):
        curve_fit(line, X, Y, sigma=-np.eye(X.size))


def test_p0_outside_the_bounds():
    with pytest.raises(ValueError, match="Initial guess is outside of provided bounds"):
        curve_fit(line, X, Y, p0=[5.0, 1.0], bounds=([0.0, 0.0], [2.0, 2.0]))


def test_other_refusals():
    with pytest.raises(ValueError, match="Method 'lm' only works for unconstrained problems"):
        curve_fit(line, X, Y, bounds=(0.0, 2.0), method="lm")
    with pytest.raises(ValueError, match="'args' is not a supported keyword argument."):
        curve_fit(line, X, Y, args=(1,))
    with pytest.raises(TypeError, match="must not exceed the number of data points=2"):
        curve_fit(lambda x, a, b, c: a + b * x + c, X[:2], Y[:2])
    with pytest.raises(ValueError, match="`ydata` must not be empty!"):
        curve_fit(line, [], [])
    with pytest.raises(RuntimeError, match="Optimal parameters not found: Number of calls"):
        curve_fit(lambda x, a, k: a * np.exp(-k * x), X, Y, maxfev=3)
