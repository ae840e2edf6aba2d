from __future__ import annotations

import pytest

from messaging.models import Message

pytestmark = pytest.mark.django_db

STATUS = "/webhooks/twilio/sms/status/"


@pytest.fixture
def sent(missed_call):
    return Message.objects.get(call=missed_call())


def post_status(twilio, sid, status, **extra):
    return twilio.post(STATUS, {"MessageSid": sid, "MessageStatus": status, **extra})


def test_status_moves_forward_to_delivered(twilio, sent):
    for status in ["sent", "delivered"]:
        assert post_status(twilio, sent.twilio_sid, status).status_code == 204
    sent.refresh_from_db()
    assert sent.status == "delivered"


def test_late_and_repeated_callbacks_never_move_it_back(twilio, sent):
    post_status(twilio, sent.twilio_sid, "delivered")
    for status in ["sent", "queued", "sending", "delivered", "sent"]:
        post_status(twilio, sent.twilio_sid, status)
    sent.refresh_from_db()
    assert sent.status == "delivered"


def test_undelivered_records_the_error_code(twilio, sent):
    post_status(twilio, sent.twilio_sid, "undelivered", ErrorCode="30006")
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == ("undelivered", "30006")


def test_an_unknown_sid_answers_204(twilio, db):
    assert post_status(twilio, "SM" + "0" * 32, "delivered").status_code == 204


@pytest.mark.parametrize(
    "params",
    [
        {"MessageSid": "nonsense", "MessageStatus": "sent"},
        {"MessageSid": "SM" + "1" * 32, "MessageStatus": "exploded"},
        {"MessageSid": "SM" + "1" * 32},
        {"MessageSid": "SM" + "1" * 32, "MessageStatus": "failed", "ErrorCode": "abc"},
    ],
)
def test_malformed_callbacks_get_400(twilio, db, params):
    assert twilio.post(STATUS, params).status_code == 400
