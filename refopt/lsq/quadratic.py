"""The quadratic model (13.5) along a line, and its value at a step.

The model is that of Branch, Coleman & Li (SIAM J. Sci. Comput. 21, 1999).

A trust-region method searches lines — the negative gradient, a step reflected off a bound,
a dogleg leg — on which the model ``m(p) = 1/2 ||J p||**2 + 1/2 p^T C p + g^T p`` (13.5) is a
quadratic in one variable. These three helpers build that quadratic, minimise it over an
interval and evaluate the model at one or many steps. Equation numbers refer to the chapter
"Trust-region reflective"; the operations follow scipy's ``optimize/_lsq/common.py``.
"""

from __future__ import annotations

import numpy as np


def build_quadratic_1d(J, g: np.ndarray, s: np.ndarray, diag: np.ndarray | None = None,
                       s0: np.ndarray | None = None) -> tuple[float, ...]:
    """Coefficients of the model (13.5) restricted to the line ``s0 + t s``.

    The restriction is ``a t**2 + b t + c`` with ``a = 1/2 (||J s||**2 + s^T diag s)``,
    ``b = g^T s + (J s0)^T (J s) + s0^T diag s`` and ``c = m(s0)``.

    Parameters
    ----------
    J : ndarray or operator with ``dot``, shape (m, n)
        Jacobian.
    g : ndarray, shape (n,)
        Gradient (the linear term).
    s : ndarray, shape (n,)
        Direction of the line.
    diag : ndarray, shape (n,), optional
        Extra diagonal of the quadratic term (``C`` of (13.5)); None means zero.
    s0 : ndarray, shape (n,), optional
        Starting point of the line; None means the origin.

    Returns
    -------
    a, b : float
        When ``s0`` is None.
    a, b, c : float
        When ``s0`` is given.
    """
    Js = J.dot(s)
    a = np.dot(Js, Js)
    if diag is not None:
        a += np.dot(s * diag, s)
    a *= 0.5
    b = np.dot(g, s)
    if s0 is None:
        return a, b
    Js0 = J.dot(s0)
    b += np.dot(Js0, Js)
    c = 0.5 * np.dot(Js0, Js0) + np.dot(g, s0)
    if diag is not None:
        b += np.dot(s0 * diag, s)
        c += 0.5 * np.dot(s0 * diag, s0)
    return a, b, c


def minimize_quadratic_1d(a: float, b: float, lb: float, ub: float,
                          c: float = 0) -> tuple[float, float]:
    """Minimise ``a t**2 + b t + c`` over the finite interval ``[lb, ub]``.

    The candidates are the two ends and, when it lies strictly inside, the vertex
    ``-b / (2a)``; the first smallest value wins.

    Parameters
    ----------
    a, b, c : float
        Coefficients.
    lb, ub : float
        Finite ends of the interval.

    Returns
    -------
    t, y : float
        The minimiser and the minimum value.
    """
    candidates = [lb, ub]
    if a != 0:
        vertex = -0.5 * b / a
        if lb < vertex < ub:
            candidates.append(vertex)
    t = np.asarray(candidates)
    y = t * (a * t + b) + c
    best = np.argmin(y)
    return t[best], y[best]


def evaluate_quadratic(J, g: np.ndarray, s: np.ndarray, diag: np.ndarray | None = None):
    """The model (13.5) ``1/2 s^T (J^T J + diag) s + g^T s`` at one step or at rows of steps.

    Parameters
    ----------
    J : ndarray or operator with ``dot``, shape (m, n)
        Jacobian.
    g : ndarray, shape (n,)
        Gradient.
    s : ndarray, shape (n,) or (k, n)
        A step, or steps as rows.
    diag : ndarray, shape (n,), optional
        Extra diagonal of the quadratic term; None means zero.

    Returns
    -------
    float or ndarray of shape (k,)
        Model values.
    """
    if s.ndim == 1:
        Js = J.dot(s)
        q = np.dot(Js, Js)
        if diag is not None:
            q += np.dot(s * diag, s)
    else:
        Js = J.dot(s.T)
        q = np.sum(Js**2, axis=0)
        if diag is not None:
            q += np.sum(diag * s**2, axis=1)
    return 0.5 * q + np.dot(s, g)
