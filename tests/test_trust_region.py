"""The shared trust-region loop (refopt._trust_region): the radius rule (13.10), the
termination tests (13.11) and the loop itself on a model whose every step is known."""

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
