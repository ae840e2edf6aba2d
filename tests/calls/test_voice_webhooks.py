"""Every path a call can take, played through signed voice webhooks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import Call
from calls.tasks import settle_call
from messaging.models import Alert, Message
from tenants.models import BlockedNumber, Membership, TwilioNumber
from tests.calls.helpers import CallFlow
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(tenant, twilio):
    return CallFlow(twilio=twilio, to=str(tenant.number.phone_number))


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (hand-off, send) as a committed request would."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def the_call(flow: CallFlow) -> Call:
    return Call.objects.get(call_sid=flow.sid)


def texts_to(outbox, number=CALLER):
    return [m for m in outbox if m.to == number]


def test_it_forwards_with_answer_on_bridge_timeout_and_screen(flow, tenant):
    root = xml(flow.incoming())
    dial = root.find("Dial")
    assert dial.get("answerOnBridge") == "true"
    assert dial.get("timeout") == "20"
    # Twilio's connection overrides ride in the fragment: retries within its 15 s.
    assert dial.get("action") == (
        "http://testserver/webhooks/twilio/voice/dial-complete/?screened=1"
        "#ct=2000&tt=12000&rc=5&rp=all"
    )
    number = dial.find("Number")
    assert number.text == str(tenant.number.forward_to)
    assert number.get("url") == (
        "http://testserver/webhooks/twilio/voice/screen/?line=%2B"
        + str(tenant.number.phone_number).lstrip("+")
        + "#ct=2000&tt=12000&rc=5&rp=all"
    )
    call = the_call(flow)
    assert (call.business, call.from_number, call.outcome) == (tenant.business, CALLER, "pending")


def test_it_whispers_the_business_name_and_hangs_up_the_leg_without_a_key(flow):
    flow.incoming()
    root = xml(flow.screen())
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.find("Say").text == "Call for Acme Plumbing. Press any key to accept."
    assert root.find("Hangup") is not None


def test_answered_by_a_human_is_answered_and_never_texted(flow, outbox, run_on_commit):
    flow.incoming()
    assert xml(flow.screen(digits="1")).find("Gather") is None
    assert the_call(flow).accepted_at is not None
    run_on_commit(flow.dial_complete, "completed", "95")
    run_on_commit(flow.status, "completed")
    call = the_call(flow)
    assert call.outcome == "answered"
    assert outbox == []
    assert not Message.objects.exists()


def test_voicemail_picking_up_without_a_keypress_is_missed_and_texted(flow, outbox, run_on_commit):
    flow.incoming()
    flow.screen()  # the voicemail box hears the whisper and presses nothing
    response = run_on_commit(flow.dial_complete, "completed", "31")
    assert "Sorry we missed your call" in response.content.decode()
    call = the_call(flow)
    assert (call.outcome, call.outcome_reason) == ("missed", "not-accepted-on-screen")
    sent = texts_to(outbox)
    assert [m.body for m in sent] == [
        "Sorry we missed your call — this is Acme Plumbing. What can we help with today? "
        "Reply STOP to opt out."
    ]
    assert sent[0].from_ == flow.to


@pytest.mark.parametrize("dial_status", ["busy", "no-answer", "failed", "canceled"])
def test_an_unanswered_dial_is_missed_and_texted_once(flow, outbox, run_on_commit, dial_status):
    flow.incoming()
    run_on_commit(flow.dial_complete, dial_status)
    run_on_commit(flow.status, "completed")
    call = the_call(flow)
    assert (call.outcome, call.outcome_reason) == ("missed", dial_status)
    assert len(texts_to(outbox)) == 1
    message = Message.objects.get(call=call)
    assert (message.kind, message.status) == ("textback", "queued")


def test_caller_hanging_up_while_it_rang_is_missed(flow, outbox, run_on_commit):
    flow.incoming()
    run_on_commit(flow.status, "completed")  # no dial result, no keypress
    call = the_call(flow)
    assert (call.outcome, call.outcome_reason) == ("missed", "caller-hung-up-while-ringing")
    assert len(texts_to(outbox)) == 1


def test_without_screening_a_hang_up_waits_for_the_dial_result_then_is_missed(
    tenant, flow, outbox, run_on_commit
):
    tenant.business.screening_enabled = False
    tenant.business.save()
    flow.incoming()
    run_on_commit(flow.status, "completed")
    assert the_call(flow).outcome == "pending"  # the <Dial> result may still say "answered"
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    Call.objects.filter(call_sid=flow.sid).update(started_at=a_minute_ago, ended_at=a_minute_ago)
    run_on_commit(settle_call.delay, the_call(flow).pk)
    assert the_call(flow).outcome == "missed"
    assert len(texts_to(outbox)) == 1


def test_without_screening_a_bridged_call_is_answered(tenant, flow, outbox, run_on_commit):
    tenant.business.screening_enabled = False
    tenant.business.save()
    root = xml(flow.incoming())
    assert root.find("Dial/Number").get("url") is None
    run_on_commit(flow.dial_complete, "completed", "40")
    assert the_call(flow).outcome == "answered"
    assert outbox == []


def test_missed_only_mode_greets_by_name_takes_a_voicemail_and_texts(
    tenant, flow, outbox, run_on_commit, twilio
):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(mode="missed-only")
    response = run_on_commit(flow.incoming)
    root = xml(response)
    assert "This is Acme Plumbing" in root.find("Say").text
    assert root.find("Record") is not None
    assert root.find("Hangup") is not None
    call = the_call(flow)
    assert (call.outcome, call.mode) == ("missed", "missed-only")
    assert len(texts_to(outbox)) == 1
    record = root.find("Record")
    assert record.get("action").startswith("http://testserver/webhooks/twilio/voice/recorded/#")
    recording_sid = "RE" + "1" * 32
    recording_url = (
        f"https://api.twilio.com/2010-04-01/Accounts/AC{'a' * 32}/Recordings/{recording_sid}"
    )
    response = twilio.post(
        "/webhooks/twilio/voice/recorded/",
        {
            "CallSid": flow.sid,
            "From": flow.caller,
            "To": flow.to,
            "RecordingSid": recording_sid,
            "RecordingUrl": recording_url,
            "RecordingDuration": "12",
        },
    )
    assert xml(response).find("Record") is None
    call = the_call(flow)
    assert (call.recording_sid, call.recording_url) == (recording_sid, recording_url)
    assert call.voicemail_seconds == 12


def test_an_unknown_number_gets_a_polite_goodbye_and_nothing_is_stored(twilio):
    flow = CallFlow(twilio=twilio, to="+13105550100")
    response = flow.incoming()
    assert response.status_code == 200
    root = xml(response)
    assert root.find("Say") is not None and root.find("Hangup") is not None
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    ("caller", "reason"),
    [
        ("anonymous", "anonymous"),
        ("Restricted", "anonymous"),
        ("+266696687", "anonymous"),
        ("", "anonymous"),
        ("not-a-number", "invalid_number"),
        ("+1555", "invalid_number"),
        ("72345", "short_code"),
        ("+442079460958", "other_country"),
    ],
)
def test_missed_calls_that_must_not_be_texted_are_skipped_with_the_reason(
    flow, outbox, run_on_commit, caller, reason
):
    flow.caller = caller
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    call = the_call(flow)
    assert (call.outcome, call.skip_reason) == ("skipped", reason)
    assert outbox == []
    assert not Message.objects.exists()


def test_callers_from_abroad_are_texted_when_the_business_allows_it(
    tenant, flow, outbox, run_on_commit
):
    tenant.business.same_country_only = False
    tenant.business.save()
    flow.caller = "+442079460958"
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    assert the_call(flow).outcome == "missed"
    assert len(texts_to(outbox, "+442079460958")) == 1


def test_the_business_own_forward_member_and_blocked_numbers_are_skipped(
    tenant, twilio, outbox, run_on_commit
):
    Membership.objects.filter(user=tenant.staff).update(mobile_number="+12025550143")
    BlockedNumber.objects.create(business=tenant.business, phone_number="+13125550000")
    cases = {
        str(tenant.number.phone_number): "own_number",
        str(tenant.number.forward_to): "own_number",
        "+12025550143": "member",
        "+13125550000": "blocked",
    }
    for caller, reason in cases.items():
        flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)
        flow.incoming()
        run_on_commit(flow.dial_complete, "busy")
        assert the_call(flow).skip_reason == reason, caller
    assert outbox == []


def test_a_repeat_missed_call_in_the_cooldown_is_counted_and_alerts_instead_of_texting(
    tenant, twilio, outbox, run_on_commit, mailoutbox
):
    first = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    first.incoming()
    run_on_commit(first.dial_complete, "no-answer")
    second = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    second.incoming()
    run_on_commit(second.dial_complete, "no-answer")
    assert the_call(second).is_repeat is True
    assert the_call(second).outcome == "missed"
    assert len(texts_to(outbox)) == 1
    alert = Alert.objects.get(kind="called_again")
    assert alert.call == the_call(second)
    assert alert.conversation.repeat_calls == 1
    assert any("called again" in m.subject for m in mailoutbox)


def test_after_the_cooldown_a_new_missed_call_is_texted_again(
    tenant, twilio, outbox, run_on_commit
):
    from messaging.models import Conversation

    first = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    first.incoming()
    run_on_commit(first.dial_complete, "no-answer")
    yesterday = timezone.now() - timedelta(hours=25)
    Call.objects.filter(call_sid=first.sid).update(started_at=yesterday)
    Message.objects.filter(kind="textback").update(created_at=yesterday)
    Conversation.objects.update(last_textback_at=yesterday)
    second = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    second.incoming()
    run_on_commit(second.dial_complete, "no-answer")
    assert len(texts_to(outbox)) == 2
    assert the_call(second).is_repeat is False


@pytest.mark.parametrize(
    ("first", "second", "outcome"),
    [
        (("dial", "no-answer"), ("status", "completed"), "missed"),
        (("status", "completed"), ("dial", "no-answer"), "missed"),
        (("status", "no-answer"), ("dial", "no-answer"), "missed"),
        (("status", "busy"), ("dial", "busy"), "missed"),
    ],
)
def test_callbacks_in_either_order_give_the_same_outcome(
    flow, outbox, run_on_commit, first, second, outcome
):
    flow.incoming()
    for kind, value in (first, second, first, second):
        run_on_commit(flow.dial_complete if kind == "dial" else flow.status, value)
    assert the_call(flow).outcome == outcome
    assert len(texts_to(outbox)) == 1


def test_an_accepted_call_is_answered_whichever_callback_comes_first(flow, outbox, run_on_commit):
    flow.incoming()
    flow.screen(digits="5")
    run_on_commit(flow.status, "completed")
    run_on_commit(flow.dial_complete, "completed", "60")
    assert the_call(flow).outcome == "answered"
    assert outbox == []


def test_a_retried_incoming_webhook_never_makes_a_second_call(flow):
    for _ in range(3):
        assert flow.incoming().status_code == 200
    assert Call.objects.filter(call_sid=flow.sid).count() == 1
