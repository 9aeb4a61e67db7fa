"""Finite-difference approximation of Jacobians and gradients.

For ``f: R^n -> R^m`` column ``j`` of the Jacobian is the derivative of ``f`` along the
coordinate direction ``e_j``. Three schemes estimate it from values of ``f`` alone
(equation numbers are those of the book's chapter 1, ``chapters/01-finite-differences.md``):

* forward (2-point), first order, eq. (1.1): ``(f(x + h e_j) - f(x)) / h``, with error
  ``O(h) + O(EPS/h)``, eq. (1.2);
* central (3-point), second order, eq. (1.5): ``(f(x + h e_j) - f(x - h e_j)) / 2h``, with
  error ``O(h^2) + O(EPS/h)``, eq. (1.6); next to a bound it becomes the one-sided
  second-order formula ``(-3 f(x) + 4 f(x + h e_j) - f(x + 2h e_j)) / 2h``, eq. (1.8);
* complex step, second order and free of subtractive cancellation, eq. (1.7):
  ``Im f(x + i h e_j) / h``.

Balancing truncation against rounding gives the default relative steps ``EPS**(1/2)`` for
the forward scheme and ``EPS**(1/3)`` for the central one, eqs. (1.3) and (1.6), scaled by
``max(1, |x_j|)`` and signed like ``x_j``, eq. (1.4). The complex step may be as small as
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

from .linalg.operators import LinearOperator
from .linalg.sparse import CSRMatrix, ascsr, issparse

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
    # (1.6): for the O(h**2) central scheme the balance is at h ~ EPS**(1/3).
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
    # (1.4)
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
    """Column ``j`` by the central formula (1.5) on the points ``x0 -/+ h e_j``."""
    below, above = moved(x0, j, -h, lb, ub), moved(x0, j, h, lb, ub)
    width = float(above[j]) - float(below[j])
    f_below = fun(below)
    f_above = fun(above)
    return (f_above - f_below) / width


def one_sided_column(fun: Callable, x0: np.ndarray, f0: np.ndarray, j: int, h: float,
                     lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """Column ``j`` by the one-sided second-order formula (1.8) on ``x0, x0 + h, x0 + 2h``.

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
                   ub: np.ndarray, workers: Callable | None = None) -> np.ndarray:
    """The Jacobian, one column at a time (columns in order 0..n-1, as scipy evaluates them).

    Returns shape ``(m, n)``, or ``(n,)`` when ``m == 1``: the gradient of a scalar function.
    Evaluations: n for '2-point' and 'cs', 2n for '3-point'. With ``workers`` the points are
    first gathered (the column formulas run once on placeholder values), evaluated by
    ``workers(fun, points)`` in one call, and the same formulas then consume the values.
    """
    if workers is not None and workers is not map:
        points: list[np.ndarray] = []

        def record(x: np.ndarray) -> np.ndarray:
            points.append(x)
            return np.zeros_like(f0)

        dense_jacobian(record, x0, f0, h, one_sided, method, lb, ub)
        replay = iter(list(workers(fun, points)))
        return dense_jacobian(lambda x: next(replay), x0, f0, h, one_sided, method, lb, ub)
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
ORDERS = ("smallest-last", "largest-first", "natural")
#: The order :func:`group_columns` uses when none is given: the one that needed the fewest
#: groups on the patterns of the book's chapter 16 (banded, block, random, arrow).
DEFAULT_ORDER = "smallest-last"


def sparsity_structure(A: Any, structural: bool) -> CSRMatrix:
    """The pattern of ``A`` as a CSRMatrix of ones, columns sorted within rows.

    ``A`` is array_like (its nonzeros count) or a sparse matrix (``tocsr()``/``tocoo()``).
    With ``structural=True`` every stored entry of a sparse matrix counts, even an explicit
    zero, as in scipy's ``group_columns``; otherwise only nonzero values count, as in
    scipy's grouped differences.
    """
    if issparse(A):
        P = ascsr(A)
        if not structural and not np.all(P.data != 0):
            keep = P.data != 0
            P = CSRMatrix.from_coo(P.row_of_entry()[keep], P.indices[keep], P.data[keep], P.shape)
    else:
        A = np.atleast_2d(A)
        if A.ndim != 2:
            raise ValueError("`A` must be 2-dimensional.")
        P = CSRMatrix.from_dense(A != 0)
    return P.with_data(np.ones(P.nnz))


def pairs_within_rows(P: CSRMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of entries ``(e, e')``, ``e < e'``, that share a row of ``P``.

    A row of ``r`` entries gives ``r (r - 1) / 2`` pairs; they are enumerated with a ragged
    ``arange`` (entry ``e`` is paired with the entries after it up to its row's end).
    """
    row_end = P.indptr[1:][P.row_of_entry()]
    counts = row_end - np.arange(P.nnz) - 1
    first = np.repeat(np.arange(P.nnz), counts)
    offset = np.arange(first.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return first, first + 1 + offset


def column_intersection_graph(P: CSRMatrix) -> CSRMatrix:
    """The graph whose vertices are the columns of ``P``, two joined when they share a row
    (16.2), as a symmetric n x n pattern (Coleman & Moré 1983).

    A proper colouring of this graph is exactly a grouping for (1.9): the members of a
    group are pairwise non-adjacent, so no row sees two of them.
    """
    n = P.shape[1]
    first, second = pairs_within_rows(P)
    u, v = P.indices[first], P.indices[second]
    # each edge in both directions as one key row * n + col: sorted, the keys are in CSR
    # order (by row, then column); a pair of columns met in several rows is kept once
    keys = np.sort(np.concatenate((u * n + v, v * n + u)), kind="stable")  # (timsort: the
    # two halves come nearly sorted on banded patterns, so this is close to linear there)
    first = np.ones(keys.size, dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    keys = keys[first]
    row, col = np.divmod(keys, n)
    indptr = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    return CSRMatrix((np.ones(keys.size), col, indptr), shape=(n, n))


def largest_first_order(graph: CSRMatrix) -> np.ndarray:
    """Columns by decreasing degree in the intersection graph, ties by index (Welsh &
    Powell 1967): the most constrained columns get the low group numbers first."""
    degree = np.diff(graph.indptr)
    return np.argsort(-degree, kind="stable")


def smallest_last_order(graph: CSRMatrix) -> np.ndarray:
    """Matula & Beck's smallest-last order (Coleman & Moré 1983).

    Repeatedly remove a vertex of least degree in what remains of the graph; visit them in
    the reverse order of removal. Every column then has at most ``d`` neighbours visited
    before it, ``d`` the largest of the least degrees met (the graph's degeneracy), so the
    greedy grouping needs at most ``d + 1`` groups (16.4). For a band of ``w`` diagonals
    ``d = w - 1``: exactly the bandwidth.

    Sequential by nature (each removal changes the degrees the next choice depends on): a
    loop over the columns with O(1) work per column and per edge, on bucket lists of
    columns by current degree. Ties go to the column that entered its bucket last.
    """
    n = graph.shape[0]
    degree = np.diff(graph.indptr).tolist()
    adjacent, start = graph.indices.tolist(), graph.indptr.tolist()
    buckets: list[list[int]] = [[] for _ in range(max(degree, default=0) + 1)]
    for j in np.argsort(degree, kind="stable")[::-1].tolist():
        buckets[degree[j]].append(j)
    removed = [False] * n
    removal: list[int] = []
    least = 0
    while len(removal) < n:
        bucket = buckets[least]
        if not bucket:
            least += 1
            continue
        j = bucket.pop()
        if removed[j] or degree[j] != least:     # a stale entry: j moved to a lower bucket
            continue
        removed[j] = True
        removal.append(j)
        for k in adjacent[start[j]:start[j + 1]]:
            if not removed[k]:
                d = degree[k] = degree[k] - 1
                buckets[d].append(k)
                if d < least:                    # a removal lowers a degree by one at most
                    least = d
    return np.array(removal[::-1], dtype=np.intp)


def visiting_order(order: Any, n: int, P: CSRMatrix) -> np.ndarray:
    """The permutation of the columns that :func:`group_columns` visits."""
    if isinstance(order, str):
        if order not in ORDERS:
            raise ValueError(f"`order` must be an int, None, a permutation or one of {ORDERS}.")
        if order == "natural":
            return np.arange(n)
        graph = column_intersection_graph(P)
        return largest_first_order(graph) if order == "largest-first" else smallest_last_order(graph)
    if order is None or np.isscalar(order):
        return np.random.RandomState(order).permutation(n)   # scipy's seeded shuffle
    order = np.asarray(order)
    if order.shape != (n,):
        raise ValueError("`order` has incorrect shape.")
    if not np.array_equal(np.sort(order), np.arange(n)):
        raise ValueError("`order` must be a permutation of range(n).")
    return order


def greedy_groups(P: CSRMatrix, order: np.ndarray) -> np.ndarray:
    """The Curtis–Powell–Reid grouping for the columns visited in ``order``.

    CPR fill one group at a time: visit the ungrouped columns in order and take each that
    shares no row with the group so far. The same groups come from giving each column, in
    order, the lowest group number no column met earlier in one of its rows holds (16.3)
    (by induction on the order: a column joins group ``k`` in CPR exactly when groups
    ``0..k-1`` each hold an earlier column sharing one of its rows, and group ``k`` none).

    Each row keeps the set of group numbers used in it so far as the bits of one integer,
    so the work per column is an OR over its rows, the lowest clear bit, and an OR back:
    O(nnz) in all. The loop over the columns is the sequential heart of every greedy
    colouring, since each choice depends on all earlier ones.
    """
    PT = P.transpose()                                   # the rows of each column
    rows_of, start = PT.indices.tolist(), PT.indptr.tolist()
    used_in_row = [0] * P.shape[0]
    groups = [0] * P.shape[1]
    for j in order.tolist():
        rows = rows_of[start[j]:start[j + 1]]
        used = 0
        for i in rows:
            used |= used_in_row[i]
        group_bit = ~used & (used + 1)                   # the lowest clear bit, (16.3)
        for i in rows:
            used_in_row[i] |= group_bit
        groups[j] = group_bit.bit_length() - 1
    return np.array(groups, dtype=np.intp)


def group_columns(A: Any, order: Any = DEFAULT_ORDER) -> np.ndarray:
    """Group the columns of a sparsity structure so that no two in a group share a row.

    Columns with disjoint rows can be differenced together: one evaluation of ``fun``
    with all of them perturbed yields all their Jacobian columns (Curtis, Powell & Reid
    1974). The greedy rule visits the columns in the given order and puts each in the
    lowest-numbered group where it meets no earlier member in any row.

    Parameters
    ----------
    A : array_like or sparse matrix, shape (m, n)
        The sparsity structure: nonzero (for a sparse matrix, stored) entries mark the
        entries of the Jacobian that may be nonzero.
    order : {'smallest-last', 'largest-first', 'natural'}, int, None or array_like of shape (n,), optional
        The order in which columns are visited. 'smallest-last' (default; Matula & Beck,
        as Coleman & Moré 1983 recommend) needs at most one group more than the graph's
        degeneracy, and exactly the bandwidth on a banded pattern; 'largest-first' visits
        columns by decreasing number of neighbours; 'natural' as they come. An int or None
        seeds ``np.random.RandomState(order).permutation(n)``, scipy's order (scipy's
        default is 0), which this reproduces exactly. A permutation is used as given.

    Returns
    -------
    groups : ndarray of int, shape (n,)
        ``groups[j]`` is the group of column ``j``, numbered 0, 1, ... in order of creation.

    Raises
    ------
    ValueError
        If ``A`` is not 2-dimensional, or ``order`` is not one of the above.
    """
    P = sparsity_structure(A, structural=True)
    return greedy_groups(P, visiting_order(order, P.shape[1], P))
# [/grouping]


# [grouped-difference]
def grouped_points(x0: np.ndarray, h: np.ndarray, one_sided: np.ndarray, method: str,
                   groups: np.ndarray, n_groups: int, lb: np.ndarray, ub: np.ndarray):
    """The evaluation points of the grouped differences, group after group (a generator).

    Group ``k`` moves all its columns at once by their steps ``h``: one point ``x0 + h e_G``
    ('2-point'), ``x0 + i h e_G`` ('cs'), or two for '3-point': central members at
    ``x0 -/+ h``, one-sided ones at ``x0 + h`` and ``x0 + 2h``, all in the same two points.
    """
    for k in range(n_groups):
        e = groups == k
        if method == "cs":
            yield x0 + 1j * np.where(e, h, 0.0)
        elif method == "2-point":
            yield shifted(x0, np.where(e, h, 0.0), lb, ub)
        else:
            side, centre = e & one_sided, e & ~one_sided
            yield shifted(x0, np.where(side, h, np.where(centre, -h, 0.0)), lb, ub)
            yield shifted(x0, np.where(side, 2 * h, np.where(centre, h, 0.0)), lb, ub)


def grouped_difference(fun: Callable, x0: np.ndarray, f0: np.ndarray, h: np.ndarray,
                       one_sided: np.ndarray, method: str, P: CSRMatrix, groups: np.ndarray,
                       lb: np.ndarray, ub: np.ndarray, workers: Callable = map) -> CSRMatrix:
    """The Jacobian on the pattern ``P`` by grouped differences (1.9), as a CSRMatrix.

    All columns of a group are perturbed at once. They share no row, so row ``i`` of the
    difference of ``f`` belongs to the one member ``j`` with ``P[i, j] != 0``, and
    ``J[i, j] = df[i] / dx[j]`` with the scheme's ``df`` and ``dx`` ((1.1), (1.5), (1.8),
    (1.7)). Evaluations: one per group ('2-point', 'cs') or two ('3-point'), instead of one
    or two per column; all the points go to ``workers(fun, points)`` in one call.
    """
    n_groups = int(groups.max()) + 1 if groups.size else 0
    points = list(grouped_points(x0, h, one_sided, method, groups, n_groups, lb, ub))
    values = iter(workers(fun, iter(points)))
    row, col = P.row_of_entry(), P.indices
    entry_group = groups[col]
    by_group = np.argsort(entry_group, kind="stable")
    bounds = np.searchsorted(entry_group[by_group], np.arange(n_groups + 1))
    J = np.empty(P.nnz)
    for k in range(n_groups):
        entries = by_group[bounds[k]:bounds[k + 1]]
        i, j = row[entries], col[entries]
        if method == "cs":
            J[entries] = np.asarray(next(values)).imag[i] / h[j]
        elif method == "2-point":
            x = points[k]
            J[entries] = (next(values) - f0)[i] / (x - x0)[j]
        else:
            x1, x2 = points[2 * k], points[2 * k + 1]
            f1, f2 = next(values), next(values)
            side = one_sided[j]
            df = np.where(side, -3.0 * f0[i] + 4.0 * f1[i] - f2[i], f2[i] - f1[i])
            dx = np.where(side, x2[j] - x0[j], x2[j] - x1[j])
            J[entries] = df / dx
    return P.with_data(J)
# [/grouped-difference]


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


class wrap_fun:
    """``fun(x, *args, **kwargs)`` returning a 1-D array; real x is passed in x0's float type.

    A class rather than a closure so that it pickles: ``workers`` may be a process pool.
    """

    def __init__(self, fun: Callable, x0: np.ndarray, args: tuple, kwargs: dict):
        self.fun, self.dtype, self.args, self.kwargs = fun, x0.dtype, args, kwargs

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if np.issubdtype(x.dtype, np.floating):
            x = x.astype(self.dtype, copy=False)
        f = np.atleast_1d(self.fun(x, *self.args, **self.kwargs))
        if f.ndim > 1:
            raise RuntimeError("`fun` return value has more than 1 dimension.")
        return f


def sparsity_and_groups(sparsity: Any, n: int) -> tuple[CSRMatrix, np.ndarray]:
    """The pattern (nonzero entries) and the column groups of ``sparsity``.

    A tuple ``(structure, groups)`` gives both; anything else is the structure, grouped in
    the default order. (scipy also unpacks any non-sparse object of length 2, so that a
    dense structure with two rows is misread as a pair; refopt unpacks tuples and lists.)
    """
    if isinstance(sparsity, (tuple, list)) and len(sparsity) == 2 and not np.isscalar(sparsity[1]) \
            and np.ndim(sparsity[1]) == 1 and np.ndim(sparsity[0]) != 1:
        structure, groups = sparsity
        groups = np.atleast_1d(np.asarray(groups, dtype=np.intp))
    else:
        structure, groups = sparsity, None
    P = sparsity_structure(structure, structural=False)
    if P.shape[1] != n:
        raise ValueError(f"`sparsity` has shape {P.shape}, but `x0` has {n} variables.")
    if groups is None:
        groups = group_columns(structure)
    if groups.shape != (n,) or (groups.size and groups.min() < 0):
        raise ValueError("`groups` must hold a non-negative group number for each of the "
                         f"{n} variables.")
    return P, groups


def directional_difference_operator(fun: Callable, x0: np.ndarray, f0: np.ndarray,
                                    h: float, method: str) -> LinearOperator:
    """``p -> J p`` by one difference along ``p``, with step ``h / ||p||`` (so that the
    point moves by ``h`` whatever the length of ``p``): forward ('2-point'), central
    ('3-point') or complex ('cs'). Products with ``J^T`` are not available."""
    m = f0.size

    def matvec(p: np.ndarray) -> np.ndarray:
        if not np.any(p):
            return np.zeros(m)
        dx = h / np.linalg.norm(p)
        if method == "2-point":
            return (fun(x0 + dx * p) - f0) / dx                   # (1.1) along p
        if method == "3-point":
            return (fun(x0 + dx * p) - fun(x0 - dx * p)) / (2 * dx)   # (1.5) along p
        return fun(x0 + 1j * dx * p).imag / dx                    # (1.7) along p

    def rmatvec(y: np.ndarray) -> np.ndarray:
        raise NotImplementedError("a finite-difference LinearOperator gives only products "
                                  "J p, not J^T y.")

    return LinearOperator((m, x0.size), matvec, rmatvec)


def approx_derivative(fun: Callable, x0: Any, method: str = "3-point", rel_step: Any = None,
                      abs_step: Any = None, f0: Any = None,
                      bounds: Sequence[Any] = (-np.inf, np.inf), sparsity: Any = None,
                      as_linear_operator: bool = False, args: tuple = (),
                      kwargs: dict | None = None, full_output: bool = False,
                      workers: Callable | None = None) -> Any:
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
    sparsity : None, array_like, sparse matrix or tuple ``(structure, groups)``, optional
        The structure of the Jacobian (its zeros are known to be zero): the result is then
        a :class:`refopt.linalg.sparse.CSRMatrix` computed by grouped differences, one
        evaluation per group of columns ('2-point', 'cs') or two ('3-point'). ``groups``
        from :func:`group_columns` (default order 'smallest-last'); a structure alone is
        grouped here. Explicit zeros of a sparse structure separate groups but are not
        kept in the result.
    as_linear_operator : bool, optional
        If True, return a :class:`refopt.linalg.operators.LinearOperator` whose
        ``matvec(p)`` is the directional difference along ``p`` with step
        ``rel_step / ||p||`` (1, 2 or 1 evaluations per product for '2-point', '3-point',
        'cs'); it has no ``rmatvec``. Finite bounds are not allowed with it.
    args : tuple, optional
        Extra positional arguments for ``fun``.
    kwargs : dict, optional
        Extra keyword arguments for ``fun``.
    full_output : bool, optional
        If True, also return a dict ``{'nfev': number of calls of fun}``.
    workers : map-like callable, optional
        ``workers(fun, points)`` evaluates ``fun`` at every point of an iterable and
        returns the values in order (``map``, ``multiprocessing.Pool.map``, or a vectorised
        evaluation). All the difference points are handed over in one call.

    Returns
    -------
    J : ndarray of shape (m, n) or (n,) when m == 1, CSRMatrix, or LinearOperator
        The Jacobian (the gradient when ``fun`` is scalar-valued and dense).
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

    Notes
    -----
    Uses ``n`` evaluations of ``fun`` for '2-point' and 'cs' and ``2n`` for '3-point'
    (with ``sparsity``, the number of groups in place of ``n``), plus one for ``f0`` when
    it is not given ('cs' needs none but still computes f0).
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
    x0 = as_point(x0)
    lb, ub = as_bounds(bounds, x0)
    if as_linear_operator and not (np.all(np.isinf(lb)) and np.all(np.isinf(ub))):
        raise ValueError("Bounds not supported when `as_linear_operator` is True.")
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
    structure = None if sparsity is None or as_linear_operator else \
        sparsity_and_groups(sparsity, x0.size)
    fun = wrap_fun(fun, x0, args, {} if kwargs is None else kwargs)
    nfev = 0
    if f0 is None:
        f0 = fun(x0)
        nfev += 1
    if as_linear_operator:
        step = relative_step(method, x0.dtype, f0.dtype) if rel_step is None else rel_step
        J = directional_difference_operator(fun, x0, f0, step, method)
        return (J, {"nfev": nfev}) if full_output else J

    h = absolute_step(x0, f0, method, rel_step, abs_step)
    if method == "2-point":
        h, one_sided = adjust_to_bounds(x0, h, "1-sided", lb, ub)
    elif method == "3-point":
        h, one_sided = adjust_to_bounds(x0, h, "2-sided", lb, ub)
    else:
        # the complex step never moves the real part, so bounds need no adjustment
        one_sided = np.zeros(x0.shape, dtype=bool)
    per_point = 2 if method == "3-point" else 1
    if structure is None:
        J = dense_jacobian(fun, x0, f0, h, one_sided, method, lb, ub, workers)
        nfev += per_point * x0.size
    else:
        P, groups = structure
        if P.shape != (f0.size, x0.size):
            raise ValueError(f"`sparsity` has shape {P.shape}, but the Jacobian is "
                             f"{(f0.size, x0.size)}.")
        J = grouped_difference(fun, x0, f0, h, one_sided, method, P, groups, lb, ub,
                               map if workers is None else workers)
        nfev += per_point * (int(groups.max()) + 1 if groups.size else 0)
    return (J, {"nfev": nfev}) if full_output else J
