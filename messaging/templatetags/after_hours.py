"""The after-hours text-back as the Settings page summarises it. Settings ask messaging what
the text-back does after hours (messaging owns those rules); the page to change it stays
messaging's own."""

from __future__ import annotations

from django import template

from messaging.after_hours import selectors
from tenants.models import Business

register = template.Library()


@register.inclusion_tag("after_hours/_settings_section.html")
def after_hours_summary(business: Business) -> dict:
    """Whether the after-hours question is in use for `business`, and what it asks: one
    query, for the business the page is showing."""
    saved = selectors.settings_for(business=business)
    return {
        "has_hours": bool(business.business_hours),
        "enabled": saved.enabled,
        "question": saved.question,
    }
