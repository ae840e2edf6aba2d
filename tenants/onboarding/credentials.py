"""Every Twilio account Lasso speaks for, with its auth token, held in this process's memory:
checking a webhook's signature, or choosing the account a text is sent from, never waits on
the database (the fallback voice webhook must work with no database at all).

- The platform (parent) account is TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN, from settings. It
  owns every number attached by create_business.
- Each business's subaccount (tenants.TwilioSubaccount) is loaded, decrypted, with the
  numbers it owns: all of them when the process starts (`load`, from lasso.wsgi), and one
  again whenever this process is asked about an AccountSid it does not know, or a number
  the subaccount does not own here (made since by another process). A SID the database does
  not know either is remembered as unknown for a minute, so forged SIDs cost one indexed
  query each, not one per request. Services that create an account or give it a number
  update this process's copy themselves (`remember`).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger(__name__)

UNKNOWN_FOR_SECONDS = 60.0
MAX_UNKNOWN = 10_000
RELOAD_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class Account:
    sid: str
    auth_token: str
    # The E.164 numbers a subaccount owns; empty for the parent (it owns the rest).
    numbers: frozenset[str] = frozenset()
    is_parent: bool = False


_lock = threading.Lock()
_accounts: dict[str, Account] = {}
_owner_of_number: dict[str, str] = {}
_unknown: dict[str, float] = {}
_parent_numbers: dict[str, float] = {}
_read_at: dict[str, float] = {}
_state = {"loaded": False, "tried_at": 0.0}


def parent() -> Account:
    return Account(
        sid=settings.TWILIO_ACCOUNT_SID, auth_token=settings.TWILIO_AUTH_TOKEN, is_parent=True
    )


def _bounded() -> AbstractContextManager[None]:
    # A stuck database must not hold a webhook (a caller may be on the line): every read
    # here gives up after the voice path's own deadline.
    from calls.voice_path import bounded_database

    return bounded_database()


def _store(account: Account) -> None:
    with _lock:
        old = _accounts.get(account.sid)
        if old is not None:
            for number in old.numbers:
                if _owner_of_number.get(number) == account.sid:
                    del _owner_of_number[number]
        _accounts[account.sid] = account
        _read_at[account.sid] = time.monotonic()
        for number in account.numbers:
            _owner_of_number[number] = account.sid
        _unknown.pop(account.sid, None)
        for number in account.numbers:
            _parent_numbers.pop(number, None)


def remember(*, sid: str, auth_token: str, numbers: list[str]) -> None:
    """This process made or changed the subaccount: use these credentials from now on."""
    _store(Account(sid=sid, auth_token=auth_token, numbers=frozenset(numbers)))


def forget_all() -> None:
    """Drop every subaccount held here (tests start each case from the database)."""
    with _lock:
        _accounts.clear()
        _owner_of_number.clear()
        _unknown.clear()
        _parent_numbers.clear()
        _read_at.clear()
        _state.update(loaded=False, tried_at=0.0)


def load() -> None:
    """Load every subaccount from the database; a database that does not answer leaves what
    is held (logged), and the next question tries again."""
    from tenants.onboarding.encryption import InvalidToken
    from tenants.onboarding.selectors import subaccount_credentials

    _state["tried_at"] = time.monotonic()
    try:
        with _bounded():
            found = subaccount_credentials()
    except DatabaseError as exc:
        logger.warning("Twilio subaccounts not loaded (the database did not answer): %s", exc)
        return
    except InvalidToken:
        # Every subaccount's webhooks will be refused: say so loudly, but keep serving the
        # parent's numbers.
        logger.error("Twilio subaccounts not loaded: FIELD_ENCRYPTION_KEY does not decrypt them")
        return
    for account in found:
        _store(Account(sid=account.sid, auth_token=account.auth_token, numbers=account.numbers))
    _state["loaded"] = True


def _ensure_loaded() -> None:
    if not _state["loaded"] and time.monotonic() - _state["tried_at"] >= RELOAD_EVERY_SECONDS:
        load()


def _reload_one(sid: str) -> Account | None:
    from tenants.onboarding.encryption import InvalidToken
    from tenants.onboarding.selectors import subaccount_credentials

    try:
        with _bounded():
            found = subaccount_credentials(sid=sid)
    except (DatabaseError, InvalidToken) as exc:
        logger.warning("Twilio subaccount not loaded (the database did not answer): %s", exc)
        return None
    if not found:
        with _lock:
            if len(_unknown) >= MAX_UNKNOWN:
                _unknown.clear()
            _unknown[sid] = time.monotonic()
        return None
    account = Account(sid=found[0].sid, auth_token=found[0].auth_token, numbers=found[0].numbers)
    _store(account)
    return account


def account(sid: str, *, fresh: bool = False, throttled: bool = False) -> Account | None:
    """The account named by a webhook's AccountSid: the parent, a known subaccount, or None.
    `fresh` reads the subaccount from the database again (its token or numbers changed);
    `throttled`, not if it was read in the last few seconds (for what anyone can trigger,
    such as a bad signature naming a real SID)."""
    if sid == settings.TWILIO_ACCOUNT_SID:
        return parent()
    held = _accounts.get(sid)
    if held is not None and not fresh:
        return held
    recently = time.monotonic() - _read_at.get(sid, 0.0) < RELOAD_EVERY_SECONDS
    if held is not None and throttled and recently:
        # Read again a moment ago: forged requests naming a real SID cost no query each.
        return held
    seen_unknown = _unknown.get(sid)
    if held is None and seen_unknown and time.monotonic() - seen_unknown < UNKNOWN_FOR_SECONDS:
        return None
    return _reload_one(sid) or held


def owner_of(number: str, *, load: bool = True) -> str:
    """The SID of the subaccount holding this number as far as this process knows, or ""
    (the parent's, or not Lasso's). With `load` False nothing is read from the database,
    even if this process has not loaded the subaccounts yet."""
    if load:
        _ensure_loaded()
    return _owner_of_number.get(number, "")


def account_for_number(number: str) -> Account:
    """The account a number's texts are sent from (on a worker, which has the database: a
    number this process has not seen yet is looked up, and a parent's number remembered as
    such for a minute)."""
    sid = owner_of(number)
    held = _accounts.get(sid) if sid else None
    if held is not None:
        return held
    seen = _parent_numbers.get(number)
    if seen is not None and time.monotonic() - seen < UNKNOWN_FOR_SECONDS:
        return parent()
    from tenants.onboarding.selectors import subaccount_sid_of_number

    try:
        with _bounded():
            sid = subaccount_sid_of_number(number=number)
    except DatabaseError as exc:
        logger.warning("owner of %s not looked up (the database did not answer): %s", number, exc)
        return parent()
    found = _reload_one(sid) if sid else None
    if found is None:
        with _lock:
            if len(_parent_numbers) >= MAX_UNKNOWN:
                _parent_numbers.clear()
            _parent_numbers[number] = time.monotonic()
        return parent()
    return found
