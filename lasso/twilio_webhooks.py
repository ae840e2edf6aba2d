"""The guard every /webhooks/twilio/... view sits behind.

Order matters: method, size, then signature, so nothing is parsed, stored or queued for a
request Twilio did not sign. The signed URL is always PUBLIC_BASE_URL + the path and query
we received: never a URL rebuilt from Host or X-Forwarded-* headers, which a caller
controls. Twilio's connection-override fragments (``#rc=…``) never reach the server and
Twilio signs the URL without them, so validating the received path is exactly right.

Each request is checked with the auth token of the Twilio account its ``AccountSid`` names:
the platform (parent) account's for the numbers it owns (every business made by
create_business), a business's subaccount's for that subaccount's numbers. A request with
no AccountSid is the parent's (Twilio always sends one; Lasso's own tests and tools of the
parent account may not). An AccountSid that is neither the parent nor a subaccount Lasso
knows is refused, and so is, where a call or text arrives (voice and SMS "incoming"), a
subaccount calling a number it does not own, or the parent calling a subaccount's number:
nothing of those is stored. Tokens come from process memory
(tenants.onboarding.credentials), so the check never waits on the database.
"""

from __future__ import annotations

import functools
import logging
import re
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
from twilio.request_validator import RequestValidator, compare

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
# Where a call or text arrives for a number: the number must be the signing account's.
ARRIVALS = {"voice-incoming", "sms-incoming"}

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
    # Printable text has no control character to remove: the common case, read as it came.
    if all(key.isprintable() and all(v.isprintable() for v in vs) for key, vs in post.lists()):
        return post
    copy = QueryDict(mutable=True)
    for key, values in post.lists():
        copy.setlist(clean_value(key), [clean_value(value) for value in values])
    copy._mutable = False
    return copy


def _valid(request: HttpRequest, signature: str, auth_token: str) -> bool:
    # Every POSTed value, repeated keys included, is part of what Twilio signed: the
    # validator reads them through QueryDict.getlist.
    if not auth_token:
        return False
    validator, url = RequestValidator(auth_token), signed_url(request)
    # The SDK's validate accepts the URL's signature with or without an explicit port,
    # and computes both; the URL as received is always one of the two, and the one
    # Twilio signs: checked first, the other only when it does not match.
    if compare(validator.compute_signature(url, request.POST), signature):
        return True
    return validator.validate(url, request.POST, signature)


def _check_account(request: HttpRequest, signature: str) -> str:
    """Why the request is refused, or "" when its account signed it and may send it."""
    from tenants.onboarding import credentials

    sids = request.POST.getlist("AccountSid")
    sid = sids[0] if len(sids) == 1 else ""
    if len(sids) > 1 or (sid and not ACCOUNT_SID.fullmatch(sid)):
        return "malformed AccountSid"
    account = credentials.parent() if not sid else credentials.account(sid)
    if account is None:
        return f"unknown account {sid}"
    if not _valid(request, signature, account.auth_token):
        if account.is_parent:
            return "bad signature"
        # A subaccount's token changed in another process: read it again, once.
        account = credentials.account(sid, fresh=True, throttled=True)
        if account is None or not _valid(request, signature, account.auth_token):
            return "bad signature"
    match = request.resolver_match
    if match is None or match.url_name not in ARRIVALS:
        return ""
    to = request.POST.get("To", "")
    # Memory only: the parent's requests never wait on the database (the subaccounts are
    # loaded at start, lasso.wsgi).
    owner = credentials.owner_of(to, load=False)
    if account.is_parent:
        return f"{to} belongs to subaccount {owner}" if owner else ""
    if to in account.numbers:
        return ""
    # A number given to the subaccount by another process since this one loaded it.
    account = credentials.account(sid, fresh=True)
    if account is None or to not in account.numbers:
        return f"{to} is not a number of {sid}"
    return ""


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
        refusal = _check_account(request, signature)
        if refusal:
            logger.warning("twilio webhook %s rejected: %s", request.path, refusal)
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
