"""Hypothesis profiles for the fuzz tests. The suite runs "ci" (a bounded number of
examples that fits CI); a developer runs the long one by hand:

    HYPOTHESIS_PROFILE=long scripts/test tests/fuzz

A failure prints the smallest input that reproduced it (Hypothesis shrinks it first) and
the seed to replay it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_shared = {
    "deadline": None,  # the database makes timings noisy; speed is the benches' job
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=40, derandomize=False, **_shared)
settings.register_profile("long", max_examples=2000, **_shared)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
