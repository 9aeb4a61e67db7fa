"""Householder QR with column pivoting, and the damped least-squares solve built on it.

These are MINPACK's ``qrfac``, ``qrsolv`` and ``enorm`` (J. J. Moré, B. S. Garbow and
K. E. Hillstrom, "User Guide for MINPACK-1", Argonne National Laboratory report ANL-80-74,
1980), ported from the Fortran so that the Levenberg-Marquardt code in
:mod:`refopt.lsq.lm` takes the same steps as MINPACK. The pivoting strategy and the
Householder form are those of LINPACK's ``dqrdc`` (J. J. Dongarra, C. B. Moler, J. R. Bunch
and G. W. Stewart, "LINPACK Users' Guide", SIAM, 1979, chapter 9); the Givens elimination of
a diagonal block is §3 of J. J. Moré, "The Levenberg-Marquardt algorithm: implementation and
theory", Numerical Analysis, Lecture Notes in Mathematics 630, Springer, 1978, pp. 105-116.

Conventions (as in MINPACK, 0-based here):

* ``qrfac`` factors ``A P = Q R``; column ``j`` of ``P`` is column ``ipvt[j]`` of the
  identity, so ``A[:, ipvt] = Q R``. ``R`` is returned in the upper triangle of the
  factored array with its diagonal held apart in ``rdiag``; below the diagonal are the
  Householder vectors ``u`` (with ``u[j] = 1 + |a_jj| / ||a_j||``) that define ``Q``.
* ``qrsolv`` solves ``[A; D] x ~ [b; 0]`` (9.1) given that factorization, and leaves the
  triangular ``S`` with ``P^T (A^T A + D D) P = S^T S`` (9.5) below the diagonal of ``r``.

Equation numbers in the comments, ``(9.3)`` and so on, are those of the book's chapter 9.

Each column step is vectorised with numpy; the loops left are over columns (pivots and
rotations are sequential by nature).
"""

from __future__ import annotations

import math

import numpy as np

#: machine precision, MINPACK's ``dpmpar(1)``
EPSMCH = float(np.finfo(float).eps)

# enorm's thresholds (MINPACK: rdwarf = 3.834e-20, rgiant = 1.304e19): squares of numbers
# between them neither underflow nor overflow, even when n of them are added.
RDWARF = 3.834e-20
RGIANT = 1.304e19

# qrfac's norm-downdating safeguard: recompute a norm when it has lost most of its digits.
P05 = 0.05


def enorm(x: np.ndarray) -> float:
    """Euclidean norm of ``x`` without destructive underflow or overflow (MINPACK ``enorm``).

    Components are split into small (``<= RDWARF``), large (``>= RGIANT / n``) and
    intermediate ones; the small and large sums are scaled by their largest member, the
    intermediate squares are added directly, and the three sums are then combined.

    Parameters
    ----------
    x : ndarray
        A 1-D array.

    Returns
    -------
    float
        ``sqrt(sum(x**2))``.
    """
    xabs = np.abs(np.asarray(x, dtype=float))
    n = xabs.size
    if n == 0:
        return 0.0
    agiant = RGIANT / n
    if _all_intermediate(xabs, agiant):
        # the common case: every nonzero component is intermediate (zeros add nothing)
        return math.sqrt(float(dot_sequential(xabs, xabs)))
    small = xabs <= RDWARF
    large = xabs >= agiant
    middle = xabs[~(small | large)]
    s2 = float(dot_sequential(middle, middle))
    if np.any(large):
        big = xabs[large]
        x1max = float(big.max())
        s1 = float(np.sum((big / x1max) ** 2))
        return x1max * math.sqrt(s1 + (s2 / x1max) / x1max)
    tiny = xabs[small & (xabs > 0)]
    if tiny.size == 0:
        return math.sqrt(s2)
    x3max = float(tiny.max())
    s3 = float(np.sum((tiny / x3max) ** 2))
    if s2 == 0.0:
        return x3max * math.sqrt(s3)
    if s2 >= x3max:
        return math.sqrt(s2 * (1.0 + (x3max / s2) * (x3max * s3)))
    return math.sqrt(x3max * ((s2 / x3max) + (x3max * s3)))


def dot_sequential(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``sum_i u[i] * v[i]`` added left to right, as MINPACK's Fortran loops add.

    ``v`` may be a matrix (one sum per column). numpy's ``dot`` adds in a blocked order
    that rounds differently; the sequential order keeps the port's iterates on MINPACK's.
    """
    if u.shape[0] == 0:
        return np.zeros(v.shape[1:])
    if v.ndim == 1:
        return (u * v).cumsum()[-1]
    return (u[:, None] * v).cumsum(axis=0)[-1]


def _all_intermediate(xabs: np.ndarray, agiant: float) -> bool:
    """True when no entry of ``xabs`` is large and every nonzero one is above ``RDWARF``."""
    # the extremes by argmax/argmin: on short arrays much cheaper than max/min
    largest, smallest = xabs.flat[xabs.argmax()], xabs.flat[xabs.argmin()]
    return bool(largest < agiant and (smallest > RDWARF
                                      or not np.any((xabs <= RDWARF) & (xabs != 0.0))))


def column_norms(a: np.ndarray) -> np.ndarray:
    """``enorm`` of every column of ``a``.

    When every entry is intermediate (the common case of :func:`enorm`) all columns are
    summed at once, each left to right; otherwise column by column.
    """
    m, n = a.shape
    aabs = np.abs(a)
    if m == 0 or n == 0 or not _all_intermediate(aabs, RGIANT / m):
        return np.array([enorm(a[:, j]) for j in range(n)])
    return np.sqrt((aabs * aabs).cumsum(axis=0)[-1])  # each column added top to bottom


def qrfac(a: np.ndarray, pivot: bool = True):
    """Householder QR factorization with column pivoting (MINPACK ``qrfac``).

    Parameters
    ----------
    a : ndarray, shape (m, n)
        The matrix to factor; it is not modified.
    pivot : bool
        Bring the column of largest remaining norm to the front at every step.

    Returns
    -------
    qr : ndarray, shape (m, n)
        The strict upper triangle holds that of ``R``; the lower trapezoid holds the
        Householder vectors ``u_j`` (``Q_j = I - u_j u_j^T / u_j[j]``, ``Q = Q_1 ... Q_p``).
        The diagonal holds ``u_j[j]``, not ``R``'s diagonal (that is ``rdiag``).
    ipvt : ndarray of int, shape (n,)
        The permutation: ``a[:, ipvt] = Q R``.
    rdiag : ndarray, shape (n,)
        The diagonal of ``R``; ``|rdiag|`` is non-increasing when pivoting (9.2).
    acnorm : ndarray, shape (n,)
        The norms of the columns of the input ``a`` (not permuted).
    """
    a = np.array(a, dtype=float, order="F")
    m, n = a.shape
    acnorm = column_norms(a)
    rdiag = acnorm.copy()
    wa = rdiag.copy()  # the norms at the last recomputation, to judge cancellation
    ipvt = np.arange(n)
    for j in range(min(m, n)):
        if pivot:
            _bring_largest_column_forward(a, j, rdiag, wa, ipvt)
        ajnorm = enorm(a[j:, j])
        if ajnorm != 0.0:
            # [qrfac-householder]
            # u = a_j / (+-||a_j||) + e_j: the sign avoids cancellation in u[j].
            if a[j, j] < 0.0:
                ajnorm = -ajnorm
            a[j:, j] /= ajnorm
            a[j, j] += 1.0
            # Apply I - u u^T / u[j] to the columns on the right, all at once.
            if j + 1 < n:
                u = a[j:, j]
                coef = dot_sequential(u, a[j:, j + 1:]) / a[j, j]
                a[j:, j + 1:] -= np.multiply.outer(u, coef)
                if pivot:
                    _downdate_norms(a, j, rdiag, wa)
            # [/qrfac-householder]
        rdiag[j] = -ajnorm
    return a, ipvt, rdiag, acnorm


def _bring_largest_column_forward(a, j, rdiag, wa, ipvt) -> None:
    """Swap into position j the first remaining column of largest (downdated) norm (9.2)."""
    kmax = j + int(rdiag[j:].argmax())
    if kmax != j:
        a[:, j], a[:, kmax] = a[:, kmax].copy(), a[:, j].copy()
        rdiag[kmax] = rdiag[j]
        wa[kmax] = wa[j]
        ipvt[j], ipvt[kmax] = ipvt[kmax], ipvt[j]


def _downdate_norms(a, j, rdiag, wa) -> None:
    """Norms of the trailing columns below row j, from the row-j entries just created.

    ``||a_k(j+1:)||^2 = ||a_k(j:)||^2 - a_jk^2`` (9.3); when the result has lost most of its
    digits (relative to the last recomputed norm ``wa``) it is computed afresh.
    """
    k = j + 1 + (rdiag[j + 1:] != 0.0).nonzero()[0]  # a zero norm stays zero
    ratio = a[j, k] / rdiag[k]
    norms = rdiag[k] * np.sqrt(np.maximum(0.0, 1.0 - ratio**2))
    rdiag[k] = norms
    stale = k[P05 * (norms / wa[k]) ** 2 <= EPSMCH]
    for col in stale:
        rdiag[col] = enorm(a[j + 1:, col])
        wa[col] = rdiag[col]


def qrsolv(r: np.ndarray, ipvt: np.ndarray, diag: np.ndarray, qtb: np.ndarray):
    """Solve ``A x = b, D x = 0`` in the least-squares sense from ``A P = Q R`` (MINPACK ``qrsolv``).

    With ``z = P^T x`` the system is ``R z = Q^T b, P^T D P z = 0`` (9.4). Givens rotations
    eliminate the diagonal rows one at a time, turning ``R`` into the triangular ``S`` of
    ``P^T (A^T A + D D) P = S^T S`` (9.5); a rank-deficient ``S`` gets a least-squares solution
    with the trailing components zero.

    Parameters
    ----------
    r : ndarray, shape (n, n)
        Upper triangle: ``R``. **Modified in place, as in MINPACK**: on return the upper
        triangle is unchanged and the strict lower triangle holds ``S^T`` (without its
        diagonal, which is ``sdiag``).
    ipvt : ndarray of int
        The permutation from :func:`qrfac`.
    diag : ndarray, shape (n,)
        The diagonal of ``D``.
    qtb : ndarray, shape (n,)
        The first ``n`` components of ``Q^T b``.

    Returns
    -------
    x : ndarray, shape (n,)
        The solution.
    sdiag : ndarray, shape (n,)
        The diagonal of ``S``.
    """
    n = qtb.size
    # The rows of the augmented system [R | Q^T b], rotated into [S | c] in a copy whose upper
    # triangle alone is used (MINPACK rotates a transposed copy of R held in the lower
    # triangle of r, keeping R above it).
    s = np.empty((n, n + 1))
    s[:, :n] = r
    s[:, n] = qtb
    for j in range(n):
        dj = diag[ipvt[j]]
        if dj != 0.0:
            _eliminate_diagonal_row(s, j, dj)
    sdiag = s.diagonal().copy()
    for j in range(n):  # MINPACK's layout: S^T below the diagonal of r, for lmpar
        r[j + 1:, j] = s[j, j + 1:n]
    wa = s[:, n].copy()
    # [qrsolv-backsolve]
    singular = (sdiag == 0.0).nonzero()[0]
    nsing = int(singular[0]) if singular.size else n
    wa[nsing:] = 0.0
    for j in range(nsing - 1, -1, -1):
        wa[j] = (wa[j] - dot_sequential(s[j, j + 1:nsing], wa[j + 1:nsing])) / sdiag[j]
    # [/qrsolv-backsolve]
    x = np.empty(n)
    x[ipvt] = wa
    return x, sdiag


def _eliminate_diagonal_row(s, j, dj) -> None:
    """Rotate the row ``(d_j e_j^T | 0)`` into the rows ``j, ..., n-1`` of ``[S | c]``.

    Row k of ``s`` holds ``S[k, k:]`` and then ``c[k]``. The eliminated row lives in
    ``d``; its last entry is the one extra component of ``(Q^T b, 0)`` that the
    rotations change, which is not needed afterwards.
    """
    d = np.zeros(s.shape[1])
    d[j] = dj
    for k in range(j, s.shape[0]):
        # [qrsolv-givens]
        row, drow = s[k, k:], d[k:]
        if drow[0] != 0.0:  # zero d[k] against s[k, k]
            cos, sin = givens(float(row[0]), float(drow[0]))
            row[:], drow[:] = cos * row + sin * drow, -sin * row + cos * drow
        # [/qrsolv-givens]


def givens(a: float, b: float) -> tuple[float, float]:
    """``cos, sin`` of the rotation taking ``(a, b)`` to ``(r, 0)``, MINPACK's overflow-safe way.

    The tangent or the cotangent, whichever is at most one, gives the other two.
    """
    # squares as products, which is what gfortran makes of MINPACK's x**2 (Python's ** on
    # floats calls pow, which can round the other way)
    if abs(a) >= abs(b):
        tan = b / a
        cos = 0.5 / math.sqrt(0.25 + 0.25 * (tan * tan))
        return cos, cos * tan
    cotan = a / b
    sin = 0.5 / math.sqrt(0.25 + 0.25 * (cotan * cotan))
    return sin * cotan, sin
