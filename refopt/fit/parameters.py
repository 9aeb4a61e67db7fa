"""Parameters: named fit variables with bounds, a vary flag and constraint expressions.

The idea is lmfit's (M. Newville, T. Stensitzki, D. B. Allen and A. Ingargiola, *LMFIT:
Non-Linear Least-Square Minimization and Curve-Fitting for Python*, Zenodo, 2014; manual 0.5,
2012, chapters 2 and 5): the residual function reads named :class:`Parameter` objects instead
of the entries of a vector, so fixing a variable, bounding it or tying it to others by an
expression changes the *parameters*, never the function. This module keeps lmfit's names and
behaviour (``Parameter``, ``Parameters.add``, ``add_many``, ``valuesdict``, ``dumps`` ...) and
differs where lmfit is known to trip users (see chapter 31):

- a constraint expression is parsed and compiled **once** by :mod:`refopt.expr`; the
  parameters it depends on are known from the compiled text, so all expressions are evaluated
  in one dependency order (31.1) instead of re-walking the tree on every ``.value`` read;
- a cycle (``a = b + 1``, ``b = a - 1``) is reported with its chain, an unknown name with the
  expression that uses it, and a syntax error with its message and a caret (lmfit: a
  RecursionError, a bare NameError, an empty SyntaxError);
- ``min > max`` is refused with a clear message (lmfit swaps the two silently).

Bounds for engines that have none use the MINUIT transformation (F. James and M. Roos,
"Minuit -- a system for function minimization and analysis of the parameter errors and
correlations", *Computer Physics Communications* 10, 343-367, 1975; F. James, *MINUIT
Reference Manual*, CERN D506, 1994, section 1.3.1): an unbounded internal variable ``u`` is
mapped onto the bounded external value ``P`` by (31.2)-(31.4), implemented in
:meth:`Parameter.setup_bounds`, :meth:`Parameter.from_internal` and
:meth:`Parameter.scale_gradient`.
"""

from __future__ import annotations

import copy as _copy
import functools
import json
import keyword
import math
import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..expr import ExprError, Interpreter, make_symbol_table
from .._warnings import warn_user

__all__ = ["Parameter", "Parameters", "ConstraintError", "create_params", "valid_symbol_name"]

_INF = float("inf")


class ConstraintError(ValueError):
    """A constraint expression cannot be evaluated: a cycle, an unknown name, a failure."""


def valid_symbol_name(name: Any) -> bool:
    """True for a Python identifier that is not a reserved word (the manual's rule, 2.3)."""
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _as_bound(value: Any, missing: float, what: str, name: str) -> float:
    """A bound as a float: None means no bound (the 0.5 manual's spelling), NaN is refused."""
    if value is None:
        return missing
    try:
        bound = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"Parameter {name!r}: {what} must be a number or None, "
                        f"not {type(value).__name__}") from None
    if math.isnan(bound):
        raise ValueError(f"Parameter {name!r}: {what} is NaN")
    return bound


def _check_bounds(name: str, lo: float, hi: float) -> None:
    if lo > hi:
        raise ValueError(f"Parameter {name!r}: min ({lo:g}) is greater than max ({hi:g})")
    if lo == hi or math.isclose(lo, hi, rel_tol=1e-13, abs_tol=1e-13):
        raise ValueError(f"Parameter {name!r} has min == max ({lo:g}); fix it with vary=False instead")


class Parameter:
    """One fit variable: a value, whether it varies, bounds, or an expression.

    Parameters
    ----------
    name : str
        The name, as used in constraint expressions.
    value : float, optional
        The (starting) value; clipped into ``[min, max]``.
    vary : bool, optional
        Whether the fit varies it (default True; an expression makes it False).
    min, max : float, optional
        Bounds (default ``-inf``, ``inf``; None means no bound).
    expr : str, optional
        A constraint expression of other parameters (``'2*wid1/3'``).
    brute_step : float, optional
        A grid step for brute-force methods (kept, not used by refopt's engines).
    user_data : object, optional
        Anything the user wants to keep with the parameter.

    Attributes
    ----------
    stderr : float or None
        The standard error after a fit (None when not estimated).
    correl : dict or None
        Correlation with every other varied parameter after a fit.
    init_value : float or None
        The value the fit started from.
    """

    def __init__(self, name: str, value: Any = None, vary: bool = True, min: Any = -_INF,
                 max: Any = _INF, expr: str | None = None, brute_step: Any = None,
                 user_data: Any = None) -> None:
        self.name = name
        self.user_data = user_data
        self.init_value = value
        self.stderr: float | None = None
        self.correl: dict | None = None
        self.brute_step = brute_step
        self.min = _as_bound(min, -_INF, "min", name)
        self.max = _as_bound(max, _INF, "max", name)
        _check_bounds(name, self.min, self.max)
        self._owner: Parameters | None = None
        self._expr: str | None = None
        self._code = None
        self._vary = bool(vary)
        self._val = None
        self.value = value
        self.expr = expr
        self.from_internal: Callable[[float], float] = _identity

    # ---- value, vary, expr: properties, as lmfit's
    @property
    def value(self) -> Any:
        """The value; for an expression parameter, evaluated from the others on demand."""
        owner = self._owner
        if self._expr is not None and owner is not None and not owner._fresh:
            owner.update_constraints()
        return self._val

    @value.setter
    def value(self, val: Any) -> None:
        if val is not None:
            if isinstance(val, Parameter):
                val = val.value
            if val > self.max:
                val = self.max
            elif val < self.min:
                val = self.min
        self._val = val
        owner = self._owner
        if owner is not None:
            owner._fresh = False

    @property
    def vary(self) -> bool:
        """Whether the fit varies this parameter."""
        return self._vary

    @vary.setter
    def vary(self, flag: bool) -> None:
        self._vary = bool(flag)
        if self._vary and self._expr is not None:
            self.expr = None  # a varied parameter has no expression (lmfit's set() does the same)

    @property
    def expr(self) -> str | None:
        """The constraint expression (None for none)."""
        return self._expr

    @expr.setter
    def expr(self, text: str | None) -> None:
        if text is not None and not isinstance(text, str):
            raise TypeError(f"Parameter {self.name!r}: expr must be a str or None, "
                            f"not {type(text).__name__}")
        if text is not None and text.strip() == "":
            text = None
        self._expr, self._code = text, None
        if text is not None:
            self._vary = False
        owner = self._owner
        if owner is not None:
            self._compile(owner)
            owner._order = None
            owner._fresh = False

    def _compile(self, owner: Parameters) -> None:
        """Parse the expression once with the owner's interpreter (syntax errors raise here)."""
        if self._expr is None:
            self._code = None
            return
        try:
            self._code = owner._asteval.parse(self._expr)
        except ExprError as err:  # the message names the parameter; the caret stays
            err.msg = f"constraint of parameter {self.name!r}: {err.msg}"
            err.args = (err.msg,)
            raise err from None

    def set(self, value: Any = None, vary: bool | None = None, min: Any = None, max: Any = None,
            expr: str | None = None, brute_step: Any = None, is_init_value: bool = True) -> None:
        """Change several attributes at once (None leaves an attribute unchanged).

        As lmfit: ``expr=''`` removes an expression, ``min=-inf``/``max=inf`` a bound,
        ``brute_step=0`` the step; setting ``value`` or ``vary=True`` removes the expression.
        """
        lo = self.min if min is None else _as_bound(min, -_INF, "min", self.name)
        hi = self.max if max is None else _as_bound(max, _INF, "max", self.name)
        _check_bounds(self.name, lo, hi)
        self.min, self.max = lo, hi
        if vary is not None:
            self.vary = vary
        if brute_step is not None:
            self.brute_step = None if brute_step == 0 else brute_step
        if expr is not None:
            self.expr = expr
        if value is not None:
            if self._expr is not None:
                self.expr = None
            self.value = value
            if is_init_value:
                self.init_value = value
        elif self._val is not None:
            self.value = self._val  # clip into new bounds

    # ---- the MINUIT transformation (31.2)-(31.4)
    # [bounds]
    def setup_bounds(self) -> float:
        """The internal start value ``u`` of the value, and set :meth:`from_internal`.

        No bounds: ``u = P``. A lower bound only: ``P = min - 1 + sqrt(u**2 + 1)`` (31.2). An
        upper bound only: ``P = max + 1 - sqrt(u**2 + 1)`` (31.3). Both:
        ``P = min + (sin(u) + 1) (max - min) / 2`` (31.4). Each maps the whole real line onto
        the allowed interval, so an engine without bounds never leaves it.
        """
        _check_bounds(self.name, self.min, self.max)
        if self._val is None:
            raise ValueError(f"Parameter {self.name!r} has no value to start the fit from")
        self.value = self._val  # clip into the bounds
        P, lo, hi = float(self._val), self.min, self.max
        if lo == -_INF and hi == _INF:
            self.from_internal = _identity
            u = P
        elif hi == _INF:
            self.from_internal = lambda u, lo=lo: lo - 1.0 + math.sqrt(u * u + 1.0)  # (31.2)
            u = math.sqrt((P - lo + 1.0) ** 2 - 1.0)
        elif lo == -_INF:
            self.from_internal = lambda u, hi=hi: hi + 1.0 - math.sqrt(u * u + 1.0)  # (31.3)
            u = math.sqrt((hi - P + 1.0) ** 2 - 1.0)
        else:
            self.from_internal = lambda u, lo=lo, hi=hi: lo + (math.sin(u) + 1.0) * (hi - lo) / 2.0  # (31.4)
            u = math.asin(min(1.0, max(-1.0, 2.0 * (P - lo) / (hi - lo) - 1.0)))
        return 0.0 if abs(u) < 1e-15 else u

    def scale_gradient(self, u: float) -> float:
        """``dP/du`` at ``u``: maps an internal covariance to the external one (31.5)."""
        lo, hi = self.min, self.max
        if lo == -_INF and hi == _INF:
            return 1.0
        if hi == _INF:
            return u / math.sqrt(u * u + 1.0)
        if lo == -_INF:
            return -u / math.sqrt(u * u + 1.0)
        return math.cos(u) * (hi - lo) / 2.0
    # [/bounds]

    # ---- copy, pickle, repr
    def __getstate__(self) -> tuple:
        """lmfit's state tuple: name, value, vary, expr, min, max, brute_step, stderr, correl,
        init_value, user_data."""
        return (self.name, self._val, self._vary, self._expr, self.min, self.max,
                self.brute_step, self.stderr, self.correl, self.init_value, self.user_data)

    def __setstate__(self, state: tuple) -> None:
        (self.name, self._val, self._vary, self._expr, self.min, self.max, self.brute_step,
         self.stderr, self.correl, self.init_value, self.user_data) = state
        self._owner, self._code, self.from_internal = None, None, _identity

    def __repr__(self) -> str:
        parts = [repr(self.name)]
        val = self._val
        if self._expr is not None:
            try:
                val = self.value
            except (ConstraintError, ExprError):
                pass  # a repr must not raise: show the last value
        if self.stderr is not None:
            parts.append(f"value={val!r} +/- {self.stderr:.3g}")
        elif not self._vary and self._expr is None:
            parts.append(f"value={val!r} (fixed)")
        else:
            parts.append(f"value={val!r}")
        parts.append(f"bounds=[{self.min!r}:{self.max!r}]")
        if self._expr is not None:
            parts.append(f"expr={self._expr!r}")
        if self.brute_step is not None:
            parts.append(f"brute_step={self.brute_step}")
        return f"<Parameter {', '.join(parts)}>"

    # ---- a Parameter behaves like its value in arithmetic (lmfit >= 0.9)
    def __float__(self) -> float:
        return float(self.value)

    def __int__(self) -> int:
        return int(self.value)

    def __array__(self, dtype=None, copy=None):
        return np.array(float(self.value), dtype=dtype)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __abs__(self):
        return abs(self.value)

    def __neg__(self):
        return -self.value

    def __pos__(self):
        return +self.value

    def __trunc__(self):
        return math.trunc(self.value)

    def __eq__(self, other):
        return self.value == _val(other)

    def __ne__(self, other):
        return self.value != _val(other)

    def __lt__(self, other):
        return self.value < _val(other)

    def __le__(self, other):
        return self.value <= _val(other)

    def __gt__(self, other):
        return self.value > _val(other)

    def __ge__(self, other):
        return self.value >= _val(other)

    __hash__ = None  # type: ignore[assignment]  # equality by value: unhashable, as lmfit


def _val(x):
    return x.value if isinstance(x, Parameter) else x


def _binary(op: Callable, reflected: bool = False):
    if reflected:
        return lambda self, other: op(_val(other), self.value)
    return lambda self, other: op(self.value, _val(other))


for _name, _op in (("add", lambda a, b: a + b), ("sub", lambda a, b: a - b),
                   ("mul", lambda a, b: a * b), ("truediv", lambda a, b: a / b),
                   ("floordiv", lambda a, b: a // b), ("mod", lambda a, b: a % b),
                   ("divmod", divmod), ("pow", lambda a, b: a ** b)):
    setattr(Parameter, f"__{_name}__", _binary(_op))
    setattr(Parameter, f"__r{_name}__", _binary(_op, reflected=True))


def _identity(u: float) -> float:
    return u


@functools.lru_cache(maxsize=1)
def _default_symbols() -> dict:
    """The default symbol table, built once (its functions hold no per-table state)."""
    return make_symbol_table()


class Parameters(dict):
    """An ordered dict of :class:`Parameter`, keyed by valid names, with one expression
    interpreter whose symbol table holds every parameter's value.

    Parameters
    ----------
    usersyms : dict, optional
        Extra symbols (functions, constants) for constraint expressions.

    Examples
    --------
    >>> p = Parameters()
    >>> p.add_many(('wid1', 0.8, True, 0.1, None, None), ('wid2', None, False, None, None, '2*wid1/3'))
    >>> round(p['wid2'].value, 6)
    0.533333
    """

    def __init__(self, usersyms: dict | None = None) -> None:
        super().__init__()
        self._asteval = Interpreter(symtable=dict(_default_symbols()))  # a copy: cheap
        self._base_symbols = self._asteval._initial_names  # the defaults and print
        self._order: list[Parameter] | None = None
        self._fresh = False
        if usersyms:
            self._asteval.symtable.update(usersyms)

    # ---- the dict face
    def __setitem__(self, key: str, par: Parameter) -> None:
        if not valid_symbol_name(key):
            raise KeyError(f"{key!r} is not a valid Parameters name")
        if not isinstance(par, Parameter):
            raise ValueError(f"{par!r} is not a Parameter")
        par.name = key
        par._owner = self
        par._compile(self)
        super().__setitem__(key, par)
        self._order = None
        self._fresh = False
        self._evaluate_if_possible()

    def _evaluate_if_possible(self) -> None:
        """Bring every value up to date now, as lmfit does on ``add``; an expression that
        cannot be evaluated yet (a name added later, a cycle) waits until a value is read
        or the fit is prepared, where its error is raised."""
        if any(p._code is not None for p in dict.values(self)):
            try:
                self.update_constraints()
            except ConstraintError:
                self._fresh = False

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._asteval.symtable.pop(key, None)
        self._order = None
        self._fresh = False

    def add(self, name: str | Parameter, value: Any = None, vary: bool = True, min: Any = -_INF,
            max: Any = _INF, expr: str | None = None, brute_step: Any = None,
            user_data: Any = None) -> None:
        """Add a parameter (or a :class:`Parameter` object) by name.

        The order of the keywords is lmfit 1.x's (``min``, ``max`` before ``expr``); the 0.5
        manual put ``expr`` before ``min`` -- pass them by keyword to be safe in both.
        """
        if isinstance(name, Parameter):
            self[name.name] = name
            return
        if isinstance(value, Parameter):  # a copy, renamed, with any keyword given applied
            par = _copy.deepcopy(value)
            par._owner = None
            par.name = name
            given = {k: v for k, v in (("min", min), ("max", max)) if v not in (-_INF, _INF)}
            par.set(vary=None if vary is True else vary, expr=expr, brute_step=brute_step, **given)
            if user_data is not None:
                par.user_data = user_data
            self[name] = par
            return
        self[name] = Parameter(name, value=value, vary=vary, min=min, max=max, expr=expr,
                               brute_step=brute_step, user_data=user_data)

    def add_many(self, *parlist: tuple | Parameter) -> None:
        """Add several parameters: tuples ``(name, value, vary, min, max, expr, brute_step)``
        (as many leading entries as wanted) or :class:`Parameter` objects.

        Expressions may refer to parameters added later in the same call: nothing is
        evaluated until a value is read.
        """
        for item in parlist:
            if isinstance(item, Parameter):
                self[item.name] = item
            elif isinstance(item, (tuple, list)):
                if not item or len(item) > 7:
                    raise ValueError(f"add_many: a tuple needs 1 to 7 entries (name, value, vary, "
                                     f"min, max, expr, brute_step), got {item!r}")
                self[item[0]] = Parameter(*item)
            else:
                raise TypeError(f"add_many takes tuples or Parameter objects, not {type(item).__name__}")

    def update(self, other: Parameters) -> Parameters:
        """Merge another Parameters (copies of its parameters, and its user symbols); returns self."""
        if not isinstance(other, Parameters):
            raise ValueError(f"'{other}' is not a Parameters object")
        self._asteval.symtable.update(other.user_symbols())
        for par in dict.values(other):
            self[par.name] = _copy.deepcopy(par)
        return self

    def __add__(self, other: Parameters) -> Parameters:
        if not isinstance(other, Parameters):
            raise ValueError(f"'{other}' is not a Parameters object")
        out = _copy.deepcopy(self)
        out.update(other)
        return out

    def __iadd__(self, other: Parameters) -> Parameters:
        if not isinstance(other, Parameters):
            raise ValueError(f"'{other}' is not a Parameters object")
        return self.update(other)

    def valuesdict(self) -> dict[str, float]:
        """``{name: value}`` as plain floats, expressions evaluated (again only when a value
        changed since they were: inside a fit they are fresh at every evaluation)."""
        if not self._fresh:
            self.update_constraints()
        return {name: float(par._val) for name, par in self.items()}

    def eval(self, expr: str) -> Any:
        """Evaluate ``expr`` with the parameters' current values."""
        self.update_constraints()
        return self._asteval.eval(expr)

    # ---- user symbols
    def user_symbols(self) -> dict[str, Any]:
        """Symbols added to the interpreter beyond its defaults and the parameter values."""
        table = self._asteval.symtable
        added = table.keys() - self._base_symbols - self.keys()  # set arithmetic, in C
        if not added:  # the common case: nothing but the defaults and the parameters
            return {}
        return {k: v for k, v in table.items() if k in added}  # in the table's order

    # ---- constraints
    # [constraints]
    def expression_order(self) -> list[Parameter]:
        """The expression parameters, each after every parameter it reads (31.1).

        Raises
        ------
        ConstraintError
            For a cycle (naming its chain, ``a -> b -> a``) or a name that is neither a
            parameter nor a symbol of the interpreter.
        """
        if self._order is not None:
            return self._order
        table = self._asteval.symtable
        order: list[Parameter] = []
        state: dict[str, int] = {}  # 1: on the current path, 2: placed

        def visit(par: Parameter, path: list[str]) -> None:
            state[par.name] = 1
            for dep in sorted(par._code.names):
                if dep in self:
                    child = dict.__getitem__(self, dep)
                    if child._code is None:
                        continue
                    if state.get(dep) == 1:
                        chain = path[path.index(dep):] + [dep]
                        raise ConstraintError("circular constraint expressions: " + " -> ".join(
                            f"{n} ({dict.__getitem__(self, n)._expr!r})" if i < len(chain) - 1 else n
                            for i, n in enumerate(chain)))
                    if state.get(dep) is None:
                        visit(child, path + [dep])
                elif dep not in table:
                    raise ConstraintError(f"constraint of parameter {par.name!r} ({par._expr!r}) "
                                          f"uses {dep!r}, which is not a parameter or a known symbol")
            state[par.name] = 2
            order.append(par)

        for par in dict.values(self):
            if par._expr is not None and par._code is None:
                par._compile(self)
            if par._code is not None and state.get(par.name) is None:
                visit(par, [par.name])
        self._order = order
        return order

    def update_constraints(self) -> None:
        """Write every value into the symbol table, then evaluate the expressions in order."""
        table = self._asteval.symtable
        for name, par in dict.items(self):
            if par._code is None:
                table[name] = par._val
        self.evaluate_expressions(self.expression_order())

    def evaluate_expressions(self, order: list[Parameter]) -> None:
        """Evaluate the compiled expressions of ``order`` and store their (clipped) values."""
        run, table = self._asteval.run, self._asteval.symtable
        for par in order:
            try:
                val = run(par._code)
            except ExprError as err:
                raise ConstraintError(f"constraint of parameter {par.name!r} failed: "
                                      f"{err.get_error()[1]}") from None
            if val > par.max:
                val = par.max
            elif val < par.min:
                val = par.min
            par._val = val
            table[par.name] = val
        self._fresh = True
    # [/constraints]

    # ---- printing
    def pretty_repr(self, oneline: bool = False) -> str:
        """The parameters one per line (or as a one-line ``Parameters([...])``)."""
        if oneline:
            return f"Parameters({list(self.items())!r})"
        lines = ["Parameters({"] + [f"    {k!r}: {v!r}," for k, v in self.items()] + ["    })", ""]
        return "\n".join(lines)

    def pretty_print(self, oneline: bool = False, colwidth: int = 8, precision: int = 4,
                     fmt: str = "g", columns: Iterable[str] = ("value", "min", "max", "stderr",
                                                                "vary", "expr", "brute_step")) -> None:
        """Print a table of the parameters, as lmfit's ``pretty_print``."""
        print(self._table(oneline, colwidth, precision, fmt, tuple(columns)))

    def _table(self, oneline, colwidth, precision, fmt, columns) -> str:
        """lmfit's layout: names padded to the longest, each column right-aligned in
        ``colwidth`` after two blanks, numbers as ``{:>colwidth.precision fmt}``, rows by name."""
        if oneline:
            return self.pretty_repr(oneline=True)
        self.update_constraints()
        name_len = max([len(n) for n in self] + [1])
        head = "Name".ljust(name_len) + " " + "".join(f" {c:>{colwidth}}" for c in columns)
        rows = [head.title()]
        numeric = ("value", "min", "max", "stderr", "brute_step")
        for name in sorted(self):
            par = dict.__getitem__(self, name)
            cells = []
            for col in columns:
                val = getattr(par, col)
                if col in numeric and val is not None and not isinstance(val, bool):
                    cells.append(f"{val:>{colwidth}.{precision}{fmt}}")
                else:
                    cells.append(f"{val!s:>{colwidth}}")
            rows.append(name.ljust(name_len) + " " + "".join(" " + c for c in cells))
        return "\n".join(rows)

    def __repr__(self) -> str:
        return self.pretty_repr(oneline=True)

    # ---- copy and pickle
    def __array__(self, dtype=None, copy=None):
        """The values, in order."""
        return np.array([float(p.value) for p in dict.values(self)], dtype=dtype)

    def __deepcopy__(self, memo: dict) -> Parameters:
        out = type(self)()
        out._asteval.symtable.update(_copy_symbols(self.user_symbols(), memo))
        for par in dict.values(self):
            new = Parameter.__new__(Parameter)
            new.__setstate__(_copied_state(par.__getstate__(), memo))
            out[par.name] = new
        return out

    def copy(self) -> Parameters:
        """A deep copy (user symbols carried over; functions shared, not copied)."""
        return _copy.deepcopy(self)

    __copy__ = copy

    def __reduce__(self):
        return (Parameters, (), self.__getstate__())

    def __getstate__(self) -> dict:
        return {"unique_symbols": self.user_symbols(), "params": list(dict.values(self))}

    def __setstate__(self, state: dict) -> None:
        self._asteval.symtable.update(state.get("unique_symbols", {}))
        self._add_states(state["params"])

    def _add_states(self, states) -> None:
        dict.clear(self)
        for st in states:
            if isinstance(st, Parameter):
                st = st.__getstate__()
            par = Parameter.__new__(Parameter)
            par.__setstate__(tuple(st))
            self[par.name] = par

    # ---- JSON
    def dumps(self, **kws) -> str:
        """The parameters as JSON; ``json.dumps`` keywords are passed on.

        User functions are stored **by name** (with their module and qualified name) and
        re-attached by :meth:`loads`; plain values (numbers, lists, arrays) by value.
        """
        symbols = {name: _encode_symbol(val) for name, val in self.user_symbols().items()}
        params = [[_encode(x) for x in par.__getstate__()] for par in dict.values(self)]
        return json.dumps({"unique_symbols": symbols, "params": params}, **kws)

    def loads(self, s: str, usersyms: dict | None = None, **kws) -> Parameters:
        """Replace the parameters with those of the JSON text ``s`` (from :meth:`dumps`).

        A user function is looked up by name in ``usersyms``, then in this object's symbol
        table, then by its module and qualified name among modules already imported; a
        function found nowhere is reported by a warning (expressions using it fail when the
        fit is prepared).
        """
        data = json.loads(s, **kws)
        if usersyms:
            self._asteval.symtable.update(usersyms)
        missing = []
        for name, enc in data.get("unique_symbols", {}).items():
            found, val = _decode_symbol(name, enc, self._asteval.symtable)
            if found:
                self._asteval.symtable[name] = val
            else:
                missing.append(name)
        if missing:
            warn_user(f"Parameters.loads: function(s) {', '.join(missing)} could not be "
                      f"re-attached; pass them as usersyms={{...}}", UserWarning)
        self._add_states([[_decode(x) for x in st] for st in data["params"]])
        return self

    def dump(self, fp, **kws) -> int:
        """Write :meth:`dumps` to the open file ``fp``; returns the number of characters."""
        return fp.write(self.dumps(**kws))

    def load(self, fp, usersyms: dict | None = None, **kws) -> Parameters:
        """Read parameters written by :meth:`dump` from the open file ``fp``."""
        return self.loads(fp.read(), usersyms=usersyms, **kws)


_ATOMS = frozenset((float, int, bool, str, type(None), np.float64))  # immutable: shared as is


def _copied_state(state: tuple, memo: dict) -> tuple:
    """A deep copy of a state tuple; only its containers (correl, user_data, ...) are copied."""
    return tuple(v if type(v) in _ATOMS else _copy.deepcopy(v, memo) for v in state)


def _copy_symbols(symbols: dict, memo: dict) -> dict:
    """Deep copies of data, the same objects for functions and modules."""
    out = {}
    for name, val in symbols.items():
        out[name] = val if callable(val) or type(val).__name__ == "module" else _copy.deepcopy(val, memo)
    return out


def _encode(x: Any) -> Any:
    """A JSON-able form of a parameter-state entry (floats keep inf/nan via strings)."""
    if isinstance(x, (bool, str)) or x is None:
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return {"__float__": repr(x)} if not math.isfinite(x) else x
    if isinstance(x, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in x.items()]}
    if isinstance(x, np.ndarray):
        return {"__ndarray__": [_encode(v) for v in x.ravel().tolist()], "dtype": str(x.dtype),
                "shape": list(x.shape)}
    if isinstance(x, (list, tuple)):
        return {"__list__": [_encode(v) for v in x], "tuple": isinstance(x, tuple)}
    raise TypeError(f"cannot write {type(x).__name__} {x!r} as JSON")


def _decode(x: Any) -> Any:
    if isinstance(x, dict):
        if "__float__" in x:
            return float(x["__float__"])
        if "__dict__" in x:
            return {_decode(k): _decode(v) for k, v in x["__dict__"]}
        if "__ndarray__" in x:
            return np.array([_decode(v) for v in x["__ndarray__"]], dtype=x["dtype"]).reshape(x["shape"])
        if "__list__" in x:
            items = [_decode(v) for v in x["__list__"]]
            return tuple(items) if x.get("tuple") else items
    return x


def _encode_symbol(val: Any) -> Any:
    if callable(val):
        return {"__function__": getattr(val, "__qualname__", getattr(val, "__name__", "")),
                "module": getattr(val, "__module__", None)}
    try:
        return _encode(val)
    except TypeError:
        return {"__unsaved__": type(val).__name__}


def _decode_symbol(name: str, enc: Any, table: dict) -> tuple[bool, Any]:
    if not isinstance(enc, dict) or not ("__function__" in enc or "__unsaved__" in enc):
        return True, _decode(enc)
    if name in table:
        return True, table[name]
    if "__function__" in enc:
        module = sys.modules.get(enc.get("module") or "")
        obj: Any = module
        for part in enc["__function__"].split("."):
            obj = getattr(obj, part, None) if obj is not None else None
        if callable(obj):
            return True, obj
    return False, None


def create_params(**kws: Any) -> Parameters:
    """Parameters from keywords: a number is a value, a dict holds Parameter's keywords.

    >>> p = create_params(amp=2, sigma={'value': 3, 'min': 0}, fwhm={'expr': '2.3548*sigma'})
    >>> round(p['fwhm'].value, 4)
    7.0644
    """
    params = Parameters()
    for name, spec in kws.items():
        if isinstance(spec, dict):
            params.add(name, **spec)
        else:
            params.add(name, value=spec)
    return params
