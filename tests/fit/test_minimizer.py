"""refopt.fit.minimizer: Minimizer, minimize, MinimizerResult, statistics and uncertainties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from refopt.fit import ConstraintError, Minimizer, MinimizerResult, Parameter, Parameters, minimize
from refopt.fit.minimizer import METHODS, _available_fit_methods

RUNNABLE = _available_fit_methods()


def line_data(n=40, seed=3):
    rng = np.random.default_rng(seed)
    x = np.linspace(-2.0, 7.0, n)
    y = 1.7 * x - 0.4 + 0.3 * rng.standard_normal(n)
    return x, y


def line_residual(p, x, y):
    return y - (p["m"].value * x + p["c"].value)


def line_params(**kw):
    p = Parameters()
    p.add("m", 1.0, **kw)
    p.add("c", 0.0)
    return p


def ols(x, y):
    """The straight line's closed forms: estimates, standard errors and their correlation."""
    n = x.size
    xbar = x.mean()
    sxx = np.sum((x - xbar) ** 2)
    m = np.sum((x - xbar) * (y - y.mean())) / sxx
    c = y.mean() - m * xbar
    s2 = np.sum((y - m * x - c) ** 2) / (n - 2)
    sd_m = math.sqrt(s2 / sxx)
    sd_c = math.sqrt(s2 * (1 / n + xbar**2 / sxx))
    rho = -xbar * s2 / sxx / (sd_m * sd_c)
    return m, c, sd_m, sd_c, rho


@pytest.mark.parametrize("method", ["leastsq", "least_squares"])
def test_straight_line_matches_closed_forms(method):
    x, y = line_data()
    m, c, sd_m, sd_c, rho = ols(x, y)
    res = minimize(line_residual, line_params(), method=method, args=(x, y))
    pm, pc = res.params["m"], res.params["c"]
    assert res.success and res.errorbars and res.nvarys == 2 and res.nfree == x.size - 2
    # the values to the solver's tolerance; the uncertainties to 1e-10
    assert pm.value == pytest.approx(m, rel=1e-8) and pc.value == pytest.approx(c, rel=1e-8)
    assert pm.stderr == pytest.approx(sd_m, rel=1e-10)
    assert pc.stderr == pytest.approx(sd_c, rel=1e-10)
    assert pm.correl["c"] == pytest.approx(rho, rel=1e-10)
    assert pc.correl["m"] == pytest.approx(rho, rel=1e-10)
    chisqr = float(np.sum((y - m * x - c) ** 2))
    assert res.chisqr == pytest.approx(chisqr, rel=1e-12)
    assert res.redchi == pytest.approx(chisqr / (x.size - 2), rel=1e-12)
    assert res.aic == pytest.approx(x.size * math.log(chisqr / x.size) + 4, rel=1e-12)
    assert res.bic == pytest.approx(x.size * math.log(chisqr / x.size) + math.log(x.size) * 2, rel=1e-12)
    np.testing.assert_allclose(res.covar, [[sd_m**2, rho * sd_m * sd_c], [rho * sd_m * sd_c, sd_c**2]],
                               rtol=1e-9)


@pytest.mark.parametrize("method", [m for m in RUNNABLE if m not in ("leastsq", "least_squares", "anneal")])  # anneal needs a box: below
def test_scalar_methods_reach_the_line(method):
    x, y = line_data()
    m, c, sd_m, sd_c, _ = ols(x, y)
    res = minimize(line_residual, line_params(), method=method, args=(x, y))
    assert res.params["m"].value == pytest.approx(m, rel=1e-3)
    # the covariance of a scalar method comes from the Jacobian at its solution
    assert res.params["m"].stderr == pytest.approx(sd_m, rel=1e-3)
    assert res.errorbars


def test_unscaled_covariance():
    x, y = line_data()
    res = minimize(line_residual, line_params(), args=(x, y), scale_covar=False)
    sxx = np.sum((x - x.mean()) ** 2)
    assert res.params["m"].stderr == pytest.approx(1 / math.sqrt(sxx), rel=1e-9)


def test_fixed_parameter_stays_fixed_and_input_untouched():
    x, y = line_data()
    p = line_params()
    p["c"].vary = False
    p["c"].value = 0.25
    before = [par.__getstate__() for par in p.values()]
    res = minimize(line_residual, p, args=(x, y))
    assert res.params["c"].value == 0.25 and res.params["c"].stderr is None
    assert res.var_names == ["m"] and res.nvarys == 1
    assert [par.__getstate__() for par in p.values()] == before
    m = np.sum(x * (y - 0.25)) / np.sum(x * x)
    assert res.params["m"].value == pytest.approx(m, rel=1e-8)


def test_expression_holds_exactly_and_gets_propagated_stderr():
    x, y = line_data()
    p = line_params()
    p.add("ratio", expr="c / m")
    res = minimize(line_residual, p, args=(x, y))
    m, c = res.params["m"].value, res.params["c"].value
    assert res.params["ratio"].value == c / m
    # first-order propagation by hand: grad = (-c/m^2, 1/m)
    g = np.array([-c / m**2, 1 / m])
    assert res.params["ratio"].stderr == pytest.approx(math.sqrt(g @ res.covar @ g), rel=1e-7)
    assert res.params["ratio"].correl is None


def test_expression_tied_parameters_in_the_model():
    x = np.linspace(0, 5, 60)
    y = 2.0 * np.exp(-x / 1.5) + 2.0 * 0.5 * np.exp(-x / 0.3)
    p = Parameters()
    p.add("a", 1.0)
    p.add("t1", 1.0, min=0.01)
    p.add("t2", 0.5, min=0.01)
    p.add("b", expr="a / 2")

    def residual(p):
        return p["a"] * np.exp(-x / p["t1"]) + p["b"] * np.exp(-x / p["t2"]) - y

    res = minimize(residual, p)
    assert res.params["a"].value == pytest.approx(2.0, rel=1e-8)
    assert res.params["b"].value == res.params["a"].value / 2
    assert res.params["t2"].value == pytest.approx(0.3, rel=1e-8)


@pytest.mark.parametrize("method", ["leastsq", "least_squares"])
def test_bounded_fit_lands_on_bound_and_says_so(method):
    x, y = line_data()
    m_free = ols(x, y)[0]
    res = minimize(line_residual, line_params(max=1.2), method=method, args=(x, y))
    assert m_free > 1.2
    assert res.params["m"].value == pytest.approx(1.2, abs=1e-6)
    assert res.errorbars is False and "m (at upper bound 1.2)" in res.errorbars_reason
    assert res.params["m"].stderr is None and res.at_bounds == {"m": "at upper bound 1.2"}
    # c then has the stderr of the fit with m held at 1.2: the mean of y - 1.2 x
    resid = y - 1.2 * x - res.params["c"].value
    assert res.params["c"].value == pytest.approx(np.mean(y - 1.2 * x), rel=1e-7)
    assert res.params["c"].stderr == pytest.approx(math.sqrt(resid @ resid / (x.size - 2) / x.size), rel=1e-6)


def test_inactive_bounds_do_not_change_stderr():
    x, y = line_data()
    free = minimize(line_residual, line_params(), args=(x, y))
    bounded = minimize(line_residual, line_params(min=0.0, max=10.0), args=(x, y))
    assert bounded.errorbars
    assert bounded.params["m"].stderr == pytest.approx(free.params["m"].stderr, rel=1e-6)


def test_singular_problem_has_no_errorbars_and_a_reason():
    x, y = line_data()
    p = line_params()
    p.add("unused", 1.0)
    res = minimize(line_residual, p, args=(x, y))
    assert res.errorbars is False
    assert "unused" in res.errorbars_reason
    assert res.params["m"].stderr is None


def test_engine_spelling_and_minimizer_forwarding():
    x, y = line_data()
    res = minimize(line_residual, line_params(), engine="leastsq", args=(x, y))
    assert res.method == "leastsq"
    with pytest.raises(TypeError, match="give one"):
        minimize(line_residual, line_params(), method="nelder", engine="leastsq", args=(x, y))
    fitter = Minimizer(line_residual, line_params(), fcn_args=(x, y))
    out = fitter.leastsq()
    assert isinstance(out, MinimizerResult) and fitter.result is out
    assert fitter.chisqr == out.chisqr and fitter.nfev == out.nfev  # the 0.5 manual's reads


def test_manual_asteval_symtable_user_function():
    x = np.linspace(-3, 3, 50)

    def lorentzian(x, amp, cen, wid):
        return amp / (1 + ((x - cen) / wid) ** 2)

    y = lorentzian(x, 2.0, 0.5, 0.7)
    p = Parameters()
    p.add("cen", 0.0)
    p.add("wid", 1.0, min=0.01)
    p.add("amp", 1.0)
    p.add("peak", expr="lorentzian(cen, amp, cen, wid)")  # = amp, through the user function
    fitter = Minimizer(lambda p: lorentzian(x, p["peak"].value, p["cen"].value, p["wid"].value) - y, p)
    fitter.asteval.symtable["lorentzian"] = lorentzian
    res = fitter.leastsq()
    assert res.params["peak"].value == pytest.approx(2.0, rel=1e-9)
    assert res.params["peak"].value == res.params["amp"].value


def test_leastsq_fields():
    x, y = line_data()
    res = minimize(line_residual, line_params(), args=(x, y))
    for field in ("params", "success", "message", "nfev", "nvarys", "ndata", "nfree", "residual",
                  "chisqr", "redchi", "aic", "bic", "covar", "var_names", "init_vals", "errorbars",
                  "ier", "lmdif_message", "init_values", "method", "aborted"):
        assert hasattr(res, field), field
    assert res.ier in (1, 2, 3, 4) and res.message == "Fit succeeded."
    assert res.init_vals == [1.0, 0.0] and res.ndata == x.size
    np.testing.assert_array_equal(res.residual, line_residual(res.params, x, y))


def test_no_varied_parameters():
    x, y = line_data()
    p = line_params()
    p["m"].vary = p["c"].vary = False
    res = minimize(line_residual, p, args=(x, y))
    assert res.nvarys == 0 and res.success and res.chisqr == pytest.approx(float(np.sum((y - x) ** 2)))
    assert res.errorbars is False


# ---- bad inputs
def test_nan_policies():
    x, y = line_data()

    def nan_tail(p, x, y):
        r = line_residual(p, x, y)
        r[-3:] = np.nan
        return r

    with pytest.raises(ValueError, match=r"NaN values detected.*3 of 40 values at evaluation 1"):
        minimize(nan_tail, line_params(), args=(x, y))
    res = minimize(nan_tail, line_params(), args=(x, y), nan_policy="omit")
    m, c, sd_m, _, _ = ols(x[:-3], y[:-3])
    assert res.ndata == 37 and res.params["m"].value == pytest.approx(m, rel=1e-9)
    assert res.params["m"].stderr == pytest.approx(sd_m, rel=1e-8)
    res = minimize(nan_tail, line_params(), args=(x, y), nan_policy="propagate")
    assert isinstance(res, MinimizerResult) and not np.isfinite(res.chisqr)
    with pytest.raises(ValueError, match="nan_policy must be one of"):
        Minimizer(nan_tail, line_params(), nan_policy="ignore")


def test_wrong_length_and_non_array():
    x, y = line_data()
    calls = []

    def shrinking(p):
        calls.append(1)
        return line_residual(p, x, y)[: 41 - len(calls)]

    with pytest.raises(ValueError, match="returned 39 values at evaluation 2 but 40 at the first"):
        minimize(shrinking, line_params())
    with pytest.raises(TypeError, match="must return an array of numbers.*NoneType"):
        minimize(lambda p: None, line_params())
    with pytest.raises(TypeError, match="must return an array of numbers"):
        minimize(lambda p: "abc", line_params())
    with pytest.raises(TypeError, match="must return an array of numbers"):
        minimize(lambda p: [1.0, "a", 2.0], line_params())


def test_complex_residual_is_split():
    x, y = line_data()
    res = minimize(lambda p: line_residual(p, x, y) * (1 + 1j), line_params())
    assert res.ndata == 2 * x.size
    assert res.params["m"].value == pytest.approx(ols(x, y)[0], rel=1e-8)


def test_unknown_method_and_bad_arguments():
    x, y = line_data()
    with pytest.raises(ValueError, match="unknown fitting method 'foo'"):
        minimize(line_residual, line_params(), method="foo", args=(x, y))
    with pytest.raises(TypeError, match="params must be a Parameters"):
        minimize(line_residual, {"m": 1.0})
    with pytest.raises(TypeError, match="must be callable"):
        Minimizer(3, line_params())
    with pytest.raises(ValueError, match="max_nfev must be a positive integer"):
        Minimizer(line_residual, line_params(), max_nfev=0)
    with pytest.raises(ValueError, match="reduce_fcn must be"):
        Minimizer(line_residual, line_params(), reduce_fcn="huber")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_anneal_reaches_the_line_after_its_polish(seed):
    """A straight line in a box: the annealing walk ends near the least-squares line and the
    L-BFGS-B polish lands on it. The walk runs its 400 coolings of 50 candidates (about 20 000
    evaluations), so the fit needs the global methods' evaluation limit, 200 000 (nvarys + 1):
    under the local methods' 2000 (nvarys + 1) it was aborted mid-walk, at a random candidate."""
    x, y = line_data()
    m, c, sd_m, sd_c, _ = ols(x, y)
    params = line_params(min=-10.0, max=10.0)
    params["c"].set(min=-10.0, max=10.0)
    res = minimize(line_residual, params, method="anneal", args=(x, y), seed=seed)
    assert not res.aborted and res.nfev > 2000 * 3
    assert res.params["m"].value == pytest.approx(m, rel=1e-6)
    assert res.params["c"].value == pytest.approx(c, rel=1e-5)
    assert res.params["m"].stderr == pytest.approx(sd_m, rel=1e-6)
    assert res.params["c"].stderr == pytest.approx(sd_c, rel=1e-6)
    assert res.chisqr == pytest.approx(float(np.sum((y - m * x - c) ** 2)), rel=1e-10)


def test_anneal_keeps_an_explicit_evaluation_limit():
    x, y = line_data()
    params = line_params(min=-10.0, max=10.0)
    params["c"].set(min=-10.0, max=10.0)
    res = minimize(line_residual, params, method="anneal", args=(x, y), seed=0, max_nfev=500)
    assert res.aborted and not res.success and "> 500" in res.message


@pytest.mark.parametrize("method", ["lbfgsb", "slsqp"])  # anneal: above
def test_engines_not_yet_written_say_so(method):
    x, y = line_data()
    params = line_params(min=-10.0, max=10.0)  # anneal searches a box
    params["c"].set(min=-10.0, max=10.0)
    if method in RUNNABLE:  # the engine has landed: it must fit the line
        kws = {"seed": 1} if method == "anneal" else {}
        res = minimize(line_residual, params, method=method, args=(x, y), **kws)
        assert res.params["m"].value == pytest.approx(ols(x, y)[0], rel=1e-3)
    else:
        with pytest.raises(NotImplementedError, match=f"method '{method}' runs refopt"):
            minimize(line_residual, params, method=method, args=(x, y))


def test_anneal_searches_the_parameters_box(monkeypatch):
    """The dispatch contract with refopt.optimize.anneal, checked with a stand-in engine."""
    import sys
    import types

    from refopt import OptimizeResult

    calls = []

    def fake_anneal(func, x0, args=(), lower=None, upper=None, seed=None):
        calls.append((np.array(x0), lower, upper, seed))
        m, c = ols(x, y)[:2]
        best = np.array([m, c])
        return OptimizeResult(x=best, fun=func(best), nfev=1, success=True, message="fake")

    monkeypatch.setitem(sys.modules, "refopt.optimize.anneal", types.SimpleNamespace(anneal=fake_anneal))
    x, y = line_data()
    with pytest.raises(ValueError, match="finite min and max.*not on c"):
        minimize(line_residual, line_params(min=0.0, max=3.0), method="anneal", args=(x, y))
    params = line_params(min=0.0, max=3.0)
    params["c"].set(min=-5.0, max=5.0)
    res = minimize(line_residual, params, method="anneal", args=(x, y), seed=4)
    x0, lower, upper, seed = calls[-1]
    np.testing.assert_array_equal(x0, [1.0, 0.0])  # external coordinates: the box is native
    np.testing.assert_array_equal(lower, [0.0, -5.0])
    np.testing.assert_array_equal(upper, [3.0, 5.0])
    assert seed == 4 and res.method == "anneal" and res.errorbars
    assert res.params["m"].stderr == pytest.approx(ols(x, y)[2], rel=1e-9)


def test_cycle_and_unknown_name_reported_at_prepare():
    x, y = line_data()
    calls = []

    def counted(p, x, y):
        calls.append(1)
        return line_residual(p, x, y)

    p = line_params()
    p.add("u", expr="v + 1")
    p.add("v", expr="u * m")
    with pytest.raises(ConstraintError, match=r"u \('v \+ 1'\) -> v \('u \* m'\) -> u"):
        minimize(counted, p, args=(x, y))
    p = line_params()
    p.add("w", expr="m + nowhere")
    with pytest.raises(ConstraintError, match="'nowhere'"):
        Minimizer(counted, p, fcn_args=(x, y)).prepare_fit()
    assert calls == []


def test_max_nfev_aborts_and_iter_cb():
    x, y = line_data()
    res = minimize(line_residual, line_params(), args=(x, y), max_nfev=2)
    assert res.aborted and not res.success and "number of function evaluations > 2" in res.message
    assert res.errorbars is False
    seen = []

    def stop_at_three(params, it, resid, x, y):
        seen.append((it, float(resid @ resid)))
        return it >= 3

    res = minimize(line_residual, line_params(), args=(x, y), iter_cb=stop_at_three)
    assert res.aborted and [s[0] for s in seen] == [1, 2, 3] and "user callback" in res.message


def test_reduce_fcn_for_scalar_methods():
    x, y = line_data()
    y = y.copy()
    y[5] += 40.0  # an outlier: the Cauchy loss ignores it, least squares does not
    m_true = 1.7
    plain = minimize(line_residual, line_params(), method="nelder", args=(x, y))
    robust = minimize(line_residual, line_params(), method="nelder", args=(x, y), reduce_fcn="neglogcauchy")
    assert abs(robust.params["m"].value - m_true) < abs(plain.params["m"].value - m_true)


def test_methods_table():
    assert set(METHODS) == {"leastsq", "least_squares", "nelder", "powell", "bfgs", "cg", "lbfgsb",
                            "anneal", "slsqp"}


def test_hessian_covariance_for_a_custom_reduction():
    # a chi-square written as a custom reduce_fcn: C = 2 H^-1 (31.8) is the closed form again
    x, y = line_data()
    _, _, sd_m, sd_c, rho = ols(x, y)
    res = minimize(line_residual, line_params(), method="nelder", args=(x, y),
                   reduce_fcn=lambda r: float(r @ r), options={"xatol": 1e-10, "fatol": 1e-14})
    assert res.errorbars
    assert res.params["m"].stderr == pytest.approx(sd_m, rel=1e-5)
    assert res.params["c"].stderr == pytest.approx(sd_c, rel=1e-5)
    assert res.params["m"].correl["c"] == pytest.approx(rho, rel=1e-5)


def test_the_manual_examples_run():
    from refopt.examples import fitting

    sine = fitting.example_damped_sine()
    assert "decay:        0.025 (fixed)" in sine and "amp is still 10" in sine
    peaks = fitting.example_two_peaks()
    assert "== '2*wid1/3'" in peaks and "wid2 / wid1 = 0.666666666666666" in peaks


@pytest.mark.parametrize("method, key", [("least_squares", "jac"), ("least_squares", "Dfun"),
                                         ("leastsq", "Dfun")])
def test_user_jacobian_of_the_parameters(method, key):
    # lmfit's test: Rosenbrock's residuals with x1 >= 1.5; the Jacobian takes the Parameters
    p = Parameters()
    p.add("x0", value=2.0)
    p.add("x1", value=2.0, min=1.5)
    calls = []

    def resid(params):
        return np.array([10 * (params["x1"] - params["x0"] ** 2), 1 - params["x0"]])

    def jac(params):
        calls.append(1)
        return np.array([[-20 * params["x0"].value, 10.0], [-1.0, 0.0]])

    out = minimize(resid, p, method=method, **{key: jac})
    free = minimize(resid, p, method=method)
    # the minimum on the bound x1 = 1.5: x0 minimises 100 (1.5 - x0^2)^2 + (1 - x0)^2
    x0 = out.params["x0"].value
    assert out.params["x1"].value == pytest.approx(1.5, abs=1e-7)
    assert 400 * x0 * (x0**2 - 1.5) + 2 * (x0 - 1) == pytest.approx(0.0, abs=1e-6)
    assert calls and out.nfev < free.nfev


def test_parameters_add_copy_with_keywords_and_update_refuses_a_dict():
    p = Parameters()
    template = Parameter("c", value=9, user_data={"form": "square"})
    p.add("c1", template, min=1)
    assert p["c1"].name == "c1" and p["c1"].min == 1 and p["c1"].value == 9
    assert p["c1"].user_data == {"form": "square"} and p["c1"] is not template
    with pytest.raises(ValueError, match="is not a Parameters object"):
        p.update({"a": Parameter("a", 1.0)})
    np.testing.assert_array_equal(np.asarray(p), [9.0])
