"""The address of the client that sent a request, for rate limits and records.

Only the proxies we run are believed: with `TRUSTED_PROXY_COUNT` = 0 (nothing in front of
Lasso) it is the socket's peer, REMOTE_ADDR, and X-Forwarded-For is ignored, since any
client can write one. With N trusted proxies, each appending the address it received the
request from, the client is the N-th entry from the right of X-Forwarded-For; anything
further left was written by the client and could be anything.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(raw: str | None) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None when it cannot be known (a proxy chain shorter
    than the one configured, or an entry that is not an address)."""
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if hops <= 0:
        return _address(request.META.get("REMOTE_ADDR"))
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < hops:
        # Fewer entries than proxies: the request did not come through all of them, so no
        # entry can be trusted.
        return None
    return _address(chain[-hops])
