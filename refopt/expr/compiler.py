"""Compile a Python syntax tree, once, into a tree of small closures.

:func:`ast.parse` (Python's own parser; the node types are those of the Python Language
Reference and the :mod:`ast` documentation, Python 3.11, 2022) turns the text into a tree.
:class:`Compiler` then walks that tree **once**: each node type on the whitelists of
:mod:`refopt.expr.safety` has one small handler ``on_<nodetype>`` that checks what can be
checked statically (node type, names, attribute names) and returns a closure. An expression
closure is called as ``value = fn(frame)``; a statement closure as ``flow = fn(frame)``, which
returns None, :data:`BREAK`, :data:`CONTINUE` or a :class:`Return`. Evaluating the compiled
text is then a chain of plain Python calls -- no dispatch on node types, no re-walking of the
tree -- which is what makes evaluating a constraint at every step of a fit cheap.

The shape follows asteval (M. Newville et al., https://github.com/lmfit/asteval, 2014-2025):
one handler per node type, whitelists as module-level tuples, every safety check a small
named function; where asteval re-walks the tree on every evaluation, refopt compiles it once.
Names are looked up in a chain of :class:`Frame` dicts: the innermost is a function's locals
(or a comprehension's), the outermost is the interpreter's flat symbol table.
"""

from __future__ import annotations

import ast
import itertools
import operator

import numpy as np
from numpy import ndarray

from .errors import ExprError, ExprNameError, ExprSyntaxError, SecurityError, Where, refusal
from .safety import (Limits, check_add, check_attribute_name, check_attribute_owner,
                     check_attribute_target, check_broadcast, check_callable, check_depth,
                     check_format_spec,
                     check_lshift, check_matmul, check_mod, check_mul, check_name, GROWABLE_TYPES,
                     GUARDED_METHODS, check_arguments, check_numpy_arguments,
                     is_numpy_function as numpy_function,
                     check_node_type, check_pow, check_size, check_value, guard_method)

from .symtable import RESERVED_NAMES, bounded_constructors

__all__ = ["Compiler", "Frame", "Procedure", "Return", "BREAK", "CONTINUE"]


class Frame:
    """One scope: its variables, the enclosing scope, and the run's :class:`Budget`."""

    __slots__ = ("vars", "parent", "budget")

    def __init__(self, vars: dict, parent: Frame | None, budget) -> None:
        self.vars, self.parent, self.budget = vars, parent, budget


class Return:
    """The flow signal of a ``return`` statement, carrying its value."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


BREAK, CONTINUE = object(), object()
ERROR_STEPS = 25  # steps a caught error costs: raising and catching is ~25 loop iterations' work
MISSING = object()
ADOPTED_CONTAINERS = frozenset({list, tuple, dict})

# [operators]
# node type -> (operation, in-place operation, check run before it)
BINARY_OPERATORS = {
    ast.Add: (operator.add, operator.iadd, check_add),
    ast.Sub: (operator.sub, operator.isub, check_broadcast),
    ast.Mult: (operator.mul, operator.imul, check_mul),
    ast.MatMult: (operator.matmul, operator.imatmul, check_matmul),
    ast.Div: (operator.truediv, operator.itruediv, check_broadcast),
    ast.FloorDiv: (operator.floordiv, operator.ifloordiv, check_broadcast),
    ast.Mod: (operator.mod, operator.imod, check_mod),
    ast.Pow: (operator.pow, operator.ipow, check_pow),
    ast.LShift: (operator.lshift, operator.ilshift, check_lshift),
    ast.RShift: (operator.rshift, operator.irshift, check_broadcast),
    ast.BitOr: (operator.or_, operator.ior, check_broadcast),
    ast.BitXor: (operator.xor, operator.ixor, check_broadcast),
    ast.BitAnd: (operator.and_, operator.iand, check_broadcast),
}
UNARY_OPERATORS = {ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Invert: operator.invert,
                   ast.Not: operator.not_}
COMPARISONS = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
# [/operators]


def check_store_name(name: str) -> None:
    """Refuse assigning a reserved name (``eval``, ``__import__`` ...) or a ``__`` name."""
    check_name(name)
    if name in RESERVED_NAMES:
        raise refusal(SecurityError, f"invalid symbol name (reserved word?) {name!r}", NameError)


def read_only(name: str, where: Where) -> ExprError:
    """The error for assigning (or deleting) a name the host declared read-only."""
    return refusal(SecurityError, f"cannot assign to read-only symbol {name!r}", NameError).locate(where)


def lookup(frame: Frame | None, name: str, where: Where):
    """Find ``name`` in the enclosing frames, or raise the NameError-like error."""
    while frame is not None:
        value = frame.vars.get(name, MISSING)
        if value is not MISSING:
            return value
        frame = frame.parent
    raise ExprNameError(f"name {name!r} is not defined", where)


def truth(value, where: Where) -> bool:
    """``bool(value)``, located if it fails (``if array:`` is ambiguous for numpy)."""
    try:
        return True if value is True else False if value is False else bool(value)
    except Exception as exc:
        raise where.wrap(exc) from None


def located(operate, operand, where: Where):
    """The closure ``frame -> operate(operand(frame))``, an error of ``operate`` located."""
    def apply(frame):
        value = operand(frame)
        try:
            return operate(value)
        except Exception as exc:
            raise where.wrap(exc) from None
    return apply


def checked_call(func, args, kwargs, substitutes: dict, limits, host):
    """``func(*args, **kwargs)`` after the checks of the callee and of the arguments; a
    callee with a registered substitute (keyed by ``id``) is replaced by it. What numpy
    returns was made here (adopted); what any other callable returns may be the host's
    (sealed if it is an array)."""
    check_callable(func)
    func = substitutes.get(id(func), func)
    check_arguments(args, kwargs, limits)
    if numpy_function(func):
        check_numpy_arguments(args, kwargs, limits)
        return host.adopt(func(*args, **kwargs))
    if type(func) is Procedure:  # the evaluator's own values: arrays made for the call stay writeable
        host.adopt(args)
        host.adopt(list(kwargs.values()))
        return func(*args, **kwargs)
    return host.guard(func(*args, **kwargs))


def run_block(statements: list):
    """One closure running statements in order, stopping at the first flow signal."""
    if len(statements) == 1:
        return statements[0]

    def block(frame):
        for statement in statements:
            flow = statement(frame)
            if flow is not None:
                return flow
        return None
    return block


class Compiler:
    """Turn one parsed text into closures; every handler is ``on_<node type>``.

    Parameters
    ----------
    text : str
        The source, kept to show the offending line in errors.
    limits : Limits
        The caps the run-time checks compiled into the closures use.
    """

    def __init__(self, text: str, limits: Limits, disabled: frozenset = frozenset()) -> None:
        self.lines = text.splitlines() or [""]
        self.limits, self.disabled = limits, disabled
        self.names: set[str] = set()
        self.loops = 0        # loops enclosing the current node, inside the current function
        self.functions = 0    # functions enclosing the current node
        self.comprehensions = 0  # comprehensions enclosing the current node (own frames)
        self.depth = 0        # nesting of the node being compiled
        self.substitutes = bounded_constructors(limits)  # list(), tuple() ... with a length cap

    def where(self, node: ast.AST) -> Where:
        return Where(self.lines, node)

    # [dispatch]
    def compile(self, node: ast.AST):
        """The closure for ``node``, after the whitelist and depth checks; errors get its position."""
        self.depth += 1
        try:
            check_depth(self.depth, self.limits)
            check_node_type(node, self.disabled)
            return getattr(self, "on_" + type(node).__name__.lower())(node)
        except ExprError as err:
            raise err.locate(self.where(node))
        finally:
            self.depth -= 1
    # [/dispatch]

    def compile_all(self, nodes) -> list:
        return [self.compile(node) for node in nodes]

    def block(self, statements) -> object:
        return run_block(self.compile_all(statements)) if statements else None

    # ------------------------------------------------------------ the whole text
    def on_module(self, node: ast.Module):
        """Run the statements; the value of a final expression statement is the result."""
        body = node.body
        if not body:
            return lambda frame: None
        ends_in_value = isinstance(body[-1], ast.Expr)
        rest = self.compile_all(body[:-1] if ends_in_value else body)
        last = self.compile(body[-1].value) if ends_in_value else None
        if not rest:
            return last

        def module(frame):
            for statement in rest:
                statement(frame)
            return last(frame) if last is not None else None
        return module

    # ------------------------------------------------------------ values
    def on_constant(self, node: ast.Constant):
        value = node.value
        return lambda frame: value

    # [name]
    def on_name(self, node: ast.Name):
        """Read a name: the innermost frame first, then the enclosing ones."""
        name = node.id
        check_name(name)
        self.names.add(name)
        where = self.where(node)
        if not self.functions and not self.comprehensions:
            def load_top(frame):  # top-level code runs in the symbol table itself
                try:
                    value = frame.vars[name]
                except KeyError:  # not there (or in a nested table's search group)
                    value = lookup(frame, name, where)
                if isinstance(value, ndarray):  # a host's array is handed out sealed
                    return frame.budget.host.guard(value)
                return value
            return load_top

        def load(frame):
            value = frame.vars.get(name, MISSING)
            if value is MISSING:
                value = lookup(frame.parent, name, where)
            if isinstance(value, ndarray):  # a host's array is handed out sealed
                return frame.budget.host.guard(value)
            return value
        return load
    # [/name]

    # [binop]
    def on_binop(self, node: ast.BinOp):
        """``a + b - c ...``: a left-leaning chain is folded into one loop, checks first."""
        chain = []
        while isinstance(node, ast.BinOp):
            chain.append(node)
            node = node.left
        first, limits = self.compile(node), self.limits
        steps = [(*BINARY_OPERATORS[type(n.op)][::2], self.compile(n.right), self.where(n))
                 for n in reversed(chain)]
        if len(steps) == 1:
            (operate, check, right, where), left = steps[0], first

            def binop(frame):
                a, b = left(frame), right(frame)
                try:
                    check(a, b, limits)
                    return operate(a, b)
                except Exception as exc:
                    raise where.wrap(exc) from None
            return binop

        def binop_chain(frame):
            a = first(frame)
            for operate, check, right, where in steps:
                b = right(frame)
                try:
                    check(a, b, limits)
                    a = operate(a, b)
                except Exception as exc:
                    raise where.wrap(exc) from None
            return a
        return binop_chain
    # [/binop]

    def on_unaryop(self, node: ast.UnaryOp):
        return located(UNARY_OPERATORS[type(node.op)], self.compile(node.operand), self.where(node))

    def on_boolop(self, node: ast.BoolOp):
        """``and``/``or`` with Python's short circuit: the deciding operand is the value."""
        values, stop_on, where = self.compile_all(node.values), isinstance(node.op, ast.Or), self.where(node)

        def boolop(frame):
            for value in values:
                result = value(frame)
                if truth(result, where) is stop_on:
                    return result
            return result
        return boolop

    # [compare]
    def on_compare(self, node: ast.Compare):
        """``a < b <= c``: each middle operand evaluated once, stop at the first false link."""
        first = self.compile(node.left)
        links = [(COMPARISONS[type(op)], self.compile(right)) for op, right in zip(node.ops, node.comparators)]
        where = self.where(node)
        *heads, (last_op, last) = links

        def compare(frame):
            a = first(frame)
            try:
                for op, right in heads:
                    b = right(frame)
                    result = op(a, b)
                    if not result:
                        return result
                    a = b
                return last_op(a, last(frame))
            except Exception as exc:
                raise where.wrap(exc) from None
        return compare
    # [/compare]

    def on_ifexp(self, node: ast.IfExp):
        test, body, orelse = self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
        where = self.where(node.test)
        return lambda frame: body(frame) if truth(test(frame), where) else orelse(frame)

    # ------------------------------------------------------------ containers
    def elements(self, nodes):
        """A closure giving the list of element values, ``*spread`` ones included."""
        parts = [(isinstance(n, ast.Starred), self.compile(n.value if isinstance(n, ast.Starred) else n))
                 for n in nodes]
        limits = self.limits
        if not any(spread for spread, _ in parts):
            fns = [fn for _, fn in parts]
            if len(fns) == 1:
                only = fns[0]
                return lambda frame: [only(frame)]
            if len(fns) == 2:
                one, two = fns
                return lambda frame: [one(frame), two(frame)]
            return lambda frame: [fn(frame) for fn in fns]

        where = self.where(nodes[0])

        def elements(frame):
            out = []
            for spread, fn in parts:
                if spread:
                    items = fn(frame)
                    try:  # take one item more than allowed at most, then let the check refuse
                        guard = frame.budget.host.guard
                        out.extend(guard(item) for item in
                                   itertools.islice(items, limits.max_sequence_length - len(out) + 1))
                        check_size(out, limits)
                    except Exception as exc:
                        raise where.wrap(exc) from None
                else:
                    out.append(fn(frame))
            return out
        return elements

    def container(self, node, build):
        """A literal tuple, list or set; arrays made for it are adopted (they stay writeable)."""
        elements, where = self.elements(node.elts), self.where(node)

        def container(frame):
            items = elements(frame)
            frame.budget.host.adopt(items)
            try:
                return build(items)
            except Exception as exc:
                raise where.wrap(exc) from None
        return container

    def on_tuple(self, node: ast.Tuple):
        return self.container(node, tuple)

    def on_list(self, node: ast.List):
        return self.container(node, list)

    def on_set(self, node: ast.Set):
        return self.container(node, set)

    def on_dict(self, node: ast.Dict):
        """``{k: v, **other}``: a None key means 'merge this mapping in'."""
        pairs = [(None if k is None else self.compile(k), self.compile(v)) for k, v in zip(node.keys, node.values)]
        where, limits = self.where(node), self.limits

        def dict_(frame):
            out = {}
            try:
                for key, value in pairs:
                    if key is None:
                        out.update(value(frame))
                        check_size(out, limits)
                    else:
                        out[key(frame)] = frame.budget.host.adopt(value(frame))
            except Exception as exc:
                raise where.wrap(exc) from None
            return out
        return dict_

    def on_starred(self, node: ast.Starred):
        raise ExprSyntaxError("can't use starred expression here")

    # ------------------------------------------------------------ subscripts, attributes
    def on_subscript(self, node: ast.Subscript):
        value, index, where = self.compile(node.value), self.compile(node.slice), self.where(node)

        def subscript(frame):
            obj, key = value(frame), index(frame)
            try:
                return frame.budget.host.guard(check_value(obj[key]))  # a module or an array in a host's list
            except Exception as exc:
                raise where.wrap(exc) from None
        return subscript

    def on_slice(self, node: ast.Slice):
        parts = [self.compile(p) if p is not None else None for p in (node.lower, node.upper, node.step)]
        lower, upper, step = [p or (lambda frame: None) for p in parts]
        return lambda frame: slice(lower(frame), upper(frame), step(frame))

    # [attribute]
    def on_attribute(self, node: ast.Attribute):
        """``obj.name``: the name is checked now, the owner and the value at run time."""
        attr = node.attr
        check_attribute_name(attr)
        value, get = self.compile(node.value), self.attribute_getter(node)

        def attribute(frame):
            return get(value(frame), frame.budget.host)
        return attribute

    def attribute_getter(self, node: ast.Attribute):
        """A function ``obj -> obj.attr`` with the run-time checks of the owner and value."""
        attr, where, limits = node.attr, self.where(node), self.limits
        guard = attr in GUARDED_METHODS

        def get(obj, host):
            try:
                check_attribute_owner(obj)
                found = check_value(getattr(obj, attr))
                if guard:
                    return guard_method(obj, attr, found, limits)
                return host.guard(found)  # a host object's array attribute is sealed
            except Exception as exc:
                raise where.wrap(exc) from None
        return get
    # [/attribute]

    # [call]
    def on_call(self, node: ast.Call):
        """``f(a, *b, k=c, **d)``: check the callee, call, check the result's size.

        For a method call ``obj.m(...)`` the receiver is checked again afterwards, so that
        growing a list in place (``x.extend(x)``) meets the same caps as ``x + x``.
        """
        where, limits, substitutes = self.where(node), self.limits, self.substitutes
        arguments = self.arguments(node)
        if isinstance(node.func, ast.Attribute):
            check_attribute_name(node.func.attr)
            receiver, get = self.compile(node.func.value), self.attribute_getter(node.func)

            def method_call(frame):
                obj = receiver(frame)
                func = get(obj, frame.budget.host)
                args, kwargs = arguments(frame)
                try:
                    result = checked_call(func, args, kwargs, substitutes, limits, frame.budget.host)
                    if type(obj) in GROWABLE_TYPES:  # grown in place, e.g. x.extend(x)
                        check_size(obj, limits)
                    return check_size(check_value(result), limits)
                except Exception as exc:
                    raise where.wrap(exc) from None
            return method_call

        callee = self.compile(node.func)

        def call(frame):
            func = callee(frame)
            args, kwargs = arguments(frame)
            try:
                result = checked_call(func, args, kwargs, substitutes, limits, frame.budget.host)
                return check_size(check_value(result), limits)
            except Exception as exc:
                raise where.wrap(exc) from None
        return call
    # [/call]

    def arguments(self, node: ast.Call):
        """A closure giving ``(args, kwargs)`` of a call."""
        positional = self.elements(node.args)
        named = [(k.arg, self.compile(k.value)) for k in node.keywords]
        if not named:
            empty: dict = {}
            return lambda frame: (positional(frame), empty)
        where = self.where(node)

        def arguments(frame):
            kwargs: dict = {}
            for name, value in named:
                if name is None:
                    try:
                        guard = frame.budget.host.guard
                        kwargs.update((k, guard(v)) for k, v in dict(value(frame)).items())
                    except Exception as exc:
                        raise where.wrap(exc) from None
                else:
                    kwargs[name] = value(frame)
            return positional(frame), kwargs
        return arguments

    # ------------------------------------------------------------ f-strings
    def on_joinedstr(self, node: ast.JoinedStr):
        parts, limits = self.compile_all(node.values), self.limits
        return lambda frame: check_size("".join([str(p(frame)) for p in parts]), limits)

    def on_formattedvalue(self, node: ast.FormattedValue):
        """``{value!r:>10}``: the format spec's widths are bounded; no field lookup exists."""
        value, where, limits = self.compile(node.value), self.where(node), self.limits
        convert = {-1: None, 115: str, 114: repr, 97: ascii}[node.conversion]
        spec = self.compile(node.format_spec) if node.format_spec is not None else (lambda frame: "")

        def formatted(frame):
            v, s = value(frame), spec(frame)
            try:
                check_format_spec(s, limits)
                return format(convert(v) if convert else v, s)
            except Exception as exc:
                raise where.wrap(exc) from None
        return formatted

    # ------------------------------------------------------------ comprehensions
    def inside_comprehension(self, compile_parts):
        """Compile the parts of a comprehension, which run in their own frame."""
        self.comprehensions += 1
        try:
            return compile_parts()
        finally:
            self.comprehensions -= 1

    def comprehension(self, node, emit):
        """Loops of a comprehension in their own frame; ``emit(out, frame)`` adds one item."""
        loops = self.inside_comprehension(lambda: [(self.target(g.target), self.compile(g.iter),
                                                    self.compile_all(g.ifs)) for g in node.generators])
        where = self.where(node)

        def run(frame, out):
            inner = Frame({}, frame, frame.budget)
            tick, guard = frame.budget.tick, frame.budget.host.guard

            def level(i):
                store, iterable, conditions = loops[i]
                for item in iterable(inner):
                    tick()
                    store(inner, guard(item))
                    if all(c(inner) for c in conditions):
                        if i + 1 == len(loops):
                            emit(out, inner)
                        else:
                            level(i + 1)
            try:
                level(0)
            except Exception as exc:
                raise where.wrap(exc) from None
            return out
        return run

    def on_listcomp(self, node: ast.ListComp):
        element = self.inside_comprehension(lambda: self.compile(node.elt))
        run = self.comprehension(node, lambda out, frame: out.append(frame.budget.host.adopt(element(frame))))
        return lambda frame: run(frame, [])

    def on_generatorexp(self, node: ast.GeneratorExp):
        """Evaluated eagerly, as a list: no generator object (and so no frame) is ever made."""
        return self.on_listcomp(node)

    def on_setcomp(self, node: ast.SetComp):
        element = self.inside_comprehension(lambda: self.compile(node.elt))
        run = self.comprehension(node, lambda out, frame: out.add(element(frame)))
        return lambda frame: run(frame, set())

    def on_dictcomp(self, node: ast.DictComp):
        key, value = self.inside_comprehension(lambda: (self.compile(node.key), self.compile(node.value)))
        run = self.comprehension(node, lambda out, frame: out.__setitem__(
            key(frame), frame.budget.host.adopt(value(frame))))
        return lambda frame: run(frame, {})

    # ------------------------------------------------------------ assignment targets
    # [target]
    def target(self, node: ast.AST):
        """A function ``store(frame, value)`` for an assignment target."""
        if isinstance(node, ast.Name):
            name, where = node.id, self.where(node)
            check_store_name(name)

            def store_name(frame, value):
                if name in frame.budget.readonly:
                    raise read_only(name, where)
                if type(value) is ndarray or type(value) in ADOPTED_CONTAINERS:  # made here: stays writeable
                    frame.budget.host.adopt(value)
                frame.vars[name] = value
            return store_name
        if isinstance(node, (ast.Tuple, ast.List)):
            return self.unpacking(node)
        if isinstance(node, ast.Subscript):
            obj, key = self.compile(node.value), self.compile(node.slice)

            def store_item(frame, value):
                obj(frame)[key(frame)] = frame.budget.host.adopt(value)
            return store_item
        if isinstance(node, ast.Attribute):
            attr = node.attr
            check_attribute_name(attr, store=True)
            obj = self.compile(node.value)

            def store_attribute(frame, value):
                owner = obj(frame)
                check_attribute_target(owner)
                setattr(owner, attr, frame.budget.host.adopt(value))
            return store_attribute
        raise ExprSyntaxError(f"cannot assign to {type(node).__name__}")
    # [/target]

    def unpacking(self, node):
        """``a, (b, *c) = value`` with Python's error messages for wrong counts."""
        stars = [i for i, e in enumerate(node.elts) if isinstance(e, ast.Starred)]
        if len(stars) > 1:
            raise ExprSyntaxError("multiple starred expressions in assignment")
        stores = [self.target(e.value if isinstance(e, ast.Starred) else e) for e in node.elts]
        n = len(stores)
        if not stars:
            def unpack(frame, value):
                values = list(itertools.islice(iter(value), n + 1))
                if len(values) != n:
                    few = len(values) < n
                    raise ValueError(f"not enough values to unpack (expected {n}, got {len(values)})" if few
                                     else f"too many values to unpack (expected {n})")
                guard = frame.budget.host.guard
                for store, item in zip(stores, values):
                    store(frame, guard(item))
            return unpack
        star, limits = stars[0], self.limits

        def unpack_star(frame, value):
            values = list(itertools.islice(value, limits.max_sequence_length + 1))
            check_size(values, limits)
            if len(values) < n - 1:
                raise ValueError(f"not enough values to unpack (expected at least {n - 1}, got {len(values)})")
            tail = len(values) - (n - 1 - star)
            guard = frame.budget.host.guard
            parts = [guard(v) for v in values]
            parts = parts[:star] + [parts[star:tail]] + parts[tail:]
            for store, item in zip(stores, parts):
                store(frame, item)
        return unpack_star

    # ------------------------------------------------------------ statements
    def on_expr(self, node: ast.Expr):
        value = self.compile(node.value)

        def expression_statement(frame):
            value(frame)
        return expression_statement

    def on_pass(self, node: ast.Pass):
        return lambda frame: None

    def on_assign(self, node: ast.Assign):
        value, stores, where = self.compile(node.value), [self.target(t) for t in node.targets], self.where(node)

        def assign(frame):
            v = value(frame)
            try:
                for store in stores:
                    store(frame, v)
            except Exception as exc:
                raise where.wrap(exc) from None
        return assign

    def on_annassign(self, node: ast.AnnAssign):
        """``x: float = 1``: the annotation is ignored, never evaluated."""
        if node.value is None:
            return lambda frame: None
        return self.on_assign(ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno,
                                         col_offset=node.col_offset, end_lineno=node.end_lineno,
                                         end_col_offset=node.end_col_offset))

    # [augassign]
    def on_augassign(self, node: ast.AugAssign):
        """``x op= v`` with Python's in-place operation, after the same check as ``x op v``."""
        _, operate, check = BINARY_OPERATORS[type(node.op)]
        value, where, limits, target = self.compile(node.value), self.where(node), self.limits, node.target
        if isinstance(target, ast.Name):
            name, load = target.id, self.on_name(target)
            check_store_name(name)

            def augassign_name(frame):  # read through the frame chain, write to the innermost
                if name in frame.budget.readonly:
                    raise read_only(name, where)
                current, v = load(frame), value(frame)
                try:
                    check(current, v, limits)
                    result = frame.vars[name] = operate(current, v)
                except Exception as exc:
                    raise where.wrap(exc) from None
                if type(result) is ndarray:
                    frame.budget.host.adopt(result)
            return augassign_name
        if isinstance(target, ast.Subscript):
            obj, key = self.compile(target.value), self.compile(target.slice)
            place = lambda frame: (obj(frame), key(frame))  # noqa: E731
            read, write = lambda owner, key, host: host.guard(owner[key]), operator.setitem  # noqa: E731
        elif isinstance(target, ast.Attribute):
            check_attribute_name(target.attr, store=True)
            obj, getter, attr = self.compile(target.value), self.attribute_getter(target), target.attr
            place = lambda frame: (obj(frame), attr)  # noqa: E731
            read = lambda owner, _, host: getter(owner, host)  # noqa: E731

            def write(owner, attr, v):
                check_attribute_target(owner)
                setattr(owner, attr, v)
        else:
            raise ExprSyntaxError(f"cannot assign to {type(target).__name__}")

        def augassign(frame):
            owner, key = place(frame)
            v = value(frame)
            try:
                current = read(owner, key, frame.budget.host)
                check(current, v, limits)
                write(owner, key, operate(current, v))
            except Exception as exc:
                raise where.wrap(exc) from None
        return augassign
    # [/augassign]

    def on_delete(self, node: ast.Delete):
        removers = [self.deleter(t) for t in node.targets]
        where = self.where(node)

        def delete(frame):
            try:
                for remove in removers:
                    remove(frame)
            except Exception as exc:
                raise where.wrap(exc) from None
        return delete

    def deleter(self, node):
        if isinstance(node, ast.Name):
            name, where = node.id, self.where(node)
            check_store_name(name)

            def delete_name(frame):
                if name in frame.budget.readonly:
                    raise read_only(name, where)
                if frame.vars.pop(name, MISSING) is MISSING:
                    raise ExprNameError(f"name {name!r} is not defined", where)
            return delete_name
        if isinstance(node, ast.Subscript):
            obj, key = self.compile(node.value), self.compile(node.slice)

            def delete_item(frame):
                del obj(frame)[key(frame)]
            return delete_item
        if isinstance(node, (ast.Tuple, ast.List)):
            parts = [self.deleter(e) for e in node.elts]
            return lambda frame: [p(frame) for p in parts] and None
        raise ExprSyntaxError(f"cannot delete {type(node).__name__}")

    def on_if(self, node: ast.If):
        test, body, orelse = self.compile(node.test), self.block(node.body), self.block(node.orelse)
        where = self.where(node.test)

        def if_(frame):
            if truth(test(frame), where):
                return body(frame)
            return orelse(frame) if orelse is not None else None
        return if_

    # [loops]
    def loop_body(self, node):
        self.loops += 1
        try:
            return self.block(node.body)
        finally:
            self.loops -= 1

    def on_for(self, node: ast.For):
        """``for target in iterable``: every iteration spends one step of the budget."""
        store, iterable = self.target(node.target), self.compile(node.iter)
        body, orelse, where = self.loop_body(node), self.block(node.orelse), self.where(node)

        def for_(frame):
            tick = frame.budget.tick
            try:
                guard = frame.budget.host.guard
                for item in iterable(frame):
                    tick()
                    store(frame, guard(item))
                    flow = body(frame)
                    if flow is not None:
                        if flow is BREAK:
                            return None
                        if flow is not CONTINUE:
                            return flow
            except Exception as exc:
                raise where.wrap(exc) from None
            return orelse(frame) if orelse is not None else None
        return for_

    def on_while(self, node: ast.While):
        """``while test``: every iteration spends one step, so no loop is endless."""
        test, body = self.compile(node.test), self.loop_body(node)
        orelse, where, test_where = self.block(node.orelse), self.where(node), self.where(node.test)

        def while_(frame):
            tick = frame.budget.tick
            while truth(test(frame), test_where):
                try:
                    tick()
                except ExprError as err:
                    raise err.locate(where)
                flow = body(frame)
                if flow is not None:
                    if flow is BREAK:
                        return None
                    if flow is not CONTINUE:
                        return flow
            return orelse(frame) if orelse is not None else None
        return while_

    def on_break(self, node: ast.Break):
        if not self.loops:
            raise ExprSyntaxError("'break' outside loop")
        return lambda frame: BREAK

    def on_continue(self, node: ast.Continue):
        if not self.loops:
            raise ExprSyntaxError("'continue' not properly in loop")
        return lambda frame: CONTINUE
    # [/loops]

    # ------------------------------------------------------------ functions
    # [functions]
    def on_functiondef(self, node: ast.FunctionDef):
        """``def name(...)``: a :class:`Procedure`, stored under its name; no decorators."""
        if node.decorator_list:
            raise SecurityError("decorators are not allowed")
        check_store_name(node.name)
        make = self.procedure(node, node.name, self.function_body(node.body))
        name, where = node.name, self.where(node)

        def define(frame):
            if name in frame.budget.readonly:
                raise read_only(name, where)
            frame.vars[name] = make(frame)
        return define

    def on_lambda(self, node: ast.Lambda):
        """``lambda args: value``: a :class:`Procedure` whose body returns the value."""
        self.functions += 1
        try:
            value = self.compile(node.body)
        finally:
            self.functions -= 1
        return self.procedure(node, "<lambda>", lambda frame: Return(value(frame)))

    def function_body(self, statements):
        loops, self.loops = self.loops, 0
        self.functions += 1
        try:
            return self.block(statements)
        finally:
            self.loops, self.functions = loops, self.functions - 1

    def procedure(self, node, name: str, body):
        """A closure making the Procedure at run time (defaults are evaluated then)."""
        a = node.args
        positional = [p.arg for p in a.posonlyargs + a.args]
        keyword_only = [p.arg for p in a.kwonlyargs]
        extra = [p.arg for p in (a.vararg, a.kwarg) if p is not None]
        for parameter in positional + keyword_only + extra:
            check_name(parameter)
        defaults = self.compile_all(a.defaults)
        kw_defaults = [(p, self.compile(d)) for p, d in zip(keyword_only, a.kw_defaults) if d is not None]
        signature = (positional, a.vararg.arg if a.vararg else None, keyword_only,
                     a.kwarg.arg if a.kwarg else None)
        doc = ast.get_docstring(node) if isinstance(node, ast.FunctionDef) else None

        def make(frame):
            values = [d(frame) for d in defaults]
            params = Parameters(*signature, dict(zip(positional[len(positional) - len(values):], values)),
                                {p: d(frame) for p, d in kw_defaults})
            return Procedure(name, params, body, frame, frame.budget.interp, doc)
        return make

    def on_return(self, node: ast.Return):
        if not self.functions:
            raise ExprSyntaxError("'return' outside function")
        if node.value is None:
            return lambda frame: Return(None)
        value = self.compile(node.value)
        return lambda frame: Return(value(frame))
    # [/functions]

    # ------------------------------------------------------------ errors
    # [try]
    def on_try(self, node: ast.Try):
        """``try/except/else/finally`` catching only errors of the evaluated code.

        Refusals (SecurityError, LimitError, syntax errors) are not catchable: they end the
        run, and no ``except`` or ``finally`` body runs after them.
        """
        body, orelse, final = self.block(node.body), self.block(node.orelse), self.block(node.finalbody)
        handlers = [(self.compile(h.type) if h.type is not None else None, h.name, self.block(h.body))
                    for h in node.handlers]
        where = self.where(node)

        def handle(frame, err):
            caught = err.original
            for kinds, name, handler in handlers:
                wanted = kinds(frame) if kinds is not None else BaseException
                if not _exception_classes(wanted):
                    raise ExprError("catching classes that do not inherit from BaseException is not allowed", where)
                if isinstance(caught, wanted):
                    if name is not None:
                        frame.vars[name] = caught
                    return True, handler(frame)
            return False, None

        def try_(frame):
            try:
                flow = body(frame)
            except ExprError as err:
                if not err.catchable:
                    raise
                frame.budget.charge(ERROR_STEPS)
                try:
                    handled, flow = handle(frame, err)
                except ExprError as inner:
                    if not inner.catchable or final is None:
                        raise
                    flow = final(frame)
                    if flow is None:
                        raise
                    return flow
                if not handled:
                    if final is not None:
                        flow = final(frame)
                        if flow is not None:
                            return flow
                    raise
            else:
                if flow is None and orelse is not None:
                    flow = orelse(frame)
            if final is not None:
                last = final(frame)
                if last is not None:
                    return last
            return flow
        return try_
    # [/try]

    def on_raise(self, node: ast.Raise):
        if node.exc is None:
            raise ExprSyntaxError("a bare 'raise' is not supported")
        exc, where = self.compile(node.exc), self.where(node)

        def raise_(frame):
            value = exc(frame)
            if isinstance(value, type) and issubclass(value, Exception):
                value = value()
            if not isinstance(value, Exception):
                raise refusal(SecurityError, f"will not raise {getattr(value, '__name__', type(value).__name__)}: "
                              f"only Exception instances", RuntimeError).locate(where)
            raise where.wrap(value)
        return raise_

    def on_assert(self, node: ast.Assert):
        test, where = self.compile(node.test), self.where(node)
        message = self.compile(node.msg) if node.msg is not None else None

        def assert_(frame):
            if not truth(test(frame), where):
                raise where.wrap(AssertionError(message(frame)) if message else AssertionError())
        return assert_


def _exception_classes(wanted) -> bool:
    """Whether ``wanted`` is an exception class or a tuple of them (for ``except``)."""
    items = wanted if isinstance(wanted, tuple) else (wanted,)
    return all(isinstance(w, type) and issubclass(w, BaseException) for w in items)


# [procedure]
class Parameters:
    """The signature of a Procedure, and Python's rules for binding a call to it."""

    __slots__ = ("positional", "vararg", "keyword_only", "kwarg", "defaults", "kw_defaults")

    def __init__(self, positional, vararg, keyword_only, kwarg, defaults, kw_defaults) -> None:
        self.positional, self.vararg, self.keyword_only, self.kwarg = positional, vararg, keyword_only, kwarg
        self.defaults, self.kw_defaults = defaults, kw_defaults

    def bind(self, name: str, args: tuple, kwargs: dict) -> dict:
        """Local variables of one call; TypeError with Python's messages on a mismatch."""
        n = len(self.positional)
        if len(args) > n and self.vararg is None:
            raise TypeError(f"{name}() takes {n} positional argument{'s' * (n != 1)} but {len(args)} were given")
        local = dict(zip(self.positional, args))
        if self.vararg is not None:
            local[self.vararg] = tuple(args[n:])
        extra = {}
        for key, value in kwargs.items():
            if key in local and key in self.positional:
                raise TypeError(f"{name}() got multiple values for argument {key!r}")
            if key in self.positional or key in self.keyword_only:
                local[key] = value
            elif self.kwarg is not None:
                extra[key] = value
            else:
                raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
        for group, defaults, kind in ((self.positional, self.defaults, "positional"),
                                      (self.keyword_only, self.kw_defaults, "keyword-only")):
            missing = [p for p in group if p not in local and p not in defaults]
            if missing:
                listed = " and ".join(repr(p) for p in missing)
                raise TypeError(f"{name}() missing {len(missing)} required {kind} argument"
                                f"{'s' * (len(missing) != 1)}: {listed}")
            for p in group:
                if p not in local:
                    local[p] = defaults[p]
        if self.kwarg is not None:
            local[self.kwarg] = extra
        return local


class Procedure:
    """A function defined inside an expression (``def`` or ``lambda``).

    It is an ordinary Python callable -- numpy, ``sorted`` or the host may call it -- but it is
    read-only, and all its fields start with ``_`` so an expression cannot reach its insides.
    Every call spends one step of the running interpreter's budget and one level of its
    recursion depth.
    """

    __slots__ = ("_name", "_params", "_body", "_scope", "_interp", "_doc")

    def __init__(self, name, params, body, scope, interp, doc=None) -> None:
        for field, value in (("_name", name), ("_params", params), ("_body", body),
                             ("_scope", scope), ("_interp", interp), ("_doc", doc)):
            object.__setattr__(self, field, value)

    def __setattr__(self, name, value):
        raise TypeError("procedure is read-only")

    def __repr__(self) -> str:
        p = self._params
        names = p.positional + ([f"*{p.vararg}"] if p.vararg else []) + p.keyword_only
        names += [f"**{p.kwarg}"] if p.kwarg else []
        return f"<Procedure {self._name}({', '.join(names)})>"

    def __call__(self, *args, **kwargs):
        interp = self._interp
        budget, fresh = interp._budget, interp._budget is None
        if fresh:  # called by the host after the run that defined it
            budget = interp._budget = interp._new_budget()
        try:
            budget.enter()
            try:
                local = self._params.bind(self._name, args, kwargs)
                for key, value in local.items():  # the host (or numpy) may pass its own arrays
                    if isinstance(value, ndarray):
                        local[key] = budget.host.guard(value)
                frame = Frame(local, self._scope, budget)
                flow = self._body(frame) if self._body is not None else None
            finally:
                budget.depth -= 1
        finally:
            if fresh:
                interp._budget = None
        return flow.value if type(flow) is Return else None
# [/procedure]
