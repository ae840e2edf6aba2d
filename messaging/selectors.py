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
from messaging.models import OPTED_OUT, WAITING_FOR_REPLY, Conversation, Message
from tenants.models import Business


class InboxFilter(StrEnum):
    NEEDS_REPLY = "needs-reply"
    ALL = "all"
    OPTED_OUT = "opted-out"


def _last_message(field: str) -> Subquery:
    return Subquery(
        Message.objects.filter(conversation=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values(field)[:1]
    )


def inbox(*, business: Business, show: str = InboxFilter.ALL) -> QuerySet[Conversation]:
    """The business's conversations, newest first, each with its consent state (the
    conversation's copy of the ledger's, see messaging.consent_state) and the id of its last
    text (with_last_messages() loads those for a page in one more query). Each tab is one
    range of its own index (messaging.models), so a page costs what it shows."""
    conversations = (
        Conversation.objects.filter(business=business)
        .select_related("contact")
        .annotate(last_message_id=_last_message("id"))
        .order_by("-last_activity_at", "-id")
    )
    if show == InboxFilter.NEEDS_REPLY:
        return conversations.filter(WAITING_FOR_REPLY)
    if show == InboxFilter.OPTED_OUT:
        return conversations.filter(OPTED_OUT)
    return conversations


def with_last_messages(*, business: Business, conversations: list[Conversation]) -> list:
    """Attach each conversation's last text (body, direction, kind) for the one-line
    preview: one query for the page, whatever its size."""
    ids = [c.last_message_id for c in conversations if getattr(c, "last_message_id", None)]
    last = {
        m["id"]: m
        for m in Message.objects.filter(business=business, pk__in=ids).values(
            "id", "body", "direction", "kind"
        )
    }
    for conversation in conversations:
        message = last.get(getattr(conversation, "last_message_id", None), {})
        conversation.last_body = message.get("body", "")
        conversation.last_direction = message.get("direction", "")
        conversation.last_kind = message.get("kind", "")
    return conversations


def inbox_version(*, business: Business) -> str:
    """A fingerprint of everything the inbox shows: it changes when a conversation moves,
    is read, handled or flagged, a contact is named or renamed, or someone's consent
    changes. Two aggregate queries, so a poll that finds nothing new costs no rendering (the
    view answers 304)."""
    from django.db.models import Count, Max, Sum

    row = Conversation.objects.filter(business=business).aggregate(
        n=Count("id"),
        last=Max("last_activity_at"),
        read=Max("last_read_at"),
        unread=Sum("unread_count"),
        waiting=Count("id", filter=Q(needs_reply=True)),
        flagged=Count("id", filter=Q(possible_opt_out=True)),
        repeats=Sum("repeat_calls"),
        inbound=Max("last_inbound_at"),
        named=Max("contact__id", filter=~Q(contact__name="")),
        # The inbox shows names: a contact renamed (or named, however old) moves this.
        edited=Max("contact__edited_at"),
    )
    consent = (
        ConsentEvent.objects.filter(business=business).order_by("-id").values_list("id", flat=True)
    ).first()
    return "|".join(str(row[key]) for key in sorted(row)) + f"|{consent}"


def timeline_version(*, business: Business, conversation: Conversation) -> str:
    """A fingerprint of one conversation's timeline: new texts, calls, consent events and
    callback requests, and texts whose delivery status moved."""
    from django.db.models import Count, Max

    from callback_form.models import CallbackRequest

    number = conversation.contact.phone_number
    texts = Message.objects.filter(business=business, conversation=conversation).aggregate(
        n=Count("id"), last=Max("id"), status=Max("status_updated_at"), sent=Max("sent_at")
    )
    calls = Call.objects.filter(business=business, from_number=number).aggregate(
        n=Count("id"),
        last=Max("id"),
        ended=Max("ended_at"),
        pending=Count("id", filter=Q(outcome=Call.Outcome.PENDING)),
        voicemails=Count("id", filter=~Q(recording_sid="")),
        transcripts=Count("id", filter=~Q(voicemail_transcript="")),
    )
    consent = ConsentEvent.objects.filter(business=business, phone_number=number).aggregate(
        last=Max("id")
    )
    callbacks = CallbackRequest.objects.filter(business=business, phone_number=number).aggregate(
        last=Max("id")
    )
    state = (
        conversation.needs_reply,
        conversation.possible_opt_out,
        conversation.contact.name,
        conversation.consent_state,
    )
    return "|".join(str(part) for part in (texts, calls, consent, callbacks, state))


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
    summary: str = ""  # for a call: what happened, in the owner's words
    textback: Message | None = None  # a missed call's text-back, shown with the call
    consent: ConsentEvent | None = None  # the opt-out/opt-in a customer's text made


# Consent events that only repeat something the timeline already shows (the call, the
# text, the callback request, the HELP text): the ledger keeps them, the timeline does not.
ECHO_KINDS = {
    ConsentEvent.Kind.INBOUND_CALL,
    ConsentEvent.Kind.INBOUND_TEXT,
    ConsentEvent.Kind.CALLBACK_FORM,
    ConsentEvent.Kind.HELP,
}


def timeline(
    *, business: Business, conversation: Conversation, limit: int = 200
) -> list[TimelineEntry]:
    """Calls, texts, consent changes and callback requests of one contact, oldest first,
    each once: a missed call carries its text-back, a STOP text carries the opt-out it made,
    and consent records that merely echo a call or text are left to the ledger."""
    from callback_form.models import CallbackRequest
    from messaging.timeline_words import call_summary

    number = conversation.contact.phone_number
    texts = list(
        messages_for(business=business, conversation=conversation).order_by("-created_at", "-id")[
            :limit
        ]
    )
    calls = list(
        Call.objects.filter(business=business, from_number=number).order_by("-started_at", "-id")[
            :limit
        ]
    )
    consent = list(
        ConsentEvent.objects.filter(business=business, phone_number=number)
        .exclude(kind__in=ECHO_KINDS)
        .order_by("-occurred_at", "-id")[:limit]
    )
    callbacks = list(
        CallbackRequest.objects.filter(business=business, phone_number=number).order_by(
            "-created_at", "-id"
        )[:limit]
    )
    call_ids = {call.pk for call in calls}
    textbacks = {
        m.call_id: m for m in texts if m.kind == Message.Kind.TEXTBACK and m.call_id in call_ids
    }
    by_sid = {m.twilio_sid: m for m in texts if m.twilio_sid}
    consent_of: dict[int, ConsentEvent] = {}
    entries = []
    for event in consent:
        said = by_sid.get(event.source_ref)
        if said is not None and said.direction == Message.Direction.INBOUND:
            consent_of[said.pk] = event
        else:
            entries.append(TimelineEntry(event.occurred_at, "consent", event))
    for message in texts:
        if message.kind == Message.Kind.TEXTBACK and message.call_id in call_ids:
            continue
        entries.append(
            TimelineEntry(
                message.created_at, "message", message, consent=consent_of.get(message.pk)
            )
        )
    for call in calls:
        textback = textbacks.get(call.pk)
        entries.append(
            TimelineEntry(
                call.started_at,
                "call",
                call,
                summary=call_summary(call, textback),
                textback=textback,
            )
        )
    entries += [TimelineEntry(request.created_at, "callback", request) for request in callbacks]
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


# --- overview: what an outage of Lasso's did to this business's calls ------------------------
OUTAGE_SHOWN_FOR = timedelta(days=7)


@dataclass(frozen=True)
class OutageReport:
    started_at: datetime
    ended_at: datetime
    reconciled: bool
    handled: int  # calls answered by the routing cache or the fallback URL
    answered: int
    texted: int
    queued: int  # in the callback queue (too late to text, or answer not verified)
    not_texted: int  # missed, but a caller Lasso never texts (withheld number, a member…)


def recent_outages(*, business: Business, now: datetime | None = None) -> list[OutageReport]:
    """Outages of the last week that touched this business's calls, newest first: how many
    calls the fallbacks answered, and what became of them once settled."""
    from callback_form.models import CallbackRequest
    from calls.models import Outage
    from messaging.models import TEXTED_STATUSES

    now = now or timezone.now()
    reports = []
    for outage in Outage.objects.filter(ended_at__gte=now - OUTAGE_SHOWN_FOR).order_by(
        "-started_at"
    )[:5]:
        calls = Call.objects.filter(
            business=business,
            started_at__gte=outage.started_at - timedelta(minutes=2),
            started_at__lte=outage.ended_at,
        ).exclude(recorded_from=Call.RecordedFrom.INCOMING)
        outcomes = list(calls.values_list("pk", "outcome"))
        if not outcomes:
            continue
        ids = [pk for pk, _ in outcomes]
        texted = (
            Message.objects.filter(
                business=business,
                call_id__in=ids,
                kind=Message.Kind.TEXTBACK,
                status__in=TEXTED_STATUSES,
            )
            .values("call_id")
            .distinct()
            .count()
        )
        queued = CallbackRequest.objects.filter(business=business, call_id__in=ids).count()
        reports.append(
            OutageReport(
                started_at=outage.started_at,
                ended_at=outage.ended_at,
                reconciled=outage.reconciled_at is not None,
                handled=len(outcomes),
                answered=sum(1 for _, o in outcomes if o == Call.Outcome.ANSWERED),
                texted=texted,
                queued=queued,
                not_texted=sum(1 for _, o in outcomes if o == Call.Outcome.SKIPPED),
            )
        )
    return reports


# --- the calls page: each call in words, opening its conversation ---------------------------
def describe_calls(*, business: Business, calls: list[Call]) -> list[Call]:
    """Give each call of a page its summary in the owner's words and its conversation's id
    (for the row to open it): two queries for the page, however many calls it holds."""
    from messaging.timeline_words import call_summary

    textbacks = {
        m.call_id: m
        for m in Message.objects.filter(
            business=business, kind=Message.Kind.TEXTBACK, call_id__in=[c.pk for c in calls]
        )
    }
    conversations = dict(
        Conversation.objects.filter(
            business=business,
            contact__phone_number__in={c.from_number for c in calls if c.from_number},
        ).values_list("contact__phone_number", "public_id")
    )
    for call in calls:
        call.summary = call_summary(call, textbacks.get(call.pk))
        call.conversation_public_id = conversations.get(call.from_number)
    return calls


# --- overview: when the phone goes unanswered -------------------------------------------------
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass(frozen=True)
class BusyHours:
    rows: list[tuple[str, list[tuple[int, int]]]]  # (weekday, [(count, level 0–4) per hour])
    total: int
    busiest: str  # "Mon 9–10 AM", or "" with no missed calls
    time_zone: str


def missed_by_hour(*, business: Business, days: int, now: datetime | None = None) -> BusyHours:
    """Missed calls by hour of the week in the business's own time zone, so the owner sees
    when to staff the phone. One query: the times are bucketed here, in the business's zone
    (daylight saving included), not by the database's."""
    import zoneinfo

    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(business.time_zone)
    grid = [[0] * 24 for _ in range(7)]
    for started in Call.objects.filter(
        business=business,
        started_at__gte=now - timedelta(days=days),
        outcome__in=[Call.Outcome.MISSED, Call.Outcome.SKIPPED],
    ).values_list("started_at", flat=True):
        local = started.astimezone(zone)
        grid[local.weekday()][local.hour] += 1
    top = max(max(row) for row in grid)
    total = sum(sum(row) for row in grid)

    def level(count: int) -> int:
        return -(-count * 4 // top) if count else 0  # quarters of the busiest hour, rounded up

    busiest = ""
    if top:
        day, hour = max(
            ((d, h) for d in range(7) for h in range(24)), key=lambda dh: grid[dh[0]][dh[1]]
        )
        busiest = f"{WEEKDAYS[day]} {_hour_label(hour)}–{_hour_label(hour + 1)}"
    rows = [(WEEKDAYS[d], [(grid[d][h], level(grid[d][h])) for h in range(24)]) for d in range(7)]
    return BusyHours(rows=rows, total=total, busiest=busiest, time_zone=business.time_zone)


def _hour_label(hour: int) -> str:
    hour %= 24
    return f"{(hour % 12) or 12} {'AM' if hour < 12 else 'PM'}"


# --- search: by name, number or message text --------------------------------------------------
MIN_DIGITS = 3


def _search_terms(query: str) -> list[str]:
    """Words of the query, reduced to what tsquery accepts as prefix terms."""
    words = ("".join(ch if ch.isalnum() else " " for ch in query)).split()
    return [w.lower() for w in words if w][:8]


def search(*, business: Business, query: str) -> QuerySet[Conversation]:
    """Conversations whose contact's name or number, or any of whose texts, match the query.

    On PostgreSQL the texts are searched through the full-text index (the migration's
    message_body_search, prefix matching so "leak" finds "leaking"); names and numbers are
    matched on the business's own contacts. The demo's SQLite has no such index and scans.
    """
    from django.db import connection

    query = query.strip()[:100]
    base = inbox(business=business, show=InboxFilter.ALL)
    terms = _search_terms(query)
    if not terms:
        return base.none()
    digits = "".join(ch for ch in query if ch.isdigit())
    by_contact = Q(contact__name__icontains=query)
    if len(digits) >= MIN_DIGITS:
        by_contact |= Q(contact__phone_number__contains=digits)
    texts = Message.objects.filter(business=business)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        tsquery = " & ".join(f"{term}:*" for term in terms)
        texts = texts.annotate(document=SearchVector("body", config="simple")).filter(
            document=SearchQuery(tsquery, search_type="raw", config="simple")
        )
    else:
        for term in terms:
            texts = texts.filter(body__icontains=term)
    return base.filter(by_contact | Q(pk__in=texts.values("conversation_id")))


def quick_replies_for(*, business: Business) -> QuerySet:
    from messaging.models import QuickReply

    return QuickReply.objects.filter(business=business).order_by("title")
