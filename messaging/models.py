from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from calls.models import Call
from tenants.models import Business


class Contact(models.Model):
    """A person who contacted a business, by number. Created only from an inbound contact
    (a call, a text or the callback form): there is no import and no way to add one by hand."""

    # Indexed as the first column of contact_unique (below).
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    phone_number = models.CharField(max_length=20)
    name = models.CharField(max_length=80, blank=True)
    notes = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    # When someone on the team last edited the name or notes: the inbox shows the name, so
    # its live-update fingerprint must move when a name changes (messaging.selectors).
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "phone_number"], name="contact_unique")
        ]

    def __str__(self) -> str:
        return self.name or self.phone_number


# The inbox's tabs as conditions on a conversation: used by messaging.selectors.inbox and by
# the partial indexes below, so the planner always matches one to the other.
OPTED_OUT = Q(consent_state__in=["opt_out", "carrier_opt_out"])
# Not ~OPTED_OUT: NOT IN over a NULL state would drop numbers that never opted in or out.
WAITING_FOR_REPLY = Q(needs_reply=True) & (
    Q(consent_state__isnull=True) | Q(consent_state="opt_in")
)


class Conversation(models.Model):
    """The one thread between a business and a contact."""

    # Indexed as the first column of conversation_inbox_idx (below).
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="conversations", db_index=False
    )
    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="conversation")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    business_number = models.CharField(
        max_length=20, help_text="The business's Lasso number this person last contacted."
    )
    last_activity_at = models.DateTimeField(db_index=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_textback_at = models.DateTimeField(null=True, blank=True)
    unread_count = models.PositiveIntegerField(default=0)
    needs_reply = models.BooleanField(default=False)
    # The customer wrote something that may mean "stop" ("cancel that", "who gave you this
    # number?"): a person should read it before anyone replies.
    possible_opt_out = models.BooleanField(default=False)
    repeat_calls = models.PositiveIntegerField(default=0)
    # The handoff burst: members are notified once, then not again until they have seen it
    # or the conversation has been quiet for a while (see messaging.handoff).
    handoff_pending_since = models.DateTimeField(null=True, blank=True)
    handoff_notified_at = models.DateTimeField(null=True, blank=True)
    # A copy of the consent ledger's latest STOP/START for the contact's number (the kind of
    # that event, or None when there is none), so the inbox filters on a column and reads one
    # page instead of asking the ledger about every conversation. Written only by
    # messaging.consent_state, in the transaction that appends the event or creates the
    # conversation; the ledger stays the authority for "may we text?".
    consent_state = models.CharField(max_length=20, null=True, blank=True)

    class Meta:
        ordering = ["-last_activity_at"]
        # One index per inbox tab, each in the tab's order, so a page is one index range
        # (LIMIT/OFFSET stop early) and the tab's count reads only its own rows. The
        # conditions are the ones messaging.selectors.inbox filters on (above).
        indexes = [
            models.Index(
                fields=["business", "-last_activity_at", "-id"], name="conversation_inbox_idx"
            ),
            models.Index(
                fields=["business", "-last_activity_at", "-id"],
                name="conversation_needs_reply_idx",
                condition=WAITING_FOR_REPLY,
            ),
            models.Index(
                fields=["business", "-last_activity_at", "-id"],
                name="conversation_opted_out_idx",
                condition=OPTED_OUT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} at {self.business}"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", "From the customer"
        OUTBOUND = "out", "To the customer"

    class Kind(models.TextChoices):
        TEXTBACK = "textback", "Missed-call text-back"
        REPLY = "reply", "Reply from the team"
        KEYWORD = "keyword", "STOP/START confirmation"
        HELP = "help", "HELP answer"
        CALLBACK_CONFIRMATION = "callback_confirmation", "Callback request confirmation"
        INBOUND = "inbound", "Customer message"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        QUEUED = "queued", "Queued at Twilio"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown (checking Twilio's records)"
        EXPIRED = "expired", "Not sent: too late (caller queued for a callback)"
        CANCELED = "canceled", "Not sent"
        RECEIVED = "received", "Received"

    # Indexed as the first column of message_business_status_idx (below), not on its own.
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    # Indexed as the first column of the (conversation, created_at) index (below).
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    body = models.TextField(blank=True)
    media_count = models.PositiveSmallIntegerField(default=0)
    from_number = models.CharField(max_length=20)
    to_number = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices)  # message_status_idx
    # unique: message_twilio_sid_unique (below)
    twilio_sid = models.CharField(max_length=64, null=True, blank=True)
    error_code = models.CharField(max_length=10, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    segments = models.PositiveSmallIntegerField(default=1)
    encoding = models.CharField(max_length=8, blank=True)
    # What justifies this message: the missed call, the inbound message it answers, or the
    # callback request that asked for texts.
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    callback_request_id = models.BigIntegerField(null=True, blank=True)
    sent_by = models.ForeignKey(
        "tenants.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # Times Twilio's records were read without settling an unknown outcome (see
    # messaging.reconcile); past its limit the message is shown to the owner as unresolved.
    outcome_checks = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        # A text-back inserts its message and updates it twice (claimed, sent), each time
        # into every index: only those a query needs, declared here rather than with
        # unique=True / db_index=True (which add an unused LIKE copy of each text column).
        indexes = [
            models.Index(fields=["conversation", "created_at"]),
            models.Index(fields=["status"], name="message_status_idx"),
            models.Index(
                fields=["status", "next_attempt_at"],
                name="message_due_idx",
                condition=Q(status="pending"),
            ),
            # A business's texts in one status, newest first: the inbox's "could not confirm
            # with Twilio" list reads one short range of it. Statements are prepared
            # (lasso/settings.py), and a generic plan cannot tell 'unknown' (a handful of
            # rows) from 'delivered' (most of them): without this index it walked every
            # text by created_at looking for 20 unknown ones (0.6 s at a million texts).
            models.Index(
                fields=["business", "status", "-created_at"], name="message_business_status_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["twilio_sid"], name="message_twilio_sid_unique"),
            # Exactly one text-back per missed call: the database says no to a second.
            models.UniqueConstraint(
                fields=["call"],
                condition=Q(kind="textback"),
                name="one_textback_per_call",
            ),
            # One answer per inbound keyword message (STOP/START/HELP), however often
            # Twilio redelivers it.
            models.UniqueConstraint(
                fields=["in_reply_to"],
                condition=Q(kind__in=["keyword", "help"]),
                name="one_keyword_answer_per_message",
            ),
            models.UniqueConstraint(
                fields=["callback_request_id"],
                condition=Q(kind="callback_confirmation"),
                name="one_confirmation_per_callback_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.to_number} ({self.status})"


# A text-back in one of these states reached Twilio, may have, or is on its way: it starts
# the per-caller cooldown. Refused, expired and failed-before-Twilio text-backs do not.
TEXTED_STATUSES = (
    Message.Status.PENDING,
    Message.Status.SENDING,
    Message.Status.QUEUED,
    Message.Status.SENT,
    Message.Status.DELIVERED,
    Message.Status.UNDELIVERED,
    Message.Status.UNKNOWN,
)


class Alert(models.Model):
    """Something the team should know about: a customer reply or a repeat missed call."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Customer replied"
        CALLED_AGAIN = "called_again", "Called again"
        CALLBACK_REQUEST = "callback_request", "Callback requested"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="alerts")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="alerts", null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=300)
    call = models.ForeignKey(Call, on_delete=models.SET_NULL, null=True, blank=True)
    callback_request_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set only once the members were told. A worker claims an alert before sending so two
    # never send it at once; a claim left by a failed or dead worker is taken over later.
    notify_claimed_at = models.DateTimeField(null=True, blank=True)
    notify_attempts = models.PositiveSmallIntegerField(default=0)
    notify_error = models.CharField(max_length=300, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["call"], condition=Q(kind="called_again"), name="one_alert_per_repeat_call"
            ),
            models.UniqueConstraint(
                fields=["callback_request_id"],
                condition=Q(kind="callback_request"),
                name="one_alert_per_callback_request",
            ),
        ]

    def __str__(self) -> str:
        return self.summary


class QuickReply(models.Model):
    """A reply the team saved to send again ("On our way — about 20 minutes."). Choosing one
    only fills the reply box: it is sent through the same reply rule and consent check as
    anything typed."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="quick_replies")
    title = models.CharField(max_length=40)
    body = models.CharField(max_length=480)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["business", "title"], name="quick_reply_unique_title")
        ]

    def __str__(self) -> str:
        return self.title


DEFAULT_AFTER_HOURS_QUESTION = "We're closed right now. What can we help with when we open?"


class AfterHoursTextback(models.Model):
    """A business's after-hours wording for the text-back. Off until the owner turns it on;
    while off, or with no business hours set, the text-back is exactly the registered
    sentence. Stored beside the text-back's other rules in messaging, not on Business."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="after_hours_textback"
    )
    enabled = models.BooleanField(default=False)
    question = models.CharField(max_length=120, default=DEFAULT_AFTER_HOURS_QUESTION)
    # The one-time prompt for businesses that had saved hours: answered (either way) here.
    prompt_answered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"after-hours text-back for {self.business} ({'on' if self.enabled else 'off'})"
