"""The voice webhooks answered from the routing cache, their events recorded by a drain
(calls.voice_queue): the caller hears what the database path would have said, and every
call is recorded, decided and texted exactly once, whatever is redelivered or away."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_redis import get_redis_connection

from calls import outage, routing, voice_queue
from calls.models import Call
from messaging.gateway import memory_backend
from messaging.models import Message
from tenants.models import TwilioNumber
from tenants.services import update_business_settings
from tests.calls.helpers import CallFlow
from tests.conftest import CALLER, TwilioClient
from tests.waiting import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.voice_queue]


def xml(response) -> ET.Element:
    assert response.status_code == 200, response.content
    return ET.fromstring(response.content)


def redis():
    return get_redis_connection("default")


def queued() -> list[tuple[str, dict]]:
    return [
        (entry_id.decode(), {k.decode(): v.decode() for k, v in fields.items()})
        for entry_id, fields in redis().xrange(cache.make_key(voice_queue.STREAM))
    ]


@pytest.fixture
def held():
    """Drains are published but do not run, as when every worker is busy: the webhooks'
    answers and what they queued can be looked at before anything is recorded."""
    with mock.patch.object(voice_queue, "publish_drain") as publish:
        yield publish


@pytest.fixture
def new_call(tenant, twilio):
    """Calls to the tenant's number, its routing cached: `new_call(caller)` is one call,
    `new_call.many(n)` n calls from n different callers."""
    routing.refresh(numbers=[tenant.number])

    def make(caller: str = CALLER) -> CallFlow:
        return CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)

    make.many = lambda count: [make(f"+1212555{n:04d}") for n in range(count)]
    return make


@pytest.fixture
def flow(new_call):
    return new_call()


@pytest.fixture
def screened(tenant, new_call):
    """A call to the tenant's number with screening on (and cached)."""
    update_business_settings(business=tenant.business, screening_enabled=True)
    routing.refresh(numbers=[tenant.number])
    return new_call()


def texts_to(number: str) -> list:
    return [m for m in memory_backend.outbox if m.to == number]


def test_a_missed_call_is_answered_before_it_is_recorded_then_recorded_and_texted_once(
    flow, tenant, held
):
    incoming = xml(flow.incoming())
    assert incoming.find("Dial/Number").text == str(tenant.number.forward_to)
    missed = xml(flow.dial_complete("no-answer"))
    assert tenant.business.name in ET.tostring(missed, encoding="unicode")
    assert missed.find("Record") is not None  # voicemail is on by default
    # Answered from the cache: nothing in the database yet, both events queued in order.
    assert not Call.objects.filter(call_sid=flow.sid).exists()
    assert [fields["kind"] for _, fields in queued()] == ["incoming", "dial-complete"]
    assert held.call_count == 1  # one drain for the idle stream, not one per webhook

    assert voice_queue.drain() == 2
    call = Call.objects.get(call_sid=flow.sid)
    assert (call.business, call.outcome, call.dial_status) == (
        tenant.business,
        Call.Outcome.MISSED,
        "no-answer",
    )
    assert len(texts_to(CALLER)) == 1
    assert queued() == []  # acknowledged and deleted
    # A drain with nothing to do changes nothing.
    assert voice_queue.drain() == 0
    assert len(texts_to(CALLER)) == 1


def test_the_call_starts_when_twilio_said_so_not_when_it_was_recorded(flow, held):
    flow.incoming()
    at = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=30)):
        voice_queue.drain()
    started = Call.objects.get(call_sid=flow.sid).started_at
    assert abs((started - at).total_seconds()) < 2


def test_the_answers_match_the_database_path(tenant, twilio, settings):
    """Every answer the queue gives is the one the webhook gives when it records the call."""
    routing.refresh(numbers=[tenant.number])
    answers = {}
    for queued_mode in (True, False):
        settings.VOICE_WEBHOOKS_QUEUED = queued_mode
        for status in ("no-answer", "busy", "failed", "canceled", "completed", "answered"):
            flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=CALLER)
            first = flow.incoming().content.replace(flow.sid.encode(), b"")
            second = flow.dial_complete(status).content
            answers.setdefault(status, set()).add((first, second))
    assert all(len(pair) == 1 for pair in answers.values()), answers


def test_a_redelivered_event_records_and_texts_nothing_twice(flow, held):
    flow.incoming()
    flow.dial_complete("no-answer")
    entries = redis().xrange(cache.make_key(voice_queue.STREAM))
    voice_queue.drain()
    # The same two events again (a drain that died after committing, before acknowledging).
    client = redis()
    assert voice_queue._apply_entries(client, entries) == 2
    assert Call.objects.filter(call_sid=flow.sid).count() == 1
    assert Message.objects.filter(call__call_sid=flow.sid, kind=Message.Kind.TEXTBACK).count() == 1
    assert len(texts_to(CALLER)) == 1


def test_without_a_cached_routing_the_webhook_records_the_call_itself(tenant, twilio):
    cache.delete_pattern("*routing*")
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    with mock.patch.object(voice_queue, "publish_drain") as publish:
        assert xml(flow.incoming()).find("Dial/Number").text == str(tenant.number.forward_to)
        # ...and fills the cache in, for the number's next calls.
        assert routing.cached(to=str(tenant.number.phone_number)) is not None
        cache.delete_pattern("*routing*")
        flow.dial_complete("no-answer")
    assert queued() == [] and publish.call_count == 0
    assert Call.objects.get(call_sid=flow.sid).outcome == Call.Outcome.MISSED
    assert len(texts_to(CALLER)) == 1
    routing.refresh(numbers=[tenant.number])
    later = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller="+12125550111")
    with mock.patch.object(voice_queue, "publish_drain"):
        later.incoming()
    assert [fields["kind"] for _, fields in queued()] == ["incoming"]
    assert not Call.objects.filter(call_sid=later.sid).exists()


def test_with_redis_away_the_webhook_records_the_call_itself(flow, tenant):
    with mock.patch.object(voice_queue, "_redis", side_effect=ConnectionError("refused")):
        flow.incoming()
        flow.dial_complete("busy")
    assert Call.objects.get(call_sid=flow.sid).outcome == Call.Outcome.MISSED
    assert len(texts_to(CALLER)) == 1


@pytest.mark.parametrize("forgot", ["connection", "script"])
def test_a_webhook_is_queued_after_redis_closed_its_connection_or_forgot_its_script(
    new_call, held, forgot
):
    """Each web thread keeps its own connection for the webhooks' script: a Redis restart
    closes it and empties the script cache, and the next webhook still queues its event."""
    first = new_call("+12125550001")
    first.incoming()
    if forgot == "connection":
        # Every client of this test's database, the webhook thread's connection among
        # them (not the server's other clients: other test processes share the server).
        killer = redis().connection_pool.make_connection()
        try:
            killer.send_command("CLIENT", "ID")
            own = killer.read_response()
            database = redis().connection_pool.connection_kwargs.get("db", 0)
            killed = 0
            for client in redis().client_list():
                if int(client["db"]) == int(database) and int(client["id"]) != own:
                    killer.send_command("CLIENT", "KILL", "ID", client["id"])
                    killed += killer.read_response()
        finally:
            killer.disconnect()
        assert killed >= 1
    else:
        redis().script_flush()
    later = new_call("+12125550002")
    xml(later.incoming())
    assert [fields["kind"] for _, fields in queued()] == ["incoming", "incoming"]
    assert not Call.objects.filter(call_sid=later.sid).exists()  # queued, not recorded
    assert voice_queue.drain() == 2
    assert Call.objects.filter(call_sid__in=[first.sid, later.sid]).count() == 2


def test_an_unknown_number_is_answered_by_the_database_path(twilio, tenant):
    flow = CallFlow(twilio=twilio, to="+14155550123")
    root = xml(flow.incoming())
    assert root.find("Dial") is None
    assert queued() == []


def test_a_screened_call_taken_by_a_person_is_answered_with_its_keypress(screened, held):
    flow = screened
    flow.incoming()
    # The keypress comes before the incoming event is recorded: kept in Redis.
    assert xml(flow.screen(digits="1")).find("Say") is None  # bridged
    assert not Call.objects.filter(call_sid=flow.sid).exists()
    assert outage.accepted_at(call_sid=flow.sid) is not None
    root = xml(flow.dial_complete("completed"))
    assert root.find("Record") is None and root.find("Hangup") is not None
    voice_queue.drain()
    call = Call.objects.get(call_sid=flow.sid)
    assert call.outcome == Call.Outcome.ANSWERED and call.accepted_at is not None
    assert texts_to(CALLER) == []


def test_a_keypress_on_a_recorded_call_also_answers_its_dial_result(screened, held):
    """The call reached the database before the screen: the keypress goes to both."""
    flow = screened
    flow.incoming()
    voice_queue.drain()
    flow.screen(digits="1")
    assert Call.objects.get(call_sid=flow.sid).accepted_at is not None
    # A bridge that failed after the keypress: still a person took it.
    root = xml(flow.dial_complete("failed"))
    assert root.find("Record") is None and root.find("Hangup") is not None
    voice_queue.drain()
    assert Call.objects.get(call_sid=flow.sid).outcome == Call.Outcome.ANSWERED
    assert texts_to(CALLER) == []


def test_a_screened_call_nobody_accepted_is_missed_and_texted(screened, held):
    flow = screened
    flow.incoming()
    voice_queue.drain()
    root = xml(flow.dial_complete("completed"))  # voicemail picked up the forwarded leg
    assert root.find("Record") is not None
    voice_queue.drain()
    assert Call.objects.get(call_sid=flow.sid).outcome == Call.Outcome.MISSED
    assert len(texts_to(CALLER)) == 1


def test_events_wait_out_a_database_outage_and_are_recorded_after_it(flow, held):
    flow.incoming()
    flow.dial_complete("no-answer")
    with mock.patch.object(
        voice_queue, "apply", side_effect=OperationalError("the database is away")
    ):
        assert voice_queue.drain() == 0
    assert outage.degraded_answers() is not None  # the outage is noted for reconciliation
    assert not Call.objects.filter(call_sid=flow.sid).exists()
    assert len(queued()) == 2  # kept, pending
    # Not idle long enough: a reclaiming drain leaves them to their reader.
    voice_queue.drain(reclaim=True)
    assert not Call.objects.filter(call_sid=flow.sid).exists()
    with mock.patch.object(voice_queue, "RECLAIM_IDLE_MS", 0):
        assert voice_queue.drain(reclaim=True) == 2
    assert Call.objects.get(call_sid=flow.sid).outcome == Call.Outcome.MISSED
    assert len(texts_to(CALLER)) == 1
    assert queued() == []


def test_an_event_that_keeps_failing_is_set_aside_and_does_not_hold_up_the_others(
    tenant, twilio, held
):
    routing.refresh(numbers=[tenant.number])
    bad = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller="+12125550111")
    good = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller="+12125550122")
    bad.incoming()
    good.incoming()
    real_apply = voice_queue.apply

    def apply(event):
        if event.form["CallSid"] == bad.sid:
            raise ValueError("cannot be applied")
        real_apply(event)

    with mock.patch.object(voice_queue, "apply", side_effect=apply):
        assert voice_queue.drain() == 1  # the good one, despite the bad one
        assert Call.objects.filter(call_sid=good.sid).exists()
        with mock.patch.object(voice_queue, "RECLAIM_IDLE_MS", 0):
            for _ in range(voice_queue.MAX_DELIVERIES):
                voice_queue.drain(reclaim=True)
    assert queued() == []
    [(_, kept)] = [
        (i, {k.decode(): v.decode() for k, v in f.items()})
        for i, f in redis().xrange(cache.make_key(voice_queue.FAILED))
    ]
    assert bad.sid in kept["form"] and kept["kind"] == "incoming"
    assert not Call.objects.filter(call_sid=bad.sid).exists()


def test_an_event_queued_while_a_drain_runs_is_applied_by_that_drain(flow, held):
    """The lock is held: the webhook publishes no drain, and the running one reads on."""
    lock = cache.make_key(voice_queue.LOCK)
    redis().set(lock, "someone")
    flow.incoming()
    assert held.call_count == 0
    release = voice_queue._script(redis(), "release")
    # The running drain may not let go while the stream holds something it has not read.
    redis().set(lock, "token")
    voice_queue._ensure_group(redis())
    assert release(keys=[lock, cache.make_key(voice_queue.STREAM)], args=["token", "apply"]) == 0
    assert redis().get(lock) == b"token"
    redis().delete(lock)
    assert voice_queue.drain() == 1
    assert redis().get(lock) is None  # released once everything was read
    assert Call.objects.filter(call_sid=flow.sid).exists()


def test_a_second_drain_leaves_the_stream_to_the_first(flow, held):
    flow.incoming()
    redis().set(cache.make_key(voice_queue.LOCK), "another-drain")
    assert voice_queue.drain() == 0
    assert not Call.objects.filter(call_sid=flow.sid).exists()


def test_a_lost_publish_frees_the_lock_and_the_scheduler_drains(flow):
    with mock.patch("calls.tasks.apply_voice_events.apply_async", side_effect=OSError("down")):
        flow.incoming()
    assert redis().get(cache.make_key(voice_queue.LOCK)) is None
    assert not Call.objects.filter(call_sid=flow.sid).exists()
    assert voice_queue.drain(reclaim=True) == 1
    assert Call.objects.filter(call_sid=flow.sid).exists()


def test_a_queued_call_sid_of_another_business_changes_nothing(flow, tenant, other_tenant, held):
    """A signed event naming a CallSid already stored for another business's line."""
    flow.incoming()
    voice_queue.drain()
    theirs = CallFlow(twilio=TwilioClient(), to=str(other_tenant.number.phone_number), sid=flow.sid)
    routing.refresh(numbers=[other_tenant.number])
    theirs.dial_complete("no-answer")
    voice_queue.drain()
    call = Call.objects.get(call_sid=flow.sid)
    assert call.business == tenant.business and call.outcome == Call.Outcome.PENDING
    assert texts_to(CALLER) == []


def test_a_missed_only_number_is_texted_from_the_incoming_event(tenant, twilio, held):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(mode=TwilioNumber.Mode.MISSED_ONLY)
    tenant.number.refresh_from_db()
    routing.refresh(numbers=[tenant.number])
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    root = xml(flow.incoming())
    assert root.find("Dial") is None and root.find("Record") is not None
    voice_queue.drain()
    assert Call.objects.get(call_sid=flow.sid).outcome == Call.Outcome.MISSED
    assert len(texts_to(CALLER)) == 1


def test_eagerly_published_drains_record_each_call_as_the_webhooks_come(flow, tenant):
    """Without `held`, the published drain runs at once (tasks are eager in tests)."""
    flow.incoming()
    flow.dial_complete("no-answer")
    assert Call.objects.get(call_sid=flow.sid).outcome == Call.Outcome.MISSED
    assert len(texts_to(CALLER)) == 1
    assert queued() == []


def test_twenty_concurrent_copies_of_a_call_queue_one_call_and_one_text(tenant, held):
    """Twilio retrying everything at once: the queue takes every copy, the drain (with its
    real sender threads) records one call and sends one text."""
    routing.refresh(numbers=[tenant.number])
    to = str(tenant.number.phone_number)
    sid = CallFlow(twilio=TwilioClient(), to=to).sid
    copies = 20
    barrier = Barrier(copies)

    def twilio_retrying(_: int) -> tuple[int, int]:
        flow = CallFlow(twilio=TwilioClient(), to=to, caller=CALLER, sid=sid)
        try:
            barrier.wait()
            return flow.incoming().status_code, flow.dial_complete("no-answer").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=copies) as pool:
        assert set(pool.map(twilio_retrying, range(copies))) == {(200, 200)}
    assert len(queued()) == 2 * copies
    with mock.patch.object(voice_queue, "_eager", return_value=False):
        assert voice_queue.drain() == 2 * copies
        wait_until(lambda: texts_to(CALLER), timeout=10, message="no text-back sent")
        voice_queue._senders.shutdown(wait=True)
        voice_queue._senders = None
    assert len(texts_to(CALLER)) == 1
    assert Call.objects.filter(call_sid=sid).count() == 1
    message = Message.objects.get(call__call_sid=sid, kind=Message.Kind.TEXTBACK)
    assert message.status == Message.Status.QUEUED


def test_a_drain_hands_on_after_its_turn(new_call, held):
    flows = new_call.many(3)
    for flow in flows:
        flow.incoming()
    held.reset_mock()
    with mock.patch.object(voice_queue, "BATCH", 1):
        assert voice_queue.drain(turn_seconds=0) == 1
    # The next drain is published, and may start on the lock it left.
    assert held.call_count == 1
    assert redis().get(cache.make_key(voice_queue.LOCK)) == voice_queue.PUBLISHED.encode()
    assert voice_queue.drain() == 2
    assert Call.objects.filter(call_sid__in=[f.sid for f in flows]).count() == 3


def test_a_text_back_that_fails_on_its_thread_is_left_to_the_sweeps(flow, held):
    flow.incoming()
    flow.dial_complete("no-answer")
    with mock.patch("messaging.services.deliver", side_effect=OperationalError("away")):
        voice_queue.drain()
    call = Call.objects.get(call_sid=flow.sid)
    # Decided and handed off in the batch: the text-back waits, pending, for the sweep.
    assert call.outcome == Call.Outcome.MISSED and call.handed_off_at is not None
    assert texts_to(CALLER) == []
    textback = Message.objects.get(call=call)
    assert textback.status == Message.Status.PENDING
    Message.objects.filter(pk=textback.pk).update(enqueued_at=timezone.now() - timedelta(minutes=6))
    from calls.tasks import sweep_calls
    from messaging.tasks import sweep_due_messages

    sweep_calls()
    sweep_due_messages()
    sweep_due_messages()
    assert len(texts_to(CALLER)) == 1


def test_a_batch_is_one_transaction_that_reads_its_number_once(new_call, held):
    """Four missed calls drained together: one BEGIN and one COMMIT for all their events and
    hand-offs (no savepoint, no hand-off transaction of its own), the called number read
    once, and each caller texted once."""
    flows = new_call.many(4)
    for flow in flows:
        flow.incoming()
        flow.dial_complete("no-answer")
    with CaptureQueriesContext(connection) as captured:
        assert voice_queue.drain() == 8
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements.count("BEGIN") == 1 and statements.count("COMMIT") == 1
    assert not [sql for sql in statements if "SAVEPOINT" in sql]
    number_reads = [sql for sql in statements if 'FROM "tenants_twilionumber"' in sql]
    assert len(number_reads) == 1, number_reads
    # The decision marks the call handed off in the same UPDATE: no second write of the row.
    assert [sql for sql in statements if "SET handed_off_at" in sql] == []
    handed = Call.objects.filter(call_sid__in=[f.sid for f in flows], handed_off_at__isnull=False)
    assert handed.count() == 4
    assert Message.objects.filter(call__in=handed, kind=Message.Kind.TEXTBACK).count() == 4
    assert sorted(m.to for m in memory_backend.outbox) == [f.caller for f in flows]


def test_a_hand_off_that_fails_in_a_batch_holds_up_no_decision(new_call, held):
    """The batch's hand-offs fail: the batch is rolled back and its events applied one at
    a time; every call is decided, and each caller is texted once, by the sender path."""
    from messaging import services as messaging_services

    flows = new_call.many(3)
    for flow in flows:
        flow.incoming()
        flow.dial_complete("no-answer")
    real = messaging_services.hand_off

    def in_batch_fails(*, call_id, business=None, decided=None):
        if decided is not None:
            raise OperationalError("deadlock detected")
        return real(call_id=call_id, business=business)

    with mock.patch.object(messaging_services, "hand_off", side_effect=in_batch_fails):
        assert voice_queue.drain() == 6
    calls = Call.objects.filter(call_sid__in=[f.sid for f in flows])
    assert sorted(c.outcome for c in calls) == [Call.Outcome.MISSED] * 3
    assert all(c.handed_off_at is not None for c in calls)
    assert sorted(m.to for m in memory_backend.outbox) == [f.caller for f in flows]
    assert queued() == []


def test_a_dial_result_is_answered_as_its_call_was_rung_not_as_settings_are_now(
    screened, tenant, twilio, held
):
    """Screening was on when the call rang, and turned off before nobody pressed a key:
    the caller is greeted as missed, as the database decides, and texted."""
    flow = screened
    action = urlsplit(xml(flow.incoming()).find("Dial").get("action"))
    assert "screened=1" in action.query
    update_business_settings(business=tenant.business, screening_enabled=False)
    routing.refresh(numbers=[tenant.number])
    assert routing.cached(to=flow.to).screening is False
    # A voicemail box picked up the forwarded leg: "completed", with no keypress.
    root = xml(
        twilio.post(
            f"{action.path}?{action.query}",
            {
                "CallSid": flow.sid,
                "From": flow.caller,
                "To": flow.to,
                "DialCallStatus": "completed",
                "DialCallSid": flow.child_sid,
            },
        )
    )
    assert root.find("Record") is not None  # greeted as missed
    voice_queue.drain()
    assert Call.objects.get(call_sid=flow.sid).outcome == Call.Outcome.MISSED
    assert len(texts_to(CALLER)) == 1
