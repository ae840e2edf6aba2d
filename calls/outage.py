"""What the voice path leaves behind while the database is away, and how an outage is found
afterwards, so that no call of it is lost.

While the database is away the voice webhooks answer from the routing cache and note, in
Redis, that they did (`note_degraded`: first and last moment, how many answers), and a
screen keypress is kept there too (`mark_accepted`), since it is the one fact Twilio's
records lack. Both are best effort: with Redis away as well, the fallback URL answers and
nothing is noted.

So the outage is also found from the database's side: the scheduler writes a heartbeat
every minute (`Checkpoint`), and a heartbeat older than HEARTBEAT_GAP means nothing of
Lasso reached the database in between. Either finding becomes an `Outage` row, whose
calls calls.reconcile then settles from Twilio's own records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from calls.models import Checkpoint, Outage

logger = logging.getLogger(__name__)

FIRST = "lasso:outage:first"
LAST = "lasso:outage:last"
ANSWERS = "lasso:outage:answers"
ACCEPTED = "lasso:accepted:{call_sid}"
ACCEPTED_KEPT = 7 * 24 * 3600  # seconds: longer than any outage we would reconcile

HEARTBEAT = "scheduler"
# The scheduler beats every minute: a gap of this much means it could not reach the
# database (or did not run) for at least one beat.
HEARTBEAT_GAP = timedelta(seconds=150)


def note_degraded() -> None:
    """A voice webhook answered without the database (best effort)."""
    now = timezone.now().isoformat()
    try:
        cache.add(FIRST, now, timeout=None)
        cache.set(LAST, now, timeout=None)
        cache.add(ANSWERS, 0, timeout=None)
        cache.incr(ANSWERS)
    except Exception as exc:
        logger.warning("outage: could not note a degraded answer in Redis: %s", exc)


def mark_accepted(*, call_sid: str, seconds: int = ACCEPTED_KEPT) -> None:
    """A person pressed a key on the screen of a call the database could not be told of
    (or whose dial result is answered from Redis: calls.voice_queue)."""
    try:
        cache.set(ACCEPTED.format(call_sid=call_sid), timezone.now().isoformat(), seconds)
    except Exception as exc:
        logger.warning("outage: could not keep the screen keypress of %s: %s", call_sid, exc)


def accepted_at(*, call_sid: str) -> datetime | None:
    try:
        raw = cache.get(ACCEPTED.format(call_sid=call_sid))
    except Exception as exc:
        logger.warning("outage: could not read the screen keypress of %s: %s", call_sid, exc)
        return None
    return parse_datetime(raw) if isinstance(raw, str) else None


@dataclass(frozen=True)
class Degraded:
    first: datetime
    last: datetime
    answers: int


def degraded_answers() -> Degraded | None:
    """What the voice webhooks noted since the last time an outage was recorded."""
    values = cache.get_many([FIRST, LAST, ANSWERS])
    first = parse_datetime(values.get(FIRST) or "")
    if first is None:
        return None
    last = parse_datetime(values.get(LAST) or "") or first
    return Degraded(first=first, last=last, answers=int(values.get(ANSWERS) or 0))


def _forget_degraded() -> None:
    cache.delete_many([FIRST, LAST, ANSWERS])


def detect(*, now: datetime | None = None) -> Outage | None:
    """Record the outage that ended since the last beat, and beat. Raises on a database
    error (the outage is not over yet); a Redis error only loses the webhooks' notes."""
    now = now or timezone.now()
    try:
        degraded = degraded_answers()
    except Exception as exc:
        logger.warning("outage: Redis unreadable, relying on the heartbeat: %s", exc)
        degraded = None
    outage: Outage | None = None
    with transaction.atomic():
        beat = Checkpoint.objects.select_for_update().filter(name=HEARTBEAT).first()
        starts = [beat.at] if beat is not None and now - beat.at > HEARTBEAT_GAP else []
        if degraded is not None:
            starts.append(degraded.first)
        if starts:
            outage = Outage.objects.create(
                started_at=min(starts),
                ended_at=now,
                detected_by=(
                    Outage.DetectedBy.WEBHOOKS if degraded else Outage.DetectedBy.HEARTBEAT
                ),
                degraded_answers=degraded.answers if degraded else 0,
            )
        Checkpoint.objects.update_or_create(name=HEARTBEAT, defaults={"at": now})
    if degraded is not None:
        try:
            _forget_degraded()
        except Exception as exc:
            # The same answers will be found again next time: a second, overlapping outage
            # row whose calls are already settled. Nothing is lost or done twice.
            logger.warning("outage: could not clear the degraded notes: %s", exc)
    if outage is not None:
        logger.warning(
            "outage found (%s): %s to %s, %d degraded answer(s)",
            outage.detected_by,
            outage.started_at,
            outage.ended_at,
            outage.degraded_answers,
        )
    return outage
