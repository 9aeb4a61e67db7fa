"""``python -m refopt examples``: the deliberate order, one-line headings, whole messages."""

from __future__ import annotations

import importlib
import types

import refopt.examples as examples
from refopt.__main__ import main


def test_the_first_example_is_a_fit_and_expressions_come_last():
    names = [name for name, _ in examples.iter_examples()]
    modules = list(dict.fromkeys(name.split(".")[0] for name in names))
    assert names[0] == "curve_fit.example_first_fit"
    assert modules.index("least_squares") < modules.index("minimize") < modules.index("finite_differences")
    assert modules[-1] == "expressions"


def test_examples_within_a_module_run_in_the_order_they_are_written():
    names = [name for name, _ in examples.iter_examples() if name.startswith("least_squares.")]
    assert names[:2] == ["least_squares.example_rosenbrock", "least_squares.example_rosenbrock_bounded"]


def test_a_new_module_without_order_is_appended_before_the_expressions(monkeypatch):
    module = types.ModuleType("refopt.examples.zz_new")
    module.example_new = lambda: "new"
    module.example_new.__module__ = module.__name__
    real = importlib.import_module
    monkeypatch.setattr(examples.pkgutil, "iter_modules",
                        lambda path: [types.SimpleNamespace(name=n) for n in ("zz_new", "expressions", "curve_fit")])
    monkeypatch.setattr(examples.importlib, "import_module",
                        lambda name: module if name == module.__name__ else real(name))
    modules = list(dict.fromkeys(name.split(".")[0] for name, _ in examples.iter_examples()))
    assert modules == ["curve_fit", "zz_new", "expressions"]


def test_every_example_has_a_one_line_heading():
    for name, func in examples.iter_examples():
        assert func.__doc__ and func.__doc__.strip().splitlines()[0], name


def test_the_first_screen_is_a_fit_and_no_message_is_cut(capsys):
    assert main(["examples", "curve_fit", "levenberg_marquardt"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== curve_fit.example_first_fit: A first fit")
    # leastsq's message 8 spans two lines in scipy's wording; the whole of it is printed
    assert "func(x) is orthogonal to the columns of the Jacobian to machine precision." in out
