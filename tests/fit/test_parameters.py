"""refopt.fit.parameters: Parameter, Parameters, constraints, the bounds transformation, round trips."""

from __future__ import annotations

import copy
import io
import math
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refopt.expr import ExprSyntaxError
from refopt.examples.fitting import two_peak_parameters as two_peaks
from refopt.fit import ConstraintError, Parameter, Parameters, create_params


def test_add_many_table_and_expression():
    p = two_peaks()
    assert list(p) == ["amp1", "cen1", "wid1", "amp2", "cen2", "wid2"]
    assert p["cen1"].min == 0.5 and p["cen1"].max == 2.0 and p["amp1"].min == -math.inf
    assert p["wid2"].vary is False and p["wid2"].expr == "2*wid1/3"
    assert p["wid2"].value == 2 * 0.8 / 3
    p["wid1"].value = 0.3
    assert p["wid2"].value == 2 * 0.3 / 3


def test_add_forms_and_valuesdict():
    p = Parameters()
    p.add("a", 1.5)
    p.add(Parameter("b", 2, vary=False))
    p.add("c", value=p["a"])  # a Parameter as value: deep-copied
    p.add("d", expr="a + b")
    assert p.valuesdict() == {"a": 1.5, "b": 2.0, "c": 1.5, "d": 3.5}
    assert all(type(v) is float for v in p.valuesdict().values())
    assert p["c"] is not p["a"]


def test_forward_reference_in_add_many_and_add():
    p = Parameters()
    p.add_many(("y", None, False, None, None, "2*x"), ("x", 3.0))
    assert p["y"].value == 6.0
    p.add("z", expr="w - 1")  # evaluated on demand, so a later add is fine too
    p.add("w", 10)
    assert p["z"].value == 9.0


@pytest.mark.parametrize("name", ["1abc", "lambda", "a-b", "", "a b", "for"])
def test_bad_names(name):
    with pytest.raises(KeyError, match="is not a valid Parameters name"):
        Parameters().add(name, 1.0)


def test_not_a_parameter():
    with pytest.raises(ValueError, match="is not a Parameter"):
        Parameters()["a"] = 3.0


def test_min_greater_than_max_and_equal():
    with pytest.raises(ValueError, match=r"min \(2\) is greater than max \(1\)"):
        Parameter("a", 1.5, min=2, max=1)
    with pytest.raises(ValueError, match="min == max"):
        Parameter("a", 1.0, min=1, max=1)
    p = Parameter("a", 1.0)
    with pytest.raises(ValueError, match="greater than max"):
        p.set(min=3, max=2)
    with pytest.raises(ValueError, match="min is NaN"):
        Parameter("a", 1.0, min=float("nan"))


def test_value_clipped_into_bounds():
    assert Parameter("a", 5.0, min=0, max=1).value == 1
    assert Parameter("a", -5.0, min=0).value == 0
    p = Parameter("a", 0.5, min=0, max=1)
    p.value = 7
    assert p.value == 1


def test_set_semantics():
    p = Parameters()
    p.add("a", 1.0)
    p.add("b", expr="2*a")
    p["b"].set(value=4.0)  # a value removes the expression (lmfit)
    assert p["b"].expr is None and p["b"].value == 4.0
    p["b"].set(expr="3*a")
    assert p["b"].vary is False and p["b"].value == 3.0
    p["b"].set(vary=True)
    assert p["b"].expr is None
    p["a"].set(min=0, max=0.5)
    assert p["a"].value == 0.5
    p["a"].set(brute_step=0.1)
    assert p["a"].brute_step == 0.1
    p["a"].set(brute_step=0)
    assert p["a"].brute_step is None


def test_cycle_reports_the_chain():
    p = Parameters()
    p.add("a", expr="b + 1")
    p.add("b", expr="c * 2")
    p.add("c", expr="a - 1")
    with pytest.raises(ConstraintError, match=r"a \('b \+ 1'\) -> b \('c \* 2'\) -> c \('a - 1'\) -> a"):
        p["a"].value


def test_self_reference_is_a_cycle():
    p = Parameters()
    p.add("a", expr="a + 1")
    with pytest.raises(ConstraintError, match="circular"):
        p.valuesdict()


def test_unknown_name_names_the_expression():
    p = Parameters()
    p.add("a", expr="zz + 1")
    with pytest.raises(ConstraintError, match=r"'a' \('zz \+ 1'\) uses 'zz'"):
        p.valuesdict()


def test_syntax_error_has_message_and_caret():
    p = Parameters()
    with pytest.raises(ExprSyntaxError) as info:
        p.add("a", expr="1 +* 2")
    text = str(info.value)
    assert "constraint of parameter 'a'" in text and "invalid syntax" in text
    assert "1 +* 2" in text and "^" in text
    assert "a" not in p


def test_runtime_failure_names_parameter():
    p = Parameters()
    p.add("x", 0.0)
    p.add("y", expr="1/x")
    with pytest.raises(ConstraintError, match="(?s)constraint of parameter .y. failed.*ZeroDivisionError"):
        p.valuesdict()


def test_expression_order_is_dependency_first():
    p = Parameters()
    p.add("d", expr="c + b")
    p.add("c", expr="b * 2")
    p.add("b", expr="a + 1")
    p.add("a", 1.0)
    order = [q.name for q in p.expression_order()]
    assert order.index("b") < order.index("c") < order.index("d")
    assert p["d"].value == 2 + 4


def test_manual_constraints_section_5():
    pars = Parameters()
    pars.add("amp_1", value=0.5, min=0, max=1)
    pars.add("cen_1", value=2.2)
    pars.add("wid_1", value=0.2)
    pars.add("amp_2", expr="(2.0 - amp_1**2)")
    pars.add("cen_2", expr="cen_1 * wid_2 / max(wid_1, 0.001)")
    pars.add("wid_2", expr="sqrt(pi)*wid_1")
    pars.add("test_val", value=250.0)
    pars.add("bounded", expr="amp_1 if test_val/2. > 100 else cen_1")
    v = pars.valuesdict()
    assert v["amp_2"] == 2.0 - 0.25
    assert math.isclose(v["wid_2"], math.sqrt(math.pi) * 0.2, rel_tol=1e-15)
    assert math.isclose(v["cen_2"], 2.2 * v["wid_2"] / 0.2, rel_tol=1e-15)
    assert v["bounded"] == 0.5


def lorentzian(x, amp, cen, wid):
    """The 0.5 manual's user function (section 5.3)."""
    return amp / (1 + ((x - cen) / wid) ** 2)


def params_with_user_function() -> Parameters:
    p = Parameters(usersyms={"lorentzian": lorentzian, "offset": 0.25})
    p.add("cen", 1.0)
    p.add("peak", expr="lorentzian(1.5, 2.0, cen, 0.5) + offset")
    return p


def test_user_function_survives_copy_pickle_and_json():
    p = params_with_user_function()
    expected = lorentzian(1.5, 2.0, 1.0, 0.5) + 0.25
    assert p["peak"].value == expected
    for q in (p.copy(), copy.deepcopy(p), copy.copy(p), pickle.loads(pickle.dumps(p)),
              Parameters().loads(p.dumps())):
        assert q["peak"].value == expected
        q["cen"].value = 1.5
        assert q["peak"].value == 2.25
    assert p["peak"].value == expected  # the copies are independent


def test_loads_reattaches_by_name_from_usersyms_and_warns_when_missing():
    p = params_with_user_function()
    text = p.dumps()
    def other(x, amp, cen, wid):
        return 0.0
    q = Parameters().loads(text, usersyms={"lorentzian": other})
    assert q["peak"].value == 0.25
    # a function of __main__-like scope that cannot be found: warned about, fails at use
    p2 = Parameters(usersyms={"local_fn": lambda v: v})
    p2.add("a", 1.0)
    p2.add("b", expr="local_fn(a)")
    with pytest.warns(UserWarning, match="local_fn could not be re-attached"):
        q2 = Parameters().loads(p2.dumps())
    with pytest.raises(ConstraintError, match="local_fn"):
        q2.valuesdict()


def test_dump_and_load_file():
    p = two_peaks()
    buf = io.StringIO()
    p.dump(buf)
    buf.seek(0)
    q = Parameters().load(buf)
    assert q.valuesdict() == p.valuesdict()


def test_pretty_print_layout(capsys):
    p = Parameters()
    p.add("a", 0.09944, min=0.01, max=1)
    p.add("b", 1.985)
    p.add("c", expr="a*b")
    p["a"].stderr = 0.0001932
    p.pretty_print()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Name     Value      Min      Max   Stderr     Vary     Expr Brute_Step"
    assert out[1] == "a   0.09944     0.01        1 0.0001932     True     None     None"
    assert out[3] == "c    0.1974     -inf      inf     None    False      a*b     None"


def test_parameter_arithmetic_and_repr():
    a = Parameter("a", 2.0)
    assert a + 1 == 3.0 and 1 - a == -1.0 and a * a == 4.0 and 8 / a == 4.0 and a ** 2 == 4.0
    assert float(a) == 2.0 and -a == -2.0 and abs(Parameter("b", -3.0)) == 3.0
    assert np.sin(np.asarray(a)) == np.sin(2.0)
    with pytest.raises(TypeError):
        hash(a)
    assert repr(Parameter("d", 3, vary=False)) == "<Parameter 'd', value=3 (fixed), bounds=[-inf:inf]>"


def test_create_params():
    p = create_params(amp=2, sigma={"value": 3, "min": 0}, fwhm={"expr": "2*sigma"})
    assert p["amp"].value == 2 and p["sigma"].min == 0 and p["fwhm"].value == 6


@pytest.mark.parametrize("lo, hi", [(-math.inf, math.inf), (0.0, math.inf), (-math.inf, 5.0), (-1.0, 4.0)])
def test_bounds_transformation_round_trip_and_derivative(lo, hi):
    for value in (-0.5 if lo < -0.5 else lo + 0.3, 1.0, 3.9 if hi > 3.9 else hi - 0.1):
        par = Parameter("a", value, min=lo, max=hi)
        u = par.setup_bounds()
        assert math.isclose(par.from_internal(u), par.value, rel_tol=1e-12, abs_tol=1e-12)
        h = 1e-6
        numeric = (par.from_internal(u + h) - par.from_internal(u - h)) / (2 * h)
        assert math.isclose(par.scale_gradient(u), numeric, rel_tol=1e-6, abs_tol=1e-9)
    par = Parameter("a", 1.0, min=lo, max=hi)
    par.setup_bounds()
    for u in np.linspace(-50, 50, 101):  # every internal value lands inside the bounds
        assert lo <= par.from_internal(float(u)) <= hi


finite = st.floats(-1e6, 1e6, allow_nan=False)
names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s not in
                                                                     {"if", "in", "is", "or", "as", "and", "for", "not", "def", "del", "try"})


@st.composite
def parameter_sets(draw):
    keys = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    p = Parameters()
    for i, key in enumerate(keys):
        lo = draw(st.one_of(st.just(-math.inf), finite))
        hi = draw(st.one_of(st.just(math.inf), finite.filter(lambda v: v > lo + 1e-6 * max(1, abs(lo)))))
        expr = f"{keys[0]} * 2 + 1" if i > 0 and draw(st.booleans()) else None
        p.add(key, draw(finite), vary=draw(st.booleans()), min=lo, max=hi, expr=expr,
              brute_step=draw(st.one_of(st.none(), finite)), user_data=draw(st.one_of(st.none(), st.text(max_size=5))))
        p[key].stderr = draw(st.one_of(st.none(), finite))
        p[key].correl = draw(st.one_of(st.none(), st.dictionaries(names, finite, max_size=2)))
    return p


def states(p: Parameters):
    return [par.__getstate__() for par in p.values()]


@given(parameter_sets())
def test_round_trips_are_exact(p):
    values = p.valuesdict()  # expressions evaluated: the stored values are current
    before = states(p)
    for q in (Parameters().loads(p.dumps()), pickle.loads(pickle.dumps(p)), p.copy(), copy.deepcopy(p)):
        assert states(q) == before
        assert q.valuesdict() == values
    assert states(p) == before
