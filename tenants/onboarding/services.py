"""Writes for self-serve onboarding: sign-up and its email verification, the wizard's
steps, the business's Twilio subaccount (created once) and its number (bought into the
subaccount, or moved there from the platform account), always with Lasso's webhooks set by
Lasso.

Sign-up takes the same time whether or not the address has an account: the request stores
the sign-up and queues one task; the task, on a worker, decides between the verification
link and, for an address that already has an account (tenants.onboarding.emails), a
sign-in link sent to that account's own address. Nothing exists but the sign-up until its
link is opened and confirmed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from phonenumber_field.phonenumber import PhoneNumber

from messaging import twilio_accounts, wording
from messaging.twilio_accounts import Credentials, TwilioAccountError, Webhooks
from tenants import validators
from tenants.accounts import rate_limit
from tenants.models import (
    Business,
    Membership,
    Onboarding,
    Signup,
    TwilioNumber,
    TwilioSubaccount,
    User,
)
from tenants.onboarding import credentials, encryption, links, selectors
from tenants.onboarding.emails import mailbox_key

logger = logging.getLogger(__name__)

SIGNUP_PER_ADDRESS = rate_limit.Limit("signup-address", count=10, window_seconds=3600)
SIGNUP_PER_EMAIL = rate_limit.Limit("signup-email", count=3, window_seconds=3600)
# The numbers bought here are US local numbers: a forward-to is checked against the US.
US_LINE = PhoneNumber.from_string("+12025550100")


class SignupError(Exception):
    """The sign-up link cannot make an account; the message says what to do instead."""


class NumberError(Exception):
    """A number could not be had; the message is for the owner."""


# --- sign-up ------------------------------------------------------------------------------
def signup_wait_seconds(*, email: str, client_address: str | None) -> int:
    """Count a sign-up against its client address and its mailbox: 0 when it may go
    ahead, else the seconds until one may."""
    wait = rate_limit.attempt(SIGNUP_PER_ADDRESS, client_address or "unknown")
    if wait:
        return wait
    return rate_limit.attempt(SIGNUP_PER_EMAIL, mailbox_key(email))


def request_signup(*, business_name: str, full_name: str, email: str, password: str) -> Signup:
    """Store the sign-up (validated by the form) and queue its email."""
    signup = Signup.objects.create(
        email=email.strip().lower(),
        email_key=mailbox_key(email),
        full_name=full_name.strip(),
        business_name=wording.clean_text(business_name),
        password_hash=make_password(password),
        expires_at=timezone.now() + links.VALID_FOR,
    )
    signup_id = signup.pk

    def enqueue() -> None:
        from tenants.onboarding import tasks

        tasks.send_signup_email.delay(signup_id)

    transaction.on_commit(enqueue)
    return signup


def send_signup_email(*, signup_id: int) -> str:
    """ "verify" (the link to make the account), "sign-in" (the address already has an
    account: a sign-in link to that account's own address) or "gone"."""
    signup = Signup.objects.filter(pk=signup_id, verified_at__isnull=True).first()
    if signup is None:
        return "gone"
    existing = selectors.account_for_email(email=signup.email)
    if existing is not None:
        # No second account for this mailbox: this sign-up can never be completed.
        signup.delete()
        context = {
            "sign_in_link": links.sign_in_link(),
            "reset_link": links.password_reset_link(),
            "email": existing.email,
        }
        send_mail(
            "You already have a Lasso account",
            render_to_string("onboarding/email/existing_account.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [existing.email],
        )
        return "sign-in"
    context = {
        "link": links.verification_link(signup_id=signup.public_id),
        "business_name": signup.business_name,
        "full_name": signup.full_name,
    }
    send_mail(
        "Confirm your email to start with Lasso",
        render_to_string("onboarding/email/verify.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [signup.email],
    )
    return "verify"


def signup_for_token(*, token: str) -> Signup | None:
    """The open sign-up a verification link names, or None (forged, too old or used)."""
    signup_id = links.signup_id_from(token)
    if signup_id is None:
        return None
    return Signup.objects.filter(
        public_id=signup_id, verified_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


# Slugs a sign-up never gets: Lasso's own business (its callback form is /request-callback/).
RESERVED_SLUGS = {"lasso"}


def _free_slug(name: str) -> str:
    base = slugify(name)[:60] or "business"
    slug, suffix = base, 2
    while slug in RESERVED_SLUGS or Business.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def complete_signup(*, signup: Signup) -> User:
    """Make the account, the business and its owner membership from a verified sign-up,
    once. Raises SignupError when the link was used already or the address has an account."""
    with transaction.atomic():
        locked = Signup.objects.select_for_update().filter(pk=signup.pk).first()
        if locked is None or locked.verified_at is not None:
            raise SignupError("This link was used already: sign in instead.")
        if selectors.account_for_email(email=locked.email) is not None:
            raise SignupError("This email address already has an account: sign in instead.")
        name = locked.business_name
        if problems := wording.name_problems(name):
            raise SignupError("Business name: " + " ".join(problems))
        try:
            with transaction.atomic():
                user = User(
                    email=locked.email, full_name=locked.full_name, password=locked.password_hash
                )
                user.save()
                business = Business.objects.create(name=name, slug=_free_slug(name))
                Membership.objects.create(user=user, business=business, role=Membership.Role.OWNER)
                Onboarding.objects.create(business=business)
        except IntegrityError as exc:
            raise SignupError("This email address already has an account: sign in.") from exc
        locked.verified_at = timezone.now()
        locked.business = business
        locked.save(update_fields=["verified_at", "business"])
    return user


# --- the wizard's steps ----------------------------------------------------------------------
STEP_ORDER = [
    Onboarding.Step.TIME_ZONE,
    Onboarding.Step.PHONE,
    Onboarding.Step.QUESTION,
    Onboarding.Step.NUMBER,
    Onboarding.Step.TEST_CALL,
    Onboarding.Step.DONE,
]


def _advance(onboarding: Onboarding, *, past: str) -> None:
    """Move the wizard on from `past`, never back (a step revisited keeps the progress)."""
    following = STEP_ORDER[STEP_ORDER.index(past) + 1]
    if STEP_ORDER.index(following) > STEP_ORDER.index(onboarding.step):
        onboarding.step = following
        if following == Onboarding.Step.TEST_CALL:
            onboarding.test_call_started_at = timezone.now()
        onboarding.save(update_fields=["step", "test_call_started_at"])


def _locked(business: Business) -> Onboarding:
    onboarding, _ = Onboarding.objects.get_or_create(business=business)
    return Onboarding.objects.select_for_update().get(pk=onboarding.pk)


def save_time_zone(*, business: Business, time_zone: str) -> None:
    from tenants.models import validate_time_zone

    validate_time_zone(time_zone)
    with transaction.atomic():
        onboarding = _locked(business)
        Business.objects.filter(pk=business.pk).update(time_zone=time_zone)
        business.time_zone = time_zone
        _advance(onboarding, past=Onboarding.Step.TIME_ZONE)


def save_phone(*, business: Business, mode: str, forward_to: str) -> None:
    """The phone Lasso rings and the mode; ValidationError keyed "mode" / "forward_to"."""
    with transaction.atomic():
        onboarding = _locked(business)
        number = TwilioNumber.objects.filter(business=business).order_by("pk").first()
        lasso_number = number.phone_number if number else US_LINE
        mode, forward = validators.number_routing(
            number=lasso_number, mode=mode, forward_to=forward_to
        )
        onboarding.mode, onboarding.forward_to = mode, forward or ""
        onboarding.save(update_fields=["mode", "forward_to"])
        if number is not None:
            number.mode, number.forward_to = mode, forward or ""
            number.save(update_fields=["mode", "forward_to"])
            from calls.routing import routing_changed

            routing_changed(business=business)
        _advance(onboarding, past=Onboarding.Step.PHONE)


def save_question(*, business: Business, question: str) -> None:
    """The text-back's question; ValidationError with what to change."""
    question = wording.clean_text(question)
    if problems := wording.question_problems(question):
        raise ValidationError(problems)
    with transaction.atomic():
        onboarding = _locked(business)
        Business.objects.filter(pk=business.pk).update(qualifying_question=question)
        business.qualifying_question = question
        _advance(onboarding, past=Onboarding.Step.QUESTION)


def finish_test_call(*, business: Business) -> None:
    """The owner is done with the wizard (the overview's checklist takes over)."""
    with transaction.atomic():
        onboarding = _locked(business)
        if onboarding.step == Onboarding.Step.TEST_CALL:
            onboarding.step = Onboarding.Step.DONE
            onboarding.completed_at = timezone.now()
            onboarding.save(update_fields=["step", "completed_at"])


# --- the Twilio subaccount ---------------------------------------------------------------------
def friendly_name(*, business: Business) -> str:
    # The business's public id, not its name: unique, stable, and nothing of the customer's.
    return f"Lasso business {business.public_id}"


def ensure_subaccount(*, business: Business) -> Credentials:
    """The business's Twilio subaccount, created the first time it is needed and never
    again: under a lock on the business, and adopted (found by its friendly name) when an
    earlier creation reached Twilio but its answer was lost. Raises TwilioAccountError."""
    with transaction.atomic():
        Business.objects.select_for_update().filter(pk=business.pk).first()
        held = selectors.subaccount_of(business=business)
        if held is not None:
            return Credentials(held.sid, held.auth_token)
        name = friendly_name(business=business)
        made = twilio_accounts.find_subaccount(friendly_name=name)
        if made is None:
            made = twilio_accounts.create_subaccount(friendly_name=name)
        TwilioSubaccount.objects.create(
            business=business,
            sid_digest=encryption.digest(made.sid),
            sid_encrypted=encryption.encrypt(made.sid),
            auth_token_encrypted=encryption.encrypt(made.auth_token),
            simulated=twilio_accounts.simulated(),
        )
        transaction.on_commit(
            lambda: credentials.remember(sid=made.sid, auth_token=made.auth_token, numbers=[])
        )
    logger.info("business %s has its Twilio subaccount", business.pk)
    return made


# --- the number ----------------------------------------------------------------------------------
def webhooks_for(*, business: Business, number: TwilioNumber) -> Webhooks:
    """The four URLs Lasso gives Twilio for a number: the same ones calls.numbers sets."""
    from calls.numbers import webhooks_for as number_webhooks
    from calls.routing import routing_for

    urls = number_webhooks(routing_for(number=number, business=business))
    return Webhooks(
        voice_url=urls.voice_url,
        voice_fallback_url=urls.voice_fallback_url,
        status_callback=urls.status_callback,
        sms_url=urls.sms_url,
    )


def search_numbers(*, business: Business, area_code: str = "", city: str = "") -> list[str]:
    """Numbers for sale (E.164), without any Lasso already uses. Raises NumberError."""
    area_code, city = area_code.strip(), city.strip()[:60]
    if not area_code and not city:
        raise NumberError("Enter an area code (e.g. 415) or a city.")
    try:
        account = ensure_subaccount(business=business)
        found = twilio_accounts.search_local(account=account, area_code=area_code, city=city)
    except ValueError as exc:
        raise NumberError(str(exc)) from exc
    except TwilioAccountError as exc:
        logger.warning("number search for business %s failed: %s", business.pk, exc)
        raise NumberError("Twilio did not answer the search; try again in a minute.") from exc
    numbers = [number.phone_number for number in found]
    taken = {
        str(number)
        for number in TwilioNumber.objects.filter(phone_number__in=numbers).values_list(
            "phone_number", flat=True
        )
    }
    return [number for number in numbers if number not in taken]


@dataclass(frozen=True)
class NewNumber:
    number: TwilioNumber
    sid: str


def _pending_number(*, business: Business, phone_number: str) -> TwilioNumber:
    """The number row as it will be stored (unsaved), with the routing chosen in the wizard."""
    onboarding, _ = Onboarding.objects.get_or_create(business=business)
    return TwilioNumber(
        business=business,
        phone_number=phone_number,
        forward_to=onboarding.forward_to or "",
        mode=onboarding.mode,
    )


def _refuse_second_number(business: Business) -> None:
    if TwilioNumber.objects.filter(business=business).exists():
        raise NumberError("This business has its Lasso number already.")


def _attach(
    *, business: Business, row: TwilioNumber, sid: str, account: Credentials, webhooks: Webhooks
) -> NewNumber:
    """Store a number Twilio now holds for the subaccount, configured as `webhooks`."""
    from calls.models import NumberSetup
    from calls.numbers import digest
    from messaging.twilio_numbers import NumberWebhooks

    with transaction.atomic():
        onboarding = _locked(business)
        subaccount = TwilioSubaccount.objects.get(business=business)
        row.subaccount = subaccount
        row.save()
        NumberSetup.objects.update_or_create(
            number=row,
            defaults={
                "twilio_sid": sid,
                "configured": digest(NumberWebhooks(**webhooks.__dict__)),
                "configured_at": timezone.now(),
                "error": "",
            },
        )
        _advance(onboarding, past=Onboarding.Step.NUMBER)
        owned = [str(number.phone_number) for number in subaccount.numbers.all()]
        transaction.on_commit(
            lambda: credentials.remember(
                sid=account.sid, auth_token=account.auth_token, numbers=owned
            )
        )
        from calls.routing import routing_changed

        routing_changed(business=business)
    return NewNumber(number=row, sid=sid)


def buy_number(*, business: Business, phone_number: str) -> NewNumber:
    """Buy the number into the business's subaccount with Lasso's webhooks set, and store
    it. Raises NumberError."""
    _refuse_second_number(business)
    if TwilioNumber.objects.filter(phone_number=phone_number).exists():
        raise NumberError(f"{phone_number} is taken; choose another.")
    row = _pending_number(business=business, phone_number=phone_number)
    webhooks = webhooks_for(business=business, number=row)
    try:
        account = ensure_subaccount(business=business)
        sid, bought = twilio_accounts.buy(
            account=account, phone_number=phone_number, webhooks=webhooks
        )
    except TwilioAccountError as exc:
        logger.warning("buying %s for business %s failed: %s", phone_number, business.pk, exc)
        raise NumberError(
            f"Twilio did not sell {phone_number} ({exc}); search again and choose another."
        ) from exc
    row.phone_number = bought
    try:
        return _attach(business=business, row=row, sid=sid, account=account, webhooks=webhooks)
    except IntegrityError as exc:
        # Bought but not stored: an operator must release or attach it by hand.
        logger.error("number %s (%s) bought for business %s not stored", bought, sid, business.pk)
        raise NumberError("The number was bought but could not be saved; contact us.") from exc


def move_platform_number(*, business: Business, phone_number: str) -> NewNumber:
    """Move a number Lasso's platform account owns, and no business uses, into the
    business's subaccount, and point it at Lasso. Raises NumberError."""
    _refuse_second_number(business)
    if TwilioNumber.objects.filter(phone_number=phone_number).exists():
        raise NumberError(f"{phone_number} belongs to a business already.")
    if twilio_accounts.simulated():
        raise NumberError(
            "Moving a number needs Lasso's Twilio account, which this installation does not "
            "have (texts go to the console): buy a simulated number instead."
        )
    row = _pending_number(business=business, phone_number=phone_number)
    webhooks = webhooks_for(business=business, number=row)
    try:
        sid = twilio_accounts.find_platform_number(phone_number=phone_number)
        if not sid:
            raise NumberError(f"{phone_number} is not a number of Lasso's Twilio account.")
        account = ensure_subaccount(business=business)
        twilio_accounts.transfer(number_sid=sid, to_account=account)
        twilio_accounts.configure(account=account, number_sid=sid, webhooks=webhooks)
    except TwilioAccountError as exc:
        logger.warning("moving %s to business %s failed: %s", phone_number, business.pk, exc)
        raise NumberError(f"Twilio did not move {phone_number}: {exc}") from exc
    return _attach(business=business, row=row, sid=sid, account=account, webhooks=webhooks)


@dataclass(frozen=True)
class NumberCheck:
    ok: bool
    simulated: bool
    wrong: list[str]
    error: str = ""


def _number_sid(number: TwilioNumber) -> str:
    from calls.models import NumberSetup

    setup = NumberSetup.objects.filter(number=number).first()
    return setup.twilio_sid if setup else ""


def _account_of(number: TwilioNumber) -> Credentials | None:
    if number.subaccount_id is None:
        return Credentials(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    held = selectors.subaccount_of(business=number.business)
    return Credentials(held.sid, held.auth_token) if held else None


def check_number(*, business: Business, number: TwilioNumber) -> NumberCheck:
    """Do Twilio's webhooks for this number point at Lasso?"""
    if number.business_id != business.pk:
        raise TwilioNumber.DoesNotExist
    if twilio_accounts.simulated():
        return NumberCheck(ok=True, simulated=True, wrong=[])
    account = _account_of(number)
    if account is None:
        return NumberCheck(ok=False, simulated=False, wrong=[], error="no Twilio account")
    try:
        held = twilio_accounts.webhooks_of(account=account, phone_number=str(number.phone_number))
    except TwilioAccountError as exc:
        return NumberCheck(ok=False, simulated=False, wrong=[], error=str(exc))
    if held is None:
        return NumberCheck(
            ok=False, simulated=False, wrong=[], error="Twilio does not have it in your account"
        )
    wanted = webhooks_for(business=business, number=number)
    labels = {
        "voice_url": "calls",
        "voice_fallback_url": "calls when Lasso cannot answer",
        "status_callback": "call status",
        "sms_url": "texts",
    }
    wrong = [
        label for field, label in labels.items() if getattr(held, field) != getattr(wanted, field)
    ]
    return NumberCheck(ok=not wrong, simulated=False, wrong=wrong)


def fix_number(*, business: Business, number: TwilioNumber) -> None:
    """Point the number's webhooks at Lasso again. Raises NumberError."""
    if number.business_id != business.pk:
        raise TwilioNumber.DoesNotExist
    if number.subaccount_id is None:
        from calls import numbers
        from calls.models import NumberSetup

        NumberSetup.objects.filter(number=number).update(configured="")
        if numbers.configure(number_id=number.pk) == "failed":
            raise NumberError("Twilio did not take the change; try again in a minute.")
        return
    account = _account_of(number)
    if account is None:
        raise NumberError("Lasso does not know this number's Twilio account.")
    try:
        sid = _number_sid(number) or twilio_accounts.find_number(
            account=account, phone_number=str(number.phone_number)
        )
        if not sid:
            raise NumberError("Twilio does not have this number in your account.")
        twilio_accounts.configure(
            account=account, number_sid=sid, webhooks=webhooks_for(business=business, number=number)
        )
    except TwilioAccountError as exc:
        raise NumberError(f"Twilio did not take the change: {exc}") from exc
