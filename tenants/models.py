from __future__ import annotations

import uuid
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber

DEFAULT_QUALIFYING_QUESTION = "What can we help with today?"
TEXTBACK_FRESH_MINUTES_MIN = 5


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: an owner or staff member of one or more businesses, or an admin."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the Lasso admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/Chicago).")


class Business(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    qualifying_question = models.CharField(max_length=120, default=DEFAULT_QUALIFYING_QUESTION)
    textback_plain_hyphen = models.BooleanField(
        default=False,
        help_text="Use a plain hyphen instead of the dash so the text-back stays GSM-7.",
    )
    ring_timeout_seconds = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(5), MaxValueValidator(60)]
    )
    screening_enabled = models.BooleanField(
        default=True,
        help_text="Whisper the call to the answering phone and require a keypress, so a "
        "voicemail can never count as answered.",
    )
    voicemail_enabled = models.BooleanField(
        default=True, help_text="Offer missed callers the chance to leave a voicemail."
    )
    textback_cooldown_hours = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(168)]
    )
    textback_fresh_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(TEXTBACK_FRESH_MINUTES_MIN), MaxValueValidator(240)],
        help_text="A text-back not sent within this many minutes of the call is not sent "
        "late: the caller goes to the callback queue instead.",
    )
    reply_window_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    same_country_only = models.BooleanField(
        default=True, help_text="Text back only callers from the countries the business texts."
    )
    texted_countries = models.JSONField(
        default=list,
        blank=True,
        help_text='The countries the business texts, as ISO codes (e.g. ["US", "CA"]); empty '
        "means its Lasso number's country. SMS consent on the callback form is accepted only "
        "for numbers in these countries.",
    )
    callback_confirmations_per_day = models.PositiveSmallIntegerField(
        default=200,
        validators=[MinValueValidator(0), MaxValueValidator(5000)],
        help_text="At most this many callback-form confirmation texts in any 24 hours.",
    )
    support_contact = models.CharField(
        max_length=120, blank=True, help_text="Phone or email given in HELP replies."
    )
    business_hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per weekday opening hours, e.g. {"mon": ["08:00", "17:00"]}.',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "businesses"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def stored_e164(value: object) -> str:
    """A PhoneNumberField's value as E.164 text, or "" when empty, without re-validating."""
    if isinstance(value, PhoneNumber):
        return value.as_e164 if value.national_number else ""
    return str(value or "")


class TwilioNumber(models.Model):
    class Mode(models.TextChoices):
        FORWARD = "forward", "Forward: Lasso rings the business"
        MISSED_ONLY = "missed-only", "Missed only: the carrier forwards unanswered calls"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="numbers")
    phone_number = PhoneNumberField(unique=True)
    forward_to = PhoneNumberField(blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.FORWARD)
    # The Twilio account that owns the number, whose token signs its webhooks and whose
    # credentials send its texts. None: the platform (parent) account, as for every number
    # attached by create_business.
    subaccount = models.ForeignKey(
        "TwilioSubaccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="numbers",
        help_text="Empty: the number belongs to Lasso's platform Twilio account.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["phone_number"]

    def __str__(self) -> str:
        return str(self.phone_number)

    @property
    def e164(self) -> str:
        """The number as stored, in E.164. Every voice webhook reads it: str() would run
        libphonenumber's full validity check each time, which was done when it was saved."""
        return stored_e164(self.phone_number)

    @property
    def forward_to_e164(self) -> str:
        """The forward-to number in E.164, or "" when there is none (as `e164`)."""
        return stored_e164(self.forward_to)

    def clean(self) -> None:
        if self.mode == self.Mode.FORWARD and not self.forward_to:
            raise ValidationError({"forward_to": "A forwarding number needs a number to ring."})


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STAFF)
    mobile_number = PhoneNumberField(
        blank=True, help_text="This member's own cell: never texted back as a caller."
    )
    sms_alerts = models.BooleanField(
        default=False, help_text="Also text this member's own cell when a customer replies."
    )
    # Alert texts carry customer details, so they go only to a number its member proved is
    # theirs by typing back a code sent to it (tenants.verification). Changing the number
    # clears it; numbers saved before verification existed start unverified.
    mobile_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member typed back the code texted to it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="membership_unique")
        ]
        ordering = ["business", "role", "user"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.business}"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER

    @property
    def mobile_verified(self) -> bool:
        return bool(self.mobile_number) and self.mobile_verified_at is not None


class MobileVerification(models.Model):
    """A 6-digit code texted to a member's mobile. Only a keyed hash of the code is kept."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="verifications"
    )
    phone_number = PhoneNumberField()
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"code for {self.phone_number} ({self.created_at:%Y-%m-%d %H:%M})"


class Invitation(models.Model):
    """An owner asked someone to join a business; they join only by accepting it."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(help_text="Lower-cased; matched against the account's email.")
    role = models.CharField(max_length=8, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "email"],
                condition=models.Q(accepted_at__isnull=True, declined_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.business} ({self.role})"


class BlockedNumber(models.Model):
    """A caller the business never wants texted (e.g. a known spammer or a supplier)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="blocked")
    phone_number = PhoneNumberField()
    note = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "phone_number"], name="blocked_unique")
        ]

    def __str__(self) -> str:
        return str(self.phone_number)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TwilioSubaccount(models.Model):
    """A business's own Twilio account under Lasso's platform account, created once.

    Its SID and auth token are stored only encrypted (FIELD_ENCRYPTION_KEY, see
    tenants.onboarding.encryption); `sid_digest`, a keyed hash of the SID, finds the row
    for a webhook's AccountSid without decrypting every row."""

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, related_name="twilio_subaccount"
    )
    sid_digest = models.CharField(max_length=64, unique=True)
    sid_encrypted = models.TextField()
    auth_token_encrypted = models.TextField()
    # Made by the console backend (no Twilio account configured): a demo stand-in.
    simulated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Twilio subaccount of {self.business}"


class Signup(models.Model):
    """Someone asked for an account. Nothing else exists until they open the link emailed
    to them: then the user, the business and the owner membership are created together.
    Only the password's hash is kept; the link is signed (tenants.onboarding.links), not
    stored."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    # The address as a mailbox: lower-cased, without a +tag, without dots for Gmail.
    email_key = models.CharField(max_length=254, db_index=True)
    full_name = models.CharField(max_length=150)
    business_name = models.CharField(max_length=80)
    password_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    business = models.ForeignKey(
        Business, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"sign-up of {self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class Onboarding(models.Model):
    """A self-serve business's way through the set-up wizard (/app/onboarding/).

    The forward-to phone and the mode are chosen before the business has a number, so they
    wait here until the number exists."""

    class Step(models.TextChoices):
        TIME_ZONE = "time-zone", "Time zone"
        PHONE = "phone", "The phone that rings"
        QUESTION = "question", "The text-back"
        NUMBER = "number", "Your Lasso number"
        TEST_CALL = "test-call", "Test call"
        DONE = "done", "Done"

    business = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="onboarding")
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.TIME_ZONE)
    forward_to = PhoneNumberField(blank=True)
    mode = models.CharField(
        max_length=16, choices=TwilioNumber.Mode.choices, default=TwilioNumber.Mode.FORWARD
    )
    # When the owner reached the test-call step: the first call after it is the test call.
    test_call_started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"onboarding of {self.business} ({self.step})"
