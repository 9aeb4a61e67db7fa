"""Simulated annealing, as scipy 0.14's ``anneal`` (lmfit 0.5's ``anneal`` engine), repaired.

S. Kirkpatrick, C. D. Gelatt and M. P. Vecchi, "Optimization by simulated annealing",
Science 220(4598), 671–680 (1983); the acceptance rule of N. Metropolis, A. W. Rosenbluth,
M. N. Rosenbluth, A. H. Teller and E. Teller, J. Chem. Phys. 21, 1087–1092 (1953); the
'fast' schedule and its generating function from L. Ingber, "Very fast simulated
re-annealing", Mathematical and Computer Modelling 12(8), 967–973 (1989); the 'cauchy'
schedule from H. Szu and R. Hartley, "Fast simulated annealing", Physics Letters A 122,
157–162 (1987).

At temperature ``T_k`` the walk proposes ``dwell`` candidates ``x' = x + step`` and accepts
each with the Metropolis probability::

    P(accept) = min(1, exp(-(f(x') - f(x)) / (boltzmann T_k)))          (27.1)

then cools. The three schedules of scipy 0.14, ``k`` the number of coolings so far::

    fast:       T_k = T0 exp(-c k^quench),  c = m exp(-n quench)            (27.2)
    cauchy:     T_k = T0 / (1 + k)                                          (27.3)
    boltzmann:  T_k = T0 / log(1 + k)                                       (27.4)

each with its own candidate distribution, drawn per coordinate in the *unit box*
``xi = (x - lower) / (upper - lower)`` with the dimensionless temperature ``tau = T_k / T0``::

    fast:       y = sign(v - 1/2) tau ((1 + 1/tau)^|2v - 1| - 1),  v ~ U(0, 1)    (27.5)
    cauchy:     y = learn_rate tau tan(w),  w ~ U(-pi/2, pi/2)                   (27.6)
    boltzmann:  y = learn_rate min(sqrt(tau), 1/(3 learn_rate)) z,  z ~ N(0, 1)  (27.7)

and a candidate leaving the box is reflected back into it (27.8). ``T0``, when not given, is
1.5 times the range of ``f`` over 50 uniform samples of the box, as scipy did.

Why scipy 0.14's engine "appears to not work correctly" (lmfit 0.5's manual), and what
changes here — see chapter 27:

1. its steps were ``T`` (a value of ``f``) times a constant, in the units of ``x``: their size
   depended on the scale of ``f``, not of the variables (refopt: (27.5)–(27.7) in the unit
   box, scaled by ``tau``);
2. ``lower``/``upper`` only scaled the steps: candidates left the box, and with
   ``T0=None`` the user's ``x0`` was thrown away for the best of the 50 random samples, drawn
   from the default box [-100, 100] (refopt: bounds are required, candidates are reflected,
   the walk starts at ``x0``);
3. the stopping test divided by ``f``, so at a minimum with ``f = 0`` it never fired
   (refopt: a relative test with an absolute floor, (27.9));
4. the 'fast' default ``quench = 1`` cools exponentially in ``k`` whatever the dimension,
   a quench, not Ingber's ``k^(1/D)`` (refopt keeps scipy's defaults and offers the polish);
5. the global ``numpy.random`` state was the only seed (refopt: ``seed`` or a Generator).

The best point found is returned; with ``polish=True`` (the default) it is refined by
L-BFGS-B in the box (:mod:`refopt.optimize.lbfgsb`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._result import OptimizeResult

__all__ = ["anneal", "SCHEDULES"]

SCHEDULES = ("fast", "cauchy", "boltzmann")
N_INIT = 50   # samples that set T0 (scipy 0.14)
MESSAGES = {0: "Points no longer changing", 1: "Cooled to final temperature",
            2: "Maximum function evaluations", 3: "Maximum cooling iterations reached",
            4: "Maximum accepted query locations reached",
            5: "Final point not the minimum amongst encountered points"}


def temperature(schedule: str, T0: float, k: int, quench: float, m: float, n: float) -> float:
    """``T_k`` after ``k >= 1`` coolings, (27.2)–(27.4)."""
    if schedule == "fast":
        return T0 * np.exp(-m * np.exp(-n * quench) * k ** quench)   # (27.2)
    if schedule == "cauchy":
        return T0 / (1.0 + k)                                         # (27.3)
    return T0 / np.log(1.0 + k)                                       # (27.4)


def unit_step(schedule: str, tau: float, learn_rate: float, rng: np.random.Generator,
              dims: int) -> np.ndarray:
    """A candidate step in the unit box, (27.5)–(27.7)."""
    if schedule == "fast":
        v = rng.uniform(0.0, 1.0, dims)
        return np.sign(v - 0.5) * tau * ((1.0 + 1.0 / tau) ** np.abs(2 * v - 1) - 1.0)  # (27.5)
    if schedule == "cauchy":
        return learn_rate * tau * np.tan(rng.uniform(-np.pi / 2, np.pi / 2, dims))    # (27.6)
    std = min(np.sqrt(tau), 1.0 / (3.0 * learn_rate))
    return learn_rate * std * rng.standard_normal(dims)                            # (27.7)


def reflect(xi: np.ndarray) -> np.ndarray:
    """Fold a point of the real line back into [0, 1] by reflection at 0 and 1 (27.8)."""
    xi = np.mod(xi, 2.0)
    return np.where(xi > 1.0, 2.0 - xi, xi)


def accept(dE: float, T: float, boltzmann: float, rng: np.random.Generator) -> bool:
    """Metropolis (27.1); a NaN value is never accepted."""
    if dE < 0:
        return True
    if not dE >= 0:  # NaN
        return False
    return bool(np.exp(-dE / (boltzmann * T)) > rng.uniform(0.0, 1.0))


def settled(recent: list, feps: float, tau: float) -> bool:
    """The walk is cold, ``tau <= sqrt(feps)``, and the last four values at the end of a
    cooling agree, ``|f_i - f_0| <= feps max(|f_0|, 1)`` (27.9). scipy divided by ``f_0``
    alone and did not ask for a cold walk, so a walk stuck in a local minimum at a high
    temperature (nothing accepted for three coolings) counted as converged."""
    if tau > np.sqrt(feps):
        return False
    values = np.asarray(recent, dtype=float)
    return bool(np.all(np.abs(values - values[0]) <= feps * max(abs(values[0]), 1.0)))


class _Walk:
    """The counted objective on the unit box, the current point and the best point seen."""

    def __init__(self, func, args, lower, upper, maxeval):
        self.func, self.args, self.lower, self.width = func, args, lower, upper - lower
        self.nfev, self.accepted = 0, 0
        self.best_xi, self.best_f = None, np.inf

    def f(self, xi: np.ndarray) -> float:
        self.nfev += 1
        value = float(np.asarray(self.func(self.lower + xi * self.width, *self.args)).item())
        if value < self.best_f:
            self.best_xi, self.best_f = xi.copy(), value
        return value


def _check(schedule, lower, upper, x0):
    if schedule not in SCHEDULES:
        raise ValueError(f"Unknown annealing schedule {schedule!r}; use one of "
                         f"{', '.join(SCHEDULES)}.")
    if lower is None or upper is None:
        raise ValueError("anneal needs finite bounds: pass `lower` and `upper`.")
    lower = np.broadcast_to(np.asarray(lower, dtype=float), x0.shape).copy()
    upper = np.broadcast_to(np.asarray(upper, dtype=float), x0.shape).copy()
    if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
        raise ValueError("anneal needs finite bounds: `lower` and `upper` must be finite.")
    if np.any(upper <= lower):
        raise ValueError("Each `upper` bound must be greater than its `lower` bound.")
    return lower, upper


def anneal(func: Callable, x0: Any, args: tuple = (), schedule: str = "cauchy",
           T0: float | None = None, Tf: float = 1e-12, maxeval: int | None = None,
           maxaccept: int | None = None, maxiter: int = 400, boltzmann: float = 1.0,
           learn_rate: float = 0.5, feps: float = 1e-6, quench: float = 1.0, m: float = 1.0,
           n: float = 1.0, lower: Any = None, upper: Any = None, dwell: int = 50,
           seed: Any = None, polish: bool = True) -> OptimizeResult:
    """Minimize ``func`` over a box by simulated annealing (scipy 0.14's options).

    Parameters
    ----------
    func : callable
        ``func(x, *args) -> float``.
    x0 : array_like
        Starting point (clipped into the box).
    args : tuple, optional
        Extra arguments for ``func``.
    schedule : {'fast', 'cauchy', 'boltzmann'}, optional
        Cooling schedule and candidate distribution, (27.2)–(27.7). The default is lmfit
        0.5's, 'cauchy' (scipy 0.14's was 'fast', whose ``quench = 1`` cools too fast).
    T0 : float, optional
        Initial temperature; by default 1.5 times the range of ``f`` over 50 samples.
    Tf : float, optional
        Stop when the temperature falls below ``Tf``.
    maxeval, maxaccept : int, optional
        Stop after this many evaluations / accepted candidates.
    maxiter : int, optional
        Coolings (each of ``dwell`` candidates).
    boltzmann : float, optional
        Scale of the acceptance test (27.1).
    learn_rate : float, optional
        Step scale of the 'cauchy' and 'boltzmann' candidates.
    feps : float, optional
        Stopping tolerance on the last four end-of-cooling values (27.9).
    quench, m, n : float, optional
        Parameters of the 'fast' schedule (27.2).
    lower, upper : array_like
        The box (required and finite; scalars are broadcast).
    dwell : int, optional
        Candidates per temperature.
    seed : int, numpy.random.Generator or None, optional
        The random numbers (``np.random.default_rng(seed)``).
    polish : bool, optional
        Refine the best point with L-BFGS-B in the box.

    Returns
    -------
    OptimizeResult
        ``x, fun, T, nfev, nit, accept, status, success, message`` as scipy 0.14's, and
        ``polished`` (the L-BFGS-B result, or None). ``nfev`` includes the polish.
    """
    x0 = np.atleast_1d(np.asarray(x0, dtype=float)).copy()
    lower, upper = _check(schedule, lower, upper, x0)
    rng = np.random.default_rng(seed)
    walk = _Walk(func, tuple(args), lower, upper, maxeval)
    xi = np.clip((x0 - lower) / (upper - lower), 0.0, 1.0)
    if T0 is None:
        samples = [walk.f(rng.uniform(size=x0.size)) for _ in range(N_INIT)]
        T0 = 1.5 * (max(samples) - min(samples))
        if not T0 > 0:
            T0 = 1.0
    fx = walk.f(xi)
    T, k, iters, status = T0, 0, 0, None
    recent = [100.0, 300.0, 500.0, 700.0]
    while status is None:
        for _ in range(dwell):
            candidate = reflect(xi + unit_step(schedule, T / T0, learn_rate, rng, x0.size))
            fc = walk.f(candidate)
            if accept(fc - fx, T, boltzmann, rng):
                xi, fx = candidate, fc
                walk.accepted += 1
        k += 1
        T = temperature(schedule, T0, k, quench, m, n)
        iters += 1
        recent = recent[1:] + [fx]
        status = _stop(recent, feps, fx, walk, T, T0, Tf, maxeval, iters, maxiter, maxaccept)
    result = OptimizeResult(x=lower + walk.best_xi * (upper - lower), fun=walk.best_f, T=T,
                            nfev=walk.nfev, nit=iters, accept=walk.accepted, status=status,
                            success=status <= 1, message=MESSAGES[status], polished=None)
    if polish:
        _polish(result, func, args, lower, upper)
    return result


def _stop(recent, feps, fx, walk, T, T0, Tf, maxeval, iters, maxiter, maxaccept) -> int | None:
    """scipy 0.14's stopping tests, in its order; None to go on."""
    if settled(recent, feps, T / T0):
        return 5 if abs(fx - walk.best_f) > feps * 10 * max(abs(walk.best_f), 1.0) else 0
    if Tf is not None and T < Tf:
        return 1
    if maxeval is not None and walk.nfev > maxeval:
        return 2
    if iters > maxiter:
        return 3
    if maxaccept is not None and walk.accepted > maxaccept:
        return 4
    return None


def _polish(result: OptimizeResult, func, args, lower, upper) -> None:
    """L-BFGS-B from the best point, in the box; kept if it is lower."""
    from .lbfgsb import minimize_lbfgsb

    local = minimize_lbfgsb(func, result.x, args=tuple(args), bounds=(lower, upper))
    result["nfev"] += local.nfev
    result["polished"] = local
    if local.fun < result.fun:
        result["x"], result["fun"] = local.x, local.fun
