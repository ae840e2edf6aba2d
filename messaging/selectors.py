"""Reads for the inbox, a conversation's timeline and the overview figures. Every function
takes the business: nothing here can see another tenant's rows."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from calls.models import Call
from consent.models import ConsentEvent
from consent.selectors import STATE_KINDS
from messaging.models import Conversation, Message
from tenants.models import Business


class InboxFilter(StrEnum):
    NEEDS_REPLY = "needs-reply"
    ALL = "all"
    OPTED_OUT = "opted-out"


def _consent_state() -> Subquery:
    return Subquery(
        ConsentEvent.objects.filter(
            business=OuterRef("business"),
            phone_number=OuterRef("contact__phone_number"),
            kind__in=STATE_KINDS,
        )
        .order_by("-occurred_at", "-id")
        .values("kind")[:1]
    )


def inbox(*, business: Business, show: str = InboxFilter.ALL) -> QuerySet[Conversation]:
    conversations = (
        Conversation.objects.filter(business=business)
        .select_related("contact")
        .annotate(consent_state=_consent_state())
        .order_by("-last_activity_at", "-id")
    )
    opted_out = Q(consent_state__in=["opt_out", "carrier_opt_out"])
    if show == InboxFilter.NEEDS_REPLY:
        return conversations.filter(needs_reply=True).exclude(opted_out)
    if show == InboxFilter.OPTED_OUT:
        return conversations.filter(opted_out)
    return conversations


def conversation_for(*, business: Business, public_id: object) -> Conversation:
    """The business's conversation, or 404: another tenant's id is indistinguishable from
    one that does not exist."""
    conversation = (
        Conversation.objects.filter(business=business, public_id=public_id)
        .select_related("contact")
        .annotate(consent_state=_consent_state())
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def messages_for(*, business: Business, conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(business=business, conversation=conversation).select_related(
        "sent_by"
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "call", "message", "consent", "callback"
    item: object


def timeline(
    *, business: Business, conversation: Conversation, limit: int = 200
) -> list[TimelineEntry]:
    """Calls, texts, consent events and callback requests of one contact, oldest first."""
    number = conversation.contact.phone_number
    entries = [
        TimelineEntry(m.created_at, "message", m)
        for m in messages_for(business=business, conversation=conversation).order_by(
            "-created_at", "-id"
        )[:limit]
    ]
    entries += [
        TimelineEntry(c.started_at, "call", c)
        for c in Call.objects.filter(business=business, from_number=number).order_by(
            "-started_at"
        )[:limit]
    ]
    entries += [
        TimelineEntry(e.occurred_at, "consent", e)
        for e in ConsentEvent.objects.filter(business=business, phone_number=number).order_by(
            "-occurred_at"
        )[:limit]
    ]
    from callback_form.models import CallbackRequest

    entries += [
        TimelineEntry(r.created_at, "callback", r)
        for r in CallbackRequest.objects.filter(business=business, phone_number=number).order_by(
            "-created_at"
        )[:limit]
    ]
    entries.sort(key=lambda e: e.at)
    return entries[-limit:]


# --- overview -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    days: int
    missed_calls: int
    textbacks_sent: int
    reply_rate: float | None  # share of texted-back callers who replied
    median_first_reply_minutes: float | None  # customer's first text → team's first reply
    opt_out_rate: float | None  # opt-outs per person texted
    daily_missed: list[int]


def overview(*, business: Business, days: int, now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    calls = Call.objects.filter(business=business, started_at__gte=since)
    missed = calls.filter(outcome__in=[Call.Outcome.MISSED, Call.Outcome.SKIPPED])
    delivered_like = [
        Message.Status.QUEUED, Message.Status.SENT, Message.Status.DELIVERED,
        Message.Status.UNDELIVERED, Message.Status.UNKNOWN,
    ]
    textbacks = Message.objects.filter(
        business=business, kind=Message.Kind.TEXTBACK, created_at__gte=since,
        status__in=delivered_like,
    )
    texted_conversations = textbacks.values("conversation_id").distinct()
    texted = texted_conversations.count()
    replied = (
        Conversation.objects.filter(business=business, pk__in=texted_conversations)
        .filter(
            Exists(
                Message.objects.filter(
                    conversation=OuterRef("pk"), direction=Message.Direction.INBOUND,
                    created_at__gte=since,
                )
            )
        )
        .count()
    )
    opt_outs = ConsentEvent.objects.filter(
        business=business, occurred_at__gte=since,
        kind__in=[ConsentEvent.Kind.OPT_OUT, ConsentEvent.Kind.CARRIER_OPT_OUT],
    ).values("phone_number").distinct().count()
    people_texted = (
        Message.objects.filter(
            business=business, direction=Message.Direction.OUTBOUND, created_at__gte=since,
            status__in=delivered_like,
        ).values("to_number").distinct().count()
    )
    return Figures(
        days=days,
        missed_calls=missed.count(),
        textbacks_sent=textbacks.count(),
        reply_rate=(replied / texted) if texted else None,
        median_first_reply_minutes=_median_first_reply(business=business, since=since),
        opt_out_rate=(opt_outs / people_texted) if people_texted else None,
        daily_missed=_daily(missed, since=since, days=days, field="started_at"),
    )


def _median_first_reply(*, business: Business, since: datetime) -> float | None:
    waits = []
    firsts: dict[int, datetime] = {}
    for conversation_id, created in (
        Message.objects.filter(
            business=business, direction=Message.Direction.INBOUND, created_at__gte=since
        )
        .order_by("conversation_id", "created_at")
        .values_list("conversation_id", "created_at")
    ):
        firsts.setdefault(conversation_id, created)
    if not firsts:
        return None
    replies: dict[int, datetime] = {}
    for conversation_id, created in (
        Message.objects.filter(
            business=business, kind=Message.Kind.REPLY, conversation_id__in=list(firsts),
            created_at__gte=since,
        )
        .order_by("conversation_id", "created_at")
        .values_list("conversation_id", "created_at")
    ):
        if created >= firsts[conversation_id]:
            replies.setdefault(conversation_id, created)
    for conversation_id, replied_at in replies.items():
        waits.append((replied_at - firsts[conversation_id]).total_seconds() / 60)
    return statistics.median(waits) if waits else None


def _daily(queryset: QuerySet, *, since: datetime, days: int, field: str) -> list[int]:
    counts = [0] * days
    for value in queryset.values_list(field, flat=True):
        index = min(days - 1, max(0, (value - since).days))
        counts[index] += 1
    return counts
