"""The per-caller cooldown starts only with a text-back that reached Twilio (or may have):
a refused, failed or expired one never costs a caller their text-back next time."""

from __future__ import annotations

import pytest

from calls.models import Call
from messaging import gateway
from messaging.models import Alert, Message
from tests.calls.helpers import CallFlow

pytestmark = pytest.mark.django_db

CALLER = "+12125550177"


@pytest.fixture
def call_missed(tenant, twilio, django_capture_on_commit_callbacks):
    """A forwarded call nobody answered, through the signed webhooks, sends included."""

    def make(caller: str = CALLER) -> Call:
        flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)
        with django_capture_on_commit_callbacks(execute=True):
            flow.incoming()
            flow.dial_complete("no-answer")
            flow.status("completed")
        return Call.objects.get(call_sid=flow.sid)

    return make


def textbacks_to(outbox, number: str) -> list[str]:
    return [sent.body for sent in outbox if sent.to == number and "missed your call" in sent.body]


def test_a_second_call_within_the_cooldown_alerts_instead_of_texting(call_missed, outbox):
    call_missed()
    second = call_missed()
    assert len(textbacks_to(outbox, CALLER)) == 1
    assert Alert.objects.filter(call=second, kind=Alert.Kind.CALLED_AGAIN).exists()


def test_an_opted_out_caller_who_texts_start_and_calls_again_gets_the_textback(
    call_missed, text_in, outbox, settings
):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = True
    text_in("STOP", caller=CALLER)
    first = call_missed()
    assert Message.objects.get(call=first).status == Message.Status.CANCELED
    text_in("START", caller=CALLER)
    second = call_missed()
    assert textbacks_to(outbox, CALLER) != []
    assert Message.objects.get(call=second).status == Message.Status.QUEUED
    assert not Alert.objects.filter(call=second, kind=Alert.Kind.CALLED_AGAIN).exists()
    second.refresh_from_db()
    assert second.is_repeat is False


@pytest.mark.parametrize(
    "error",
    [
        gateway.SendError("The 'To' number is not a valid phone number.", code="21211"),
        gateway.SendError("Attempt to send to unsubscribed recipient", code="21610"),
    ],
    ids=["invalid-number", "carrier-blocked"],
)
def test_a_textback_twilio_refused_starts_no_cooldown(call_missed, outbox, error):
    gateway.memory_backend.fail_with.append(error)
    first = call_missed()
    assert Message.objects.get(call=first).status == Message.Status.FAILED
    second = call_missed()
    message = Message.objects.get(call=second)
    if error.code == "21610":
        # Twilio says the carrier has this number opted out: the ledger now refuses.
        assert message.status == Message.Status.CANCELED
    else:
        assert message.status == Message.Status.QUEUED
        assert len(textbacks_to(outbox, CALLER)) == 1


def test_a_textback_that_reached_twilio_but_was_undelivered_still_counts(
    call_missed, outbox, twilio
):
    first = call_missed()
    sid = Message.objects.get(call=first).twilio_sid
    response = twilio.post(
        "/webhooks/twilio/sms/status/",
        {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )
    assert response.status_code == 204
    call_missed()
    assert len(textbacks_to(outbox, CALLER)) == 1
