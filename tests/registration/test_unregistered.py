"""Until the campaign is approved the overview says so, the text-back is still attempted,
and a carrier's 30034 (unregistered number) is recorded as that, for this business only."""

from __future__ import annotations

import pytest

from consent.registration.models import CarrierRegistration
from messaging import gateway
from messaging.models import Message

pytestmark = pytest.mark.django_db

NOTICE = "not registered with US carriers yet"
STATUS = "/webhooks/twilio/sms/status/"


def overview(client) -> str:
    return client.get("/app/overview/").content.decode()


def test_it_tells_the_owner_until_the_campaign_is_approved(owner_client, tenant):
    page = overview(owner_client)
    assert NOTICE in page and 'href="/app/registration/"' in page

    registration = CarrierRegistration.objects.create(
        business=tenant.business, status=CarrierRegistration.Status.PENDING
    )
    assert "(in review)" in overview(owner_client)

    registration.status = CarrierRegistration.Status.APPROVED
    registration.save()
    assert NOTICE not in overview(owner_client)


def test_it_tells_staff_without_sending_them_to_an_owner_page(staff_client):
    page = overview(staff_client)
    assert NOTICE in page
    assert "Register now" not in page


def test_it_still_texts_back_before_registration(missed_call, outbox, tenant):
    missed_call()
    assert [sent.from_ for sent in outbox] == [str(tenant.number.phone_number)]


def test_it_records_a_carriers_30034_and_counts_it_on_the_overview(
    missed_call, twilio, owner_client, outsider_client, tenant
):
    call = missed_call()
    message = Message.objects.get(call=call)

    twilio.post(
        STATUS,
        {"MessageSid": message.twilio_sid, "MessageStatus": "undelivered", "ErrorCode": "30034"},
    )

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("undelivered", gateway.UNREGISTERED_NUMBER)
    assert "carriers refused 1 text because the number is unregistered (error 30034)" in overview(
        owner_client
    )
    assert "carriers refused" not in overview(outsider_client)


def test_it_records_30034_refused_at_send_time_without_retrying(missed_call, owner_client):
    gateway.memory_backend.fail_with.append(
        gateway.SendError("Message from an unregistered number", code="30034")
    )

    call = missed_call()

    message = Message.objects.get(call=call)
    assert (message.status, message.error_code, message.attempts) == ("failed", "30034", 1)
    assert "carriers refused 1 text" in overview(owner_client)


def test_it_does_not_count_other_failures_as_unregistered(missed_call, twilio, owner_client):
    message = Message.objects.get(call=missed_call())
    twilio.post(
        STATUS,
        {"MessageSid": message.twilio_sid, "MessageStatus": "undelivered", "ErrorCode": "30006"},
    )
    page = overview(owner_client)
    assert NOTICE in page and "carriers refused" not in page
