"""Twilio retries and duplicates webhooks; twenty copies at once still make one call, one
outcome and one text."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from calls.models import Call
from messaging.models import Message
from tests.calls.helpers import CallFlow
from tests.conftest import CALLER, TwilioClient

pytestmark = pytest.mark.django_db(transaction=True)

COPIES = 20


def in_parallel(fn):
    barrier = Barrier(COPIES)

    def run(_):
        try:
            barrier.wait()
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=COPIES) as pool:
        return list(pool.map(run, range(COPIES)))


def test_twenty_concurrent_incoming_webhooks_make_one_call(tenant):
    flow = CallFlow(twilio=TwilioClient(), to=str(tenant.number.phone_number))
    responses = in_parallel(
        lambda: CallFlow(twilio=TwilioClient(), to=flow.to, sid=flow.sid).incoming()
    )
    assert {r.status_code for r in responses} == {200}
    assert Call.objects.filter(call_sid=flow.sid).count() == 1


def test_twenty_concurrent_missed_call_callbacks_make_one_outcome_and_one_text(tenant, outbox):
    flow = CallFlow(twilio=TwilioClient(), to=str(tenant.number.phone_number))
    flow.incoming()

    def callback():
        twin = CallFlow(twilio=TwilioClient(), to=flow.to, sid=flow.sid)
        return twin.dial_complete("no-answer"), twin.status("completed")

    results = in_parallel(callback)
    assert all(d.status_code == 200 and s.status_code == 204 for d, s in results)
    call = Call.objects.get(call_sid=flow.sid)
    assert call.outcome == "missed"
    assert Message.objects.filter(call=call, kind="textback").count() == 1
    assert [m.to for m in outbox] == [CALLER]
