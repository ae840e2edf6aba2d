"""Writes on businesses, their numbers and their teams.

The business name and the qualifying question go into every text-back, so they keep
tenants.wording's rule wherever they are set. A forward-to number must be an ordinary
landline or mobile in the business's country (tenants.validators), and changing where a
number's calls ring needs the owner's password confirmed in the same request: a stolen
session or API token alone must not be able to redirect a business's calls.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from phonenumber_field.phonenumber import PhoneNumber

from messaging import wording
from tenants import countries, validators
from tenants.accounts.services import revoke_credentials
from tenants.models import BlockedNumber, Business, Membership, TwilioNumber, User
from tenants.selectors import default_number


class BusinessSetupError(Exception):
    """A business could not be created; the message says why, for a person to read."""


def parse_e164(raw: str, *, field: str) -> PhoneNumber:
    """Parse a phone number a person typed, or raise BusinessSetupError naming the field."""
    try:
        number = PhoneNumber.from_string(raw.strip(), region="US")
    except phonenumbers.NumberParseException as exc:
        raise BusinessSetupError(f"{field} {raw!r} is not a phone number ({exc}).") from exc
    # "Possible" rather than "valid": carriers hand out numbers faster than the metadata
    # learns them, and the business knows its own numbers better than we do.
    if not phonenumbers.is_possible_number(number):
        raise BusinessSetupError(
            f"{field} {raw!r} is not a valid phone number; use E.164, e.g. +15551230000."
        )
    return number


@dataclass(frozen=True)
class NewBusiness:
    business: Business
    number: TwilioNumber
    owner: User
    owner_created: bool


def create_business(
    *,
    name: str,
    number: str,
    forward_to: str,
    owner_email: str,
    password: str | None = None,
    mode: str = TwilioNumber.Mode.FORWARD,
    slug: str | None = None,
) -> NewBusiness:
    """Create a business, its Twilio number and its owner together, or nothing at all."""
    name = wording.clean_text(name)
    if problems := wording.name_problems(name):
        raise BusinessSetupError("Business name: " + " ".join(problems))
    if mode not in TwilioNumber.Mode.values:
        raise BusinessSetupError(f"Mode must be one of {', '.join(TwilioNumber.Mode.values)}.")
    slug = slugify(slug or name)
    if not slug:
        raise BusinessSetupError(f"Cannot make a web address (slug) from {name!r}.")
    twilio_number = parse_e164(number, field="Number")
    forward = parse_e164(forward_to, field="Forward-to number") if forward_to else None
    if mode == TwilioNumber.Mode.FORWARD and forward is None:
        raise BusinessSetupError("Forward mode needs --forward-to, the phone Lasso rings.")
    if forward is not None and forward == twilio_number:
        raise BusinessSetupError("The forward-to number cannot be the Twilio number itself.")
    if forward is not None and (
        problem := validators.forward_to_problem(forward=forward, lasso_number=twilio_number)
    ):
        raise BusinessSetupError(f"Forward-to number: {problem}")
    email = User.objects.normalize_email(owner_email.strip()).lower()
    if "@" not in email:
        raise BusinessSetupError(f"Owner email {owner_email!r} is not an email address.")

    if Business.objects.filter(slug=slug).exists():
        raise BusinessSetupError(f"A business with the slug {slug!r} already exists.")
    if TwilioNumber.objects.filter(phone_number=twilio_number).exists():
        raise BusinessSetupError(f"The number {twilio_number} already belongs to a business.")

    try:
        with transaction.atomic():
            business = Business.objects.create(name=name, slug=slug)
            number_row = TwilioNumber.objects.create(
                business=business,
                phone_number=twilio_number,
                forward_to=forward or "",
                mode=mode,
            )
            owner = User.objects.filter(email__iexact=email).first()
            owner_created = owner is None
            if owner is None:
                owner = User.objects.create_user(email=email, password=password)
            elif password:
                owner.set_password(password)
                owner.save(update_fields=["password"])
                revoke_credentials(user=owner)
            Membership.objects.create(user=owner, business=business, role=Membership.Role.OWNER)
    except IntegrityError as exc:
        # A concurrent create took the slug or the number between our check and our insert.
        raise BusinessSetupError(f"The slug or number was taken at the same moment: {exc}") from exc
    return NewBusiness(
        business=business, number=number_row, owner=owner, owner_created=owner_created
    )


# --- the dashboard's Settings and Team pages (and the API's settings update) ---------------


@dataclass(frozen=True)
class NumberRouting:
    """A change to how one of the business's Twilio numbers routes calls."""

    number_id: int
    mode: str
    forward_to: str


PASSWORD_NEEDED = "Enter your password to change where calls ring."


def update_number_routing(
    *,
    business: Business,
    number_id: int,
    mode: str,
    forward_to: str,
    password_confirmed: bool = False,
) -> TwilioNumber:
    """Set a number's mode and forward-to. The Twilio number itself never changes here.

    `password_confirmed` says the caller checked the owner's password in this request; a
    change is refused without it (submitting the values already stored is not a change).

    Raises TwilioNumber.DoesNotExist for a number of another business, ValidationError
    (keyed "mode" / "forward_to" / "current_password") for a bad value.
    """
    with transaction.atomic():
        number = TwilioNumber.objects.select_for_update().get(business=business, pk=number_id)
        mode, forward = validators.number_routing(
            number=number.phone_number, mode=mode, forward_to=forward_to
        )
        changed = mode != number.mode or str(forward or "") != str(number.forward_to or "")
        if not changed:
            return number
        if not password_confirmed:
            raise ValidationError({"current_password": PASSWORD_NEEDED})
        number.mode = mode
        number.forward_to = forward or ""
        number.save(update_fields=["mode", "forward_to"])
    return number


def update_business_settings(
    *,
    business: Business,
    name: str | None = None,
    qualifying_question: str | None = None,
    textback_plain_hyphen: bool | None = None,
    ring_timeout_seconds: int | None = None,
    screening_enabled: bool | None = None,
    voicemail_enabled: bool | None = None,
    textback_cooldown_hours: int | None = None,
    textback_fresh_minutes: int | None = None,
    reply_window_days: int | None = None,
    same_country_only: bool | None = None,
    texted_countries: Sequence[str] | None = None,
    callback_confirmations_per_day: int | None = None,
    time_zone: str | None = None,
    business_hours: Mapping[str, object] | None = None,
    support_contact: str | None = None,
    routing: Sequence[NumberRouting] = (),
    password_confirmed: bool = False,
) -> Business:
    """Change any of a business's settings (None leaves a setting as it is), all or nothing.
    Changing a number's routing needs `password_confirmed` (see update_number_routing).

    Raises ValidationError keyed by setting name ("numbers" for routing problems,
    "current_password" when a routing change was not confirmed), having saved nothing.
    """
    changes: dict[str, object] = {
        key: value
        for key, value in {
            "name": wording.clean_text(name) if name is not None else None,
            "qualifying_question": qualifying_question,
            "textback_plain_hyphen": textback_plain_hyphen,
            "ring_timeout_seconds": ring_timeout_seconds,
            "screening_enabled": screening_enabled,
            "voicemail_enabled": voicemail_enabled,
            "textback_cooldown_hours": textback_cooldown_hours,
            "textback_fresh_minutes": textback_fresh_minutes,
            "reply_window_days": reply_window_days,
            "same_country_only": same_country_only,
            "texted_countries": (
                [c.strip().upper() for c in texted_countries]
                if texted_countries is not None
                else None
            ),
            "callback_confirmations_per_day": callback_confirmations_per_day,
            "time_zone": time_zone.strip() if time_zone is not None else None,
            "business_hours": business_hours,
            "support_contact": support_contact,
        }.items()
        if value is not None
    }
    errors: dict[str, list[str]] = {}
    if "name" in changes and (problems := wording.name_problems(str(changes["name"]))):
        errors["name"] = problems
    if "qualifying_question" in changes:
        # Invisible characters pasted from a word processor would silently force UCS-2.
        question = wording.clean_text(str(changes["qualifying_question"]))
        changes["qualifying_question"] = question
        if problems := wording.question_problems(question):
            errors["qualifying_question"] = problems
    if "texted_countries" in changes and (
        problems := countries.country_problems(list(changes["texted_countries"]))
    ):
        errors["texted_countries"] = problems
    if "business_hours" in changes:
        try:
            changes["business_hours"] = validators.business_hours(business_hours or {})
        except ValidationError as exc:
            errors["business_hours"] = exc.messages
    if "support_contact" in changes:
        try:
            changes["support_contact"] = validators.support_contact(str(support_contact))
        except ValidationError as exc:
            errors["support_contact"] = exc.messages

    with transaction.atomic():
        locked = Business.objects.select_for_update().get(pk=business.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        try:
            locked.full_clean(validate_unique=False)
        except ValidationError as exc:
            # Only the settings being changed; ours above already say it better for those.
            for field, messages in exc.message_dict.items():
                if field in changes and field not in errors:
                    errors[field] = messages
        if errors:
            raise ValidationError(errors)
        if changes:
            locked.save(update_fields=list(changes))
        routing_errors: dict[str, list[str]] = {}
        for change in routing:
            try:
                update_number_routing(
                    business=locked,
                    number_id=change.number_id,
                    mode=change.mode,
                    forward_to=change.forward_to,
                    password_confirmed=password_confirmed,
                )
            except TwilioNumber.DoesNotExist:
                routing_errors.setdefault("numbers", []).append(
                    f"Number {change.number_id} is not one of yours."
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    key = "current_password" if field == "current_password" else "numbers"
                    routing_errors.setdefault(key, [])
                    routing_errors[key] += [m for m in messages if m not in routing_errors[key]]
        if routing_errors:
            raise ValidationError(routing_errors)
        from calls.routing import routing_changed  # the voice path's copy, and Twilio's

        routing_changed(business=locked)
    for field, value in changes.items():
        setattr(business, field, value)
    return business


def add_blocked_number(*, business: Business, phone_number: str, note: str = "") -> BlockedNumber:
    """Never text this caller back. ValidationError (keyed "phone_number") when it is not a
    phone number or is already blocked."""
    try:
        number = validators.phone_number(phone_number, label="Number to block")
    except ValidationError as exc:
        raise ValidationError({"phone_number": exc.messages}) from exc
    already = ValidationError({"phone_number": f"{number} is already on the block list."})
    if BlockedNumber.objects.filter(business=business, phone_number=number).exists():
        raise already
    try:
        with transaction.atomic():
            return BlockedNumber.objects.create(
                business=business, phone_number=number, note=note.strip()[:120]
            )
    except IntegrityError as exc:  # blocked at the same moment by another request
        raise already from exc


def remove_blocked_number(*, business: Business, phone_number: str) -> bool:
    """Take a number off this business's block list; False when it was not on it."""
    try:
        number = validators.phone_number(phone_number)
    except ValidationError:
        return False
    deleted, _ = BlockedNumber.objects.filter(business=business, phone_number=number).delete()
    return deleted > 0


def _lock_member(*, business: Business, member_id: uuid.UUID) -> Membership:
    """The member of this business, with the business locked so owner counts cannot race.
    Raises Membership.DoesNotExist for a member of another business."""
    Business.objects.select_for_update().get(pk=business.pk)
    return Membership.objects.select_related("user").get(business=business, public_id=member_id)


def _refuse_if_last_owner(*, business: Business, membership: Membership, action: str) -> None:
    if not membership.is_owner:
        return
    owners = Membership.objects.filter(business=business, role=Membership.Role.OWNER).count()
    if owners <= 1:
        raise ValidationError(
            f"{membership.user.email} is the only owner of {business.name} and cannot be "
            f"{action}. Make someone else an owner first."
        )


def set_member_role(*, business: Business, member_id: uuid.UUID, role: str) -> Membership:
    """Make a member an owner or staff. The last owner cannot be demoted (ValidationError);
    a member of another business is Membership.DoesNotExist."""
    with transaction.atomic():
        membership = _lock_member(business=business, member_id=member_id)
        if role not in Membership.Role.values:
            raise ValidationError({"role": "Choose Owner or Staff."})
        if membership.role == role:
            return membership
        if role != Membership.Role.OWNER:
            _refuse_if_last_owner(business=business, membership=membership, action="made staff")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def remove_member(*, business: Business, member_id: uuid.UUID) -> Membership:
    """Take a person off the team (their user stays). The last owner cannot be removed
    (ValidationError); a member of another business is Membership.DoesNotExist."""
    with transaction.atomic():
        membership = _lock_member(business=business, member_id=member_id)
        _refuse_if_last_owner(business=business, membership=membership, action="removed")
        membership.delete()
    return membership


def set_member_alerts(
    *, business: Business, user: User, mobile_number: str, sms_alerts: bool
) -> Membership:
    """A member's own cell and whether Lasso texts it when a customer needs the team.
    Each member sets this for themselves only. A changed number is unverified: alerts go
    to it only after its member types back the code texted to it (tenants.verification).

    The cell is also how Lasso recognises the member's own calls, so any possible number is
    kept; only with alerts on must it be a mobile in the business's country, since Lasso
    then texts it (a premium or foreign number there would be paid for by Lasso).
    """
    membership = Membership.objects.get(business=business, user=user)
    cleaned = ""
    if mobile_number.strip():
        try:
            parsed = parse_e164(mobile_number, field="Mobile number")
        except BusinessSetupError as exc:
            raise ValidationError({"mobile_number": str(exc)}) from exc
        cleaned = str(parsed)
        lasso = default_number(business=business)
        if sms_alerts and (
            problem := validators.alert_mobile_problem(
                mobile=parsed, lasso_number=lasso.phone_number if lasso else None
            )
        ):
            raise ValidationError({"mobile_number": problem})
    if sms_alerts and not cleaned:
        raise ValidationError({"mobile_number": "Add your mobile number to get text alerts."})
    if cleaned != str(membership.mobile_number or ""):
        # A new number is not proven theirs by the old one's code (tenants.verification).
        membership.mobile_verified_at = None
    membership.mobile_number = cleaned
    membership.sms_alerts = sms_alerts
    membership.save(update_fields=["mobile_number", "sms_alerts", "mobile_verified_at"])
    return membership
