"""Worked examples for refopt/lsq/lm.py (chapter 10): MINPACK's Levenberg-Marquardt through
``leastsq`` and ``least_squares(method='lm')`` on Moré-Garbow-Hillstrom problems."""

from __future__ import annotations

import numpy as np

from refopt.lsq.leastsq import leastsq
from refopt.problems import mgh

ORDER = 30   # its place in `python -m refopt examples` (see refopt/examples/__init__.py)


def _report(name: str, x, info: dict, ier: int, mesg: str) -> str:
    njev = info.get("njev", "-")
    return (f"{name}\n  x     = {np.array2string(x, precision=10)}\n"
            f"  ||F|| = {np.linalg.norm(info['fvec']):.6e}   nfev = {info['nfev']}   "
            f"njev = {njev}   info = {ier}\n  {' '.join(mesg.split())}")   # the whole message, on one line


def example_rosenbrock_leastsq() -> str:
    """Rosenbrock (MGH 1) with leastsq: analytic Jacobian (lmder) and differences (lmdif)."""
    case = mgh.DriverCase(4, 2, 2, 1.0)
    lines = []
    for label, dfun in (("lmder (Dfun given)", case.jac), ("lmdif (forward differences)", None)):
        x, cov_x, info, mesg, ier = leastsq(case.fun, case.x0(), Dfun=dfun, full_output=True)
        lines.append(_report(f"Rosenbrock from (-1.2, 1), {label}", x, info, ier, mesg))
    return "\n".join(lines)


def example_powell_singular_leastsq() -> str:
    """Powell's singular function (MGH 13): J is singular at the solution, convergence is linear."""
    case = mgh.DriverCase(6, 4, 4, 1.0)
    x, cov_x, info, mesg, ier = leastsq(case.fun, case.x0(), Dfun=case.jac, full_output=True)
    text = _report("Powell singular from (3, -1, 0, 1), lmder", x, info, ier, mesg)
    # gtol = 0 cannot be met, so MINPACK ends on its machine-precision test (info 8);
    # leastsq gives cov_x only for the success codes 1-4
    return text + f"\n  cov_x = {cov_x}"


def example_minpack_driver_counts() -> str:
    """MINPACK's lmder1 on a few MGH runs: evaluations, Jacobians, info, final norm."""
    tol = float(np.sqrt(np.finfo(float).eps))
    lines = [f"{'problem':28s} {'n':>3s} {'m':>3s} {'x0':>5s} {'nfev':>5s} {'njev':>5s} info  ||F||"]
    for case in mgh.driver_cases():
        if case.nprob not in (8, 9, 17, 18) or case.factor != 1.0:
            continue
        x, _, info, _, ier = leastsq(case.fun, case.x0(), Dfun=case.jac, full_output=True,
                                     ftol=tol, xtol=tol)
        lines.append(f"{mgh.NAMES[case.nprob]:28s} {case.n:3d} {case.m:3d} {case.factor:5g} "
                     f"{info['nfev']:5d} {info['njev']:5d} {ier:4d}  "
                     f"{np.linalg.norm(info['fvec']):.7e}")
    return "\n".join(lines)
