"""LSMR: an iterative solver for least squares that needs only ``A x`` and ``A^T y``.

Reference: D. C.-L. Fong and M. A. Saunders, "LSMR: An iterative algorithm for sparse
least-squares problems", SIAM J. Sci. Comput. 33(5), 2950–2971, 2011 (arXiv:1006.0758).
Section numbers below are the paper's; equation numbers ``(15.n)`` are those of the book
chapter "LSMR".

LSMR solves ``min ||A x - b||`` or, with ``damp = lambda > 0``, the regularised problem::

    min || [A; lambda I] x - [b; 0] ||                                          (15.1)

for any shape of ``A`` (§1). The Golub–Kahan process (§2.1) builds orthonormal ``u_k``,
``v_k`` and a lower-bidiagonal ``B_k`` from two products per step::

    beta_1 u_1 = b,                   alpha_1 v_1 = A^T u_1                     (15.2)
    beta_{k+1} u_{k+1} = A v_k - alpha_k u_k,
    alpha_{k+1} v_{k+1} = A^T u_{k+1} - beta_{k+1} v_k                         (15.3)

In the Krylov space spanned by ``v_1 .. v_k`` LSMR picks ``x_k = V_k y_k`` that minimises
``||A^T r_k||`` (``r_k = b - A x_k``), which is MINRES on the normal equations
``(A^T A + lambda^2 I) x = A^T b`` (§2.2). The small problem for ``y_k`` is solved by two
QR factorisations that are updated by one plane rotation each per step (§2.3, §2.6): the
first turns the damped ``B_k`` into an upper-bidiagonal ``R_k`` (15.4), the second turns
``R_k^T`` into ``Rbar_k`` (15.5). ``x_k`` then follows from two short recurrences in the
directions ``h_k``, ``hbar_k`` (§2.4–2.5, (15.6)), so the cost per step is two products and
a few vectors of work, and nothing grows with ``k``.

Everything the stopping rules need is a by-product of the rotations (§3): ``||A^T r_k|| =
|zetabar_{k+1}|`` (15.7), ``||r_k||`` from a third rotation sequence applied to
``beta_1 e_1`` (15.8), and estimates of ``||A||_F`` (15.9) and ``cond(A)`` (15.10). The
tests (15.11) are those of LSQR (Paige & Saunders 1982).

This module takes the same steps in the same floating-point order as Fong & Saunders'
Python port in scipy (``scipy/sparse/linalg/_isolve/lsmr.py``), so results agree to the
bit and a caller such as :mod:`refopt.lsq.trf` counts the same evaluations; the code is
refopt's. Only real ``A`` and ``b`` are handled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import sqrt
from typing import Any

import numpy as np
from numpy.linalg import norm

from .operators import aslinearoperator

__all__ = ["lsmr", "sym_ortho", "STOP_MESSAGES"]

#: The meaning of each ``istop``.
STOP_MESSAGES = (
    "The exact solution is x = 0, or x = x0 if x0 was given",
    "Ax - b is small enough, given atol, btol",
    "The least-squares solution is good enough, given atol",
    "The estimate of cond(Abar) has exceeded conlim",
    "Ax - b is small enough for this machine",
    "The least-squares solution is good enough for this machine",
    "Cond(Abar) seems to be too large for this machine",
    "The iteration limit has been reached",
)


# [sym-ortho]
def sym_ortho(a: float, b: float) -> tuple[float, float, float]:
    """The plane rotation ``(c, s)`` with ``[c s; -s c] [a; b] = [r; 0]``, computed stably.

    Dividing by the larger of ``|a|``, ``|b|`` keeps ``tau`` in ``[-1, 1]``, so neither
    overflow nor a ``1/eps`` can arise (S.-C. Choi's ``SymOrtho``, used throughout
    Fong & Saunders' codes). ``r`` carries the sign that makes ``c`` follow ``a``.

    Parameters
    ----------
    a, b : float
        The vector to rotate onto the first axis.

    Returns
    -------
    c, s, r : float
        Cosine, sine and ``r = +-||(a, b)||``.
    """
    if b == 0:
        return np.sign(a), 0, abs(a)
    if a == 0:
        return 0, np.sign(b), abs(b)
    if abs(b) > abs(a):
        tau = a / b
        s = np.sign(b) / sqrt(1 + tau * tau)
        c = s * tau
        r = b / s
    else:
        tau = b / a
        c = np.sign(a) / sqrt(1 + tau * tau)
        s = c * tau
        r = a / c
    return c, s, r
# [/sym-ortho]


@dataclass
class Bidiagonalization:
    """The Golub–Kahan vectors ``u``, ``v`` and the scalars ``alpha``, ``beta`` (15.2)–(15.3)."""

    u: np.ndarray
    v: np.ndarray
    alpha: float
    beta: float


@dataclass
class Rotations:
    """The two QR factorisations (15.4)–(15.5) and the directions of (15.6)."""

    alphabar: float          # the diagonal of B_k still to be rotated
    zetabar: float           # the last entry of the rotated right-hand side; |zetabar| = ||A^T r||
    h: np.ndarray
    hbar: np.ndarray
    rho: float = 1.0
    rhobar: float = 1.0
    cbar: float = 1.0
    sbar: float = 0.0
    zeta: float = 0.0
    # by-products the estimates below need
    chat: float = 1.0
    shat: float = 0.0
    c: float = 1.0
    s: float = 0.0
    thetabar: float = 0.0
    rhotemp: float = 1.0
    rhoold: float = 1.0
    rhobarold: float = 1.0
    zetaold: float = 0.0
    thetanew: float = 0.0


@dataclass
class ResidualEstimate:
    """The third rotation sequence that tracks ``||r_k||`` (15.8)."""

    betadd: float
    betad: float = 0.0
    rhodold: float = 1.0
    tautildeold: float = 0.0
    thetatilde: float = 0.0
    d: float = 0.0


@dataclass
class Norms:
    """Running estimates for the stopping rules (15.9)–(15.10)."""

    normA2: float
    normA: float = field(init=False)
    maxrbar: float = 0.0
    minrbar: float = 1e100
    condA: float = 1.0
    normr: float = 0.0
    normar: float = 0.0
    normx: float = 0.0

    def __post_init__(self) -> None:
        self.normA = sqrt(self.normA2)


# [start]
def start_bidiagonalization(A, b: np.ndarray, x: np.ndarray,
                            x0_given: bool) -> Bidiagonalization:
    """The first Golub–Kahan step (15.2) on the residual ``b - A x0``."""
    n = A.shape[1]
    u = b - A.matvec(x) if x0_given else b
    beta = norm(u)
    if beta > 0:
        u = (1 / beta) * u
        v = A.rmatvec(u)
        alpha = norm(v)
    else:
        v = np.zeros(n)
        alpha = 0
    if alpha > 0:
        v = (1 / alpha) * v
    return Bidiagonalization(u=u, v=v, alpha=alpha, beta=beta)
# [/start]


# [bidiagonalize]
def bidiagonalize(A, gk: Bidiagonalization) -> None:
    """One more step (15.3): new ``beta``, ``u``, ``alpha``, ``v``, in place."""
    gk.u *= -gk.alpha
    gk.u += A.matvec(gk.v)
    gk.beta = norm(gk.u)
    if gk.beta > 0:
        gk.u *= 1 / gk.beta
        gk.v *= -gk.beta
        gk.v += A.rmatvec(gk.u)
        gk.alpha = norm(gk.v)
        if gk.alpha > 0:
            gk.v *= 1 / gk.alpha
# [/bidiagonalize]


# [rotate]
def rotate(rot: Rotations, gk: Bidiagonalization, damp: float) -> None:
    """Extend the two QR factorisations by one column (15.4)–(15.5), in place.

    ``alpha`` and ``beta`` are the new entries of ``B_k``: ``alpha_{k+1}`` and
    ``beta_{k+1}``.
    """
    # (15.4) first eliminate the damping row, then the subdiagonal beta_{k+1}
    rot.chat, rot.shat, alphahat = sym_ortho(rot.alphabar, damp)
    rot.rhoold = rot.rho
    rot.c, rot.s, rot.rho = sym_ortho(alphahat, gk.beta)
    thetanew = rot.s * gk.alpha
    rot.alphabar = rot.c * gk.alpha

    # (15.5) the second factorisation, of R_k^T
    rot.rhobarold = rot.rhobar
    rot.zetaold = rot.zeta
    rot.thetabar = rot.sbar * rot.rho
    rot.rhotemp = rot.cbar * rot.rho
    rot.cbar, rot.sbar, rot.rhobar = sym_ortho(rot.cbar * rot.rho, thetanew)
    rot.zeta = rot.cbar * rot.zetabar
    rot.zetabar = -rot.sbar * rot.zetabar
    rot.thetanew = thetanew
# [/rotate]


# [update-x]
def update_x(x: np.ndarray, rot: Rotations, v: np.ndarray) -> None:
    """The recurrences (15.6) for ``hbar``, ``x`` and ``h``, in place."""
    rot.hbar *= -(rot.thetabar * rot.rho / (rot.rhoold * rot.rhobarold))
    rot.hbar += rot.h
    x += (rot.zeta / (rot.rho * rot.rhobar)) * rot.hbar
    rot.h *= -(rot.thetanew / rot.rho)
    rot.h += v
# [/update-x]


# [estimate-normr]
def estimate_normr(est: ResidualEstimate, rot: Rotations) -> float:
    """``||r_k||`` (15.8): the same rotations applied to ``beta_1 e_1``, plus a third
    sequence (``~``) that turns ``Rbar_k`` back into the shape of ``R_k``."""
    betaacute = rot.chat * est.betadd          # the damping rotation
    betacheck = -rot.shat * est.betadd
    betahat = rot.c * betaacute                # the rotation of (15.4)
    est.betadd = -rot.s * betaacute

    thetatildeold = est.thetatilde
    ctildeold, stildeold, rhotildeold = sym_ortho(est.rhodold, rot.thetabar)
    est.thetatilde = stildeold * rot.rhobar
    est.rhodold = ctildeold * rot.rhobar
    est.betad = -stildeold * est.betad + ctildeold * betahat

    est.tautildeold = (rot.zetaold - thetatildeold * est.tautildeold) / rhotildeold
    taud = (rot.zeta - est.thetatilde * est.tautildeold) / est.rhodold
    est.d = est.d + betacheck * betacheck
    return sqrt(est.d + (est.betad - taud)**2 + est.betadd * est.betadd)
# [/estimate-normr]


# [estimate-norms]
def estimate_norms(norms: Norms, gk: Bidiagonalization, rot: Rotations, itn: int) -> None:
    """``||A||_F`` from the entries of ``B_k`` (15.9) and ``cond(A)`` from the diagonal of
    ``Rbar_k`` (15.10), in place."""
    norms.normA2 = norms.normA2 + gk.beta * gk.beta
    norms.normA = sqrt(norms.normA2)
    norms.normA2 = norms.normA2 + gk.alpha * gk.alpha
    norms.maxrbar = max(norms.maxrbar, rot.rhobarold)
    if itn > 1:
        norms.minrbar = min(norms.minrbar, rot.rhobarold)
    norms.condA = max(norms.maxrbar, rot.rhotemp) / min(norms.minrbar, rot.rhotemp)
# [/estimate-norms]


# [stopping]
def stopping_rule(norms: Norms, normb: float, itn: int, maxiter: int, atol: float,
                  btol: float, ctol: float) -> int:
    """The tests (15.11), weakest first so that the strongest one met decides ``istop``.

    1: ``||r|| <= btol ||b|| + atol ||A|| ||x||`` (a compatible system is solved);
    2: ``||A^T r|| <= atol ||A|| ||r||`` (the least-squares problem is solved);
    3: ``cond(A) >= conlim``; 4–6: the same three with tolerances at machine precision
    (they guard against ``atol = btol = 0`` or ``conlim = 0``); 7: ``maxiter`` reached.
    """
    normA, normr, normar, normx = norms.normA, norms.normr, norms.normar, norms.normx
    test1 = normr / normb
    test2 = normar / (normA * normr) if (normA * normr) != 0 else np.inf
    test3 = 1 / norms.condA
    t1 = test1 / (1 + normA * normx / normb)
    rtol = btol + atol * normA * normx / normb

    istop = 0
    if itn >= maxiter:
        istop = 7
    if 1 + test3 <= 1:
        istop = 6
    if 1 + test2 <= 1:
        istop = 5
    if 1 + t1 <= 1:
        istop = 4
    if test3 <= ctol:
        istop = 3
    if test2 <= atol:
        istop = 2
    if test1 <= rtol:
        istop = 1
    return istop
# [/stopping]


# [lsmr]
def lsmr(A: Any, b: Any, damp: float = 0.0, atol: float = 1e-6, btol: float = 1e-6,
         conlim: float = 1e8, maxiter: int | None = None, show: bool = False,
         x0: Any = None) -> tuple[np.ndarray, int, int, float, float, float, float, float]:
    """Solve ``min ||A x - b||`` (or its damped form (15.1)) by LSMR.

    Parameters
    ----------
    A : ndarray, LinearOperator, or an object with ``shape``, ``matvec`` and ``rmatvec``
        The ``m x n`` matrix (any shape; rank deficiency allowed).
    b : array_like, shape (m,)
        Right-hand side.
    damp : float, optional
        ``lambda`` of (15.1); 0 for plain least squares.
    atol, btol : float, optional
        Tolerances of the tests (15.11): roughly the relative accuracy of ``A`` and ``b``.
    conlim : float, optional
        Stop when the estimate of ``cond(A)`` exceeds it (0 disables the test).
    maxiter : int, optional
        Iteration limit; default ``min(m, n)``.
    show : bool, optional
        Print one line per iteration and a summary.
    x0 : array_like, shape (n,), optional
        Starting point; default zero.

    Returns
    -------
    x : ndarray, shape (n,)
        The solution found.
    istop : int
        Why it stopped: 0 ``x = 0`` (or ``x0``) is the solution; 1 ``A x = b`` solved to
        ``atol``, ``btol``; 2 least squares solved to ``atol``; 3 ``cond(A) > conlim``;
        4–6 the same at machine precision; 7 ``maxiter`` reached (see ``STOP_MESSAGES``).
    itn : int
        Iterations taken.
    normr : float
        ``||b - A x||`` (of the damped system when ``damp > 0``).
    normar : float
        ``||A^T (b - A x) - damp**2 x||``.
    norma : float
        Estimate of the Frobenius norm of ``[A; damp I]``.
    conda : float
        Estimate of its condition number.
    normx : float
        ``||x||``.

    Raises
    ------
    ValueError
        If ``b`` or ``x0`` does not match the shape of ``A``.
    TypeError
        If ``A`` is not a real matrix or operator.

    Examples
    --------
    >>> import numpy as np
    >>> from refopt.linalg.lsmr import lsmr
    >>> A = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> x, istop, itn = lsmr(A, [1.0, 0.0, -1.0])[:3]
    >>> np.round(x, 12), istop, itn
    (array([ 1., -1.]), 1, 1)
    """
    A = aslinearoperator(A)
    b = np.atleast_1d(np.asarray(b, dtype=float))
    if b.ndim > 1:
        b = b.squeeze()
    m, n = A.shape
    if b.shape != (m,):
        raise ValueError(f"`b` must have shape ({m},) to match `A` of shape {A.shape}, "
                         f"not {b.shape}.")
    if maxiter is None:
        maxiter = min(m, n)
    normb = norm(b)
    x = np.zeros(n) if x0 is None else np.array(np.atleast_1d(x0), dtype=float)
    if x.shape != (n,):
        raise ValueError(f"`x0` must have shape ({n},) to match `A` of shape {A.shape}, "
                         f"not {x.shape}.")
    if show:
        print_header(m, n, damp, atol, btol, conlim, maxiter)

    gk = start_bidiagonalization(A, b, x, x0 is not None)
    rot = Rotations(alphabar=gk.alpha, zetabar=gk.alpha * gk.beta, h=gk.v.copy(),
                    hbar=np.zeros(n))
    est = ResidualEstimate(betadd=gk.beta)
    norms = Norms(normA2=gk.alpha * gk.alpha, normr=gk.beta, normar=gk.alpha * gk.beta)
    ctol = 1 / conlim if conlim > 0 else 0
    itn = istop = 0

    def result():
        return x, istop, itn, norms.normr, norms.normar, norms.normA, norms.condA, norms.normx

    if norms.normar == 0:      # A^T r0 = 0: x0 (or 0) already solves the problem
        if show:
            print(STOP_MESSAGES[0])
        return result()
    if normb == 0:
        x[()] = 0
        return result()
    if show:
        print_row(itn, x, norms, 1, gk.alpha / gk.beta)

    while itn < maxiter:
        itn = itn + 1
        bidiagonalize(A, gk)                                   # (15.3)
        rotate(rot, gk, damp)                                  # (15.4), (15.5)
        update_x(x, rot, gk.v)                                 # (15.6)
        norms.normr = estimate_normr(est, rot)                 # (15.8)
        estimate_norms(norms, gk, rot, itn)                    # (15.9), (15.10)
        norms.normar = abs(rot.zetabar)                        # (15.7)
        norms.normx = norm(x)
        istop = stopping_rule(norms, normb, itn, maxiter, atol, btol, ctol)   # (15.11)
        if show:
            print_row(itn, x, norms, norms.normr / normb,
                      norms.normar / (norms.normA * norms.normr)
                      if norms.normA * norms.normr != 0 else np.inf)
        if istop > 0:
            break

    if show:
        print(f"LSMR finished: {STOP_MESSAGES[istop]}")
        print(f"istop = {istop}, itn = {itn}, normr = {norms.normr:.1e}, "
              f"normar = {norms.normar:.1e}, normA = {norms.normA:.1e}, "
              f"condA = {norms.condA:.1e}, normx = {norms.normx:.1e}")
    return result()
# [/lsmr]


def print_header(m: int, n: int, damp: float, atol: float, btol: float, conlim: float,
                 maxiter: int) -> None:
    """The problem summary and column titles printed by ``show=True``."""
    print(f"LSMR: least-squares solution of A x = b, A has {m} rows and {n} columns")
    print(f"damp = {damp:.14e}, atol = {atol:.2e}, btol = {btol:.2e}, "
          f"conlim = {conlim:.2e}, maxiter = {maxiter}")
    print("   itn      x(1)       norm r    norm Ar  compatible   LS      norm A   cond A")


def print_row(itn: int, x: np.ndarray, norms: Norms, test1: float, test2: float) -> None:
    """One line of the ``show=True`` log."""
    first = x[0] if x.size else np.nan
    print(f"{itn:6d} {first:12.5e} {norms.normr:10.3e} {norms.normar:10.3e}  "
          f"{test1:8.1e} {test2:8.1e} {norms.normA:8.1e} {norms.condA:8.1e}")
