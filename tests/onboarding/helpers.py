"""Subaccounts as the onboarding stores them, and webhooks signed as Twilio signs them for
any account: with that account's auth token and its AccountSid in the body."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

from tenants.models import Business, TwilioNumber, TwilioSubaccount
from tenants.onboarding import credentials, encryption

PARENT_SID = "AC" + "a" * 32


def new_account_sid() -> str:
    return "AC" + uuid.uuid4().hex


def make_subaccount(
    business: Business, *, numbers: list[TwilioNumber] = (), sid: str = "", token: str = ""
) -> tuple[str, str]:
    """Give the business a stored (encrypted) subaccount owning these numbers; returns its
    (SID, auth token). The process's in-memory copy is dropped, as after a restart."""
    sid, token = sid or new_account_sid(), token or secrets.token_hex(16)
    subaccount = TwilioSubaccount.objects.create(
        business=business,
        sid_digest=encryption.digest(sid),
        sid_encrypted=encryption.encrypt(sid),
        auth_token_encrypted=encryption.encrypt(token),
    )
    for number in numbers:
        number.subaccount = subaccount
        number.save(update_fields=["subaccount"])
    credentials.forget_all()
    return sid, token


def signature(path: str, params: dict[str, str], *, token: str) -> str:
    return RequestValidator(token).compute_signature(settings.PUBLIC_BASE_URL + path, params)


class AccountTwilio:
    """Posts webhooks as one Twilio account: its AccountSid (unless `account_sid` is None)
    and a signature made with `token`."""

    def __init__(self, *, account_sid: str | None, token: str, client: Client | None = None):
        self.account_sid = account_sid
        self.token = token
        self.client = client or Client()

    def post(self, path: str, params: dict[str, str]):
        body = dict(params)
        if self.account_sid is not None:
            body.setdefault("AccountSid", self.account_sid)
        return self.client.post(
            path,
            data=urlencode(body),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=signature(path, body, token=self.token),
        )
