"""Hypothesis strategies shared by test modules in more than one folder."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def vectors(n):
    """Float vectors of length ``n`` with entries in [-10, 10]."""
    return arrays(float, n, elements=finite)


@st.composite
def boxes(draw, n=3):
    lb = draw(arrays(float, n, elements=st.floats(-5, 0)))
    width = draw(arrays(float, n, elements=st.floats(0.1, 5)))
    frac = draw(arrays(float, n, elements=st.floats(0.01, 0.99)))
    infinite = draw(arrays(bool, n))
    ub = lb + width
    x = lb + frac * width
    lb = np.where(infinite & (np.arange(n) % 2 == 0), -np.inf, lb)
    ub = np.where(infinite & (np.arange(n) % 2 == 1), np.inf, ub)
    return x, lb, ub
