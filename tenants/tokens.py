"""Personal API tokens: create, find by key, mark used, revoke.

Only a SHA-256 of a key is stored, so a database leak gives no working keys; the key
itself is shown to its owner once, when it is made. A key is long and random, so a plain
hash (not a slow password hash) is enough, and a lookup is one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tenants.models import ApiToken, User

KEY_PREFIX = "lasso_"
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length
PREFIX_LENGTH = ApiToken._meta.get_field("prefix").max_length
# Recording every request would turn each API read into a write; a minute is precise
# enough for "last used".
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(Exception):
    """A token could not be made; the message says why, for a person to read."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    key: str  # the only time the key exists outside the client


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(*, user: User, name: str) -> NewToken:
    name = name.strip()
    if not name:
        raise TokenError("Give the token a name, e.g. the integration that will use it.")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError(f"Keep the name to {NAME_MAX_LENGTH} characters.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_key(key),
        # The part after "lasso_" tells one token from another; "lasso_" never would.
        prefix=key[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_LENGTH],
    )
    return NewToken(token=token, key=key)


def token_for_key(*, key: str) -> ApiToken | None:
    """The token with this key, revoked or not, with its user; None when there is none."""
    if not key:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()


def mark_used(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used, at most once a minute."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    # Conditional, so concurrent requests with one token write once, not once each.
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    token.last_used_at = now


def tokens_for(*, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, active ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").desc(nulls_first=True), "-created_at", "-id"
    )


def revoke_token(*, user: User, key_hash: str) -> ApiToken:
    """Revoke one of the user's tokens; anyone else's (or none) is a 404. Idempotent."""
    token = ApiToken.objects.filter(user=user, key_hash=key_hash).first()
    if token is None:
        raise Http404("No such token.")
    if token.revoked_at is None:
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        token.revoked_at = now
    return token
