"""Every function in refopt.lsq takes at most 8 positional parameters (issue 12): a longer
call is read by counting commas; such parameters belong in a record or behind ``*``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import refopt.lsq

MAX_POSITIONAL = 8
# scipy's public signatures, positional by contract (a caller may pass every argument in order)
SCIPY_FACES = {"refopt.lsq.least_squares", "refopt.lsq.curve_fit.curve_fit",
               "refopt.lsq.leastsq.leastsq"}
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def lsq_modules():
    names = ["refopt.lsq"] + [f"refopt.lsq.{m.name}" for m in pkgutil.iter_modules(refopt.lsq.__path__)]
    return [importlib.import_module(name) for name in names]


def functions_of(module):
    """The functions and methods defined in ``module`` (not those it imports)."""
    for name, obj in vars(module).items():
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if isinstance(member, (classmethod, staticmethod)):
                    member = member.__func__
                if inspect.isfunction(member):
                    yield f"{name}.{attr}", member


def positional_count(function) -> int:
    params = list(inspect.signature(function).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return sum(p.kind in POSITIONAL for p in params)


def test_the_search_finds_the_solvers_and_the_scipy_faces():
    names = {f"{m.__name__}.{n}" for m in lsq_modules() for n, _ in functions_of(m)}
    assert {"refopt.lsq.trf.trf", "refopt.lsq.dogbox.dogbox", "refopt.lsq.lm.lmpar",
            "refopt.lsq.trf.Iteration.trial"} | SCIPY_FACES <= names


@pytest.mark.parametrize("module", lsq_modules(), ids=lambda m: m.__name__)
def test_no_function_takes_more_than_eight_positional_parameters(module):
    too_long = {name: positional_count(f) for name, f in functions_of(module)
                if positional_count(f) > MAX_POSITIONAL
                and f"{module.__name__}.{name}" not in SCIPY_FACES}
    assert not too_long, too_long
