from __future__ import annotations

import pytest

from tenants.onboarding import credentials
from tests.integration.conftest import real_sdk_at_stub, stub, twilio_stub_server  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_credentials():
    """Each test starts with nothing held in memory: accounts come from its own database."""
    credentials.forget_all()
    yield
    credentials.forget_all()
