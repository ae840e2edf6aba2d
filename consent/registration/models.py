"""A business's brand facts for carrier registration: one row per business, owner-edited.

Only what Lasso cannot know is stored here (legal name, tax id, address, contact). The
campaign itself (description, message flow, samples, keywords) is never stored: it is built
from live configuration each time (consent.registration.packet), so it cannot drift from
what the business really sends.

Submission through Twilio's APIs is a list of steps (RegistrationStep), one row each, claimed
before Twilio is asked and holding the SID Twilio gave: a retry continues where the last
attempt stopped and never creates a second profile, brand, service or campaign.
"""

from __future__ import annotations

from django.db import models

from tenants.models import Business


class CarrierRegistration(models.Model):
    class EntityType(models.TextChoices):
        COMPANY = "company", "Company with an EIN"
        SOLE_PROPRIETOR = "sole_proprietor", "Sole proprietor (no EIN)"

    class BusinessType(models.TextChoices):
        # Twilio's business_type values for a business with a tax id.
        CORPORATION = "Corporation", "Corporation"
        LLC = "Limited Liability Corporation", "Limited liability company (LLC)"
        PARTNERSHIP = "Partnership", "Partnership"
        CO_OPERATIVE = "Co-operative", "Co-operative"
        NON_PROFIT = "Non-profit Corporation", "Non-profit corporation"

    class Position(models.TextChoices):
        # Twilio's job_position values for the authorised representative.
        CEO = "CEO", "CEO"
        CFO = "CFO", "CFO"
        GM = "GM", "General manager"
        VP = "VP", "Vice president"
        DIRECTOR = "Director", "Director"
        GENERAL_COUNSEL = "General Counsel", "General counsel"
        OTHER = "Other", "Other (owner, partner…)"

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
    business_type = models.CharField(
        max_length=32,
        choices=BusinessType.choices,
        blank=True,
        help_text="As registered with the state (a company with an EIN).",
    )
    street = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=80, blank=True)
    region = models.CharField("State", max_length=2, blank=True, help_text="Two letters: NY.")
    postal_code = models.CharField("ZIP code", max_length=10, blank=True)
    website = models.URLField(blank=True, help_text="The business's own site, https://…")
    vertical = models.CharField(max_length=16, choices=Vertical.choices, blank=True)
    contact_first_name = models.CharField(max_length=60, blank=True)
    contact_last_name = models.CharField(max_length=60, blank=True)
    contact_title = models.CharField(
        "Contact's title",
        max_length=60,
        blank=True,
        help_text="The authorised representative's title at the business, e.g. Owner.",
    )
    contact_position = models.CharField(
        "Contact's position", max_length=16, choices=Position.choices, blank=True
    )
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
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The business's Messaging Service, and the number in it: set once Twilio holds the number
    # in the service, and read by every send from that number (consent.registration.routing).
    messaging_service_sid = models.CharField(max_length=34, blank=True)
    messaging_service_number = models.CharField(max_length=20, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "consent"

    def __str__(self) -> str:
        return f"Carrier registration of {self.business}"


class RegistrationStep(models.Model):
    """One thing Lasso asks Twilio for during submission, in the business's account.

    `state` moves todo → claimed → done (or failed); a claim is a conditional update, so two
    workers never both ask Twilio. A step whose answer was lost (`unknown`) is looked up in
    Twilio's records before it is ever asked for again. `twilio_status` is what Twilio last
    said of a reviewed resource (bundle, brand, campaign), with its `errors`."""

    class State(models.TextChoices):
        TODO = "todo", "To do"
        CLAIMED = "claimed", "In progress"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Answer lost; checking Twilio's records"
        REFRESH = "refresh", "To update with corrected facts"

    registration = models.ForeignKey(
        CarrierRegistration, on_delete=models.CASCADE, related_name="steps"
    )
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.TODO)
    sid = models.CharField(max_length=40, blank=True)
    twilio_status = models.CharField(max_length=30, blank=True)
    # [{"code": "30897", "text": "…"}]: Twilio's own codes and words.
    errors = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "consent"
        ordering = ["registration", "id"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "key"], name="registration_step_once")
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.business}: {self.state}"
