"""The expr benchmark cases: refopt's runners compute what Python computes (no asteval needed)."""

from __future__ import annotations

import math

import pytest

from refopt.benchmarks import Case
from refopt.benchmarks.expr import CONSTRAINTS, EVALUATIONS, _path, cases


def test_cases_are_well_formed():
    found = cases()
    assert len(found) == 2 * len(CONSTRAINTS)
    assert all(isinstance(c, Case) and c.group == "expr" and c.library == "asteval" for c in found)


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_refopt_runner_gives_pythons_value_at_the_last_point(case):
    name = case.name.split("/")[-1]
    text, symbols = CONSTRAINTS[name]
    last = _path(symbols, EVALUATIONS)[-1]
    namespace = {"__builtins__": {}, "sqrt": math.sqrt, "pi": math.pi, "max": max, **last}
    expected = eval(text, namespace)  # the oracle, in a sealed namespace
    out = case.run()
    assert out["nfev"] == EVALUATIONS and out["x"] == [pytest.approx(expected, rel=1e-15)]
