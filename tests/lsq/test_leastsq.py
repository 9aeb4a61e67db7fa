"""refopt.leastsq: scipy's legacy MINPACK interface (outputs, messages, errors, cov_x)."""

from __future__ import annotations

import io
import math
import warnings

import numpy as np
import pytest

import refopt
from refopt.lsq.leastsq import leastsq


def rosenbrock(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def rosenbrock_jac(x):
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


def test_public_name():
    assert refopt.leastsq is leastsq


def test_short_output_is_x_and_ier():
    x, ier = leastsq(rosenbrock, [-1.2, 1.0])
    np.testing.assert_allclose(x, [1.0, 1.0], rtol=1e-7)
    assert ier in (1, 2, 3, 4)


def test_full_output_without_jacobian():
    x, cov_x, info, mesg, ier = leastsq(rosenbrock, [-1.2, 1.0], full_output=True)
    assert list(info) == ["fvec", "nfev", "fjac", "ipvt", "qtf"]  # scipy's keys, in its order
    np.testing.assert_array_equal(info["fvec"], rosenbrock(x))
    assert info["fjac"].shape == (2, 2) and info["qtf"].shape == (2,)
    assert info["ipvt"].dtype == np.int32 and sorted(info["ipvt"]) == [0, 1]
    assert isinstance(mesg, str) and ier in (1, 2, 3, 4)
    assert cov_x.shape == (2, 2)


def test_full_output_with_jacobian_has_njev():
    x, cov_x, info, mesg, ier = leastsq(rosenbrock, [-1.2, 1.0], Dfun=rosenbrock_jac,
                                        full_output=True)
    assert list(info) == ["fvec", "nfev", "njev", "fjac", "ipvt", "qtf"]
    assert info["njev"] >= 1
    np.testing.assert_allclose(x, [1.0, 1.0])


def test_nfev_counts_minpack_evaluations_including_differences():
    calls = []

    def fun(x):
        calls.append(x.copy())
        return rosenbrock(x)

    _, _, info, _, _ = leastsq(fun, [-1.2, 1.0], full_output=True)
    assert info["nfev"] == len(calls) - 1  # one shape check before MINPACK starts


def test_col_deriv_and_args():
    def fun(x, a, b):
        return np.array([a * (x[1] - x[0] ** 2), b - x[0]])

    def jac_columns(x, a, b):  # derivatives down the columns: the transposed Jacobian
        return np.array([[-2.0 * a * x[0], -1.0], [a, 0.0]])

    x, ier = leastsq(fun, [-1.2, 1.0], args=(10.0, 2.0), Dfun=jac_columns, col_deriv=True)
    np.testing.assert_allclose(x, [2.0, 4.0], rtol=1e-8)
    x, ier = leastsq(fun, [-1.2, 1.0], args=(10.0, 2.0))
    np.testing.assert_allclose(x, [2.0, 4.0], rtol=1e-6)


def test_args_not_a_tuple_is_wrapped():
    x, ier = leastsq(lambda x, c: x - c, [0.0], args=3.0)
    np.testing.assert_allclose(x, [3.0])


def test_linear_model_covariance_is_the_closed_form():
    # y = a + b t: cov_x = inv(A^T A) for the design matrix A = [1, t]
    t = np.linspace(0.0, 4.0, 9)
    y = 1.0 + 2.0 * t + 0.1 * np.sin(7.0 * t)
    design = np.column_stack([np.ones_like(t), t])
    for dfun in (None, lambda p: -design):
        p, cov_x, info, mesg, ier = leastsq(lambda p: y - design @ p, [0.0, 0.0], Dfun=dfun,
                                            full_output=True)
        np.testing.assert_allclose(p, np.linalg.lstsq(design, y, rcond=None)[0], rtol=1e-7)
        np.testing.assert_allclose(cov_x, np.linalg.inv(design.T @ design), rtol=1e-7)
        np.testing.assert_array_equal(cov_x, cov_x.T)


def test_covariance_is_none_for_a_singular_jacobian():
    # the second parameter does not enter: R has an exact zero on its diagonal
    fun = lambda p: np.array([p[0] - 1.0, p[0] + 1.0, 2.0 * p[0]])  # noqa: E731
    jac = lambda p: np.array([[1.0, 0.0], [1.0, 0.0], [2.0, 0.0]])  # noqa: E731
    p, cov_x, info, mesg, ier = leastsq(fun, [3.0, 5.0], Dfun=jac, full_output=True)
    assert ier in (1, 2, 3, 4)
    assert p[0] == pytest.approx(0.0, abs=1e-12) and p[1] == 5.0
    assert cov_x is None


def test_messages_follow_scipys_wording():
    ftol, xtol = 1e-3, 1e-3
    *_, mesg, ier = leastsq(rosenbrock, [-1.2, 1.0], full_output=True, ftol=ftol, xtol=xtol)
    expected = {
        1: "Both actual and predicted relative reductions in the sum of squares\n  are at most 0.001000",
        2: "The relative error between two consecutive iterates is at most 0.001000",
        3: "Both actual and predicted relative reductions in the sum of squares\n  are at most "
           "0.001000 and the relative error between two consecutive iterates is at \n  most 0.001000",
    }
    assert mesg == expected[ier]
    *_, mesg, ier = leastsq(lambda x: x - 1.0, [1.0, 1.0], full_output=True)
    assert ier == 4  # f = 0 at the start
    assert mesg == ("The cosine of the angle between func(x) and any column of the\n"
                    "  Jacobian is at most 0.000000 in absolute value")


def test_maxfev_warns_without_full_output():
    with pytest.warns(RuntimeWarning, match=r"Number of calls to function has reached maxfev = 5\."):
        x, ier = leastsq(rosenbrock, [-1.2, 1.0], maxfev=5)
    assert ier == 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        *_, mesg, ier = leastsq(rosenbrock, [-1.2, 1.0], maxfev=5, full_output=True)
    assert ier == 5 and mesg == "Number of calls to function has reached maxfev = 5."


def test_default_maxfev_is_minpacks():
    never = lambda x: np.exp(x)  # noqa: E731  (no minimiser: only maxfev stops it)
    *_, info, mesg, ier = leastsq(never, [1.0, 1.0], full_output=True)
    assert ier == 5 and info["nfev"] >= 200 * 3 and "maxfev = 600" in mesg
    *_, info, mesg, ier = leastsq(never, [1.0, 1.0], Dfun=lambda x: np.diag(np.exp(x)),
                                  full_output=True)
    assert ier == 5 and info["nfev"] == 300


def test_more_variables_than_residuals_is_a_type_error():
    with pytest.raises(TypeError, match=r"^Improper input: func input vector length N=2 must "
                                        r"not exceed func output vector length M=1$"):
        leastsq(lambda x: np.array([x[0]]), [1.0, 2.0])


def test_wrong_jacobian_shape_is_a_type_error():
    def bad_jac(x):
        return np.ones((2, 3))

    with pytest.raises(TypeError, match=r"mismatch between the input and output shape of the "
                                        r"'Dfun' argument 'bad_jac'\.Shape should be \(3, 2\) "
                                        r"but it is \(2, 3\)\."):
        leastsq(lambda x: np.array([x[0], x[1], 1.0]), [1.0, 2.0], Dfun=bad_jac)


@pytest.mark.parametrize("kwargs", [{}, {"factor": -1.0}])
def test_a_complex_start_is_refused_as_minpacks_wrapper_refuses_it(kwargs):
    # x0 is converted to float64 with numpy's 'safe' rule before MINPACK checks its inputs,
    # so a complex x0 is a TypeError even when the parameters are improper too
    with pytest.raises(TypeError, match=r"^Cannot cast array data from dtype\('complex128'\) "
                                        r"to dtype\('float64'\) according to the rule 'safe'$"):
        leastsq(rosenbrock, [-1.2 + 1j, 1.0], full_output=True, **kwargs)


@pytest.mark.parametrize("kwargs", [{"factor": -1.0}, {"ftol": -1.0}, {"xtol": -1.0},
                                    {"gtol": -1.0}, {"diag": [1.0, -1.0]}])
def test_improper_input(kwargs):
    with pytest.raises(TypeError, match=r"^Improper input parameters\.$"):
        leastsq(rosenbrock, [-1.2, 1.0], **kwargs)
    x, cov_x, info, mesg, ier = leastsq(rosenbrock, [-1.2, 1.0], full_output=True, **kwargs)
    assert ier == 0 and mesg == "Improper input parameters." and cov_x is None
    assert info["nfev"] == 0
    np.testing.assert_array_equal(x, [-1.2, 1.0])


def test_diag_of_wrong_length_is_an_error():
    # scipy 1.17 silently ignores the extra entries; refopt says what is wrong
    with pytest.raises(ValueError, match="diag"):
        leastsq(rosenbrock, [-1.2, 1.0], diag=[1.0, 1.0, 1.0])


def test_inputs_are_not_modified():
    x0 = np.array([-1.2, 1.0])
    diag = np.array([1.0, 2.0])
    leastsq(rosenbrock, x0, diag=diag)
    np.testing.assert_array_equal(x0, [-1.2, 1.0])
    np.testing.assert_array_equal(diag, [1.0, 2.0])


def test_epsfcn_sets_the_difference_step():
    calls = []

    def fun(x):
        calls.append(x.copy())
        return rosenbrock(x)

    with pytest.warns(RuntimeWarning, match="maxfev = 4"):
        leastsq(fun, [-1.2, 1.0], epsfcn=1e-6, maxfev=4)
    # calls: shape check, MINPACK's f(x0), then f(x0 + h e_1) with h = sqrt(1e-6) |x_1|
    assert calls[2][0] == -1.2 + 1e-3 * 1.2 and calls[2][1] == 1.0


def test_is_minpacks_easy_driver_lmder1():
    # leastsq with tol = sqrt(eps) and its other defaults is MINPACK's lmder1 / lmdif1:
    # Rosenbrock from the standard start takes MINPACK's own counts
    import csv

    from refopt.problems import data_dir

    text = (data_dir() / "minpack_lmder_reference.csv").read_text()
    rows = {(r["driver"], r["name"], r["factor"]): r for r in csv.DictReader(io.StringIO(text))}
    tol = math.sqrt(np.finfo(float).eps)
    row = rows["lmder1", "Rosenbrock", "1.0"]
    _, _, info, _, ier = leastsq(rosenbrock, [-1.2, 1.0], Dfun=rosenbrock_jac, full_output=True,
                                 ftol=tol, xtol=tol)
    assert (info["nfev"], info["njev"], ier) == (int(row["classic_nfev"]),
                                                 int(row["classic_njev"]),
                                                 int(row["classic_info"]))
    row = rows["lmdif1", "Rosenbrock", "1.0"]
    _, _, info, _, ier = leastsq(rosenbrock, [-1.2, 1.0], full_output=True, ftol=tol, xtol=tol)
    # the lmdif1 driver leaves the n difference evaluations per Jacobian out of nfev
    njev = int(row["classic_njev"])
    assert (info["nfev"] - 2 * njev, ier) == (int(row["classic_nfev"]), int(row["classic_info"]))
