"""The outer loop of a trust-region method, shared by the methods that supply a model and a step.

A trust-region method (J. J. Moré, "Recent developments in algorithms and software for trust
region methods", in *Mathematical Programming: The State of the Art*, Springer, 1983,
pp. 258–287; J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006,
Algorithm 4.1) repeats one pattern: at the current point build a model of the objective,
take the step the model recommends within a radius ``Delta``, compare the actual and the
predicted reduction, and from their ratio accept or reject the step and shrink or grow the
radius. Only the model and the step differ from method to method, so the pattern is written
once here and a method supplies the rest — the split of optimistix into a *descent* (the
model and its step) and a *search* (the radius that limits it):

* the **method** (for example :class:`refopt.lsq.trf.TRF`, :class:`refopt.lsq.dogbox.Dogbox`)
  has ``optimality(point) -> (measure, found)``, the first-order measure compared with
  ``gtol`` (13.3) and what the model needs from it; ``model(point, found, radius)``, whose
  ``trial(radius)`` returns a :class:`Step` and whose ``accept(step)`` returns the point to
  move to once the step is accepted;
* the **objective** (:class:`refopt.lsq.point.Residuals` for least squares) counts its
  evaluations in ``nfev``, returns ``evaluate(x)`` (an evaluation with its ``cost``, or None
  when it is not finite) and ``point_at(x, evaluation)``, the new iterate (a record with
  ``x`` and ``cost``), prints the ``verbose`` table and asks the user's callback whether to
  stop;
* the **radius** (:class:`Radius`) holds ``Delta`` and its rules (13.10).

The loop ends on the tests (13.3) and (13.12), when the evaluations run out, or when the
callback asks. Equation numbers refer to the chapters "Trust-region reflective" (13) and
"Dogbox" (14) of the book; the constants are scipy's ``optimize/_lsq/common.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.linalg import norm


# --------------------------------------------------------------------------------------------
# Radius update and termination
# --------------------------------------------------------------------------------------------

# [first-radius]
def first_radius(Delta: float, decrease_per_radius: float, ftol: float, cost: float) -> float:
    """The first trust radius: ``Delta``, or 1 when ``Delta`` stands for zero (13.13).

    That is when it is 0, or below 1 and so small that even the model's largest decrease over
    it, at most ``decrease_per_radius * Delta``, is below ``ftol * cost``: the first step
    could then only end the run with a false success. A radius of 1 or more is kept: there
    the test says only that the gradient is tiny (a loss saturated by huge residuals, say),
    which the unit radius would not change.
    """
    if Delta == 0 or (Delta < 1 and decrease_per_radius * Delta < ftol * cost):
        return 1.0
    return Delta
# [/first-radius]


# [radius]
def update_tr_radius(Delta: float, actual_reduction: float, predicted_reduction: float,
                     step_norm: float, bound_hit: bool) -> tuple[float, float]:
    """Shrink or grow the trust region from the agreement of model and function (13.10).

    Parameters
    ----------
    Delta : float
        Current radius.
    actual_reduction, predicted_reduction : float
        ``F(x) - F(x + p)`` and ``m(0) - m(p)``.
    step_norm : float
        Norm of the step in the variables where the region is a ball (or a box).
    bound_hit : bool
        Whether the step reached the edge of the region.

    Returns
    -------
    Delta : float
        The new radius.
    ratio : float
        ``actual_reduction / predicted_reduction`` (1 when both are 0, 0 when the model
        predicts no decrease).
    """
    if predicted_reduction > 0:
        ratio = actual_reduction / predicted_reduction
    elif predicted_reduction == actual_reduction == 0:
        ratio = 1
    else:
        ratio = 0

    if ratio < 0.25:
        Delta = 0.25 * step_norm      # poor model: a quarter of the step just tried
    elif ratio > 0.75 and bound_hit:
        Delta *= 2.0                  # good model held back by the region: let it grow
    return Delta, ratio
# [/radius]


# [termination]
def check_termination(dF: float, F: float, dx_norm: float, x_norm: float, ratio: float,
                      ftol: float, xtol: float) -> int | None:
    """The ``ftol`` and ``xtol`` tests of (13.12), made after every trial step.

    Parameters
    ----------
    dF, F : float
        Actual reduction of the cost and the cost before the step.
    dx_norm, x_norm : float
        Norm of the step and of the point it starts from.
    ratio : float
        Actual over predicted reduction.
    ftol, xtol : float
        Tolerances (0 disables a test).

    Returns
    -------
    int or None
        4 when both tests pass, 2 for ``ftol`` alone, 3 for ``xtol`` alone, None otherwise.
    """
    ftol_satisfied = dF < ftol * F and ratio > 0.25
    xtol_satisfied = dx_norm < xtol * (xtol + x_norm)
    if ftol_satisfied and xtol_satisfied:
        return 4
    if ftol_satisfied:
        return 2
    if xtol_satisfied:
        return 3
    return None
# [/termination]


# --------------------------------------------------------------------------------------------
# The records the loop exchanges with a method
# --------------------------------------------------------------------------------------------

# [records]
@dataclass
class Radius:
    """The trust-region radius ``Delta`` and the rule (13.10) that resizes it.

    A method that keeps more state tied to the radius (trf's Levenberg–Marquardt ``alpha``)
    extends :meth:`resize`.
    """

    Delta: float

    def resize(self, Delta_new: float) -> None:
        """Take the radius (13.10) chose after a finite trial."""
        self.Delta = Delta_new

    def reject(self, step: "Step") -> None:
        """After a trial where the function was not finite: a quarter of that step."""
        self.Delta = 0.25 * step.size


@dataclass
class Step:
    """A trial step proposed by a method's model.

    ``x`` is the trial point (the method has kept it in the bounds) and ``p`` the step to it,
    whose norm the ``xtol`` test (13.12) compares. ``size`` is the step's length in the norm
    the region is measured in, ``at_edge`` whether the region (not a bound) stopped it, the
    two facts the radius rule (13.10) needs. ``conclusive`` is False for a step that may not
    end the run even if it passes the tests (dogbox's step cut short by a bound, (14.9)).
    """

    x: np.ndarray
    p: np.ndarray
    predicted_reduction: float
    size: float
    at_edge: bool
    conclusive: bool = True


@dataclass
class Trial:
    """How the inner loop ended: the last step, its evaluation (None if not finite), the
    actual reduction of the cost (``<= 0``: no step accepted) and the status of (13.12)."""

    step: Step | None
    evaluation: Any
    actual_reduction: float
    status: int | None


@dataclass
class Outcome:
    """The end of the run: the last accepted point, its optimality measure, the status
    (None: the evaluations ran out) and the outer iterations made."""

    point: Any
    optimality: float
    status: int | None
    iterations: int
# [/records]


# --------------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------------

# [inner]
def trial_steps(model, objective, point, radius: Radius, options) -> Trial:
    """Trial steps from ``point`` until one reduces the cost, a test (13.12) passes or the
    evaluations run out; the radius shrinks after each failure (13.10)."""
    trial = Trial(step=None, evaluation=None, actual_reduction=-1.0, status=None)
    while trial.actual_reduction <= 0 and objective.nfev < options.max_nfev:
        step = model.trial(radius)
        evaluation = objective.evaluate(step.x)
        trial.step, trial.evaluation = step, evaluation
        if evaluation is None:
            radius.reject(step)
            continue
        trial.actual_reduction = point.cost - evaluation.cost
        Delta_new, ratio = update_tr_radius(radius.Delta, trial.actual_reduction,
                                            step.predicted_reduction, step.size,
                                            step.at_edge)                        # (13.10)
        trial.status = check_termination(trial.actual_reduction, point.cost, norm(step.p),
                                         norm(point.x), ratio, options.ftol,
                                         options.xtol)                           # (13.12)
        if trial.actual_reduction > 0 and not step.conclusive:
            trial.status = None                  # the method's veto (dogbox: a bound cut it)
        if trial.status is not None:
            break                                  # the radius is left as it was
        radius.resize(Delta_new)
    return trial
# [/inner]


# [loop]
def trust_region_loop(method, objective, point, radius: Radius, options) -> Outcome:
    """Minimise by trust regions from ``point``: the outer loop, whatever the method.

    ``options`` has ``ftol``, ``xtol``, ``gtol`` (0 disables a test) and ``max_nfev``; the
    other arguments are described in the module docstring. Each outer iteration tests
    optimality (13.3), builds the method's model, runs :func:`trial_steps` and moves to the
    accepted point, if any.
    """
    iteration, status, last = 0, None, None
    objective.print_header()
    while True:
        measure, found = method.optimality(point)
        if measure < options.gtol:
            status = 1                                                           # (13.3)
        objective.print_row(iteration, point, last, measure)
        if status is not None or objective.nfev >= options.max_nfev:
            break
        model = method.model(point, found, radius)
        trial = trial_steps(model, objective, point, radius, options)
        status = trial.status
        if trial.actual_reduction > 0:
            point = objective.point_at(model.accept(trial.step), trial.evaluation)
            last = (trial.actual_reduction, norm(trial.step.p))
        else:
            last = (0, 0)
        iteration += 1
        if objective.stop_requested(point, iteration):
            status = -2
            break
    return Outcome(point=point, optimality=measure, status=status, iterations=iteration)
# [/loop]
