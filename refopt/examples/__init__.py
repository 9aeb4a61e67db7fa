"""Worked examples, run by ``python -m refopt examples``.

Each module in this package defines functions named ``example_*``. Each takes no
arguments, runs one worked example and returns the text to print (its first docstring
line is the title). New modules are picked up without registering them anywhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator


def iter_examples() -> Iterator[tuple[str, Callable[[], str]]]:
    """Yield ``(qualified name, function)`` for every example, modules in name order."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name in sorted(vars(module)):
            func = getattr(module, name)
            if name.startswith("example_") and callable(func):
                yield f"{info.name}.{name}", func
