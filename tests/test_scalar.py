"""Tests for refopt/scalar.py: brentq, bracket and minimize_scalar (Brent 1973, ch. 4–5).

Known answers: roots and minima in closed form; hypothesis property tests for the
tolerance guarantees; scipy 1.17.1's call counts where noted (measured by hand with
scipy, outside this test suite, as the faithfulness target).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refopt import brentq, minimize_scalar
from refopt.optimize import OptimizeWarning
from refopt.scalar import (EPS, BracketError, RootResults, bracket, minimize_scalar_bounded,
                           minimize_scalar_brent)

RTOL_MIN = 4 * EPS


# ---------------------------------------------------------------------------------------
# brentq
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, root", [(0, 2, 1.0), (-2, 0, -1.0), (2, 0, 1.0)])
def test_brentq_square_roots_of_one(a, b, root):
    assert brentq(lambda x: x**2 - 1, a, b) == pytest.approx(root, abs=2e-12)


def test_brentq_pi_over_two_from_cosine():
    assert abs(brentq(math.cos, 0, 2) - math.pi / 2) <= 2e-12 + RTOL_MIN * math.pi / 2


def test_brentq_passes_args_and_wraps_a_single_arg():
    assert brentq(lambda x, c: x**3 - c, 0, 4, args=(8.0,)) == pytest.approx(2.0, abs=1e-11)
    assert brentq(lambda x, c: x**3 - c, 0, 4, args=8.0) == pytest.approx(2.0, abs=1e-11)


def test_brentq_returns_a_python_float():
    assert type(brentq(lambda x: x - 0.25, 0, 1)) is float


def test_brentq_full_output_counts_the_calls():
    # cube root of 2 in [0, 4]: Brent's method needs fewer iterations than the
    # ceil(log2(4 / xtol)) = 41 that bisection would (the exact count is compared with
    # scipy's in python -m refopt compare, not recorded here: tests/README.md)
    calls = []
    root, info = brentq(lambda x: calls.append(x) or x**3 - 2, 0, 4, full_output=True)
    assert isinstance(info, RootResults)
    assert abs(root - 2 ** (1 / 3)) <= 2e-12 + RTOL_MIN * root
    assert info.function_calls == len(calls) == info.iterations + 1
    assert 0 < info.iterations < math.ceil(math.log2(4 / 2e-12))
    assert info.converged and info.flag == "converged" and info.method == "brentq"
    assert info.root == root


def test_brentq_root_at_an_endpoint_costs_two_calls():
    root, info = brentq(lambda x: x - 1, 1, 3, full_output=True)
    assert root == 1.0 and info.converged and info.function_calls == 2
    # scipy leaves `iterations` uninitialised in this case; no iteration was made
    assert info.iterations == 0


def test_brentq_same_signs_raise():
    with pytest.raises(ValueError, match=r"^f\(a\) and f\(b\) must have different signs$"):
        brentq(lambda x: x**2 + 1, -1, 1)
    # values too small for their product to be nonzero still have a sign
    with pytest.raises(ValueError, match="different signs"):
        brentq(lambda x: 1e-200, 0, 1)


def test_brentq_tolerance_and_maxiter_errors():
    f = lambda x: x - 0.5  # noqa: E731
    with pytest.raises(ValueError, match=r"^xtol too small \(0 <= 0\)$"):
        brentq(f, 0, 1, xtol=0)
    with pytest.raises(ValueError, match=r"^rtol too small \(1e-17 < 8\.88178e-16\)$"):
        brentq(f, 0, 1, rtol=1e-17)
    with pytest.raises(ValueError, match=r"^maxiter must be >= 0$"):
        brentq(f, 0, 1, maxiter=-1)
    with pytest.raises(TypeError):
        brentq(f, 0, 1, maxiter=1.5)


def test_brentq_nan_value_raises():
    with pytest.raises(ValueError, match=r"^The function value at x=0\.0 is NaN; solver cannot continue\.$"):
        brentq(lambda x: float("nan"), 0, 4)


def test_brentq_not_converging():
    f = lambda x: x**3 - 2  # noqa: E731
    with pytest.raises(RuntimeError, match=r"^Failed to converge after 3 iterations\.$"):
        brentq(f, 0, 4, maxiter=3)
    root, info = brentq(f, 0, 4, maxiter=3, disp=False, full_output=True)
    assert not info.converged and info.flag == "convergence error"
    assert (info.iterations, info.function_calls) == (3, 5)    # 3 = maxiter, 2 ends + 3
    assert 0 <= root <= 4


@given(root=st.floats(-50, 50), left=st.floats(1e-3, 20), right=st.floats(1e-3, 20),
       scale=st.floats(0.01, 100), kind=st.sampled_from(["tanh", "cubic", "exp"]),
       xtol=st.sampled_from([2e-12, 1e-8, 1e-4]))
def test_brentq_property_tolerance_and_bracket(root, left, right, scale, kind, xtol):
    """Monotone functions with one known root: the answer is within xtol + rtol|x| of it,
    inside the bracket, with a small residual."""
    funcs = {
        "tanh": lambda x: scale * math.tanh(x - root),
        "cubic": lambda x: scale * ((x - root) ** 3 + (x - root)),
        "exp": lambda x: scale * math.expm1(x - root),
    }
    f = funcs[kind]
    a, b = root - left, root + right
    x = brentq(f, a, b, xtol=xtol)
    assert a <= x <= b
    # f is rounded near the root, so allow a few ulps of |root| beyond the tolerance
    assert abs(x - root) <= xtol + RTOL_MIN * abs(x) + 8 * EPS * max(1.0, abs(root))
    slope = {"tanh": scale, "cubic": scale * (1 + 3 * (left + right) ** 2),
             "exp": scale * math.exp(right)}[kind]
    assert abs(f(x)) <= slope * abs(x - root) + 1e-14 * scale


# ---------------------------------------------------------------------------------------
# bracket
# ---------------------------------------------------------------------------------------

@given(centre=st.floats(-100, 100), xa=st.floats(-10, 10), gap=st.floats(0.01, 5))
def test_bracket_encloses_the_minimum_of_a_parabola(centre, xa, gap):
    f = lambda x: (x - centre) ** 2  # noqa: E731
    xa, xb, xc, fa, fb, fc, calls = bracket(f, xa, xa + gap)
    assert min(xa, xc) < centre < max(xa, xc) or fb == 0
    assert fb <= fa and fb <= fc and (xa < xb < xc or xc < xb < xa)
    assert (fa, fb, fc) == (f(xa), f(xb), f(xc)) and calls >= 3


def test_bracket_fails_for_a_function_unbounded_below():
    with pytest.raises(BracketError, match="without finding a valid bracket") as info:
        bracket(lambda x: -x)
    assert len(info.value.data) == 7


# ---------------------------------------------------------------------------------------
# minimize_scalar
# ---------------------------------------------------------------------------------------

def quartic(x):
    """(x - 2) x (x + 2)^2 = x^4 + 2x^3 - 4x^2 - 8x; f'(x) = 2 (x + 2)(2x^2 - x - 2):
    local minima at x = -2 (f = 0) and x = (1 + sqrt 17)/4."""
    return (x - 2) * x * (x + 2) ** 2


X_QUARTIC = (1 + math.sqrt(17)) / 4


@pytest.mark.parametrize("kwargs", [
    {}, {"method": "golden"}, {"bracket": (0, 1, 2)}, {"method": "Brent", "bracket": (0, 1)},
])
def test_minimize_scalar_unbounded_methods_find_the_quartic_minimum(kwargs):
    calls = []
    res = minimize_scalar(lambda x: calls.append(x) or quartic(x), **kwargs)
    assert res.success
    assert abs(res.x - X_QUARTIC) <= 1e-7
    assert res.fun == pytest.approx(quartic(X_QUARTIC), abs=1e-12)
    assert isinstance(res.x, np.float64) and isinstance(res.fun, np.float64)
    assert res.nfev == len(calls) and 0 < res.nit < res.nfev   # the bracket costs calls too
    assert res.message.startswith("\nOptimization terminated successfully;")


def test_minimize_scalar_bounded_finds_the_other_minimum():
    res = minimize_scalar(quartic, bounds=(-3, -1))        # 'bounded' by default
    assert res.success and res.status == 0 and res.message == "Solution found."
    assert abs(res.x + 2) <= 1e-5
    assert res.nfev == res.nit                             # one call per iteration
    assert set(res) == {"fun", "status", "success", "message", "x", "nfev", "nit"}


@given(centre=st.floats(-20, 20), curvature=st.floats(0.1, 100), level=st.floats(-5, 5),
       method=st.sampled_from(["brent", "golden", "bounded"]))
def test_minimize_scalar_property_parabola(centre, curvature, level, method):
    f = lambda x: curvature * (x - centre) ** 2 + level  # noqa: E731
    kwargs = {"bounds": (centre - 7.3, centre + 3.1)} if method == "bounded" else {}
    res = minimize_scalar(f, method=method, **kwargs)
    assert res.success
    tolerance = 1e-4 if method == "bounded" else 1e-6 * (1 + abs(centre))
    assert abs(res.x - centre) <= tolerance
    assert res.fun >= level and res.fun == f(res.x)


@given(kink=st.floats(-0.9, 0.9))
def test_bounded_minimizes_a_kink(kink):
    res = minimize_scalar(lambda x: abs(x - kink), bounds=(-1, 1), options={"xatol": 1e-8})
    assert res.success and abs(res.x - kink) <= 1e-7


def test_bounded_minimum_at_an_end():
    res = minimize_scalar(lambda x: x, bounds=(2, 5))
    assert res.success and abs(res.x - 2) <= 1e-4


def test_bounded_call_limit():
    res = minimize_scalar(quartic, bounds=(-3, -1), options={"maxiter": 5})
    assert res.status == 1 and not res.success and res.nfev == 5
    assert res.message == "Maximum number of function calls reached."


def test_brent_iteration_limit_and_nan():
    res = minimize_scalar(quartic, options={"maxiter": 3})
    assert not res.success and res.nit == 3
    assert res.message == "\nMaximum number of iterations exceeded"
    res = minimize_scalar_bounded(lambda x: np.nan, (0, 1))
    assert res.status == 2 and res.message == "NaN result encountered."


def test_unbracketable_function_gives_an_unsuccessful_result():
    res = minimize_scalar(lambda x: -x, bracket=(0, 1))
    assert not res.success and res.nit == 0
    assert res.message.startswith("The algorithm terminated without finding a valid bracket.")
    assert res.nfev >= 3


def test_minimize_scalar_errors():
    with pytest.raises(ValueError, match=r"^Use of `bounds` is incompatible with 'method=brent'\.$"):
        minimize_scalar(quartic, bounds=(0, 1), method="brent")
    with pytest.raises(ValueError, match="mandatory for method `bounded`"):
        minimize_scalar(quartic, method="bounded")
    with pytest.raises(ValueError, match=r"^Unknown solver nope$"):
        minimize_scalar(quartic, method="nope")
    with pytest.raises(ValueError, match="bounds must have two elements"):
        minimize_scalar(quartic, bounds=(0, 1, 2))
    with pytest.raises(ValueError, match="Optimization bounds must be finite scalars"):
        minimize_scalar(quartic, bounds=(0, np.inf))
    with pytest.raises(ValueError, match="The lower bound exceeds the upper bound"):
        minimize_scalar(quartic, bounds=(1, 0))
    with pytest.raises(ValueError, match=r"\(xa < xb\) and \(xb < xc\)"):
        minimize_scalar(quartic, bracket=(0, 3, 2))
    with pytest.raises(ValueError, match=r"\(f\(xb\) < f\(xa\)\) and \(f\(xb\) < f\(xc\)\)"):
        minimize_scalar(quartic, bracket=(-1, 0, 1))
    with pytest.raises(ValueError, match="length 2 or 3"):
        minimize_scalar(quartic, bracket=(1,))
    with pytest.raises(ValueError, match="tolerance should be >= 0"):
        minimize_scalar_brent(quartic, xtol=-1)


def test_minimize_scalar_warnings():
    with pytest.warns(RuntimeWarning, match="does not support relative tolerance"):
        res = minimize_scalar(quartic, bounds=(-3, -1), tol=1e-8)
    assert abs(res.x + 2) <= 1e-7
    with pytest.warns(OptimizeWarning, match=r"^Unknown solver options: foo$"):
        minimize_scalar(quartic, options={"foo": 1})


def test_minimize_scalar_disp(capsys):
    minimize_scalar(quartic, options={"disp": True})
    assert "Optimization terminated successfully" in capsys.readouterr().out
    with pytest.warns(OptimizeWarning, match="Maximum number of function evaluations"):
        minimize_scalar(quartic, bounds=(-3, -1), options={"maxiter": 3, "disp": 1})


def test_minimize_scalar_custom_method_gets_tol_and_bracket():
    def method(fun, args, bracket, bounds, tol, flag):
        from refopt import OptimizeResult
        return OptimizeResult(x=bracket[0] + tol, fun=fun(bracket[0]), flag=flag)

    res = minimize_scalar(quartic, bracket=(1.0, 2.0), method=method, tol=0.5,
                          options={"flag": 7})
    assert res.x == 1.5 and res.flag == 7


def test_minimize_scalar_args():
    res = minimize_scalar(lambda x, c: (x - c) ** 2, args=3.0)
    assert abs(res.x - 3.0) <= 1e-7
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = minimize_scalar(lambda x, c: (x - c) ** 2, bounds=(0, 10), args=(3.0,))
    assert abs(res.x - 3.0) <= 1e-5
