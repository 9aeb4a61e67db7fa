"""asteval's own tests of its interface, restated by hand for refopt.expr.compat.

Each test here follows one of asteval 1.0.10's (``tests/test_asteval.py``; the name is given)
in what it checks, with its own expressions and with expected values worked out by hand or by
plain Python -- never recorded from an asteval run; asteval is not imported. The whole of
asteval's suite runs with ``python -m refopt upstream asteval PATH`` (chapter 30 lists the 12
tests that differ on purpose). Most tests run on both symbol tables, flat and nested.
"""

from __future__ import annotations

import io
import math
from functools import partial

import numpy as np
import pytest

from refopt.expr.compat import Interpreter, make_symbol_table

NESTED = pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])


def quiet(**kws) -> Interpreter:
    """An interpreter whose output and error text go to buffers (``.out``, ``.err``)."""
    out, err = io.StringIO(), io.StringIO()
    interp = Interpreter(writer=out, err_writer=err, **kws)
    interp.out, interp.err = out, err
    return interp


def kind(interp) -> str | None:
    return interp.error[0].get_error()[0] if interp.error else None


@NESTED
def test_run_takes_text_or_a_parsed_tree(nested):  # test_interpreter_run
    interp = quiet(nested_symtable=nested)
    interp("a = 12")
    interp.run("b = a * 3")
    assert interp.symtable["b"] == 36
    tree = interp.parse("c = b - a")
    interp.eval(tree)
    assert interp.symtable["c"] == 24
    assert interp.run(interp.parse("c / 8")) == 3.0


@NESTED
def test_the_value_of_the_last_expression_is_returned(nested):  # test_exit_value
    interp = quiet(nested_symtable=nested)
    assert interp("x = 5\ny = 10\ny == x + x") is True
    assert interp("x = 7\nx") == 7
    assert interp("def f(): return 6 * 7\nf()") == 42
    assert interp("z = 1") is None  # a text ending in a statement has no value


@NESTED
def test_user_defined_symbols(nested):  # test_get_user_symbols
    interp = quiet(nested_symtable=nested)
    interp("p = 1.5\nq = 'text'\ndef r(): return 0")
    found = interp.user_defined_symbols()
    assert {"p", "q", "r"} <= found
    assert not found & {"sqrt", "pi", "print", "foo"}


@NESTED
def test_custom_symbol_table_with_host_functions(nested):  # test_custom_symtable
    def sind(x):
        return np.sin(np.radians(x))

    def cosd(x):
        return np.cos(np.radians(x))

    table = make_symbol_table(sind=sind, cosd=cosd, nested=nested, name="degrees")
    interp = Interpreter(symtable=table)
    interp("s = sind(30)\nc = cosd(60)\nboth = sind(90) + cosd(0)")
    assert interp.symtable["s"] == pytest.approx(0.5, abs=1e-15)
    assert interp.symtable["c"] == pytest.approx(0.5, abs=1e-15)
    assert interp.symtable["both"] == pytest.approx(2.0, abs=1e-15)
    assert interp.symtable is table


@NESTED
def test_numpy_aliases_are_in_a_made_table(nested):  # test_numpy_renames_in_custom_symtable
    table = make_symbol_table(nested=nested)
    assert table.get("ln") is not None and table.get("asin") is not None
    interp = Interpreter(symtable=table)
    assert interp("ln(e)") == pytest.approx(1.0, abs=1e-15)
    assert interp("asin(1.0)") == pytest.approx(math.pi / 2, abs=1e-15)


def test_minimal_and_read_only_builtins():  # test_minimal, test_readonly_symbols
    interp = quiet(minimal=True, builtins_readonly=True)
    assert interp("d = {'u': 3, 'v': 4}\nd['u'] * d['v']") == 12
    interp("sqrt = 2")
    assert kind(interp) == "NameError" and callable(interp.symtable["sqrt"])
    interp("n = 1\nn += 1")
    assert kind(interp) == "NotImplementedError"
    interp("[k for k in range(3)]")
    assert kind(interp) == "NotImplementedError"


@NESTED
def test_a_failing_partial_records_its_error(nested):  # test_partial_exception
    interp = quiet(symtable=make_symbol_table(root=partial(math.sqrt), nested=nested))
    assert interp("root(16)") == 4.0
    assert interp("root(-1)") is None
    assert interp.error.pop().exc is ValueError


@NESTED
def test_one_failure_one_error_record(nested):  # test_no_duplicate_exception
    interp = quiet(nested_symtable=nested)
    interp.run("print(undefined)", with_raise=False)
    assert [h.exc for h in interp.error] == [NameError]
    interp.error = []
    interp("print(undefined)", raise_errors=False)
    assert [h.exc for h in interp.error] == [NameError]


@NESTED
def test_raised_errors_have_the_python_class(nested):  # test_raise_errors_unknown_symbol
    interp = quiet(nested_symtable=nested)
    with pytest.raises(NameError):
        interp.run("not_defined_anywhere", with_raise=True)
    assert [h.exc for h in interp.error] == [NameError]
    with pytest.raises(ZeroDivisionError) as info:
        interp("7 // 0", raise_errors=True)
    assert str(info.value).splitlines()[-1] == "ZeroDivisionError: integer division or modulo by zero"


@NESTED
def test_eval_signature_and_error_msg(nested):
    interp = quiet(nested_symtable=nested)
    assert interp.eval("1/0", 0, False, False) is None  # (expr, lineno, show_errors, raise_errors)
    assert interp.error_msg == "division by zero" and interp.err.getvalue() == ""
    assert interp.eval("2 + 2") == 4 and interp.error_msg is None and interp.error == []
    interp("1/0")  # asteval's eval shows errors that it does not raise
    assert interp.err.getvalue().splitlines()[-1] == "ZeroDivisionError: division by zero"


def test_statement_length_limit():  # test_verylong_strings
    interp = quiet(max_statement_length=30)
    text = " + ".join(["1"] * 10)  # 37 characters
    assert interp(text) is None and kind(interp) == "RuntimeError"
    assert "exceeds 30 characters" in interp.error[0].msg
    assert interp("+".join(["1"] * 15)) == 15  # 29 characters
    assert quiet()(" + ".join(["1"] * 10)) == 10  # the default is 50 000


def test_print_goes_to_the_writer():  # test_stringio, test_print
    interp = quiet()
    interp("print('out', 2 * 3)\nprint('x', 'y', sep='|', end='!')")
    assert interp.out.getvalue() == "out 6\nx|y!"
    assert interp.err.getvalue() == ""


@NESTED
def test_named_exception_in_except(nested):  # test_naming_exceptions
    interp = quiet(nested_symtable=nested)
    interp("try:\n    3 + 'a'\nexcept Exception as problem:\n    print(problem)", raise_errors=True)
    assert "unsupported operand" in interp.out.getvalue()
    assert interp.error == []


@NESTED
def test_augmented_assignment_error_has_its_line(nested):  # test_augassign_lineno
    interp = quiet(nested_symtable=nested)
    interp("x = 4\ny = 2\nx %= 0")
    assert kind(interp) == "ZeroDivisionError" and interp.error[0].lineno == 3
    assert "x %= 0" in interp.error[0].get_error()[1]


@NESTED
def test_lambda_survives_its_own_errors(nested):  # test_lambda_exception_cleared
    interp = quiet(nested_symtable=nested)
    inverse = interp("lambda t: 1.0 / t")
    assert inverse(4) == 0.25
    with pytest.raises(ZeroDivisionError):
        inverse(0)
    assert inverse(8) == 0.125


@NESTED
def test_exiting_exceptions_cannot_be_raised(nested):  # test_exiting_exceptions
    interp = quiet(nested_symtable=nested)
    for text, expected in (("raise SystemExit", "NameError"), ("raise GeneratorExit", "NameError"),
                           ("raise KeyboardInterrupt", "RuntimeError"),
                           ("raise BaseException", "RuntimeError")):
        interp("x = 1")
        interp(text)
        assert kind(interp) == expected, text
    assert interp("x + 1") == 2  # still usable


@NESTED
def test_chained_and_array_comparisons(nested):  # test_chained_compparisons, test_array_compparisons
    interp = quiet(nested_symtable=nested)
    assert interp("a, b, c = 2, 3, 4\na < b < c") is True
    assert interp("a < b > c") is False
    assert interp("1 < 2 < 3 <= 3 != 4") is True
    result = interp("v = arange(6)\n(v > 1) & (v <= 4)")
    assert result.tolist() == [False, False, True, True, True, False]
    assert interp("sum(v[v % 2 == 0])") == 0 + 2 + 4


@NESTED
def test_comprehensions_unpack_and_do_not_leak(nested):  # test_comprehension_tuple_unpacking, _no_leak
    interp = quiet(nested_symtable=nested)
    assert interp("[k * v for k, v in [(1, 2), (3, 4), (5, 6)]]") == [2, 12, 30]
    assert interp("{k: v for (k, v) in zip('ab', (7, 8))}") == {"a": 7, "b": 8}
    interp("k = 'kept'\n[k for k in range(4)]")
    assert interp.symtable["k"] == "kept"


@NESTED
def test_nested_break_and_inner_return(nested):  # test_nested_break, test_inner_return
    interp = quiet(nested_symtable=nested)
    text = ("pairs = []\nfor i in range(4):\n    for j in range(4):\n        if j > i:\n"
            "            break\n        pairs.append((i, j))\nlen(pairs)")
    assert interp(text) == 1 + 2 + 3 + 4
    text = ("def first_square_above(n):\n    for i in range(100):\n        if i * i > n:\n"
            "            return i\n    return -1\nfirst_square_above(50)")
    assert interp(text) == 8


@NESTED
def test_type_gives_a_name(nested):  # test_type_returns_string
    interp = quiet(nested_symtable=nested)
    assert interp("type(1.5)") == "float" and interp("type([])") == "list"
    assert interp("type(arange(2))") == "ndarray"


@NESTED
def test_unsafe_format_spec_is_refused(nested):  # test_unsafe_format_string_access
    class Template:  # a host object whose __format__ reads fields, as str.format does
        secret = "host data"

        def __format__(self, spec):
            return spec.format(self)

    interp = quiet(nested_symtable=nested, usersyms={"tpl": Template()})
    # \x7B and \x7D are braces in the spec's text, not a nested replacement field
    for text in (r"""f"{dict:'\x7B__fstring__.__class__.x\x7D'}" """, r"""f"{tpl:\x7B0.__class__\x7D}" """):
        interp(text)
        assert kind(interp) == "AttributeError" and "no safe attribute" in interp.error[0].msg
    assert interp(r"""f"{tpl:\x7B0.secret\x7D}" """) == "host data"  # a safe field is the host's business
    assert interp("f'{3.14159:.2f}|{7:>3}'") == "3.14|  7"
