"""The interpreter: parse once, evaluate many times, against one flat symbol table.

:class:`Interpreter` has the face of asteval's (M. Newville et al.,
https://github.com/lmfit/asteval, 2014-2025): ``Interpreter(symtable=None, user_symbols=None,
...)``, ``eval(text)`` (also ``interp(text)``), a flat ``symtable`` dict, and the list
``error`` of the last run's errors. Two things differ on purpose:

- ``parse(text)`` returns a :class:`Compiled` -- the text turned once into closures by
  :mod:`refopt.expr.compiler` -- and ``run(compiled)`` (or ``eval(compiled)``) evaluates it
  again at the cost of a few closure calls, without parsing or walking the tree;
- errors are **raised** by default (``raise_errors=True``), as :class:`~refopt.expr.ExprError`
  subclasses with the offending line and a caret; asteval returns None and records them.
  ``raise_errors=False`` gives asteval's behaviour (the errors are still in ``.error``).

Python's parser is :func:`ast.parse` (Python Language Reference, 3.11, 2022); nothing is ever
passed to ``eval``, ``exec`` or ``compile``.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import fields
from typing import Any

from .compiler import Compiler, Frame
from .errors import ExprError, ExprSyntaxError, LimitError, Where
from .safety import Budget, Limits, check_length
from .symtable import make_symbol_table

__all__ = ["Interpreter", "Compiled"]

_LIMIT_NAMES = frozenset(f.name for f in fields(Limits))


class Compiled:
    """A text compiled once by :meth:`Interpreter.parse`; run it with :meth:`Interpreter.run`.

    Attributes
    ----------
    text : str
        The source text.
    names : frozenset of str
        Every name the text reads (variables, functions and constants alike), e.g. the
        parameters a constraint depends on.
    limits : Limits
        The caps compiled into its run-time checks (those of the parsing interpreter).
    """

    __slots__ = ("text", "names", "limits", "_root")

    def __init__(self, text: str, names: frozenset, limits: Limits, root) -> None:
        self.text, self.names, self.limits, self._root = text, names, limits, root

    def __repr__(self) -> str:
        return f"Compiled({self.text!r})"


class Interpreter:
    """A safe evaluator of Python expressions and simple statements.

    Parameters
    ----------
    symtable : dict, optional
        The symbol table to use, as is (it is not copied; names assigned by expressions go
        into it). Default: a new :func:`~refopt.expr.symtable.make_symbol_table`.
    user_symbols : dict, optional
        Extra names added to the symbol table.
    use_numpy : bool, optional
        Whether the default symbol table holds numpy's functions (default True).
    raise_errors : bool, optional
        Raise the first error of a run (default True); if False, ``eval`` returns None and the
        error is only recorded in ``error`` (asteval's default).
    show_errors : bool, optional
        Also write each error's text to ``err_writer`` (default False).
    err_writer : file-like, optional
        Where ``show_errors`` writes (default ``sys.stderr``).
    **limits
        Any field of :class:`~refopt.expr.safety.Limits` (``max_steps``, ``max_time``, ...).

    Attributes
    ----------
    symtable : dict
        The flat symbol table. Assigning a callable (``interp.symtable['f'] = f``) makes it
        callable from expressions.
    error : list of ExprError
        Errors of the last ``parse``/``run``/``eval`` (empty after a success).
    limits : Limits
        The resource caps.

    Examples
    --------
    >>> interp = Interpreter()
    >>> interp.symtable['wid'] = 0.5
    >>> code = interp.parse('sqrt(2*log(2)) * wid')
    >>> round(float(interp.run(code)), 6)
    0.588705
    """

    def __init__(self, symtable: dict | None = None, user_symbols: dict | None = None, *,
                 use_numpy: bool = True, raise_errors: bool = True, show_errors: bool = False,
                 err_writer=None, **limits) -> None:
        unknown = sorted(set(limits) - _LIMIT_NAMES)
        if unknown:
            raise TypeError(f"Interpreter() got unexpected keyword argument(s) {unknown}; "
                            f"the limits are {sorted(_LIMIT_NAMES)}")
        if symtable is not None and not isinstance(symtable, dict):
            raise TypeError(f"symtable must be a dict or None, not {type(symtable).__name__}")
        self.limits = Limits(**limits)
        self.symtable = make_symbol_table(use_numpy, self.limits) if symtable is None else symtable
        self.symtable.update(user_symbols or {})
        self._initial_names = frozenset(self.symtable)
        self.raise_errors, self.show_errors = raise_errors, show_errors
        self.err_writer = sys.stderr if err_writer is None else err_writer
        self.error: list[ExprError] = []
        self._budget: Budget | None = None
        self._top = Frame(self.symtable, None, self._new_budget())

    # [parse]
    def parse(self, text: str) -> Compiled | None:
        """Compile ``text`` once; statically refused text raises before anything runs.

        Parameters
        ----------
        text : str
            Python source: an expression or statements.

        Returns
        -------
        Compiled or None
            The compiled form (None on error when ``raise_errors`` is False).
        """
        self.error = []
        try:
            return self._compile(text)
        except ExprError as err:
            return self._fail(err)

    def _compile(self, text: str) -> Compiled:
        if not isinstance(text, str):
            raise TypeError(f"the text to parse must be a str, not {type(text).__name__}")
        lines = text.splitlines() or [""]
        check_length(text, self.limits)
        tree = parse_text(text, lines)
        compiler = Compiler(text, self.limits)
        root = compiler.compile(tree)
        return Compiled(text, frozenset(compiler.names), self.limits, root)
    # [/parse]

    # [run]
    def run(self, code: Compiled, *, raise_errors: bool | None = None) -> Any:
        """Evaluate a :class:`Compiled` against the symbol table.

        Returns the value of the final expression statement (None if the text ends with
        another statement, or on error when errors are not raised).
        """
        if type(code) is not Compiled:
            raise TypeError(f"run() takes a Compiled (from parse()), not {type(code).__name__}")
        if self.error:
            self.error = []
        outer, frame = self._budget, self._top
        if outer is None and frame.vars is self.symtable:  # the common case: reuse the top frame
            frame.budget.reset()
        else:  # a run nested in a host callback, or a replaced symbol table
            frame = Frame(self.symtable, None, self._new_budget())
        self._budget = frame.budget
        try:
            return code._root(frame)
        except ExprError as err:
            return self._fail(err, raise_errors)
        except RecursionError:
            return self._fail(LimitError("maximum recursion depth exceeded"), raise_errors)
        except Exception as exc:  # raised outside any node (e.g. by a host callback): locate at the start
            return self._fail(Where(code.text.splitlines() or [""], None).wrap(exc), raise_errors)
        finally:
            self._budget = outer
    # [/run]

    def eval(self, expr: str | Compiled, *, raise_errors: bool | None = None,
             show_errors: bool | None = None) -> Any:
        """Parse (if given text) and run; ``interp(expr)`` is the same.

        Parameters
        ----------
        expr : str or Compiled
            Source text, or the result of :meth:`parse`.
        raise_errors : bool, optional
            Override the interpreter's ``raise_errors`` for this call.
        show_errors : bool, optional
            Override the interpreter's ``show_errors`` for this call.

        Returns
        -------
        object
            The value of the final expression statement, or None.
        """
        shown = self.show_errors
        if show_errors is not None:
            self.show_errors = show_errors
        try:
            if isinstance(expr, Compiled):
                return self.run(expr, raise_errors=raise_errors)
            self.error = []
            try:
                code = self._compile(expr)
            except ExprError as err:
                return self._fail(err, raise_errors)
            return self.run(code, raise_errors=raise_errors)
        finally:
            self.show_errors = shown

    __call__ = eval

    @property
    def error_msg(self) -> str | None:
        """The message of the first error of the last run (None after a success)."""
        return self.error[0].msg if self.error else None

    def user_defined_symbols(self) -> set[str]:
        """Names added to the symbol table since the interpreter was made."""
        return set(self.symtable) - self._initial_names

    def _new_budget(self) -> Budget:
        return Budget(self.limits, self)

    def _fail(self, err: ExprError, raise_errors: bool | None = None):
        """Record ``err``; show and raise it as configured."""
        self.error.append(err)
        if self.show_errors:
            print(err.get_error()[1], file=self.err_writer)
        if self.raise_errors if raise_errors is None else raise_errors:
            raise err
        return None


def parse_text(text: str, lines: list[str]) -> ast.Module:
    """:func:`ast.parse`, with its failures turned into located ExprErrors."""
    try:
        return ast.parse(text, mode="exec")
    except SyntaxError as exc:
        err = ExprSyntaxError(exc.msg or "invalid syntax")
        node = ast.Module(body=[], type_ignores=[])
        node.lineno, node.col_offset = exc.lineno or 1, max((exc.offset or 1) - 1, 0)
        node.end_lineno = exc.end_lineno or node.lineno
        node.end_col_offset = (exc.end_offset - 1) if exc.end_offset and exc.end_offset > exc.offset else None
        raise err.locate(Where(lines, node)) from None
    except (RecursionError, MemoryError):
        raise LimitError("expression too deeply nested for the parser") from None
    except ValueError as exc:  # e.g. null bytes
        raise ExprSyntaxError(str(exc)) from None
