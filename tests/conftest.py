"""Shared test configuration: hypothesis profiles and the ../shared reference data."""

from __future__ import annotations

import os
import pathlib

import pytest
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

SHARED = pathlib.Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> pathlib.Path:
    """The project's ../shared folder (reference data); skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared (reference data) is not present beside the repository")
    return SHARED
