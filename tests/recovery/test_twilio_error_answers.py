"""Every way Twilio's REST API (or what stands in front of it) can answer a send, on the real
`twilio` SDK path over HTTP, and what the caller ends up with: retried until one text goes
out, failed for good with Twilio's code, or marked unknown and never blindly resent.

Tasks run in-process (the retry through Redis to a real worker is in test_delayed_retry.py);
the backoff is zeroed so a retry happens at once, in order.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from messaging import gateway, services
from messaging.models import Message
from tests.integration.conftest import missed_call, use_real_sdk
from tests.scripted_twilio import Reply, ScriptedTwilio, twilio_error
from tests.waiting import free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CALLER = "+12125550155"
HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.fixture(scope="module")
def scripted_server():
    server = ScriptedTwilio()
    yield server
    server.stop()


@pytest.fixture
def twilio_api(scripted_server, settings, monkeypatch):
    scripted_server.reset()
    use_real_sdk(settings, scripted_server.url)
    monkeypatch.setattr(services, "backoff_seconds", lambda attempt: 0.0)
    yield scripted_server
    gateway._backends.clear()


def textback_for(call) -> Message:
    return Message.objects.get(call__call_sid=call.sid, kind=Message.Kind.TEXTBACK)


JSON = {"Content-Type": "application/json"}
RETRIED = [
    ("500", Reply(500, twilio_error(500, 20500, "Internal Server Error"), JSON), "20500"),
    ("503", Reply(503, twilio_error(503, 20503, "Service Unavailable"), JSON), "20503"),
    ("429", Reply(429, twilio_error(429, 20429, "Too Many Requests"), JSON), "20429"),
    (
        "429 with Retry-After 0",
        Reply(429, twilio_error(429, 20429, "Too Many Requests"), {**JSON, "Retry-After": "0"}),
        "20429",
    ),
    ("500 that is not JSON", Reply(500, HTML, {"Content-Type": "text/html"}), "500"),
    (
        "503 that is not JSON",
        Reply(503, "Service Unavailable", {"Content-Type": "text/plain"}),
        "503",
    ),
]


@pytest.mark.parametrize(("answer", "reply", "code"), RETRIED, ids=[r[0] for r in RETRIED])
def test_it_retries_a_busy_or_broken_twilio_until_one_text_goes_out(
    tenant, twilio_api, answer, reply, code
):
    twilio_api.script.append(reply)
    call = missed_call(tenant, CALLER)

    assert twilio_api.answered == [reply.status, 201]
    message = textback_for(call)
    assert (message.status, message.attempts) == (Message.Status.QUEUED, 2)
    assert message.twilio_sid == "SM" + "0" * 32
    services.sweep_due_messages()
    assert twilio_api.answered == [reply.status, 201]


def test_it_waits_as_long_as_twilio_s_retry_after_asks(tenant, twilio_api):
    twilio_api.script.append(
        Reply(429, twilio_error(429, 20429, "Too Many Requests"), {**JSON, "Retry-After": "120"})
    )
    before = timezone.now()
    call = missed_call(tenant, CALLER)

    message = textback_for(call)
    # Our own backoff is seconds (patched to 0 here); Twilio asked for two minutes.
    assert (message.status, message.error_code) == (Message.Status.PENDING, "20429")
    assert message.next_attempt_at >= before + timedelta(seconds=119)
    services.sweep_due_messages()
    assert twilio_api.answered == [429]
    # Once the wait is over, the sweep sends it, once.
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=31)
    )
    services.sweep_due_messages()
    assert twilio_api.answered == [429, 201]
    assert textback_for(call).status == Message.Status.QUEUED


def test_it_retries_when_twilio_refuses_the_connection(tenant, settings, monkeypatch):
    """Nothing listens: no connection was made, so nothing can have been sent."""
    use_real_sdk(settings, f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr(services, "_schedule_retry", lambda message_id, delay: None)
    try:
        call = missed_call(tenant, CALLER)
    finally:
        gateway._backends.clear()
    message = textback_for(call)
    assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
    assert message.next_attempt_at is not None
    assert "Could not reach Twilio" in message.error_message


PERMANENT = [
    ("401", Reply(401, twilio_error(401, 20003, "Authenticate"), JSON), "20003"),
    (
        "400 not a mobile",
        Reply(400, twilio_error(400, 21614, "'To' number is not a valid mobile number"), JSON),
        "21614",
    ),
]


@pytest.mark.parametrize(("answer", "reply", "code"), PERMANENT, ids=[r[0] for r in PERMANENT])
def test_it_fails_for_good_on_an_answer_a_retry_cannot_change(
    tenant, twilio_api, answer, reply, code
):
    twilio_api.script.append(reply)
    call = missed_call(tenant, CALLER)

    message = textback_for(call)
    assert (message.status, message.error_code, message.attempts) == (
        Message.Status.FAILED,
        code,
        1,
    )
    services.sweep_due_messages()
    assert twilio_api.answered == [reply.status]


UNKNOWN = [
    ("502", Reply(502, HTML, {"Content-Type": "text/html"})),
    ("504", Reply(504, twilio_error(504, 20504, "Gateway Timeout"), JSON)),
]


@pytest.mark.parametrize(("answer", "reply"), UNKNOWN, ids=[r[0] for r in UNKNOWN])
def test_it_never_blindly_resends_after_a_gateway_error(tenant, twilio_api, answer, reply):
    # The proxy in front of Twilio gave up: Twilio may have created the message.
    twilio_api.script.append(reply)
    call = missed_call(tenant, CALLER)

    message = textback_for(call)
    assert (message.status, message.twilio_sid) == (Message.Status.UNKNOWN, None)
    services.sweep_due_messages()
    assert twilio_api.answered == [reply.status]


def test_a_created_message_whose_answer_is_not_json_is_never_resent(tenant, twilio_api):
    # Twilio (or something in front of it) answered 201 with a body the SDK cannot read:
    # the message exists, so sending again would text the caller twice. The send is left
    # claimed, and the stale-claim sweep marks it unknown once the claim is old.
    twilio_api.script.append(Reply(201, HTML, {"Content-Type": "text/html"}))
    call = missed_call(tenant, CALLER)
    message = textback_for(call)
    Message.objects.filter(pk=message.pk).update(
        claimed_at=F("claimed_at") - services.CLAIM_STALE_AFTER - timedelta(seconds=1)
    )

    services.sweep_due_messages()
    services.sweep_due_messages()

    message.refresh_from_db()
    assert (message.status, message.twilio_sid) == (Message.Status.UNKNOWN, None)
    assert twilio_api.answered == [201]
