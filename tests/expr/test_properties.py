"""Property tests: random expressions give exactly what Python gives for the same text.

The oracle is Python's own ``eval`` in a sealed namespace (no builtins, only the random
names) -- used here, in the test, and nowhere in the package. Expressions are built from
numbers, booleans and names with every arithmetic, bitwise, boolean and comparison operator
of the lmfit manual, chained comparisons and conditional expressions; exponents and shifts are
small literals so that Python itself finishes quickly (the evaluator's caps are not in play).
"""

from __future__ import annotations

import math

from hypothesis import given, strategies as st

from refopt.expr import EvalError, ExprError, Interpreter

NAMES = ("a", "b", "c", "x1")
BINARY = ("+", "-", "*", "/", "//", "%", "&", "|", "^")
COMPARE = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")

numbers = st.one_of(st.integers(-1000, 1000), st.floats(-1e3, 1e3, allow_nan=False), st.booleans())
literals = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(0, 1e3, allow_nan=False).map(repr),
    st.sampled_from(["True", "False"]),
)
atoms = st.one_of(literals, st.sampled_from(NAMES))


def composite(children):
    pair = st.tuples(children, children)
    return st.one_of(
        st.tuples(children, st.sampled_from(BINARY), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.integers(-2, 5)).map(lambda t: f"({t[0]} ** {t[1]})"),
        st.tuples(children, st.sampled_from(["<<", ">>"]), st.integers(0, 40)).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "+", "~", "not "]), children).map(lambda t: f"({t[0]}{t[1]})"),
        st.tuples(children, st.sampled_from(COMPARE[:6]), children, st.sampled_from(COMPARE[:6]), children)
        .map(lambda t: f"({t[0]} {t[1]} {t[2]} {t[3]} {t[4]})"),
        st.tuples(children, st.sampled_from(COMPARE[6:]), pair).map(lambda t: f"({t[0]} {t[1]} ({t[2][0]}, {t[2][1]}))"),
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(children, children).map(lambda t: f"{t[0]} {'+' if len(t[0]) % 2 else '*'} {t[1]}"),
    )


# deferred (not st.recursive) keeps the strategy's repr small for derandomized runs
expressions = st.deferred(lambda: st.one_of(atoms, atoms, composite(expressions)))
bindings = st.fixed_dictionaries({name: numbers for name in NAMES})


def python_value(text: str, names: dict):
    """What Python's own evaluator gives: ('value', v) or ('error', exception type)."""
    try:
        return "value", eval(text, {"__builtins__": {}}, dict(names))  # the oracle, in a sealed namespace
    except Exception as exc:
        return "error", type(exc)


def refopt_value(interp: Interpreter, text_or_code):
    try:
        return "value", interp.eval(text_or_code)
    except EvalError as err:
        return "error", err
    except ExprError as err:  # a refusal would be a disagreement with Python
        return "refused", err


def same(got, want) -> bool:
    """Equal outcomes: same value and type (NaN equals NaN), or the same exception type."""
    if want[0] == "error":
        return got[0] == "error" and isinstance(got[1], want[1]) and type(got[1].exc) is want[1]
    if got[0] != "value":
        return False
    g, w = got[1], want[1]
    if type(g) is not type(w):
        return False
    if isinstance(w, float) and math.isnan(w):
        return math.isnan(g)
    return g == w


@given(expressions, bindings)
def test_random_expressions_match_python(text, names):
    interp = Interpreter(user_symbols=names)
    want = python_value(text, names)
    got = refopt_value(interp, text)
    assert same(got, want), f"{text!r} with {names}: refopt {got}, Python {want}"


@given(expressions, st.lists(bindings, min_size=1, max_size=4))
def test_parse_once_evaluate_many_equals_fresh_evaluation(text, many):
    interp = Interpreter()
    code = interp.parse(text)
    for names in many:
        interp.symtable.update(names)
        reused = refopt_value(interp, code)
        fresh = refopt_value(Interpreter(user_symbols=names), text)
        assert reused[0] == fresh[0]
        if reused[0] == "value":
            assert same(reused, fresh)
        else:
            assert type(reused[1]) is type(fresh[1]) and reused[1].msg == fresh[1].msg


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=30))
def test_long_sums_fold_left_like_python(values):
    text = " - ".join(f"({v})" for v in values) + " + 0.5"
    assert Interpreter().eval(text) == eval(text, {"__builtins__": {}})  # the oracle


@given(st.lists(numbers, min_size=2, max_size=6), st.lists(st.sampled_from(COMPARE[:6]), min_size=5, max_size=5))
def test_chained_comparisons_match_python(values, ops):
    names = {f"v{i}": v for i, v in enumerate(values)}
    text = " ".join(f"v{i}" + (f" {ops[i]}" if i < len(values) - 1 else "") for i in range(len(values)))
    assert Interpreter(user_symbols=names).eval(text) == eval(text, {"__builtins__": {}}, names)  # the oracle
