"""The SDK's HTTP transport (messaging.gateway._RebasedHttpClient): what Twilio receives from
it, how it reads Twilio's answers, and how each way a request can fail is classified. The
real `twilio` SDK drives it against a local HTTP/1.1 stand-in that records every request
(tests/scripted_twilio.py)."""

from __future__ import annotations

import base64
import json
import socket
import threading

import pytest
import urllib3
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from messaging import gateway
from messaging.gateway import OutcomeUnknown, SendError, _RebasedHttpClient
from tests.scripted_twilio import Reply, ScriptedTwilio

ACCOUNT = "AC" + "a" * 32
TOKEN = "transport-token"
CALLER = "+12125550161"
OURS = "+14155550177"


@pytest.fixture
def recorder():
    server = ScriptedTwilio()
    yield server
    server.stop()


def sdk(base_url: str) -> Client:
    return Client(ACCOUNT, TOKEN, http_client=_RebasedHttpClient(base_url, 5, {}))


def test_a_send_reaches_twilio_as_the_sdk_asks(recorder):
    message = sdk(recorder.url).messages.create(
        to=CALLER,
        from_=OURS,
        body="Sorry we missed your call — this is Ace & Sons. Reply STOP to opt out.",
        status_callback="https://lasso.example/webhooks/twilio/sms/status/",
        media_url=["https://lasso.example/a.jpg", "https://lasso.example/b.jpg"],
    )

    assert message.sid == recorder.sid
    [sent] = recorder.requests
    assert (sent.method, sent.path) == (
        "POST",
        f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
    )
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    credentials = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {credentials}"
    assert sent.headers["user-agent"].startswith("twilio-python/")
    form = {key: [v for k, v in sent.form if k == key] for key, _ in sent.form}
    assert form["Body"] == [
        "Sorry we missed your call — this is Ace & Sons. Reply STOP to opt out."
    ]
    assert form["To"] == [CALLER]
    # A list is one pair per item, in order.
    assert form["MediaUrl"] == ["https://lasso.example/a.jpg", "https://lasso.example/b.jpg"]


def test_a_listing_sends_its_filters_in_the_query_string(recorder):
    assert list(sdk(recorder.url).messages.list(to=CALLER, from_=OURS, limit=50)) == []

    [listed] = recorder.requests
    assert listed.method == "GET"
    assert listed.query == {"To": [CALLER], "From": [OURS], "PageSize": ["50"]}
    assert listed.form == []


def test_one_client_keeps_its_connection_for_the_next_request(recorder):
    client = sdk(recorder.url)
    for _ in range(3):
        client.messages.create(to=CALLER, from_=OURS, body="hello")

    assert len({sent.client for sent in recorder.requests}) == 1


def test_an_error_answer_is_read_in_the_charset_it_names(recorder):
    error = {"code": 21614, "message": "Numéro « To » invalide", "status": 400}
    recorder.script.append(
        Reply(
            400,
            json.dumps(error, ensure_ascii=False).encode("iso-8859-1"),
            {"Content-Type": "application/json; charset=ISO-8859-1", "Retry-After": "7"},
        )
    )
    client = sdk(recorder.url)

    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=CALLER, from_=OURS, body="hello")

    assert (raised.value.status, raised.value.code) == (400, 21614)
    assert raised.value.msg.endswith(": Numéro « To » invalide")
    assert client.http_client.retry_after == 7.0


def test_a_page_in_front_of_twilio_without_a_charset_still_reads(recorder):
    recorder.script.append(
        Reply(
            502,
            "<h1>Mauvaise passerelle é</h1>".encode("iso-8859-1"),
            {"Content-Type": "text/html"},
        )
    )

    with pytest.raises(TwilioRestException) as raised:
        sdk(recorder.url).messages.create(to=CALLER, from_=OURS, body="hello")

    assert raised.value.status == 502


# --- how failures are classified, through the gateway ---------------------------------------
@pytest.fixture
def send(settings, tenant):
    """Sends one text through the gateway's Twilio backend to the given base URL."""
    settings.LASSO_SMS_BACKEND = "twilio"
    ours = str(tenant.number.phone_number)

    def to(base_url: str) -> None:
        settings.TWILIO_API_BASE_URL = base_url
        gateway._backends.clear()
        gateway.get_backend().send(
            to=CALLER, from_=ours, body="hello", status_callback="https://x.example/s"
        )

    yield to
    gateway._backends.clear()


@pytest.mark.django_db
def test_a_connection_closed_after_the_request_went_out_is_an_unknown_outcome(send):
    """The request was read, then the connection dropped: Twilio may have the message."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def read_then_close() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    threading.Thread(target=read_then_close, daemon=True).start()
    try:
        with pytest.raises(OutcomeUnknown):
            send(f"http://127.0.0.1:{listener.getsockname()[1]}")
    finally:
        listener.close()


@pytest.mark.django_db
def test_a_refused_connection_is_retryable(send):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now

    with pytest.raises(SendError) as raised:
        send(f"http://127.0.0.1:{port}")

    assert raised.value.retryable
    assert "Could not reach Twilio" in str(raised.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (urllib3.exceptions.ConnectTimeoutError(None, "connect timed out"), SendError),
        (urllib3.exceptions.ReadTimeoutError(None, "/", "read timed out"), OutcomeUnknown),
        (
            urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError()),
            OutcomeUnknown,
        ),
        (ConnectionResetError(104, "Connection reset by peer"), OutcomeUnknown),
    ],
    ids=["connect-timeout", "read-timeout", "aborted", "reset"],
)
def test_each_transport_failure_is_classified_as_the_sdk_s_own_client_did(
    send, monkeypatch, failure, outcome
):
    def fail(self, *args, **kwargs):
        raise failure

    monkeypatch.setattr(urllib3.PoolManager, "request", fail)

    with pytest.raises(outcome) as raised:
        send("http://127.0.0.1:9")

    if outcome is SendError:
        # Nothing left this machine: safe to try again.
        assert raised.value.retryable
