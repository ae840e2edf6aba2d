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
from collections.abc import Callable

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
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
        # Every POSTed value, repeated keys included, is part of what Twilio signed.
        params = {key: request.POST.getlist(key) for key in request.POST}
        params = {k: v[0] if len(v) == 1 else v for k, v in params.items()}
        if not validator.validate(signed_url(request), params, signature):
            logger.warning("twilio webhook %s rejected: bad signature", request.path)
            return HttpResponseForbidden("Invalid Twilio signature.")
        return view(request, *args, **kwargs)

    return wrapper
