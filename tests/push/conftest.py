from tests.dashboard.conftest import missed_call  # noqa: F401 (a fixture, shared)
