"""Bad inputs give errors with the message, the offending line and a caret at the column;
the interpreter stays usable afterwards. Also the symbol table and the parse/run interface."""

from __future__ import annotations

import io

import numpy as np
import pytest

from refopt.expr import (Compiled, EvalError, ExprError, ExprNameError, ExprSyntaxError,
                         Interpreter, LimitError, SecurityError, make_symbol_table)


def caret_column(err: ExprError) -> int:
    return len(err.caret) - len(err.caret.lstrip())


@pytest.mark.parametrize("text, kind, column, width", [
    ("a +* 2", ExprSyntaxError, 3, 1),          # Python's parser points at the '*'
    ("x = (1,", ExprSyntaxError, 4, None),     # the span is the parser's own
    ("1 + zz", ExprNameError, 4, 2),
    ("1 + unknown_function(2)", ExprNameError, 4, 16),
    ("1 / 0 + 3", EvalError, 0, 5),
    ("sqrt(1, 2, 3)", EvalError, 0, 13),
    ("[1, 2][5]", EvalError, 0, 9),
    ("y = 1 + (2).__class__", SecurityError, 8, 13),
    ("2 + 10 ** 20000", LimitError, 4, 11),
])
def test_error_has_message_text_and_caret(text, kind, column, width):
    interp = Interpreter()
    with pytest.raises(kind) as info:
        interp.eval(text)
    err = info.value
    assert err.msg and err.text == text.splitlines()[0]
    assert caret_column(err) == column and (width is None or err.caret.count("^") == width)
    assert err.offset == column + 1 and err.lineno == 1
    assert str(err).splitlines() == [err.msg, "    " + err.text, "    " + err.caret]
    assert interp.eval("2 * 21") == 42  # still usable


def test_errors_subclass_the_python_exceptions_they_stand_for():
    interp = Interpreter()
    with pytest.raises(NameError):
        interp.eval("missing")
    with pytest.raises(SyntaxError):
        interp.eval("1 +")
    with pytest.raises(ZeroDivisionError) as info:
        interp.eval("1 // 0")
    assert isinstance(info.value, EvalError) and isinstance(info.value.exc, ZeroDivisionError)
    with pytest.raises(RuntimeError):  # LimitError is a RuntimeError, as asteval's limits are
        interp.eval("'x' * 10**9")


def test_wrong_argument_counts_of_expression_functions():
    interp = Interpreter()
    interp.eval("def f(a, b, *, c=1):\n    return a + b + c")
    cases = {
        "f(1)": "f() missing 1 required positional argument: 'b'",
        "f(1, 2, 3)": "f() takes 2 positional arguments but 3 were given",
        "f(1, 2, d=4)": "f() got an unexpected keyword argument 'd'",
        "f(1, 2, a=4)": "f() got multiple values for argument 'a'",
    }
    for text, message in cases.items():
        with pytest.raises(TypeError) as info:
            interp.eval(text)
        assert info.value.msg == message and info.value.caret.strip() == "^" * len(text)
        assert interp.eval("f(1, 2)") == 4


def test_error_in_a_later_line_points_at_that_line():
    interp = Interpreter()
    with pytest.raises(ExprNameError) as info:
        interp.eval("x = 1\ny = x + 2\nz = y * nope")
    err = info.value
    assert err.lineno == 3 and err.text == "z = y * nope" and caret_column(err) == 8


def test_error_inside_a_function_points_into_its_body():
    interp = Interpreter()
    with pytest.raises(ZeroDivisionError) as info:
        interp.eval("def f(t):\n    return t / 0\nf(2)")
    assert info.value.lineno == 2 and info.value.text == "    return t / 0"


def test_get_error_has_asteval_layout():
    interp = Interpreter()
    with pytest.raises(ExprNameError) as info:
        interp.eval("x = undefined_name + 1")
    name, text = info.value.get_error()
    assert name == "NameError"
    assert text.splitlines() == ["x = undefined_name + 1", "    ^^^^^^^^^^^^^^",
                                 "NameError: name 'undefined_name' is not defined"]


def test_raise_errors_false_returns_none_and_records():
    out = io.StringIO()
    interp = Interpreter(raise_errors=False, show_errors=True, err_writer=out)
    assert interp.eval("1 +* 2") is None
    assert isinstance(interp.error[0], ExprSyntaxError) and interp.error_msg == "invalid syntax"
    assert "SyntaxError: invalid syntax" in out.getvalue()
    assert interp.eval("1 + 1") == 2 and interp.error == [] and interp.error_msg is None
    assert interp.parse("zz +") is None and interp.error
    with pytest.raises(ExprNameError):
        interp.eval("zz", raise_errors=True)


def test_parse_refuses_non_text_and_run_refuses_non_code():
    interp = Interpreter()
    with pytest.raises(TypeError):
        interp.parse(3)
    with pytest.raises(TypeError):
        interp.run(3)
    assert interp.run("1 + 1") == 2  # text is parsed first, as asteval's run does
    with pytest.raises(TypeError, match="max_steps"):
        Interpreter(max_stepz=3)


# --------------------------------------------------------------------------- the interface
def test_parse_once_run_many_and_names():
    interp = Interpreter(user_symbols={"amp_1": 0.5, "wid_1": 0.2})
    code = interp.parse("(2.0 - amp_1**2) + sqrt(pi) * wid_1")
    assert isinstance(code, Compiled) and code.names == {"amp_1", "sqrt", "pi", "wid_1"}
    values = []
    for amp in (0.0, 0.5, 1.0):
        interp.symtable["amp_1"] = amp
        values.append(interp.run(code))
    assert values == [2.0 - a ** 2 + np.sqrt(np.pi) * 0.2 for a in (0.0, 0.5, 1.0)]
    assert interp.eval(code) == interp(code) == values[-1]


def test_symtable_is_a_flat_dict_and_callables_assigned_become_callable():
    interp = Interpreter()
    assert isinstance(interp.symtable, dict)

    def lorentzian(x, amp, cen, wid):
        return amp / (1 + ((x - cen) / wid) ** 2)

    interp.symtable["lorentzian"] = lorentzian
    assert interp.eval("lorentzian(1.0, 2.0, 1.0, 0.5)") == 2.0
    interp.eval("new_value = 3")
    assert interp.symtable["new_value"] == 3
    assert interp.user_defined_symbols() == {"lorentzian", "new_value"}


def test_given_symtable_is_used_as_is():
    table = {"k": 2}
    interp = Interpreter(symtable=table, user_symbols={"m": 3})
    assert interp.eval("k * m") == 6 and table["m"] == 3
    with pytest.raises(ExprNameError):
        interp.eval("sqrt(4)")  # no defaults were added
    full = make_symbol_table(extra=5)
    assert full["extra"] == 5 and "sqrt" in full and "eval" not in full and "open" not in full


def test_interpreter_stays_usable_after_every_kind_of_failure():
    interp = Interpreter(max_steps=500)
    for bad in ("1 +", "nope", "().__class__", "while True: pass", "1/0", "def f():\n    return f()\nf()"):
        with pytest.raises(ExprError):
            interp.eval(bad)
        assert interp.eval("sum([i for i in range(10)])") == 45
    assert interp.eval("def g(n):\n    return n\ng(3)") == 3


@pytest.mark.parametrize("text, column", [("v and 1", 0), ("1 if v else 2", 5), ("if v:\n    x = 1", 3),
                                          ("[*5]", 1), ("max(*5)", 4)])
def test_errors_outside_operators_are_located_too(text, column):
    interp = Interpreter(user_symbols={"v": np.arange(3)})
    with pytest.raises(EvalError) as info:
        interp.eval(text)
    assert caret_column(info.value) == column and info.value.lineno == 1


def test_limits_are_settable_per_interpreter():
    small = Interpreter(max_steps=10, max_str_len=5, max_exponent=3, max_depth=4)
    with pytest.raises(LimitError):
        small.eval("for i in range(11):\n    pass")
    assert small.eval("for i in range(9):\n    pass\ni") == 8
    with pytest.raises(LimitError):
        small.eval("'abc' + 'def'")
    with pytest.raises(LimitError):
        small.eval("2 ** 4")
    with pytest.raises(LimitError):
        small.eval("f(g(h(1)))")
    assert Interpreter().limits.max_steps == 100_000


def test_show_errors_per_call():
    out = io.StringIO()
    interp = Interpreter(raise_errors=False, err_writer=out)
    assert interp.eval("zz", show_errors=True) is None
    assert "NameError: name 'zz' is not defined" in out.getvalue()
    assert interp.eval("yy") is None and "yy" not in out.getvalue() and not interp.show_errors
