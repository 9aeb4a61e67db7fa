"""asteval's face on refopt.expr: the same names, signatures, defaults and error records.

Code written for asteval 1.0 (M. Newville et al., https://github.com/lmfit/asteval,
2014-2025) runs on refopt by taking ``Interpreter``, ``make_symbol_table``,
``get_ast_names`` and ``valid_symbol_name`` from ``refopt.expr.compat`` instead of from
asteval: only the module named in the imports changes.

:class:`Interpreter` here is :class:`refopt.expr.Interpreter` with asteval's defaults: errors
are recorded, not raised (``raise_errors=False``) and written to ``err_writer``
(``show_errors=True``), and ``run`` raises by default (``with_raise=True``); ``error``
holds :class:`ExceptionHolder` records whose ``exc`` is the exception *class* asteval would
report (``NameError``, ``AttributeError`` for an unsafe
attribute, ``RuntimeError`` for a limit, ``NotImplementedError`` for a switched-off node);
``type(x)`` returns the type's name as a string. Everything else -- the language, the
checks, the sealed host arrays -- is refopt's. Chapter 30 lists the differences.
"""

from __future__ import annotations

from .errors import ExprError
from .interpreter import Interpreter as _Interpreter, NameFinder, get_ast_names
from .symtable import Group, make_symbol_table as _make_symbol_table, valid_symbol_name

__all__ = ["Interpreter", "ExceptionHolder", "make_symbol_table", "get_ast_names", "NameFinder",
           "valid_symbol_name", "Group"]


def type_name(obj) -> str:
    """asteval's ``type``: the name of the type, a string (never the class itself)."""
    return type(obj).__name__


class ExceptionHolder:
    """One recorded error, as asteval records it.

    Attributes
    ----------
    exc : type
        The exception class (``NameError``, ``ZeroDivisionError`` ...).
    msg : str
        The message alone.
    expr, text : str
        The source line holding the failing node.
    lineno : int or None
        Its line (1-based).
    error : ExprError
        refopt's error, with its column span and caret.
    """

    def __init__(self, err: ExprError) -> None:
        self.error = err
        self.exc = err.python_type
        self.msg = err.msg
        self.expr = self.text = err.text
        self.lineno = err.lineno
        self.node = None

    def get_error(self) -> tuple[str, str]:
        """``(exception name, text)``: source line, caret, ``Name: message``."""
        name = self.exc.__name__
        parts = [self.error.text, self.error.caret] if self.error.text else []
        return name, "\n".join([*parts, f"{name}: {self.msg}"])

    def __repr__(self) -> str:
        return f"ExceptionHolder({self.exc.__name__}: {self.msg!r})"


class Interpreter(_Interpreter):
    """:class:`refopt.expr.Interpreter` with asteval 1.0's signature and defaults.

    The positional order is asteval's (``symtable, nested_symtable, user_symbols, writer,
    err_writer, use_numpy, max_statement_length, minimal, readonly_symbols,
    builtins_readonly, config``); errors are recorded in ``error`` as
    :class:`ExceptionHolder` and not raised unless asked.
    """

    def __init__(self, symtable=None, nested_symtable=False, user_symbols=None, writer=None,
                 err_writer=None, use_numpy=True, max_statement_length=50000, minimal=False,
                 readonly_symbols=None, builtins_readonly=False, config=None, **kws) -> None:
        kws.setdefault("raise_errors", False)
        kws.setdefault("show_errors", True)  # asteval's eval writes unraised errors to err_writer
        max_statement_length = int(max(1, min(1e8, max_statement_length)))
        super().__init__(symtable, user_symbols, nested_symtable=nested_symtable, writer=writer,
                         err_writer=err_writer, use_numpy=use_numpy, minimal=minimal,
                         readonly_symbols=readonly_symbols, builtins_readonly=builtins_readonly,
                         config=config, max_statement_length=max_statement_length, **kws)
        if "type" not in self.symtable:
            self.symtable["type"] = type_name
            self._initial_names |= {"type"}
            if builtins_readonly:
                self.readonly_symbols.add("type")

    def parse(self, text):
        """asteval's ``parse``: the errors of earlier runs are kept (lmfit clears them itself)."""
        kept = self.error
        code = super().parse(text)
        self.error = kept + self.error
        return code

    def run(self, node, expr=None, lineno=None, with_raise=True, *, raise_errors=None):
        """asteval's ``run``: raises by default (``with_raise=True``)."""
        return super().run(node, expr, lineno, with_raise, raise_errors=raise_errors)

    def _record(self, err: ExprError) -> ExceptionHolder:
        return ExceptionHolder(err)

    def _raise(self, err: ExprError):
        holder = ExceptionHolder(err)
        try:
            exc = holder.exc(holder.get_error()[1])
        except Exception:  # an exception class with another constructor: refopt's own error
            raise err from None
        raise exc from err

    def raise_exception(self, node=None, exc=None, msg: str = "", expr=None, lineno=None):
        """Raise the first recorded error as asteval does (its class, the full text)."""
        if exc is None and self.error:
            self._raise(self.error[0].error)
        super().raise_exception(node, exc, msg, expr, lineno)


def make_symbol_table(use_numpy: bool = True, nested: bool = False, top: bool = True, **kws):
    """asteval's ``make_symbol_table(use_numpy, nested, top, **symbols)``: refopt's table,
    with ``type`` returning a name."""
    table = _make_symbol_table(use_numpy, nested=nested, top=top, **kws)
    table.setdefault("type", type_name)
    return table
