from __future__ import annotations

import pytest

from tests.conftest import CALLER

INCOMING = "/webhooks/twilio/sms/incoming/"


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
