"""The send pipeline as production runs it: webhooks in this process, tasks through a Redis
of this module's own to a real `celery worker` subprocess (prefork, 2 processes) on the
test database, and the real `twilio` SDK in the worker talking to the recording stub.

What a caller would notice is the number of texts that reached "Twilio": exactly one per
missed call, none after STOP, and still exactly one when a worker dies mid-send or Redis
is down when the call comes in.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import F
from kombu import Connection

from calls.models import Call
from messaging import services
from messaging.models import Message
from tests.calls.helpers import CallFlow
from tests.conftest import TwilioClient, new_message_sid
from tests.integration.conftest import expected_textback, missed_call
from tests.integration.processes import CeleryWorker, RedisServer, wait_until
from tests.twilio_stub import Answer, TwilioStub

pytestmark = [
    pytest.mark.slow,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("real-worker"),
]

CALLER = "+12125550111"
STATUS_CALLBACK = "http://testserver/webhooks/twilio/sms/status/"


def point_celery_at(broker_url: str) -> None:
    """Publish from this process to `broker_url`: unhook the app's connection and producer
    pools so they are rebuilt for the new URL. The old pools are not closed: kombu keeps one
    per broker URL for the whole process and hands the same one back when the URL is set
    back, so closing it would break every later publish in this process."""
    from lasso.celery import app

    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = broker_url


def worker_database_url() -> str:
    db = connection.settings_dict
    user, password = quote(db["USER"] or "", safe=""), quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis") / "redis.log")
    server.start()
    from lasso.celery import app

    previous = app.conf.broker_url
    point_celery_at(server.url)
    yield server
    point_celery_at(previous)
    server.stop()


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, private_redis, twilio_stub_server, tmp_path_factory):
    env = {
        **os.environ,
        # The same database as this test (pytest's test database, not the dev one).
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": private_redis.url,
        "LASSO_SMS_BACKEND": "twilio",
        "TWILIO_API_BASE_URL": twilio_stub_server.url,
    }
    worker = CeleryWorker(
        tmp_path_factory.mktemp("worker") / "worker.log",
        env,
        hostname=f"integration-{os.getpid()}",
    )
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def worker(celery_worker: CeleryWorker, private_redis: RedisServer, stub: TwilioStub):
    """A running worker and Redis, an empty queue and an empty stub, before and after."""
    if not private_redis.running:
        private_redis.start()
    if not celery_worker.running:
        celery_worker.start()
    wait_for_idle_queue(private_redis)
    yield celery_worker
    if private_redis.running and celery_worker.running:
        wait_for_idle_queue(private_redis)


def wait_for_idle_queue(redis_server: RedisServer, timeout: float = 30) -> None:
    wait_until(
        redis_server.queue_is_idle,
        timeout=timeout,
        message="tasks still queued or running in the worker",
        interval=0.1,
    )


def wait_for_status(message_id: int, *statuses: str, timeout: float = 30) -> Message:
    def settled() -> Message | None:
        message = Message.objects.get(pk=message_id)
        return message if message.status in statuses else None

    return wait_until(
        settled,
        timeout=timeout,
        message=f"message {message_id} never reached {statuses} "
        f"(now {Message.objects.get(pk=message_id).status})",
        interval=0.1,
    )


def textback_for(call_sid: str) -> Message:
    return Message.objects.get(call__call_sid=call_sid, kind=Message.Kind.TEXTBACK)


def test_twenty_concurrent_duplicate_webhooks_send_one_text(
    business_tenant, worker, private_redis, stub
):
    to = str(business_tenant.number.phone_number)
    call_sid = CallFlow(twilio=TwilioClient(), to=to).sid
    copies = 20
    barrier = Barrier(copies)

    def twilio_retrying_everything(_: int) -> tuple[int, int, int]:
        flow = CallFlow(twilio=TwilioClient(), to=to, caller=CALLER, sid=call_sid)
        try:
            barrier.wait()
            return (
                flow.incoming().status_code,
                flow.dial_complete("no-answer").status_code,
                flow.status("completed").status_code,
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=copies) as pool:
        answers = list(pool.map(twilio_retrying_everything, range(copies)))

    assert set(answers) == {(200, 200, 204)}
    [request] = stub.wait_for(1, to=CALLER, timeout=30)
    message = wait_for_status(textback_for(call_sid).pk, Message.Status.QUEUED)
    wait_for_idle_queue(private_redis)
    assert len(stub.requests) == 1
    assert request.from_ == to
    assert request.body == expected_textback("Acme Plumbing")
    assert request.status_callback == STATUS_CALLBACK
    assert message.twilio_sid == request.sid
    assert Call.objects.filter(call_sid=call_sid).count() == 1


def test_stop_between_enqueue_and_send_means_no_text(business_tenant, worker, private_redis, stub):
    worker.stop()
    call = missed_call(business_tenant, CALLER)
    # The call is decided; its text-back's task is waiting in Redis for a worker.
    assert Call.objects.get(call_sid=call.sid).outcome == Call.Outcome.MISSED
    assert not private_redis.queue_is_idle()
    assert not Message.objects.filter(call__call_sid=call.sid).exists()

    stop = TwilioClient().post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": CALLER,
            "To": call.to,
            "Body": "STOP",
            "OptOutType": "STOP",
        },
    )
    assert stop.status_code == 200

    worker.start()
    # The queue looks idle for a moment while the worker takes the task (popped from the
    # list, not yet in "unacked"): wait for the text-back itself to settle first.
    wait_until(
        lambda: Message.objects.filter(
            call__call_sid=call.sid, kind=Message.Kind.TEXTBACK
        ).exclude(status__in=[Message.Status.PENDING, Message.Status.SENDING]).exists(),
        timeout=30,
        message="the text-back was never settled",
        interval=0.1,
    )
    wait_for_idle_queue(private_redis)
    message = textback_for(call.sid)
    assert message.status == Message.Status.CANCELED
    assert "opted out" in message.error_message
    assert stub.requests == []


def test_a_worker_killed_mid_send_still_ends_with_exactly_one_text(
    business_tenant, worker, private_redis, stub
):
    # Twilio receives the request and the worker dies before the answer comes back.
    stub.script(Answer.HANG, to=CALLER)
    call = missed_call(business_tenant, CALLER)
    stub.wait_for(1, to=CALLER, timeout=30)
    worker.kill()  # SIGKILL to the worker's whole process group
    message = textback_for(call.sid)
    assert message.status == Message.Status.SENDING

    # Redis hands the unacknowledged task out again only after its visibility timeout (an
    # hour). Fast-forward that hour: age the claim by it, start a new worker, and let Redis
    # restore what the dead worker never acknowledged.
    Message.objects.filter(pk=message.pk).update(claimed_at=F("claimed_at") - timedelta(hours=1))
    worker.start()
    with Connection(private_redis.url, transport_options={"visibility_timeout": 0}) as conn:
        conn.default_channel.qos.restore_visible(num=100)

    # The redelivered task finds a claim nobody finished. Twilio got the request, and may
    # have sent the text: resending could text the caller twice, so it is marked "unknown"
    # for a person to look at, and never sent again.
    message = wait_for_status(message.pk, Message.Status.UNKNOWN)
    wait_for_idle_queue(private_redis)
    services.sweep_due_messages()
    wait_for_idle_queue(private_redis)
    assert message.twilio_sid is None
    assert "not resent" in message.error_message
    assert len(stub.sent_to(CALLER)) == 1


def test_a_missed_call_while_redis_is_down_is_texted_once_after_it_returns(
    business_tenant, worker, private_redis, stub
):
    private_redis.stop()

    # Both webhooks answer 200 without waiting on the dead broker: the publish gives up after
    # one fast retry (CELERY_BROKER_TRANSPORT_OPTIONS). A hang fails here, at a generous
    # deadline, rather than stalling the suite.
    def webhooks():  # in a thread of its own, with a database connection of its own
        try:
            return missed_call(business_tenant, CALLER)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        call = pool.submit(webhooks).result(timeout=60)
    message = textback_for(call.sid)
    assert message.status == Message.Status.PENDING
    assert message.enqueued_at is None

    private_redis.start()

    def swept() -> bool:
        # What celery beat runs every minute.
        services.sweep_due_messages()
        return Message.objects.get(pk=message.pk).enqueued_at is not None

    wait_until(swept, timeout=30, message="the sweep never enqueued the message", interval=0.5)
    [request] = stub.wait_for(1, to=CALLER, timeout=60)
    message = wait_for_status(message.pk, Message.Status.QUEUED)
    wait_for_idle_queue(private_redis)
    services.sweep_due_messages()
    wait_for_idle_queue(private_redis)
    assert len(stub.sent_to(CALLER)) == 1
    assert message.twilio_sid == request.sid


def test_a_missed_call_whose_textback_waited_out_an_outage_is_queued_not_texted_late(
    business_tenant, worker, private_redis, stub
):
    private_redis.stop()
    call = missed_call(business_tenant, CALLER)
    message = textback_for(call.sid)
    assert (message.status, message.enqueued_at) == (Message.Status.PENDING, None)
    # The outage outlasts the business's freshness window (15 minutes by default).
    Call.objects.filter(call_sid=call.sid).update(
        started_at=F("started_at") - timedelta(minutes=16)
    )
    private_redis.start()

    def swept() -> bool:
        services.sweep_due_messages()  # what celery beat runs every minute
        return Message.objects.get(pk=message.pk).status == Message.Status.EXPIRED

    wait_until(swept, timeout=30, message="the stale text-back was never expired", interval=0.5)
    wait_for_idle_queue(private_redis)
    services.sweep_due_messages()
    wait_for_idle_queue(private_redis)
    assert stub.sent_to(CALLER) == []
    from callback_form.models import CallbackRequest

    [entry] = CallbackRequest.objects.filter(call__call_sid=call.sid)
    assert entry.source == CallbackRequest.Source.TEXTBACK_EXPIRED
