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
from .errors import EvalError, ExprError, ExprSyntaxError, LimitError, Where, refusal
from .hostdata import HostArrays
from .safety import Budget, Limits, check_length, unsupported
from .symtable import make_symbol_table

__all__ = ["Interpreter", "Compiled", "get_ast_names", "NameFinder"]

_LIMIT_NAMES = frozenset(f.name for f in fields(Limits))


# asteval's node names (the keys of ``config`` and ``node_handlers``), and those minimal=True
# switches off; refopt's extra node types are switchable too
NODE_NAMES = (
    "arg", "assert", "assign", "attribute", "augassign", "binop", "boolop", "break", "call",
    "compare", "constant", "continue", "delete", "dict", "dictcomp", "excepthandler", "expr",
    "extslice", "for", "functiondef", "if", "ifexp", "import", "importfrom", "index",
    "interrupt", "lambda", "list", "listcomp", "module", "name", "pass", "raise", "repr",
    "return", "set", "setcomp", "slice", "subscript", "try", "tuple", "unaryop", "while",
    "with", "formattedvalue", "joinedstr", "annassign", "generatorexp", "starred",
)
MINIMAL_OFF = frozenset({"assert", "augassign", "delete", "if", "ifexp", "for", "formattedvalue",
                         "functiondef", "print", "raise", "lambda", "listcomp", "dictcomp",
                         "setcomp", "try", "while", "with", "import", "importfrom"})
_NEVER = frozenset({"import", "importfrom"})  # refopt does not import modules, whatever the config


class Compiled(ast.Module):
    """A text compiled once by :meth:`Interpreter.parse`; run it with :meth:`Interpreter.run`.

    It is the parsed :class:`ast.Module` itself (so code that inspects asteval's parse result
    -- ``get_ast_names``, ``ast.dump``, ``body[0].targets`` -- works on it), carrying the
    closures the compiler made from it.

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

    def __init__(self, text: str, names: frozenset, limits: Limits, root, tree=None) -> None:
        body = tree.body if tree is not None else []
        super().__init__(body=body, type_ignores=[])
        self.text, self.names, self.limits, self._root = text, names, limits, root

    def __repr__(self) -> str:
        return f"Compiled({self.text!r})"


class Interpreter:
    """A safe evaluator of Python expressions and simple statements.

    The constructor takes asteval 1.0's arguments with asteval's meaning (``nested_symtable``,
    ``usersyms``, ``readonly_symbols``, ``builtins_readonly``, ``minimal``, ``config``, the
    ``no_<node>``/``with_<node>`` switches, ``writer``, ``err_writer``, ``use_numpy``,
    ``max_statement_length`` ...) and refopt's own (``raise_errors``, ``show_errors``, the
    :class:`~refopt.expr.safety.Limits`). The one default that differs is ``raise_errors=True``;
    :class:`refopt.expr.compat.Interpreter` has asteval's defaults.

    Parameters
    ----------
    symtable : dict, optional
        The symbol table to use, as is (it is not copied; names assigned by expressions go
        into it). Default: a new :func:`~refopt.expr.symtable.make_symbol_table`.
    user_symbols : dict, optional
        Extra names added to the symbol table (``usersyms`` is asteval's older name).
    nested_symtable : bool, optional
        Make the default table asteval's nested :class:`~refopt.expr.symtable.Group`
        (default False: a flat dict).
    use_numpy : bool, optional
        Whether the default symbol table holds numpy's functions (default True).
    writer, err_writer : file-like, optional
        Where ``print`` writes, and where ``show_errors`` writes (default stdout, stderr).
    readonly_symbols : iterable of str, optional
        Names an expression may read but not assign, delete or redefine.
    builtins_readonly : bool, optional
        Make every name of the initial symbol table read-only too (default False).
    minimal : bool, optional
        Switch off asteval's "minimal" set of nodes (``if``, ``for``, ``while``, ``try``,
        ``def``, ``lambda``, comprehensions, ``augassign``, ``assert``, ``del``, ``raise``,
        f-strings ...).
    config : dict, optional
        ``{node name: bool}`` switches over the defaults (asteval's node names).
    raise_errors : bool, optional
        Raise the first error of a run (default True); if False, ``eval`` returns None and the
        error is only recorded in ``error`` (asteval's default).
    show_errors : bool, optional
        Write the text of each error that is not raised to ``err_writer`` (default False;
        asteval's ``eval`` shows them by default).
    **options
        ``no_<node>=True`` / ``with_<node>=True`` switches, and any field of
        :class:`~refopt.expr.safety.Limits` (``max_statement_length``, ``max_exponent``,
        ``max_steps``, ``max_time`` ...).

    Attributes
    ----------
    symtable : dict
        The symbol table. Assigning a callable (``interp.symtable['f'] = f``) makes it
        callable from expressions.
    error : list of ExprError
        Errors of the last ``parse``/``run``/``eval`` (empty after a success).
    limits : Limits
        The resource caps.
    config : dict
        Which node types are evaluated (``{name: bool}``).
    node_handlers : dict
        ``{node name: handler}``; :meth:`unimplemented` marks a switched-off node.
    readonly_symbols : set of str
        The names expressions may not assign.

    Examples
    --------
    >>> interp = Interpreter()
    >>> interp.symtable['wid'] = 0.5
    >>> code = interp.parse('sqrt(2*log(2)) * wid')
    >>> round(float(interp.run(code)), 6)
    0.588705
    """

    def __init__(self, symtable: dict | None = None, user_symbols: dict | None = None, *,
                 nested_symtable: bool = False, use_numpy: bool = True, writer=None, err_writer=None,
                 readonly_symbols=None, builtins_readonly: bool = False, minimal: bool = False,
                 config: dict | None = None, raise_errors: bool = True, show_errors: bool = False,
                 usersyms: dict | None = None, **options) -> None:
        switches = {k: v for k, v in options.items() if k.startswith(("no_", "with_"))}
        limits = {k: v for k, v in options.items() if k not in switches}
        unknown = sorted(set(limits) - _LIMIT_NAMES)
        if unknown:
            raise TypeError(f"Interpreter() got unexpected keyword argument(s) {unknown}; "
                            f"the limits are {sorted(_LIMIT_NAMES)}")
        if symtable is not None and not isinstance(symtable, dict):
            raise TypeError(f"symtable must be a dict or None, not {type(symtable).__name__}")
        self.config = node_config(minimal, config, switches)
        self.config["nested_symtable"] = nested_symtable
        self.node_handlers = {name: self._default_handler(name) if on else self.unimplemented
                              for name, on in self.config.items() if name in NODE_NAMES}
        self.limits = Limits(**limits)
        self.use_numpy = use_numpy
        self.writer = sys.stdout if writer is None else writer
        self.err_writer = sys.stderr if err_writer is None else err_writer
        if symtable is None:
            symtable = make_symbol_table(use_numpy, self.limits, nested=nested_symtable)
        self.symtable = symtable
        self.symtable.update(user_symbols or {})
        self.symtable.update(usersyms or {})
        self.symtable["print"] = self._printer
        self._initial_names = frozenset(self.symtable)
        readonly = set(readonly_symbols or ())
        if builtins_readonly:
            readonly |= set(self.symtable)
        self._readonly = readonly
        self.raise_errors, self.show_errors = raise_errors, show_errors
        self.error: list[ExprError] = []
        self._error_msg: str | None = None
        self._host = HostArrays()
        self._budget: Budget | None = None
        self._top = Frame(self.symtable, None, self._new_budget())

    @property
    def readonly_symbols(self) -> set:
        """The names expressions may read but not assign, delete or redefine."""
        return self._readonly

    @readonly_symbols.setter
    def readonly_symbols(self, names) -> None:
        self._readonly = set(names)
        self._top.budget.readonly = self._readonly  # the runs to come check the new set

    # [nodes]
    def unimplemented(self, node=None):
        """The handler of a switched-off node type (asteval's marker)."""
        name = type(node).__name__.lower() if node is not None else "node"
        raise unsupported(name)

    def _default_handler(self, name: str):
        if name in _NEVER:
            return self.unimplemented
        return getattr(Compiler, "on_" + name, self.unimplemented)

    def remove_nodehandler(self, node: str):
        """Switch ``node`` off; return its handler (to give back to :meth:`set_nodehandler`)."""
        handler = self.node_handlers.get(node, self.unimplemented)
        self.node_handlers[node] = self.unimplemented
        self.config[node] = False
        return handler

    def set_nodehandler(self, node: str, handler=None):
        """Switch ``node`` back on, with its default handler (or one from
        :meth:`remove_nodehandler`); ``import`` cannot be switched on."""
        if node in _NEVER:
            raise ValueError("refopt.expr does not import modules: 'import' cannot be enabled")
        default = self._default_handler(node)
        if handler is not None and handler is not default:
            raise TypeError(f"the handler of {node!r} must be refopt's own ({default!r}); "
                            f"refopt.expr compiles nodes, it does not call asteval-style handlers")
        self.node_handlers[node] = default
        self.config[node] = default is not self.unimplemented
        return default

    def _disabled(self) -> frozenset:
        return frozenset(name for name, h in self.node_handlers.items() if h == self.unimplemented)
    # [/nodes]

    def _printer(self, *values, sep=" ", end="\n", file=None, flush=False) -> None:
        """``print`` inside expressions: to ``writer`` (asteval's ``_printer``)."""
        print(*values, sep=sep, end=end, file=self.writer if file is None else self.writer, flush=flush)


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

    def _compile(self, text) -> Compiled:
        if isinstance(text, ast.AST):  # a tree from elsewhere (asteval's parse result, ast.parse)
            return self._compile_tree(text)
        if not isinstance(text, str):
            raise TypeError(f"the text to parse must be a str, not {type(text).__name__}")
        lines = text.splitlines() or [""]
        check_length(text, self.limits)
        return self._compile_tree(parse_text(text, lines), text)

    def _compile_tree(self, tree: ast.AST, text: str | None = None) -> Compiled:
        if text is None:
            text = ast.unparse(tree)
        if not isinstance(tree, ast.Module):
            tree = ast.Module(body=[tree if isinstance(tree, ast.stmt) else ast.Expr(tree)], type_ignores=[])
        compiler = Compiler(text, self.limits, self._disabled())
        root = compiler.compile(tree)
        return Compiled(text, frozenset(compiler.names), self.limits, root, tree)
    # [/parse]

    # [run]
    def run(self, code: Compiled, expr: str | None = None, lineno: int | None = None,
            with_raise: bool | None = None, *, raise_errors: bool | None = None) -> Any:
        """Evaluate a :class:`Compiled` against the symbol table.

        Text or another syntax tree is parsed first (as asteval's ``run`` allows);
        ``with_raise`` is asteval's name for ``raise_errors``. Returns the value of the final
        expression statement (None if the text ends with another statement, or on error when
        errors are not raised).
        """
        raise_errors = with_raise if raise_errors is None else raise_errors
        if type(code) is not Compiled:
            if not isinstance(code, (str, ast.AST)):
                raise TypeError(f"run() takes a Compiled (from parse()), not {type(code).__name__}")
            self.error = []
            try:
                code = self._compile(code)
            except ExprError as err:
                return self._fail(err, raise_errors)
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
            err = refusal(LimitError, "maximum recursion depth exceeded", RecursionError)
            return self._fail(err, raise_errors)
        except Exception as exc:  # raised outside any node (e.g. by a host callback): locate at the start
            return self._fail(Where(code.text.splitlines() or [""], None).wrap(exc), raise_errors)
        finally:
            self._budget = outer
    # [/run]

    def eval(self, expr: str | Compiled, lineno: int = 0, show_errors: bool | None = None,
             raise_errors: bool | None = None) -> Any:
        """Parse (if given text) and run; ``interp(expr)`` is the same.

        Parameters
        ----------
        expr : str, Compiled or ast.AST
            Source text, the result of :meth:`parse`, or a syntax tree.
        lineno : int, optional
            Accepted for asteval's signature (positions come from the text itself).
        show_errors : bool, optional
            Override the interpreter's ``show_errors`` for this call.
        raise_errors : bool, optional
            Override the interpreter's ``raise_errors`` for this call.

        Returns
        -------
        object
            The value of the final expression statement, or None.
        """
        shown = self.show_errors
        if show_errors is not None:
            self.show_errors = show_errors
        raise_errors = self.raise_errors if raise_errors is None else raise_errors
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
        if self._error_msg is not None:
            return self._error_msg
        return self.error[0].msg if self.error else None

    @error_msg.setter
    def error_msg(self, value: str | None) -> None:  # lmfit resets it before each parse
        self._error_msg = value

    def raise_exception(self, node=None, exc=None, msg: str = "", expr=None, lineno=None):
        """Raise the first recorded error (lmfit's ``check_ast_errors`` calls this after a
        run with errors), or a new one of type ``exc`` with ``msg``."""
        if exc is None and self.error:
            raise self.error[0]
        raise EvalError(msg) if exc is None else (exc(msg) if isinstance(exc, type) else exc)

    @staticmethod
    def dump(node: ast.AST, **kws) -> str:
        """:func:`ast.dump` of a node (asteval's helper)."""
        return ast.dump(node, **kws)

    def user_defined_symbols(self) -> set[str]:
        """Names added to the symbol table since the interpreter was made."""
        return set(self.symtable) - self._initial_names

    def _new_budget(self) -> Budget:
        return Budget(self.limits, self)

    def _fail(self, err: ExprError, raise_errors: bool | None = None):
        """Record ``err``; raise it, or show it (if ``show_errors``), as configured -- an
        error that is raised is not also written (asteval's rule)."""
        self.error.append(self._record(err))
        if self.raise_errors if raise_errors is None else raise_errors:
            self._raise(err)
        if self.show_errors:
            print(err.get_error()[1], file=self.err_writer)
        return None

    def _record(self, err: ExprError):
        """What ``error`` holds for ``err`` (the error itself here)."""
        return err

    def _raise(self, err: ExprError):
        raise err


def node_config(minimal: bool, config: dict | None, switches: dict) -> dict:
    """asteval's ``{node: on}`` table: defaults (or minimal), then ``config``, then switches."""
    table = {name: name not in _NEVER and not (minimal and name in MINIMAL_OFF) for name in NODE_NAMES}
    table.update(config or {})
    for key, value in switches.items():
        on, name = (not value, key[3:]) if key.startswith("no_") else (bool(value), key[5:])
        if name in NODE_NAMES:
            table[name] = on
    if any(table.get(name) for name in _NEVER):
        raise ValueError("refopt.expr does not import modules: 'import' and 'importfrom' "
                         "cannot be enabled")
    return table


def get_ast_names(node) -> list[str]:
    """Every name a tree (or a :class:`Compiled`) reads or assigns, in order of appearance."""
    finder = NameFinder()
    finder.generic_visit(node)
    return finder.names


class NameFinder(ast.NodeVisitor):
    """Collect the ``ast.Name`` identifiers of a tree, once each, in order (asteval's)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        super().__init__()

    def generic_visit(self, node) -> None:
        if isinstance(node, ast.Name) and node.id not in self.names:
            self.names.append(node.id)
        super().generic_visit(node)


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
