"""asteval 1.0's constructor and error model on refopt.expr (refopt.expr.compat).

The behaviours asteval's own test suite checks, restated as refopt's tests (asteval itself is
never imported): node switches, read-only symbols, the nested symbol table, ``print`` to the
writer, error records with the exception class, ``parse`` giving the syntax tree.
"""

from __future__ import annotations

import ast
import io

import numpy as np
import pytest

from refopt.expr import ExprError, Interpreter as RefoptInterpreter, SecurityError
from refopt.expr.compat import (ExceptionHolder, Group, Interpreter, NameFinder, get_ast_names,
                                make_symbol_table, valid_symbol_name)


def kind(interp) -> str | None:
    return interp.error[0].get_error()[0] if interp.error else None


def test_errors_are_recorded_with_the_exception_class():
    interp = Interpreter()
    assert interp("1/0") is None
    holder = interp.error[0]
    assert isinstance(holder, ExceptionHolder) and holder.exc is ZeroDivisionError
    assert holder.get_error()[1].endswith("ZeroDivisionError: division by zero")
    interp("x.__class__")
    assert kind(interp) == "AttributeError" and "no safe attribute" in interp.error[0].msg
    interp("'*' * (1 + 2 << 17)")
    assert kind(interp) == "RuntimeError"
    with pytest.raises(NameError):
        interp.run("undefined_name")  # run raises by default, as asteval's
    assert len(interp.error) == 1


def test_refopt_interpreter_keeps_raising_by_default():
    with pytest.raises(ExprError):
        RefoptInterpreter()("1/0")
    assert RefoptInterpreter(raise_errors=False)("1/0") is None


@pytest.mark.parametrize("cls", [Interpreter, RefoptInterpreter])
def test_node_switches(cls):
    interp = cls(no_ifexp=True, raise_errors=False)
    assert interp.node_handlers["ifexp"] == interp.unimplemented
    interp("y = 4 if 1 > 0 else -1")
    assert interp.error and interp.error[0].get_error()[0] in ("NotImplementedError", "SyntaxError")
    handler = interp.set_nodehandler("ifexp")
    assert handler != interp.unimplemented and interp("4 if 1 > 0 else -1") == 4
    minimal = cls(minimal=True, raise_errors=False)
    assert not minimal.config["ifexp"] and not minimal.config["augassign"]
    assert minimal("a = {'a': 1}\na['a']") == 1
    minimal("for i in range(3):\n    pass")
    assert minimal.error
    with pytest.raises(ValueError, match="import"):
        cls(with_import=True)
    assert cls(config={"ifexp": False}).config["ifexp"] is False


@pytest.mark.parametrize("nested", [False, True])
def test_readonly_and_reserved_symbols(nested):
    interp = Interpreter(usersyms={"a": 10, "b": 11, "x": 5}, nested_symtable=nested,
                         readonly_symbols={"a", "b"})
    for text in ("a = 20", "def b(): return 1", "a += 1", "del a", "[a for a in range(3)]",
                 "eval = 1", "__import__ = 2"):
        interp(text)
        assert kind(interp) == "NameError", text
    interp("x = 21")
    assert interp("(a, b, x)") == (10, 11, 21)
    locked = Interpreter(builtins_readonly=True)
    locked("def abs(v): return 2 * v")
    assert locked("abs(-8)") == 8


def test_nested_symbol_table():
    interp = Interpreter(nested_symtable=True)
    table = interp.symtable
    assert isinstance(table, Group) and isinstance(table.math, Group)
    assert interp("sqrt(4.0)") == 2.0  # found in the math search group
    interp("g = Group()\ng.items_ = [1, 2, 3, 4]\ndel g.items_[1:3]")
    assert interp("g.items_") == [1, 4] and not interp.error
    assert "Group" in repr(make_symbol_table(nested=True, name="mine"))
    assert "<caption>Group('mine')" in make_symbol_table(nested=True, name="mine")._repr_html_()


def test_print_goes_to_the_writer_and_type_gives_a_name():
    out = io.StringIO()
    interp = Interpreter(writer=out)
    interp("print('a', 1, sep='-')")
    assert out.getvalue() == "a-1\n"
    assert interp("type({})") == "dict"


def test_parse_gives_the_tree_and_names():
    interp = Interpreter()
    tree = interp.parse("z = x + y/3")
    assert isinstance(tree, ast.Module) and isinstance(tree.body[0], ast.Assign)
    assert get_ast_names(tree) == ["z", "x", "y"]
    finder = NameFinder()
    finder.generic_visit(interp.parse("cos(w)"))
    assert finder.names == ["cos", "w"]
    assert interp.dump(tree.body[0]).startswith("Assign")
    interp.symtable.update(x=3.0, y=6.0)
    interp.eval(tree)
    assert interp.symtable["z"] == 5.0
    assert interp.eval(ast.parse("x * 2")) == 6.0  # a tree made elsewhere


def test_valid_symbol_name():
    assert valid_symbol_name("amp_1") and valid_symbol_name("λ")
    for bad in ("1abc", "a b", "lambda", "eval", "__import__", "", "a-b"):
        assert not valid_symbol_name(bad)


def test_lmfit_style_error_checks():
    interp = Interpreter()
    interp.error, interp.error_msg = [], None
    code = interp.parse("amp * 2")
    assert not interp.error
    interp.symtable["amp"] = 1.5
    assert interp(code) == 3.0
    del interp.symtable["amp"]
    interp(code)
    assert interp.error_msg == "name 'amp' is not defined"
    with pytest.raises(NameError, match="amp"):
        interp.raise_exception(None)


def test_unsafe_attribute_assignment_message():
    holder = type("Holder", (), {})()
    interp = Interpreter(symtable=make_symbol_table(obj=holder))
    interp("obj.__private__ = 1")
    assert kind(interp) == "AttributeError"
    assert "cannot assign to unsafe attribute __private__" in interp.error[0].msg
    assert not hasattr(holder, "__private__")
    with pytest.raises(SecurityError):
        RefoptInterpreter(user_symbols={"obj": holder}).eval("obj.func_globals = 1")


def test_host_arrays_are_sealed_in_compat_too():
    data = np.arange(3.0)
    interp = Interpreter(usersyms={"data": data}, nested_symtable=True)
    interp("data[0] = 9")
    assert kind(interp) == "ValueError" and data[0] == 0.0
