"""The errors of the expression evaluator, each carrying the offending text and a caret.

Every refusal or failure inside :mod:`refopt.expr` is an :class:`ExprError`. The subclasses
tell apart *what went wrong*:

- :class:`ExprSyntaxError` (also a :class:`SyntaxError`): the text does not parse, or uses a
  construct the evaluator does not support (``class``, ``yield``, ``global`` ...);
- :class:`ExprNameError` (also a :class:`NameError`): a name is not in the symbol table;
- :class:`SecurityError`: the text tries to reach something it must not (``import``, an
  attribute starting with ``_``, a forbidden function or module ...);
- :class:`LimitError` (also a :class:`RuntimeError`): a resource cap was hit (exponent, shift,
  string or sequence length, array size, nesting, recursion, loop steps, time);
- :class:`EvalError`: the evaluated code itself failed (``1/0``, a wrong argument count). Each
  Python exception type gets its own subclass that also derives from that type, so
  ``except ZeroDivisionError`` catches ``ExprZeroDivisionError``; the original exception is
  kept in ``.exc``.

The position follows Python's own conventions (``lineno`` 1-based, ``offset`` 1-based, ``col``
0-based) and ``str(err)`` shows the message, the source line and a caret line under the
offending node. ``err.get_error()`` returns asteval's pair ``(name, text)`` with the text laid
out as asteval lays it out (source line, caret line, ``Name: message``); see asteval
(M. Newville et al., https://github.com/lmfit/asteval, 2014-2025), ``ExceptionHolder``.
"""

from __future__ import annotations

__all__ = ["ExprError", "ExprSyntaxError", "ExprNameError", "SecurityError", "LimitError",
           "EvalError", "eval_error_class"]


class Where:
    """A node's position in its source, captured once at compile time."""

    __slots__ = ("lines", "lineno", "col", "end_lineno", "end_col")

    def __init__(self, lines: list[str], node) -> None:
        self.lines = lines
        self.lineno = getattr(node, "lineno", 1) or 1
        self.col = getattr(node, "col_offset", 0) or 0
        self.end_lineno = getattr(node, "end_lineno", None) or self.lineno
        self.end_col = getattr(node, "end_col_offset", None)

    def line(self) -> str:
        """The source line holding the node's start ('' when out of range)."""
        return self.lines[self.lineno - 1] if 0 < self.lineno <= len(self.lines) else ""

    def wrap(self, exc: BaseException) -> ExprError:
        """Turn any exception raised at this node into a located :class:`ExprError`."""
        if isinstance(exc, ExprError):
            return exc.locate(self)
        if isinstance(exc, RecursionError):
            return refusal(LimitError, "maximum recursion depth exceeded", RecursionError).locate(self)
        if isinstance(exc, MemoryError):
            return LimitError("out of memory").locate(self)
        err = eval_error_class(type(exc))(str(exc))
        err.exc = exc
        exc.__traceback__ = None  # no frames reachable from what user code may catch
        return err.locate(self)


class ExprError(Exception):
    """Base class of every error raised by :mod:`refopt.expr`.

    Attributes
    ----------
    msg : str
        The message alone.
    text : str
        The source line holding the offending node ('' when unknown).
    lineno, offset : int or None
        Line (1-based) and column (1-based), as for :class:`SyntaxError`.
    col, end_col : int or None
        Column span (0-based, end exclusive) of the offending node on that line.
    kind : str
        The Python-like name shown by :meth:`get_error` (``'NameError'``, ...).
    catchable : bool
        Whether ``try``/``except`` inside an expression may catch it.
    """

    kind = "ExprError"
    catchable = False
    python_type: type = RuntimeError  # the exception asteval reports for this refusal

    def __init__(self, msg: str, where: Where | None = None) -> None:
        BaseException.__init__(self, msg)
        self.msg = msg
        self.text = ""
        self.lineno = self.offset = self.col = self.end_col = None
        self.exc = None
        if where is not None:
            self.locate(where)

    def locate(self, where: Where) -> ExprError:
        """Record the node position unless an inner node already did; return self."""
        if self.lineno is None:
            line = where.line()
            end = where.end_col if where.end_lineno == where.lineno and where.end_col else len(line)
            self.text, self.lineno, self.col = line, where.lineno, where.col
            self.offset, self.end_col = where.col + 1, max(end, where.col + 1)
        return self

    @property
    def caret(self) -> str:
        """A line of ``^`` under the offending span ('' when the position is unknown)."""
        if self.col is None:
            return ""
        return " " * self.col + "^" * max(1, self.end_col - self.col)

    @property
    def original(self) -> BaseException:
        """The exception user code sees in ``except ... as e``."""
        return self.exc if self.exc is not None else self

    def get_error(self) -> tuple[str, str]:
        """asteval's ``(exception name, text)`` pair: source line, caret, ``Name: message``."""
        parts = [self.text, self.caret] if self.text else []
        return self.kind, "\n".join([*parts, f"{self.kind}: {self.msg}"])

    def __str__(self) -> str:
        if not self.text:
            return self.msg
        return f"{self.msg}\n    {self.text}\n    {self.caret}"

    def __reduce__(self):
        return (type(self), (self.msg,))


class ExprSyntaxError(ExprError, SyntaxError):
    """The text does not parse, or uses syntax the evaluator does not support."""

    kind = "SyntaxError"
    python_type = SyntaxError

    def __str__(self) -> str:  # SyntaxError's own __str__ would hide the caret
        return ExprError.__str__(self)


class ExprNameError(ExprError, NameError):
    """A name is not defined in the symbol table (or the current function)."""

    kind = "NameError"
    catchable = True
    python_type = NameError


class SecurityError(ExprError):
    """The text tries to reach something outside the symbol table's safe surface."""

    kind = "SecurityError"
    python_type = AttributeError  # asteval's answer to an unsafe attribute; names say NameError


class LimitError(ExprError, RuntimeError):
    """A resource cap was hit (sizes, exponent, shift, nesting, recursion, steps, time)."""

    kind = "LimitError"


class EvalError(ExprError):
    """The evaluated code raised an ordinary Python exception (kept in ``.exc``)."""

    catchable = True

    @property
    def kind(self) -> str:  # type: ignore[override]
        return type(self.exc).__name__ if self.exc is not None else "EvalError"

    @property
    def python_type(self) -> type:  # type: ignore[override]
        return type(self.exc) if self.exc is not None else RuntimeError


_EVAL_ERROR_CLASSES: dict[type, type] = {}


def refusal(cls: type, msg: str, python_type: type) -> ExprError:
    """An error of class ``cls`` that asteval would report as ``python_type``."""
    err = cls(msg)
    err.python_type = python_type
    return err


def eval_error_class(exc_type: type) -> type:
    """The :class:`EvalError` subclass that also derives from ``exc_type`` (cached)."""
    cls = _EVAL_ERROR_CLASSES.get(exc_type)
    if cls is None:
        try:
            cls = type(f"Expr{exc_type.__name__}", (EvalError, exc_type), {"__module__": __name__})
        except TypeError:  # an exception type with an incompatible layout
            cls = EvalError
        _EVAL_ERROR_CLASSES[exc_type] = cls
    return cls
