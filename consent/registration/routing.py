"""Which Messaging Service a number sends through: asked by every send, so held in this
process's memory for a minute (a service added elsewhere is used within that minute; until
then the number sends as itself, which Twilio accepts). Only a number Twilio already holds in
the service is ever answered: Twilio refuses a From outside the service's senders."""

from __future__ import annotations

import logging
import threading
import time

from django.db import DatabaseError

logger = logging.getLogger(__name__)

HOLD_SECONDS = 60.0
MAX_HELD = 10_000

_lock = threading.Lock()
_held: dict[str, tuple[float, str]] = {}


def messaging_service_for(number: str) -> str:
    held = _held.get(number)
    if held is not None and time.monotonic() - held[0] < HOLD_SECONDS:
        return held[1]
    from consent.registration.models import CarrierRegistration

    try:
        sid = (
            CarrierRegistration.objects.filter(messaging_service_number=number)
            .exclude(messaging_service_sid="")
            .values_list("messaging_service_sid", flat=True)
            .first()
        ) or ""
    except DatabaseError as exc:
        # The text still goes, from the number itself; the service is a registration detail.
        logger.warning("Messaging Service of %s not looked up: %s", number, exc)
        return held[1] if held is not None else ""
    remember(number, sid)
    return sid


def remember(number: str, sid: str) -> None:
    with _lock:
        if len(_held) >= MAX_HELD:
            _held.clear()
        _held[number] = (time.monotonic(), sid)


def forget_all() -> None:
    with _lock:
        _held.clear()
