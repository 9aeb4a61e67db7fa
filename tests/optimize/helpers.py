"""Problems shared by the Nelder–Mead and Powell tests: Moré–Garbow–Hillstrom sums of squares
with their published minimisers, scipy's 5-variable Rosenbrock, and strictly convex quadratics."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from . import MGH_PROBLEMS, ROSEN_X0, rosen

_NAMES = ("mgh04_rosenbrock_n2_m2", "mgh_beale_n2_m3", "mgh05_helical_valley_n3_m3",
          "mgh06_powell_singular_n4_m4", "mgh_wood_n4_m6")
_SSQ = {p.name: p for p in MGH_PROBLEMS}
MGH = ([(p.fun, p.starts[0], p.x_star) for p in (_SSQ[f"{name}_ssq"] for name in _NAMES)]
       + [(rosen, ROSEN_X0, np.ones(5))])   # (function, start, minimiser)
MGH_IDS = [*_NAMES, "rosen_5"]
beale, powell_singular = MGH[1][0], MGH[3][0]   # MGH 5 and 13


@st.composite
def spd_problems(draw):
    """``(A, b, x0)``: ``A`` symmetric positive definite with condition number at most 10."""
    n = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    eigenvalues = rng.uniform(1.0, 10.0, size=n)     # condition number at most 10
    a = (q * eigenvalues) @ q.T
    b = rng.uniform(-3, 3, size=n)
    x0 = rng.uniform(-3, 3, size=n)
    return a, b, x0
