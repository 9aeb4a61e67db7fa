"""MINPACK's Levenberg-Marquardt method: ``lmpar``, the ``lmder``/``lmdif`` loop, ``covar``.

The method minimises ``1/2 ||F(x)||^2`` for ``F: R^n -> R^m`` (m >= n). Each step solves the
scaled trust-region subproblem

    min { ||f + J p|| : ||D p|| <= Delta }                                        (10.1)

whose solution is ``p(lambda)`` of

    (J^T J + lambda D^T D) p = -J^T f,  lambda >= 0,  lambda (||D p|| - Delta) = 0  (10.2)

computed as the least-squares solution of ``[J; sqrt(lambda) D] p ~ [-f; 0]`` (10.3) from one
pivoted QR factorization ``J P = Q R`` (10.4) and Givens rotations per trial ``lambda``
(:mod:`refopt.linalg.qr`). ``lambda`` is the zero of the secular function

    phi(alpha) = ||D p(alpha)|| - Delta                                             (10.5)

found to 10% by a safeguarded Newton iteration on ``1/||D p(alpha)|| - 1/Delta`` (10.6),
inside bounds ``[l, u]`` (10.7)-(10.8) [Moré (5.5)]. ``Delta`` follows the ratio of actual
to predicted reduction (10.9)-(10.12) [Moré (4.4)], shrinking by the factor (10.13)
[Moré (4.5)], and ``D`` keeps the largest column norms of ``J`` seen so far (10.14). The loop
is Moré's algorithm [Moré (7.1)].

References
----------
J. J. Moré, "The Levenberg-Marquardt algorithm: implementation and theory", in *Numerical
Analysis* (Dundee 1977), ed. G. A. Watson, Lecture Notes in Mathematics 630, Springer, 1978,
pp. 105-116. Equation numbers in the comments, ``# (10.6)`` and so on, are those of the book
chapter "Levenberg-Marquardt, the MINPACK way"; a number of the paper itself is written in
brackets, ``[Moré (4.5)]``.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "User Guide for MINPACK-1", Argonne National
Laboratory report ANL-80-74, 1980: the Fortran subroutines ``lmder``, ``lmdif``, ``lmpar``,
``fdjac2`` and ``covar`` whose steps, constants and counts this module reproduces.

Faithfulness: same constants (0.1, 0.25, 0.5, 0.75, 1e-4, 1e-3), same order of tests, same
counting (``nfev`` counts every evaluation of ``F``, the finite-difference ones included
for ``lmdif``). Departures, each tested: a NaN scaled gradient never passes the ``gtol``
test (MINPACK's ``max`` drops it and may report success on NaN residuals), a ``diag`` of the
wrong length is an error, and a callback may stop the run (status -2).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._callback import call_callback_maybe_halt
from .._result import OptimizeResult
from ..linalg.qr import EPSMCH, dot_sequential, enorm, qrfac, qrsolv
from .options import Options, Problem, Scaling

#: smallest positive normalised double, MINPACK's ``dpmpar(2)``
DWARF = float(np.finfo(float).tiny)

# MINPACK's constants, named as in the Fortran
P1, P5, P25, P75, P0001, P001 = 0.1, 0.5, 0.25, 0.75, 1e-4, 1e-3

#: info code used here when the callback asked to stop (MINPACK: a negative iflag)
USER_STOP = -1

#: MINPACK info -> least_squares status (scipy's table, plus the callback stop)
FROM_MINPACK_TO_COMMON = {0: -1, 1: 2, 2: 3, 3: 4, 4: 1, 5: 0, 6: 2, 7: 3, 8: 1, USER_STOP: -2}


# ----------------------------------------------------------------------------------------
# lmpar: the Levenberg-Marquardt parameter


def lmpar(r: np.ndarray, ipvt: np.ndarray, diag: np.ndarray, qtb: np.ndarray,
          delta: float, par: float):
    """The Levenberg-Marquardt parameter for the trust radius ``delta`` (MINPACK ``lmpar``).

    Finds ``par >= 0`` such that ``x`` solving ``A x = b, sqrt(par) D x = 0`` in the
    least-squares sense has either ``par = 0`` and ``||D x|| <= 1.1 delta``, or
    ``par > 0`` and ``| ||D x|| - delta | <= 0.1 delta`` (at most 10 iterations).

    Parameters
    ----------
    r : ndarray, shape (n, n)
        Upper triangle: ``R`` of ``A P = Q R``. The strict lower triangle is overwritten
        with that of ``S^T`` (see :func:`refopt.linalg.qr.qrsolv`), as in MINPACK.
    ipvt : ndarray of int
        The column permutation ``P``.
    diag : ndarray, shape (n,)
        The positive diagonal of ``D``.
    qtb : ndarray, shape (n,)
        The first ``n`` components of ``Q^T b``.
    delta : float
        The trust radius.
    par : float
        The initial estimate (the last accepted value).

    Returns
    -------
    par : float
        The parameter.
    x : ndarray
        The step ``x(par)`` (for the Levenberg-Marquardt step, ``p = -x`` with ``b = f``).
    """
    n = qtb.size
    # [lmpar-gauss-newton]
    # The Gauss-Newton direction, a least-squares solution if R is singular: (10.2), lambda = 0
    x, nsing = _gauss_newton(r, ipvt, qtb)
    dx = diag * x
    dxnorm = enorm(dx)
    fp = dxnorm - delta  # phi(0), (10.5)
    if fp <= P1 * delta:
        return 0.0, x  # the Gauss-Newton step is short enough
    # [/lmpar-gauss-newton]
    # [lmpar-bounds]
    # lower bound l = -(||D x|| / Delta) phi(0) / phi'(0) (10.7): the step (10.6) from
    # alpha = 0, short of the zero because 1/||D p(alpha)|| is concave; 0 if J is singular
    parl = 0.0
    if nsing >= n:
        wa1 = diag[ipvt] * (dx[ipvt] / dxnorm)
        wa1 = _forward_substitute(r, wa1)  # R^T y = P^T D^T D x / ||D x||
        temp = enorm(wa1)
        parl = ((fp / delta) / temp) / temp
    # upper bound u = ||(J D^-1)^T f|| / Delta (10.8)
    gradient = dot_sequential(qtb, np.triu(r)) / diag[ipvt]
    gnorm = enorm(gradient)
    paru = gnorm / delta
    if paru == 0.0:
        paru = DWARF / min(delta, P1)
    par = min(max(par, parl), paru)
    if par == 0.0:
        par = gnorm / dxnorm
    # [/lmpar-bounds]
    iteration = 0
    while True:
        iteration += 1
        # [lmpar-newton]
        if par == 0.0:
            par = max(DWARF, P001 * paru)
        x, sdiag = qrsolv(r, ipvt, math.sqrt(par) * diag, qtb)  # p(alpha), (10.3)
        dx = diag * x
        dxnorm = enorm(dx)
        fp_old, fp = fp, dxnorm - delta  # phi(alpha), (10.5)
        if (abs(fp) <= P1 * delta
                or (parl == 0.0 and fp <= fp_old and fp_old < 0.0)
                or iteration == 10):
            return par, x
        # Newton's correction on 1/||D p(alpha)|| - 1/Delta, nearly linear in alpha (Hebden),
        # rather than on phi: (10.6)
        #   alpha+ = alpha - ((phi + Delta) / Delta) (phi / phi'),
        #   phi'(alpha) = -||S^-T P^T D^T D x||^2 / ||D x||
        wa1 = diag[ipvt] * (dx[ipvt] / dxnorm)
        wa1 = _forward_substitute_lower(r, sdiag, wa1)
        temp = enorm(wa1)
        parc = ((fp / delta) / temp) / temp
        # keep the zero of phi bracketed by [parl, paru] (10.7)-(10.8)
        if fp > 0.0:
            parl = max(parl, par)
        if fp < 0.0:
            paru = min(paru, par)
        par = max(parl, par + parc)
        # [/lmpar-newton]


def _gauss_newton(r, ipvt, qtb):
    """``x = P R^-1 Q^T b``, with the components past the first zero of diag(R) set to 0."""
    n = qtb.size
    zeros = (r.diagonal() == 0.0).nonzero()[0]
    nsing = int(zeros[0]) if zeros.size else n
    wa1 = np.array(qtb, dtype=float)
    wa1[nsing:] = 0.0
    for j in range(nsing - 1, -1, -1):  # back substitution by columns, as MINPACK
        wa1[j] /= r[j, j]
        wa1[:j] -= r[:j, j] * wa1[j]
    x = np.empty(n)
    x[ipvt] = wa1
    return x, nsing


def _forward_substitute(r, b):
    """Solve ``R^T y = b`` with ``R`` the upper triangle of ``r``."""
    y = np.array(b, dtype=float)
    for j in range(y.size):
        y[j] = (y[j] - dot_sequential(r[:j, j], y[:j])) / r[j, j]
    return y


def _forward_substitute_lower(r, sdiag, b):
    """Solve ``S^T y = b``: ``S^T`` has diagonal ``sdiag`` and strict lower triangle in ``r``."""
    y = np.array(b, dtype=float)
    for j in range(y.size):
        y[j] /= sdiag[j]
        y[j + 1:] -= r[j + 1:, j] * y[j]
    return y


# ----------------------------------------------------------------------------------------
# fdjac2: the forward-difference Jacobian


def fdjac2(fcn: Callable, x: np.ndarray, fvec: np.ndarray, epsfcn: float) -> np.ndarray:
    """Forward-difference Jacobian (MINPACK ``fdjac2``).

    Column ``j`` is ``(F(x + h_j e_j) - F(x)) / h_j`` with ``h_j = eps |x_j|`` (``eps``
    if that is zero) and ``eps = sqrt(max(epsfcn, machine epsilon))``. The quotient
    divides by ``h_j`` itself, as MINPACK does, not by the representable step.

    Parameters
    ----------
    fcn : callable
        ``fcn(x)`` returns the residuals.
    x : ndarray, shape (n,)
        The point; not modified.
    fvec : ndarray, shape (m,)
        ``fcn(x)``.
    epsfcn : float
        The relative error of the function values.

    Returns
    -------
    ndarray, shape (m, n)
    """
    eps = math.sqrt(max(epsfcn, EPSMCH))
    h = eps * np.abs(x)
    h[h == 0.0] = eps
    jac = np.empty((fvec.size, x.size))
    for j in range(x.size):
        xh = x.copy()
        xh[j] = x[j] + h[j]
        jac[:, j] = (fcn(xh) - fvec) / h[j]
    return jac


# ----------------------------------------------------------------------------------------
# the outer loop of lmder / lmdif


def lmder(fcn: Callable, jac: Callable, x0, ftol: float = 1.49012e-8, xtol: float = 1.49012e-8,
          gtol: float = 0.0, maxfev: int | None = None, *, diag=None, factor: float = 100.0,
          callback: Callable | None = None) -> OptimizeResult:
    """MINPACK ``lmder``: Levenberg-Marquardt with a user Jacobian.

    Parameters
    ----------
    fcn : callable
        ``fcn(x)`` returns the residual vector (length m >= n) as a float ndarray.
    jac : callable
        ``jac(x)`` returns the (m, n) Jacobian.
    x0 : array_like, shape (n,)
        The starting point.
    ftol, xtol, gtol : float
        MINPACK's tolerances (see :func:`convergence_info`).
    maxfev : int, optional
        Limit on the evaluations of ``fcn``; default ``100 (n + 1)``.
    diag : array_like, optional
        Fixed positive scales ``D`` (MINPACK mode 2); ``None`` lets ``D`` follow the
        column norms of ``J`` (mode 1).
    factor : float
        The first trust radius is ``factor ||D x0||`` (or ``factor`` if that is 0).
    callback : callable, optional
        ``callback(OptimizeResult)`` after each accepted step; returning True stops.

    Returns
    -------
    OptimizeResult
        ``x, fvec, fjac, ipvt, qtf, jac, nfev, njev, nit, info`` (see :func:`levenberg_marquardt`).
    """
    x0 = np.array(x0, dtype=float).ravel()
    if maxfev is None:
        maxfev = 100 * (x0.size + 1)

    def jacobian(x, fvec):
        return np.array(jac(x), dtype=float)

    return levenberg_marquardt(fcn, x0, jacobian, 0, ftol, xtol, gtol, maxfev, diag=diag,
                               factor=factor, callback=callback)


def lmdif(fcn: Callable, x0, ftol: float = 1.49012e-8, xtol: float = 1.49012e-8,
          gtol: float = 0.0, maxfev: int | None = None, epsfcn: float = 0.0, *, diag=None,
          factor: float = 100.0, callback: Callable | None = None) -> OptimizeResult:
    """MINPACK ``lmdif``: Levenberg-Marquardt with forward differences (:func:`fdjac2`).

    Parameters are those of :func:`lmder`, without ``jac`` and with ``epsfcn``, the relative
    error in the function values that sets the difference step. ``maxfev`` defaults to
    ``200 (n + 1)`` and counts the difference evaluations too.

    Returns
    -------
    OptimizeResult
        As :func:`lmder`; ``njev`` is the number of difference Jacobians (each costing
        ``n`` evaluations, included in ``nfev``).
    """
    x0 = np.array(x0, dtype=float).ravel()
    if maxfev is None:
        maxfev = 200 * (x0.size + 1)

    def jacobian(x, fvec):
        return fdjac2(fcn, x, fvec, epsfcn)

    return levenberg_marquardt(fcn, x0, jacobian, x0.size, ftol, xtol, gtol, maxfev,
                               diag=diag, factor=factor, callback=callback)


def levenberg_marquardt(fcn, x0, jacobian, evals_per_jacobian, ftol, xtol, gtol, maxfev, *,
                        diag, factor, callback=None) -> OptimizeResult:
    """The loop shared by ``lmder`` and ``lmdif`` (MINPACK's code, step for step).

    ``jacobian(x, fvec)`` returns ``J``; it costs ``evals_per_jacobian`` evaluations of
    ``fcn`` (0 for ``lmder``, n for ``lmdif``), which are added to ``nfev``.

    Returns
    -------
    OptimizeResult
        ``x``: final point; ``fvec``: residuals there; ``fjac``: the last factored Jacobian
        in MINPACK's layout (m, n) — ``R`` in the upper triangle, Householder vectors
        below, the last ``S^T`` of :func:`lmpar` in the strict lower part of the first n
        rows; ``ipvt``, ``qtf``: its permutation and ``Q^T f``; ``jac``: the last Jacobian
        (unfactored); ``nfev``, ``njev``, ``nit`` (accepted steps); ``info``: MINPACK's
        code 0-8, or ``USER_STOP``.
    """
    x = np.array(x0, dtype=float)
    n = x.size
    mode = 1 if diag is None else 2
    out = OptimizeResult(x=x, fvec=None, fjac=None, ipvt=None, qtf=None, jac=None,
                         nfev=0, njev=0, nit=0, info=0)
    if mode == 2:
        diag = np.array(diag, dtype=float).ravel()
        if diag.size != n:
            raise ValueError(f"`diag` must have length {n} (the length of x0), got {diag.size}.")
    if not (n > 0 and ftol >= 0 and xtol >= 0 and gtol >= 0 and maxfev > 0 and factor > 0):
        return out  # info = 0: improper input
    if mode == 2 and np.any(diag <= 0):
        return out

    fvec = fcn(x)
    nfev, njev, iteration = 1, 0, 1
    if fvec.size < n:
        return out
    fnorm = enorm(fvec)
    par = 0.0
    info = 0
    while info == 0:  # outer loop: one Jacobian per pass [Moré (7.1)]
        jac = jacobian(x, fvec)
        njev += 1
        nfev += evals_per_jacobian
        qr, ipvt, rdiag, acnorm = qrfac(jac, pivot=True)  # J P = Q R, (10.4)
        r = qr[:n, :]  # a view: lmpar writes S^T below R's diagonal, as in MINPACK
        if iteration == 1:
            # [lmder-initial-scaling]
            if mode == 1:
                diag = np.where(acnorm == 0.0, 1.0, acnorm)  # D_0 = column norms (10.14)
            xnorm = enorm(diag * x)
            delta = factor * xnorm
            if delta == 0.0:
                delta = factor
            # [/lmder-initial-scaling]
        qtf = _form_qtf(qr, rdiag, fvec)
        R = np.triu(r)  # R alone, taken once: lmpar writes S^T below the diagonal of r
        gnorm = scaled_gradient_norm(R, ipvt, qtf, acnorm, fnorm)
        if gnorm <= gtol:
            info = 4
            break
        if mode == 1:
            diag = np.maximum(diag, acnorm)  # D_k = max(D_{k-1}, column norms) (10.14)
        while True:  # inner loop: same J, smaller Delta until the step is accepted
            # [lmder-step]
            par, step = lmpar(r, ipvt, diag, qtf, delta, par)  # p solves (10.1) by (10.2)
            p = -step
            x_trial = x + p
            pnorm = enorm(diag * p)
            if iteration == 1:  # until the first step is accepted: Delta <= ||D p||
                delta = min(delta, pnorm)
            f_trial = fcn(x_trial)
            nfev += 1
            fnorm1 = enorm(f_trial)
            # [/lmder-step]
            actred = actual_reduction(fnorm, fnorm1)
            prered, dirder = predicted_reduction(R, ipvt, p, par, pnorm, fnorm)
            ratio = actred / prered if prered != 0.0 else 0.0  # rho, (10.9) as (10.12)
            delta, par = update_step_bound(ratio, actred, dirder, fnorm, fnorm1, delta,
                                           pnorm, par)
            accepted = ratio >= P0001
            if accepted:
                x, fvec = x_trial, f_trial
                xnorm = enorm(diag * x)
                fnorm = fnorm1
                iteration += 1
            info = convergence_info(actred, prered, ratio, delta, xnorm, gnorm, nfev,
                                    ftol=ftol, xtol=xtol, maxfev=maxfev)
            if accepted and callback is not None and call_callback_maybe_halt(
                    callback, OptimizeResult(x=x.copy(), fun=fvec.copy(), cost=0.5 * fnorm**2,
                                             nit=iteration - 1, nfev=nfev),
                    stop_on_true=True):
                info = USER_STOP
            if info != 0 or accepted:
                break
    out.update(x=x, fvec=fvec, fjac=qr, ipvt=ipvt, qtf=qtf, jac=jac, nfev=nfev, njev=njev,
               nit=iteration - 1, info=info)
    return out


def _form_qtf(qr, rdiag, fvec):
    """``Q^T f`` from the stored Householder vectors; then put ``R``'s diagonal in place."""
    # [lmder-qtf]
    n = rdiag.size
    wa4 = np.array(fvec, dtype=float)
    qtf = np.empty(n)
    for j in range(n):
        u = qr[j:, j]
        if qr[j, j] != 0.0:
            wa4[j:] += u * (-dot_sequential(u, wa4[j:]) / qr[j, j])
        qr[j, j] = rdiag[j]
        qtf[j] = wa4[j]
    # [/lmder-qtf]
    return qtf


def scaled_gradient_norm(R, ipvt, qtf, acnorm, fnorm) -> float:
    """``max_j |J_j^T f| / (||J_j|| ||f||)``: the largest cosine between f and a column of J.

    ``J^T f = P R^T Q^T f`` (``R`` upper triangular); columns of zero norm are skipped; 0 when
    ``f = 0``. Unlike MINPACK's ``max``, a NaN is propagated, so NaN residuals never pass the
    ``gtol`` test.
    """
    # [lmder-gradient-test]
    if fnorm == 0.0:
        return 0.0
    colnorm = acnorm[ipvt]
    keep = colnorm != 0.0
    if not keep.any():
        return 0.0
    cosines = dot_sequential(qtf / fnorm, R)[keep] / colnorm[keep]
    return float(np.abs(cosines).max())
    # [/lmder-gradient-test]


def actual_reduction(fnorm: float, fnorm1: float) -> float:
    """``1 - (||F(x+p)|| / ||F(x)||)^2``, or -1 when the trial norm grew tenfold (10.12)."""
    # the squares here are products, as gfortran computes MINPACK's x**2 (Python's ** on a
    # float calls pow, which can differ in the last bit)
    ratio = fnorm1 / fnorm
    return 1.0 - ratio * ratio if P1 * fnorm1 < fnorm else -1.0  # actred of (10.12)


def predicted_reduction(R, ipvt, p, par, pnorm, fnorm):
    """Scaled predicted reduction (10.10) and half the slope of the model (10.11), as in (10.12).

    ``prered = (||J p||^2 + 2 par ||D p||^2) / ||f||^2``, ``dirder = f^T J p / ||f||^2 =
    -(||J p||^2 + par ||D p||^2) / ||f||^2``, with ``||J p|| = ||R P^T p||`` (``R`` upper
    triangular).
    """
    temp1 = enorm(dot_sequential(p[ipvt], R.T)) / fnorm
    temp2 = (math.sqrt(par) * pnorm) / fnorm
    prered = temp1 * temp1 + temp2 * temp2 / P5  # (10.10) over ||f||^2: prered of (10.12)
    dirder = -(temp1 * temp1 + temp2 * temp2)  # (10.11)
    return prered, dirder


def update_step_bound(ratio, actred, dirder, fnorm, fnorm1, delta, pnorm, par):
    """MINPACK's rule for the trust radius ``Delta`` and the parameter's next start."""
    # [lmder-update-delta]
    if ratio <= P25:
        # Poor agreement: shrink by temp in [0.1, 0.5], measured from min(Delta, 10 ||D p||).
        # When the step increased the sum of squares, temp is the minimiser of the quadratic
        # in t through 1, slope 2 dirder and 1 - actred at t = 1 (10.13) [Moré (4.5)].
        temp = P5 if actred >= 0.0 else P5 * dirder / (dirder + P5 * actred)  # mu, (10.13)
        if P1 * fnorm1 >= fnorm or temp < P1:
            temp = P1
        return temp * min(delta, pnorm / P1), par / temp
    if par == 0.0 or ratio >= P75:
        # Good agreement (or a Gauss-Newton step): Delta = 2 ||D p|| [Moré (7.1)(d)]
        return pnorm / P5, P5 * par
    return delta, par
    # [/lmder-update-delta]


def convergence_info(actred, prered, ratio, delta, xnorm, gnorm, nfev, *, ftol, xtol,
                     maxfev) -> int:
    """MINPACK's termination tests after a trial step, in MINPACK's order; 0 to go on.

    1: both actual and predicted relative reductions of the sum of squares are at most
    ``ftol``; 2: the relative change ``Delta / ||D x||`` is at most ``xtol``; 3: both;
    5: ``nfev >= maxfev``; 6, 7, 8: the tests 1, 2 and the gradient test with machine
    epsilon in place of the tolerance (no further progress is possible).
    """
    # [lmder-tests]
    small_reduction = abs(actred) <= ftol and prered <= ftol and P5 * ratio <= 1.0
    small_step = delta <= xtol * xnorm
    if small_reduction and small_step:
        return 3
    if small_step:
        return 2
    if small_reduction:
        return 1
    info = 0
    if nfev >= maxfev:
        info = 5
    if abs(actred) <= EPSMCH and prered <= EPSMCH and P5 * ratio <= 1.0:
        info = 6
    if delta <= EPSMCH * xnorm:
        info = 7
    if gnorm <= EPSMCH:
        info = 8
    return info
    # [/lmder-tests]


# ----------------------------------------------------------------------------------------
# covariance from the pivoted R


def covar(r: np.ndarray, ipvt: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """``(J^T J)^-1`` from ``J P = Q R``, rank-revealing (MINPACK ``covar``).

    ``J^T J = P R^T R P^T``, so its inverse is ``P R^-1 R^-T P^T``. Only the leading block
    of ``R`` whose diagonal stays above ``tol |R_11|`` is inverted (the scan stops at the
    first small one); rows and columns of the covariance for the other variables are 0.

    Parameters
    ----------
    r : ndarray, shape (n, n)
        ``R`` in the upper triangle (the rest is ignored); not modified.
    ipvt : ndarray of int
        The column permutation (0-based).
    tol : float
        Relative tolerance for the rank decision.

    Returns
    -------
    ndarray, shape (n, n)
        The covariance matrix, in the order of the original variables.
    """
    n = r.shape[1]
    d = np.abs(np.diag(r))
    small = np.flatnonzero(~(d > tol * d[0])) if n else np.array([], dtype=int)
    rank = int(small[0]) if small.size else n
    rinv = invert_upper(np.triu(r[:rank, :rank]))
    cov_permuted = np.zeros((n, n))
    cov_permuted[:rank, :rank] = rinv @ rinv.T
    cov = np.empty((n, n))
    cov[np.ix_(ipvt, ipvt)] = cov_permuted
    return cov


def invert_upper(u: np.ndarray) -> np.ndarray:
    """Inverse of a nonsingular upper-triangular matrix, column by column (``U X = I``)."""
    k = u.shape[0]
    inv = np.zeros((k, k))
    for j in range(k):
        inv[j, j] = 1.0 / u[j, j]
        for i in range(j - 1, -1, -1):
            inv[i, j] = -(u[i, i + 1:j + 1] @ inv[i + 1:j + 1, j]) / u[i, i]
    return inv


# ----------------------------------------------------------------------------------------
# the least_squares(method='lm') back end


def call_minpack(problem: Problem, options: Options, scaling: Scaling) -> OptimizeResult:
    """Run ``lmder`` (callable ``problem.jac``) or ``lmdif`` (``jac=None``) for ``least_squares``.

    The records are already validated and decoded by :func:`refopt.least_squares`:
    ``problem.fun(x)`` returns a 1-D float array of length m >= n, ``problem.jac(x)`` a dense
    (m, n) array, or ``jac`` is None for MINPACK's forward differences with ``epsfcn =
    diff_step**2`` (machine epsilon if ``options.diff_step`` is None). ``options.max_nfev``
    counts the difference evaluations; ``options.callback`` (wrapped) is called after each
    accepted step, True stops (status -2). ``scaling`` from the Jacobian is MINPACK's mode 1;
    fixed scales give mode 2 with ``D = 1 / x_scale``.

    Returns
    -------
    OptimizeResult
        ``x, cost, fun, jac, grad, optimality, active_mask, nfev, njev, status`` as scipy's
        ``call_minpack`` (<= 1.15). ``jac`` is the Jacobian at the final ``x`` (recomputed,
        not counted, as scipy did); ``njev`` is None with differences.
    """
    fun, jac = problem.fun, problem.jac
    x0 = np.array(problem.x0, dtype=float)
    ftol, xtol, gtol, max_nfev = options.ftol, options.xtol, options.gtol, options.max_nfev
    epsfcn = EPSMCH if options.diff_step is None else options.diff_step**2
    diag = None if scaling.from_jacobian else scaling.scale_inv
    if jac is None:
        res = lmdif(fun, x0, ftol, xtol, gtol, max_nfev, epsfcn, diag=diag, factor=100.0,
                    callback=options.callback)
        J = fdjac2(fun, res.x, res.fvec, epsfcn)
        njev = None
    else:
        res = lmder(fun, jac, x0, ftol, xtol, gtol, max_nfev, diag=diag, factor=100.0,
                    callback=options.callback)
        J = np.array(jac(res.x), dtype=float)
        njev = res.njev
    f = res.fvec
    g = J.T @ f
    return OptimizeResult(
        x=res.x, cost=0.5 * float(f @ f), fun=f, jac=J, grad=g,
        optimality=float(np.linalg.norm(g, ord=np.inf)),
        active_mask=np.zeros_like(x0, dtype=int), nfev=res.nfev, njev=njev,
        status=FROM_MINPACK_TO_COMMON[res.info])


def default_max_nfev(n: int, differences: bool) -> int:
    """MINPACK's evaluation budget for ``least_squares``: ``100 n`` with a Jacobian,
    ``100 n (n + 1)`` when the ``n`` difference evaluations per Jacobian count too."""
    return 100 * n * (n + 1) if differences else 100 * n


