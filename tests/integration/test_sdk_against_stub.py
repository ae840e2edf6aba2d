"""The real `twilio` SDK, over HTTP, against a recording Twilio stand-in that can fail the
way Twilio fails. Tasks run in-process here (the worker has its own tests); what is real is
every byte between our gateway and "Twilio"."""

from __future__ import annotations

import re

import pytest

from consent.models import ConsentEvent
from consent.selectors import Purpose, may_text
from messaging import services
from messaging.models import Alert, Message
from tests.integration.conftest import expected_textback, missed_call
from tests.twilio_stub import Answer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("twilio-stub"),
]

CALLER = "+12125550143"
STATUS_CALLBACK = "http://testserver/webhooks/twilio/sms/status/"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """Retries keep their order and count, without the seconds of backoff between them."""
    monkeypatch.setattr(services, "backoff_seconds", lambda attempt: 0.0)


def textback_for(call) -> Message:
    return Message.objects.get(call__call_sid=call.sid, kind=Message.Kind.TEXTBACK)


def test_it_texts_each_missed_caller_once_through_the_sdk(business_tenant, real_sdk_at_stub):
    stub = real_sdk_at_stub
    business_number = str(business_tenant.number.phone_number)
    first = missed_call(business_tenant, CALLER)
    second = missed_call(business_tenant, "+13105550188")

    requests = stub.wait_for(2)
    assert len(requests) == 2
    by_to = {r.to: r for r in requests}
    assert set(by_to) == {CALLER, "+13105550188"}
    for request in requests:
        assert request.path == (
            "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json"
        )
        assert request.authorized
        assert request.from_ == business_number
        assert request.body == expected_textback("Acme Plumbing")
        assert request.status_callback == STATUS_CALLBACK
    for call in (first, second):
        message = textback_for(call)
        assert message.status == Message.Status.QUEUED
        assert message.twilio_sid == by_to[call.caller].sid
        assert re.fullmatch(r"SM[0-9a-f]{32}", message.twilio_sid)


def test_a_second_missed_call_within_the_cooldown_alerts_instead_of_texting(
    business_tenant, real_sdk_at_stub
):
    stub = real_sdk_at_stub
    missed_call(business_tenant, CALLER)
    again = missed_call(business_tenant, CALLER)

    assert len(stub.sent_to(CALLER)) == 1
    assert Message.objects.filter(kind=Message.Kind.TEXTBACK).count() == 1
    assert Alert.objects.filter(kind=Alert.Kind.CALLED_AGAIN, call__call_sid=again.sid).exists()


def test_twilio_500_and_429_are_retried_until_one_send_succeeds(business_tenant, real_sdk_at_stub):
    stub = real_sdk_at_stub
    stub.script(Answer.SERVER_ERROR, Answer.TOO_MANY_REQUESTS)
    call = missed_call(business_tenant, CALLER)

    requests = stub.wait_for(3, to=CALLER)
    assert [r.status for r in requests] == [500, 429, 201]
    assert len({r.body for r in requests}) == 1
    message = textback_for(call)
    assert message.status == Message.Status.QUEUED
    assert message.twilio_sid == requests[-1].sid
    assert message.attempts == 3
    services.sweep_due_messages()
    assert len(stub.sent_to(CALLER)) == 3


def test_twilio_5xx_on_every_attempt_ends_failed_after_the_last_attempt(
    business_tenant, real_sdk_at_stub
):
    stub = real_sdk_at_stub
    stub.script(*[Answer.SERVER_ERROR] * services.MAX_ATTEMPTS)
    call = missed_call(business_tenant, CALLER)

    assert [r.status for r in stub.sent_to(CALLER)] == [500] * services.MAX_ATTEMPTS
    message = textback_for(call)
    assert message.status == Message.Status.FAILED
    assert message.error_code == "20500"
    assert message.twilio_sid is None


def test_carrier_opt_out_21610_fails_records_the_opt_out_and_is_never_retried(
    business_tenant, real_sdk_at_stub
):
    stub = real_sdk_at_stub
    business = business_tenant.business
    # No cooldown, so a second missed call would be texted if the opt-out were forgotten.
    business.textback_cooldown_hours = 0
    business.save(update_fields=["textback_cooldown_hours"])
    stub.script(Answer.OPTED_OUT, to=CALLER)
    call = missed_call(business_tenant, CALLER)

    message = textback_for(call)
    assert message.status == Message.Status.FAILED
    assert message.error_code == "21610"
    assert ConsentEvent.objects.filter(
        business=business, phone_number=CALLER, kind=ConsentEvent.Kind.CARRIER_OPT_OUT
    ).exists()
    assert not may_text(
        business=business, phone_number=CALLER, purpose=Purpose.CONVERSATION
    ).allowed

    services.sweep_due_messages()
    later = missed_call(business_tenant, CALLER)
    assert textback_for(later).status == Message.Status.CANCELED
    assert [r.status for r in stub.sent_to(CALLER)] == [400]


@pytest.mark.parametrize("answer", [Answer.INVALID_TO, Answer.NOT_MOBILE])
def test_permanent_twilio_errors_fail_with_their_code_and_are_not_retried(
    business_tenant, real_sdk_at_stub, answer
):
    stub = real_sdk_at_stub
    stub.script(answer, to=CALLER)
    call = missed_call(business_tenant, CALLER)

    message = textback_for(call)
    assert message.status == Message.Status.FAILED
    assert message.error_code == str(answer)
    services.sweep_due_messages()
    assert [r.status for r in stub.sent_to(CALLER)] == [400]
    assert not ConsentEvent.objects.filter(kind=ConsentEvent.Kind.CARRIER_OPT_OUT).exists()


def test_a_request_twilio_never_answers_is_marked_unknown_and_not_resent(
    business_tenant, real_sdk_at_stub, settings
):
    stub = real_sdk_at_stub
    settings.TWILIO_REQUEST_TIMEOUT_SECONDS = 1
    stub.script(Answer.HANG, to=CALLER)
    call = missed_call(business_tenant, CALLER)

    message = textback_for(call)
    # Twilio may have accepted it: sending again could text the caller twice.
    assert message.status == Message.Status.UNKNOWN
    assert message.twilio_sid is None
    services.sweep_due_messages()
    assert len(stub.sent_to(CALLER)) == 1
    assert textback_for(call).status == Message.Status.UNKNOWN
