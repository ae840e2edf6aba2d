"""Writes on businesses, their numbers and their teams."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from phonenumber_field.phonenumber import PhoneNumber

from tenants.models import Business, Membership, TwilioNumber, User


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
    name = name.strip()
    if not name:
        raise BusinessSetupError("The business needs a name.")
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
            Membership.objects.create(user=owner, business=business, role=Membership.Role.OWNER)
    except IntegrityError as exc:
        # A concurrent create took the slug or the number between our check and our insert.
        raise BusinessSetupError(f"The slug or number was taken at the same moment: {exc}") from exc
    return NewBusiness(
        business=business, number=number_row, owner=owner, owner_created=owner_created
    )
