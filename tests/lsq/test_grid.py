"""least_squares: every method on every registered least-squares problem with a known solution.

The grid of tests/optimize for minimize, here for ``lm``, ``trf`` and ``dogbox``: each run,
from each of the problem's starts and with the options ``python -m refopt verify`` uses,
reaches the published optimum (``problem.judge``), or is a recorded miss
(refopt/problems/reference_runs.py) judged by properties that do not depend on the
floating-point path: a finite point, no worse than the start, stopped for the recorded
reason. ``lm`` takes no bounds and is not run on bounded problems (none is registered
today; the bounded cases are tests/lsq/test_trf.py's and test_dogbox.py's oracles).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from refopt import least_squares
from refopt.problems import all_problems
from refopt.problems.reference_runs import accepts, known_miss
from refopt.verify import LEAST_SQUARES, OPTIONS


def grid():
    """``(method, problem, start)`` for every method that applies, as pytest params."""
    params = []
    for problem in all_problems("least_squares"):
        if not np.isfinite(problem.f_star):
            continue
        for method in LEAST_SQUARES:
            if method == "lm" and "bounds" in problem.extra:
                continue
            for start in range(len(problem.starts)):
                params.append(pytest.param(method, problem, start,
                                           id=f"{method}-{problem.name}-{start}"))
    return params


def test_the_grid_covers_every_method_and_every_problem_with_a_known_solution():
    known = {p.name for p in all_problems("least_squares") if np.isfinite(p.f_star)}
    for method in LEAST_SQUARES:
        assert {p.values[1].name for p in grid() if p.values[0] == method} == known


@pytest.mark.parametrize("method, problem, start", grid())
def test_known_optimum_or_declared_miss(method, problem, start):
    x0 = np.array(problem.starts[start], dtype=float)
    kwargs = dict(OPTIONS[method])
    if "bounds" in problem.extra:
        kwargs["bounds"] = problem.extra["bounds"]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow far out on a bad step
        res = least_squares(problem.fun, x0, jac=problem.jac, method=method, **kwargs)
    verdict = problem.judge(res.x, start)
    if not verdict.passed:
        miss = known_miss(problem, method, start)
        assert miss is not None, (verdict, res.message)
        assert accepts(miss, problem, x0, res), (miss, res.message)
