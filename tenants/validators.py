"""Rules for what a business may set, shared by the dashboard forms and the services.

Each function either returns the value in the form we store it or raises ValidationError
with a message a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from phonenumber_field.phonenumber import PhoneNumber

from tenants.models import TwilioNumber

WEEKDAYS: list[tuple[str, str]] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
]
DAY_NAMES = dict(WEEKDAYS)

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PHONE_HINT = "use E.164, e.g. +15551230000"


def phone_number(raw: str, *, label: str = "Phone number") -> PhoneNumber:
    """A number a person typed (E.164, or a US number written nationally), or ValidationError."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(f"{label}: enter a phone number ({PHONE_HINT}).")
    try:
        number = PhoneNumber.from_string(text, region="US")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"{label}: “{text}” is not a phone number; {PHONE_HINT}.") from exc
    # "Possible" rather than "valid", as in create_business: new ranges reach carriers
    # before they reach the metadata.
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(f"{label}: “{text}” is not a complete phone number; {PHONE_HINT}.")
    return number


def hhmm(raw: str, *, label: str) -> str:
    text = (raw or "").strip()
    if not _HHMM.match(text):
        raise ValidationError(f"{label}: “{text}” is not a time; use 24-hour HH:MM, e.g. 08:30.")
    return text


def business_hours(hours: Mapping[str, object]) -> dict[str, list[str]]:
    """Validate {"mon": ["08:00", "17:00"], …}; a weekday that is absent is closed."""
    if not isinstance(hours, Mapping):
        raise ValidationError("Business hours must map weekdays to [open, close].")
    errors: list[str] = []
    clean: dict[str, list[str]] = {}
    for day, span in hours.items():
        if day not in DAY_NAMES:
            errors.append(f"“{day}” is not a weekday; use {', '.join(DAY_NAMES)}.")
            continue
        name = DAY_NAMES[day]
        if not isinstance(span, list | tuple) or len(span) != 2:
            errors.append(f"{name}: give an opening and a closing time.")
            continue
        try:
            opens = hhmm(str(span[0]), label=f"{name} opening")
            closes = hhmm(str(span[1]), label=f"{name} closing")
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if closes <= opens:
            errors.append(f"{name}: closing time {closes} must be after opening time {opens}.")
            continue
        clean[day] = [opens, closes]
    if errors:
        raise ValidationError(errors)
    return {day: clean[day] for day, _ in WEEKDAYS if day in clean}


def support_contact(raw: str) -> str:
    """A phone number (stored as E.164) or an email address; blank is allowed."""
    text = (raw or "").strip()
    if not text:
        return ""
    hint = "Give a phone number (e.g. +15551230000) or an email address (e.g. help@example.com)."
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError as exc:
            raise ValidationError(f"“{text}” is not an email address. {hint}") from exc
        return text
    try:
        return str(phone_number(text, label="Support contact"))
    except ValidationError as exc:
        raise ValidationError(
            f"“{text}” is not a phone number or an email address. {hint}"
        ) from exc


def number_routing(
    *, number: PhoneNumber, mode: str, forward_to: str
) -> tuple[str, PhoneNumber | None]:
    """How one Twilio number routes calls: (mode, forward-to or None), or ValidationError
    keyed by "mode" / "forward_to"."""
    if mode not in TwilioNumber.Mode.values:
        raise ValidationError({"mode": "Choose Forward or Missed only."})
    forward = None
    if (forward_to or "").strip():
        try:
            forward = phone_number(forward_to, label="Forward-to number")
        except ValidationError as exc:
            raise ValidationError({"forward_to": exc.messages}) from exc
    if mode == TwilioNumber.Mode.FORWARD and forward is None:
        raise ValidationError(
            {
                "forward_to": "Forward mode needs the phone Lasso should ring, "
                "e.g. +15551230000 (or choose Missed only)."
            }
        )
    if forward is not None and forward == number:
        raise ValidationError(
            {"forward_to": "Forward to the phone you answer, not this Lasso number itself."}
        )
    if forward is not None and TwilioNumber.objects.filter(phone_number=forward).exists():
        raise ValidationError(
            {"forward_to": f"{forward} is a Lasso number; forward to the phone you answer."}
        )
    return mode, forward
