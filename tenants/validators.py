"""Rules for what a business may set, shared by the dashboard forms and the services.

Each function either returns the value in the form we store it or raises ValidationError
with a message a person can act on.

Numbers Lasso calls or texts on a business's behalf (the forward-to number, a member's
alert cell) must be ordinary landlines or mobiles in the country of the business's Lasso
number. Every forwarded call is a call Lasso pays for, so a premium-rate, shared-cost,
international-network or foreign number there is a toll-fraud path for anyone who gets
into an account; a toll-free, VoIP, personal ("follow-me"), UAN, pager or voicemail-access
number is refused too, because it is a service in front of a phone that can be re-pointed
anywhere. Unlike the loose "possible number" check for what a person merely records, this
one needs the number to be valid in phonenumbers' metadata: an unknown range is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from phonenumber_field.phonenumber import PhoneNumber
from phonenumbers import PhoneNumberType, geocoder

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


# What each refused kind of number is, for the message.
_REFUSED_KINDS: dict[int, str] = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number, charged far above an ordinary call",
    PhoneNumberType.SHARED_COST: "a shared-cost number, charged above an ordinary call",
    PhoneNumberType.TOLL_FREE: "a toll-free number: give the phone behind it instead",
    PhoneNumberType.VOIP: "an internet (VoIP) service number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal “follow-me” number, which can be re-pointed "
    "anywhere",
    PhoneNumberType.PAGER: "a pager number",
    PhoneNumberType.UAN: "a company-wide (UAN) number",
    PhoneNumberType.VOICEMAIL: "a voicemail access number",
}
CALLABLE = frozenset(
    {
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)
TEXTABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
# phonenumbers' region for the non-geographic +800/+808/+870/+881/+882/+883/+979 ranges.
_NON_GEOGRAPHIC = "001"


def country_of(number: phonenumbers.PhoneNumber) -> str:
    """The region (e.g. "US") a Lasso number belongs to. A range the metadata does not know
    yet counts as its calling code's main country."""
    region = phonenumbers.region_code_for_number(number)
    if region and region not in {_NON_GEOGRAPHIC, "ZZ"}:
        return region
    region = phonenumbers.region_code_for_country_code(number.country_code)
    if region and region not in {_NON_GEOGRAPHIC, "ZZ"}:
        return region
    return settings.PHONENUMBER_DEFAULT_REGION


_NAMES_WITH_THE = ("United ", "Bahamas", "Netherlands", "Philippines", "Dominican Republic")


def country_name(region: str) -> str:
    """The country's English name as it reads mid-sentence ("the United States")."""
    # phonenumbers has no public lookup by region; fall back to the code itself.
    try:
        name = geocoder._region_display_name(region, "en") or region  # noqa: SLF001
    except Exception:  # noqa: BLE001 - a name is only decoration on the message
        name = region
    return f"the {name}" if name.startswith(_NAMES_WITH_THE) else name


def _line_problem(
    number: phonenumbers.PhoneNumber, *, country: str, allowed: frozenset[int], only: str
) -> str | None:
    """Why Lasso must not call or text `number` for a business in `country`; None when it
    may. `only` says what is allowed, to end each message."""
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    home = country_name(country)
    ending = f"Lasso {only} in {home}."
    code_region = phonenumbers.region_code_for_country_code(number.country_code)
    if _NON_GEOGRAPHIC in {phonenumbers.region_code_for_number(number), code_region}:
        return (
            f"{shown} is an international network number (+{number.country_code}: satellite "
            f"or global services, charged at premium rates). {ending}"
        )
    kind = phonenumbers.number_type(number)
    if kind in _REFUSED_KINDS:
        return f"{shown} is {_REFUSED_KINDS[kind]}. {ending}"
    # A number the metadata does not place still has a calling code: +44 is never the US.
    region = phonenumbers.region_code_for_number(number)
    if region is None and number.country_code != phonenumbers.country_code_for_region(country):
        region = code_region
    if region is not None and region != country:
        return f"{shown} is a number in {country_name(region)}. {ending}"
    if kind not in allowed and kind in CALLABLE:
        return f"{shown} is a landline, which cannot receive texts. {ending}"
    if kind not in allowed:
        return f"{shown} is not a number in use in {home} (check the digits). {ending}"
    return None


def forward_to_problem(
    *, forward: phonenumbers.PhoneNumber, lasso_number: phonenumbers.PhoneNumber
) -> str | None:
    """Why calls to this Lasso number must not be forwarded to `forward`; None when they may."""
    return _line_problem(
        forward,
        country=country_of(lasso_number),
        allowed=CALLABLE,
        only="forwards calls only to ordinary landlines and mobiles",
    )


def alert_mobile_problem(
    *, mobile: phonenumbers.PhoneNumber, lasso_number: phonenumbers.PhoneNumber | None
) -> str | None:
    """Why Lasso must not text a member's alerts to `mobile`; None when it may."""
    country = country_of(lasso_number) if lasso_number else settings.PHONENUMBER_DEFAULT_REGION
    return _line_problem(
        mobile, country=country, allowed=TEXTABLE, only="texts alerts only to mobiles"
    )


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
    if forward is not None and (
        problem := forward_to_problem(forward=forward, lasso_number=number)
    ):
        raise ValidationError({"forward_to": problem})
    return mode, forward
