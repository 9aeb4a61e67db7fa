"""Host arrays that an expression can read but never change.

The host puts arrays in the symbol table (data, a model's x values); an expression may read
them, slice them and compute with them, but must not write into them -- not by item
assignment, not by an array method (``fill``, ``sort``, ``put``, ``resize``, ``setflags``), a
numpy function (``copyto``, ``place``, ``putmask``), a ufunc's ``out=`` argument or a ufunc
method (``reduceat(..., out=)``, ``at``), and not by turning the WRITEABLE flag back on first.
Forbidding each of those by name would be a list that numpy's next release makes incomplete.
One mechanism instead:

1. **Seal what comes from the host.** Every array that reaches the evaluator from outside --
   a symbol-table entry, an item of a host list, an attribute of a host object, the result of
   a host function, an argument the host passes to a function defined in an expression -- is
   replaced by a *sealed view*: an array over a read-only ``memoryview`` of the same memory.
   numpy itself then refuses every write, and refuses to set WRITEABLE again, because the
   buffer under the view is read-only; every view of the view (``.T``, ``.flat``, slices,
   ``reshape``) inherits that. The view's ``.base`` is the memoryview, which
   :func:`~refopt.expr.safety.check_value` refuses to hand out (its ``.obj`` is the host
   array).
2. **Adopt what the evaluator makes.** Arrays returned by numpy calls, and arrays the evaluator
   stores (in a name, an item, an attribute, a literal list or tuple, a comprehension) or
   passes to a function defined in an expression, are registered (by their memory owner,
   weakly) and stay writeable, so ``x = 2 * arange(3); x[0] = 1`` works as in Python.
   Registering at stores rather than at every operator keeps the cost off the hot path of
   a constraint such as ``1 - frac``: a value can only reach a store from a read (already
   sealed if it was the host's) or from an operation (made here).

numpy's ``ufunc.at`` does not honour the WRITEABLE flag (numpy 2.4: ``add.at(a, 0, 1)``
changes a read-only ``a``), so :func:`~refopt.expr.safety.guard_method` checks that one
operand itself -- the single named exception, documented in chapter 30.

The buffer protocol used for the views is PEP 3118 (T. Oliphant, C. Banks, "Revising the
buffer protocol", 2006); numpy's rule that a view may become writeable only if its base
buffer is writeable is described in the numpy reference, "ndarray.flags" (NumPy 2.x, 2024).
"""

from __future__ import annotations

import weakref

import numpy as np

__all__ = ["HostArrays", "memory_owner", "sealed_view"]

_CACHE_SIZE = 256  # sealed views kept per interpreter (one per host array, reused)


# [owner]
def memory_owner(a: np.ndarray) -> object:
    """The object that owns ``a``'s memory: the last ndarray of the ``.base`` chain when it
    owns its data, else the buffer object under it (a memoryview, bytes, ...)."""
    base = a.base
    while isinstance(base, np.ndarray):
        a, base = base, base.base
    return a if base is None else base


def is_sealed(owner: object) -> bool:
    """Whether arrays over ``owner`` can never be written: an immutable or read-only buffer."""
    return type(owner) is bytes or (type(owner) is memoryview and owner.readonly)


def sealed_view(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` that no one can make writeable (a read-only copy for dtypes
    the buffer protocol cannot carry, e.g. datetime64)."""
    try:
        view = np.asarray(memoryview(a).toreadonly())
    except (ValueError, TypeError, BufferError):
        view = np.frombuffer(a.tobytes(), dtype=a.dtype).reshape(a.shape)
    return view if type(a) is np.ndarray else view.view(type(a))
# [/owner]


# [membrane]
class HostArrays:
    """One interpreter's record of the arrays it made, and the sealed views it handed out."""

    __slots__ = ("_own", "_views")

    def __init__(self) -> None:
        self._own: dict[int, weakref.ref] = {}
        self._views: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def adopt(self, value):
        """Register an array made inside the evaluator (and the arrays directly inside a
        tuple, list or dict of its own); return ``value``."""
        if isinstance(value, np.ndarray):
            self._register(memory_owner(value))
        elif type(value) in (tuple, list, dict) and len(value) <= 64:
            for item in value.values() if type(value) is dict else value:
                if isinstance(item, np.ndarray):
                    self._register(memory_owner(item))
        return value

    def _register(self, owner: object) -> None:
        if not isinstance(owner, np.ndarray) or not owner.flags.writeable:
            return
        key, own = id(owner), self._own
        if key not in own:
            own[key] = weakref.ref(owner, lambda _, key=key: own.pop(key, None))

    def guard(self, value):
        """``value``, or a sealed view of it when it is an array the evaluator did not make."""
        if not isinstance(value, np.ndarray):
            return value
        owner = memory_owner(value)
        ref = self._own.get(id(owner))
        if ref is not None and ref() is owner and owner.flags.writeable:
            return value
        if is_sealed(owner):
            return value
        return self._seal(value)

    def _seal(self, value: np.ndarray) -> np.ndarray:
        hit = self._views.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        view = sealed_view(value)
        if len(self._views) >= _CACHE_SIZE:
            self._views.clear()
        if isinstance(memory_owner(view), memoryview):  # copies are not kept: they would go stale
            self._views[id(value)] = (value, view)
        return view
# [/membrane]
