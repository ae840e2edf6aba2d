"""The guard every /webhooks/twilio/... view sits behind.

Order matters: method, size, then signature, so nothing is parsed, stored or queued for a
request Twilio did not sign. The signed URL is always PUBLIC_BASE_URL + the path and query
we received: never a URL rebuilt from Host or X-Forwarded-* headers, which a caller
controls. Twilio's connection-override fragments (``#rc=…``) never reach the server and
Twilio signs the URL without them, so validating the received path is exactly right.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Callable

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    QueryDict,
)
from django.views.decorators.csrf import csrf_exempt
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024

View = Callable[..., HttpResponse]


def signed_url(request: HttpRequest) -> str:
    return settings.PUBLIC_BASE_URL + request.get_full_path()


def _too_large(request: HttpRequest) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > MAX_BODY_BYTES


def clean_value(value: str) -> str:
    """What Lasso stores of a signed value: without NUL (PostgreSQL cannot hold it) and the
    other control characters; line breaks and tabs are kept, and so is every printable or
    formatting character (an emoji's zero-width joiner, for one)."""
    return "".join(ch for ch in value if ch in "\n\r\t" or unicodedata.category(ch) != "Cc")


def cleaned(post: QueryDict) -> QueryDict:
    copy = QueryDict(mutable=True)
    for key, values in post.lists():
        copy.setlist(clean_value(key), [clean_value(value) for value in values])
    copy._mutable = False
    return copy


def twilio_webhook(view: View) -> View:
    """Accept only POSTs of at most 64 KiB carrying a valid X-Twilio-Signature."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if _too_large(request) or len(request.body) > MAX_BODY_BYTES:
            return HttpResponse("Request body too large.", status=413, content_type="text/plain")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not settings.TWILIO_AUTH_TOKEN:
            logger.warning(
                "twilio webhook %s rejected: no signature or no auth token", request.path
            )
            return HttpResponseForbidden("Invalid Twilio signature.")
        validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
        # Every POSTed value, repeated keys included, is part of what Twilio signed: the
        # validator reads them through QueryDict.getlist.
        if not validator.validate(signed_url(request), request.POST, signature):
            logger.warning("twilio webhook %s rejected: bad signature", request.path)
            return HttpResponseForbidden("Invalid Twilio signature.")
        repeated = sorted(key for key, values in request.POST.lists() if len(values) > 1)
        if repeated:
            # Twilio sends each parameter once; which copy would we believe?
            logger.warning("twilio webhook %s rejected: repeated %s", request.path, repeated)
            return HttpResponse(
                f"Repeated parameter: {', '.join(repeated)[:200]}.",
                status=400,
                content_type="text/plain",
            )
        request.POST = cleaned(request.POST)
        return view(request, *args, **kwargs)

    return wrapper
