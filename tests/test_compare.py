"""The random comparison command: its draws are valid calls and its verdicts are right.

scipy is never imported here; the command's side by side runs are checked by hand.
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest

import refopt
from refopt import compare


@pytest.mark.parametrize("what", ["least_squares", "leastsq", "minimize"])
def test_every_drawn_call_runs_in_refopt(what):
    draw = {"least_squares": compare.draw_least_squares, "leastsq": compare.draw_leastsq,
            "minimize": compare.draw_minimize}[what]
    for k in range(40):
        label, fun, x0, kw = draw(np.random.default_rng([7, k]))
        out = compare.outcome(what, refopt, fun, x0, kw)
        assert "error" not in out, (label, out)
        assert np.all(np.isfinite(out["x"])) or what == "minimize"


def test_bad_inputs_give_value_or_type_errors():
    errors = 0
    for k in range(200):
        label, fun, x0, kw = compare.draw_bad_least_squares(np.random.default_rng([3, k]))
        out = compare.outcome("least_squares", refopt, fun, x0, kw)
        if "error" in out:
            errors += 1
            allowed = ("ValueError", "TypeError")
            if np.size(x0) < 2:
                allowed += ("IndexError",)  # raised by the residuals themselves, at x0
            assert out["error"].split(":")[0] in allowed, (label, out)
    assert errors > 60  # many draws are invalid calls (some values are edge cases, not errors)


def test_the_draws_are_replayable():
    a = compare.draw_least_squares(np.random.default_rng([0, 5]))
    b = compare.draw_least_squares(np.random.default_rng([0, 5]))
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[2], b[2])


def test_classify():
    x = np.array([1.0, 2.0])
    same = {"counts": (3, 2, 1), "x": x, "value": 1.0}
    assert compare.classify(same, dict(same)) == "identical"
    assert compare.classify(same, {**same, "x": x + 1e-16 * np.array([0, 8])}) == "same counts"
    assert compare.classify({**same, "counts": (4, 2, 1)}, {**same, "value": 1.0 + 1e-9}) == "same value"
    assert compare.classify({**same, "counts": (4, 2, 1)}, {**same, "value": 2.0}) == "lower"
    assert compare.classify({**same, "counts": (4, 2, 1), "value": 3.0}, same) == "higher"
    assert compare.classify({"error": "ValueError: x"}, {"error": "ValueError: x"}) == "identical"
    assert compare.classify({"error": "ValueError: x"}, same) == "error"


def test_without_scipy_it_says_so(capsys, monkeypatch):
    def no_scipy(name):
        raise ImportError(name)

    monkeypatch.setattr(compare, "import_anchor", no_scipy)
    args = argparse.Namespace(what=["leastsq"], runs=1, seed=0, show=1)
    assert compare.main(args) == 0
    assert "scipy is not installed" in capsys.readouterr().out
