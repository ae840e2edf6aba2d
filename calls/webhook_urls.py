"""Every voice URL Lasso hands Twilio, each with Twilio's connection overrides.

Overrides ride in the URL's fragment (``#ct=…``); Twilio reads them, never sends them, and
signs the URL without them, so the signature check is unchanged.

- The voice URL gets short connect and total timeouts, so when Lasso cannot answer Twilio
  turns to the number's fallback URL within seconds instead of after its 15 s default.
- Every callback (status callbacks, <Dial action>, the screen, recording callbacks) gets a
  retry count and policy on top, so a short blip is retried by Twilio. Twilio caps these
  retries within 15 s: they cover blips, not outages (reconciliation covers those).
- The fallback URL carries the number's routing in its query string. Twilio's signature
  covers the query, so the fallback view can trust it without a database or Redis.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict

from calls.routing import Routing
from tenants.models import TwilioNumber

VOICE_URL_OVERRIDES = "ct=2000&tt=6000"
CALLBACK_OVERRIDES = "ct=2000&tt=12000&rc=5&rp=all"
FALLBACK_PATH = "/webhooks/twilio/voice/fallback/"


def _base(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/{path}/"


def voice_url() -> str:
    return f"{_base('voice/incoming')}#{VOICE_URL_OVERRIDES}"


def callback(path: str, **query: str) -> str:
    """A voice callback URL, e.g. callback("dial-complete")."""
    url = _base(f"voice/{path}")
    if query:
        url += "?" + urlencode(query)
    return f"{url}#{CALLBACK_OVERRIDES}"


def status_callback() -> str:
    return callback("status")


def sms_url() -> str:
    return f"{_base('sms/incoming')}#{CALLBACK_OVERRIDES}"


def fallback_query(routing: Routing, *, step: str = "") -> str:
    params = {
        "line": routing.number,
        "to": routing.forward_to,
        "mode": routing.mode,
        "name": routing.business_name,
        "timeout": str(routing.ring_timeout),
        "screen": "1" if routing.screening else "0",
        "vm": "1" if routing.voicemail else "0",
    }
    if step:
        params["step"] = step
    return urlencode(params)


def fallback_url(routing: Routing, *, step: str = "", overrides: bool = True) -> str:
    """The number's VoiceFallbackUrl (step ""), or one of the fallback's own follow-ups."""
    url = f"{settings.PUBLIC_BASE_URL}{FALLBACK_PATH}?{fallback_query(routing, step=step)}"
    return f"{url}#{CALLBACK_OVERRIDES}" if overrides else url


def routing_from_fallback(query: QueryDict) -> Routing | None:
    """The routing a (signed) fallback URL carries; None when it is not one of ours."""
    mode = query.get("mode", "")
    if mode not in TwilioNumber.Mode.values:
        return None
    try:
        timeout = int(query.get("timeout", ""))
    except ValueError:
        return None
    return Routing(
        number=query.get("line", ""),
        forward_to=query.get("to", ""),
        mode=mode,
        screening=query.get("screen") == "1",
        ring_timeout=min(60, max(5, timeout)),
        business_name=query.get("name", ""),
        voicemail=query.get("vm") == "1",
    )
