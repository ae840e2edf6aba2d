"""The two webhooks of every call, answered at once and recorded just after.

Every call brings Lasso two TwiML webhooks: voice/incoming (what to do with the call) and
voice/dial-complete (nobody answered: greet the caller). Their answers need only the
number's routing, which the routing cache in Redis holds (calls.routing). So, with
VOICE_WEBHOOKS_QUEUED on, each of them checks the signature, reads the routing and appends
the request's form to a Redis stream in one script (one round trip), and answers; `drain`,
in a worker, then records the events in order, in batches, through the same code the
webhooks run when they write to the database themselves (calls.webhooks): the unique
CallSid, the fill-only fields and the conditional decision keep every event's effect once,
however often it is applied. A call a batch decides missed is handed off in that batch's
transaction, and its text-back sent on the drain's sender threads once it committed. The
caller hears the same answer either way.

A screened call's dial result is answered from the keypress the screen webhook keeps in
Redis, and by how the call was rung (the <Dial> action's signed `screened` query). A
webhook records the call itself, as before, whenever the queue cannot answer for it: the
setting is off, Redis does not answer, the number has no (readable) cached routing yet,
or the dial status is not one Twilio documents.

Only one drain runs at a time (the LOCK key), so events are applied in the order Twilio
sent them. A webhook that appends to a stream nobody is draining publishes a drain task;
a drain releases the lock only when the stream holds nothing it has not read (checked
atomically with the webhooks' appends, so no event is left without a drain). An event is
acknowledged and deleted once its transaction committed. Events a drain read but never
acknowledged (its process died, or the database was away) are taken again by the
scheduler's drain after RECLAIM_IDLE_MS, and set aside in FAILED (logged) after
MAX_DELIVERIES tries.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, close_old_connections
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError

from calls.routing import KEY as ROUTING_KEY
from calls.routing import Routing
from calls.voice_path import bounded_database

logger = logging.getLogger(__name__)

STREAM = "voice:events"
FAILED = "voice:events:failed"
GROUP = "apply"
LOCK = "voice:events:draining"
PUBLISHED = "published"  # the lock's value between a webhook's publish and its drain
LOCK_SECONDS = 15  # a drain that died frees the stream after this long
# Events per read and per transaction. A batch's missed calls are handed off in it and
# texted once it commits: after a stall, a backlog goes out in several smaller
# transactions, whose first texts leave sooner than one large one's.
BATCH = 32
TURN_SECONDS = 5.0  # a drain hands on to a new task after this long, freeing its worker
RECLAIM_IDLE_MS = 60_000
MAX_DELIVERIES = 5
# An idle drain waits this long for the next event before it lets go of the stream: under
# steady traffic one drain takes call after call, not a task per event.
LINGER_MS = 500
# After a read that did not fill a batch, let the next events gather this long: a batch of
# several shares one transaction, one read and one acknowledgement (the text-back's budget
# is 250 ms; this spends 25 at most).
GATHER_SECONDS = 0.025
# Threads that send a drain's text-backs, so a slow Twilio answer holds up neither the
# next events nor the other texts.
SENDERS = 16
ACCEPTED_SECONDS = 3600  # a screen keypress, kept for the call's dial result
# Nobody waits on the line for a drain, but a stuck database must not hold the stream
# longer than its lock: (statement, lock wait) in ms.
DRAIN_TIMEOUTS_MS = (5000, 3000)
KINDS = ("incoming", "dial-complete")

# Append the event if the number's routing is cached; take the drain lock if it is free;
# say whether a screen keypress is kept for the call (KEYS[4]).
_APPEND = """
local routing = redis.call('GET', KEYS[1])
if not routing then return {false, 0, 0} end
local accepted = redis.call('EXISTS', KEYS[4])
redis.call('XADD', KEYS[2], '*', 'kind', ARGV[1], 'at', ARGV[2], 'form', ARGV[3],
  'query', ARGV[6], 'accepted', accepted)
local fresh = redis.call('SET', KEYS[3], ARGV[4], 'NX', 'EX', ARGV[5])
return {routing, fresh and 1 or 0, accepted}
"""

# Take the lock: free, or published for a drain (any drain may start on it), or ours.
_TAKE = """
local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[2] or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  return 1
end
return 0
"""

# Release the lock if everything appended has been read by the group; 0: read on.
_RELEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 1 end
local generated, delivered
local info = redis.call('XINFO', 'STREAM', KEYS[2])
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then generated = info[i + 1] end
end
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[2])) do
  local name, last
  for i = 1, #group, 2 do
    if group[i] == 'name' then name = group[i + 1] end
    if group[i] == 'last-delivered-id' then last = group[i + 1] end
  end
  if name == ARGV[2] then delivered = last end
end
if generated ~= delivered then return 0 end
redis.call('DEL', KEYS[1])
return 1
"""


def enabled() -> bool:
    return bool(settings.VOICE_WEBHOOKS_QUEUED and settings.REDIS_URL)


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _key(name: str) -> str:
    return cache.make_key(name)


def _scripts(client) -> dict[str, object]:
    return {
        name: client.register_script(source)
        for name, source in (("append", _APPEND), ("take", _TAKE), ("release", _RELEASE))
    }


_registered: dict[int, dict[str, object]] = {}


def _script(client, name: str):
    scripts = _registered.get(id(client))
    if scripts is None:
        scripts = _registered[id(client)] = _scripts(client)
    return scripts[name]


_own = threading.local()


def _run_own(script, *, keys: list[str], args: list[object]):
    """Run a script on this thread's own connection to Redis, outside the pool: a webhook's
    one round trip then pays no pool checkout (a check of the socket each time). A reused
    connection that Redis closed meanwhile (a restart) is opened again once; an event
    appended twice that way is applied once anyway."""
    pool = _redis().connection_pool
    owner = (os.getpid(), id(pool))
    conn = getattr(_own, "conn", None)
    reused = conn is not None and _own.owner == owner
    if not reused:
        conn = pool.make_connection()
        _own.conn, _own.owner = conn, owner
    try:
        try:
            return _evalsha(conn, script, keys, args)
        except RedisConnectionError:
            if not reused:
                raise
            conn.disconnect()  # closed by Redis meanwhile: opened again on the next send
            return _evalsha(conn, script, keys, args)
    except Exception:
        conn.disconnect()
        _own.conn = None
        raise


def _evalsha(conn, script, keys: list[str], args: list[object]):
    try:
        conn.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        return conn.read_response()
    except NoScriptError:  # Redis was restarted (or flushed its scripts) since
        conn.send_command("SCRIPT", "LOAD", script.script)
        conn.read_response()
        conn.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
        return conn.read_response()


@dataclass(frozen=True)
class Queued:
    """What a queued webhook answers with: the number's routing, and (for a dial result)
    whether a person pressed a key on the call's screen."""

    routing: Routing
    accepted: bool


@functools.lru_cache(maxsize=1024)
def _routing_of(raw: bytes) -> Routing | None:
    """A cached routing entry as stored (the same bytes always read the same)."""
    return Routing.from_json(cache.client.decode(raw))


def append(request: HttpRequest, kind: str) -> Queued | None:
    """Queue this signed webhook's event; None when the webhook must record the call
    itself (nothing was queued)."""
    if not enabled():
        return None
    to = request.POST.get("To", "").strip()
    if not to:
        return None
    from calls import outage

    form = json.dumps(request.POST.dict(), separators=(",", ":"))
    accepted_key = outage.ACCEPTED.format(call_sid=request.POST.get("CallSid", "").strip())
    try:
        raw, fresh, accepted = _run_own(
            _script(_redis(), "append"),
            keys=[
                _key(ROUTING_KEY.format(number=to)),
                _key(STREAM),
                _key(LOCK),
                _key(accepted_key),
            ],
            args=[
                kind,
                timezone.now().isoformat(),
                form,
                PUBLISHED,
                LOCK_SECONDS,
                request.GET.urlencode(),
            ],
        )
        routing = _routing_of(raw) if raw else None
    except Exception as exc:  # Redis away, or a cache entry we cannot read
        logger.warning("voice/%s: not queued (%s); recorded by the webhook", kind, exc)
        return None
    if raw is None:
        return None  # no cached routing: nothing was queued
    if fresh:
        publish_drain()
    if routing is None:
        # Queued, but the cached entry is unreadable: the webhook answers from the
        # database, and the queued event then changes nothing more.
        logger.error("voice/%s: unreadable routing cached for %s", kind, to)
        return None
    return Queued(routing=routing, accepted=bool(accepted))


def publish_drain() -> None:
    from calls.tasks import apply_voice_events

    try:
        apply_voice_events.apply_async(retry=False)
    except Exception as exc:
        # The scheduler's drain takes the events within a minute; free the lock for the
        # next webhook to try again sooner.
        logger.warning("voice events: drain not published (%s); the scheduler will", exc)
        try:
            _redis().delete(_key(LOCK))
        except Exception:
            logger.warning("voice events: could not free the drain lock")


@dataclass
class Replayed:
    """A queued webhook as the webhook code reads a request: its form, and no query."""

    POST: QueryDict
    GET: QueryDict = field(default_factory=QueryDict)


@dataclass(frozen=True)
class Event:
    entry_id: str
    kind: str
    at: datetime | None
    form: dict[str, str]
    accepted: bool = False  # a screen keypress was kept in Redis when it was queued
    query: str = ""  # the webhook URL's own (signed) query, e.g. the <Dial> action's


def _event(entry_id: bytes | str, fields: dict) -> Event | None:
    def text(name: str) -> str:
        value = fields.get(name.encode(), fields.get(name, b""))
        return value.decode() if isinstance(value, bytes) else str(value)

    entry = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    try:
        form = json.loads(text("form"))
    except ValueError:
        form = None
    kind = text("kind")
    if kind not in KINDS or not isinstance(form, dict):
        logger.error("voice events: entry %s is not an event (%r); set aside", entry, kind)
        return None
    return Event(
        entry,
        kind,
        parse_datetime(text("at")),
        {str(k): str(v) for k, v in form.items()},
        accepted=text("accepted") == "1",
        query=text("query"),
    )


def apply(event: Event, *, numbers: dict | None = None) -> None:
    """Record one event as its webhook would have (the answer it would give is dropped).
    `numbers`: the called numbers a batch has read so far, by `To` (read once a batch)."""
    from calls import webhooks
    from tenants.selectors import number_for_called

    post = QueryDict(mutable=True)
    post.update(event.form)
    post._mutable = False
    request = Replayed(POST=post, GET=QueryDict(event.query))
    call_sid = webhooks.sid_of(request)
    if event.kind == "incoming":
        to = post.get("To", "").strip()
        if call_sid and to and "From" in post:
            number = None
            if numbers is not None:
                number = numbers[to] = numbers.get(to) or number_for_called(to=to)
            webhooks.record_incoming_request(
                request, call_sid=call_sid, to=to, at=event.at, number=number
            )
        else:
            logger.warning("voice events: malformed incoming %s", event.entry_id)
    else:
        webhooks.record_dial_complete_request(
            request,
            call_sid=call_sid,
            dial_status=post.get("DialCallStatus", "").strip(),
            keypress_kept=event.accepted,
        )


def _consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _ensure_group(client) -> None:
    try:
        client.xgroup_create(_key(STREAM), GROUP, id="0", mkstream=True)
    except Exception as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _settle(client, done: list[str], set_aside: list[tuple[str, dict]]) -> None:
    """Acknowledge and delete what was applied; move what cannot be to FAILED."""
    stream = _key(STREAM)
    for entry_id, fields in set_aside:
        client.xadd(_key(FAILED), {**fields, "entry": entry_id}, maxlen=10_000, approximate=True)
        done.append(entry_id)
    if done:
        pipe = client.pipeline(transaction=False)
        pipe.xack(stream, GROUP, *done)
        pipe.xdel(stream, *done)
        pipe.execute()


def _kept(event: Event) -> tuple[str, dict]:
    at = event.at.isoformat() if event.at else ""
    return event.entry_id, {
        "kind": event.kind,
        "at": at,
        "form": json.dumps(event.form),
        "accepted": "1" if event.accepted else "0",
        "query": event.query,
    }


def _apply_entries(client, entries: list, *, deliveries: dict[str, int] | None = None) -> int:
    """Apply a batch in one transaction; if that fails, one event at a time. Returns how
    many were applied. An event that fails stays pending, to be taken again later, until
    its MAX_DELIVERIES-th try sets it aside."""
    events: list[Event] = []
    done: list[str] = []
    set_aside: list[tuple[str, dict]] = []
    for entry_id, fields in entries:
        event = _event(entry_id, fields or {})
        if event is not None:
            events.append(event)
        else:
            raw = {
                (k.decode() if isinstance(k, bytes) else k): (
                    v.decode(errors="replace") if isinstance(v, bytes) else v
                )
                for k, v in (fields or {}).items()
            }
            set_aside.append((entry_id.decode() if isinstance(entry_id, bytes) else entry_id, raw))
    missed: list[int] = []
    ready: list = []
    collecting = _missed_calls.set(missed)
    try:
        ready = _apply_batch(events)
        done.extend(event.entry_id for event in events)
    except Exception:
        logger.exception("voice events: a batch of %d could not be applied", len(events))
        # One event at a time, each in its own transaction; the missed calls they decide
        # are handed off after it, on the sender threads (`text_back`).
        for event in events:
            try:
                with bounded_database(*DRAIN_TIMEOUTS_MS):
                    apply(event)
            except (OperationalError, InterfaceError):
                from calls import outage

                # The database is away: the rest waits for it, pending.
                logger.exception("voice events: the database is away; %s kept", event.entry_id)
                outage.note_degraded()
                break
            except Exception:
                logger.exception("voice events: %s not applied", event.entry_id)
                if (deliveries or {}).get(event.entry_id, 1) >= MAX_DELIVERIES:
                    logger.error(
                        "voice events: %s set aside after %d tries", event.entry_id, MAX_DELIVERIES
                    )
                    set_aside.append(_kept(event))
                continue
            done.append(event.entry_id)
    finally:
        _missed_calls.reset(collecting)
    _settle(client, done, set_aside)
    send(ready)
    text_back(missed)
    return len(done)


def _apply_batch(events: list[Event]) -> list:
    """Apply the events in one transaction, and hand off in it the calls they decide
    missed: their rows are locked by that decision already, and the hand-off adds no
    transaction of its own. Returns the text-backs to send once it committed. If a
    hand-off fails, so does the batch, and its events are applied one at a time instead
    (`_apply_entries`): a hand-off never holds up a call's decision."""
    from messaging.models import Message
    from messaging.services import hand_off

    decided: list = []
    collecting = _decided_in_batch.set(decided)
    try:
        numbers: dict = {}
        with bounded_database(*DRAIN_TIMEOUTS_MS):
            for event in events:
                apply(event, numbers=numbers)
            handed = [
                hand_off(call_id=call.pk, business=business, decided=call)
                for call, business in decided
            ]
    finally:
        _decided_in_batch.reset(collecting)
    return [m for m in handed if m is not None and m.status == Message.Status.PENDING]


# The missed calls decided by the batch a drain is applying (calls.services.decide hands
# each to `take_text_back` on commit, instead of publishing a task per call).
_missed_calls: ContextVar[list[int] | None] = ContextVar("voice_queue_missed", default=None)
_senders: ThreadPoolExecutor | None = None


# The calls decided missed by the batch a drain is applying, with their businesses: the
# drain hands them off in the batch's own transaction (`_apply_batch`).
_decided_in_batch: ContextVar[list | None] = ContextVar("voice_queue_decided", default=None)


def collecting_hand_offs() -> bool:
    """True while a drain applies a batch: a call decided missed now is handed off in the
    batch's transaction (`hand_off_in_batch`)."""
    return _decided_in_batch.get() is not None


def hand_off_in_batch(*, call, business) -> None:
    """This call was decided missed by the batch a drain is applying (only while
    `collecting_hand_offs()`): the drain hands it off before the batch commits, and sends
    its text-back right after."""
    decided = _decided_in_batch.get()
    if decided is None:
        raise RuntimeError("no drain is collecting hand-offs")
    decided.append((call, business))


def take_text_back(call_id: int) -> bool:
    """True when a drain is applying the event that decided this call missed: it texts
    the caller itself, right after the batch (`text_back`)."""
    missed = _missed_calls.get()
    if missed is None:
        return False
    missed.append(call_id)
    return True


def _eager() -> bool:
    from lasso.celery import app

    return bool(app.conf.task_always_eager)


def send(messages: list) -> None:
    """Send each handed-off text-back (claim, freshness, the ledger's permission, then
    Twilio), on the sender threads."""
    _on_senders(_send, messages)


def text_back(call_ids: list[int]) -> None:
    """Hand off and text each missed call, as the text_back task does, on the sender
    threads."""
    _on_senders(_text_back, call_ids)


def _on_senders(job, items: list) -> None:
    """`job(item)` for each item on the sender threads (inline where tasks run eagerly). A
    send that fails is the sweeps' to retry, exactly as for a task: the hand-off and the
    claim keep both to once."""
    global _senders
    if not items:
        return
    if _eager():
        for item in items:
            _guarded(job, item, own_connection=False)
        return
    if _senders is None:
        _senders = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="text-back")
    for item in items:
        _senders.submit(_guarded, job, item)


def _guarded(job, item, *, own_connection: bool = True) -> None:
    if own_connection:
        close_old_connections()
    try:
        job(item)
    except Exception:
        logger.exception("text-back %s failed; the sweeps will retry", item)
    finally:
        if own_connection:
            close_old_connections()


def _send(message) -> None:
    from messaging import services

    services.deliver(message_id=message.pk, loaded=message)


def _text_back(call_id: int) -> None:
    from messaging import services

    services.text_back(call_id=call_id)


def _reclaim(client) -> int:
    """Events read by a drain that never acknowledged them, idle long enough."""
    stream = _key(STREAM)
    pending = client.xpending_range(
        stream, GROUP, min="-", max="+", count=BATCH, idle=RECLAIM_IDLE_MS
    )
    if not pending:
        return 0
    deliveries = {
        (p["message_id"].decode() if isinstance(p["message_id"], bytes) else p["message_id"]): int(
            p["times_delivered"]
        )
        + 1
        for p in pending
    }
    claimed = client.xclaim(stream, GROUP, _consumer(), RECLAIM_IDLE_MS, list(deliveries))
    claimed = [(entry_id, fields) for entry_id, fields in claimed if fields]
    return _apply_entries(client, claimed, deliveries=deliveries) if claimed else 0


def drain(*, turn_seconds: float = TURN_SECONDS, reclaim: bool = False) -> int:
    """Apply queued events until the stream is empty (or the turn is over). Returns how
    many were applied."""
    if not settings.REDIS_URL:
        return 0
    client = _redis()
    token = uuid.uuid4().hex
    lock, stream = _key(LOCK), _key(STREAM)
    _ensure_group(client)
    if not _script(client, "take")(keys=[lock], args=[token, PUBLISHED, LOCK_SECONDS]):
        return 0  # another drain is on it
    applied, started = 0, time.monotonic()
    refreshed = started
    linger = None if _eager() else LINGER_MS
    try:
        if reclaim:
            applied += _reclaim(client)
        while True:
            reply = client.xreadgroup(GROUP, _consumer(), {stream: ">"}, count=BATCH, block=linger)
            entries = reply[0][1] if reply else []
            if entries:
                applied += _apply_entries(client, entries)
                if len(entries) < BATCH and linger is not None:
                    time.sleep(GATHER_SECONDS)
            elif _script(client, "release")(keys=[lock, stream], args=[token, GROUP]):
                return applied
            if time.monotonic() - started > turn_seconds:
                client.set(lock, PUBLISHED, ex=LOCK_SECONDS)
                publish_drain()
                return applied
            if time.monotonic() - refreshed > LOCK_SECONDS / 3:
                client.expire(lock, LOCK_SECONDS)
                refreshed = time.monotonic()
    except Exception:
        # Free the stream for the next drain; what was read and not applied is reclaimed.
        if client.get(lock) == token.encode():
            client.delete(lock)
        raise
