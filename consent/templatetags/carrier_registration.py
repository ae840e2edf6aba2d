"""The overview's carrier-registration notice: shown until the business's campaign is
approved, with how many texts carriers refused as unregistered (Twilio 30034)."""

from __future__ import annotations

from django import template

from consent.registration import selectors
from tenants.models import Business

register = template.Library()


@register.inclusion_tag("consent/registration/_notice.html", takes_context=True)
def registration_notice(context: template.Context, business: Business | None) -> dict[str, object]:
    if business is None or selectors.is_approved(business=business):
        return {"show": False}
    registration = selectors.registration_for(business=business)
    membership = context.get("active_membership")
    return {
        "show": True,
        "status_label": registration.get_status_display() if registration.pk else "",
        "blocked": selectors.unregistered_failures(business=business),
        "days": selectors.RECENT_DAYS,
        "is_owner": bool(membership and membership.is_owner),
    }
