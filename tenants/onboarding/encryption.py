"""Secrets Lasso must read back (its businesses' Twilio subaccount SIDs and auth tokens) are
stored only encrypted, with the Fernet key in FIELD_ENCRYPTION_KEY (AES-CBC with an
HMAC-SHA256 tag: a changed ciphertext fails to decrypt rather than decrypting to garbage).

A row is found by a SID through `digest`, an HMAC keyed from the same key: a copy of the
database alone neither reveals a SID nor confirms a guessed one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "digest", "encrypt"]


@functools.cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(plain: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    """Raises InvalidToken when the value was not encrypted with this key (or was altered)."""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(stored.encode()).decode()


def digest(value: str) -> str:
    key = hashlib.sha256(b"lasso-lookup-digest:" + settings.FIELD_ENCRYPTION_KEY.encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
