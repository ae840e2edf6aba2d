"""Codes that prove a member's alert phone is theirs.

Alert texts carry customers' names, numbers and words, so Lasso sends them only to a number
whose member typed back a code texted to it. A code is 6 random digits (secrets), kept only
as a keyed hash (HMAC with SECRET_KEY, bound to the member and the number) and compared in
constant time; it works once, for 10 minutes, and 5 wrong tries end it. A member gets at
most 3 codes an hour, counted in the database so a cache outage does not lift the limit:
each code is a text Lasso pays for and lands on a phone that may not be the member's.

A code is texted like any other text: the consent ledger is asked first (a phone that sent
STOP gets no code) and it goes through the send gateway.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from tenants.accounts.lockout import minutes
from tenants.models import Business, Membership, MobileVerification
from tenants.selectors import default_number

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_TRIES = 5
CODES_PER_HOUR = 3
HMAC_SALT = "tenants.verification.code"


def _hash(*, membership: Membership, phone_number: str, code: str) -> str:
    return salted_hmac(
        HMAC_SALT, f"{membership.pk}:{phone_number}:{code}", algorithm="sha256"
    ).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def open_code(*, business: Business, membership: Membership) -> MobileVerification | None:
    """The code waiting to be typed for the member's current number, if any."""
    if not membership.mobile_number:
        return None
    return (
        MobileVerification.objects.filter(
            business=business,
            membership=membership,
            phone_number=membership.mobile_number,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            wrong_tries__lt=MAX_WRONG_TRIES,
        )
        .order_by("-created_at")
        .first()
    )


def send_code(*, business: Business, membership: Membership) -> MobileVerification:
    """Text a new code to the member's mobile number (any earlier code stops working).

    Raises ValidationError saying why no code was sent: no number, the hourly limit, a
    number that opted out, no Lasso number to send from, or the send failing.
    """
    from consent.selectors import Purpose, may_text
    from messaging import gateway

    if not membership.mobile_number:
        raise ValidationError("Add your mobile number first.")
    cell = str(membership.mobile_number)
    lasso_number = default_number(business=business)
    if lasso_number is None:
        raise ValidationError(f"{business.name} has no Lasso number to text a code from yet.")
    permission = may_text(business=business, phone_number=cell, purpose=Purpose.TEAM_ALERT)
    if not permission:
        raise ValidationError(
            f"Lasso may not text {cell}: {permission.reason}. Text START to "
            f"{lasso_number.phone_number} from that phone, then ask for a code again."
        )
    code = new_code()
    now = timezone.now()
    with transaction.atomic():
        # One member's requests one at a time, so two at once cannot both pass the limit.
        Membership.objects.select_for_update().get(pk=membership.pk, business=business)
        recent = list(
            MobileVerification.objects.filter(
                business=business, membership=membership, created_at__gt=now - timedelta(hours=1)
            )
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        if len(recent) >= CODES_PER_HOUR:
            wait = recent[-CODES_PER_HOUR] + timedelta(hours=1) - now
            raise ValidationError(
                f"You asked for {CODES_PER_HOUR} codes in the last hour. Try again in "
                f"{minutes(int(wait.total_seconds()))}."
            )
        MobileVerification.objects.filter(
            business=business, membership=membership, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        verification = MobileVerification.objects.create(
            business=business,
            membership=membership,
            phone_number=cell,
            code_hash=_hash(membership=membership, phone_number=cell, code=code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
    body = render_to_string(
        "tenants/sms/verify_code.txt",
        {"code": code, "business": business, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
    ).strip()
    try:
        gateway.get_backend().send(
            to=cell,
            from_=str(lasso_number.phone_number),
            body=body,
            status_callback=gateway.status_callback_url(),
        )
    except gateway.OutcomeUnknown:
        # It may well have arrived; the code stays valid, and a new one can be asked for.
        logger.warning("verification code to a member: outcome unknown")
    except gateway.SendError as exc:
        MobileVerification.objects.filter(pk=verification.pk).update(expires_at=timezone.now())
        raise ValidationError(
            f"The code could not be texted to {cell} ({exc}). Check the number, then ask "
            "for a new code."
        ) from exc
    return verification


def check_code(*, business: Business, membership: Membership, code: str) -> Membership:
    """Mark the member's number verified when `code` is the one texted to it.

    Raises ValidationError saying what to do: no code waiting (or it expired, or was used
    up), or a wrong code with the tries left. A wrong try is counted even though the error
    is raised: the count is saved first.
    """
    typed = "".join(ch for ch in code if not ch.isspace() and ch != "-")
    problem = ""
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk, business=business)
        verification = open_code(business=business, membership=locked)
        if verification is None:
            problem = "That code expired or was used up. Ask for a new code."
        else:
            expected = verification.code_hash
            given = _hash(membership=locked, phone_number=str(locked.mobile_number), code=typed)
            if constant_time_compare(given, expected):
                now = timezone.now()
                verification.used_at = now
                verification.save(update_fields=["used_at"])
                locked.mobile_verified_at = now
                locked.save(update_fields=["mobile_verified_at"])
            else:
                verification.wrong_tries += 1
                verification.save(update_fields=["wrong_tries"])
                left = MAX_WRONG_TRIES - verification.wrong_tries
                problem = (
                    f"That is not the code we texted. {left} tr{'ies' if left != 1 else 'y'} left."
                    if left
                    else "That is not the code we texted, and that was the last try. Ask for "
                    "a new code."
                )
    if problem:
        raise ValidationError(problem)
    membership.mobile_verified_at = locked.mobile_verified_at
    return membership
