"""The checks and limits that keep an expression inside its symbol table.

Threat model: the *text* of an expression is untrusted (a constraint read from a file, typed
by a user of a web form); the *host* program, which fills the symbol table, is trusted. An
expression may read and call only what the symbol table holds, and may not use more than a
bounded amount of memory or time. The defences, each a tiny named function below:

1. **Syntax whitelist** (:data:`EXPRESSION_NODES`, :data:`STATEMENT_NODES`): a node type not
   listed is refused before anything runs; ``import`` is a :class:`SecurityError`.
2. **Names**: no name starting with ``__`` (``__import__``, ``__builtins__``) --
   :func:`check_name`.
3. **Attributes**: no name starting with ``_`` and none of the frame/generator/code/format
   names in :data:`FORBIDDEN_ATTRIBUTES` -- :func:`check_attribute_name`, decided at compile
   time; no attribute of the dangerous modules in :data:`UNSAFE_MODULES`, and no attribute
   *value* that is a module, frame, code object, traceback, generator or a forbidden
   function -- :func:`check_attribute_owner`, :func:`check_value`.
4. **Calls**: never ``eval``, ``exec``, ``open``, ``getattr``, ``type``, numpy's loaders and
   savers ... (:data:`FORBIDDEN_IDS`, by identity) -- :func:`check_callable`.
5. **Resources** (:class:`Limits`): exponent, shift and integer size; string, sequence and
   array growth checked *before* the operation allocates; nesting depth of the syntax tree;
   statement length; recursion depth; and a budget of loop iterations, comprehension items
   and function calls with a wall-clock deadline (:class:`Budget`).

The design follows asteval (M. Newville, T. Stensitzki, R. Otten et al.,
https://github.com/lmfit/asteval, 2014-2025; the 1.0.10 rules are summarised in the project
notes), whose ``safe_getattr``, ``safe_pow``, ``safe_mult``, ``safe_add`` and ``safe_lshift``
have the same purpose; refopt adds the limits asteval lacks (loop steps, time, recursion,
nesting, sequence and array sizes). Why attribute access is the dangerous part: N. Batchelder,
"Eval really is dangerous" (blog post, 2012). Python's node types: the Python Language
Reference and the :mod:`ast` module documentation (Python 3.11, 2022).
"""

from __future__ import annotations

import ast
import builtins
import io
import math
import os
import re
import sys
import time
import types
from dataclasses import dataclass
from operator import index as _as_index

import numpy as np

from .errors import ExprSyntaxError, LimitError, SecurityError, refusal
from .hostdata import HostArrays

# [whitelists]
EXPRESSION_NODES = (
    ast.Constant, ast.Name, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
    ast.Tuple, ast.List, ast.Set, ast.Dict, ast.Subscript, ast.Slice, ast.Attribute, ast.Call,
    ast.Starred, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Lambda,
    ast.JoinedStr, ast.FormattedValue,
)
STATEMENT_NODES = (
    ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.If, ast.For, ast.While,
    ast.Break, ast.Continue, ast.Pass, ast.FunctionDef, ast.Return, ast.Try, ast.Raise,
    ast.Assert, ast.Delete,
)
IMPORT_NODES = (ast.Import, ast.ImportFrom)
# [/whitelists]

# [forbidden]
FORBIDDEN_ATTRIBUTES = frozenset({
    "format", "format_map",          # str.format walks attributes: "{0.__class__}".format(x)
    "mro",                           # type.mro() lists object and every base class
    "ctypes", "tofile", "dump", "dumps", "resize", "repeat",   # ndarray: raw memory, files, growth
    "ljust", "rjust", "center", "zfill", "expandtabs", "translate",  # str growth by argument
    "to_bytes",                      # int.to_bytes(length): allocation by argument
    "outer",                         # ufunc.outer: an n*m result from two arrays
})
FORBIDDEN_PREFIXES = ("_", "f_", "tb_", "gi_", "cr_", "ag_", "co_", "func_", "im_")
FORBIDDEN_VALUE_TYPES = frozenset({
    types.ModuleType, types.FrameType, types.CodeType, types.TracebackType, types.GeneratorType,
    types.CoroutineType, types.AsyncGeneratorType, types.CellType, types.MappingProxyType,
    memoryview,  # a sealed array's .base: its .obj is the host's array
})
UNSAFE_MODULES = (os, sys, io, builtins, types)
UNSAFE_MODULE_IDS = frozenset(id(m) for m in UNSAFE_MODULES)
_FORBIDDEN_BUILTINS = (
    "eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "hasattr", "__import__",
    "globals", "locals", "vars", "dir", "input", "breakpoint", "help", "memoryview", "object",
    "super", "type", "classmethod", "staticmethod", "property", "exit", "quit",
)
_FORBIDDEN_NUMPY = (
    "load", "save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt", "fromfile",
    "fromregex", "frombuffer", "fromstring", "memmap", "DataSource", "info", "show_config",
    "show_runtime", "seterr", "seterrcall", "setbufsize", "set_printoptions", "get_include",
    "frompyfunc", "ndarray", "recarray", "require",
)
FORBIDDEN_IDS = frozenset(
    [id(getattr(builtins, n)) for n in _FORBIDDEN_BUILTINS if hasattr(builtins, n)]
    + [id(getattr(np, n)) for n in _FORBIDDEN_NUMPY if hasattr(np, n)]
    + [id(os.system), id(io.open)]
)
# [/forbidden]

_SEQUENCES = (str, bytes, bytearray, list, tuple)
_NUMBERS = frozenset({int, float, bool, complex, np.float64})


# [limits]
@dataclass(frozen=True)
class Limits:
    """Resource caps of one interpreter (every field is a keyword of ``Interpreter``).

    Attributes
    ----------
    max_statement_length : int
        Characters of source text (asteval's 50000).
    max_depth : int
        Nesting depth of the syntax tree (a chain ``a + b + c + ...`` counts once).
    max_exponent, max_shift : int
        Largest integer exponent of ``**`` and shift of ``<<`` (asteval's 10000 and 1000).
    max_int_bits : int
        Largest integer, in bits, that ``**``, ``*`` or ``<<`` may produce.
    max_str_len : int
        Longest string or bytes (asteval's 262144).
    max_sequence_length : int
        Longest list, tuple, set, dict or range.
    max_array_size : int
        Most elements of an array built by an operator or a size-taking numpy function.
    max_work : int
        Most multiply-adds of one matrix product or convolution.
    max_steps : int
        Loop iterations, comprehension items and function calls in one run, all together.
    max_recursion : int
        Deepest nesting of calls to functions defined in expressions.
    max_time : float or None
        Wall-clock seconds of one run, checked at every step (None: no deadline).
    """

    max_statement_length: int = 50_000
    max_depth: int = 100
    max_exponent: int = 10_000
    max_shift: int = 1_000
    max_int_bits: int = 131_072
    max_str_len: int = 262_144
    max_sequence_length: int = 1_000_000
    max_array_size: int = 10_000_000
    max_work: int = 1_000_000_000
    max_steps: int = 100_000
    max_recursion: int = 50
    max_time: float | None = 10.0
# [/limits]


DEFAULT_LIMITS = Limits()


# ---------------------------------------------------------------- compile-time checks
def check_length(text: str, limits: Limits) -> None:
    """Refuse source text longer than ``max_statement_length``."""
    if len(text) > limits.max_statement_length:
        raise LimitError(f"length of text exceeds {limits.max_statement_length} characters")


def check_node_type(node: ast.AST, disabled: frozenset = frozenset()) -> None:
    """Refuse node types outside the whitelists (import is a security matter) and those the
    interpreter's configuration switched off (``no_ifexp=True``, ``minimal=True``)."""
    if isinstance(node, IMPORT_NODES):
        raise refusal(SecurityError, "import is not allowed", NotImplementedError)
    if not isinstance(node, EXPRESSION_NODES + STATEMENT_NODES):
        raise unsupported(type(node).__name__)
    if disabled and type(node).__name__.lower() in disabled:
        raise unsupported(type(node).__name__.lower())


def unsupported(name: str) -> ExprSyntaxError:
    """The error for a node type that is not evaluated (asteval: NotImplementedError)."""
    return refusal(ExprSyntaxError, f"'{name}' is not supported", NotImplementedError)


def check_name(name: str) -> None:
    """Refuse names starting with ``__`` (``__import__``, ``__builtins__``, ...)."""
    if name.startswith("__"):
        raise refusal(SecurityError, f"name {name!r} is not allowed", NameError)


def check_attribute_name(attr: str, store: bool = False) -> None:
    """Refuse private, dunder, frame/code/generator and format attributes."""
    if attr.startswith(FORBIDDEN_PREFIXES) or attr in FORBIDDEN_ATTRIBUTES:
        raise SecurityError(f"cannot assign to unsafe attribute {attr}" if store else
                            f"no safe attribute {attr!r}")


def check_depth(depth: int, limits: Limits) -> None:
    """Refuse syntax nested deeper than ``max_depth`` (the compiler counts as it descends;
    the left operand of a binary operation counts at its parent's depth, because left-leaning
    chains such as ``a + b + c`` are folded into one loop)."""
    if depth > limits.max_depth:
        raise LimitError(f"expression nested too deeply (more than {limits.max_depth} levels)")


# ---------------------------------------------------------------- run-time checks
# [values]
def check_value(value: object) -> object:
    """Refuse modules, frames, code, tracebacks, generators and forbidden functions."""
    if type(value) in FORBIDDEN_VALUE_TYPES or id(value) in FORBIDDEN_IDS:
        raise SecurityError(f"access to {_describe(value)} is not allowed")
    return value


def check_attribute_owner(obj: object) -> None:
    """Refuse any attribute of the modules that reach the operating system."""
    if id(obj) in UNSAFE_MODULE_IDS:
        raise SecurityError(f"no attribute of module {obj.__name__!r} is allowed")


def check_callable(func: object) -> None:
    """Refuse calling eval, exec, open, getattr, type, numpy's file functions, ..."""
    if id(func) in FORBIDDEN_IDS or type(func) in FORBIDDEN_VALUE_TYPES:
        raise SecurityError(f"calling {_describe(func)} is not allowed")


def check_attribute_target(obj: object) -> None:
    """Refuse assigning attributes of modules, classes, functions and arrays."""
    if isinstance(obj, (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                        np.ndarray, np.ufunc)) or callable(obj):
        raise SecurityError(f"cannot assign attributes of {_describe(obj)}")


def _describe(value: object) -> str:
    name = getattr(value, "__name__", None)
    kind = type(value).__name__
    return f"{kind} {name!r}" if isinstance(name, str) else kind
# [/values]


# [sizes]
def size_of(value: object) -> int:
    """Elements of a sized value (0 for scalars and unsized objects)."""
    if isinstance(value, np.ndarray):
        return value.size
    try:
        return len(value)  # type: ignore[arg-type]
    except TypeError:
        return 0


_STRINGS, _CONTAINERS, _ARRAYS = 1, 2, 3
_SIZED_TYPES = {str: _STRINGS, bytes: _STRINGS, bytearray: _STRINGS, list: _CONTAINERS,
                tuple: _CONTAINERS, dict: _CONTAINERS, set: _CONTAINERS, frozenset: _CONTAINERS,
                range: _CONTAINERS, np.ndarray: _ARRAYS}
GROWABLE_TYPES = frozenset({list, dict, set, bytearray})


def check_size(value: object, limits: Limits) -> object:
    """Refuse strings, sequences and arrays larger than their caps; return the value."""
    kind = _SIZED_TYPES.get(type(value))
    if kind is None:
        return value
    if kind == _STRINGS:
        if len(value) > limits.max_str_len:
            raise LimitError(f"string length exceeded, max string length is {limits.max_str_len}")
    elif kind == _ARRAYS:
        if value.size > limits.max_array_size or value.nbytes > 16 * limits.max_array_size:
            raise LimitError(f"array size exceeded, max array size is {limits.max_array_size}")
        if value.dtype.hasobject:  # Python objects inside numpy's loops escape every check above
            raise SecurityError("arrays of Python objects are not allowed")
    elif len(value) > limits.max_sequence_length:
        raise LimitError(f"sequence length exceeded, max length is {limits.max_sequence_length}")
    return value


def check_arguments(args, kwargs: dict, limits: Limits) -> None:
    """Before a call: bound dtype arguments' item size and the broadcast of array arguments.

    ``array('x', dtype='U1000000000')`` or ``zeros(3, dtype=('f8', (10**5, 10**5)))`` ask
    for gigabytes per element; several array arguments of one call broadcast together like
    the operands of an operator.
    """
    arrays = []
    values = (*args, *kwargs.values()) if kwargs else args
    for value in values:
        t = type(value)
        if t is np.ndarray:
            arrays.append(value)
        elif t is str or t is np.dtype or t is tuple or isinstance(value, type):
            check_dtype_like(value, limits)
    if len(arrays) > 1:
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:  # not broadcast together (e.g. dot): the function checks itself
            return
        check_count(math.prod(shape), limits)


_NUMPY_OWNERS = (np.ufunc, np.ndarray, np.generic)


def is_numpy_function(func) -> bool:
    """Whether ``func`` is a numpy function, a ufunc, or a method of one or of an array
    (their loops run unchecked)."""
    return (isinstance(func, np.ufunc) or getattr(func, "__module__", None) == "numpy"
            or isinstance(getattr(func, "__self__", None), _NUMPY_OWNERS))


def check_numpy_arguments(args, kwargs: dict, limits: Limits) -> None:
    """Refuse integers beyond 64 bits in a numpy call's arguments (up to 3 list levels down).

    numpy turns such integers into arrays of Python objects and then multiplies or raises
    them inside its own loops -- ``power([10**5000], 10**4)`` or ``prod([10**5000] * 10**4)``
    -- where none of the operator checks apply. Nested lists of more than
    ``max_sequence_length`` items in all are refused too (the scan must stay quick).
    """
    budget = None
    for value in (*args, *kwargs.values()) if kwargs else args:
        t = type(value)
        if t is int:
            _check_small_int(value)
        elif t is list or t is tuple:
            budget = [limits.max_sequence_length] if budget is None else budget
            _scan_items(value, 1, budget, limits)


def _check_small_int(value: int) -> None:
    if value.bit_length() > 63:
        raise SecurityError("integers beyond 64 bits are not allowed in numpy arguments")


def _scan_items(items, level: int, budget: list, limits: Limits) -> None:
    """Scan nested lists (to depth 3) for big integers, spending ``budget`` per item."""
    budget[0] -= len(items)
    if budget[0] < 0:
        raise LimitError(f"nested list argument too large, max is {limits.max_sequence_length} items")
    for item in items:
        t = type(item)
        if t is int:
            _check_small_int(item)
        elif (t is list or t is tuple) and level < 3:
            _scan_items(item, level + 1, budget, limits)


def check_dtype_like(value, limits: Limits) -> None:
    """Refuse a dtype (or a value numpy reads as one) whose items exceed ``max_str_len`` bytes."""
    if isinstance(value, str) and (len(value) > 64 or not any(c.isdigit() for c in value)):
        return
    try:
        itemsize = np.dtype(value).itemsize
    except Exception:  # not a dtype at all
        return
    if itemsize > limits.max_str_len:
        raise LimitError(f"dtype item size {itemsize} exceeds {limits.max_str_len} bytes")


def check_count(count: int, limits: Limits, what: str = "array size") -> None:
    """Refuse a predicted element count above ``max_array_size``."""
    if count > limits.max_array_size:
        raise LimitError(f"{what} exceeded: {count} > {limits.max_array_size}")


def check_broadcast(a: object, b: object, limits: Limits) -> None:
    """Refuse an array operation whose broadcast result would exceed ``max_array_size``."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        check_count(math.prod(shape), limits)


def _check_length(length: int, value: object, limits: Limits) -> None:
    if isinstance(value, (str, bytes, bytearray)):
        if length > limits.max_str_len:
            raise LimitError(f"string length exceeded, max string length is {limits.max_str_len}")
    elif length > limits.max_sequence_length:
        raise LimitError(f"sequence length exceeded, max length is {limits.max_sequence_length}")


def _int_like(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)
# [/sizes]


# [operators]
def check_pow(a, b, limits: Limits) -> None:
    """Before ``a ** b``: bound the exponent and the size of an integer result."""
    if _int_like(b) and abs(b) > limits.max_exponent:
        raise LimitError(f"invalid exponent, max exponent is {limits.max_exponent}")
    if isinstance(b, np.ndarray):
        if b.size and np.issubdtype(b.dtype, np.number) and np.nanmax(np.abs(b)) > limits.max_exponent:
            raise LimitError(f"invalid exponent, max exponent is {limits.max_exponent}")
    elif isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        if a.bit_length() * b > limits.max_int_bits:
            raise LimitError(f"integer too large, max is {limits.max_int_bits} bits")
    check_broadcast(a, b, limits)


def check_mul(a, b, limits: Limits) -> None:
    """Before ``a * b``: bound integer size, sequence repetition and array broadcast."""
    ta, tb = type(a), type(b)
    if ta is float or tb is float:
        return
    if ta is int and tb is int:
        if a.bit_length() + b.bit_length() > limits.max_int_bits:
            raise LimitError(f"integer too large, max is {limits.max_int_bits} bits")
    elif isinstance(a, _SEQUENCES) and _int_like(b):
        _check_length(len(a) * int(b), a, limits)
    elif isinstance(b, _SEQUENCES) and _int_like(a):
        _check_length(len(b) * int(a), b, limits)
    else:
        check_broadcast(a, b, limits)


def check_add(a, b, limits: Limits) -> None:
    """Before ``a + b``: bound string and sequence concatenation and array broadcast."""
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _check_length(len(a) + len(b), a, limits)
    else:
        check_broadcast(a, b, limits)


def check_lshift(a, b, limits: Limits) -> None:
    """Before ``a << b``: bound the shift and the size of an integer result."""
    if _int_like(b) and b > limits.max_shift:
        raise LimitError(f"invalid left shift, max left shift is {limits.max_shift}")
    if isinstance(b, np.ndarray) and b.size and np.issubdtype(b.dtype, np.number):
        if np.nanmax(np.abs(b)) > limits.max_shift:
            raise LimitError(f"invalid left shift, max left shift is {limits.max_shift}")
    if isinstance(a, int) and _int_like(b) and a.bit_length() + int(b) > limits.max_int_bits:
        raise LimitError(f"integer too large, max is {limits.max_int_bits} bits")
    check_broadcast(a, b, limits)


_WIDTH = re.compile(r"\d+")


_SPEC_FIELD = re.compile(r"\{([^{}!:]*)")


def check_format_spec(spec: str, limits: Limits) -> None:
    """Refuse format widths and precisions that would build over-long strings, and spec text
    naming unsafe attributes: no built-in type reads fields in a spec, but a host object's
    ``__format__`` might hand its spec to ``str.format`` (asteval refuses these too)."""
    for field in _SPEC_FIELD.findall(spec):
        for part in re.split(r"[.\[\]]", field):
            if part:
                check_attribute_name(part)
    if "*" in spec:
        raise SecurityError("'*' widths in format strings are not allowed")
    for digits in _WIDTH.findall(spec):
        if len(digits) > 9 or int(digits) > limits.max_str_len:
            raise LimitError(f"format width {digits} exceeds the max string length {limits.max_str_len}")


def check_mod(a, b, limits: Limits) -> None:
    """Before ``a % b``: for printf-style formatting, bound the widths in ``a``."""
    if isinstance(a, (str, bytes)):
        check_format_spec(a if isinstance(a, str) else a.decode("latin-1"), limits)
    else:
        check_broadcast(a, b, limits)


def matmul_work(a, b) -> int:
    """Multiply-adds of ``a @ b`` (or ``dot``): size(a) times the columns of ``b``."""
    shape_b = np.shape(b)
    if not shape_b:
        return size_of(a)
    inner = shape_b[-2] if len(shape_b) >= 2 else shape_b[0]
    return max(np.size(a), 1) * (math.prod(shape_b) // max(inner, 1))


def check_matmul(a, b, limits: Limits) -> None:
    """Before ``a @ b``: bound the multiply-adds."""
    if matmul_work(a, b) > limits.max_work:
        raise LimitError(f"matrix product too large, max work is {limits.max_work}")


GUARDED_STR_TYPES = (str, bytes, bytearray)
GUARDED_METHODS = frozenset({"join", "replace", "astype", "at"})


def guard_method(obj, attr: str, method, limits: Limits):
    """``str.join``, ``str.replace`` and ``ndarray.astype`` with their result size predicted
    first; ``ufunc.at`` refusing a read-only operand (numpy does not check it)."""
    if attr == "at" and isinstance(obj, np.ufunc):
        def at(a, *args, **kwargs):  # numpy's ufunc.at writes even into a read-only array
            if isinstance(a, np.ndarray) and not a.flags.writeable:
                raise ValueError(f"{obj.__name__}.at: output array is read-only")
            return method(a, *args, **kwargs)
        return at
    if attr == "astype" and isinstance(obj, np.ndarray):
        def astype(dtype, *args, **kwargs):
            check_dtype_like(dtype, limits)
            if obj.size * np.dtype(dtype).itemsize > 16 * limits.max_array_size:
                raise LimitError(f"array size exceeded, max array size is {limits.max_array_size}")
            return method(dtype, *args, **kwargs)
        return astype
    if not isinstance(obj, GUARDED_STR_TYPES):
        return method
    if attr == "join":
        def join(iterable):
            items = list(iterable)
            total = sum(len(item) for item in items if isinstance(item, (str, bytes)))
            _check_length(total + len(obj) * max(len(items) - 1, 0), obj, limits)
            return method(items)
        return join
    if attr == "replace":
        def replace(old, new, count=-1):
            hits = len(obj) + 1 if not old else obj.count(old)
            hits = hits if count < 0 else min(hits, count)
            _check_length(len(obj) + hits * (len(new) - len(old)), obj, limits)
            return method(old, new, count)
        return replace
    return method
# [/operators]


# [budget]
class Budget:
    """Steps, recursion depth and deadline of one run of the interpreter."""

    __slots__ = ("steps", "depth", "deadline", "limits", "interp", "host", "readonly")

    def __init__(self, limits: Limits, interp=None) -> None:
        self.limits, self.interp = limits, interp
        host = getattr(interp, "_host", None)
        self.host = HostArrays() if host is None else host  # the interpreter's sealed host arrays
        self.readonly = getattr(interp, "_readonly", None) or frozenset()  # names not to assign
        self.reset()

    def reset(self) -> None:
        """A full budget again, for a new run."""
        self.steps = self.limits.max_steps
        self.depth = 0
        self.deadline = None if self.limits.max_time is None else time.monotonic() + self.limits.max_time

    def tick(self) -> None:
        """Spend one step: a loop iteration, a comprehension item or a function call."""
        self.steps -= 1
        if self.steps < 0:
            raise LimitError(f"too many steps: more than {self.limits.max_steps} loop "
                             f"iterations and calls in one run")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise LimitError(f"time limit of {self.limits.max_time} s exceeded")

    def charge(self, steps: int) -> None:
        """Spend several steps at once (a caught error costs as much as many iterations)."""
        self.steps -= steps - 1
        self.tick()

    def enter(self) -> None:
        """Start a call of an expression-defined function."""
        self.tick()
        self.depth += 1
        if self.depth > self.limits.max_recursion:
            self.depth -= 1
            raise refusal(LimitError, f"maximum recursion depth exceeded (max is {self.limits.max_recursion})",
                          RecursionError)
# [/budget]


def as_count(value) -> int:
    """An integer count from an index-like value (for the size guards)."""
    return int(_as_index(value))
