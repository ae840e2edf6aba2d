"""Refuse, with a 400, any request carrying characters no page or API of Lasso accepts.

PostgreSQL cannot store NUL (U+0000) in text, so a NUL in a path, a query string, a form
field or a JSON body would otherwise reach the database and answer 500 (and a business
switcher, token name or search field is enough). Twilio's webhooks are the exception: what
Twilio signed is kept, so their guard (lasso.twilio_webhooks) cleans the values after
checking the signature instead of refusing them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

WEBHOOK_PREFIX = "/webhooks/twilio/"
NUL = "\x00"


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    if any(NUL in key or NUL in value for key, value in _pairs(request.GET)):
        return True
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        return b"\x00" in body or b"\\u0000" in body.lower()
    if request.method == "POST" and content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        return any(NUL in key or NUL in value for key, value in _pairs(request.POST))
    return False


def _pairs(query_dict) -> list[tuple[str, str]]:
    return [(key, value) for key, values in query_dict.lists() for value in values]


class RefuseUnacceptableInput:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(WEBHOOK_PREFIX) and _has_nul(request):
            return HttpResponseBadRequest(
                "The request contains a character that cannot be accepted (NUL).",
                content_type="text/plain",
            )
        return self.get_response(request)
