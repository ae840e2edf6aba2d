"""Reads on callback requests. Every lookup for a view is scoped to one business."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from callback_form.models import CallbackRequest
from tenants.models import Business

HOUSE_BUSINESS_SLUG = "lasso"


def business_for_form(*, slug: str) -> Business:
    """The business whose public form this is; an unknown slug is a 404."""
    return get_object_or_404(Business, slug=slug)


def callback_queue(*, business: Business) -> QuerySet[CallbackRequest]:
    """The business's requests, newest first, with who called each back and what became of
    the confirmation text (held back by a cap, and why)."""
    from messaging.models import Message

    confirmation = Message.objects.filter(
        business=business,
        kind=Message.Kind.CALLBACK_CONFIRMATION,
        callback_request_id=OuterRef("pk"),
    )
    return (
        CallbackRequest.objects.filter(business=business)
        .select_related("called_back_by", "call")
        .annotate(
            confirmation_status=Subquery(confirmation.values("status")[:1]),
            confirmation_note=Subquery(confirmation.values("error_message")[:1]),
        )
        .order_by("-created_at", "-id")
    )


def find_callback_request(*, business: Business, public_id: uuid.UUID) -> CallbackRequest | None:
    return CallbackRequest.objects.filter(business=business, public_id=public_id).first()


def callback_request_for(*, business: Business, public_id: uuid.UUID) -> CallbackRequest:
    """One of the business's requests; another business's (or none) is a 404."""
    callback_request = find_callback_request(business=business, public_id=public_id)
    if callback_request is None:
        raise Http404("No such callback request.")
    return callback_request


def unprocessed_callback_request_ids(*, created_before: datetime, limit: int) -> list[int]:
    """Requests never handed to messaging (the system sweep, across all businesses)."""
    return list(
        CallbackRequest.objects.filter(processed_at__isnull=True, created_at__lt=created_before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
