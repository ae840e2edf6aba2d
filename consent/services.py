"""Appending to the consent ledger. Nothing here updates or deletes."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.models import ConsentEvent
from tenants.models import Business


def disclosure_version(text: str) -> str:
    """A stable fingerprint of the exact disclosure wording a person saw."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_event(
    *,
    business: Business,
    phone_number: str,
    kind: str,
    channel: str,
    source_ref: str = "",
    words: str = "",
    disclosure_text: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    page_url: str = "",
    occurred_at: datetime | None = None,
) -> ConsentEvent:
    """Append one event. The same source (e.g. a redelivered MessageSid) is recorded once:
    the existing row is returned instead of a duplicate."""
    if kind not in ConsentEvent.Kind.values:
        raise ValueError(f"Unknown consent event kind {kind!r}")
    fields = {
        "business": business,
        "phone_number": phone_number,
        "kind": kind,
        "channel": channel,
        "source_ref": source_ref,
        "words": words[:2000],
        "disclosure_text": disclosure_text,
        "disclosure_version": disclosure_version(disclosure_text) if disclosure_text else "",
        "ip_address": ip_address or None,
        "user_agent": user_agent[:400],
        "page_url": page_url[:500],
        "occurred_at": occurred_at or timezone.now(),
    }
    if not source_ref:
        return ConsentEvent.objects.create(**fields)
    try:
        with transaction.atomic():
            return ConsentEvent.objects.create(**fields)
    except IntegrityError:
        return ConsentEvent.objects.get(business=business, kind=kind, source_ref=source_ref)
