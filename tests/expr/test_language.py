"""The language: operators, containers, calls, the manual's functions, and the statements.

Expected values are Python's own semantics written out by hand (or math's functions), so each
test states a known answer independently of the evaluator.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from refopt.expr import Interpreter


@pytest.fixture
def interp():
    return Interpreter(user_symbols={"a": 2.0, "b": 3, "s": "text", "v": np.array([1.0, 2.0, 3.0])})


@pytest.mark.parametrize("text, expected", [
    ("7 + 2", 9), ("7 - 2", 5), ("7 * 2", 14), ("7 / 2", 3.5), ("7 ** 2", 49), ("7 // 2", 3),
    ("-7 // 2", -4), ("7 % 3", 1), ("-7 % 3", 2), ("6 & 3", 2), ("6 | 3", 7), ("6 ^ 3", 5),
    ("1 << 4", 16), ("16 >> 2", 4), ("~5", -6), ("-b", -3), ("+b", 3),
    ("True and 0", 0), ("0 or 'x'", "x"), ("not 0", True), ("1 == 1.0", True), ("1 != 2", True),
    ("1 < 2", True), ("2 <= 2", True), ("3 > 2", True), ("2 >= 3", False),
    ("None is None", True), ("b is not None", True), ("2 in (1, 2)", True), ("4 not in [1, 2]", True),
    ("1 < 2 < 3", True), ("1 < 3 < 2", False), ("3 > 2 == 2 >= 1", True),
    ("a if b > 2 else 0", 2.0), ("a if b > 5 else 0", 0),
    ("2 ** -1", 0.5), ("(-8) ** 2", 64), ("2 ** 3 ** 2", 512), ("-2 ** 2", -4),
    ("'ab' * 2", "abab"), ("[1] + [2]", [1, 2]), ("'%s-%d' % ('x', 3)", "x-3"),
])
def test_operators(interp, text, expected):
    got = interp.eval(text)
    assert got == expected and type(got) is type(expected)


def test_matrix_product_and_array_arithmetic(interp):
    assert interp.eval("v @ v") == 14.0
    np.testing.assert_array_equal(interp.eval("2 * v + 1"), [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(interp.eval("v[v > 1.5]"), [2.0, 3.0])


@pytest.mark.parametrize("text, expected", [
    ("(1, 2)", (1, 2)), ("[1, *[2, 3]]", [1, 2, 3]), ("{1, 2, 2}", {1, 2}),
    ("{'k': 1, **{'j': 2}}", {"k": 1, "j": 2}), ("()", ()), ("{}", {}),
    ("[1, 2, 3][1]", 2), ("[1, 2, 3][-1]", 3), ("[1, 2, 3, 4][1:3]", [2, 3]), ("'abcdef'[::2]", "ace"),
    ("{'k': 5}['k']", 5), ("s[1:]", "ext"), ("[[1, 2], [3, 4]][1][0]", 3),
    ("f'{a:.2f}|{b!r}|{s:>6}'", "2.00|3|  text"), ("f'{b * 2}'", "6"),
])
def test_containers_subscripts_and_strings(interp, text, expected):
    assert interp.eval(text) == expected


def test_numpy_extended_slices(interp):
    interp.symtable["m"] = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(interp.eval("m[1:, ::2]"), [[4.0, 6.0], [8.0, 10.0]])
    np.testing.assert_array_equal(interp.eval("m[:, -1]"), [3.0, 7.0, 11.0])


def test_calls_with_keywords_and_spreads(interp):
    assert interp.eval("round(2.567, ndigits=1)") == 2.6
    assert interp.eval("max(*[1, 5, 2])") == 5
    assert interp.eval("sorted([3, 1, 2], reverse=True)") == [3, 2, 1]
    assert interp.eval("dict(**{'x': 1}, y=2)") == {"x": 1, "y": 2}
    assert interp.eval("'a,b'.split(',')") == ["a", "b"]


# the function list of the lmfit 0.5 manual, section 5.2 (log1p is spelled 'loglp' there)
MANUAL_FUNCTIONS = {
    "abs": (-2.5,), "acos": (0.5,), "acosh": (2.0,), "asin": (0.5,), "asinh": (0.5,), "atan": (0.5,),
    "atan2": (1.0, 2.0), "atanh": (0.5,), "ceil": (1.2,), "copysign": (1.0, -2.0), "cos": (0.5,),
    "cosh": (0.5,), "degrees": (1.0,), "exp": (0.5,), "fabs": (-1.5,), "factorial": (5,),
    "floor": (1.7,), "fmod": (7.5, 2.0), "frexp": (8.0,), "fsum": ([0.1] * 10,), "hypot": (3.0, 4.0),
    "isinf": (math.inf,), "isnan": (math.nan,), "ldexp": (1.5, 3), "log": (2.0,), "log10": (100.0,),
    "log1p": (1e-10,), "max": (1, 3), "min": (1, 3), "modf": (2.5,), "pow": (2.0, 3.0),
    "radians": (180.0,), "sin": (0.5,), "sinh": (0.5,), "sqrt": (2.0,), "tan": (0.5,), "tanh": (0.5,),
    "trunc": (-2.7,),
}


@pytest.mark.parametrize("name", sorted(MANUAL_FUNCTIONS))
def test_manual_functions_agree_with_math(name):
    args = MANUAL_FUNCTIONS[name]
    reference = getattr(math, name, None) or {"abs": abs, "max": max, "min": min}[name]
    interp = Interpreter(user_symbols={"args": args})
    got, want = interp.eval(f"{name}(*args)"), reference(*args)
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=1e-15)


def test_manual_constants_and_aliases():
    interp = Interpreter()
    assert interp.eval("e") == math.e and interp.eval("pi") == math.pi
    assert interp.eval("ln(e)") == 1.0
    assert interp.eval("(inf, isnan(nan))") == (math.inf, True)


def test_numpy_array_functions_under_their_usual_names():
    interp = Interpreter()
    np.testing.assert_allclose(interp.eval("linspace(0, 1, 5)"), np.linspace(0, 1, 5))
    assert interp.eval("sum(arange(5))") == 10
    np.testing.assert_allclose(interp.eval("sqrt(array([4.0, 9.0]))"), [2.0, 3.0])
    assert interp.eval("mean(array([1.0, 2.0, 6.0]))") == 3.0
    np.testing.assert_array_equal(interp.eval("where(arange(4) > 1, 1, 0)"), [0, 0, 1, 1])
    assert interp.eval("dot(ones(3), arange(3.0))") == 3.0
    assert interp.eval("zeros((2, 3)).shape") == (2, 3)


def test_numpy_functions_can_be_left_out():
    interp = Interpreter(use_numpy=False)
    assert "linspace" not in interp.symtable and interp.eval("sqrt(16)") == 4.0


# --------------------------------------------------------------------------- statements
def test_assignment_forms():
    interp = Interpreter()
    interp.eval("x = y = 2\na, (b, c) = 1, (2, 3)\nfirst, *rest = [1, 2, 3, 4]\n*init, last = 'abc'")
    t = interp.symtable
    assert (t["x"], t["y"], t["a"], t["b"], t["c"]) == (2, 2, 1, 2, 3)
    assert t["first"] == 1 and t["rest"] == [2, 3, 4] and t["init"] == ["a", "b"] and t["last"] == "c"
    interp.eval("x += 3\nx *= 2\nx -= 1\nx //= 3\nx **= 2\nx %= 5\nd = {'k': [1]}\nd['k'] += [2]\nd['k'][0] -= 10")
    assert t["x"] == 4 and t["d"] == {"k": [-9, 2]}
    interp.eval("w: float = 1.5")
    assert t["w"] == 1.5


def test_augmented_assignment_is_in_place_like_python():
    interp = Interpreter()
    interp.eval("u = [1]\nalias = u\nu += [2]")
    assert interp.symtable["alias"] == [1, 2]


def test_if_elif_else():
    code = Interpreter().parse("if n < 0:\n    r = 'neg'\nelif n == 0:\n    r = 'zero'\nelse:\n    r = 'pos'\nr")
    interp = Interpreter()
    results = []
    for n in (-1, 0, 1):
        interp.symtable["n"] = n
        results.append(interp.run(code))
    assert results == ["neg", "zero", "pos"]


def test_for_and_while_loops_with_break_continue_else():
    interp = Interpreter()
    assert interp.eval("t = 0\nfor i in range(10):\n    if i % 2:\n        continue\n    if i > 6:\n        break\n    t += i\nt") == 12
    assert interp.eval("for i in []:\n    pass\nelse:\n    done = 1\ndone") == 1
    assert interp.eval("n = 0\nwhile n < 5:\n    n += 1\nelse:\n    n = n * 10\nn") == 50
    assert interp.eval("n = 0\nwhile True:\n    n += 1\n    if n == 7:\n        break\nn") == 7


def test_def_return_defaults_varargs_keywords():
    interp = Interpreter()
    interp.eval(
        "def f(x, y=2, *rest, scale=1, **extra):\n"
        "    'docstring'\n"
        "    return (x + y + sum(rest)) * scale, extra\n")
    assert interp.eval("f(1)") == (3, {})
    assert interp.eval("f(1, 2, 3, 4, scale=2, tag='t')") == (20, {"tag": "t"})
    assert interp.eval("f(y=5, x=1)") == (6, {})
    assert interp.eval("def g():\n    pass\ng()") is None
    assert interp.eval("def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\nfact(10)") == 3628800


def test_closures_and_local_scope():
    interp = Interpreter()
    interp.eval("k = 10\ndef outer(m):\n    def inner(z):\n        return z * m + k\n    return inner\nh = outer(3)")
    assert interp.eval("h(2)") == 16
    interp.eval("def set_local():\n    k = 99\n    return k")
    assert interp.eval("set_local()") == 99 and interp.symtable["k"] == 10


def test_procedures_are_callable_from_the_host_and_by_numpy():
    interp = Interpreter()
    square = interp.eval("def square(t):\n    return t * t\nsquare")
    assert square(4) == 16 and repr(square) == "<Procedure square(t)>"
    assert interp.eval("sorted([-3, 1, -2], key=lambda q: q * q)") == [1, -2, -3]
    assert interp.eval("list(map(square, [1, 2]))") == [1, 4]
    with pytest.raises(TypeError, match="read-only"):
        square.x = 1


def test_comprehensions_do_not_leak_their_variables():
    interp = Interpreter()
    assert interp.eval("[i * j for i in range(3) for j in range(2) if i]") == [0, 1, 0, 2]
    assert interp.eval("{i % 3 for i in range(10)}") == {0, 1, 2}
    assert interp.eval("{k: v for k, v in zip('ab', (1, 2))}") == {"a": 1, "b": 2}
    assert interp.eval("sum(i * i for i in range(4))") == 14
    assert "i" not in interp.symtable and "k" not in interp.symtable


def test_try_except_else_finally_raise_assert_del():
    interp = Interpreter()
    source = (
        "log = []\n"
        "for d in (0, 2):\n"
        "    try:\n"
        "        q = 1 / d\n"
        "    except (ValueError, ZeroDivisionError) as err:\n"
        "        log.append(isinstance(err, ZeroDivisionError))\n"
        "    else:\n"
        "        log.append(q)\n"
        "    finally:\n"
        "        log.append('f')\n"
        "log")
    assert interp.eval(source) == [True, "f", 0.5, "f"]
    assert interp.eval("try:\n    undefined_thing\nexcept NameError:\n    r = 'caught'\nr") == "caught"
    assert interp.eval("try:\n    raise ValueError('bad')\nexcept ValueError as e:\n    m = e.args[0]\nm") == "bad"
    assert interp.eval("try:\n    assert 1 > 2, 'no'\nexcept AssertionError as e:\n    m = str(e)\nm") == "no"
    interp.eval("gone = 1\ndel gone")
    assert "gone" not in interp.symtable
    with pytest.raises(ValueError):
        interp.eval("raise ValueError('out')")


def test_pass_and_docstring_only_text():
    interp = Interpreter()
    assert interp.eval("pass") is None and interp.eval("") is None and interp.eval("x = 1") is None


def test_docstring_examples_run():
    import doctest

    import refopt.expr
    import refopt.expr.interpreter
    for module in (refopt.expr, refopt.expr.interpreter):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0
