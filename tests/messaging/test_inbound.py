"""Texts from customers: STOP, START, HELP and replies, through the signed SMS webhook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.models import ConsentEvent
from consent.selectors import is_opted_out
from messaging.models import Alert, Conversation, Message
from tests.conftest import CALLER, new_message_sid

pytestmark = pytest.mark.django_db

INCOMING = "/webhooks/twilio/sms/incoming/"


def bodies(outbox):
    return [m.body for m in outbox]


def test_stop_with_words_is_recorded_and_confirmed_once_naming_the_business(
    text_in, tenant, outbox
):
    text_in("Stop please")
    event = ConsentEvent.objects.get(kind="opt_out")
    assert (event.words, event.channel, event.phone_number) == ("Stop please", "sms", CALLER)
    assert bodies(outbox) == [
        "You're unsubscribed from Acme Plumbing texts. No more messages will be sent. "
        "Reply START to resubscribe."
    ]
    assert is_opted_out(business=tenant.business, phone_number=CALLER)


def test_a_bare_stop_already_answered_by_twilio_gets_no_second_confirmation(
    text_in, outbox, settings
):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = True
    text_in("STOP")
    assert ConsentEvent.objects.filter(kind="opt_out").count() == 1
    assert outbox == []


def test_a_bare_stop_is_confirmed_when_twilio_does_not_handle_opt_outs(text_in, outbox, settings):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = False
    text_in("STOP")
    assert len(outbox) == 1 and outbox[0].body.startswith("You're unsubscribed from Acme Plumbing")


def test_twilio_s_opt_out_type_means_it_already_answered(text_in, outbox, settings):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = False
    text_in("stop", OptOutType="STOP")
    assert outbox == []


def test_start_after_stop_resubscribes_and_confirms(text_in, tenant, outbox, settings):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = False
    text_in("STOP")
    text_in("START")
    assert not is_opted_out(business=tenant.business, phone_number=CALLER)
    assert "resubscribed to Acme Plumbing" in outbox[-1].body


def test_yes_from_a_subscribed_person_is_just_a_reply(text_in, outbox, mailoutbox):
    text_in("Yes")
    assert not ConsentEvent.objects.filter(kind="opt_in").exists()
    assert ConsentEvent.objects.filter(kind="inbound_text").count() == 1
    assert outbox == []
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("word", ["HELP", "info"])
def test_help_gets_the_business_purpose_rates_support_and_stop(text_in, outbox, word):
    text_in(word)
    assert ConsentEvent.objects.filter(kind="help").count() == 1
    (reply,) = bodies(outbox)
    assert reply.startswith("Acme Plumbing:")
    assert "Msg frequency varies. Msg & data rates may apply." in reply
    assert "+15551230000" in reply  # the support contact
    assert reply.endswith("Reply STOP to opt out.")


def test_help_is_answered_even_after_stop(text_in, outbox, settings):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = True
    text_in("STOP")
    text_in("HELP")
    assert len(outbox) == 1 and outbox[0].body.startswith("Acme Plumbing:")


def test_stop_then_a_missed_call_sends_no_text(text_in, missed_call, outbox):
    text_in("STOP")
    missed_call()
    assert outbox == []


def test_start_then_a_missed_call_sends_the_textback(text_in, missed_call, outbox, settings):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = True
    text_in("STOP")
    text_in("START")
    missed_call()
    assert [m.body[:26] for m in outbox] == ["Sorry we missed your call "]


def test_one_business_s_stop_does_not_stop_another(
    text_in, other_tenant, outbox, twilio, django_capture_on_commit_callbacks
):
    text_in("STOP")
    from calls.models import Call
    from calls.services import decide, record_incoming

    with django_capture_on_commit_callbacks(execute=True):
        call = record_incoming(
            number=other_tenant.number, call_sid="CA" + "7" * 32, from_raw=CALLER
        ).call
        Call.objects.filter(pk=call.pk).update(dial_status="busy")
        call.refresh_from_db()
        decide(business=other_tenant.business, call=call)
    assert [m.body for m in outbox] == [
        "Sorry we missed your call — this is Rival Heating. What can we help with today? "
        "Reply STOP to opt out."
    ]


def test_a_reply_opens_the_conversation_and_notifies_the_team(text_in, tenant, mailoutbox):
    text_in("My water heater is leaking")
    conversation = Conversation.objects.get()
    assert conversation.needs_reply and conversation.unread_count == 1
    assert Alert.objects.get().kind == "reply"
    (mail,) = mailoutbox
    assert set(mail.to) == {tenant.owner.email, tenant.staff.email}
    assert "My water heater is leaking" in mail.body
    assert f"/app/conversations/{conversation.public_id}/" in mail.body


def test_the_team_is_notified_once_per_burst(text_in, mailoutbox):
    for body in ["Hi", "my sink is clogged", "can someone come today?"]:
        text_in(body)
    assert len(mailoutbox) == 1
    assert Message.objects.filter(direction="in").count() == 3


def test_a_new_burst_after_the_team_read_it_notifies_again(text_in, mailoutbox):
    text_in("Hi")
    Conversation.objects.update(last_read_at=timezone.now() + timedelta(seconds=1))
    Conversation.objects.update(handoff_notified_at=timezone.now() - timedelta(seconds=5))
    text_in("Hello again?")
    assert len(mailoutbox) == 2


def test_a_new_burst_after_a_quiet_spell_notifies_again(text_in, mailoutbox):
    text_in("Hi")
    Conversation.objects.update(handoff_notified_at=timezone.now() - timedelta(minutes=16))
    text_in("Anyone there?")
    assert len(mailoutbox) == 2


def test_a_duplicate_delivery_is_stored_once(text_in, mailoutbox):
    sid = new_message_sid()
    text_in("Hello", sid=sid)
    text_in("Hello", sid=sid)
    assert Message.objects.filter(twilio_sid=sid).count() == 1
    assert Conversation.objects.get().unread_count == 1


@pytest.mark.parametrize(
    "body",
    ["", "🚿💧 help!!! 😭", "Нужен сантехник", "水管坏了", "x" * 1600],
)
def test_unusual_bodies_are_stored_as_sent(text_in, body):
    text_in(body)
    assert Message.objects.get(direction="in").body == body


def test_an_mms_with_no_text_is_stored_and_alerts(text_in, mailoutbox):
    text_in(
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/media/ME1",
        MediaContentType0="image/jpeg",
    )
    message = Message.objects.get(direction="in")
    assert (message.body, message.media_count) == ("", 1)
    assert "(picture message)" in mailoutbox[0].subject + mailoutbox[0].body


def test_a_text_to_an_unknown_number_stores_nothing(text_in):
    text_in("hello", to="+13105550100")
    assert not Message.objects.exists()
    assert not ConsentEvent.objects.exists()


def test_a_malformed_inbound_text_gets_400(twilio, tenant):
    response = twilio.post(
        INCOMING, {"MessageSid": "bad", "From": CALLER, "To": str(tenant.number.phone_number)}
    )
    assert response.status_code == 400
    assert not Message.objects.exists()
