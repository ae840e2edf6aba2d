"""The sweeps celery beat runs every minute, each proving it recovers what it exists for:
a call whose <Dial> result never came, a missed call whose hand-off never ran, a team alert
whose email never went out (or whose sender died holding it), and a message whose sender
died mid-send. Each runs through its registered Celery task, the name beat schedules.

Work "lost" here is work whose on-commit step never ran: the webhooks below answer without
executing their on-commit callbacks, exactly as a process that died right after committing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone

from calls import tasks as call_tasks
from calls.models import Call
from calls.services import DIAL_RESULT_GRACE
from messaging import handoff
from messaging import tasks as messaging_tasks
from messaging.models import Alert, Message
from tests.calls.helpers import CallFlow
from tests.conftest import CALLER, new_message_sid
from tests.waiting import free_port

pytestmark = pytest.mark.django_db

TEXTBACK_START = "Sorry we missed your call"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """What the worker does with the tasks a sweep publishes (they run eagerly here)."""

    def run(task):
        with django_capture_on_commit_callbacks(execute=True):
            return task.delay().get()

    return run


def call_flow(tenant, twilio, caller: str = CALLER) -> CallFlow:
    return CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)


def textbacks_to(outbox, caller: str = CALLER) -> list[str]:
    return [
        sent.body for sent in outbox if sent.to == caller and sent.body.startswith(TEXTBACK_START)
    ]


# --- calls: sweep_undecided_and_unhanded ------------------------------------------------------
def test_it_texts_a_caller_whose_dial_result_never_came(tenant, twilio, outbox, run_on_commit):
    # Without screening, a call that ended with no <Dial> result is told apart only by time.
    tenant.business.screening_enabled = False
    tenant.business.save(update_fields=["screening_enabled"])
    flow = call_flow(tenant, twilio)
    assert flow.incoming().status_code == 200
    # The call ends; the <Dial> action never arrives and the settle task was lost with the
    # process that would have published it.
    assert flow.status("completed").status_code == 204
    call = Call.objects.get(call_sid=flow.sid)
    assert call.outcome == Call.Outcome.PENDING

    run_on_commit(call_tasks.sweep_calls)
    assert Call.objects.get(pk=call.pk).outcome == Call.Outcome.PENDING  # still in its grace
    assert outbox == []

    Call.objects.filter(pk=call.pk).update(
        ended_at=F("ended_at") - DIAL_RESULT_GRACE, started_at=F("started_at") - DIAL_RESULT_GRACE
    )
    run_on_commit(call_tasks.sweep_calls)
    call.refresh_from_db()
    assert (call.outcome, call.outcome_reason) == (
        Call.Outcome.MISSED,
        "caller-hung-up-while-ringing",
    )
    assert len(textbacks_to(outbox)) == 1


def test_it_hands_off_a_missed_call_whose_hand_off_never_ran_once(
    tenant, twilio, outbox, run_on_commit
):
    flow = call_flow(tenant, twilio)
    flow.incoming()
    assert flow.dial_complete("no-answer").status_code == 200
    call = Call.objects.get(call_sid=flow.sid)
    assert (call.outcome, call.handed_off_at) == (Call.Outcome.MISSED, None)
    assert outbox == []

    run_on_commit(call_tasks.sweep_calls)
    assert outbox == []  # decided seconds ago: its own hand-off may still be running

    Call.objects.filter(pk=call.pk).update(decided_at=F("decided_at") - timedelta(seconds=11))
    run_on_commit(call_tasks.sweep_calls)
    run_on_commit(call_tasks.sweep_calls)

    assert len(textbacks_to(outbox)) == 1
    assert Call.objects.get(pk=call.pk).handed_off_at is not None
    assert Message.objects.filter(call=call, kind=Message.Kind.TEXTBACK).count() == 1


def test_it_leaves_answered_and_already_handed_off_calls_alone(
    tenant, twilio, outbox, run_on_commit, django_capture_on_commit_callbacks
):
    answered = call_flow(tenant, twilio, caller="+12125550123")
    answered.incoming()
    answered.screen(digits="1")
    answered.dial_complete("completed", duration="42")
    handed = call_flow(tenant, twilio)
    with django_capture_on_commit_callbacks(execute=True):
        handed.incoming()
        handed.dial_complete("no-answer")
    assert len(textbacks_to(outbox)) == 1
    Call.objects.update(
        decided_at=F("decided_at") - timedelta(hours=1),
        started_at=F("started_at") - timedelta(hours=1),
    )

    run_on_commit(call_tasks.sweep_calls)

    assert len(textbacks_to(outbox)) == 1
    assert textbacks_to(outbox, "+12125550123") == []
    assert Call.objects.get(call_sid=answered.sid).outcome == Call.Outcome.ANSWERED


# --- alerts: sweep_due_handoffs ----------------------------------------------------------------
def customer_reply(tenant, twilio, body: str = "It's the kitchen sink, can you come today?"):
    """A text from the customer that raises a "customer replied" alert; its on-commit email
    task is lost (the process died after committing)."""
    response = twilio.post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": CALLER,
            "To": str(tenant.number.phone_number),
            "Body": body,
            "NumMedia": "0",
        },
    )
    assert response.status_code == 200
    alert = Alert.objects.get(business=tenant.business, kind=Alert.Kind.REPLY)
    assert alert.notified_at is None
    return alert


def age(alert: Alert, **delta: float) -> None:
    Alert.objects.filter(pk=alert.pk).update(created_at=F("created_at") - timedelta(**delta))


def test_it_emails_the_team_about_a_reply_whose_alert_task_was_lost(tenant, twilio, run_on_commit):
    alert = customer_reply(tenant, twilio)
    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 0  # its own task may yet run
    age(alert, seconds=31)

    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 1
    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 0

    [email] = mail.outbox
    assert "kitchen sink" in email.body
    assert set(email.to) == {tenant.owner.email, tenant.staff.email}
    assert Alert.objects.get(pk=alert.pk).notified_at is not None


def test_it_takes_over_an_alert_whose_sender_died_and_not_one_still_being_sent(
    tenant, twilio, run_on_commit
):
    alert = customer_reply(tenant, twilio)
    age(alert, minutes=30)
    # A worker claimed it a moment ago and is sending it now: not taken from it.
    Alert.objects.filter(pk=alert.pk).update(notify_claimed_at=timezone.now())
    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 0
    assert mail.outbox == []

    # That worker died holding the claim.
    Alert.objects.filter(pk=alert.pk).update(
        notify_claimed_at=timezone.now() - handoff.CLAIM_STALE - timedelta(seconds=1)
    )
    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 1
    assert len(mail.outbox) == 1


def test_it_retries_an_alert_while_email_is_down_then_sends_it_once(
    tenant, twilio, run_on_commit, settings
):
    alert = customer_reply(tenant, twilio)
    age(alert, seconds=31)
    # Nothing listens on this port: the mail server is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2

    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 0
    alert.refresh_from_db()
    assert (alert.notified_at, alert.notify_attempts, alert.notify_claimed_at) == (None, 1, None)
    assert "refused" in alert.notify_error.lower()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 1
    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 0
    assert len(mail.outbox) == 1
    alert.refresh_from_db()
    assert (alert.notify_attempts, alert.notify_error) == (2, "")


def test_it_gives_up_on_an_alert_after_the_last_attempt_and_keeps_the_error(
    tenant, twilio, run_on_commit
):
    alert = customer_reply(tenant, twilio)
    age(alert, seconds=31)
    Alert.objects.filter(pk=alert.pk).update(
        notify_attempts=handoff.MAX_NOTIFY_ATTEMPTS, notify_error="SMTPServerDisconnected: gone"
    )
    assert run_on_commit(messaging_tasks.sweep_due_handoffs) == 0
    assert mail.outbox == []
    assert Alert.objects.get(pk=alert.pk).notify_error == "SMTPServerDisconnected: gone"


# --- messages: the stale-claim sweep in sweep_due_messages -------------------------------------
def missed_call_with_unsent_textback(tenant, twilio) -> Message:
    flow = call_flow(tenant, twilio)
    flow.incoming()
    flow.dial_complete("no-answer")
    call = Call.objects.get(call_sid=flow.sid)
    from messaging.services import handle_missed_call

    return handle_missed_call(business=tenant.business, call_id=call.pk)


def test_it_marks_a_message_whose_sender_died_mid_send_unknown_and_never_resends_it(
    tenant, twilio, outbox, run_on_commit
):
    message = missed_call_with_unsent_textback(tenant, twilio)
    # A worker claimed it and was killed before Twilio answered.
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENDING, claimed_at=timezone.now(), attempts=1
    )
    run_on_commit(messaging_tasks.sweep_due_messages)
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENDING  # may be alive

    Message.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - timedelta(seconds=121))
    run_on_commit(messaging_tasks.sweep_due_messages)
    run_on_commit(messaging_tasks.sweep_due_messages)

    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    assert message.twilio_sid is None
    assert outbox == []


def test_it_sends_a_textback_whose_task_was_lost_once(tenant, twilio, outbox, run_on_commit):
    message = missed_call_with_unsent_textback(tenant, twilio)
    # Marked enqueued, but the publish never happened (its on-commit step died with the
    # process): after five minutes nobody is going to pick it up.
    run_on_commit(messaging_tasks.sweep_due_messages)
    assert outbox == []
    Message.objects.filter(pk=message.pk).update(
        enqueued_at=F("enqueued_at") - timedelta(minutes=5, seconds=1)
    )

    run_on_commit(messaging_tasks.sweep_due_messages)
    run_on_commit(messaging_tasks.sweep_due_messages)

    assert len(textbacks_to(outbox)) == 1
    assert Message.objects.get(pk=message.pk).status == Message.Status.QUEUED
