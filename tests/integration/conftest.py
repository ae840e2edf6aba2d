"""Fixtures for the real-parts tests: the recording Twilio stub, the real `twilio` SDK
pointed at it (or at Prism), and a missed call played through the signed webhooks."""

from __future__ import annotations

import pytest

from messaging import gateway
from tests.calls.helpers import CallFlow
from tests.conftest import TwilioClient
from tests.twilio_stub import TwilioStub

QUESTION = "Is it a leak, a clog or something else?"


def expected_textback(business_name: str) -> str:
    return f"Sorry we missed your call — this is {business_name}. {QUESTION} Reply STOP to opt out."


@pytest.fixture(scope="module")
def twilio_stub_server():
    stub = TwilioStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def stub(twilio_stub_server: TwilioStub):
    """The module's recording stub, emptied (and any hanging request let go) per test."""
    twilio_stub_server.reset()
    yield twilio_stub_server
    twilio_stub_server.reset()


def use_real_sdk(settings, base_url: str) -> None:
    """LASSO_SMS_BACKEND=twilio against `base_url`. The gateway caches its backends (and
    each thread's SDK client), so they are dropped before and after."""
    settings.LASSO_SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE_URL = base_url
    gateway._backends.clear()


@pytest.fixture
def real_sdk_at_stub(settings, stub: TwilioStub):
    use_real_sdk(settings, stub.url)
    yield stub
    gateway._backends.clear()


@pytest.fixture
def business_tenant(tenant):
    tenant.business.qualifying_question = QUESTION
    tenant.business.save(update_fields=["qualifying_question"])
    return tenant


def missed_call(tenant, caller: str, **flow: str) -> CallFlow:
    """Play a forwarded call nobody answered: incoming, then <Dial> ends with no-answer."""
    call = CallFlow(
        twilio=TwilioClient(), to=str(tenant.number.phone_number), caller=caller, **flow
    )
    assert call.incoming().status_code == 200
    assert call.dial_complete("no-answer").status_code == 200
    return call
