"""User callbacks, shared by least_squares and minimize.

A user may write ``callback(xk)`` (the old form, handed a copy of the current point) or
``callback(intermediate_result)`` (the new form, handed an :class:`OptimizeResult`); the
form is read from the signature, as scipy does. Solvers call :func:`call_callback_maybe_halt`,
which reports whether the user asked to stop.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ._result import OptimizeResult

Callback = Callable[[OptimizeResult], Any]


def wrap_callback(callback: Callable[..., Any] | None) -> Callback | None:
    """Return a function of one ``OptimizeResult`` that calls the user's callback in its form."""
    if callback is None:
        return None
    if not callable(callback):
        raise TypeError("`callback` must be callable.")
    try:
        parameters = set(inspect.signature(callback).parameters)
    except (TypeError, ValueError):  # some builtins have no signature: use the old form
        parameters = set()
    if parameters == {"intermediate_result"}:
        return lambda result: callback(intermediate_result=result)
    return lambda result: callback(np.copy(result["x"]))


def call_callback_maybe_halt(callback: Callback | None, result: OptimizeResult,
                             stop_on_true: bool = False) -> bool:
    """Call ``callback(result)``; True when the user asked to stop.

    Raising ``StopIteration`` always stops. Returning ``True`` stops only where the solver's
    documentation promises it (``stop_on_true``; least_squares does, minimize does not).
    """
    if callback is None:
        return False
    try:
        answer = callback(result)
    except StopIteration:
        return True
    return bool(stop_on_true and answer is True)
