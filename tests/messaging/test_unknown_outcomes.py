"""Only a send that may have reached Twilio is "unknown", and every unknown is settled
from Twilio's own records: adopted when Twilio has it, sent once when it does not, queued
for a callback when a text-back is too late, and shown to the owner when it stays open."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils import timezone

from callback_form.models import CallbackRequest
from calls.models import Call
from messaging import gateway, reconcile, services
from messaging.models import Message
from tests.calls.helpers import CallFlow

pytestmark = pytest.mark.django_db

CALLER = "+12125550155"


@pytest.fixture
def queued_textback(tenant, twilio, django_capture_on_commit_callbacks):
    """A missed call whose text-back is created and waiting for the worker."""

    def make() -> Message:
        flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=CALLER)
        with django_capture_on_commit_callbacks(execute=False):
            flow.incoming()
            flow.dial_complete("no-answer")
        call = Call.objects.get(call_sid=flow.sid)
        with django_capture_on_commit_callbacks(execute=False):
            services.handle_missed_call(business=tenant.business, call_id=call.pk)
        return Message.objects.get(call=call)

    return make


def settle(message: Message) -> None:
    """Let the settle time pass (a request still in flight has landed by then)."""
    Message.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - reconcile.SETTLE - timedelta(seconds=1)
    )


@pytest.mark.parametrize(
    "failure",
    [OperationalError("server closed the connection"), SoftTimeLimitExceeded()],
    ids=["database-error", "soft-time-limit"],
)
def test_a_failure_before_twilio_is_called_is_retried_not_unknown(
    queued_textback, outbox, failure
):
    message = queued_textback()
    with mock.patch.object(services, "permission_for", side_effect=failure):
        assert services.deliver(message_id=message.pk) == Message.Status.PENDING
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert message.next_attempt_at is not None
    assert outbox == []
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.deliver(message_id=message.pk) == Message.Status.QUEUED
    assert len(outbox) == 1


def test_an_unknown_that_twilio_has_is_adopted_and_never_resent(
    queued_textback, outbox, django_capture_on_commit_callbacks
):
    message = queued_textback()
    gateway.memory_backend.lose_answers = 1
    assert services.deliver(message_id=message.pk) == Message.Status.UNKNOWN
    assert reconcile.resolve_unknown_messages() == 0  # still inside the settle time
    settle(message)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.resolve_unknown_messages() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert message.twilio_sid == outbox[0].sid
    assert len(outbox) == 1
    assert reconcile.resolve_unknown_messages() == 0


def test_an_unknown_that_twilio_never_got_is_sent_once(
    queued_textback, outbox, django_capture_on_commit_callbacks
):
    message = queued_textback()
    gateway.memory_backend.fail_with.append(gateway.OutcomeUnknown("read timed out"))
    assert services.deliver(message_id=message.pk) == Message.Status.UNKNOWN
    settle(message)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.resolve_unknown_messages() == 1
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert [sent.to for sent in outbox] == [CALLER]
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile.resolve_unknown_messages() == 0
        services.sweep_due_messages()
    assert len(outbox) == 1


def test_a_stale_textback_twilio_never_got_goes_to_the_callback_queue(
    queued_textback, outbox, django_capture_on_commit_callbacks
):
    message = queued_textback()
    gateway.memory_backend.fail_with.append(gateway.OutcomeUnknown("read timed out"))
    services.deliver(message_id=message.pk)
    Call.objects.filter(pk=message.call_id).update(
        started_at=timezone.now() - timedelta(minutes=30)
    )
    settle(message)
    with django_capture_on_commit_callbacks(execute=True):
        reconcile.resolve_unknown_messages()
    message.refresh_from_db()
    assert message.status == Message.Status.EXPIRED
    assert outbox == []
    assert CallbackRequest.objects.filter(call_id=message.call_id).count() == 1


def test_a_stale_textback_twilio_has_is_adopted_not_expired(queued_textback, outbox):
    message = queued_textback()
    gateway.memory_backend.lose_answers = 1
    services.deliver(message_id=message.pk)
    Call.objects.filter(pk=message.call_id).update(
        started_at=timezone.now() - timedelta(minutes=30)
    )
    settle(message)
    reconcile.resolve_unknown_messages()
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert not CallbackRequest.objects.filter(call_id=message.call_id).exists()


def test_unreadable_records_leave_it_unknown_and_the_owner_sees_it(
    queued_textback, outbox, owner_client, outsider_client
):
    message = queued_textback()
    gateway.memory_backend.lose_answers = 1
    services.deliver(message_id=message.pk)
    gateway.memory_backend.lookup_fails = True
    settle(message)
    for _ in range(reconcile.MAX_LOOKUPS + 2):
        reconcile.resolve_unknown_messages()
    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    assert message.outcome_checks == reconcile.MAX_LOOKUPS
    assert len(outbox) == 1  # never resent on a guess
    inbox = owner_client.get("/app/inbox/").content.decode()
    assert 'id="unresolved-sends"' in inbox
    assert "1 text we could not confirm with Twilio" in inbox
    assert 'id="unresolved-sends"' not in outsider_client.get("/app/inbox/").content.decode()


def test_two_identical_unknowns_adopt_two_different_twilio_messages(text_in, tenant, outbox):
    gateway.memory_backend.lose_answers = 2
    text_in("HELP", sid=None)
    text_in("HELP", sid=None)
    unknown = list(Message.objects.filter(status=Message.Status.UNKNOWN))
    assert len(unknown) == 2 and len(outbox) == 2
    for message in unknown:
        settle(message)
    assert reconcile.resolve_unknown_messages() == 2
    sids = set(Message.objects.filter(kind=Message.Kind.HELP).values_list("twilio_sid", flat=True))
    assert sids == {sent.sid for sent in outbox}
