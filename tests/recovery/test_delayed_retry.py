"""A retry as production makes it: Twilio answers 500, the worker puts the send back on
Redis with a countdown, and the same worker picks it up when it is due and sends the one
text. Nothing is patched: the backoff, the broker and the worker are the real ones."""

from __future__ import annotations

import os

import pytest

from messaging import services
from messaging.models import Message
from tests.integration.conftest import missed_call
from tests.integration.processes import CeleryWorker
from tests.integration.test_real_worker import wait_for_idle_queue, wait_for_status
from tests.twilio_stub import Answer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.real_worker,
    pytest.mark.django_db(transaction=True),
]

CALLER = "+12125550144"


@pytest.fixture(scope="module")
def worker(worker_env, tmp_path_factory):
    process = CeleryWorker(
        tmp_path_factory.mktemp("worker") / "worker.log",
        worker_env,
        hostname=f"retry-{os.getpid()}",
    )
    process.start()
    yield process
    process.stop()


def test_it_sends_once_after_a_real_delayed_retry(tenant, worker, private_redis, stub):
    stub.reset()
    stub.script(Answer.SERVER_ERROR, to=CALLER)
    call = missed_call(tenant, CALLER)

    first, second = stub.wait_for(2, to=CALLER, timeout=60)
    message = wait_for_status(
        Message.objects.get(call__call_sid=call.sid).pk, Message.Status.QUEUED, timeout=60
    )
    wait_for_idle_queue(private_redis)

    assert (first.status, second.status) == (500, 201)
    assert first.body == second.body
    assert (message.attempts, message.twilio_sid) == (2, second.sid)
    # The retry waited for its backoff: the worker could not claim it before it was due.
    assert message.next_attempt_at is not None
    assert second.arrived_at >= message.next_attempt_at.timestamp() - 0.1
    assert second.arrived_at - first.arrived_at >= services.BACKOFF_BASE_SECONDS
    services.sweep_due_messages()
    wait_for_idle_queue(private_redis)
    assert len(stub.sent_to(CALLER)) == 2
