from __future__ import annotations

import uuid

from django.db import models

from tenants.models import Business, TwilioNumber


class Call(models.Model):
    """One inbound call to a Lasso number, keyed by Twilio's CallSid.

    The outcome is decided once: it only ever moves from "pending" to a final value, by a
    conditional update (see calls.services), whatever order Twilio's callbacks arrive in.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "Ringing"
        ANSWERED = "answered", "Answered"
        MISSED = "missed", "Missed"
        SKIPPED = "skipped", "Missed, not texted"

    class RecordedFrom(models.TextChoices):
        INCOMING = "incoming", "Incoming webhook"
        CALLBACK = "callback", "A later callback"
        RECONCILED = "reconciled", "Twilio's call records, after an outage"

    class SkipReason(models.TextChoices):
        NONE = "", "—"
        ANONYMOUS = "anonymous", "Caller ID withheld"
        INVALID_NUMBER = "invalid_number", "Caller ID is not a valid number"
        SHORT_CODE = "short_code", "Caller is a short code"
        OWN_NUMBER = "own_number", "Caller is the business's own number"
        MEMBER = "member", "Caller is a team member"
        BLOCKED = "blocked", "Caller is on the block list"
        OTHER_COUNTRY = "other_country", "Caller is outside the business's country"

    # Indexed as the first column of the (business, from_number, started_at) index (below).
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="calls", db_index=False
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    twilio_number = models.ForeignKey(
        TwilioNumber, on_delete=models.SET_NULL, null=True, related_name="calls"
    )
    call_sid = models.CharField(max_length=64)  # unique: call_sid_unique (below)
    account_sid = models.CharField(
        max_length=34, blank=True, help_text="The Twilio account the call came in on."
    )
    from_raw = models.CharField(max_length=64, help_text="Caller ID exactly as Twilio sent it.")
    from_number = models.CharField(
        max_length=20, blank=True, help_text="Caller in E.164 when valid."
    )
    to_number = models.CharField(max_length=20)
    forwarded_from = models.CharField(
        max_length=20, blank=True, help_text="The line that forwarded the call (ForwardedFrom)."
    )
    called_via = models.CharField(
        max_length=20, blank=True, help_text="The number dialled, when another forwarded it."
    )
    mode = models.CharField(max_length=16, choices=TwilioNumber.Mode.choices)
    screening = models.BooleanField(default=False)
    started_at = models.DateTimeField(db_index=True)

    call_status = models.CharField(max_length=16, blank=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="When Twilio first reported a final call status."
    )
    dial_status = models.CharField(max_length=16, blank=True)
    dial_duration = models.PositiveIntegerField(null=True, blank=True)
    accepted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the answering phone pressed a key on the screen."
    )
    # Twilio's recording: the SID and URL stay server-side (playback streams through
    # Lasso); the URL is never rendered as a link, older rows may hold anything.
    recording_sid = models.CharField(max_length=34, blank=True)
    recording_url = models.CharField(max_length=500, blank=True)
    voicemail_seconds = models.PositiveIntegerField(null=True, blank=True)
    voicemail_transcript = models.TextField(blank=True)

    outcome = models.CharField(
        max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_reason = models.CharField(max_length=40, blank=True)
    skip_reason = models.CharField(max_length=20, choices=SkipReason.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    is_repeat = models.BooleanField(
        default=False,
        help_text="Missed again within the cooldown after an earlier call that was texted back.",
    )
    handed_off_at = models.DateTimeField(null=True, blank=True)
    # How Lasso first heard of the call: anything but the incoming webhook means that
    # webhook never reached the database (an outage, or a blip Twilio's retries covered).
    recorded_from = models.CharField(
        max_length=12, choices=RecordedFrom.choices, default=RecordedFrom.INCOMING
    )

    class Meta:
        ordering = ["-started_at"]
        # Every index is written on each insert and on each update that changes an indexed
        # column, several times per missed call: only those a query needs. Declared here
        # rather than with unique=True / db_index=True, which add a second copy of each
        # text column for LIKE 'prefix%' (varchar_pattern_ops) that no query runs.
        indexes = [
            models.Index(fields=["business", "from_number", "-started_at"]),
            models.Index(fields=["outcome"], name="call_outcome_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["call_sid"], name="call_sid_unique")]

    def __str__(self) -> str:
        return f"{self.call_sid} {self.from_raw} → {self.to_number} ({self.outcome})"


class Outage(models.Model):
    """A stretch of time in which Lasso's voice webhooks could not reach the database (or
    nothing of Lasso's ran), found afterwards, and the calls of it settled from Twilio's
    own records. Not tenant data: one outage touches every business."""

    class DetectedBy(models.TextChoices):
        WEBHOOKS = "webhooks", "Voice webhooks answered without the database"
        HEARTBEAT = "heartbeat", "The scheduler's heartbeat stopped"

    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    detected_by = models.CharField(max_length=12, choices=DetectedBy.choices)
    # Voice webhooks answered from the routing cache while the database was away (0 when
    # Redis was away too, or when only the fallback URL answered).
    degraded_answers = models.PositiveIntegerField(default=0)
    reconciled_at = models.DateTimeField(null=True, blank=True)
    calls_recorded = models.PositiveIntegerField(
        default=0, help_text="Calls found in Twilio's records that Lasso had not stored."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"outage {self.started_at:%Y-%m-%d %H:%M}–{self.ended_at:%H:%M} UTC"


class NumberSetup(models.Model):
    """What Lasso last told Twilio about one of its numbers (IncomingPhoneNumbers)."""

    number = models.OneToOneField(TwilioNumber, on_delete=models.CASCADE, related_name="+")
    twilio_sid = models.CharField(max_length=34, blank=True)
    # A digest of the URLs Twilio holds for the number; a new one means "configure again".
    configured = models.CharField(max_length=64, blank=True)
    configured_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.number} ({self.twilio_sid or 'not configured'})"


class Checkpoint(models.Model):
    """A named moment the scheduler last reached the database (its heartbeat)."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
