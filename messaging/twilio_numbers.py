"""Twilio's voice side of Lasso's numbers: a sibling of the send gateway, and like it the
only other module that talks to Twilio's REST API.

- `configure_number` sets a number's webhooks (IncomingPhoneNumbers update): the voice URL,
  the fallback URL Twilio turns to when Lasso cannot answer, the call status callback and
  the SMS URL. The number is found by its phone number when its SID is not known yet.
- `calls_to` and `child_calls` read Twilio's Calls list: the calls a number received since
  a moment, and the legs a call spawned (the forwarded leg), so calls whose webhooks never
  reached Lasso can be settled afterwards from Twilio's own records.

Both go through the real SDK, pointed at TWILIO_API_BASE_URL like the gateway. With any
SMS backend but ``twilio`` (development, unit tests) Lasso talks to no Twilio at all:
`enabled()` is False and nothing here is called.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from messaging.gateway import _RebasedHttpClient

logger = logging.getLogger(__name__)

# Twilio lists at most this many calls per page; an outage of a few hours fits in a few.
PAGE_SIZE = 200
# A cap on what one reconciliation reads for one number: a bound, not a expected size.
MAX_CALLS = 2000


class TwilioUnavailable(Exception):
    """Twilio could not be asked, or refused: nothing was changed or read; try later."""


@dataclass(frozen=True)
class NumberWebhooks:
    voice_url: str
    voice_fallback_url: str
    status_callback: str
    sms_url: str


@dataclass(frozen=True)
class TwilioCall:
    """One call as Twilio's records hold it."""

    sid: str
    parent_sid: str
    direction: str
    from_: str
    to: str
    status: str
    start_time: datetime | None
    end_time: datetime | None
    duration: int | None


_local = threading.local()


def enabled() -> bool:
    return settings.LASSO_SMS_BACKEND == "twilio"


def _client(phone_number: str) -> Client:
    """The client of the Twilio account that owns the number: a business's subaccount for
    its own numbers (tenants.onboarding.credentials), the platform's for the rest. A
    subaccount's number is invisible to the parent's IncomingPhoneNumbers and Calls paths."""
    from tenants.onboarding import credentials

    account = credentials.account_for_number(phone_number)
    # One client per thread, account and base URL (tests point it elsewhere between cases).
    key = (settings.TWILIO_API_BASE_URL, account.sid, account.auth_token)
    clients = getattr(_local, "clients", None)
    if clients is None or len(clients) > 64:
        clients = _local.clients = {}
    if key not in clients:
        clients[key] = Client(
            account.sid,
            account.auth_token,
            http_client=_RebasedHttpClient(
                settings.TWILIO_API_BASE_URL, settings.TWILIO_REQUEST_TIMEOUT_SECONDS
            ),
        )
    return clients[key]


def _unavailable(what: str, exc: Exception) -> TwilioUnavailable:
    if isinstance(exc, TwilioRestException):
        return TwilioUnavailable(f"{what}: Twilio answered {exc.status} {exc.code}: {exc.msg}")
    return TwilioUnavailable(f"{what}: {exc}")


def find_number_sid(*, phone_number: str) -> str:
    """The IncomingPhoneNumber SID of one of the account's numbers, or "" if it has none."""
    try:
        found = _client(phone_number).incoming_phone_numbers.list(
            phone_number=phone_number, limit=2
        )
    except (TwilioException, requests.exceptions.RequestException, ValueError) as exc:
        raise _unavailable(f"looking up {phone_number}", exc) from exc
    exact = [number for number in found if number.phone_number == phone_number]
    return exact[0].sid if exact else ""


def configure_number(*, phone_number: str, webhooks: NumberWebhooks, sid: str = "") -> str:
    """Point the number's webhooks at Lasso; returns its SID. Raises TwilioUnavailable, and
    LookupError when the account has no such number."""
    sid = sid or find_number_sid(phone_number=phone_number)
    if not sid:
        raise LookupError(f"{phone_number} is not a number of this Twilio account")
    try:
        _client(phone_number).incoming_phone_numbers(sid).update(
            voice_url=webhooks.voice_url,
            voice_method="POST",
            voice_fallback_url=webhooks.voice_fallback_url,
            voice_fallback_method="POST",
            status_callback=webhooks.status_callback,
            status_callback_method="POST",
            sms_url=webhooks.sms_url,
            sms_method="POST",
        )
    except (TwilioException, requests.exceptions.RequestException, ValueError) as exc:
        raise _unavailable(f"configuring {phone_number}", exc) from exc
    return sid


def _as_call(record: object) -> TwilioCall:
    duration = getattr(record, "duration", None)
    return TwilioCall(
        sid=str(record.sid or ""),
        parent_sid=str(record.parent_call_sid or ""),
        direction=str(record.direction or ""),
        from_=str(getattr(record, "_from", "") or ""),
        to=str(record.to or ""),
        status=str(record.status or ""),
        start_time=record.start_time,
        end_time=record.end_time,
        duration=int(duration) if duration not in (None, "") else None,
    )


def calls_to(
    *, phone_number: str, started_after: datetime, limit: int = MAX_CALLS
) -> list[TwilioCall]:
    """Calls Twilio holds to this number that started after the moment (oldest first)."""
    try:
        records = _client(phone_number).calls.list(
            to=phone_number,
            start_time_after=started_after,
            page_size=min(PAGE_SIZE, limit),
            limit=limit,
        )
    except (TwilioException, requests.exceptions.RequestException, ValueError) as exc:
        raise _unavailable(f"listing calls to {phone_number}", exc) from exc
    calls = [_as_call(record) for record in records]
    return sorted(calls, key=lambda call: call.start_time or started_after)


def child_calls(*, parent_sid: str, phone_number: str, limit: int = 20) -> list[TwilioCall]:
    """The legs a call spawned: for a forwarded call, the leg that rang the business.
    `phone_number` is the Lasso number the call came in on (it names the account)."""
    try:
        records = _client(phone_number).calls.list(parent_call_sid=parent_sid, limit=limit)
    except (TwilioException, requests.exceptions.RequestException, ValueError) as exc:
        raise _unavailable(f"listing the legs of {parent_sid}", exc) from exc
    return [_as_call(record) for record in records]
