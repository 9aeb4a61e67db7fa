"""Shared test configuration: the hypothesis profiles.

The suite's rule (tests/README.md): no test depends on a figure that changes with the
floating-point path — the exact counts of a long run, the last digits of a value reached by a
run that stopped at its budget, the exact equality of two sums — because numpy's SIMD kernels,
chosen by CPU, add in different orders. Known answers are checked to tolerances that follow
from the problem; exact counts stay only where the path is short and exactly determined
(MINPACK's driver table). Check with NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
and "X86_V3 X86_V4 AVX512_ICL AVX512_SPR". The reference data ships in the package
(refopt/problems/data, through refopt.problems.data_dir()): no test needs anything outside
the repository, and none is skipped for missing data.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# The suite is a verification suite: by default it is deterministic (the same examples every
# run, no database, no deadlines), in CI and for a user alike. HYPOTHESIS_PROFILE=dev explores
# new random examples each run, which is how developers look for counterexamples; "deep" looks
# harder (2,000 examples a property).
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("deep", deadline=None, max_examples=2000,
                          suppress_health_check=[HealthCheck.too_slow])  # a long search
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
