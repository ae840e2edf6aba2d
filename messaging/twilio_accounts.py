"""Twilio's accounts and numbers side, for self-serve onboarding: a sibling of the send
gateway, and like it one of the only modules that talk to Twilio's REST API.

- `create_subaccount` / `find_subaccount`: each business's own account under the platform
  (parent) account (``Accounts.json``), found again by its friendly name, so an answer
  lost on the way back never makes a second account.
- `search_local` lists numbers for sale (``AvailablePhoneNumbers/US/Local.json``); `buy`
  buys one into a subaccount with Lasso's webhooks set (``IncomingPhoneNumbers.json``).
- `find_platform_number` and `transfer` move a number the platform account owns into a
  subaccount (``IncomingPhoneNumbers/{Sid}`` with the subaccount's AccountSid); `configure`
  and `webhooks_of` set and read a number's webhooks, with the owning account's own
  credentials.

Everything goes through the real SDK, pointed at TWILIO_API_BASE_URL. With any SMS backend
but ``twilio`` (the demo, unit tests) there is no Twilio account: `simulated()` is True and
the same calls answer from a stand-in that makes up SIDs and numbers (555-01xx, reserved
for fiction), so the wizard can be walked end to end and says it is simulated.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import uuid
from dataclasses import dataclass

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from messaging.gateway import _RebasedHttpClient

logger = logging.getLogger(__name__)

SEARCH_LIMIT = 10
AREA_CODE = re.compile(r"[2-9]\d\d")


class TwilioAccountError(Exception):
    """Twilio refused or could not be asked; `retryable` when asking again later may work."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Credentials:
    sid: str
    auth_token: str


@dataclass(frozen=True)
class AvailableNumber:
    phone_number: str
    locality: str
    region: str


@dataclass(frozen=True)
class Webhooks:
    voice_url: str
    voice_fallback_url: str
    status_callback: str
    sms_url: str


_local = threading.local()


def simulated() -> bool:
    return settings.LASSO_SMS_BACKEND != "twilio"


def _platform() -> Credentials:
    return Credentials(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)


def _client(credentials: Credentials) -> Client:
    # One client per thread, account and base URL: requests sessions are not thread-safe.
    clients = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    key = (settings.TWILIO_API_BASE_URL, credentials.sid, credentials.auth_token)
    if key not in clients:
        clients[key] = Client(
            credentials.sid,
            credentials.auth_token,
            http_client=_RebasedHttpClient(
                settings.TWILIO_API_BASE_URL, settings.TWILIO_REQUEST_TIMEOUT_SECONDS
            ),
        )
    return clients[key]


def _error(what: str, exc: Exception) -> TwilioAccountError:
    if isinstance(exc, TwilioRestException):
        retryable = exc.status >= 500 or exc.status == 429
        return TwilioAccountError(
            f"{what}: Twilio answered {exc.status} {exc.code or ''} {exc.msg or ''}".strip(),
            retryable=retryable,
        )
    return TwilioAccountError(f"{what}: Twilio could not be reached ({exc})", retryable=True)


_FAILURES = (TwilioRestException, requests.exceptions.RequestException, ValueError)


# --- subaccounts -------------------------------------------------------------------------
def find_subaccount(*, friendly_name: str) -> Credentials | None:
    """The platform's active subaccount of this friendly name, if Twilio has one."""
    if simulated():
        return None
    try:
        found = _client(_platform()).api.v2010.accounts.list(
            friendly_name=friendly_name, status="active", limit=2
        )
    except _FAILURES as exc:
        raise _error("looking up the subaccount", exc) from exc
    for account in found:
        if account.friendly_name == friendly_name and account.sid and account.auth_token:
            return Credentials(str(account.sid), str(account.auth_token))
    return None


def create_subaccount(*, friendly_name: str) -> Credentials:
    if simulated():
        logger.info("[twilio, simulated] subaccount %r created", friendly_name)
        return Credentials("AC" + uuid.uuid4().hex, secrets.token_hex(16))
    try:
        account = _client(_platform()).api.v2010.accounts.create(friendly_name=friendly_name)
    except _FAILURES as exc:
        raise _error("creating the subaccount", exc) from exc
    if not account.sid or not account.auth_token:
        raise TwilioAccountError("Twilio created no usable subaccount", retryable=True)
    return Credentials(str(account.sid), str(account.auth_token))


# --- numbers -----------------------------------------------------------------------------
def _simulated_numbers(area_code: str) -> list[AvailableNumber]:
    area = area_code or "415"
    return [
        AvailableNumber(f"+1{area}555{index:04d}", "Simulated", "US")
        for index in range(100, 100 + SEARCH_LIMIT)
    ]


def search_local(
    *, account: Credentials, area_code: str = "", city: str = ""
) -> list[AvailableNumber]:
    """US local numbers for sale that take calls and texts, by area code or city."""
    if area_code and not AREA_CODE.fullmatch(area_code):
        raise ValueError("An area code is three digits, e.g. 415.")
    if simulated():
        return _simulated_numbers(area_code)
    filters: dict[str, object] = {"sms_enabled": True, "voice_enabled": True}
    if area_code:
        filters["area_code"] = int(area_code)
    if city:
        filters["in_locality"] = city
    try:
        found = (
            _client(account).available_phone_numbers("US").local.list(limit=SEARCH_LIMIT, **filters)
        )
    except _FAILURES as exc:
        raise _error("searching numbers", exc) from exc
    return [
        AvailableNumber(
            phone_number=str(number.phone_number),
            locality=str(number.locality or ""),
            region=str(number.region or ""),
        )
        for number in found
        if number.phone_number
    ]


def _webhook_fields(webhooks: Webhooks) -> dict[str, str]:
    return {
        "voice_url": webhooks.voice_url,
        "voice_method": "POST",
        "voice_fallback_url": webhooks.voice_fallback_url,
        "voice_fallback_method": "POST",
        "status_callback": webhooks.status_callback,
        "status_callback_method": "POST",
        "sms_url": webhooks.sms_url,
        "sms_method": "POST",
    }


def buy(*, account: Credentials, phone_number: str, webhooks: Webhooks) -> tuple[str, str]:
    """Buy the number into the account with Lasso's webhooks; (its SID, its E.164 number)."""
    if simulated():
        logger.info("[twilio, simulated] %s bought into %s", phone_number, account.sid)
        return "PN" + uuid.uuid4().hex, phone_number
    try:
        number = _client(account).incoming_phone_numbers.create(
            phone_number=phone_number, **_webhook_fields(webhooks)
        )
    except _FAILURES as exc:
        raise _error(f"buying {phone_number}", exc) from exc
    return str(number.sid), str(number.phone_number or phone_number)


def find_platform_number(*, phone_number: str) -> str:
    """The SID of a number the platform account owns, or "" when it owns no such number."""
    return find_number(account=_platform(), phone_number=phone_number)


def find_number(*, account: Credentials, phone_number: str) -> str:
    """The SID of one of the account's numbers, or "" when it has no such number."""
    if simulated():
        return ""
    try:
        found = _client(account).incoming_phone_numbers.list(phone_number=phone_number, limit=2)
    except _FAILURES as exc:
        raise _error(f"looking up {phone_number}", exc) from exc
    exact = [number for number in found if number.phone_number == phone_number]
    return str(exact[0].sid) if exact else ""


def transfer(*, number_sid: str, to_account: Credentials) -> None:
    """Move a number the platform account owns into the subaccount."""
    if simulated():
        raise TwilioAccountError(
            "Moving a number needs Lasso's Twilio account (not configured here).",
            retryable=False,
        )
    try:
        _client(_platform()).incoming_phone_numbers(number_sid).update(account_sid=to_account.sid)
    except _FAILURES as exc:
        raise _error(f"moving {number_sid}", exc) from exc


def configure(*, account: Credentials, number_sid: str, webhooks: Webhooks) -> None:
    """Point the account's number at Lasso's webhooks."""
    if simulated():
        logger.info("[twilio, simulated] %s configured", number_sid)
        return
    try:
        _client(account).incoming_phone_numbers(number_sid).update(**_webhook_fields(webhooks))
    except _FAILURES as exc:
        raise _error(f"configuring {number_sid}", exc) from exc


def webhooks_of(*, account: Credentials, phone_number: str) -> Webhooks | None:
    """Where the account's number sends calls and texts now, as Twilio holds it; None when
    the account has no such number."""
    if simulated():
        raise TwilioAccountError("No Twilio account here: nothing to check.", retryable=False)
    try:
        found = _client(account).incoming_phone_numbers.list(phone_number=phone_number, limit=2)
    except _FAILURES as exc:
        raise _error(f"reading {phone_number}", exc) from exc
    for number in found:
        if number.phone_number == phone_number:
            return Webhooks(
                voice_url=str(number.voice_url or ""),
                voice_fallback_url=str(number.voice_fallback_url or ""),
                status_callback=str(number.status_callback or ""),
                sms_url=str(number.sms_url or ""),
            )
    return None
