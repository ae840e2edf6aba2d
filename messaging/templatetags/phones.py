"""Phone numbers as the owner reads them: national format for the business's own country
(“(415) 555-0123”), international for anyone else. Only the display changes: links dial
the stored E.164, and the API and exports keep E.164."""

from __future__ import annotations

from datetime import datetime

import phonenumbers
from django import template
from django.conf import settings
from django.utils import timezone

from tenants.models import Business

register = template.Library()


def business_calling_code(business: Business | None) -> int:
    """The calling code of the country the business texts first, else its Lasso number's;
    remembered on the object so a page of numbers costs at most one query."""
    if business is None:
        return phonenumbers.country_code_for_region(settings.PHONENUMBER_DEFAULT_REGION)
    cached = getattr(business, "_calling_code", None)
    if cached is not None:
        return cached
    code = 0
    if business.texted_countries:
        code = phonenumbers.country_code_for_region(business.texted_countries[0])
    if not code:
        number = business.numbers.order_by("pk").values_list("phone_number", flat=True).first()
        try:
            code = phonenumbers.parse(str(number)).country_code if number else 0
        except phonenumbers.NumberParseException:
            code = 0
    code = code or phonenumbers.country_code_for_region(settings.PHONENUMBER_DEFAULT_REGION)
    business._calling_code = code  # type: ignore[attr-defined]
    return code


def display_number(number: object, business: Business | None) -> str:
    text = str(number or "")
    if not text:
        return ""
    try:
        parsed = phonenumbers.parse(text)
    except phonenumbers.NumberParseException:
        return text  # a withheld or odd caller id is shown as Twilio gave it
    if parsed.country_code == business_calling_code(business):
        fmt = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        fmt = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, fmt)


@register.simple_tag(takes_context=True)
def phone(context: template.Context, number: object) -> str:
    """{% phone number %}: the number as the owner dials it."""
    return display_number(number, context.get("active_business"))


@register.filter
def first_line(text: str | None, limit: int = 80) -> str:
    """A message's first line, shortened for a one-line preview."""
    line = next((part.strip() for part in (text or "").splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago, in the fewest characters a phone row needs: "now", "4 min", "3 h",
    "2 d". (Cheaper than Django's timesince, which a 50-row inbox felt.)"""
    if moment is None:
        return ""
    seconds = int((timezone.now() - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"
