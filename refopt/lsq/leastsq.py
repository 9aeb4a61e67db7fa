"""``leastsq``: scipy's legacy interface to MINPACK's ``lmdif`` and ``lmder``.

The algorithm is in :mod:`refopt.lsq.lm` (J. J. Moré, "The Levenberg-Marquardt algorithm:
implementation and theory", in *Numerical Analysis*, ed. G. A. Watson, Lecture Notes in
Mathematics 630, Springer, 1978, pp. 105-116; J. J. Moré, B. S. Garbow and K. E. Hillstrom,
"User Guide for MINPACK-1", Argonne National Laboratory report ANL-80-74, 1980). This module
is only the adapter scipy's users know: its argument conventions (``Dfun``, ``col_deriv``,
``maxfev=0`` for a default, ``diag``), its shape checks, its exit messages, its ``infodict``
and its ``cov_x`` (chapter 10, "leastsq").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..linalg.qr import EPSMCH
from .lm import invert_upper, lmder, lmdif
from .._warnings import warn_user

__all__ = ["leastsq"]


def _leastsq_messages(ftol, xtol, gtol, maxfev):
    """MINPACK's exit messages as scipy's ``leastsq`` words them."""
    return {
        0: "Improper input parameters.",
        1: "Both actual and predicted relative reductions in the sum of squares\n"
           f"  are at most {ftol:f}",
        2: f"The relative error between two consecutive iterates is at most {xtol:f}",
        3: "Both actual and predicted relative reductions in the sum of squares\n"
           f"  are at most {ftol:f} and the relative error between two consecutive "
           f"iterates is at \n  most {xtol:f}",
        4: "The cosine of the angle between func(x) and any column of the\n"
           f"  Jacobian is at most {gtol:f} in absolute value",
        5: f"Number of calls to function has reached maxfev = {maxfev}.",
        6: f"ftol={ftol:f} is too small, no further reduction in the sum of squares\n"
           "  is possible.",
        7: f"xtol={xtol:f} is too small, no further improvement in the approximate\n"
           "  solution is possible.",
        8: f"gtol={gtol:f} is too small, func(x) is orthogonal to the columns of\n"
           "  the Jacobian to machine precision.",
    }


def _check_shape(argname, func, x0, args, expected=None):
    """Call ``func(x0, *args)`` once and check its shape as scipy's ``_check_func``."""
    res = np.atleast_1d(func(*((x0,) + args)))
    if expected is not None and res.shape != expected:
        if not (len(expected) > 1 and expected[1] == 1):
            name = getattr(func, "__name__", None)
            msg = (f"leastsq: there is a mismatch between the input and output shape of the "
                   f"'{argname}' argument" + (f" '{name}'." if name else "."))
            raise TypeError(msg + f"Shape should be {expected} but it is {res.shape}.")
    return res


def leastsq(func: Callable[..., Any], x0: Any, args: tuple = (),
            Dfun: Callable[..., Any] | None = None, full_output: bool = False,
            col_deriv: bool = False, ftol: float = 1.49012e-8, xtol: float = 1.49012e-8,
            gtol: float = 0.0, maxfev: int = 0, epsfcn: float | None = None,
            factor: float = 100, diag: Any = None) -> tuple:
    """Minimise the sum of squares of ``func(x, *args)`` (scipy's legacy ``leastsq``).

    MINPACK's ``lmdif`` (no ``Dfun``) or ``lmder``; with the defaults these are exactly
    MINPACK's easy drivers ``lmdif1``/``lmder1`` (``ftol = xtol = 1.49012e-8``).

    Parameters
    ----------
    func : callable
        ``func(x, *args)`` returns at least as many residuals as ``x`` has entries.
    x0 : array_like
        Starting point (flattened).
    args : tuple
        Extra arguments to ``func`` and ``Dfun``.
    Dfun : callable, optional
        The Jacobian, (m, n) (or (n, m) with ``col_deriv``); None uses forward differences.
    full_output : bool
        Return ``cov_x, infodict, mesg`` too.
    col_deriv : bool
        ``Dfun`` returns derivatives down the columns, i.e. the transposed Jacobian.
    ftol, xtol, gtol : float
        MINPACK's tolerances.
    maxfev : int
        Evaluation limit; 0 (or negative) means ``200 (n + 1)`` without ``Dfun`` and
        ``100 (n + 1)`` with it.
    epsfcn : float, optional
        Relative error of the function values for the difference step (default machine
        epsilon).
    factor : float
        Initial step bound factor.
    diag : array_like, optional
        Positive scale factors for the variables (MINPACK mode 2).

    Returns
    -------
    x : ndarray
        The solution (or the last iterate).
    cov_x : ndarray or None
        ``inv(J^T J)`` from the final pivoted R (unscaled: multiply by the residual
        variance); None when the run failed or R is exactly singular.
    infodict : dict
        ``fvec``, ``nfev``, ``njev`` (with ``Dfun``), ``fjac`` (the factored Jacobian,
        transposed: shape (n, m)), ``ipvt`` (0-based), ``qtf``.
    mesg : str
        MINPACK's exit message.
    ier : int
        MINPACK's info; 1-4 mean success.

    Raises
    ------
    TypeError
        ``func`` returns fewer values than ``x0`` has, ``Dfun`` has the wrong shape, or the
        parameters are improper (``ier = 0``) without ``full_output``.

    Warns
    -----
    RuntimeWarning
        When ``ier`` is 5-8 and ``full_output`` is False.
    """
    x0 = np.asarray(x0).flatten()
    n = x0.size
    if not isinstance(args, tuple):
        args = (args,)
    f0 = _check_shape("func", func, x0, args)
    m = f0.shape[0]
    if n > m:
        raise TypeError(f"Improper input: func input vector length N={n} must"
                        f" not exceed func output vector length M={m}")
    if not np.can_cast(x0.dtype, float, "safe"):  # MINPACK's wrapper converts x0 this way
        raise TypeError(f"Cannot cast array data from {x0.dtype!r} to dtype('float64') "
                        "according to the rule 'safe'")
    if epsfcn is None:
        epsfcn = EPSMCH
    x0 = x0.astype(float)

    def fcn(x):
        return np.asarray(func(*((x,) + args)), dtype=float).ravel()

    if Dfun is None:
        if maxfev <= 0:
            maxfev = 200 * (n + 1)
        res = lmdif(fcn, x0, ftol, xtol, gtol, maxfev, epsfcn, diag=diag, factor=factor)
    else:
        _check_shape("Dfun", Dfun, x0, args, (n, m) if col_deriv else (m, n))
        if maxfev <= 0:
            maxfev = 100 * (n + 1)

        def jac(x):
            J = np.asarray(Dfun(*((x,) + args)), dtype=float)
            return (J.T if col_deriv else J).reshape(m, n)

        res = lmder(fcn, jac, x0, ftol, xtol, gtol, maxfev, diag=diag, factor=factor)
    info = res.info
    mesg = _leastsq_messages(ftol, xtol, gtol, maxfev)[info]
    if not full_output:
        if info in (5, 6, 7, 8):
            warn_user(mesg, RuntimeWarning)
        elif info == 0:
            raise TypeError(mesg)
        return res.x, info
    infodict = _infodict(res, n, m, with_njev=Dfun is not None)
    cov_x = None
    if info in (1, 2, 3, 4):
        cov_x = _leastsq_covariance(infodict["fjac"], infodict["ipvt"])
    return res.x, cov_x, infodict, mesg, info


def _infodict(res, n, m, with_njev):
    """scipy's ``infodict``: MINPACK's outputs (zeros where MINPACK never got to them)."""
    fjac = res.fjac if res.fjac is not None else np.zeros((m, n))
    info = {"fvec": res.fvec if res.fvec is not None else np.zeros(m), "nfev": res.nfev}
    if with_njev:
        info["njev"] = res.njev
    info["fjac"] = np.ascontiguousarray(fjac.T)
    info["ipvt"] = (res.ipvt if res.ipvt is not None else np.arange(n)).astype(np.int32)
    info["qtf"] = res.qtf if res.qtf is not None else np.zeros(n)
    return info


def _leastsq_covariance(fjac_t, ipvt):
    """``cov_x`` as scipy computes it: invert the whole R (no rank test), permute, R^-1 R^-T.

    None when R has an exact zero on its diagonal (LAPACK ``trtri`` fails there).
    """
    n = ipvt.size
    r = np.triu(fjac_t.T[:n, :])
    if np.any(np.diag(r) == 0.0):
        return None
    rinv = invert_upper(r)
    rinv_permuted = np.empty_like(rinv)
    rinv_permuted[ipvt] = rinv
    return rinv_permuted @ rinv_permuted.T
