"""Reads for the after-hours text-back, always for one business."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from messaging.models import AfterHoursTextback
from tenants.models import Business

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def settings_for(*, business: Business) -> AfterHoursTextback:
    """The saved settings, or the defaults (off) when the owner never saved any."""
    found = AfterHoursTextback.objects.filter(business=business).first()
    return found or AfterHoursTextback(business=business)


def is_open(*, business: Business, at: datetime) -> bool:
    """Within the business's hours at `at`, in its own time zone. A weekday without hours
    is closed; with no hours at all the business counts as always open (nothing to say)."""
    hours = business.business_hours or {}
    if not hours:
        return True
    local = at.astimezone(zoneinfo.ZoneInfo(business.time_zone))
    span = hours.get(DAYS[local.weekday()])
    if not span:
        return False
    now = local.strftime("%H:%M")
    return span[0] <= now < span[1]


def after_hours_question(*, business: Business, at: datetime) -> str | None:
    """The question to ask instead of the qualifying question, or None to keep the
    registered sentence (turned off, no hours set, or open at `at`)."""
    if not business.business_hours:
        return None
    saved = AfterHoursTextback.objects.filter(business=business, enabled=True).first()
    if saved is None or is_open(business=business, at=at):
        return None
    return saved.question


def needs_prompt(*, business: Business) -> bool:
    """Businesses that saved hours before the after-hours text-back existed are asked once
    whether to turn it on."""
    if not business.business_hours:
        return False
    saved = AfterHoursTextback.objects.filter(business=business).first()
    return saved is None or (not saved.enabled and saved.prompt_answered_at is None)
