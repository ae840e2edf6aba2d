"""Settle every "unknown" send from Twilio's own records, and never by guessing.

A message is unknown when its request may have reached Twilio but no answer came back (a
timeout after sending, a 502/504, a worker that died mid-send). After a settle time (a
request still in flight has landed by then) Lasso lists the messages Twilio holds to that
number from that number and matches the body and a creation time at or after the claim:
- found: it went out. Lasso adopts its SID and status (queued counts as sent);
- not found: nothing went out. It is sent once more, or, for a text-back past its
  freshness window, not sent and the caller queued for a callback instead;
- Twilio's records unreadable: try again next time; after MAX_LOOKUPS it stays unknown,
  shown to the owner as unresolved.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from messaging import gateway
from messaging.models import Message
from messaging.services import (
    EXPIRED_REASON,
    STATUS_RANK,
    TWILIO_STATUS,
    enqueue_send,
    expire_to_callback_queue,
    is_stale_textback,
)

logger = logging.getLogger(__name__)

SETTLE = timedelta(minutes=2)
MAX_LOOKUPS = 10


def unknown_due(*, now, limit: int):
    return (
        Message.objects.filter(
            status=Message.Status.UNKNOWN,
            direction=Message.Direction.OUTBOUND,
            outcome_checks__lt=MAX_LOOKUPS,
        )
        .filter(claimed_at__lte=now - SETTLE)
        .select_related("business", "call")
        .order_by("claimed_at")[:limit]
    )


def resolve_unknown_messages(*, limit: int = 100) -> int:
    """Settle what can be settled now; returns how many messages were settled."""
    settled = 0
    for message in unknown_due(now=timezone.now(), limit=limit):
        settled += resolve(message)
    return settled


def resolve(message: Message) -> bool:
    rows = Message.objects.filter(pk=message.pk, status=Message.Status.UNKNOWN)
    try:
        candidates = gateway.get_backend().find_sent(
            to=message.to_number,
            from_=message.from_number,
            body=message.body,
            created_since=message.claimed_at or message.created_at,
        )
    except gateway.LookupFailed as exc:
        checks = message.outcome_checks + 1
        rows.update(outcome_checks=checks, error_message=f"still unknown: {exc}"[:300])
        if checks >= MAX_LOOKUPS:
            logger.warning("message %s stays unknown: Twilio's records unreadable", message.pk)
        return False

    # Two identical texts may both be unknown: each adopts a different one of Twilio's.
    taken = set(
        Message.objects.filter(twilio_sid__in=[c.sid for c in candidates]).values_list(
            "twilio_sid", flat=True
        )
    )
    found = next((c for c in candidates if c.sid not in taken), None)
    if found is not None:
        status = TWILIO_STATUS.get(found.status, Message.Status.QUEUED)
        if STATUS_RANK.get(status, 0) <= STATUS_RANK[Message.Status.UNKNOWN]:
            status = Message.Status.QUEUED
        adopted = rows.update(
            status=status,
            twilio_sid=found.sid,
            sent_at=found.created_at,
            status_updated_at=timezone.now(),
            error_message="",
        )
        if adopted:
            logger.info("message %s was sent (Twilio has %s)", message.pk, found.sid)
        return bool(adopted)

    # Twilio never got it: nothing went out, so sending now cannot text anyone twice.
    if is_stale_textback(message):
        with transaction.atomic():
            if rows.update(status=Message.Status.EXPIRED, error_message=EXPIRED_REASON):
                expire_to_callback_queue(message=message)
        return True
    if rows.update(
        status=Message.Status.PENDING,
        next_attempt_at=None,
        enqueued_at=timezone.now(),
        error_message="Twilio has no record of it; sending again",
    ):
        transaction.on_commit(lambda: enqueue_send(message.pk))
        logger.info("message %s never reached Twilio; sending it now", message.pk)
        return True
    return False
