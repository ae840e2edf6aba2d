"""What happens when a password is reset or changed, and how a reset is asked for.

A new password signs the person out everywhere: every session stores a hash derived from
the password hash, and Django refuses a session whose hash no longer matches
(django.contrib.auth.get_user), so the sessions end by themselves; the change-password page
keeps only the session that made the change. API tokens do not depend on the password, so
they are revoked here, in the same step, by every path that sets a password (the reset and
change pages, the admin, create_business).

Asking for a reset takes the same time whether or not an account uses the address: the
request only validates the address, counts it against the rate limits and queues a task;
the task, on a worker, looks the account up and sends the email. Nothing about the account
is read, hashed or mailed on the request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenants.accounts import rate_limit
from tenants.models import ApiToken, User

RESET_PER_ADDRESS = rate_limit.Limit("password-reset-address", count=10, window_seconds=3600)
RESET_PER_EMAIL = rate_limit.Limit("password-reset-email", count=5, window_seconds=3600)
# A stolen session guessing the password that the settings page asks for.
PASSWORD_RECHECK = rate_limit.Limit("password-recheck", count=10, window_seconds=3600)


def revoke_credentials(*, user: User) -> int:
    """Call right after the user's password changed: revoke all their API tokens. Returns
    how many were still active."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def signed_out_message(*, revoked_tokens: int, this_session_kept: bool = False) -> str:
    where = "everywhere else" if this_session_kept else "everywhere"
    message = f"Your password was changed; you were signed out {where}"
    if revoked_tokens == 1:
        return f"{message} and your 1 API token was revoked."
    if revoked_tokens:
        return f"{message} and your {revoked_tokens} API tokens were revoked."
    return f"{message}."


def normalize_email(raw: str) -> str:
    return User.objects.normalize_email((raw or "").strip()).lower()


def reset_wait_seconds(*, email: str, client_address: str | None) -> int:
    """Count a reset request against its client address and its email address: 0 when it
    may go ahead, else the seconds until one may. An unknown address (a misconfigured
    proxy chain) shares one allowance rather than escaping the limit."""
    wait = rate_limit.attempt(RESET_PER_ADDRESS, client_address or "unknown")
    if wait:
        return wait
    return rate_limit.attempt(RESET_PER_EMAIL, normalize_email(email))


def request_password_reset(*, email: str) -> None:
    """Queue the reset email for whichever account uses this address, if any."""
    from tenants import tasks  # tasks import this module

    tasks.send_password_reset.delay(email=normalize_email(email))


def reset_link(*, user: User) -> str:
    """Built from PUBLIC_BASE_URL, never from the request's Host header: a forged Host must
    not put an attacker's domain (and the user's token) into the email."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.PUBLIC_BASE_URL + path


def send_password_reset(*, email: str) -> int:
    """Email a reset link to each active account with a password that uses this address;
    how many were sent (0 for an unknown address, which is not told apart anywhere)."""
    users = [
        user
        for user in User.objects.filter(email__iexact=normalize_email(email), is_active=True)
        if user.has_usable_password()
    ]
    for user in users:
        context = {
            "email": user.email,
            "link": reset_link(user=user),
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "login_url": settings.PUBLIC_BASE_URL + reverse("login"),
        }
        subject = render_to_string("tenants/email/password_reset_subject.txt", context).strip()
        body = render_to_string("tenants/email/password_reset_body.txt", context)
        send_mail(subject, body, None, [user.email])
    return len(users)
