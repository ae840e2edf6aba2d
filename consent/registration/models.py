"""A business's brand facts for carrier registration: one row per business, owner-edited.

Only what Lasso cannot know is stored here (legal name, tax id, address, contact). The
campaign itself (description, message flow, samples, keywords) is never stored: it is built
from live configuration each time (consent.registration.packet), so it cannot drift from
what the business really sends.
"""

from __future__ import annotations

from django.db import models

from tenants.models import Business


class CarrierRegistration(models.Model):
    class EntityType(models.TextChoices):
        COMPANY = "company", "Company with an EIN"
        SOLE_PROPRIETOR = "sole_proprietor", "Sole proprietor (no EIN)"

    class Vertical(models.TextChoices):
        # Twilio's business_industry values that fit the service businesses Lasso serves.
        CONSTRUCTION = "CONSTRUCTION", "Construction and trades"
        REAL_ESTATE = "REAL_ESTATE", "Real estate"
        HEALTHCARE = "HEALTHCARE", "Healthcare"
        AUTOMOTIVE = "AUTOMOTIVE", "Automotive"
        PROFESSIONAL = "PROFESSIONAL", "Professional services"
        RETAIL = "RETAIL", "Retail"
        HOSPITALITY = "HOSPITALITY", "Hospitality"
        EDUCATION = "EDUCATION", "Education"
        LEGAL = "LEGAL", "Legal"
        TRANSPORTATION = "TRANSPORTATION", "Transportation"
        OTHER = "OTHER", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Not submitted"
        PENDING = "pending", "In review"
        APPROVED = "approved", "Approved"
        FAILED = "failed", "Rejected"

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="carrier_registration"
    )
    legal_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="Exactly as on the IRS letter (CP 575) or state filing.",
    )
    dba_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="The name customers know, when it differs from the legal name.",
    )
    entity_type = models.CharField(
        max_length=16, choices=EntityType.choices, default=EntityType.COMPANY
    )
    ein = models.CharField("EIN", max_length=10, blank=True, help_text="Nine digits: 12-3456789.")
    street = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=80, blank=True)
    region = models.CharField("State", max_length=2, blank=True, help_text="Two letters: NY.")
    postal_code = models.CharField("ZIP code", max_length=10, blank=True)
    website = models.URLField(blank=True, help_text="The business's own site, https://…")
    vertical = models.CharField(max_length=16, choices=Vertical.choices, blank=True)
    contact_first_name = models.CharField(max_length=60, blank=True)
    contact_last_name = models.CharField(max_length=60, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=20, blank=True, help_text="+1 and ten digits.")
    # Declared to carriers; the lint holds them to what the samples really contain.
    has_embedded_links = models.BooleanField(
        default=False, help_text="Texts will contain links (web addresses)."
    )
    has_embedded_phone = models.BooleanField(
        default=False, help_text="Texts will contain phone numbers."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "consent"

    def __str__(self) -> str:
        return f"Carrier registration of {self.business}"
