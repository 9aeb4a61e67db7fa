"""Hock–Schittkowski constrained test problems, read at run time from a JSON file.

W. Hock and K. Schittkowski, *Test Examples for Nonlinear Programming Codes*, Lecture Notes
in Economics and Mathematical Systems 187, Springer, 1981. Each problem is::

    minimise f(x)  subject to  c_eq(x) = 0,  c_ineq(x) >= 0,  lb <= x <= ub.

The 31 problems used here ship with refopt as package data,
``refopt/problems/data/hock_schittkowski.json`` (objective, constraints and bounds as Python
expressions in ``x`` and ``math``, the start x0 and the verified optimum x*, f*; the data
folder's README cites the source). :func:`load` reads them (or a file of the same form in
another folder); importing the module registers them.

The expressions are untrusted text, so they are not passed to ``eval``: :func:`compile_expression`
parses each one with :mod:`ast` once and turns the tree into nested closures over numpy,
accepting only numbers, ``x[i]`` with a constant index, ``+ - * / **``, unary minus and the
``math`` functions listed in :data:`FUNCTIONS`. Gradients come from the complex step,
``f'(x) e_i = Im f(x + i h e_i) / h`` (Squire & Trapp, "Using complex variables to estimate
derivatives of real functions", SIAM Review 40, 1998), which has no subtractive
cancellation and so is exact to rounding; all ``n`` directions are evaluated at once by
giving each closure a matrix whose columns are the perturbed points.
"""

from __future__ import annotations

import ast
import json
import operator
import pathlib
from collections.abc import Callable

import numpy as np

from . import Problem, data_dir, register

FILE_NAME = "hock_schittkowski.json"

FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
    "sqrt": np.sqrt, "atan": np.arctan, "asin": np.arcsin, "acos": np.arccos,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "log10": np.log10,
}
"""``math`` functions an expression may call, and the numpy function each becomes."""

CONSTANTS = {"pi": np.pi, "e": np.e}
"""``math`` constants an expression may use."""

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}

STEP = 1e-20
"""Complex-step size: far below rounding, since no difference is taken."""


# [compile]
def compile_expression(text: str) -> Callable:
    """Compile an expression in ``x`` (0-based) into a function of a numpy array.

    Parameters
    ----------
    text : str
        For example ``"100*(x[1] - x[0]**2)**2 + math.sin(x[0])"``.

    Returns
    -------
    callable
        ``f(x)``; ``x`` may be an array of shape (n,) or (n, k) (then ``x[i]`` is a row and
        the result has shape (k,)), real or complex.

    Raises
    ------
    ValueError
        If the expression uses anything outside the accepted subset.
    """
    tree = ast.parse(text.strip(), mode="eval")
    return _compile(tree.body, text)


def _compile(node: ast.AST, text: str) -> Callable:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = float(node.value)
        return lambda x: value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op, left, right = _BINARY[type(node.op)], _compile(node.left, text), _compile(node.right, text)
        return lambda x: op(left(x), right(x))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        op, operand = _UNARY[type(node.op)], _compile(node.operand, text)
        return lambda x: op(operand(x))
    if _is_variable(node):
        index = node.slice.value
        return lambda x: x[index]
    if _is_math(node, CONSTANTS):
        value = CONSTANTS[node.attr]
        return lambda x: value
    if isinstance(node, ast.Call) and _is_math(node.func, FUNCTIONS) and len(node.args) == 1 \
            and not node.keywords:
        func, argument = FUNCTIONS[node.func.attr], _compile(node.args[0], text)
        return lambda x: func(argument(x))
    raise ValueError(f"unsupported construct {ast.dump(node)[:60]!r} in expression {text!r}")


def _is_variable(node: ast.AST) -> bool:
    """``x[i]`` with a non-negative integer constant ``i``."""
    return (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id == "x" and isinstance(node.slice, ast.Constant)
            and type(node.slice.value) is int and node.slice.value >= 0)


def _is_math(node: ast.AST, names: dict) -> bool:
    """``math.name`` with ``name`` in ``names``."""
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "math" and node.attr in names)


# [/compile]


def value_function(expressions: list[str], n: int) -> Callable:
    """``F(x)`` stacking the given expressions (a scalar for one expression)."""
    funcs = [compile_expression(text) for text in expressions]

    def evaluate(x):
        x = np.asarray(x)
        values = [np.broadcast_to(f(x), x.shape[1:]) for f in funcs]
        return np.array(values) if len(funcs) > 1 or not values else values[0]

    evaluate.n = n
    return evaluate


def complex_step_derivative(func: Callable, n: int) -> Callable:
    """Derivative of ``func`` by the complex step, all ``n`` directions in one call.

    For a scalar ``func`` the result is the gradient, shape (n,); for a vector of ``k``
    values it is the Jacobian, shape (k, n).
    """

    def derivative(x):
        x = np.asarray(x, dtype=float)
        points = x[:, None] + 1j * STEP * np.eye(n)  # column j perturbs x[j]
        return np.asarray(func(points)).imag / STEP  # (40.6)

    return derivative


# [records]
def problem_from_record(record: dict) -> Problem:
    """Build a ``constrained`` :class:`~refopt.problems.Problem` from one JSON record."""
    n = int(record["n"])
    objective = value_function([record["objective"]], n)
    constraints = []
    for kind, key in (("eq", "eq_constraints"), ("ineq", "ineq_constraints_ge0")):
        if record.get(key):
            c = value_function(record[key], n)
            as_vector = _as_vector(c)
            constraints.append({"type": kind, "fun": as_vector,
                                "jac": _as_matrix(complex_step_derivative(c, n), len(record[key]))})
    extra = {"constraints": constraints, "x0_feasible": record.get("x0_feasible"),
             "expressions": {"objective": record["objective"],
                             "eq": list(record.get("eq_constraints", [])),
                             "ineq": list(record.get("ineq_constraints_ge0", []))}}
    if record.get("bounds"):
        lb = np.array([-np.inf if lo is None else lo for lo, _ in record["bounds"]], dtype=float)
        ub = np.array([np.inf if hi is None else hi for _, hi in record["bounds"]], dtype=float)
        extra["bounds"] = (lb, ub)
    if record.get("local_minima"):
        extra["local_minima"] = [{"f": float(m["f"]), "x": np.array(m["x"], dtype=float),
                                  "starts": (0,), "note": "local minimum: " + m.get("note", "")}
                                 for m in record["local_minima"]]
    if record.get("notes"):
        extra["notes"] = record["notes"]
    # HS8's objective is constant and HS9 has infinitely many minimisers: judge by f alone
    extra["x_star_unique"] = record["id"] not in ("HS8", "HS9")
    f_star = float(record["f_star"])
    return Problem(
        name=_name(record["id"]), source=record["source"], kind="constrained", n=n, m=1,
        starts=(np.array(record["x0"], dtype=float),),
        fun=lambda x: float(objective(np.asarray(x, dtype=float))),
        jac=complex_step_derivative(objective, n),
        f_star=f_star, x_star=np.array(record["x_star"], dtype=float),
        rtol=1e-6, atol=1e-8, extra=extra,
    )


# [/records]


def _name(identifier: str) -> str:
    """``"HS7"`` -> ``"hs07"``: two digits, so that names sort in the book's order."""
    return f"hs{int(identifier[2:]):02d}"


def _as_vector(c):
    return lambda x: np.atleast_1d(c(np.asarray(x, dtype=float)))


def _as_matrix(dc, rows):
    return lambda x: np.asarray(dc(x)).reshape(rows, -1)


def load(folder=None) -> list[Problem]:
    """Read the Hock–Schittkowski problems from ``folder/hock_schittkowski.json``.

    Parameters
    ----------
    folder : str or os.PathLike, optional
        Folder holding the JSON file; by default the copy shipped with refopt
        (:func:`refopt.problems.data_dir`).

    Returns
    -------
    list of Problem
        One ``constrained`` problem per record.
    """
    if folder is None:
        folder = data_dir()
    elif not hasattr(folder, "is_file"):
        folder = pathlib.Path(folder)
    path = folder / FILE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"no {FILE_NAME} in {folder}")
    data = json.loads(path.read_text())
    return [problem_from_record(record) for record in data["problems"]]


register(load())
