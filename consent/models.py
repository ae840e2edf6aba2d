"""The consent ledger: append-only evidence of every permission to text a number.

Rows are never updated or deleted: a PostgreSQL trigger (migration 0002) rejects both, so
neither the admin nor a bug can rewrite history. What a business may do is always derived
from these rows (see consent.selectors.may_text).
"""

from __future__ import annotations

from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from tenants.models import Business


class ConsentEvent(models.Model):
    class Kind(models.TextChoices):
        INBOUND_CALL = "inbound_call", "Called the business"
        INBOUND_TEXT = "inbound_text", "Texted the business"
        CALLBACK_FORM = "callback_form", "Asked for texts on the callback form"
        OPT_OUT = "opt_out", "Opted out"
        OPT_IN = "opt_in", "Opted back in"
        HELP = "help", "Asked for help"
        CARRIER_OPT_OUT = "carrier_opt_out", "Carrier reports opted out (21610)"

    class Channel(models.TextChoices):
        VOICE = "voice", "Phone call"
        SMS = "sms", "Text message"
        WEB = "web", "Web form"
        CARRIER = "carrier", "Carrier"

    # Both indexed as the first columns of the (business, phone_number, occurred_at) index
    # (below): every read of the ledger is one business's, for one number.
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    phone_number = PhoneNumberField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    source_ref = models.CharField(
        max_length=64, blank=True, help_text="CallSid, MessageSid or callback request id."
    )
    words = models.TextField(blank=True, help_text="What the person sent, verbatim.")
    disclosure_text = models.TextField(blank=True)
    disclosure_version = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    page_url = models.URLField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["business", "phone_number", "-occurred_at"])]
        constraints = [
            # The same webhook delivered twice is one piece of evidence, not two.
            models.UniqueConstraint(
                fields=["business", "kind", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="consent_event_once_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone_number} {self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"


# Carrier registration lives in its own package; imported here so the app owns its table.
from consent.registration.models import CarrierRegistration, RegistrationStep  # noqa: E402, F401
