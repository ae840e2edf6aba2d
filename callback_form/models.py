"""A person's request, on a public form, to be called back by a business."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from tenants.models import Business

NAME_MAX_LENGTH = 80
DETAILS_MAX_LENGTH = 1000
PREFERRED_TIME_MAX_LENGTH = 80


class CallbackRequest(models.Model):
    """Someone the business should call back: a person who asked on the public form, or a
    missed caller Lasso could not text in time (the queue is one list, labelled by source)."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        CALLED_BACK = "called_back", "Called back"

    class Source(models.TextChoices):
        FORM = "form", "Callback form"
        TEXTBACK_EXPIRED = "textback_expired", "Text-back expired"
        # Found after an outage: the forwarded leg was answered, but by a person or a
        # voicemail box nobody can tell (the screen's keypress never reached Lasso).
        OUTAGE_UNVERIFIED = "outage_unverified", "Outage: answer not verified"

    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="callback_requests"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.FORM)
    # The missed call behind a queued caller (source other than the form): one entry per call.
    call = models.ForeignKey(
        "calls.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    phone_number = PhoneNumberField(help_text="Stored in E.164, e.g. +14155550132.")
    details = models.TextField(max_length=DETAILS_MAX_LENGTH, blank=True)
    preferred_time = models.CharField(max_length=PREFERRED_TIME_MAX_LENGTH, blank=True)
    sms_consent = models.BooleanField(
        default=False, help_text="The person ticked the SMS-consent box themselves."
    )
    # Evidence of consent, filled only when the box was ticked: the ledger holds the same.
    disclosure_text = models.TextField(blank=True)
    disclosure_version = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    page_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    called_back_at = models.DateTimeField(null=True, blank=True)
    called_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set once messaging has opened the conversation and notified the team; NULL rows are
    # picked up again by the sweep (e.g. the broker was down when the form was submitted).
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call"],
                condition=Q(call__isnull=False),
                name="one_queue_entry_per_call",
            )
        ]
        indexes = [
            models.Index(fields=["business", "-created_at"], name="callback_queue_idx"),
            models.Index(
                fields=["created_at"],
                name="callback_unprocessed_idx",
                condition=Q(processed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone_number}) for {self.business}"
