"""The default symbol table: the lmfit manual's constants and functions, numpy's array functions.

The table is one flat dict (as in asteval, M. Newville et al., https://github.com/lmfit/asteval,
2014-2025): a name an expression reads is looked up there and nowhere else. It holds

- Python's constants and harmless builtins, with ``range``, ``pow``, ``format``, ``bytes`` and
  ``bytearray`` wrapped so that their size arguments are checked first;
- the functions and constants of the lmfit 0.5 manual, section 5.2 (Newville et al., *LMFIT:
  Non-Linear Least-Square Minimization and Curve-Fitting for Python*, 2012): ``abs acos acosh
  asin asinh atan atan2 atanh ceil copysign cos cosh degrees e exp fabs factorial floor fmod
  frexp fsum hypot isinf isnan ldexp log log10 log1p max min modf pi pow radians sin sinh sqrt
  tan tanh trunc``;
- numpy's array functions under their usual names; where numpy and :mod:`math` share a name the
  numpy function wins (it also takes arrays), and asteval's aliases ``asin -> arcsin`` ...
  ``ln -> log`` are kept. ``abs``, ``min``, ``max``, ``round``, ``sum`` and ``pow`` stay
  Python's builtins so that integers stay exact;
- every numpy function whose *argument* fixes the size of its result (``zeros``, ``arange``,
  ``linspace``, ``eye``, ``tile``, ``outer`` ...) wrapped by :func:`guarded`, which predicts the
  size and refuses it before numpy allocates.

Left out on purpose: anything that reads or writes files or raw memory (``load``, ``save``,
``fromfile``, ``frombuffer``, ``memmap``, ``ctypeslib``), changes global state (``seterr``,
``setbufsize``), prints or introspects (``info``), and submodules (``linalg``, ``fft``, ``lib``)
-- the same audit asteval made for 1.0.1.
"""

from __future__ import annotations

import builtins
import functools
import html
import keyword
import itertools
import math
from collections.abc import Callable

import numpy as np

from .hostdata import HostArrays
from .safety import (DEFAULT_LIMITS, Limits, LimitError, as_count, check_arguments, check_callable,
                     check_numpy_arguments, is_numpy_function,
                     check_format_spec, check_pow, check_size, check_value, matmul_work)

__all__ = ["make_symbol_table", "Group", "valid_symbol_name", "guarded", "bounded_constructors", "FROM_PY", "FROM_MATH", "FROM_NUMPY", "NUMPY_RENAMES"]

# [names]
FROM_PY = (
    "ArithmeticError", "AssertionError", "AttributeError", "BaseException", "Exception",
    "FloatingPointError", "IndexError", "KeyError", "KeyboardInterrupt", "LookupError", "NameError",
    "NotImplementedError", "OverflowError", "RuntimeError", "StopIteration", "TypeError",
    "UnicodeError", "ValueError", "Warning", "ZeroDivisionError",
    "False", "None", "True",
    "abs", "all", "any", "bin", "bool", "chr", "complex", "dict", "divmod", "enumerate",
    "filter", "float", "frozenset", "hash", "hex", "int", "isinstance", "len", "list", "map",
    "max", "min", "oct", "ord", "repr", "reversed", "round", "set", "slice", "sorted", "str",
    "sum", "tuple", "zip",
)
FROM_MATH = (
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "copysign", "cos",
    "cosh", "degrees", "e", "exp", "fabs", "floor", "fmod", "frexp", "fsum", "hypot", "isinf",
    "isnan", "ldexp", "log", "log10", "log1p", "modf", "pi", "radians", "sin", "sinh", "sqrt",
    "tan", "tanh", "trunc",
)
FROM_NUMPY = (
    "add", "all", "amax", "amin", "angle", "any", "append", "arccos", "arccosh", "arcsin",
    "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin", "argsort", "argwhere",
    "around", "array", "asarray", "atleast_1d", "atleast_2d", "atleast_3d", "average",
    "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "broadcast", "ceil", "choose",
    "clip", "column_stack", "common_type", "complex128", "compress", "concatenate", "conjugate",
    "copysign", "cos", "cosh", "cross", "cumprod", "cumsum", "deg2rad", "degrees", "delete",
    "diagonal", "diff", "digitize", "divide", "dsplit", "dstack", "dtype", "e", "ediff1d",
    "empty_like", "equal", "exp", "exp2", "expand_dims", "expm1", "extract", "fabs",
    "fill_diagonal", "finfo", "fix", "flatnonzero", "fliplr", "flipud", "float64", "floor",
    "floor_divide", "fmax", "fmin", "fmod", "frexp", "gradient", "greater", "greater_equal",
    "hsplit", "hstack", "hypot", "i0", "iinfo", "imag", "inexact", "inf", "insert", "int32",
    "integer", "interp", "intersect1d", "invert", "iscomplex", "iscomplexobj", "isfinite",
    "isinf", "isnan", "isneginf", "isposinf", "isreal", "isrealobj", "isscalar", "iterable",
    "ldexp", "left_shift", "less", "less_equal", "little_endian", "log", "log10", "log1p",
    "log2", "logaddexp", "logaddexp2", "logical_and", "logical_not", "logical_or",
    "logical_xor", "longdouble", "longlong", "maximum", "may_share_memory", "mean", "median",
    "minimum", "mintypecode", "mod", "modf", "multiply", "nan", "nan_to_num", "nanargmax",
    "nanargmin", "nanmax", "nanmin", "nansum", "ndim", "negative", "nextafter",
    "nonzero", "not_equal", "number", "ones_like", "packbits", "percentile", "pi", "piecewise",
    "place", "polyadd", "polyder", "polyint", "polysub", "polyval", "power", "prod", "ptp",
    "put", "putmask", "rad2deg", "radians", "ravel", "real", "real_if_close", "reciprocal",
    "remainder", "reshape", "right_shift", "rint", "roll", "rollaxis", "rot90", "searchsorted",
    "select", "setdiff1d", "setxor1d", "shape", "short", "sign", "signbit", "signedinteger",
    "sin", "sinc", "single", "sinh", "size", "sort", "sort_complex", "spacing", "split", "sqrt",
    "square", "squeeze", "std", "subtract", "swapaxes", "take", "tan", "tanh", "trace",
    "transpose", "tril", "triu", "trim_zeros", "true_divide", "trunc", "ubyte", "uint",
    "uint32", "union1d", "unique", "unravel_index", "unsignedinteger", "unwrap", "ushort",
    "var", "vsplit", "vstack", "where", "zeros_like",
)
NUMPY_RENAMES = {"ln": "log", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
                 "atan2": "arctan2", "atanh": "arctanh", "acosh": "arccosh", "asinh": "arcsinh"}
# [/names]


# [guards]
def guarded(func: Callable, count: Callable[..., int], limits: Limits, what: str = "array size",
            cap: str = "max_array_size") -> Callable:
    """Wrap ``func`` so that ``count(*args, **kwargs)`` is checked against a cap first.

    ``count`` predicts the size of the result (or the work) from the arguments alone, so an
    oversized request is refused before anything is allocated or computed.
    """
    bound = getattr(limits, cap)

    def checked(*args, **kwargs):
        predicted = count(*args, **kwargs)
        if predicted > bound:
            raise LimitError(f"{what} exceeded in {func.__name__}(): {predicted} > {bound}")
        return func(*args, **kwargs)

    checked.__name__ = checked.__qualname__ = func.__name__
    checked.__doc__ = func.__doc__
    checked.__module__ = getattr(func, "__module__", None) or __name__  # numpy's stay numpy's
    return checked


def _words(value) -> int:
    """8-byte words per element of an array filled with ``value`` (long strings count more)."""
    return max(1, np.asarray(value).itemsize // 8) if isinstance(value, (str, bytes)) else 1


def _n(x) -> int:
    """A count from an int or a shape (product of its entries)."""
    if np.ndim(x) == 0:
        return as_count(x)
    return math.prod(as_count(s) for s in x)


def _arange_count(*args, **kwargs) -> int:
    start, stop, step = 0, None, 1
    if len(args) == 1:
        stop = args[0]
    elif len(args) >= 2:
        start, stop = args[:2]
        step = args[2] if len(args) > 2 else kwargs.get("step", 1)
    start = kwargs.get("start", start)
    stop = kwargs.get("stop", stop)
    step = kwargs.get("step", step)
    if stop is None:
        start, stop = 0, start
    span = (float(np.real(stop)) - float(np.real(start))) / float(np.real(step or 1))
    return int(math.ceil(span)) if math.isfinite(span) else 0


def _num(default: int, position: int = 2) -> Callable[..., int]:
    def count(*args, **kwargs) -> int:
        return as_count(args[position] if len(args) > position else kwargs.get("num", default))
    return count


def _square(n, m=None, *args, **kwargs) -> int:
    return as_count(n) * as_count(m if m is not None else n)


def _products(a, b, *args, **kwargs) -> int:
    return max(np.size(a), 1) * max(np.size(b), 1)


def _tile(a, reps) -> int:
    return max(np.size(a), 1) * _n(reps)


def _repeat(a, repeats, *args, **kwargs) -> int:
    return max(np.size(a), 1) * int(np.max(repeats)) if np.size(repeats) else 0


def _diag(v, k=0) -> int:
    n = np.shape(v)[0] + abs(as_count(k)) if np.ndim(v) == 1 else np.size(v)
    return n * n


def _like(a, *args, shape=None, **kwargs) -> int:
    return _n(shape) if shape is not None else np.size(a)


def _histogram(a, bins=10, *args, **kwargs) -> int:
    return as_count(bins) if np.ndim(bins) == 0 and not isinstance(bins, str) else np.size(bins)


def _total(items, *args, **kwargs) -> int:
    """Elements of an array built from ``items``: arrays and lists one level down counted."""
    if not isinstance(items, (list, tuple)):
        return max(np.size(items), 1) if isinstance(items, np.ndarray) else 1
    return sum(x.size if isinstance(x, np.ndarray) else len(x) if isinstance(x, (list, tuple)) else 1
               for x in items)


def _cov(m, *args, **kwargs) -> int:
    return max(np.shape(m), default=1) ** 2


def _cube(p, *args, **kwargs) -> int:
    return max(np.shape(p), default=1) ** 3


# name: (count function, what is bounded, which cap)
NUMPY_GUARDS: dict[str, tuple[Callable[..., int], str]] = {
    "zeros": (lambda shape, *a, **k: _n(shape), "max_array_size"),
    "ones": (lambda shape, *a, **k: _n(shape), "max_array_size"),
    "empty": (lambda shape, *a, **k: _n(shape), "max_array_size"),
    "full": (lambda shape, fill_value, *a, **k: _n(shape) * _words(fill_value), "max_array_size"),
    "zeros_like": (_like, "max_array_size"),
    "ones_like": (_like, "max_array_size"),
    "empty_like": (_like, "max_array_size"),
    "arange": (_arange_count, "max_array_size"),
    "linspace": (_num(50), "max_array_size"),
    "logspace": (_num(50), "max_array_size"),
    "geomspace": (_num(50), "max_array_size"),
    "eye": (_square, "max_array_size"),
    "identity": (lambda n, *a, **k: as_count(n) ** 2, "max_array_size"),
    "tri": (_square, "max_array_size"),
    "tile": (_tile, "max_array_size"),
    "repeat": (_repeat, "max_array_size"),
    "resize": (lambda a, new_shape: _n(new_shape), "max_array_size"),
    "outer": (_products, "max_array_size"),
    "kron": (_products, "max_array_size"),
    "meshgrid": (lambda *xi, **k: math.prod(max(np.size(x), 1) for x in xi) * len(xi), "max_array_size"),
    "indices": (lambda dimensions, *a, **k: _n(dimensions) * len(dimensions), "max_array_size"),
    "fromfunction": (lambda function, shape, **k: _n(shape), "max_array_size"),
    "fromiter": (lambda it, dtype=None, count=-1, **k: as_count(count), "max_array_size"),
    "vander": (lambda x, N=None, *a, **k: np.size(x) * as_count(N if N is not None else np.size(x)), "max_array_size"),
    "diag": (_diag, "max_array_size"),
    "diagflat": (_diag, "max_array_size"),
    "bartlett": (lambda M: as_count(M), "max_array_size"),
    "blackman": (lambda M: as_count(M), "max_array_size"),
    "hamming": (lambda M: as_count(M), "max_array_size"),
    "hanning": (lambda M: as_count(M), "max_array_size"),
    "kaiser": (lambda M, beta: as_count(M), "max_array_size"),
    "histogram": (_histogram, "max_array_size"),
    "tril_indices": (_square, "max_array_size"),
    "triu_indices": (_square, "max_array_size"),
    "mask_indices": (lambda n, *a, **k: as_count(n) ** 2, "max_array_size"),
    "diag_indices": (lambda n, ndim=2: as_count(n) * as_count(ndim), "max_array_size"),
    "array": (_total, "max_array_size"),
    "asarray": (_total, "max_array_size"),
    "concatenate": (_total, "max_array_size"),
    "stack": (_total, "max_array_size"),
    "vstack": (_total, "max_array_size"),
    "hstack": (_total, "max_array_size"),
    "dstack": (_total, "max_array_size"),
    "column_stack": (_total, "max_array_size"),
    "append": (lambda arr, values, *a, **k: _total(arr) + _total(values), "max_array_size"),
    "cov": (_cov, "max_array_size"),
    "corrcoef": (_cov, "max_array_size"),
    "dot": (lambda a, b, *x, **k: matmul_work(a, b), "max_work"),
    "matmul": (lambda a, b, *x, **k: matmul_work(a, b), "max_work"),
    "inner": (lambda a, b: matmul_work(a, np.swapaxes(b, -1, -2) if np.ndim(b) >= 2 else b), "max_work"),
    "tensordot": (_products, "max_work"),
    "convolve": (_products, "max_work"),
    "correlate": (_products, "max_work"),
    "polymul": (_products, "max_work"),
    "polydiv": (_products, "max_work"),
    "roots": (_cube, "max_work"),
    "poly": (_cube, "max_work"),
}
# [/guards]


def take_items(iterable, limits: Limits) -> list:
    """At most ``max_sequence_length`` items of ``iterable`` (one more is read to tell), or a
    LimitError."""
    cap = limits.max_sequence_length
    if hasattr(iterable, "__len__") and len(iterable) > cap:
        raise LimitError(f"sequence length exceeded, max length is {cap}")
    items = list(itertools.islice(iterable, cap + 1))
    if len(items) > cap:
        raise LimitError(f"sequence length exceeded, max length is {cap}")
    return items


@functools.lru_cache(maxsize=16)
def bounded_constructors(limits: Limits) -> dict[int, Callable]:
    """Stand-ins for ``list``, ``tuple``, ``set``, ``frozenset`` when an expression calls them.

    The table keeps the real types (so ``isinstance(x, list)`` works); the compiler calls these
    instead, which take at most ``max_sequence_length`` items from an iterator -- so that
    ``list(some_long_iterator)`` is refused instead of filling memory. Keyed by ``id`` of the type.
    """
    def bounded(kind):
        def make(iterable=(), /):
            items = take_items(iterable, limits)
            return items if kind is list else kind(items)
        make.__name__ = make.__qualname__ = kind.__name__
        return make
    return {id(kind): bounded(kind) for kind in (list, tuple, set, frozenset)}


def _python_guards(limits: Limits) -> dict[str, Callable]:
    """``range``, ``pow``, ``factorial``, ``format``, ``bytes``, ``bytearray`` with size checks."""
    def length(*args):
        return len(range(*args))

    def int_arg(source=b"", *args):
        return as_count(source) if isinstance(source, (int, np.integer)) else 0

    def factorial_bits(n):
        n = as_count(n)
        return int(n * math.log2(n)) if n > 1 else 1

    def power(base, exp, mod=None):
        if mod is None:
            check_pow(base, exp, limits)
        return pow(base, exp, mod)

    def format_(value, spec=""):
        check_format_spec(spec, limits)
        return format(value, spec)

    def sum_(iterable, /, start=0):
        if not isinstance(start, (int, float, complex, np.number, np.ndarray)):
            raise TypeError("sum() can't sum sequences; use concatenate() or ''.join()")
        items = take_items(iterable, limits)
        check_arguments([start, *items], {}, limits)  # arrays broadcast together as they add up
        return sum(items, start)

    def check_fan(iterables) -> None:
        """zip/map over n iterables of length m produce n*m items: bound the product."""
        shortest = min((len(it) for it in iterables if hasattr(it, "__len__")),
                       default=limits.max_sequence_length)
        if len(iterables) * shortest > limits.max_sequence_length:
            raise LimitError(f"too many items: {len(iterables)} iterables of {shortest}, "
                             f"max is {limits.max_sequence_length}")

    def sorted_(iterable, /, *, key=None, reverse=False):
        return sorted(take_items(iterable, limits), key=key, reverse=reverse)

    def zip_(*iterables, strict=False):
        check_fan(iterables)
        return zip(*iterables, strict=strict)

    def map_(func, /, *iterables):
        check_callable(func)
        check_fan(iterables)
        sealer = HostArrays()  # knows no array as its own: every array argument is sealed

        def checked(*args):  # each call meets the checks of a call written in the text
            check_arguments(args, {}, limits)
            if is_numpy_function(func):  # the items may be the host's arrays: numpy gets them sealed
                check_numpy_arguments(args, {}, limits)
                args = [sealer.guard(a) for a in args]
            return check_size(check_value(func(*args)), limits)
        return map(checked, *iterables)

    guards = {"pow": (power, pow), "format": (format_, format), "sum": (sum_, sum), "map": (map_, map),
              "zip": (zip_, zip), "sorted": (sorted_, sorted)}
    for func, original in guards.values():
        func.__doc__, func.__name__, func.__qualname__ = original.__doc__, original.__name__, original.__name__
    return {
        "range": guarded(range, length, limits, "sequence length", "max_sequence_length"),
        "bytes": guarded(bytes, int_arg, limits, "string length", "max_str_len"),
        "bytearray": guarded(bytearray, int_arg, limits, "string length", "max_str_len"),
        "factorial": guarded(math.factorial, factorial_bits, limits, "integer size", "max_int_bits"),
        **{name: func for name, (func, _) in guards.items()},
    }


# [group]
class Group(dict):
    """A namespace that is also a dict: ``g.x`` and ``g['x']`` are the same entry.

    asteval's nested symbol table (``nested_symtable=True``) is a tree of these: the top group
    holds the user's names and a ``math`` group with the mathematical functions, searched when
    a name is not found at the top (``searchgroups``). ``Group()`` is also callable from
    expressions, to make a namespace there.
    """

    def __init__(self, name: str | None = None, searchgroups: tuple = (), **symbols) -> None:
        dict.__init__(self, **symbols)
        object.__setattr__(self, "_name", hex(id(self)) if name is None else name)
        object.__setattr__(self, "_searchgroups", tuple(searchgroups))

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"Group {self._name!r} has no attribute {name!r}") from None

    def __setattr__(self, name: str, value) -> None:
        if not valid_symbol_name(name):
            raise SyntaxError(f"invalid attribute name {name!r}")
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(f"Group {self._name!r} has no attribute {name!r}") from None

    def get(self, key, default=None):
        """The entry ``key``, else the first search group's entry of that name, else ``default``."""
        if key in self:
            return self[key]
        for group in self._searchgroups:
            inner = dict.get(self, group)
            if isinstance(inner, dict) and key in inner:
                return inner[key]
        return default

    def __repr__(self) -> str:
        return f"Group({self._name!r}, {len(self)} symbols)"

    def _repr_html_(self) -> str:
        """A table of the entries (name, type, value), for notebooks."""
        rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td><i>{type(v).__name__}</i></td>"
                       f"<td>{html.escape(repr(v)[:75])}</td></tr>" for k, v in self.items())
        return (f"<table><caption>Group({html.escape(repr(self._name), quote=False)})</caption>"
                f"<tr><th>Attribute</th><th>DataType</th><th><b>Value</b></th></tr>{rows}</table>")
# [/group]


RESERVED_NAMES = frozenset(keyword.kwlist) | {"exec", "eval", "execfile", "__import__", "__package__",
                                               "__fstring__"}


def valid_symbol_name(name) -> bool:
    """Whether ``name`` can name a symbol: an identifier and not a reserved word (Python's
    keywords and asteval's ``exec eval execfile __import__ __package__ __fstring__``)."""
    return isinstance(name, str) and name.isidentifier() and name not in RESERVED_NAMES


def make_symbol_table(use_numpy: bool = True, limits: Limits | None = None, *, nested: bool = False,
                      top: bool = True, **symbols) -> dict:
    """A fresh default symbol table, plus ``symbols``.

    Parameters
    ----------
    use_numpy : bool, optional
        Add numpy's array functions (default True); without them the table holds Python's
        builtins and the :mod:`math` functions of the lmfit manual.
    limits : Limits, optional
        The caps the size-guarded functions check (default :data:`DEFAULT_LIMITS`).
    nested : bool, optional
        Make asteval's nested table: a :class:`Group` whose ``math`` group holds the
        mathematical functions (default False: one flat dict).
    top : bool, optional
        With ``nested``, whether this is the top group (named ``'_main'``, or by a ``name``
        keyword); as in asteval.
    **symbols
        Extra names, added last (they override the defaults).

    Returns
    -------
    dict or Group
        A new table from names to values.
    """
    limits = DEFAULT_LIMITS if limits is None else limits
    table: dict = {name: getattr(builtins, name) for name in FROM_PY}
    functions: dict = {name: getattr(math, name) for name in FROM_MATH}
    if use_numpy:
        functions.update((name, getattr(np, name)) for name in FROM_NUMPY if hasattr(np, name))
        functions.update((alias, getattr(np, name)) for alias, name in NUMPY_RENAMES.items())
        for name, (count, cap) in NUMPY_GUARDS.items():
            what = "work" if cap == "max_work" else "array size"
            functions[name] = guarded(getattr(np, name), count, limits, what, cap)
        functions["ndarray"] = np.ndarray  # for isinstance(); calling it is refused by identity
    else:
        functions["ln"] = math.log
    functions.update(_python_guards(limits))  # after numpy: these names stay Python's
    functions.update(abs=abs, min=min, max=max, round=round)
    if not nested:
        table.update(functions)
        table.update(symbols)
        return table
    name = symbols.pop("name", "_main") if top else "_"
    group = Group(name, searchgroups=("math",), **table)
    group.update(math=Group("math", **functions), Group=Group)
    group.update(symbols)
    return group
