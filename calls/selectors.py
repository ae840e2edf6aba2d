"""Reads on calls, always for one business."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from calls.models import Call
from messaging.models import Message
from tenants.models import Business


def calls_for(*, business: Business, outcome: str = "") -> QuerySet[Call]:
    """The business's calls, newest first, each with its text-back's status (if any)."""
    textback = Message.objects.filter(call=OuterRef("pk"), kind=Message.Kind.TEXTBACK)
    calls = (
        Call.objects.filter(business=business)
        .annotate(
            textback_status=Subquery(textback.values("status")[:1]),
            textback_error=Subquery(textback.values("error_message")[:1]),
        )
        .order_by("-started_at", "-id")
    )
    if outcome:
        calls = calls.filter(outcome=outcome)
    return calls
