"""Appending to the consent ledger. Nothing here updates or deletes a ledger row; an event
that changes a number's state (opt-out, carrier opt-out, opt-in) also rewrites that
number's conversation copy of it, in the same transaction (messaging.consent_state)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from consent.models import ConsentEvent
from consent.selectors import STATE_KINDS
from lasso.rows import insert_new
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
    if kind not in STATE_KINDS:
        return _append(fields)[0]
    # The event and the conversation's copy of the state it makes commit together.
    with transaction.atomic():
        event, appended = _append(fields)
        if appended:
            _keep_conversation_state(business=business, phone_number=phone_number)
        return event


def _append(fields: dict) -> tuple[ConsentEvent, bool]:
    """The new row and True, or the row already recorded for the same source and False.
    One INSERT … ON CONFLICT DO NOTHING: the unique (business, kind, source_ref) decides,
    with no savepoint (this runs for every call and text)."""
    event = ConsentEvent(**fields)
    if insert_new(event) is not None:
        return event, True
    existing = ConsentEvent.objects.get(
        business=fields["business"], kind=fields["kind"], source_ref=fields["source_ref"]
    )
    return existing, False


def _keep_conversation_state(*, business: Business, phone_number: str) -> None:
    """The inbox keeps a copy of the number's state on its conversation; this is the one
    place that can change the state, so it rewrites the copy in the same transaction.
    Imported here, not at the top: messaging depends on consent, not the reverse."""
    from messaging import consent_state

    consent_state.refresh(business=business, phone_number=phone_number)
