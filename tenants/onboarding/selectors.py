"""Reads for self-serve onboarding: subaccount credentials (decrypted, for the in-memory
table in tenants.onboarding.credentials), a business's wizard state, whether an email
address already has an account, and what happened to the test call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from tenants.models import Business, Onboarding, TwilioNumber, TwilioSubaccount, User
from tenants.onboarding import encryption
from tenants.onboarding.emails import mailbox_key


@dataclass(frozen=True)
class SubaccountCredentials:
    sid: str
    auth_token: str
    numbers: frozenset[str]


def _credentials(row: TwilioSubaccount) -> SubaccountCredentials:
    return SubaccountCredentials(
        sid=encryption.decrypt(row.sid_encrypted),
        auth_token=encryption.decrypt(row.auth_token_encrypted),
        numbers=frozenset(str(number.phone_number) for number in row.numbers.all()),
    )


def subaccount_credentials(*, sid: str | None = None) -> list[SubaccountCredentials]:
    """Every subaccount (or the one with this SID), decrypted, with the numbers it owns."""
    rows = TwilioSubaccount.objects.prefetch_related("numbers")
    if sid is not None:
        rows = rows.filter(sid_digest=encryption.digest(sid))
    return [_credentials(row) for row in rows]


def subaccount_sid_of_number(*, number: str) -> str:
    """The SID of the subaccount that owns this Lasso number, or "" (the parent's, or no
    Lasso number)."""
    row = (
        TwilioSubaccount.objects.filter(numbers__phone_number=number)
        .values_list("sid_encrypted", flat=True)
        .first()
    )
    return encryption.decrypt(row) if row else ""


def subaccount_of(*, business: Business) -> SubaccountCredentials | None:
    row = TwilioSubaccount.objects.filter(business=business).first()
    return _credentials(row) if row else None


def onboarding_for(*, business: Business) -> Onboarding | None:
    return Onboarding.objects.filter(business=business).first()


def account_for_email(*, email: str) -> User | None:
    """The account whose address reaches the same mailbox as `email`: compared without
    case, without a +tag, and without dots in a Gmail address. Only addresses at the same
    domain whose local part starts alike are read, so this stays an indexed prefix scan."""
    key = mailbox_key(email)
    local, _, domain = key.partition("@")
    if not local or not domain:
        return None
    domains = {domain}
    if domain in {"gmail.com", "googlemail.com"}:
        domains = {"gmail.com", "googlemail.com"}
    query = Q()
    for each in domains:
        query |= Q(email__iendswith="@" + each)
    prefix = local[:1]
    for user in User.objects.filter(query, email__istartswith=prefix).order_by("pk"):
        if mailbox_key(user.email) == key:
            return user
    return None


def numbers_of(*, business: Business) -> list[TwilioNumber]:
    return list(TwilioNumber.objects.filter(business=business).order_by("pk"))


@dataclass(frozen=True)
class TestCallStep:
    key: str
    label: str
    done: bool
    detail: str = ""


def test_call_progress(*, business: Business, since: datetime | None) -> list[TestCallStep]:
    """The steps of the first call after `since` to the business's numbers, as far as
    they have happened: received, missed, text-back sent, delivered."""
    from calls.models import Call
    from messaging.models import Message

    calls = Call.objects.filter(business=business)
    if since is not None:
        calls = calls.filter(started_at__gte=since)
    call = calls.order_by("started_at", "pk").first()
    textback = (
        Message.objects.filter(business=business, call=call, kind=Message.Kind.TEXTBACK)
        .order_by("pk")
        .first()
        if call is not None
        else None
    )
    missed = call is not None and call.outcome in {Call.Outcome.MISSED, Call.Outcome.SKIPPED}
    # A skipped call is missed but not texted (the owner called from a team member's
    # cell, say): say why, or the checklist would wait forever.
    skipped = call is not None and call.outcome == Call.Outcome.SKIPPED
    sent = textback is not None and textback.status in {
        Message.Status.SENT,
        Message.Status.DELIVERED,
        Message.Status.QUEUED,
    }
    delivered = textback is not None and textback.status == Message.Status.DELIVERED
    return [
        TestCallStep(
            "received",
            "Call received",
            call is not None,
            f"from {call.from_number}" if call is not None else "",
        ),
        TestCallStep(
            "missed",
            "Missed (nobody answered)",
            missed,
            f"not texted: {call.get_skip_reason_display().lower()}" if skipped else "",
        ),
        TestCallStep(
            "sent", "Text-back sent", sent, f"to {textback.to_number}" if textback else ""
        ),
        TestCallStep("delivered", "Delivered", delivered),
    ]


def first_textback_sent(*, business: Business) -> bool:
    """Has a real missed call of this business been texted back yet?"""
    from messaging.models import Message

    return Message.objects.filter(
        business=business,
        kind=Message.Kind.TEXTBACK,
        # Queued means Twilio took it: the text is on its way.
        status__in=[Message.Status.QUEUED, Message.Status.SENT, Message.Status.DELIVERED],
    ).exists()
