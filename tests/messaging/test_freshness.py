"""A text-back is sent soon after the call or not at all: a late one goes to the callback
queue instead, and nothing whose outcome is unknown is ever expired into a second send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from callback_form.models import CallbackRequest
from calls.models import Call
from calls.services import sweep_undecided_and_unhanded
from messaging import gateway, services
from messaging.models import Alert, Message
from tests.api.conftest import api_client, business_url
from tests.calls.helpers import CallFlow

pytestmark = pytest.mark.django_db

QUEUE = "/app/callbacks/"


@pytest.fixture
def unsent_missed_call(tenant, twilio, django_capture_on_commit_callbacks):
    """A missed call through the signed webhooks whose text-back was created but not sent
    (the task never ran: broker down, or a worker backlog)."""

    def make(caller: str = "+12125550123") -> Call:
        flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)
        with django_capture_on_commit_callbacks(execute=False):
            flow.incoming()
            flow.dial_complete("no-answer")
        # The hand-off creates the text-back; the send it enqueues on commit never runs.
        call = Call.objects.get(call_sid=flow.sid, outcome=Call.Outcome.MISSED)
        with django_capture_on_commit_callbacks(execute=False):
            services.handle_missed_call(business=tenant.business, call_id=call.pk)
        return call

    return make


def age(call: Call, minutes: int) -> None:
    Call.objects.filter(pk=call.pk).update(started_at=timezone.now() - timedelta(minutes=minutes))


def test_it_sends_a_textback_inside_the_window(tenant, unsent_missed_call, outbox):
    call = unsent_missed_call()
    age(call, 14)
    message = Message.objects.get(call=call)
    assert services.deliver(message_id=message.pk) == Message.Status.QUEUED
    assert len(outbox) == 1


def test_a_late_textback_is_expired_and_the_caller_queued_for_a_callback(
    tenant, unsent_missed_call, outbox, owner_client, mailoutbox, django_capture_on_commit_callbacks
):
    call = unsent_missed_call()
    age(call, 16)
    message = Message.objects.get(call=call)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver(message_id=message.pk) == Message.Status.EXPIRED
    assert outbox == []
    message.refresh_from_db()
    assert message.status == Message.Status.EXPIRED
    entry = CallbackRequest.objects.get(business=tenant.business, call=call)
    assert entry.source == CallbackRequest.Source.TEXTBACK_EXPIRED
    assert str(entry.phone_number) == call.from_number
    assert entry.status == CallbackRequest.Status.NEW
    # The team hears about it and the queue says why the caller is there.
    assert Alert.objects.filter(callback_request_id=entry.pk).count() == 1
    assert any("Call back" in m.subject for m in mailoutbox)
    page = owner_client.get(QUEUE).content.decode()
    assert "Text-back expired" in page
    assert "could not be sent in time" in page
    # The conversation waits for a person.
    assert message.conversation.__class__.objects.get(pk=message.conversation_id).needs_reply
    # Delivering again (a redelivered task) sends nothing and queues nothing twice.
    assert services.deliver(message_id=message.pk) == "not-claimed"
    assert CallbackRequest.objects.filter(call=call).count() == 1
    assert outbox == []


def test_the_window_is_the_business_s_own_setting(tenant, unsent_missed_call, outbox):
    tenant.business.textback_fresh_minutes = 60
    tenant.business.save(update_fields=["textback_fresh_minutes"])
    call = unsent_missed_call()
    age(call, 45)
    message = Message.objects.get(call=call)
    assert services.deliver(message_id=message.pk) == Message.Status.QUEUED
    assert len(outbox) == 1


def test_a_retry_that_falls_after_the_window_is_expired_by_the_sweep(
    tenant, unsent_missed_call, outbox
):
    call = unsent_missed_call()
    message = Message.objects.get(call=call)
    gateway.memory_backend.fail_with.append(gateway.SendError("busy", code="20429", retryable=True))
    assert services.deliver(message_id=message.pk) == Message.Status.PENDING
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    age(call, 20)
    services.sweep_due_messages()
    message.refresh_from_db()
    assert message.status == Message.Status.EXPIRED
    assert CallbackRequest.objects.filter(call=call).count() == 1
    assert outbox == []


def test_an_outage_backlog_handed_off_hours_later_texts_nobody(
    tenant, twilio, django_capture_on_commit_callbacks, outbox
):
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller="+12125550124")
    with django_capture_on_commit_callbacks(execute=False):
        flow.incoming()
        flow.dial_complete("no-answer")  # decided missed; the hand-off never ran
    call = Call.objects.get(call_sid=flow.sid)
    assert call.outcome == Call.Outcome.MISSED and call.handed_off_at is None
    Call.objects.filter(pk=call.pk).update(
        started_at=timezone.now() - timedelta(hours=3),
        decided_at=timezone.now() - timedelta(hours=3),
    )
    with django_capture_on_commit_callbacks(execute=True):
        sweep_undecided_and_unhanded()
        sweep_undecided_and_unhanded()
    assert outbox == []
    textback = Message.objects.get(call=call, kind=Message.Kind.TEXTBACK)
    assert textback.status == Message.Status.EXPIRED
    assert CallbackRequest.objects.filter(call=call).count() == 1


def test_an_unknown_outcome_is_never_expired_into_a_second_send(
    tenant, unsent_missed_call, outbox
):
    call = unsent_missed_call()
    message = Message.objects.get(call=call)
    gateway.memory_backend.fail_with.append(gateway.OutcomeUnknown("timed out after sending"))
    assert services.deliver(message_id=message.pk) == Message.Status.UNKNOWN
    age(call, 120)
    services.sweep_due_messages()
    assert services.deliver(message_id=message.pk) == "not-claimed"
    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    assert outbox == []
    assert not CallbackRequest.objects.filter(call=call).exists()


def test_an_expired_textback_starts_no_cooldown(tenant, unsent_missed_call, outbox):
    first = unsent_missed_call()
    age(first, 30)
    services.deliver(message_id=Message.objects.get(call=first).pk)
    second = unsent_missed_call()
    assert services.deliver(message_id=Message.objects.get(call=second).pk) == "queued"
    assert [sent.to for sent in outbox] == [second.from_number]


def test_the_api_lists_the_queued_caller_with_its_source(tenant, unsent_missed_call):
    call = unsent_missed_call()
    age(call, 16)
    services.deliver(message_id=Message.objects.get(call=call).pk)
    response = api_client(tenant.owner).get(business_url(tenant.business, "callback-requests/"))
    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert [(r["source"], r["phone_number"]) for r in rows] == [
        ("textback_expired", call.from_number)
    ]
