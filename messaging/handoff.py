"""Owner/team handoff: tell the business's members when a customer needs a person.

Replies notify once per conversation burst: the first reply after the team last looked
(or after a quiet spell) raises one alert; the messages that follow in the burst do not.
Repeat missed calls and callback requests use the same alert path.
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from messaging.models import Alert, Conversation, Message
from tenants.selectors import default_number, members_of

logger = logging.getLogger(__name__)

BURST_QUIET = timedelta(minutes=15)
# A claim older than this belongs to a worker that died mid-send: another may take it over.
CLAIM_STALE = timedelta(minutes=5)
MAX_NOTIFY_ATTEMPTS = 10
HISTORY_ITEMS = 10
# Control characters and line/paragraph separators: none may stand in an email header.
BREAKING = {"Cc", "Zl", "Zp"}


def open_reply_alert(*, conversation: Conversation, inbound: Message) -> Alert | None:
    """Raise a reply alert if this message starts a new burst; None when the team was
    already told about this burst."""
    now = timezone.now()
    started = (
        Conversation.objects.filter(pk=conversation.pk)
        .filter(
            Q(handoff_notified_at__isnull=True)
            | Q(handoff_notified_at__lt=now - BURST_QUIET)
            | Q(handoff_notified_at__lt=F("last_read_at"))
        )
        .update(handoff_notified_at=now)
    )
    if not started:
        return None
    snippet = inbound.body[:120] if inbound.body else "(picture message)"
    alert = Alert.objects.create(
        business=conversation.business,
        conversation=conversation,
        kind=Alert.Kind.REPLY,
        summary=f"{conversation.contact} replied: {snippet}",
    )
    notify_on_commit(alert)
    return alert


def notify_on_commit(alert: Alert) -> None:
    alert_id = alert.pk

    def publish() -> None:
        from messaging.tasks import notify_alert

        try:
            notify_alert.apply_async((alert_id,), retry=False)
        except Exception:
            logger.warning("alert %s not enqueued (broker down); sweep will send it", alert_id)

    transaction.on_commit(publish)


def conversation_url(conversation: Conversation) -> str:
    return f"{settings.PUBLIC_BASE_URL}/app/conversations/{conversation.public_id}/"


def one_line(text: str, limit: int = 150) -> str:
    """A header-safe summary: customer words can carry newlines and control characters,
    which an email header must never contain (Django refuses them with BadHeaderError)."""
    flat = " ".join(
        "".join(" " if unicodedata.category(ch) in BREAKING else ch for ch in text).split()
    )
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _claim(alert_id: int) -> bool:
    now = timezone.now()
    return bool(
        Alert.objects.filter(pk=alert_id, notified_at__isnull=True)
        .filter(Q(notify_claimed_at__isnull=True) | Q(notify_claimed_at__lt=now - CLAIM_STALE))
        .update(notify_claimed_at=now, notify_attempts=F("notify_attempts") + 1)
    )


def notify(*, alert_id: int) -> bool:
    """Tell every member of the alert's business, once. The alert counts as notified only
    after the email went out; a failure releases the claim and raises, so the task (or the
    sweep) tries again."""
    if not _claim(alert_id):
        return False
    try:
        sent = _send(alert_id=alert_id)
    except Exception as exc:
        Alert.objects.filter(pk=alert_id, notified_at__isnull=True).update(
            notify_claimed_at=None, notify_error=one_line(f"{type(exc).__name__}: {exc}", 300)
        )
        logger.warning("alert %s not sent yet (%s); it will be retried", alert_id, exc)
        raise
    Alert.objects.filter(pk=alert_id).update(notified_at=timezone.now(), notify_error="")
    return sent


def _send(*, alert_id: int) -> bool:
    alert = Alert.objects.select_related("business", "conversation__contact").get(pk=alert_id)
    business = alert.business
    recipients = [m.user.email for m in members_of(business=business) if m.user.is_active]
    if not recipients:
        return False
    history: list[Message] = []
    if alert.conversation_id:
        history = list(
            Message.objects.filter(
                business=business, conversation_id=alert.conversation_id
            ).order_by("-created_at", "-id")[:HISTORY_ITEMS]
        )[::-1]
    calls = []
    if alert.conversation_id:
        from calls.models import Call

        calls = list(
            Call.objects.filter(
                business=business, from_number=alert.conversation.contact.phone_number
            ).order_by("-started_at")[:5]
        )
    context = {
        "alert": alert,
        "business": business,
        "history": history,
        "calls": calls,
        "url": conversation_url(alert.conversation) if alert.conversation_id else "",
    }
    subject = one_line(f"[Lasso] {business.name}: {alert.summary}")
    body = render_to_string("messaging/alert_email.txt", context)
    send_mail(subject, body, None, recipients)
    text_members(alert=alert, url=context["url"] or f"{settings.PUBLIC_BASE_URL}/app/")
    push_members(alert=alert, url=context["url"] or f"{settings.PUBLIC_BASE_URL}/app/inbox/")
    return True


PUSH_TITLES = {
    Alert.Kind.REPLY: "New message",
    Alert.Kind.CALLED_AGAIN: "Called again",
    Alert.Kind.CALLBACK_REQUEST: "Callback request",
}


def push_members(*, alert: Alert, url: str) -> int:
    """Push the alert to the members' opted-in devices. Like the texts above it rides on the
    alert's single claim, so each device hears of a burst once; a push that fails is logged
    and dropped rather than making the email go out again."""
    from messaging.push.services import Notice, push_to_business
    from messaging.templatetags.phones import display_number

    who = ""
    if alert.conversation_id:
        contact = alert.conversation.contact
        who = contact.name or display_number(contact.phone_number, alert.business)
    title = PUSH_TITLES.get(alert.kind, "Lasso")
    notice = Notice(
        title=f"{title} · {who}" if who else title,
        body=one_line(alert.summary, 140),
        url=url,
        tag=f"conversation-{alert.conversation_id}"
        if alert.conversation_id
        else f"alert-{alert.pk}",
    )
    try:
        return push_to_business(business=alert.business, notice=notice)
    except Exception:
        logger.exception("alert %s not pushed", alert.pk)
        return 0


def text_members(*, alert: Alert, url: str) -> int:
    """Text the alert to members who turned on alerts for their own cell and proved it is
    theirs with the code texted to it (tenants.verification): the text carries customer
    details. The alert was claimed once above, so each member gets it once; a failure is
    logged, not retried."""
    from consent.selectors import Purpose, may_text
    from messaging import gateway, texts

    business = alert.business
    number = default_number(business=business)
    if number is None:
        return 0
    sent = 0
    for membership in (
        members_of(business=business)
        .filter(sms_alerts=True, mobile_verified_at__isnull=False)
        .exclude(mobile_number="")
    ):
        cell = str(membership.mobile_number)
        permission = may_text(business=business, phone_number=cell, purpose=Purpose.TEAM_ALERT)
        if not permission or not membership.user.is_active:
            logger.info("alert %s not texted to a member: %s", alert.pk, permission.reason)
            continue
        try:
            gateway.get_backend().send(
                to=cell,
                from_=str(number.phone_number),
                body=texts.team_alert(business, summary=alert.summary, url=url),
                status_callback=gateway.status_callback_url(),
            )
        except (gateway.SendError, gateway.OutcomeUnknown) as exc:
            logger.warning("alert %s text to a member failed: %s", alert.pk, exc)
            continue
        sent += 1
    return sent


def sweep_due_handoffs() -> int:
    """Send alerts whose task never ran (broker down when they were raised) or whose
    sending failed and was not retried in time. Gives up after MAX_NOTIFY_ATTEMPTS; the
    alert stays unnotified, with its last error, for an admin to see."""
    now = timezone.now()
    due = (
        Alert.objects.filter(
            notified_at__isnull=True,
            created_at__lte=now - timedelta(seconds=30),
            notify_attempts__lt=MAX_NOTIFY_ATTEMPTS,
        )
        .filter(Q(notify_claimed_at__isnull=True) | Q(notify_claimed_at__lt=now - CLAIM_STALE))
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    sent = 0
    for alert_id in list(due):
        try:
            sent += notify(alert_id=alert_id)
        except Exception:
            logger.info("alert %s still failing; the next sweep tries again", alert_id)
    return sent
