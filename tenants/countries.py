"""Which countries a business texts: one rule for the text-back's caller check and for SMS
consent on the callback form.

A business texts the countries it lists (ISO codes, e.g. ["US", "CA"]); with none listed,
the country of the Lasso number being used, compared by calling code so the shared +1 plan
(US, Canada, the Caribbean) stays one country, as carriers bill it.
"""

from __future__ import annotations

import functools

import phonenumbers
from django.conf import settings

from tenants.models import Business

SUPPORTED = frozenset(phonenumbers.SUPPORTED_REGIONS)


@functools.lru_cache(maxsize=1024)
def _parsed(number: str) -> phonenumbers.PhoneNumber | None:
    """An E.164 number parsed (a business's own numbers come up on every call)."""
    try:
        return phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None


def texts_number(*, business: Business, number: str, own_number: str) -> bool:
    """May this business text `number` (E.164) as far as countries go? `own_number` is the
    business's Lasso number the text would come from."""
    theirs = _parsed(number)
    if theirs is None:
        return False
    listed = set(business.texted_countries or [])
    if listed:
        return phonenumbers.region_code_for_number(theirs) in listed
    ours = _parsed(own_number)
    if ours is None:
        # No Lasso number yet: the platform's home country.
        home = phonenumbers.country_code_for_region(settings.PHONENUMBER_DEFAULT_REGION)
        return theirs.country_code == home
    return theirs.country_code == ours.country_code


def texted_countries_label(*, business: Business, own_number: str) -> str:
    """The countries, for a person: "US, CA", or the Lasso number's country."""
    if business.texted_countries:
        return ", ".join(business.texted_countries)
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(own_number)) or "?"
    except phonenumbers.NumberParseException:
        return settings.PHONENUMBER_DEFAULT_REGION


def country_problems(codes: list[str]) -> list[str]:
    """Why a list of country codes is not acceptable; empty when it is."""
    unknown = sorted({code for code in codes if code not in SUPPORTED})
    if unknown:
        return [f"Not a country code: {', '.join(unknown)} (use two letters, e.g. US, CA)."]
    return []


def parse_country_list(text: str) -> list[str]:
    """'us, ca' → ['US', 'CA'], in the order given, without repeats."""
    seen: list[str] = []
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        code = part.strip().upper()
        if code and code not in seen:
            seen.append(code)
    return seen
