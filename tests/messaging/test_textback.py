from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from calls.models import Call
from consent.models import ConsentEvent
from consent.services import record_event
from messaging import gateway, services, texts
from messaging.encoding import clean_body, segment_info
from messaging.models import Message
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


def test_the_textback_is_exactly_the_registered_wording(tenant):
    assert texts.textback(tenant.business) == (
        "Sorry we missed your call — this is Acme Plumbing. What can we help with today? "
        "Reply STOP to opt out."
    )


def test_only_the_question_is_the_business_s(tenant):
    tenant.business.qualifying_question = "Is it a leak or a clog?"
    assert texts.textback(tenant.business) == (
        "Sorry we missed your call — this is Acme Plumbing. Is it a leak or a clog? "
        "Reply STOP to opt out."
    )


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ("", "Write one question"),
        ("x" * 120 + "?", "120 characters"),
        ("Tell us what you need.", "question mark"),
        ("Leak? Or clog?", "one question"),
        ("Book at https://acme.example?", "Links"),
        ("Visit acme.com?", "Links"),
        ("What\nnow?", "one line"),
    ],
)
def test_a_bad_question_is_refused_with_a_clear_reason(question, problem):
    assert any(problem in p for p in texts.question_problems(question))


def test_a_good_question_has_no_problems():
    assert texts.question_problems("What can we help with today?") == []


def test_the_dash_makes_it_ucs2_and_the_plain_variant_fits_one_gsm_segment(tenant):
    fancy = segment_info(texts.textback(tenant.business, plain=False))
    plain = segment_info(texts.textback(tenant.business, plain=True))
    assert (fancy.encoding, fancy.segments) == ("UCS-2", 2)
    assert (plain.encoding, plain.segments) == ("GSM-7", 1)


def test_segment_counts_follow_the_carrier_limits():
    assert segment_info("a" * 160).segments == 1
    assert segment_info("a" * 161).segments == 2
    assert segment_info("a" * 306).segments == 2
    assert segment_info("€" * 80).units == 160  # extension characters count twice
    assert segment_info("é" * 160).encoding == "GSM-7"
    assert segment_info("😀" * 35).units == 70
    assert segment_info("😀" * 36).segments == 2


def test_invisible_characters_that_force_ucs2_are_replaced():
    body = clean_body("Call\u00a0us\u200b today")
    assert body == "Call us today"
    assert segment_info(body).encoding == "GSM-7"


def test_a_missed_call_queues_one_textback_from_the_called_number(missed_call, outbox, tenant):
    call = missed_call()
    message = Message.objects.get(call=call)
    assert message.kind == "textback"
    assert message.from_number == str(tenant.number.phone_number)
    assert message.to_number == CALLER
    assert message.status == "queued"
    assert message.twilio_sid.startswith("SM")
    assert message.encoding == "UCS-2" and message.segments == 2
    assert [m.status_callback for m in outbox] == ["http://testserver/webhooks/twilio/sms/status/"]
    assert ConsentEvent.objects.filter(kind="inbound_call", source_ref=call.call_sid).count() == 1


def test_the_database_refuses_a_second_textback_for_the_same_call(missed_call):
    call = missed_call()
    first = Message.objects.get(call=call)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            business=first.business,
            conversation=first.conversation,
            direction="out",
            kind="textback",
            body="again",
            from_number=first.from_number,
            to_number=first.to_number,
            status="pending",
            call=call,
            created_at=timezone.now(),
        )


def test_handing_off_the_same_call_twice_sends_once(missed_call, tenant, outbox):
    call = missed_call()
    assert services.handle_missed_call(business=tenant.business, call_id=call.pk) is None
    assert len(outbox) == 1


def test_stop_after_queueing_and_before_sending_stops_the_send(missed_call, tenant, outbox):
    call = missed_call(send=False)
    message = Message.objects.get(call=call)
    assert message.status == "pending"
    record_event(
        business=tenant.business,
        phone_number=CALLER,
        kind="opt_out",
        channel="sms",
        source_ref="SMstop",
        words="STOP",
    )
    assert services.deliver(message_id=message.pk) == "canceled"
    message.refresh_from_db()
    assert message.status == "canceled"
    assert "opted out" in message.error_message
    assert outbox == []


def test_an_opted_out_number_is_never_texted_back(missed_call, tenant, outbox):
    record_event(
        business=tenant.business,
        phone_number=CALLER,
        kind="opt_out",
        channel="sms",
        source_ref="SMstop",
        words="STOP",
    )
    missed_call()
    assert outbox == []
    assert Message.objects.get(kind="textback").status == "canceled"


def test_a_claimed_message_is_not_sent_by_a_second_task(missed_call):
    call = missed_call(send=False)
    message = Message.objects.get(call=call)
    assert services._claim(message.pk) == 1  # claimed: its first attempt
    assert services.deliver(message_id=message.pk) == "not-claimed"


def test_retryable_twilio_errors_retry_with_backoff_then_fail(missed_call, monkeypatch):
    scheduled = []
    monkeypatch.setattr(services, "_schedule_retry", lambda mid, delay: scheduled.append(delay))
    call = missed_call(send=False)
    message = Message.objects.get(call=call)
    backend = gateway.memory_backend
    for _ in range(services.MAX_ATTEMPTS):
        backend.fail_with.append(
            gateway.SendError("Service unavailable", code="503", retryable=True)
        )
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        Message.objects.filter(pk=message.pk).update(next_attempt_at=None)
        services.deliver(message_id=message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt
    assert message.status == "failed"
    assert message.error_code == "503"
    assert len(scheduled) == services.MAX_ATTEMPTS - 1
    assert scheduled[0] < scheduled[-1]  # exponential


def test_a_retry_is_not_claimed_before_it_is_due(missed_call, monkeypatch):
    monkeypatch.setattr(services, "_schedule_retry", lambda mid, delay: None)
    call = missed_call(send=False)
    message = Message.objects.get(call=call)
    gateway.memory_backend.fail_with.append(gateway.SendError("busy", code="20429", retryable=True))
    services.deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == "pending" and message.next_attempt_at > timezone.now()
    assert services.deliver(message_id=message.pk) == "not-claimed"


def test_21610_records_a_carrier_opt_out_and_is_never_retried(missed_call, tenant):
    call = missed_call(send=False)
    message = Message.objects.get(call=call)
    gateway.memory_backend.fail_with.append(
        gateway.SendError("Attempt to send to unsubscribed recipient", code="21610")
    )
    assert services.deliver(message_id=message.pk) == "failed"
    event = ConsentEvent.objects.get(kind="carrier_opt_out")
    assert event.phone_number == CALLER
    from consent.selectors import is_opted_out

    assert is_opted_out(business=tenant.business, phone_number=CALLER)


# What Twilio answers a send with when no retry can help: an invalid or landline number, a
# country the account may not text. (30006 and the other 300xx codes never answer a send:
# they arrive later in a status callback, see test_status_callbacks.py.)
@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("21211", "The 'To' number is not a valid phone number."),
        ("21614", "'To' number is not a valid mobile number"),
        ("21408", "Permission to send an SMS has not been enabled for the region"),
    ],
)
def test_permanent_errors_fail_once_and_are_never_retried(missed_call, outbox, code, words):
    call = missed_call(send=False)
    message = Message.objects.get(call=call)
    gateway.memory_backend.fail_with.append(gateway.SendError(words, code=code))

    assert services.deliver(message_id=message.pk) == "failed"
    services.sweep_due_messages()
    assert services.deliver(message_id=message.pk) == "not-claimed"

    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 1, None)
    # The team sees Twilio's reason; the caller was not texted; nothing was recorded as
    # an opt-out, so a later number fix or call can still be texted.
    assert (message.error_code, message.error_message) == (code, words)
    assert outbox == []
    assert not ConsentEvent.objects.filter(kind="carrier_opt_out").exists()


def test_an_unknown_outcome_is_marked_and_never_resent(missed_call, outbox):
    call = missed_call(send=False)
    message = Message.objects.get(call=call)
    gateway.memory_backend.fail_with.append(gateway.OutcomeUnknown("read timed out"))
    assert services.deliver(message_id=message.pk) == "unknown"
    assert services.deliver(message_id=message.pk) == "not-claimed"
    services.sweep_due_messages()
    message.refresh_from_db()
    assert message.status == "unknown"
    assert outbox == []


def test_a_message_abandoned_mid_send_becomes_unknown_not_resent(missed_call, outbox):
    call = missed_call(send=False)
    message = Message.objects.get(call=call)
    services._claim(message.pk)  # the worker dies right after claiming
    Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - timedelta(minutes=5))
    services.sweep_due_messages()
    message.refresh_from_db()
    assert message.status == "unknown"
    assert outbox == []


def redis_down(*args, **kwargs):
    raise ConnectionError("redis down")


def test_the_sweep_sends_what_the_broker_never_got(missed_call, outbox, monkeypatch):
    from messaging import tasks

    monkeypatch.setattr(tasks.text_back, "apply_async", redis_down)
    monkeypatch.setattr(tasks.send_message, "apply_async", redis_down)
    call = missed_call()
    # Handed off in the webhook itself: the caller's text-back waits in the database.
    message = Message.objects.get(call=call)
    assert (message.status, message.enqueued_at, outbox) == ("pending", None, [])
    monkeypatch.undo()
    Message.objects.filter(call=call).update(created_at=timezone.now() - timedelta(minutes=1))
    assert services.sweep_due_messages() == 1
    assert len(outbox) == 1
    assert services.sweep_due_messages() == 0
    assert len(outbox) == 1


def test_a_call_the_broker_never_got_is_handed_off_once_by_the_calls_sweep(
    missed_call, outbox, monkeypatch, django_capture_on_commit_callbacks
):
    from calls.services import sweep_undecided_and_unhanded
    from messaging import tasks

    # The web process died between deciding the call and publishing its text-back.
    monkeypatch.setattr(tasks.text_back, "apply_async", lambda *a, **kw: None)
    call = missed_call()
    assert not Message.objects.filter(call=call).exists()
    assert sweep_undecided_and_unhanded() == 0  # not yet: the task may still come
    Call.objects.filter(pk=call.pk).update(decided_at=timezone.now() - timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_undecided_and_unhanded() == 1
    assert len(outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_undecided_and_unhanded() == 0
    assert services.text_back(call_id=call.pk) == ""  # the late task finds nothing to do
    assert len(outbox) == 1


def test_a_redelivered_text_back_task_sends_once(missed_call, outbox, monkeypatch):
    from messaging import tasks

    published = []
    monkeypatch.setattr(tasks.text_back, "apply_async", lambda args, **kw: published.append(args))
    call = missed_call()
    assert published == [(call.pk,)]
    # The worker handed the call off, then died before sending: the task comes back.
    services.hand_off(call_id=call.pk)
    assert outbox == []
    assert services.text_back(call_id=call.pk) == "queued"
    assert services.text_back(call_id=call.pk) == ""
    assert len(outbox) == 1


def test_the_sweep_republishes_a_message_stuck_unclaimed_for_minutes(missed_call, outbox):
    call = missed_call(send=False)  # the web process died between commit and publish
    assert services.sweep_due_messages() == 0  # not yet: a queued task may still come
    Message.objects.filter(call=call).update(enqueued_at=timezone.now() - timedelta(minutes=6))
    assert services.sweep_due_messages() == 1
    assert len(outbox) == 1


def test_enqueue_survives_a_dead_broker(missed_call, monkeypatch):
    from messaging import tasks

    monkeypatch.setattr(tasks.text_back, "apply_async", redis_down)
    monkeypatch.setattr(tasks.send_message, "apply_async", redis_down)
    call = missed_call()
    message = Message.objects.get(call=call)
    assert (message.status, message.enqueued_at) == ("pending", None)
