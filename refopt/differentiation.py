"""Finite-difference approximation of Jacobians and gradients.

For ``f: R^n -> R^m`` column ``j`` of the Jacobian is the derivative of ``f`` along the
coordinate direction ``e_j``. Three schemes estimate it from values of ``f`` alone
(equation numbers are those of the book's chapter 1, ``chapters/01-finite-differences.md``):

* forward (2-point), first order, eq. (1.1): ``(f(x + h e_j) - f(x)) / h``, with error
  ``O(h) + O(EPS/h)``, eq. (1.2);
* central (3-point), second order, eq. (1.4): ``(f(x + h e_j) - f(x - h e_j)) / 2h``, with
  error ``O(h^2) + O(EPS/h)``, eq. (1.5); next to a bound it becomes the one-sided
  second-order formula ``(-3 f(x) + 4 f(x + h e_j) - f(x + 2h e_j)) / 2h``, eq. (1.6);
* complex step, second order and free of subtractive cancellation, eq. (1.7):
  ``Im f(x + i h e_j) / h``.

Balancing truncation against rounding gives the default relative steps ``EPS**(1/2)`` for
the forward scheme and ``EPS**(1/3)`` for the central one, eqs. (1.3) and (1.5), scaled by
``max(1, |x_j|)`` and signed like ``x_j``, eq. (1.8). The complex step may be as small as
we like; ``EPS**(1/2)`` is used, as in scipy.

The step rules, the bound handling and the output shapes follow
``scipy.optimize._numdiff.approx_derivative`` (scipy 1.17), so that solvers built on this
module take the same steps as scipy's and get the same Jacobians bit for bit. Deliberate
differences, all about never calling ``fun`` outside the bounds or at a meaningless point:

* every evaluation point is clipped into the bounds after it is formed, and the divisor is
  the step actually taken, so ``fun`` is never called outside the box, even when
  ``x0 + (ub - x0)`` rounds one ulp past ``ub`` (scipy evaluates there in that case);
* an ``x0`` outside the bounds is rejected before ``fun(x0)`` is computed (scipy computes
  it first);
* a non-finite or complex ``x0``, nan bounds and a ``bounds`` that is not a pair are
  rejected with a ValueError that says so.

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, §8.1
"Finite-difference derivative approximations" (forward and central differences and the
choice of their steps).

W. Squire and G. Trapp, "Using complex variables to estimate derivatives of real
functions", *SIAM Review* 40(1), 110-112, 1998 (the complex step).

A. R. Curtis, M. J. D. Powell and J. K. Reid, "On the estimation of sparse Jacobian
matrices", *Journal of the Institute of Mathematics and its Applications* 13, 117-120,
1974 (grouping columns that share no row, so that one evaluation gives several columns:
:func:`group_columns`, :func:`grouped_difference`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["approx_derivative", "group_columns"]

METHODS = ("2-point", "3-point", "cs")


def relative_step(method: str, x0_dtype: np.dtype, f0_dtype: np.dtype) -> float:
    """Default relative step ``EPS**(1/2)`` (2-point, cs) or ``EPS**(1/3)`` (3-point).

    EPS belongs to x0's floating type, or to f0's when that is a narrower float: the
    rounding error of the difference quotient comes from the less precise of the two.
    """
    eps = np.finfo(np.float64).eps
    if np.issubdtype(x0_dtype, np.inexact):
        eps = np.finfo(x0_dtype).eps
        narrower_f = np.dtype(f0_dtype).itemsize < np.dtype(x0_dtype).itemsize
        if np.issubdtype(f0_dtype, np.inexact) and narrower_f:
            eps = np.finfo(f0_dtype).eps
    # (1.3): h ~ EPS**(1/2) balances O(h) truncation against O(EPS/h) rounding;
    # (1.5): for the O(h**2) central scheme the balance is at h ~ EPS**(1/3).
    return eps ** (1 / 3) if method == "3-point" else eps ** 0.5


def sign_of(x0: np.ndarray) -> np.ndarray:
    """+1 where ``x0 >= 0`` and -1 elsewhere: unlike ``np.sign``, zero counts as positive."""
    return np.where(x0 >= 0, 1.0, -1.0)


def absolute_step(x0: np.ndarray, f0: np.ndarray, method: str, rel_step: Any = None,
                  abs_step: Any = None) -> np.ndarray:
    """The signed step ``h_j`` for each coordinate before any bound adjustment.

    By default ``h = r * sign(x0) * max(1, |x0|)`` with ``r`` from :func:`relative_step`:
    relative to ``|x0|`` for large ``x0`` and absolute near zero. A user ``rel_step``
    gives ``h = rel_step * sign(x0) * |x0|`` (no ``max(1, .)``); a user ``abs_step`` is
    used as given. Any entry whose step is lost to rounding, ``(x0 + h) - x0 == 0``
    (``x0 = 0`` with a relative step, or a step below half an ulp of ``x0``), falls back
    to the default.
    """
    # (1.8)
    default = relative_step(method, x0.dtype, f0.dtype) * sign_of(x0) * np.maximum(1.0, np.abs(x0))
    if rel_step is None and abs_step is None:
        return default
    if abs_step is None:
        h = rel_step * sign_of(x0) * np.abs(x0)
    else:
        h = abs_step
    return np.where((x0 + h) - x0 == 0, default, h)


def adjust_to_bounds(x0: np.ndarray, h: np.ndarray, scheme: str, lb: np.ndarray,
                     ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Make the steps fit inside ``[lb, ub]``; return ``(h, one_sided)``.

    ``scheme='1-sided'`` (the 2-point method) evaluates ``x0 + h``. A step that would
    leave the box is reversed if the reversed step fits; if neither direction fits the
    whole step, the step goes to the farther bound.

    ``scheme='2-sided'`` (the 3-point method) wants ``x0 - |h|`` and ``x0 + |h|``. If both
    fit, the central formula is used. Otherwise it switches to the one-sided formula on
    ``x0 + h, x0 + 2h`` towards the farther bound, shrinking ``h`` to half that distance
    so that ``x0 + 2h`` stays inside. If the shrunken step is no longer than the distance
    to the nearer bound, a central difference with that distance is as good and is used.
    """
    one_sided = np.full(h.shape, scheme == "1-sided")
    if scheme == "2-sided":
        h = np.abs(h)
    if np.all(np.isneginf(lb) & np.isposinf(ub)):
        return h, one_sided

    h = h.copy()
    lower_dist, upper_dist = x0 - lb, ub - x0
    toward_upper = upper_dist >= lower_dist
    if scheme == "1-sided":
        fits = np.abs(h) <= np.maximum(lower_dist, upper_dist)
        leaves = ((x0 + h) < lb) | ((x0 + h) > ub)
        h[leaves & fits] *= -1
        h[toward_upper & ~fits] = upper_dist[toward_upper & ~fits]
        h[~toward_upper & ~fits] = -lower_dist[~toward_upper & ~fits]
        return h, one_sided

    central = (lower_dist >= h) & (upper_dist >= h)
    forward, backward = toward_upper & ~central, ~toward_upper & ~central
    h[forward] = np.minimum(h[forward], 0.5 * upper_dist[forward])
    h[backward] = -np.minimum(h[backward], 0.5 * lower_dist[backward])
    one_sided[~central] = True
    min_dist = np.minimum(lower_dist, upper_dist)
    back_to_central = ~central & (np.abs(h) <= min_dist)
    h[back_to_central] = min_dist[back_to_central]
    one_sided[back_to_central] = False
    return h, one_sided


def moved(x0: np.ndarray, j: int, step: float, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """A fresh copy of ``x0`` with coordinate ``j`` moved by ``step``, kept inside the box.

    The clip only ever removes a rounding error of one ulp (the steps were already fitted
    by :func:`adjust_to_bounds`), and callers divide by the step actually taken.
    """
    x = x0.copy()
    x[j] = min(max(x0[j] + step, lb[j]), ub[j])
    return x


def forward_column(fun: Callable, x0: np.ndarray, f0: np.ndarray, j: int, h: float,
                   lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """Column ``j`` by the 2-point formula (1.1), forward or backward by the sign of h."""
    x = moved(x0, j, h, lb, ub)
    # divide by the representable step (x0 + h) - x0, not h: the rounding of x0 + h
    # would otherwise be an O(ulp / h) relative error
    step = float(x[j]) - float(x0[j])
    return (fun(x) - f0) / step


def central_column(fun: Callable, x0: np.ndarray, j: int, h: float,
                   lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """Column ``j`` by the central formula (1.4) on the points ``x0 -/+ h e_j``."""
    below, above = moved(x0, j, -h, lb, ub), moved(x0, j, h, lb, ub)
    width = float(above[j]) - float(below[j])
    f_below = fun(below)
    f_above = fun(above)
    return (f_above - f_below) / width


def one_sided_column(fun: Callable, x0: np.ndarray, f0: np.ndarray, j: int, h: float,
                     lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """Column ``j`` by the one-sided second-order formula (1.6) on ``x0, x0 + h, x0 + 2h``.

    From the Taylor series, ``-3 f(x) + 4 f(x + h) - f(x + 2h) = 2h f'(x) + O(h^3)``;
    h may be negative (a backward formula).
    """
    near, far = moved(x0, j, h, lb, ub), moved(x0, j, 2 * h, lb, ub)
    width = float(far[j]) - float(x0[j])
    f_near = fun(near)
    f_far = fun(far)
    return (-3.0 * f0 + 4.0 * f_near - f_far) / width


def complex_step_column(fun: Callable, x0: np.ndarray, j: int, h: float) -> np.ndarray:
    """Column ``j`` by the complex step (1.7), ``Im f(x0 + i h e_j) / h`` (Squire & Trapp 1998).

    No difference of nearly equal numbers is formed, so h can be tiny without
    cancellation. ``fun`` must be analytic (built from operations that extend to complex
    arguments), real on real inputs, and must not take ``abs`` or ``x.real``.
    """
    x = x0.astype(complex)
    x[j] += 1j * h
    return fun(x).imag / h


def dense_jacobian(fun: Callable, x0: np.ndarray, f0: np.ndarray, h: np.ndarray,
                   one_sided: np.ndarray, method: str, lb: np.ndarray,
                   ub: np.ndarray) -> np.ndarray:
    """The Jacobian, one column at a time (columns in order 0..n-1, as scipy evaluates them).

    Returns shape ``(m, n)``, or ``(n,)`` when ``m == 1``: the gradient of a scalar function.
    Evaluations: n for '2-point' and 'cs', 2n for '3-point'.
    """
    columns = np.empty((x0.size, f0.size))
    for j in range(x0.size):
        if method == "2-point":
            columns[j] = forward_column(fun, x0, f0, j, h[j], lb, ub)
        elif method == "cs":
            columns[j] = complex_step_column(fun, x0, j, h[j])
        elif one_sided[j]:
            columns[j] = one_sided_column(fun, x0, f0, j, h[j], lb, ub)
        else:
            columns[j] = central_column(fun, x0, j, h[j], lb, ub)
    if f0.size == 1:
        return columns.ravel()
    # built row by row and returned transposed (Fortran order), like scipy: later
    # factorizations of J then round exactly as they do in scipy
    return columns.T


# [grouping]
def column_rows(A: Any, structural: bool) -> tuple[tuple[int, int], list[np.ndarray]]:
    """Shape of ``A`` and, for each column, the rows of its entries.

    ``A`` is array_like (its nonzeros count) or any sparse matrix offering ``tocoo()``.
    With ``structural=True`` every stored entry of a sparse matrix counts, even an explicit
    zero (as in scipy's ``group_columns``); otherwise only nonzero values count.
    """
    if hasattr(A, "tocoo"):
        coo = A.tocoo()
        keep = np.ones(coo.row.shape, dtype=bool) if structural else np.asarray(coo.data) != 0
        rows, cols, shape = np.asarray(coo.row)[keep], np.asarray(coo.col)[keep], coo.shape
    else:
        A = np.atleast_2d(A)
        if A.ndim != 2:
            raise ValueError("`A` must be 2-dimensional.")
        cols, rows = np.nonzero(A.T)
        shape = A.shape
    by_column = np.argsort(cols, kind="stable")
    starts = np.searchsorted(cols[by_column], np.arange(shape[1] + 1))
    return shape, [rows[by_column[a:b]] for a, b in zip(starts[:-1], starts[1:])]


def group_columns(A: Any, order: Any = 0) -> np.ndarray:
    """Group the columns of a sparsity structure so that no two in a group share a row.

    Columns with disjoint rows can be differenced together: one evaluation of ``fun``
    with all of them perturbed yields all their Jacobian columns (Curtis, Powell & Reid
    1974). Greedy: take the next ungrouped column (in the given order), start a group
    with it, and add every later ungrouped column that shares no row with the group so far.

    Parameters
    ----------
    A : array_like or sparse matrix, shape (m, n)
        The sparsity structure: nonzero (for a sparse matrix, stored) entries mark the
        entries of the Jacobian that may be nonzero.
    order : int, None or array_like of shape (n,), optional
        The order in which columns are visited. An int or None seeds
        ``np.random.RandomState(order).permutation(n)``, as scipy does (default 0:
        a fixed, repeatable shuffle).

    Returns
    -------
    groups : ndarray of int, shape (n,)
        ``groups[j]`` is the group of column ``j``, numbered 0, 1, ... in order of creation.
    """
    (m, n), rows_of = column_rows(A, structural=True)
    if order is None or np.isscalar(order):
        order = np.random.RandomState(order).permutation(n)
    else:
        order = np.asarray(order)
        if order.shape != (n,):
            raise ValueError("`order` has incorrect shape.")
    groups = np.full(n, -1, dtype=np.intp)
    n_groups = 0
    for position, first in enumerate(order):
        if groups[first] >= 0:
            continue
        groups[first] = n_groups
        in_group = np.zeros(m, dtype=bool)  # rows touched by the group so far
        in_group[rows_of[first]] = True
        for j in order[position + 1:]:
            if groups[j] < 0 and not in_group[rows_of[j]].any():
                groups[j] = n_groups
                in_group[rows_of[j]] = True
        n_groups += 1
    return groups
# [/grouping]


def grouped_difference(fun: Callable, x0: np.ndarray, f0: np.ndarray, h: np.ndarray,
                       one_sided: np.ndarray, method: str, rows_of: list[np.ndarray],
                       groups: np.ndarray, lb: np.ndarray,
                       ub: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The structural entries of the Jacobian by grouped differences: ``(rows, cols, values)``.

    All columns of a group are perturbed at once. They share no row, so row ``i`` of the
    difference of ``f`` belongs to the one member ``j`` with ``i`` in ``rows_of[j]``, and
    ``J[i, j] = df[i] / dx[j]`` with the scheme's ``df`` and ``dx`` (eqs. (1.1), (1.4),
    (1.6), (1.7)). Evaluations: one per group ('2-point', 'cs') or two ('3-point'),
    instead of one or two per column.
    """
    rows, cols, values = [], [], []
    for group in range(groups.max() + 1 if groups.size else 0):
        members = groups == group
        if method == "cs":
            x = x0.astype(complex)
            x[members] += 1j * h[members]
            df, dx = fun(x).imag, np.where(members, h, 0.0)
            columns = {j: (df, dx[j]) for j in np.flatnonzero(members)}
        elif method == "2-point":
            x = shifted(x0, np.where(members, h, 0.0), lb, ub)
            df, dx = fun(x) - f0, x.astype(float) - x0
            columns = {j: (df, dx[j]) for j in np.flatnonzero(members)}
        else:
            columns = three_point_group(fun, x0, f0, h, one_sided, members, lb, ub)
        for j, (df, dx_j) in columns.items():
            # (1.9): the rows of column j see only x_j move within this group
            rows.append(rows_of[j])
            cols.append(np.full(rows_of[j].size, j))
            values.append(df[rows_of[j]] / dx_j)
    if not rows:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp), np.zeros(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(values)


def three_point_group(fun: Callable, x0: np.ndarray, f0: np.ndarray, h: np.ndarray,
                      one_sided: np.ndarray, members: np.ndarray, lb: np.ndarray,
                      ub: np.ndarray) -> dict:
    """``{j: (df, dx_j)}`` for one group by the 3-point schemes, two evaluations in all.

    Central members move to ``x0 - h`` and ``x0 + h``, one-sided members to ``x0 + h`` and
    ``x0 + 2h``, all in the same two points.
    """
    side, centre = members & one_sided, members & ~one_sided
    first = shifted(x0, np.where(side, h, np.where(centre, -h, 0.0)), lb, ub)
    second = shifted(x0, np.where(side, 2 * h, np.where(centre, h, 0.0)), lb, ub)
    f1 = fun(first)
    f2 = fun(second)
    one_sided_df, central_df = -3.0 * f0 + 4.0 * f1 - f2, f2 - f1
    columns = {}
    for j in np.flatnonzero(members):
        if one_sided[j]:
            columns[j] = (one_sided_df, float(second[j]) - float(x0[j]))
        else:
            columns[j] = (central_df, float(second[j]) - float(first[j]))
    return columns


def shifted(x0: np.ndarray, step: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """``x0 + step`` kept inside the box, in x0's float type (the grouped form of :func:`moved`)."""
    return np.clip(x0 + step, lb, ub).astype(x0.dtype)


def as_point(x0: Any) -> np.ndarray:
    """``x0`` as a fresh 1-D float array (its own float type kept; others become float64)."""
    x = np.atleast_1d(np.asarray(x0))
    if np.iscomplexobj(x):
        raise ValueError("`x0` must be real.")
    x = x.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64, copy=True)
    if x.ndim > 1:
        raise ValueError("`x0` must have at most 1 dimension.")
    return x


def as_bounds(bounds: Sequence[Any], x0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(lb, ub)`` as float arrays of x0's shape; a scalar bound applies to every variable."""
    if len(bounds) != 2:
        raise ValueError("`bounds` must contain 2 elements.")
    lb, ub = (np.asarray(b, dtype=float) for b in bounds)
    lb = np.resize(lb, x0.shape) if lb.ndim == 0 else lb
    ub = np.resize(ub, x0.shape) if ub.ndim == 0 else ub
    if lb.shape != x0.shape or ub.shape != x0.shape:
        raise ValueError("Inconsistent shapes between bounds and `x0`.")
    if np.any(np.isnan(lb)) or np.any(np.isnan(ub)):
        raise ValueError("`bounds` must not contain nan (use -inf or inf for no bound).")
    return lb, ub


def wrap_fun(fun: Callable, x0: np.ndarray, args: tuple, kwargs: dict) -> Callable:
    """``fun(x, *args, **kwargs)`` returning a 1-D array; real x is passed in x0's float type."""
    def wrapped(x: np.ndarray) -> np.ndarray:
        if np.issubdtype(x.dtype, np.floating):
            x = x.astype(x0.dtype, copy=False)
        f = np.atleast_1d(fun(x, *args, **kwargs))
        if f.ndim > 1:
            raise RuntimeError("`fun` return value has more than 1 dimension.")
        return f
    return wrapped


def approx_derivative(fun: Callable, x0: Any, method: str = "3-point", rel_step: Any = None,
                      abs_step: Any = None, f0: Any = None,
                      bounds: Sequence[Any] = (-np.inf, np.inf), sparsity: Any = None,
                      as_linear_operator: bool = False, args: tuple = (),
                      kwargs: dict | None = None,
                      full_output: bool = False) -> np.ndarray | tuple[np.ndarray, dict]:
    """Finite-difference approximation of the Jacobian of ``fun`` at ``x0``.

    For ``fun: R^n -> R^m`` the result ``J`` has ``J[i, j] = d f_i / d x_j``.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args, **kwargs)`` with ``x`` an ndarray of shape (n,) (never a scalar).
        It returns a scalar or a 1-D array_like of shape (m,).
    x0 : array_like of shape (n,) or float
        Point at which to differentiate. A float becomes an array of shape (1,). It is
        never modified.
    method : {'3-point', '2-point', 'cs'}, optional
        '2-point': forward difference (first order; backward next to an upper bound).
        '3-point' (default): central difference, or a one-sided second-order formula
        near a bound. 'cs': complex step, for functions that extend analytically to
        complex arguments.
    rel_step : None or array_like, optional
        Relative step. ``None`` means ``EPS**(1/2)`` for '2-point' and 'cs' and
        ``EPS**(1/3)`` for '3-point', with ``h = rel_step * sign(x0) * max(1, |x0|)``
        (``sign(0) = 1``). A given value means ``h = rel_step * sign(x0) * |x0|``.
    abs_step : None or array_like, optional
        Absolute step, used instead of ``rel_step`` when given. For '3-point' its sign is
        ignored. A step that vanishes in ``x0 + h`` falls back to the default step.
    f0 : None or array_like, optional
        ``fun(x0)`` if already known; it is then not recomputed.
    bounds : 2-tuple of array_like, optional
        Lower and upper bounds, each a scalar or of x0's shape. ``fun`` is evaluated only
        inside them: steps are reversed or made one-sided near a bound.
    sparsity : None, optional
        Must be None for now: scipy returns a sparse matrix for a given structure, and
        refopt has no sparse matrix type yet. The grouped differencing itself is
        :func:`group_columns` with :func:`grouped_difference`.
    as_linear_operator : bool, optional
        Not implemented yet; must be False.
    args : tuple, optional
        Extra positional arguments for ``fun``.
    kwargs : dict, optional
        Extra keyword arguments for ``fun``.
    full_output : bool, optional
        If True, also return a dict ``{'nfev': number of calls of fun}``.

    Returns
    -------
    J : ndarray of shape (m, n), or (n,) when m == 1
        The Jacobian, or the gradient when ``fun`` is scalar-valued.
    info : dict
        Only if ``full_output``: ``{'nfev': ...}``, counting the call for ``f0`` if it was
        computed here.

    Raises
    ------
    ValueError
        For an unknown method, ``x0`` that is complex, not finite or has more than one
        dimension, bounds that are not a pair, of the wrong shape or with nan, an ``f0``
        with more than one dimension, or ``x0`` outside the bounds (checked before ``fun``
        is first called).
    RuntimeError
        If ``fun`` returns an array with more than one dimension.
    NotImplementedError
        If ``sparsity`` is given or ``as_linear_operator`` is True.

    Notes
    -----
    Uses ``n`` evaluations of ``fun`` for '2-point' and 'cs' and ``2n`` for '3-point',
    plus one for ``f0`` when it is not given ('cs' needs none but still computes f0).
    Steps follow scipy 1.17; see the module docstring for the one difference (clipping
    evaluation points into the bounds).

    Examples
    --------
    >>> import numpy as np
    >>> J = approx_derivative(lambda x: np.array([x[0] * x[1], np.sin(x[0])]), [1.0, 2.0])
    >>> np.allclose(J, [[2.0, 1.0], [np.cos(1.0), 0.0]])
    True
    """
    if method not in METHODS:
        raise ValueError(f"Unknown method '{method}'. ")
    if sparsity is not None:
        raise NotImplementedError("refopt.approx_derivative: `sparsity` is not supported yet: "
                                  "scipy returns a sparse matrix and refopt has no sparse matrix "
                                  "type yet. The grouped kernel exists (group_columns, "
                                  "grouped_difference); pass sparsity=None for a dense Jacobian.")
    if as_linear_operator:
        raise NotImplementedError("refopt.approx_derivative: `as_linear_operator=True` is not "
                                  "implemented yet.")
    x0 = as_point(x0)
    lb, ub = as_bounds(bounds, x0)
    if not np.all(np.isfinite(x0)):
        raise ValueError("`x0` must contain only finite values (no nan or inf).")
    if f0 is not None:
        f0 = np.atleast_1d(f0)
        if f0.ndim > 1:
            raise ValueError("`f0` passed has more than 1 dimension.")
    # checked before fun(x0) is computed (scipy computes it first), so that fun is
    # never called outside the bounds, not even at an infeasible x0
    if np.any((x0 < lb) | (x0 > ub)):
        raise ValueError("`x0` violates bound constraints.")
    fun = wrap_fun(fun, x0, args, {} if kwargs is None else kwargs)
    nfev = x0.size * (2 if method == "3-point" else 1)
    if f0 is None:
        f0 = fun(x0)
        nfev += 1

    h = absolute_step(x0, f0, method, rel_step, abs_step)
    if method == "2-point":
        h, one_sided = adjust_to_bounds(x0, h, "1-sided", lb, ub)
    elif method == "3-point":
        h, one_sided = adjust_to_bounds(x0, h, "2-sided", lb, ub)
    else:
        # the complex step never moves the real part, so bounds need no adjustment
        one_sided = np.zeros(x0.shape, dtype=bool)
    J = dense_jacobian(fun, x0, f0, h, one_sided, method, lb, ub)
    return (J, {"nfev": nfev}) if full_output else J
