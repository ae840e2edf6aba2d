"""An alert reaches the team even when a customer's words would break an email header or
the mail server fails: it is marked notified only after it went out, and retried."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from messaging import handoff
from messaging.models import Alert

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        "Hi\nmy sink is leaking",
        "line one\r\nBcc: attacker@example.com",
        "tabs\tand\x0bvertical\x0cfeeds",
        "unicode line\u2028separator and\u0085next line",
    ],
)
def test_a_customer_text_with_line_breaks_still_alerts_the_team(text_in, mailoutbox, body):
    text_in(body)
    assert len(mailoutbox) == 1
    subject = mailoutbox[0].subject
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("[Lasso] Acme Plumbing: ")
    # The body keeps the customer's words as written.
    assert body.splitlines()[0] in mailoutbox[0].body
    assert Alert.objects.get().notified_at is not None


def test_a_failed_email_leaves_the_alert_unnotified_and_a_sweep_sends_it(
    text_in, mailoutbox, settings
):
    with mock.patch.object(handoff, "send_mail", side_effect=ConnectionRefusedError("smtp down")):
        text_in("Is anyone there?")
    alert = Alert.objects.get()
    assert alert.notified_at is None
    assert "smtp down" in alert.notify_error
    assert alert.notify_attempts >= 1
    assert mailoutbox == []

    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    assert handoff.sweep_due_handoffs() == 1
    alert.refresh_from_db()
    assert alert.notified_at is not None and alert.notify_error == ""
    assert len(mailoutbox) == 1
    # Sent once: later sweeps find nothing to do.
    assert handoff.sweep_due_handoffs() == 0
    assert len(mail.outbox) == 1


def test_an_alert_claimed_by_a_live_worker_is_not_sent_twice(text_in, mailoutbox):
    with mock.patch.object(handoff, "send_mail", side_effect=OSError("smtp down")):
        text_in("Hello?")
    alert = Alert.objects.get()
    Alert.objects.filter(pk=alert.pk).update(
        created_at=timezone.now() - timedelta(minutes=1), notify_claimed_at=timezone.now()
    )
    assert handoff.sweep_due_handoffs() == 0  # another worker is sending it right now
    Alert.objects.filter(pk=alert.pk).update(
        notify_claimed_at=timezone.now() - handoff.CLAIM_STALE - timedelta(seconds=1)
    )
    assert handoff.sweep_due_handoffs() == 1  # that worker died: take it over
    assert len(mailoutbox) == 1


def test_the_sweep_gives_up_after_many_failures_and_keeps_the_error(text_in, mailoutbox):
    with mock.patch.object(handoff, "send_mail", side_effect=OSError("mailbox full")):
        text_in("Hello?")
        alert = Alert.objects.get()
        Alert.objects.filter(pk=alert.pk).update(
            created_at=timezone.now() - timedelta(minutes=1),
            notify_attempts=handoff.MAX_NOTIFY_ATTEMPTS - 1,
        )
        handoff.sweep_due_handoffs()
        assert handoff.sweep_due_handoffs() == 0
    alert.refresh_from_db()
    assert alert.notified_at is None
    assert alert.notify_attempts == handoff.MAX_NOTIFY_ATTEMPTS
    assert "mailbox full" in alert.notify_error


def test_a_header_safe_summary_is_one_short_line():
    assert handoff.one_line("a\nb\r\nc\x00d\te") == "a b c d e"
    assert len(handoff.one_line("x" * 500)) == 150
