"""Reads on calls, always for one business."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Count, OuterRef, QuerySet, Subquery

from calls.models import Call
from messaging.models import Message
from tenants.models import Business


def voicemail_call(*, business: Business, public_id: UUID) -> Call | None:
    """The business's call with this public id, when it has a recording to play."""
    return (
        Call.objects.filter(business=business, public_id=public_id)
        .exclude(recording_sid="")
        .first()
    )


def calls_for(*, business: Business, outcome: str = "") -> QuerySet[Call]:
    """The business's calls, newest first, each with its text-back's status (if any) and how
    many times this caller had called by then (repeat callers are the hottest leads)."""
    textback = Message.objects.filter(call=OuterRef("pk"), kind=Message.Kind.TEXTBACK)
    calls_so_far = (
        Call.objects.filter(
            business=business,
            from_number=OuterRef("from_number"),
            started_at__lte=OuterRef("started_at"),
        )
        .exclude(from_number="")
        .order_by()
        .values("from_number")
        .annotate(n=Count("pk"))
        .values("n")
    )
    calls = (
        Call.objects.filter(business=business)
        .annotate(
            textback_status=Subquery(textback.values("status")[:1]),
            textback_error=Subquery(textback.values("error_message")[:1]),
            caller_call_count=Subquery(calls_so_far[:1]),
        )
        .order_by("-started_at", "-id")
    )
    if outcome:
        calls = calls.filter(outcome=outcome)
    return calls
