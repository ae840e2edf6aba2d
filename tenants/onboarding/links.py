"""The links Lasso emails during sign-up, built from PUBLIC_BASE_URL (never from the
request's Host header, which a caller controls).

The verification link carries the sign-up's id signed with SECRET_KEY and timestamped, so
nothing secret is stored or queued; it is single-use because the sign-up is marked verified
when the account is made."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "lasso.onboarding.signup"
VALID_FOR = timedelta(days=2)


def verification_token(*, signup_id: uuid.UUID) -> str:
    return signing.dumps(str(signup_id), salt=SALT, compress=True)


def signup_id_from(token: str) -> uuid.UUID | None:
    """The sign-up a token names, or None when it is forged, altered or too old."""
    try:
        value = signing.loads(token, salt=SALT, max_age=VALID_FOR.total_seconds())
        return uuid.UUID(str(value))
    except (signing.BadSignature, ValueError):
        return None


def verification_link(*, signup_id: uuid.UUID) -> str:
    path = reverse("onboarding:verify", kwargs={"token": verification_token(signup_id=signup_id)})
    return settings.PUBLIC_BASE_URL + path


def sign_in_link() -> str:
    return settings.PUBLIC_BASE_URL + reverse("login")


def password_reset_link() -> str:
    return settings.PUBLIC_BASE_URL + reverse("password_reset")
