"""Writes for carrier registration: the owner's brand facts, one row per business."""

from __future__ import annotations

from consent.registration.models import CarrierRegistration
from tenants.models import Business

BRAND_FIELDS = (
    "legal_name",
    "dba_name",
    "entity_type",
    "ein",
    "business_type",
    "street",
    "city",
    "region",
    "postal_code",
    "website",
    "vertical",
    "contact_first_name",
    "contact_last_name",
    "contact_title",
    "contact_position",
    "contact_email",
    "contact_phone",
    "has_embedded_links",
    "has_embedded_phone",
)


def save_brand(*, business: Business, facts: dict[str, object]) -> CarrierRegistration:
    """Store the brand facts as given; the lint, not this, says whether they will pass."""
    values = {name: facts[name] for name in BRAND_FIELDS if name in facts}
    for name in ("region",):
        if isinstance(values.get(name), str):
            values[name] = str(values[name]).strip().upper()
    registration, _ = CarrierRegistration.objects.update_or_create(
        business=business, defaults=values
    )
    return registration
