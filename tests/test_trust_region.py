"""The shared trust-region loop (refopt._trust_region): the radius rule (13.10), the
termination tests (13.12) and the loop itself on a model whose every step is known."""

from __future__ import annotations

import numpy as np
import pytest

from refopt import _trust_region as tr


@pytest.mark.parametrize("actual, predicted, hit, Delta, ratio", [
    (1.0, 1.0, True, 2.0, 1.0),        # good and held back: doubled
    (1.0, 1.0, False, 1.0, 1.0),       # good, inside: kept
    (0.5, 1.0, True, 1.0, 0.5),        # fair: kept
    (0.1, 1.0, True, 0.25 * 0.8, 0.1),  # poor: a quarter of the step
    (-1.0, 1.0, True, 0.25 * 0.8, -1.0),
    (0.0, 0.0, True, 2.0, 1.0),        # nothing predicted, nothing happened
    (1.0, 0.0, False, 0.25 * 0.8, 0),  # no predicted decrease
])
def test_update_tr_radius_rules(actual, predicted, hit, Delta, ratio):
    new, r = tr.update_tr_radius(1.0, actual, predicted, 0.8, hit)
    assert new == pytest.approx(Delta)
    assert r == ratio


@pytest.mark.parametrize("dF, ratio, dx, status", [
    (1e-10, 0.5, 1e-10, 4), (1e-10, 0.5, 1.0, 2), (1e-10, 0.2, 1.0, None),
    (1.0, 0.5, 1e-10, 3), (1.0, 0.5, 1.0, None),
])
def test_check_termination(dF, ratio, dx, status):
    assert tr.check_termination(dF, 1.0, dx, 1.0, ratio, 1e-8, 1e-8) == status


# --------------------------------------------------------------------------------------------
# The loop, on F(x) = x**2 / 2 with a model that is exact: every step is known in advance
# --------------------------------------------------------------------------------------------

class Point:
    def __init__(self, x):
        self.x, self.cost = np.array([x], dtype=float), 0.5 * x * x


class Evaluation:
    def __init__(self, x):
        self.cost = 0.5 * float(x[0]) ** 2


class Objective:
    """Counts evaluations; ``bad`` lists the evaluations (by number) that are not finite."""

    def __init__(self, bad=(), stop_at=None):
        self.nfev, self.bad, self.stop_at, self.rows = 1, set(bad), stop_at, []

    def evaluate(self, x):
        self.nfev += 1
        return None if self.nfev in self.bad else Evaluation(x)

    def point_at(self, x, evaluation):
        return Point(float(x[0]))

    def print_header(self):
        pass

    def print_row(self, iteration, point, last, measure):
        self.rows.append((iteration, float(point.x[0]), last))

    def stop_requested(self, point, iteration):
        return iteration == self.stop_at


class Newton:
    """The Newton step -x cut at the radius; the model is F itself, so the ratio is 1."""

    def __init__(self, conclusive=True):
        self.conclusive = conclusive

    def optimality(self, point):
        return abs(point.x[0]), None

    def model(self, point, found, radius):
        return ExactModel(point, self.conclusive)


class ExactModel:
    def __init__(self, point, conclusive):
        self.point, self.conclusive = point, conclusive

    def trial(self, radius):
        x = self.point.x
        p = np.clip(-x, -radius.Delta, radius.Delta)
        predicted = self.point.cost - 0.5 * float((x + p)[0]) ** 2
        return tr.Step(x=x + p, p=p, predicted_reduction=predicted, size=float(abs(p[0])),
                       at_edge=bool(abs(p[0]) >= radius.Delta), conclusive=self.conclusive)

    def accept(self, step):
        return step.x


class Settings:
    def __init__(self, ftol=0.0, xtol=0.0, gtol=1e-12, max_nfev=100):
        self.ftol, self.xtol, self.gtol, self.max_nfev = ftol, xtol, gtol, max_nfev


def test_the_radius_doubles_while_the_exact_model_is_held_back_then_newton_ends_it():
    objective = Objective()
    radius = tr.Radius(1.0)
    out = tr.trust_region_loop(Newton(), objective, Point(10.0), radius, Settings())
    # steps of 1, 2, 4 at the edge (the radius doubles each time), then the full Newton step 3
    assert [row[1] for row in objective.rows] == [10.0, 9.0, 7.0, 3.0, 0.0]
    assert out.status == 1 and out.point.x[0] == 0.0 and out.iterations == 4
    assert objective.nfev == 5 and radius.Delta == 8.0
    assert objective.rows[0][2] is None and objective.rows[1][2] == (10.0**2 / 2 - 9.0**2 / 2, 1.0)


def test_a_non_finite_trial_shrinks_the_radius_to_a_quarter_of_the_step_and_is_counted():
    objective = Objective(bad={2})
    radius = tr.Radius(1.0)
    out = tr.trust_region_loop(Newton(), objective, Point(10.0), radius,
                               Settings(max_nfev=3))
    # evaluation 2 (step 1) is rejected: Delta = 0.25; evaluation 3 takes the step 0.25
    assert out.point.x[0] == 9.75 and objective.nfev == 3 and out.status is None
    assert radius.Delta == 0.5


def test_the_budget_and_the_callback_end_the_run():
    out = tr.trust_region_loop(Newton(), Objective(), Point(10.0), tr.Radius(1.0),
                               Settings(max_nfev=2))
    assert out.status is None and out.iterations == 1 and out.point.x[0] == 9.0
    out = tr.trust_region_loop(Newton(), Objective(stop_at=2), Point(10.0),
                               tr.Radius(1.0), Settings())
    assert out.status == -2 and out.iterations == 2 and out.point.x[0] == 7.0


def test_the_xtol_test_ends_the_run_unless_the_step_is_inconclusive():
    settings = Settings(xtol=0.5)  # ||p|| < xtol (xtol + ||x||): the first step of 1 passes
    out = tr.trust_region_loop(Newton(), Objective(), Point(10.0), tr.Radius(1.0),
                               settings)
    assert out.status == 3 and out.iterations == 1
    out = tr.trust_region_loop(Newton(conclusive=False), Objective(), Point(10.0),
                               tr.Radius(1.0), settings)
    assert out.status == 1 and out.point.x[0] == 0.0
