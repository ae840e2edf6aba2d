"""Each number's routing, kept in Redis so a call still rings when PostgreSQL is away.

The voice webhooks read routing from the database; when the database cannot answer they
read this copy instead. It holds all a webhook needs to answer a call (the forward-to
number, the mode, screening, the ring timeout, the business name for the whisper and
greeting, whether to take voicemail) and is rewritten whenever any of that changes: on
commit of a settings change (`routing_changed`), and by the scheduler every minute for
every number (`refresh_all`), which also catches numbers created or edited elsewhere (the
create_business command, the admin). The entries never expire: a stale route rings the
business's old phone, which beats ringing nothing.

Every Redis failure here is swallowed (logged): the routing cache is a fallback, and its
own outage must never break a webhook that the database could answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.db import transaction

from tenants.models import Business, TwilioNumber

logger = logging.getLogger(__name__)

KEY = "lasso:routing:{number}"


@dataclass(frozen=True)
class Routing:
    """How calls to one Lasso number are answered."""

    number: str  # the Lasso number, E.164
    forward_to: str  # "" when there is nothing to ring
    mode: str
    screening: bool
    ring_timeout: int
    business_name: str
    voicemail: bool

    @property
    def forwards(self) -> bool:
        return self.mode == TwilioNumber.Mode.FORWARD and bool(self.forward_to)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Routing | None:
        try:
            data = json.loads(raw)
            return cls(
                number=str(data["number"]),
                forward_to=str(data["forward_to"]),
                mode=str(data["mode"]),
                screening=bool(data["screening"]),
                ring_timeout=int(data["ring_timeout"]),
                business_name=str(data["business_name"]),
                voicemail=bool(data["voicemail"]),
            )
        except (TypeError, ValueError, KeyError):
            return None


def routing_for(*, number: TwilioNumber, business: Business | None = None) -> Routing:
    """The routing of a number as the database holds it now."""
    business = business or number.business
    return Routing(
        number=number.e164,
        forward_to=number.forward_to_e164,
        mode=number.mode,
        screening=business.screening_enabled and number.mode == TwilioNumber.Mode.FORWARD,
        ring_timeout=business.ring_timeout_seconds,
        business_name=business.name,
        voicemail=business.voicemail_enabled,
    )


def store(routings: Iterable[Routing]) -> bool:
    """Write routings to the cache; False (logged) when Redis did not take them."""
    entries = {KEY.format(number=r.number): r.to_json() for r in routings}
    if not entries:
        return True
    try:
        cache.set_many(entries, timeout=None)
    except Exception as exc:  # any cache error: the database still has the truth
        logger.warning("routing cache: could not store %d route(s): %s", len(entries), exc)
        return False
    return True


def cached(*, to: str) -> Routing | None:
    """The cached routing of the Lasso number `to`; None when unknown or Redis is away."""
    if not to:
        return None
    try:
        raw = cache.get(KEY.format(number=to))
    except Exception as exc:
        logger.warning("routing cache: could not read %s: %s", to, exc)
        return None
    return Routing.from_json(raw) if isinstance(raw, str) else None


def refresh(*, numbers: Iterable[TwilioNumber]) -> bool:
    return store(routing_for(number=number) for number in numbers)


def refresh_all() -> int:
    """Rewrite every number's routing (the scheduler's minute). Returns how many."""
    numbers = list(TwilioNumber.objects.select_related("business").order_by("pk"))
    refresh(numbers=numbers)
    return len(numbers)


def routing_changed(*, business: Business) -> None:
    """A business's settings or a number's routing changed: once committed, rewrite the
    cached routing of its numbers and have Twilio's configuration of them brought up to
    date (a worker task; the scheduler's minute catches up if the broker is away)."""
    business_id = business.pk

    def after_commit() -> None:
        from calls import numbers

        try:
            current = list(
                TwilioNumber.objects.select_related("business").filter(business_id=business_id)
            )
            refresh(numbers=current)
            numbers.configure_later(number_ids=[number.pk for number in current])
        except Exception:
            logger.exception("routing change of business %s not propagated yet", business_id)

    transaction.on_commit(after_commit)
