from __future__ import annotations

import pytest

from tests.conftest import CALLER, new_message_sid

INCOMING = "/webhooks/twilio/sms/incoming/"


@pytest.fixture
def text_in(tenant, twilio, django_capture_on_commit_callbacks):
    """A customer texts the business through the signed webhook."""

    def send(body: str, *, caller: str = CALLER, number=None):
        number = number or tenant.number
        with django_capture_on_commit_callbacks(execute=True):
            response = twilio.post(
                INCOMING,
                {
                    "MessageSid": new_message_sid(),
                    "From": caller,
                    "To": str(number.phone_number),
                    "Body": body,
                    "NumMedia": "0",
                },
            )
        assert response.status_code == 200

    return send


@pytest.fixture
def missed_call(tenant, twilio, django_capture_on_commit_callbacks):
    from tests.calls.helpers import CallFlow

    def make(caller: str = CALLER):
        flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)
        flow.incoming()
        with django_capture_on_commit_callbacks(execute=True):
            flow.dial_complete("no-answer")
        return flow

    return make
