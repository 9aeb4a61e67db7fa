"""Worked examples, run by ``python -m refopt examples``.

Each module in this package defines functions named ``example_*``. Each takes no
arguments, runs one worked example and returns the text to print (its first docstring
line is the one-line heading). New modules are picked up without registering them anywhere.

The order is deliberate, so that a newcomer's first screen is a fit: a module sets its place
with a constant ``ORDER`` (a first fit 10, fitting with parameters 15, least squares with
bounds and losses 20-30, minimize 40-60, finite differences 70, expressions last at 100); a
module without one comes after all that set one below ``UNORDERED`` and before the rest, in
name order. Within a module, examples run in the order they are written.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator

UNORDERED = 90   # the place of a module that sets no ORDER


def module_order(module) -> tuple[float, str]:
    return getattr(module, "ORDER", UNORDERED), module.__name__


def iter_examples() -> Iterator[tuple[str, Callable[[], str]]]:
    """Yield ``(qualified name, function)`` for every example, in the modules' ORDER."""
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    for module in sorted(modules, key=module_order):
        short = module.__name__.rpartition(".")[2]
        functions = [f for name, f in vars(module).items()
                     if name.startswith("example_") and callable(f) and f.__module__ == module.__name__]
        for func in sorted(functions, key=lambda f: inspect.getsourcelines(f)[1]):
            yield f"{short}.{func.__name__}", func
