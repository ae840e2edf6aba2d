"""Failed sign-ins lock an account and an address out for a while, and say until when.

Every sign-in goes through django.contrib.auth.authenticate with the request (the login
page, the admin's, POST /api/v1/auth/token/), so django-axes sees each failure. Failures
are counted per account (the email, lower-cased) and per client address (one rule for the
address: lasso.client_address, so a forged X-Forwarded-For changes nothing):

- 5 failures on one account (AXES_FAILURE_LIMIT) lock that account, from every address;
- 20 failures from one address (ADDRESS_FAILURE_LIMIT) lock that address, for every
  account: an office behind one address may mistype a few passwords, one address trying
  many accounts is guessing.

A lock lasts AXES_COOLOFF_TIME (15 minutes) from the failure that reached the limit. Tries
while locked are refused without being counted, so the "try again in N minutes" a person
is told holds. Signing in resets the account's count, never the address's: otherwise a
guesser with one account of their own could sign into it between guesses to start over.

A password reset is not a sign-in: asking for one is rate-limited on its own
(tenants.accounts.services), and the link proves the person reads the account's email.
Choosing a new password through it does not lift a lock, though: the new password works
once the lock has run out, and the page says when (PasswordResetConfirm). Lifting the lock
there would let anyone who can trigger a reset cut a lock short for the person guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from lasso.client_address import client_ip

ADDRESS_FAILURE_LIMIT = 20
# AccessAttempt.username holds at most this many characters.
USERNAME_MAX = 255


def username_for(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account a sign-in names, as one key however it was typed: the login form sends
    `username`, the token endpoint `email`."""
    raw = None
    if credentials:
        raw = credentials.get("email") or credentials.get("username")
    if raw is None:
        data = getattr(request, "POST", None) or {}
        raw = data.get("username") or data.get("email")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return raw.strip().lower()[:USERNAME_MAX]


def _limits() -> dict[str, int]:
    return {"username": int(settings.AXES_FAILURE_LIMIT), "ip_address": ADDRESS_FAILURE_LIMIT}


@dataclass(frozen=True)
class Lock:
    """Why and until when sign-ins are refused."""

    until: datetime
    by: str  # "username" or "ip_address"

    @property
    def seconds_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))

    @property
    def message(self) -> str:
        return locked_message(self.seconds_left)


def locked_message(seconds: int) -> str:
    return f"Too many failed sign-ins. Try again in {minutes(seconds)}."


def minutes(seconds: int) -> str:
    """ "N minutes" for a person, rounded up: "1 minute", "14 minutes"."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'s' if count != 1 else ''}"


def current_lock(*, username: str | None, ip_address: str | None) -> Lock | None:
    """The lock on this account or this address now, the one that lasts longer; None when
    neither is locked.

    Axes keeps one row per (account, address, browser) with its failure count and the time
    of its latest failure; a row counts while that time is within the cool-off. So a lock
    ends when the newest rows that reach the limit together age out of the cool-off.
    """
    cool_off = get_cool_off() or timedelta(0)
    now = timezone.now()
    locks: list[Lock] = []
    keys = {"username": username, "ip_address": ip_address}
    for name, limit in _limits().items():
        if name == "username" and not username:
            continue
        rows = (
            AccessAttempt.objects.filter(**{name: keys[name]}, attempt_time__gte=now - cool_off)
            .order_by("-attempt_time")
            .values_list("failures_since_start", "attempt_time")
        )
        total = 0
        for failures, at in rows:
            total += failures
            if total >= limit:
                locks.append(Lock(until=at + cool_off, by=name))
                break
    return max(locks, key=lambda lock: lock.until, default=None)


def lock_for_request(request: HttpRequest, credentials: dict | None = None) -> Lock | None:
    return current_lock(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", None) or client_ip(request),
    )


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per account and another per address."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # Axes compares this number with AXES_FAILURE_LIMIT, one limit for everything, to
        # decide on a lock; Lasso's limits differ per account and per address, so it is that
        # limit when either reached its own, and 0 otherwise.
        locked = lock_for_request(request, credentials) is not None
        return int(settings.AXES_FAILURE_LIMIT) if locked else 0

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """After a successful sign-in: forget the account's failures, not the address's."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


class LockedOutForm(AuthenticationForm):
    """The login form as a locked-out attempt left it: what was typed, and why it was refused
    (without asking the backends again)."""

    def __init__(self, *args: object, message: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.message = message

    def clean(self) -> dict:
        raise ValidationError(self.message)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """What a refused sign-in answers (429): the login page saying when to try again, or
    for the API `{"detail": …}` with Retry-After. A view that already answered the lockout
    (the token endpoint) keeps its own answer."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    lock = lock_for_request(request, credentials)
    seconds = lock.seconds_left if lock else int((get_cool_off() or timedelta(0)).total_seconds())
    message = locked_message(seconds)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        typed = (request.POST.get("username") or "")[:USERNAME_MAX]
        form = LockedOutForm(request, data={"username": typed, "password": "-"}, message=message)
        context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
