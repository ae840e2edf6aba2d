"""Reads for the inbox, a conversation's timeline and the overview figures. Every function
takes the business: nothing here can see another tenant's rows."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db.models import OuterRef, Q, QuerySet, Subquery
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
        # Not .exclude(opted_out): NOT IN over a NULL state would drop never-opted numbers.
        subscribed = Q(consent_state__isnull=True) | Q(consent_state=ConsentEvent.Kind.OPT_IN)
        return conversations.filter(subscribed, needs_reply=True)
    if show == InboxFilter.OPTED_OUT:
        return conversations.filter(opted_out)
    return conversations


def unresolved_sends(*, business: Business) -> QuerySet[Message]:
    """Texts whose outcome Twilio's records could not settle (see messaging.reconcile):
    a person should check the conversation before anything else is sent."""
    from messaging.reconcile import MAX_LOOKUPS

    stuck = timezone.now() - timedelta(hours=1)
    return (
        Message.objects.filter(
            business=business,
            status=Message.Status.UNKNOWN,
            direction=Message.Direction.OUTBOUND,
        )
        .filter(Q(outcome_checks__gte=MAX_LOOKUPS) | Q(claimed_at__lt=stuck))
        .select_related("conversation__contact")
        .order_by("-created_at")
    )


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
    from callback_form.models import CallbackRequest

    # Each source gives its newest `limit` rows; merged oldest-first, ties kept in id order.
    sources = [
        ("message", "created_at", messages_for(business=business, conversation=conversation)),
        ("call", "started_at", Call.objects.filter(business=business, from_number=number)),
        (
            "consent",
            "occurred_at",
            ConsentEvent.objects.filter(business=business, phone_number=number),
        ),
        (
            "callback",
            "created_at",
            CallbackRequest.objects.filter(business=business, phone_number=number),
        ),
    ]
    entries = []
    for kind, field, queryset in sources:
        rows = queryset.order_by(f"-{field}", "-id")[:limit]
        entries += [TimelineEntry(getattr(row, field), kind, row) for row in rows]
    entries.sort(key=lambda e: (e.at, e.item.pk))
    return entries[-limit:]


# --- overview -----------------------------------------------------------------------------
SENT_STATUSES = [
    Message.Status.QUEUED,
    Message.Status.SENT,
    Message.Status.DELIVERED,
    Message.Status.UNDELIVERED,
    Message.Status.UNKNOWN,
]


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    series: list[float]  # one point per day, oldest first, for the small chart


@dataclass(frozen=True)
class Figures:
    days: int
    missed_calls: int
    textbacks_sent: int
    reply_rate: float | None  # share of texted-back callers who replied
    median_first_reply_minutes: float | None  # customer's first text → team's first reply
    opt_out_rate: float | None  # people who opted out per person texted
    figures: list[Figure]


def _day_index(value: datetime, since: datetime, days: int) -> int:
    return min(days - 1, max(0, (value - since).days))


def _per_day(values: list[datetime], since: datetime, days: int) -> list[float]:
    counts = [0.0] * days
    for value in values:
        counts[_day_index(value, since, days)] += 1
    return counts


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def overview(*, business: Business, days: int, now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    missed_at = list(
        Call.objects.filter(
            business=business,
            started_at__gte=since,
            outcome__in=[Call.Outcome.MISSED, Call.Outcome.SKIPPED],
        ).values_list("started_at", flat=True)
    )
    textbacks = list(
        Message.objects.filter(
            business=business,
            kind=Message.Kind.TEXTBACK,
            created_at__gte=since,
            status__in=SENT_STATUSES,
        ).values_list("conversation_id", "created_at")
    )
    texted = {conversation_id for conversation_id, _ in textbacks}
    inbound = list(
        Message.objects.filter(
            business=business, direction=Message.Direction.INBOUND, created_at__gte=since
        )
        .order_by("created_at")
        .values_list("conversation_id", "created_at")
    )
    first_in: dict[int, datetime] = {}
    for conversation_id, created in inbound:
        first_in.setdefault(conversation_id, created)
    replied = texted & set(first_in)
    first_reply: dict[int, datetime] = {}
    for conversation_id, created in (
        Message.objects.filter(
            business=business,
            kind=Message.Kind.REPLY,
            created_at__gte=since,
            conversation_id__in=list(first_in),
        )
        .order_by("created_at")
        .values_list("conversation_id", "created_at")
    ):
        if created >= first_in[conversation_id]:
            first_reply.setdefault(conversation_id, created)
    waits = {cid: (at - first_in[cid]).total_seconds() / 60 for cid, at in first_reply.items()}
    opt_outs = list(
        ConsentEvent.objects.filter(
            business=business,
            occurred_at__gte=since,
            kind__in=[ConsentEvent.Kind.OPT_OUT, ConsentEvent.Kind.CARRIER_OPT_OUT],
        ).values_list("phone_number", "occurred_at")
    )
    people_texted = (
        Message.objects.filter(
            business=business,
            direction=Message.Direction.OUTBOUND,
            created_at__gte=since,
            status__in=SENT_STATUSES,
        )
        .values("to_number")
        .distinct()
        .count()
    )
    opted_out_people = {number for number, _ in opt_outs}
    reply_rate = len(replied) / len(texted) if texted else None
    median_wait = statistics.median(waits.values()) if waits else None
    opt_out_rate = len(opted_out_people) / people_texted if people_texted else None

    wait_by_day: list[list[float]] = [[] for _ in range(days)]
    for cid, minutes in waits.items():
        wait_by_day[_day_index(first_in[cid], since, days)].append(minutes)
    figures = [
        Figure("Missed calls", str(len(missed_at)), _per_day(missed_at, since, days)),
        Figure(
            "Text-backs sent",
            str(len(textbacks)),
            _per_day([at for _, at in textbacks], since, days),
        ),
        Figure(
            "Reply rate",
            _percent(reply_rate),
            _per_day([first_in[cid] for cid in replied], since, days),
        ),
        Figure(
            "Median time to first reply",
            "—" if median_wait is None else f"{median_wait:.0f} min",
            [statistics.median(day) if day else 0.0 for day in wait_by_day],
        ),
        Figure(
            "Opt-out rate",
            _percent(opt_out_rate),
            _per_day([at for _, at in opt_outs], since, days),
        ),
    ]
    return Figures(
        days=days,
        missed_calls=len(missed_at),
        textbacks_sent=len(textbacks),
        reply_rate=reply_rate,
        median_first_reply_minutes=median_wait,
        opt_out_rate=opt_out_rate,
        figures=figures,
    )
