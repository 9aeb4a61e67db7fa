"""The minimize front end (refopt/optimize/__init__.py): validation and its errors, warnings,
defaults, jac forms, tol mapping, callbacks and StopIteration, bounds, dispatch, result."""

from __future__ import annotations

import sys
import types
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from refopt import Bounds, OptimizeResult, minimize
from refopt._callback import call_callback_maybe_halt
from refopt.optimize import OptimizeWarning, available_methods, standardize_bounds

from . import ROSEN_X0, rosen, rosen_der

X0 = np.array(ROSEN_X0)


def rosen_and_der(x):
    return rosen(x), rosen_der(x)


class RecordingSolver:
    """A stand-in for a method module: records how the front end called it."""

    def __init__(self):
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        callback = args[3]
        result = OptimizeResult(x=args[1], fun=args[0](args[1], *args[2]), nit=0, nfev=1,
                                status=0, success=True, message="recorded")
        call_callback_maybe_halt(callback, OptimizeResult(x=args[1], fun=result.fun))
        return result


@pytest.fixture
def fake_nelder_mead(monkeypatch):
    solver = RecordingSolver()
    module = types.ModuleType("refopt.optimize.nelder_mead")
    module.minimize_neldermead = solver
    monkeypatch.setitem(sys.modules, "refopt.optimize.nelder_mead", module)
    return solver


# ------------------------------------------------------------------------------- x0 and args

@pytest.mark.parametrize("x0", [[[1.0, 2.0], [3.0, 4.0]], np.ones((2, 1))])
def test_x0_must_be_one_dimensional(x0):
    with pytest.raises(ValueError, match="'x0' must only have one dimension."):
        minimize(rosen, x0)


def test_empty_x0_rejected():
    with pytest.raises(ValueError, match="'x0' must have at least one element"):
        minimize(rosen, [])


def test_scalar_and_integer_x0():
    res = minimize(lambda x: (x[0] - 2.0) ** 2, 1)
    assert res.x.shape == (1,) and res.x.dtype == float
    assert_allclose(res.x, [2.0], atol=1e-6)


def test_inputs_are_not_mutated():
    x0 = X0.copy()
    options = {"gtol": 1e-6}
    bounds = [(0, 2)] * 5

    def callback(xk):
        xk[:] = 100.0  # the callback gets a copy; scribbling on it changes nothing

    with pytest.warns(RuntimeWarning):
        res = minimize(rosen, x0, jac=rosen_der, options=options, callback=callback,
                       bounds=bounds, method="BFGS")
    assert np.array_equal(x0, X0)
    assert options == {"gtol": 1e-6} and bounds == [(0, 2)] * 5
    assert_allclose(res.x, np.ones(5), atol=1e-6)
    assert res.x is not x0


def test_args_are_passed_and_a_single_arg_is_wrapped():
    def f(x, a, b=0.0):
        return np.sum((x - a) ** 2) + b

    res = minimize(f, [0.0, 0.0], args=(3.0, 1.0))
    assert_allclose(res.x, [3.0, 3.0], atol=1e-6)
    assert_allclose(res.fun, 1.0)
    res = minimize(lambda x, a: np.sum((x - a) ** 2), [0.0], args=-2.0)
    assert_allclose(res.x, [-2.0], atol=1e-6)


# ------------------------------------------------------------------------- method selection

def test_default_method_is_bfgs():
    res = minimize(rosen, X0, jac=rosen_der)
    bfgs = minimize(rosen, X0, jac=rosen_der, method="BFGS")
    assert (res.nit, res.nfev) == (bfgs.nit, bfgs.nfev) and "hess_inv" in res


def test_default_with_bounds_or_constraints_names_the_missing_method():
    from refopt.optimize.lbfgsb import LbfgsInvHessProduct

    res = minimize(rosen, X0, jac=rosen_der, bounds=[(0, 2)] * 5)  # L-BFGS-B by default
    assert isinstance(res.hess_inv, LbfgsInvHessProduct) and res.message.startswith("CONV")
    res = minimize(rosen, X0, constraints={"type": "ineq", "fun": lambda x: x[0]})
    assert res.message == "Optimization terminated successfully"  # SLSQP's text


def test_method_name_is_case_insensitive():
    a = minimize(rosen, X0, jac=rosen_der, method="bfgs")
    b = minimize(rosen, X0, jac=rosen_der, method="BfGs")
    assert a.nfev == b.nfev and np.array_equal(a.x, b.x)


def test_unknown_method():
    with pytest.raises(ValueError, match="Unknown solver foo"):
        minimize(rosen, X0, method="foo")


def test_bounds_are_checked_before_the_method_name():
    with pytest.warns(RuntimeWarning, match="cannot handle bounds"), \
            pytest.raises(ValueError, match="The number of bounds is not compatible"):
        minimize(rosen, X0, method="foo", bounds=[(0, 1)] * 3)


def test_method_must_be_str_or_callable():
    with pytest.raises(TypeError, match="`method` must be a string or a callable"):
        minimize(rosen, X0, method=3)


@pytest.mark.parametrize("method", ["TNC", "COBYLA", "trust-constr"])
def test_methods_not_written_raise_naming_what_exists(method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(NotImplementedError) as info:
            minimize(rosen, X0, method=method)
    assert method in str(info.value)
    for name in ("BFGS", "CG"):
        assert name in str(info.value)


def test_available_methods_lists_the_gradient_methods():
    assert {"BFGS", "CG"} <= set(available_methods())


def test_custom_method_gets_everything():
    seen = {}

    def custom(fun, x0, args, **kwargs):
        seen.update(kwargs, fun=fun, x0=x0, args=args)
        return OptimizeResult(x=x0, fun=fun(x0, *args), success=True)

    hess = lambda x: np.eye(5)  # noqa: E731
    minimize(rosen, X0, method=custom, jac=rosen_der, hess=hess, bounds=[(0, 2)] * 5,
             tol=1e-3, options={"maxiter": 7, "anything": "goes"})
    assert seen["jac"] is rosen_der and seen["hess"] is hess and seen["hessp"] is None
    assert seen["bounds"] == [(0, 2)] * 5  # as given: custom methods get bounds unchanged
    assert seen["tol"] == 1e-3 and seen["maxiter"] == 7 and seen["anything"] == "goes"
    assert seen["callback"] is None and seen["args"] == ()
    assert_allclose(seen["x0"], X0)


def test_custom_method_with_jac_true_gets_a_split_gradient():
    seen = {}

    def custom(fun, x0, args, jac, **kwargs):
        seen["f"], seen["g"] = fun(x0), jac(x0)
        return OptimizeResult(x=x0)

    minimize(rosen_and_der, X0, method=custom, jac=True)
    assert_allclose(seen["f"], rosen(X0))
    assert_allclose(seen["g"], rosen_der(X0))


# --------------------------------------------------------------------------------- warnings

def test_unknown_options_warn():
    with pytest.warns(OptimizeWarning, match="Unknown solver options: foo, bar"):
        res = minimize(rosen, X0, jac=rosen_der, options={"foo": 1, "bar": 2})
    assert res.success
    assert issubclass(OptimizeWarning, UserWarning)


@pytest.mark.parametrize("kwargs, text", [
    ({"hess": lambda x: np.eye(5)}, "Method BFGS does not use Hessian information (hess)."),
    ({"hessp": lambda x, p: p},
     "Method BFGS does not use Hessian-vector product information (hessp)."),
    ({"bounds": [(0, 2)] * 5}, "Method BFGS cannot handle bounds."),
    ({"constraints": [{"type": "eq", "fun": lambda x: x[0] - 1}]},
     "Method BFGS cannot handle constraints."),
])
def test_runtime_warnings_for_ignored_arguments(kwargs, text):
    with pytest.warns(RuntimeWarning) as record:
        res = minimize(rosen, X0, jac=rosen_der, method="BFGS", **kwargs)
    assert [str(w.message) for w in record] == [text]
    assert res.success


def test_gradient_free_method_warns_about_jac(fake_nelder_mead):
    with pytest.warns(RuntimeWarning, match=r"Method Nelder-Mead does not use gradient "
                                            r"information \(jac\)."):
        minimize(rosen, X0, method="Nelder-Mead", jac=rosen_der)


def test_return_all_unsupported_warns():
    with pytest.warns(RuntimeWarning, match="L-BFGS-B does not support the return_all"), \
            pytest.warns(OptimizeWarning, match="Unknown solver options: return_all"):
        minimize(rosen, X0, method="L-BFGS-B", options={"return_all": True})


# ------------------------------------------------------------------------------------- jac

@pytest.mark.parametrize("jac", [rosen_der, True, "2-point", "3-point", "cs", None, False,
                                 "not-a-scheme"])
@pytest.mark.parametrize("method", ["BFGS", "CG"])
def test_every_jac_form_reaches_the_minimum(jac, method):
    fun = rosen_and_der if jac is True else rosen
    res = minimize(fun, X0, method=method, jac=jac)
    assert res.success, res.message
    assert_allclose(res.x, np.ones(5), atol=2e-4)


def test_jac_true_calls_fun_once_per_point():
    calls = []

    def fun(x):
        calls.append(x.copy())
        return rosen_and_der(x)

    res = minimize(fun, X0, jac=True)
    assert res.nfev == res.njev == len(calls)


def test_absolute_and_relative_steps():
    # jac=None: forward differences with the absolute step eps; '2-point': relative step
    points = []

    def f(x):
        points.append(x.copy())
        return rosen(x)

    x0 = np.array([100.0, 200.0])
    minimize(f, x0, jac=None, options={"maxiter": 0, "eps": 1e-3})
    assert_allclose(points[1] - x0, [1e-3, 0.0])
    points.clear()
    minimize(f, x0, jac="2-point", options={"maxiter": 0})
    assert_allclose(points[1] - x0, [100.0 * np.sqrt(np.finfo(float).eps), 0.0], rtol=1e-6)


@pytest.mark.parametrize("jac", [lambda x: np.ones(3), lambda x: np.ones((5, 1)),
                                 lambda x: np.ones((5, 5)), lambda x: 1.0])
def test_gradient_of_the_wrong_shape(jac):
    with pytest.raises(ValueError, match=r"must have shape \(5,\)"):
        minimize(rosen, X0, jac=jac)


def test_fun_must_return_a_scalar():
    with pytest.raises(ValueError, match="must return a scalar value"):
        minimize(lambda x: x, X0)
    with pytest.raises(TypeError, match="must return a scalar value"):
        minimize(lambda x: None, X0)
    res = minimize(lambda x: np.array([rosen(x)]), X0, jac=rosen_der)  # one element is fine
    assert res.success


def test_non_finite_value_at_x0_gives_status_3_not_an_exception():
    for value in (np.nan, np.inf):
        with np.errstate(invalid="ignore"):
            res = minimize(lambda x, v=value: v, [1.0, 2.0])
        assert (res.status, res.success, res.nit) == (3, False, 0)
        assert res.message == "NaN result encountered."


# -------------------------------------------------------------------------------------- tol

@pytest.mark.parametrize("method, expected", [
    ("Nelder-Mead", {"xatol": 1e-3, "fatol": 1e-3}),
    ("Powell", {"xtol": 1e-3, "ftol": 1e-3}),
    ("BFGS", {"gtol": 1e-3}), ("CG", {"gtol": 1e-3}),
    ("L-BFGS-B", {"ftol": 1e-3, "gtol": 1e-3}), ("SLSQP", {"ftol": 1e-3}),
    ("TNC", {"xtol": 1e-3, "ftol": 1e-3, "gtol": 1e-3}), ("COBYLA", {"tol": 1e-3}),
    ("trust-constr", {"xtol": 1e-3, "gtol": 1e-3, "barrier_tol": 1e-3}),
])
def test_tol_mapping(method, expected):
    from refopt.optimize import _tolerance_options

    assert _tolerance_options(method.lower(), 1e-3, {}) == expected
    # an explicit option wins over tol
    first = next(iter(expected))
    assert _tolerance_options(method.lower(), 1e-3, {first: 5.0})[first] == 5.0


def test_tol_sets_bfgs_gtol():
    via_tol = minimize(rosen, X0, jac=rosen_der, tol=1e-6)
    via_option = minimize(rosen, X0, jac=rosen_der, options={"gtol": 1e-6})
    # the same run, compared in one process (its counts are figures of the path: not asserted)
    assert (via_tol.nit, via_tol.nfev) == (via_option.nit, via_option.nfev)
    np.testing.assert_array_equal(via_tol.x, via_option.x)
    assert via_tol.success and np.linalg.norm(via_tol.jac, np.inf) <= 1e-6


def test_tol_reaches_nelder_mead(fake_nelder_mead):
    minimize(rosen, X0, method="Nelder-Mead", tol=1e-6, options={"maxiter": 9})
    kwargs = fake_nelder_mead.calls[0][1]
    assert (kwargs["xatol"], kwargs["fatol"], kwargs["maxiter"]) == (1e-6, 1e-6, 9)


# -------------------------------------------------------------------------------- callbacks

@pytest.mark.parametrize("method", ["BFGS", "CG"])
def test_callback_old_form_gets_each_iterate(method):
    iterates = []
    res = minimize(rosen, X0, jac=rosen_der, method=method, callback=iterates.append,
                   options={"return_all": True})
    assert len(iterates) == res.nit
    assert_allclose(np.array(iterates), np.array(res.allvecs[1:]))


@pytest.mark.parametrize("method", ["BFGS", "CG"])
def test_callback_new_form_gets_an_optimize_result(method):
    seen = []

    def callback(intermediate_result):
        seen.append(intermediate_result)

    res = minimize(rosen, X0, jac=rosen_der, method=method, callback=callback)
    assert len(seen) == res.nit and all(isinstance(r, OptimizeResult) for r in seen)
    assert_allclose(seen[-1].x, res.x)
    assert seen[-1].fun == res.fun


@pytest.mark.parametrize("method", ["BFGS", "CG"])
@pytest.mark.parametrize("form", ["old", "new"])
def test_stop_iteration_ends_the_run_cleanly(method, form):
    count = []

    def stop_at_3(xk):
        count.append(1)
        if len(count) == 3:
            raise StopIteration

    callback = stop_at_3 if form == "old" else (
        lambda intermediate_result: stop_at_3(intermediate_result.x))
    res = minimize(rosen, X0, jac=rosen_der, method=method, callback=callback)
    assert (res.status, res.success, res.nit) == (99, False, 3)
    assert res.message == "`callback` raised `StopIteration`."


def test_returning_true_from_the_callback_does_not_stop():
    plain = minimize(rosen, X0, jac=rosen_der)
    res = minimize(rosen, X0, jac=rosen_der, callback=lambda xk: True)
    assert (res.nit, res.status) == (plain.nit, 0)


def test_callback_must_be_callable():
    with pytest.raises(TypeError):
        minimize(rosen, X0, callback=3)


def test_dispatch_contract_with_gradient_free_methods(fake_nelder_mead):
    def callback(xk):
        raise StopIteration

    res = minimize(rosen, X0, method="Nelder-Mead", bounds=[(0, None)] * 5, callback=callback,
                   args=(), options={"adaptive": True})
    (fun, x0, args, cb), kwargs = fake_nelder_mead.calls[0]
    assert fun is rosen and args == () and kwargs["adaptive"] is True
    lb, ub = kwargs["bounds"]
    assert lb.dtype == ub.dtype == float and lb.shape == ub.shape == (5,)
    assert_allclose(lb, 0.0) and np.all(np.isinf(ub))
    assert cb is not callback and callable(cb)  # wrapped
    assert (res.status, res.message) == (99, "`callback` raised `StopIteration`.")


# ----------------------------------------------------------------------------------- bounds

def test_bounds_forms_are_standardised():
    x0 = np.zeros(3)
    lb, ub = standardize_bounds([(0, 1), (None, 2), (-1, None)], x0)
    assert_allclose(lb, [0, -np.inf, -1]) and assert_allclose(ub, [1, 2, np.inf]) is None
    lb, ub = standardize_bounds(Bounds([0, 0, 0], [1, 2, 3]), x0)
    assert_allclose(ub, [1, 2, 3])
    lb, ub = standardize_bounds(Bounds(0, 1), x0)  # scalars broadcast
    assert_allclose(lb, [0, 0, 0]) and assert_allclose(ub, [1, 1, 1]) is None
    lb, ub = standardize_bounds([(0, 1)], x0)  # one pair broadcasts, as in scipy
    assert lb.shape == (3,)
    lb, ub = standardize_bounds([(np.array(0.5), np.array([2.0]))] * 3, x0)
    assert_allclose(lb, [0.5] * 3) and assert_allclose(ub, [2.0] * 3) is None


@pytest.mark.parametrize("bounds, message", [
    ([(0, 1)] * 2, "The number of bounds is not compatible with the length of `x0`."),
    ([(2, 1)] * 3, "An upper bound is less than the corresponding lower bound."),
    (Bounds([0, 0], [1, 1]), "The number of bounds is not compatible"),
    (Bounds([0, 2, 0], [1, 1, 1]), "An upper bound is less than"),
    ([(0, 1, 2)] * 3, "must be a \\(min, max\\) pair"),
    (5, "must be a sequence of \\(min, max\\) pairs or a Bounds"),
])
def test_bad_bounds(bounds, message):
    with pytest.raises(ValueError, match=message):
        standardize_bounds(bounds, np.zeros(3))


# ----------------------------------------------------------------------------------- result

def test_result_fields_bfgs():
    res = minimize(rosen, X0, jac=rosen_der)
    assert set(res) == {"fun", "jac", "hess_inv", "nfev", "njev", "status", "success",
                        "message", "x", "nit"}
    assert isinstance(res, OptimizeResult) and res.x.shape == (5,)
    assert res.hess_inv.shape == (5, 5) and res.jac.shape == (5,)
    assert res.fun == rosen(res.x)
    assert_allclose(res.jac, rosen_der(res.x))
    assert "message" in repr(res)


# -------------------------------------------------------------------- the counted objective

def test_objective_counts_and_caches_like_scipy():
    from refopt.optimize._objective import ScalarObjective

    calls = []
    objective = ScalarObjective(lambda x: calls.append(x.copy()) or rosen(x), X0)
    assert (objective.nfev, objective.ngev) == (1 + 5, 1)  # f and a forward-difference g at x0
    objective.fun(X0.copy())
    objective.grad(X0.copy())
    assert (objective.nfev, objective.njev) == (6, 1) == (len(calls), 1)
    objective.fun(X0 + 1)
    assert objective.nfev == 7
    objective.grad(X0 + 1)  # f is known there: only the n differences
    assert (objective.nfev, objective.ngev) == (12, 2)


def test_objective_difference_gradient_at_a_non_finite_point_is_nan():
    from refopt.optimize._objective import ScalarObjective

    objective = ScalarObjective(lambda x: float(np.sum(x)), np.array([np.inf, 1.0]))
    assert np.all(np.isnan(objective.g))
