"""The least_squares front end: scipy's checks (one case per error), refopt's decisions,
what reaches the solvers, and the result. Solvers are replaced by recording fakes here
(``fake_solvers``); the end-to-end runs through trf, dogbox and lm are at the bottom."""

import importlib
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import refopt
from refopt import Bounds, OptimizeResult, least_squares
from refopt.lsq import TERMINATION_MESSAGES
from refopt.linalg.operators import LinearOperator
from refopt.linalg.sparse import CSRMatrix
from refopt.lsq.losses import LOSSES

EPS = np.finfo(float).eps


def residuals(x, a=1.0, b=2.0):
    """Three residuals of two variables; least squares optimum not at a bound."""
    return np.array([x[0] - a, x[1] - b, x[0] * x[1]])


def jacobian(x, a=1.0, b=2.0):
    return np.array([[1.0, 0.0], [0.0, 1.0], [x[1], x[0]]])


X0 = [0.5, 0.5]


class FakeSparse:
    """Looks like a scipy.sparse matrix to the duck typing (tocsr with the CSR arrays)."""

    def __init__(self, shape):
        self.shape = shape
        csr = CSRMatrix(np.ones(shape))
        self.data, self.indices, self.indptr = csr.data, csr.indices, csr.indptr

    def tocsr(self):
        return self


class FakeOperator:
    """Looks like a LinearOperator (matvec, rmatvec, shape)."""

    def __init__(self, shape):
        self.shape = shape

    def matvec(self, p):
        return np.zeros(self.shape[0])

    def rmatvec(self, p):
        return np.zeros(self.shape[1])


def exact(message):
    return "^" + re.escape(message) + "$"


# ------------------------------------------------------------------------------------------
# every ValueError / TypeError, in scipy's words
# ------------------------------------------------------------------------------------------

LM_TOLERANCES = f"All tolerances must be higher than machine epsilon ({EPS:.2e}) for method 'lm'."

BAD_INPUTS = {
    "method": (dict(method="newton"), "`method` must be 'trf', 'dogbox' or 'lm'."),
    "jac string": (dict(jac="4-point"), "`jac` must be '2-point', '3-point', 'cs' or callable."),
    "jac array": (dict(jac=np.ones((3, 2))),
        "`jac` must be '2-point', '3-point', 'cs' or callable."),
    "tr_solver": (dict(tr_solver="cg"), "`tr_solver` must be None, 'exact' or 'lsmr'."),
    "loss": (dict(loss="l1"), "`loss` must be one of dict_keys(['linear', 'huber', 'soft_l1', "
             "'cauchy', 'arctan']) or a callable."),
    "lm robust loss": (dict(method="lm", loss="soft_l1"),
                       "method='lm' supports only 'linear' loss function."),
    "verbose": (dict(verbose=3), "`verbose` must be in [0, 1, 2]."),
    "f_scale zero": (dict(loss="cauchy", f_scale=0.0),  # refopt's: scipy fails in the SVD
                     "`f_scale` must be a finite nonzero number with a robust loss, got 0.0."),
    "f_scale inf": (dict(loss="soft_l1", f_scale=np.inf),
                    "`f_scale` must be a finite nonzero number with a robust loss, got inf."),
    "max_nfev zero": (dict(max_nfev=0), "`max_nfev` must be None or positive integer."),
    "max_nfev negative": (dict(max_nfev=-5), "`max_nfev` must be None or positive integer."),
    "max_nfev fraction": (dict(max_nfev=2.5), "`max_nfev` must be None or positive integer."),
    "max_nfev string": (dict(max_nfev="10"), "`max_nfev` must be None or positive integer."),
    "max_nfev bool": (dict(max_nfev=True), "`max_nfev` must be None or positive integer."),
    "x0 complex": (dict(x0=[1 + 1j, 0]), "`x0` must be real."),
    "x0 2-D": (dict(x0=[[0.5, 0.5]]), "`x0` must have at most 1 dimension."),
    "x0 empty": (dict(x0=[]), "`x0` must have at least one element."),
    "bounds length": (dict(bounds=(0, 1, 2)), "`bounds` must contain 2 elements."),
    "lm bounds": (dict(method="lm", bounds=(0, 10)), "Method 'lm' doesn't support bounds."),
    "lm one-sided bound": (dict(method="lm", bounds=([-np.inf, 0], np.inf)),
                           "Method 'lm' doesn't support bounds."),
    "bounds shape": (dict(bounds=([0, 0, 0], 1)), "Inconsistent shapes between bounds and `x0`."),
    "Bounds shape": (dict(bounds=Bounds([0, 0, 0], 1)),
                     "Inconsistent shapes between bounds and `x0`."),
    "lb == ub": (dict(bounds=([0, 0.5], [1, 0.5])),
                 "Each lower bound must be strictly less than each upper bound."),
    "lb > ub": (dict(bounds=(1, 0)),
        "Each lower bound must be strictly less than each upper bound."),
    "x0 outside": (dict(bounds=(1, 2)), "Initial guess is outside of provided bounds"),
    "x0 nan": (dict(x0=[np.nan, 0.5]), "Initial guess is outside of provided bounds"),
    "bound None": (dict(bounds=(None, 1)), "Initial guess is outside of provided bounds"),
    "x_scale negative": (dict(x_scale=-1.0),
        "`x_scale` must be 'jac' or array_like with positive numbers."),
    "x_scale zero": (dict(x_scale=[1.0, 0.0]),
        "`x_scale` must be 'jac' or array_like with positive numbers."),
    "x_scale nan": (dict(x_scale=[1.0, np.nan]),
        "`x_scale` must be 'jac' or array_like with positive numbers."),
    "x_scale string": (dict(x_scale="auto"),
        "`x_scale` must be 'jac' or array_like with positive numbers."),
    "x_scale shape": (dict(x_scale=[1.0, 2.0, 3.0]),
        "Inconsistent shapes between `x_scale` and `x0`."),
    "lm small ftol": (dict(method="lm", ftol=1e-20),
                      LM_TOLERANCES),
    "lm ftol None": (dict(method="lm", ftol=None),
                     LM_TOLERANCES),
    "all tolerances": (dict(ftol=None, xtol=0.0, gtol=1e-17),
                       f"At least one of the tolerances must be higher than machine epsilon "
                       f"({EPS:.2e})."),
    "fun 2-D, callable jac": (dict(fun=lambda x: np.ones((2, 2)), jac=jacobian),
                              "`fun` must return at most 1-d array_like. f0.shape: (2, 2)"),
    "fun 2-D, differences": (dict(fun=lambda x: np.ones((2, 2))),  # scipy: approx_derivative's
                             "`fun` must return at most 1-d array_like. f0.shape: (2, 2)"),
    "fun not finite": (dict(fun=lambda x: [x[0], np.inf, 1.0]),
                       "Residuals are not finite in the initial point."),
    "fun nan": (dict(fun=lambda x: [x[0], np.nan, 1.0], method="dogbox"),
                "Residuals are not finite in the initial point."),
    "lm m < n": (dict(method="lm", fun=lambda x: x[0] + x[1]),
                 "Method 'lm' doesn't work when the number of residuals is less than the number "
                 "of variables."),
    "loss shape": (dict(loss=lambda z: np.ones((4, z.size))),
                   "The return value of `loss` callable has wrong shape."),
    "loss two rows": (dict(loss=lambda z: np.vstack([z, z])),
                      "The return value of `loss` callable has wrong shape."),
    "lm sparsity": (dict(method="lm", jac_sparsity=np.ones((3, 2))),
                    "method='lm' does not support `jac_sparsity`."),
    "sparsity shape": (dict(jac_sparsity=np.ones((2, 2))), "`jac_sparsity` has wrong shape."),
    "sparse sparsity shape": (dict(jac_sparsity=FakeSparse((3, 3))),
        "`jac_sparsity` has wrong shape."),
    "exact with sparsity": (dict(jac_sparsity=np.ones((3, 2)), tr_solver="exact"),
                            "tr_solver='exact' is incompatible with `jac_sparsity`."),
    "sparsity with callable jac": (dict(jac=jacobian, jac_sparsity=np.ones((3, 2))),
                                   "`jac_sparsity` is used only with a finite-difference `jac` "
                                   "('2-point', '3-point' or 'cs'), not with a callable `jac`."),
    "jac shape": (dict(jac=lambda x: np.ones((2, 2))),
                  "The return value of `jac` has wrong shape: expected (3, 2), actual (2, 2)."),
    "lm jac shape": (dict(method="lm", jac=lambda x: np.ones(2)),
                     "The return value of `jac` has wrong shape: expected (3, 2), actual (1, 2)."),
    "lm sparse jac": (dict(method="lm", jac=lambda x: FakeSparse((3, 2))),
                      "method='lm' works only with dense Jacobian matrices."),
    "exact sparse jac": (dict(tr_solver="exact", jac=lambda x: FakeSparse((3, 2))),
                         "tr_solver='exact' works only with dense Jacobian matrices."),
    "exact operator jac": (dict(tr_solver="exact", jac=lambda x: FakeOperator((3, 2))),
                           "tr_solver='exact' works only with dense Jacobian matrices."),
    "operator and x_scale jac": (dict(x_scale="jac", jac=lambda x: FakeOperator((3, 2))),
                                 "x_scale='jac' can't be used when `jac` returns LinearOperator."),
    "complex residuals": (dict(fun=lambda x: x + 1j),
                          "`fun` must return real residuals; write a complex residual as its real "
                          "and imaginary parts."),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_a_value_error_with_scipys_message(case):
    changes, message = case
    call = dict(fun=residuals, x0=X0) | changes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the tolerance cases also warn
        with pytest.raises(ValueError, match=exact(message)):
            least_squares(**call)


def test_errors_come_in_scipys_order():
    # method before jac before loss before verbose before x0 before bounds ...
    with pytest.raises(ValueError, match="`method`"):
        least_squares(residuals, [[1j]], jac="x", method="x", loss="x", verbose=9)
    with pytest.raises(ValueError, match="`jac`"):
        least_squares(residuals, [[1j]], jac="x", loss="x", verbose=9)
    with pytest.raises(ValueError, match="`verbose`"):
        least_squares(residuals, [[1j]], verbose=9, max_nfev=0)
    with pytest.raises(ValueError, match="`x0` must be real"):
        least_squares(residuals, [[1j]], bounds=(0, 1, 2))
    with pytest.raises(ValueError, match="doesn't support bounds"):  # lm bounds before shapes
        least_squares(residuals, X0, method="lm", bounds=([0, 0, 0], 1))
    with pytest.raises(ValueError, match="Initial guess is outside of provided bounds"):  # before x_scale
        least_squares(residuals, X0, bounds=(1, 2), x_scale=-1)
    with pytest.raises(ValueError, match="x_scale"):  # before the tolerances
        least_squares(residuals, X0, x_scale=-1, ftol=None, xtol=None, gtol=None)
    with pytest.raises(ValueError, match="not finite"):  # before lm's m >= n
        least_squares(lambda x: np.nan, X0, method="lm")


def test_unusable_residuals_at_x0_are_not_differenced():
    calls = []
    with pytest.raises(ValueError, match="not finite"):
        least_squares(lambda x: calls.append(1) or [np.nan, 1.0], X0)
    assert len(calls) == 1


def test_bounds_none_is_a_type_error():
    with pytest.raises(TypeError):
        least_squares(residuals, X0, bounds=None)


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        least_squares(residuals, X0, foo=1)


def test_non_callable_callback_is_a_type_error(fake_solvers):
    with pytest.raises(TypeError, match="`callback` must be callable."):
        least_squares(residuals, X0, callback=3)


@pytest.mark.parametrize("name", ["ftol", "xtol", "gtol"])
def test_tolerance_below_eps_warns(fake_solvers, name):
    message = (f"Setting `{name}` below the machine epsilon ({EPS:.2e}) effectively disables "
               "the corresponding termination condition.")
    with pytest.warns(UserWarning, match=exact(message)) as record:
        least_squares(residuals, X0, **{name: 1e-20})
    assert record[0].filename == __file__  # the warning points at the caller
    assert fake_solvers.calls[-1][name] == 1e-20


def test_none_tolerance_is_zero(fake_solvers):
    least_squares(residuals, X0, ftol=None)
    assert fake_solvers.calls[-1]["ftol"] == 0


@pytest.mark.parametrize("changes, form", [
    (dict(jac_sparsity=np.ones((3, 2))), CSRMatrix),
    (dict(jac_sparsity=np.ones((3, 2)), method="dogbox"), CSRMatrix),
    (dict(jac=lambda x: FakeSparse((3, 2))), CSRMatrix),
    (dict(jac=lambda x: FakeOperator((3, 2))), LinearOperator),
])
def test_sparse_problems_reach_the_solvers_with_lsmr(fake_solvers, changes, form):
    least_squares(residuals, X0, **changes)
    call = fake_solvers.calls[-1]
    assert isinstance(call["J0"], form) and call["J0"].shape == (3, 2)
    assert call["tr_solver"] == "lsmr"


def test_sparsity_is_validated_before_any_differencing():
    with pytest.raises(ValueError, match="wrong shape"):
        least_squares(residuals, X0, jac_sparsity=np.ones((3, 3)), tr_solver="lsmr")


def test_tr_solver_is_ignored_by_lm(fake_solvers):
    least_squares(residuals, X0, method="lm", tr_solver="lsmr")
    assert fake_solvers.calls[-1]["method"] == "lm"


# ------------------------------------------------------------------------------------------
# What reaches the solvers: recording fakes in place of trf, dogbox and call_minpack
# ------------------------------------------------------------------------------------------

class Recorder:
    """Stands in for the solvers; records what they receive, answers with a canned result.

    A solver gets ``(problem, options, scaling)``; the record flattens them into one dict
    (``x_scale`` is ``'jac'`` or the fixed scales)."""

    def __init__(self):
        self.calls = []
        self.status = 1
        self.active_mask = None

    def solver(self, method):
        def solve(problem, options, scaling):
            call = {**vars(problem), **vars(options), "method": method,
                    "x_scale": "jac" if scaling.from_jacobian else scaling.scale}
            self.calls.append(call)
            x = call["x0"]
            f = call["fun"](x)
            mask = np.zeros_like(x) if self.active_mask is None else self.active_mask
            return OptimizeResult(x=x, cost=0.5 * f @ f, fun=f, jac=np.ones((f.size, x.size)),
                                  grad=np.zeros(x.size), optimality=0.125, active_mask=mask,
                                  nfev=7, njev=3, status=self.status)

        return solve


@pytest.fixture
def fake_solvers(monkeypatch):
    recorder = Recorder()
    solvers = importlib.import_module("refopt.lsq").SOLVERS
    for method in list(solvers):
        monkeypatch.setitem(solvers, method, recorder.solver(method))
    return recorder


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_trust_region_solvers_get_scipys_internal_arguments(fake_solvers, method):
    tr_options = {"regularize": False}
    least_squares(residuals, X0, method=method, bounds=([0, -1], [2, 3]), tr_options=tr_options,
                  args=(1.0,), kwargs={"b": 2.0}, ftol=1e-7, verbose=0)
    call = fake_solvers.calls[-1]
    assert call["method"] == method
    np.testing.assert_array_equal(call["x0"], X0)  # inside: not moved
    assert call["x0"].dtype == float
    np.testing.assert_array_equal(call["f0"], residuals(np.array(X0)))
    np.testing.assert_allclose(call["J0"], jacobian(np.array(X0)), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(call["lb"], [0, -1])
    np.testing.assert_array_equal(call["ub"], [2, 3])
    assert (call["ftol"], call["xtol"], call["gtol"]) == (1e-7, 1e-8, 1e-8)
    assert call["max_nfev"] == 200  # 100 n
    np.testing.assert_array_equal(call["x_scale"], [1.0, 1.0])  # None -> 1.0 for trf/dogbox
    assert call["loss_function"] is None  # linear
    assert call["tr_solver"] == "exact"
    assert call["tr_options"] == tr_options and call["tr_options"] is not tr_options
    assert call["callback"] is None
    # the wrapped functions: fun(x) -> float residuals, jac(x, f) -> the dense Jacobian
    x = np.array([1.5, 0.25])
    np.testing.assert_array_equal(call["fun"](x), residuals(x))
    np.testing.assert_allclose(call["jac"](x, call["fun"](x)), jacobian(x), rtol=1e-6, atol=1e-7)


def test_args_and_kwargs_reach_fun_and_jac(fake_solvers):
    seen = []

    def fun(x, a, b=0.0):
        seen.append(("fun", a, b))
        return residuals(x, a, b)

    def jac(x, a, b=0.0):
        seen.append(("jac", a, b))
        return jacobian(x, a, b)

    least_squares(fun, X0, jac=jac, args=(3.0,), kwargs={"b": 4.0})
    call = fake_solvers.calls[-1]
    call["jac"](np.ones(2), None)
    assert seen and all(entry[1:] == (3.0, 4.0) for entry in seen)
    np.testing.assert_array_equal(call["f0"], residuals(np.array(X0), 3.0, 4.0))
    np.testing.assert_array_equal(call["J0"], jacobian(np.array(X0)))


@pytest.mark.parametrize("scheme", ["2-point", "3-point", "cs"])
def test_finite_difference_jacobian_respects_bounds_and_diff_step(fake_solvers, scheme):
    calls = []

    def fun(x):
        calls.append(x.copy())
        return residuals(x)

    least_squares(fun, [1.0, 0.5], jac=scheme, bounds=([0, 0], [1, 1]), diff_step=1e-3)
    J0 = fake_solvers.calls[-1]["J0"]
    np.testing.assert_allclose(J0, jacobian(np.array([1.0, 0.5])), rtol=1e-5, atol=1e-6)
    assert all(np.all(np.real(x) <= 1) for x in calls)  # never outside the box
    steps = {abs(x[1] - 0.5) for x in calls[1:] if x[1] != 0.5}  # complex for 'cs'
    assert steps and all(np.isclose(h, 1e-3 * 0.5, rtol=1e-6) for h in steps)  # diff_step * |x|


def test_scalar_residual_is_one_residual(fake_solvers):
    least_squares(lambda x: (x[0] - 3) ** 2, 1)
    call = fake_solvers.calls[-1]
    assert call["x0"].shape == (1,) and call["f0"].shape == (1,) and call["J0"].shape == (1, 1)


def test_x0_list_int_and_float32_become_float64(fake_solvers):
    for x0 in ([1, 2], (1, 2), np.array([1, 2], dtype=np.float32), 3, 2.5):
        least_squares(lambda x: x - 1, x0)
        x = fake_solvers.calls[-1]["x0"]
        assert x.dtype == np.float64 and x.ndim == 1
        np.testing.assert_array_equal(x, np.atleast_1d(x0).astype(float))


def test_integer_residuals_become_float(fake_solvers):
    least_squares(lambda x: np.array([1, 2, 3]), X0, loss="soft_l1")
    call = fake_solvers.calls[-1]
    assert call["f0"].dtype == float
    assert call["loss_function"](call["f0"]).shape == (3, 3)


def test_residuals_must_keep_their_shape(fake_solvers):
    least_squares(lambda x: np.ones(3 if x[0] == 0.5 else 2), X0, jac=jacobian)
    message = r"`fun` returned 3 residuals at `x0` but an array of shape \(2,\)"
    with pytest.raises(ValueError, match=message):
        fake_solvers.calls[-1]["fun"](np.ones(2))


def test_a_later_jacobian_of_the_wrong_shape_is_caught(fake_solvers):
    least_squares(residuals, X0, jac=lambda x: jacobian(x)[: 3 if x[0] == 0.5 else 2])
    with pytest.raises(ValueError, match=re.escape("expected (3, 2), actual (2, 2)")):
        fake_solvers.calls[-1]["jac"](np.ones(2), None)


def test_inputs_are_not_mutated(fake_solvers):
    x0 = np.array([0.5, 0.5])
    lb, ub = np.array([0.0, 0.0]), np.array([2.0, 2.0])
    x_scale = np.array([1.0, 2.0])
    kwargs = {"b": 2.0}
    tr_options = {"regularize": True}
    least_squares(residuals, x0, bounds=(lb, ub), x_scale=x_scale, kwargs=kwargs,
                  tr_options=tr_options)
    call = fake_solvers.calls[-1]
    for given, passed in ((x0, call["x0"]), (lb, call["lb"]), (ub, call["ub"]),
                          (x_scale, call["x_scale"])):
        assert passed is not given and not np.shares_memory(passed, given)
    call["x0"][:] = 99.0
    call["lb"][:] = 99.0
    call["x_scale"][:] = 99.0
    np.testing.assert_array_equal(x0, [0.5, 0.5])
    np.testing.assert_array_equal(lb, [0, 0])
    np.testing.assert_array_equal(x_scale, [1, 2])
    assert kwargs == {"b": 2.0} and tr_options == {"regularize": True}


def test_fun_gets_a_copy_of_the_iterate(fake_solvers):
    def greedy(x):
        f = residuals(x)
        x[:] = 42.0  # a badly behaved user function
        return f

    least_squares(greedy, X0)
    x = np.array([1.0, 2.0])
    fake_solvers.calls[-1]["fun"](x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_residuals_are_fresh_arrays(fake_solvers):
    buffer = np.zeros(3)

    def in_buffer(x):
        buffer[:] = residuals(x)
        return buffer

    least_squares(in_buffer, X0)
    f = fake_solvers.calls[-1]["fun"](np.ones(2))
    f *= 0  # a solver rescales residuals in place for robust losses
    assert not np.shares_memory(f, buffer) and buffer[2] == 1.0


@pytest.mark.parametrize("bounds", [Bounds(0, 1), Bounds([0, 0], [1, 1])])
def test_bounds_objects_with_scalars_are_broadcast(fake_solvers, bounds):
    least_squares(residuals, X0, bounds=bounds)
    call = fake_solvers.calls[-1]
    np.testing.assert_array_equal(call["lb"], [0, 0])
    np.testing.assert_array_equal(call["ub"], [1, 1])


def test_duck_typed_bounds(fake_solvers):
    class MyBounds:
        lb = -1.0
        ub = [1.0, np.inf]

    least_squares(residuals, X0, bounds=MyBounds())
    np.testing.assert_array_equal(fake_solvers.calls[-1]["ub"], [1, np.inf])


def test_x0_on_a_bound_is_feasible(fake_solvers):
    calls = []
    least_squares(lambda x: calls.append(x) or residuals(x), [0.0, 1.0], bounds=(0, 1),
                  method="dogbox")
    np.testing.assert_array_equal(fake_solvers.calls[-1]["x0"], [0.0, 1.0])  # dogbox: as given
    np.testing.assert_array_equal(calls[0], [0.0, 1.0])
    calls.clear()
    least_squares(lambda x: calls.append(x) or residuals(x), [0.0, 3.0], bounds=(0, [1, 3]))
    inside = [1e-10, 3 - 3e-10]  # trf: moved 1e-10 * max(1, |bound|) inside, then f0 and J0
    np.testing.assert_array_equal(fake_solvers.calls[-1]["x0"], inside)
    np.testing.assert_array_equal(calls[0], inside)
    np.testing.assert_array_equal(fake_solvers.calls[-1]["f0"], residuals(np.array(inside)))


def test_x_scale_scalar_and_jac(fake_solvers):
    least_squares(residuals, X0, x_scale=2)
    np.testing.assert_array_equal(fake_solvers.calls[-1]["x_scale"], [2.0, 2.0])
    least_squares(residuals, X0, x_scale="jac")
    assert fake_solvers.calls[-1]["x_scale"] == "jac"


def test_robust_loss_reaches_the_solver(fake_solvers):
    least_squares(residuals, X0, loss="cauchy", f_scale=0.5)
    loss_function = fake_solvers.calls[-1]["loss_function"]
    f = np.array([0.1, 1.0, 3.0])
    np.testing.assert_allclose(loss_function(f)[0], 0.25 * np.log1p((f / 0.5) ** 2))


def test_max_nfev_resolution(fake_solvers):
    least_squares(residuals, [1.0, 2.0, 3.0][:2], max_nfev=5)
    assert fake_solvers.calls[-1]["max_nfev"] == 5
    least_squares(residuals, X0, max_nfev=np.int64(6))
    assert fake_solvers.calls[-1]["max_nfev"] == 6
    least_squares(residuals, X0, max_nfev=7.0)  # an integral float is an integer
    assert fake_solvers.calls[-1]["max_nfev"] == 7
    assert type(fake_solvers.calls[-1]["max_nfev"]) is int
    least_squares(residuals, X0, method="lm")  # MINPACK's defaults, differences counted
    assert fake_solvers.calls[-1]["max_nfev"] == 100 * 2 * 3
    least_squares(residuals, X0, method="lm", jac=jacobian)
    assert fake_solvers.calls[-1]["max_nfev"] == 100 * 2


def test_lm_gets_minpack_arguments(fake_solvers):
    least_squares(residuals, X0, method="lm", diff_step=1e-4, xtol=1e-9)
    call = fake_solvers.calls[-1]
    assert call["method"] == "lm"
    assert call["jac"] is None  # MINPACK's own forward differences
    assert call["x_scale"] == "jac"  # None -> 'jac' for lm (MINPACK's scaling)
    assert call["diff_step"] == 1e-4 and call["xtol"] == 1e-9
    np.testing.assert_array_equal(call["fun"](np.array([1.0, 1.0])), residuals(np.ones(2)))

    least_squares(residuals, X0, method="lm", jac=jacobian, x_scale=[1.0, 3.0])
    call = fake_solvers.calls[-1]
    np.testing.assert_array_equal(call["jac"](np.array([2.0, 3.0])), jacobian(np.array([2.0, 3.0])))
    np.testing.assert_array_equal(call["x_scale"], [1.0, 3.0])


@pytest.mark.parametrize("scheme", ["3-point", "cs"])
def test_lm_says_it_uses_forward_differences(fake_solvers, scheme):
    with pytest.warns(UserWarning, match=f"jac='{scheme}' works equivalently to '2-point'"):
        least_squares(residuals, X0, method="lm", jac=scheme)
    assert fake_solvers.calls[-1]["jac"] is None


def test_lm_does_not_evaluate_a_finite_difference_jacobian_up_front(fake_solvers):
    calls = []
    least_squares(lambda x: calls.append(1) or residuals(x), X0, method="lm")
    assert len(calls) == 1 + 1  # f0, then the fake solver's own call: no differences
    calls.clear()
    least_squares(lambda x: calls.append(1) or residuals(x), X0, method="trf")
    assert len(calls) == 1 + 2 + 1  # f0, two forward differences for J0, the fake's call


@pytest.mark.parametrize("method", ["trf", "dogbox", "lm"])
def test_callback_is_wrapped_for_every_method(fake_solvers, method):
    seen = []
    least_squares(residuals, X0, method=method, callback=lambda x: seen.append(x) or True)
    callback = fake_solvers.calls[-1]["callback"]
    assert callback(OptimizeResult(x=np.ones(2))) is True
    np.testing.assert_array_equal(seen[0], [1.0, 1.0])


@pytest.mark.parametrize("status", sorted(TERMINATION_MESSAGES))
def test_message_and_success_follow_status(fake_solvers, status):
    fake_solvers.status = status
    res = least_squares(residuals, X0)
    assert res.message == TERMINATION_MESSAGES[status]
    assert res.success is (status > 0)


def test_active_mask_is_always_integer(fake_solvers):
    fake_solvers.active_mask = np.array([0.0, -1.0])  # what scipy's unbounded trf returns
    res = least_squares(residuals, X0)
    assert res.active_mask.dtype.kind == "i"
    np.testing.assert_array_equal(res.active_mask, [0, -1])


@pytest.mark.parametrize("loss", ["linear", "soft_l1", LOSSES["cauchy"]])
def test_verbose_1_prints_scipys_report(fake_solvers, capsys, loss):
    res = least_squares(residuals, X0, verbose=1, loss=loss)
    f0 = residuals(np.array(X0))
    initial = {"linear": 0.5 * f0 @ f0, "soft_l1": np.sum(LOSSES["soft_l1"](f0**2)[0]) / 2}.get(
        loss, np.sum(LOSSES["cauchy"](f0**2)[0]) / 2)
    assert capsys.readouterr().out == (
        "`gtol` termination condition is satisfied.\n"
        f"Function evaluations 7, initial cost {initial:.4e}, final cost {res.cost:.4e}, "
        "first-order optimality 1.25e-01.\n")


def test_verbose_0_is_silent(fake_solvers, capsys):
    least_squares(residuals, X0)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------------------------------
# End to end, through the real solvers
# ------------------------------------------------------------------------------------------

SOLVERS = ["trf", "dogbox", "lm"]


def rosenbrock(x):
    return np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]])


def rosenbrock_jac(x):
    return np.array([[-20 * x[0], 10.0], [-1.0, 0.0]])


@pytest.mark.parametrize("method", SOLVERS)
@pytest.mark.parametrize("jac", ["2-point", "3-point", rosenbrock_jac])
def test_rosenbrock_minimum(method, jac):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # lm: '3-point' means '2-point'
        res = least_squares(rosenbrock, [-1.2, 1.0], jac=jac, method=method)
    assert res.success
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-7)
    assert res.cost < 1e-15


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_bounded_rosenbrock_reaches_the_root_of_the_cubic(method):
    # on x2 = 1.5 the cost is 50 (1.5 - x1^2)^2 + (1 - x1)^2 / 2: stationary where
    # 200 x1^3 - 299 x1 - 1 = 0, and the multiplier of x2 >= 1.5 is positive there
    x1 = max(r.real for r in np.roots([200.0, 0, -299.0, -1.0]) if abs(r.imag) < 1e-12)
    res = least_squares(rosenbrock, [2.0, 2.0], rosenbrock_jac, bounds=([-np.inf, 1.5], np.inf),
                        method=method)
    np.testing.assert_allclose(res.x, [x1, 1.5], atol=1e-7)
    assert x1 == pytest.approx(1.22437075, abs=1e-8)
    np.testing.assert_array_equal(res.active_mask, [0, -1])
    assert res.grad[1] > 0  # the gradient pushes into the active bound: KKT


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_x0_zero_on_a_bound_does_not_stop_early(method):
    # scipy's trf stops after 2 evaluations at x ~ 1e-10 with status 2 (cost 2.5). The minimum
    # on [0, 1]^2: x2 = 1 active (d/dx2 = x2 - 2 + x1^2 x2 < 0), then x1 - 1 + x1 = 0.
    res = least_squares(residuals, [0.0, 0.0], bounds=(0, 1), method=method)
    np.testing.assert_allclose(res.x, [0.5, 1.0], atol=1e-8)
    assert res.cost == pytest.approx(0.75, abs=1e-12)
    assert res.success and (res.nfev > 2 or method == "dogbox")  # dogbox: one projected step
    np.testing.assert_array_equal(res.active_mask, [0, 1])


@pytest.mark.parametrize("method", SOLVERS)
def test_result_fields_and_types(method):
    res = least_squares(residuals, X0, jac=jacobian, method=method)
    assert set(res) == {"x", "cost", "fun", "jac", "grad", "optimality", "active_mask", "nfev",
                        "njev", "status", "message", "success"}
    assert res.x.shape == (2,) and res.x.dtype == float
    assert res.fun.shape == (3,) and res.jac.shape == (3, 2) and res.grad.shape == (2,)
    assert res.active_mask.shape == (2,) and res.active_mask.dtype.kind == "i"
    assert isinstance(res.cost, float) and isinstance(res.optimality, float)
    assert isinstance(res.nfev, int) and isinstance(res.njev, int)
    assert isinstance(res.status, int) and isinstance(res.success, bool)
    np.testing.assert_allclose(res.fun, residuals(res.x), rtol=1e-15)
    np.testing.assert_allclose(res.cost, 0.5 * res.fun @ res.fun, rtol=1e-15)
    np.testing.assert_allclose(res.grad, res.jac.T @ res.fun, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.optimality, np.max(np.abs(res.grad)), rtol=1e-12)
    assert res.success and res.optimality < 1e-4  # stopped by ftol near the stationary point


def test_lm_with_differences_has_no_njev():
    res = least_squares(residuals, X0, method="lm")
    assert res.njev is None and res.success


@pytest.mark.parametrize("method", SOLVERS)
@pytest.mark.parametrize("stop", ["return True", "raise StopIteration"])
def test_callback_stops_every_method(method, stop):
    seen = []

    def callback(intermediate_result):
        seen.append(intermediate_result)
        if stop == "return True":
            return True
        raise StopIteration

    res = least_squares(rosenbrock, [-1.2, 1.0], method=method, callback=callback)
    assert len(seen) == 1
    assert res.status == -2 and not res.success
    assert res.message == TERMINATION_MESSAGES[-2]
    assert {"x", "fun", "cost", "nit", "nfev"} <= set(seen[0])
    np.testing.assert_array_equal(seen[0].x, res.x)


@pytest.mark.parametrize("method", SOLVERS)
def test_callback_returning_none_does_not_stop(method):
    xs = []
    res = least_squares(rosenbrock, [-1.2, 1.0], method=method, callback=xs.append)
    assert res.success and len(xs) >= 2
    assert all(isinstance(x, np.ndarray) and x.shape == (2,) for x in xs)


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_max_nfev_one_returns_x0(method):
    res = least_squares(rosenbrock, [-1.2, 1.0], method=method, max_nfev=1)
    assert res.status == 0 and res.nfev == 1 and res.njev == 1
    np.testing.assert_array_equal(res.x, [-1.2, 1.0])
    assert res.message == "The maximum number of function evaluations is exceeded."


@pytest.mark.parametrize("method", SOLVERS)
def test_max_nfev_is_honoured(method):
    res = least_squares(rosenbrock, [-1.2, 1.0], method=method, max_nfev=5)
    assert res.status == 0 and res.nfev <= 5 + (method == "lm")  # MINPACK may overshoot by 1


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_nan_after_a_step_is_handled(method):
    # sqrt is nan for x < 0; from x0 = 9 the first Gauss-Newton step overshoots below 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = least_squares(lambda x: [np.sqrt(x[0]) - 1.0, 0.1 * (x[0] - 1)], [9.0],
                            method=method)
    assert res.success
    np.testing.assert_allclose(res.x, [1.0], atol=1e-8)


@pytest.mark.parametrize("method", SOLVERS)
def test_args_and_kwargs_end_to_end(method):
    res = least_squares(residuals, X0, method=method, args=(0.0,), kwargs={"b": 0.0})
    np.testing.assert_allclose(res.x, [0.0, 0.0], atol=1e-7)  # all residuals vanish at 0


def test_verbose_2_prints_the_iteration_table(capsys):
    res = least_squares(lambda x: [x[0] - 1, x[1] - 2], [0.0, 0.0], verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "".join(f"{t:^15}" for t in ("Iteration", "Total nfev", "Cost",
                                                    "Cost reduction", "Step norm", "Optimality"))
    assert lines[1] == f"{0:^15}{1:^15}{2.5:^15.4e}{'':15}{'':15}{2.0:^15.2e}"
    assert len(lines) == 1 + res.nfev + 2  # one row per evaluation here, then the report
    assert lines[-2] == res.message
    assert lines[-1] == (f"Function evaluations {res.nfev}, initial cost 2.5000e+00, final cost "
                         f"{res.cost:.4e}, first-order optimality {res.optimality:.2e}.")


def test_verbose_2_with_lm_prints_only_the_report(capsys):
    res = least_squares(lambda x: [x[0] - 1, x[1] - 2], [0.0, 0.0], method="lm", verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert out == [res.message, f"Function evaluations {res.nfev}, initial cost 2.5000e+00, "
                   f"final cost {res.cost:.4e}, first-order optimality {res.optimality:.2e}."]


@pytest.mark.parametrize("method", ["trf", "dogbox"])
def test_complex_residual_in_real_parts(method):
    def f_wrap(x):
        r = (x[0] + 1j * x[1]) - (0.5 + 0.5j)
        return np.array([r.real, r.imag])

    res = least_squares(f_wrap, (0.1, 0.1), bounds=([0, 0], [1, 1]), method=method)
    np.testing.assert_allclose(res.x, [0.5, 0.5], atol=1e-8)


@pytest.mark.parametrize("method", SOLVERS)
def test_x_scale_does_not_change_the_answer(method):
    for x_scale in (None, "jac", [1.0, 2.0], [3.0, 0.5]):
        res = least_squares(rosenbrock, [-1.2, 1.0], rosenbrock_jac, method=method, x_scale=x_scale)
        np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-7)


def test_refopt_least_squares_is_this_function():
    assert refopt.least_squares is least_squares


@pytest.mark.parametrize("method", ["trf", "dogbox"])
@pytest.mark.parametrize("jac", ["2-point", "3-point"])
@given(seed=st.integers(0, 2**32 - 1), on_bound=st.lists(st.sampled_from([-1, 0, 1]),
                                                          min_size=3, max_size=3))
@settings(max_examples=25)
def test_fun_is_never_called_outside_the_bounds_and_inputs_survive(method, jac, seed, on_bound):
    rng = np.random.default_rng(seed)
    A, b = rng.standard_normal((5, 3)), rng.standard_normal(5)
    lb = -rng.uniform(0.1, 2, 3)
    ub = rng.uniform(0.1, 2, 3)
    x0 = np.where(np.array(on_bound) == -1, lb, np.where(np.array(on_bound) == 1, ub, 0.0))
    given_x0, given_lb, given_ub = x0.copy(), lb.copy(), ub.copy()
    seen = []

    def fun(x):
        seen.append(x.copy())
        return A @ x - b

    res = least_squares(fun, x0, jac=jac, bounds=(lb, ub), method=method)
    points = np.array(seen)
    assert np.all(points >= lb) and np.all(points <= ub)
    assert np.all(res.x >= lb) and np.all(res.x <= ub)
    np.testing.assert_array_equal(x0, given_x0)
    np.testing.assert_array_equal(lb, given_lb)
    np.testing.assert_array_equal(ub, given_ub)
