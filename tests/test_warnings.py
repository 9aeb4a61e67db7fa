"""Every warning refopt gives about the user's input names the user's line (issue 20).

refopt warns at different depths below the public call (``minimize`` -> the method -> a
helper), so the level is found by leaving refopt's frames (``refopt._warnings.warn_user``);
each case here is one line of this file, and the warning must point at it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import refopt
from refopt import LinearConstraint, OptimizeWarning
from refopt.optimize.powell import minimize_powell


def quadratic(x):
    return float(np.sum((np.asarray(x) - 1.0) ** 2))


def line(x):
    return np.array([x[0] - 1.0, x[0] + 1.0])


# each case: (warning class, words of its message, a one-line call)
CASES = [
    (OptimizeWarning, "not within the specified bounds",
     lambda: refopt.minimize(quadratic, [5.0, 5.0], method="Powell", bounds=[(0, 2), (0, 2)])),
    (OptimizeWarning, "not within the specified bounds",
     lambda: minimize_powell(quadratic, np.array([5.0, 5.0]), bounds=(np.zeros(2), np.full(2, 2.0)))),
    (OptimizeWarning, "not within the specified bounds",
     lambda: refopt.minimize(quadratic, [5.0, 5.0], method="Nelder-Mead", bounds=[(0, 2), (0, 2)])),
    (RuntimeWarning, "does not use gradient information",
     lambda: refopt.minimize(quadratic, [0.0], method="Nelder-Mead", jac=lambda x: 2 * (x - 1))),
    (OptimizeWarning, "Unknown solver options: bogus",
     lambda: refopt.minimize(quadratic, [0.0], method="BFGS", options={"bogus": 1})),
    (RuntimeWarning, "Maximum number of",
     lambda: refopt.minimize(quadratic, [0.0, 3.0], method="Powell", options={"maxiter": 1, "disp": True})),
    (OptimizeWarning, "Unknown solver options: bogus",
     lambda: refopt.minimize_scalar(lambda t: (t - 1) ** 2, options={"bogus": 1})),
    (OptimizeWarning, "keep_feasible",
     lambda: refopt.minimize(quadratic, [0.0, 0.0], method="SLSQP",
                             constraints=[LinearConstraint([[1, 1]], -1, 1, keep_feasible=True)])),
    (UserWarning, "below the machine epsilon",
     lambda: refopt.least_squares(line, [0.0], ftol=1e-20)),
    (RuntimeWarning, "Number of calls to function has reached maxfev",
     lambda: refopt.leastsq(lambda x: [x[0] ** 2 + 1.0, x[0] - 3.0], [10.0], maxfev=2)),
]


@pytest.mark.parametrize("category, words, call", CASES, ids=[c[1][:24] for c in CASES])
def test_warning_points_at_the_callers_line(capsys, category, words, call):
    with pytest.warns(category, match=words) as record:
        call()
    capsys.readouterr()  # disp output of the Powell case
    ours = [w for w in record if words.split(":")[0] in str(w.message)]
    assert ours
    for w in ours:
        assert w.filename == __file__
        assert w.lineno == call.__code__.co_firstlineno


def test_warning_from_a_helper_called_through_user_code():
    """A user's function between refopt frames: the warning names the nearest user line."""
    def user_wrapper():
        return refopt.minimize(quadratic, [5.0], method="Powell", bounds=[(0, 2)])  # this line

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        user_wrapper()
    (w,) = [w for w in record if issubclass(w.category, OptimizeWarning)]
    assert w.filename == __file__ and w.lineno == user_wrapper.__code__.co_firstlineno + 1
