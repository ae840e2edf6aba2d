"""Voicemail: the caller leaves one message and hears goodbye; Lasso keeps only what Twilio
really sends; members of the business play it through Lasso, nobody else can, and Twilio's
URL never reaches a page or the API."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from calls.models import Call
from messaging.models import Conversation, Message
from tenants.models import TwilioNumber
from tests.calls.helpers import ACCOUNT, VOICE, CallFlow, Recording
from tests.twilio_stub import Answer, TwilioStub
from tests.waiting import free_port

pytestmark = pytest.mark.django_db

AUDIO = b"ID3\x04\x00fake mp3 frames " * 4096  # bigger than one streamed chunk
GOODBYE = "Thank you, we'll get back to you soon. Goodbye."


def without_overrides(url: str) -> str:
    """The URL Twilio requests: its connection overrides (the fragment) never leave Twilio."""
    base, _, overrides = url.partition("#")
    assert "rc=" in overrides and "tt=" in overrides
    return base


@pytest.fixture
def flow(tenant, twilio):
    return CallFlow(twilio=twilio, to=str(tenant.number.phone_number))


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture(scope="module")
def stub_server():
    server = TwilioStub().start()
    yield server
    server.stop()


@pytest.fixture
def twilio_api(stub_server, settings):
    """A local stand-in for Twilio's REST API that serves recordings."""
    stub_server.reset()
    settings.TWILIO_API_BASE_URL = stub_server.url
    yield stub_server
    stub_server.reset()


def xml(response) -> ET.Element:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def the_call(flow: CallFlow) -> Call:
    return Call.objects.get(call_sid=flow.sid)


def playback_path(call: Call) -> str:
    return f"/app/calls/{call.public_id}/voicemail/"


def voicemail_left(flow: CallFlow, run_on_commit, recording: Recording, text: str = "") -> Call:
    """A forwarded call nobody answered, where the caller left a message."""
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    xml(flow.recorded(recording))
    if text:
        assert flow.transcribed(recording, text).status_code == 204
    return the_call(flow)


def ends_the_call_politely(root: ET.Element) -> bool:
    says = [say.text for say in root.iter("Say")]
    return (
        says == [GOODBYE]
        and [child.tag for child in root][-1] == "Hangup"
        and root.find("Record") is None
        and root.find("Dial") is None
    )


# --- the call ----------------------------------------------------------------------------------
def test_it_asks_for_a_message_that_goes_on_to_the_recorded_webhook_with_a_transcript(flow):
    flow.incoming()
    root = xml(flow.dial_complete("no-answer"))
    assert "Please leave a message after the tone" in root.find("Say").text
    record = root.find("Record")
    assert without_overrides(record.get("action")) == "http://testserver" + VOICE + "recorded/"
    assert record.get("method") == "POST"
    assert record.get("transcribe") == "true"
    assert without_overrides(record.get("transcribeCallback")) == (
        "http://testserver" + VOICE + "transcribed/"
    )
    assert without_overrides(record.get("recordingStatusCallback")) == (
        "http://testserver" + VOICE + "recording-status/"
    )
    # No audio at all: Twilio skips the action and runs what follows, which hangs up.
    assert [child.tag for child in root][-1] == "Hangup"


def test_it_thanks_the_caller_and_hangs_up_once_the_message_is_recorded(flow, run_on_commit):
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    root = xml(flow.recorded(Recording()))
    assert ends_the_call_politely(root)
    assert "Sorry we missed your call" not in ET.tostring(root, encoding="unicode")


def test_it_keeps_the_recording_its_length_and_transcript(flow, run_on_commit):
    recording = Recording(seconds=23)
    call = voicemail_left(flow, run_on_commit, recording, text="Hi, my sink is leaking.")
    assert call.recording_sid == recording.sid
    assert call.recording_url == recording.url
    assert call.voicemail_seconds == 23
    assert call.voicemail_transcript == "Hi, my sink is leaking."


def test_it_greets_records_and_ends_the_call_the_same_way_on_a_missed_only_number(
    tenant, flow, run_on_commit
):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(mode="missed-only")
    root = xml(run_on_commit(flow.incoming))
    assert "This is Acme Plumbing" in root.find("Say").text
    assert without_overrides(root.find("Record").get("action")) == (
        "http://testserver" + VOICE + "recorded/"
    )
    recording = Recording()
    assert ends_the_call_politely(xml(flow.recorded(recording)))
    assert the_call(flow).recording_sid == recording.sid


@pytest.mark.parametrize("missed_only", [False, True])
def test_it_texts_a_caller_who_leaves_a_voicemail_exactly_once(
    tenant, flow, outbox, run_on_commit, missed_only
):
    if missed_only:
        TwilioNumber.objects.filter(pk=tenant.number.pk).update(mode="missed-only")
    recording = Recording()
    run_on_commit(flow.incoming)
    if not missed_only:
        run_on_commit(flow.dial_complete, "no-answer")
    run_on_commit(flow.recorded, recording)
    assert run_on_commit(flow.recording_status, recording).status_code == 204
    assert run_on_commit(flow.transcribed, recording, "Please call me back").status_code == 204
    assert run_on_commit(flow.status, "completed").status_code == 204
    call = the_call(flow)
    assert call.outcome == "missed"
    assert (call.recording_sid, call.voicemail_transcript) == (recording.sid, "Please call me back")
    assert [m.to for m in outbox] == [flow.caller]
    assert Message.objects.filter(call=call, kind="textback").count() == 1


def test_it_keeps_the_first_recording_when_callbacks_repeat(flow, run_on_commit):
    first, second = Recording(), Recording()
    voicemail_left(flow, run_on_commit, first)
    flow.recorded(first)
    flow.recording_status(first)
    flow.recording_status(second)
    assert the_call(flow).recording_sid == first.sid


def test_it_keeps_the_recording_from_the_recording_status_callback_alone(flow, run_on_commit):
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    recording = Recording(seconds=9)
    assert flow.recording_status(recording, status="in-progress").status_code == 204
    assert the_call(flow).recording_sid == ""
    assert flow.recording_status(recording).status_code == 204
    call = the_call(flow)
    assert (call.recording_sid, call.voicemail_seconds) == (recording.sid, 9)


@pytest.mark.parametrize(
    "host", ["api.twilio.com", "api.ie1.twilio.com", "api.dublin.ie1.twilio.com"]
)
def test_it_accepts_twilios_regional_api_hosts(flow, run_on_commit, host):
    recording = Recording(host=host)
    assert voicemail_left(flow, run_on_commit, recording).recording_url == recording.url


REAL = Recording()
NOT_TWILIOS = [
    "javascript:alert(1)",
    "data:audio/mpeg;base64,AAAA",
    f"http://api.twilio.com{REAL.url[len('https://api.twilio.com') :]}",  # not https
    REAL.url.replace("api.twilio.com", "evil.example"),
    REAL.url.replace("api.twilio.com", "api.twilio.com.evil.example"),
    REAL.url.replace("api.twilio.com", "api.twilio.com@evil.example"),
    REAL.url.replace("api.twilio.com", "api.twilio.com:8443"),
    REAL.url.replace("api.twilio.com", "evil.twilio.com"),
    REAL.url.replace("/Recordings/", "/Messages/"),
    REAL.url.replace("/2010-04-01/", "/2010-04-01/../"),
    REAL.url + "?redirect=https://evil.example",
    REAL.url + "#x",
    REAL.url + "/../../Messages",
    REAL.url + "\n",
    " " + REAL.url.replace("https", "javascript"),
    "https://api.twilio.com/rec/RE1",
]


@pytest.mark.parametrize("url", NOT_TWILIOS)
def test_it_refuses_a_recording_url_that_is_not_twilios_and_still_ends_the_call(
    flow, run_on_commit, url, caplog
):
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    response = flow.recorded(REAL, RecordingUrl=url)
    assert ends_the_call_politely(xml(response))
    flow.recording_status(REAL, RecordingUrl=url)
    flow.transcribed(REAL, "hello", RecordingUrl=url)
    call = the_call(flow)
    assert (call.recording_sid, call.recording_url, call.voicemail_transcript) == ("", "", "")
    assert "not a Twilio recording URL" in caplog.text


def test_it_refuses_a_recording_url_naming_another_recording_or_account(flow, run_on_commit):
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    other = Recording()
    flow.recorded(REAL, RecordingUrl=other.url)  # the URL's SID is not RecordingSid
    flow.recorded(REAL, AccountSid="AC" + "b" * 32)  # the URL's account is not AccountSid
    flow.recorded(REAL, RecordingSid="RE-not-a-sid")
    assert the_call(flow).recording_sid == ""


def test_it_keeps_a_transcript_only_when_completed_and_for_the_calls_recording(flow, run_on_commit):
    recording = Recording()
    voicemail_left(flow, run_on_commit, recording)
    flow.transcribed(recording, "", status="failed")
    flow.transcribed(Recording(), "Someone else's message")
    assert the_call(flow).voicemail_transcript == ""
    flow.transcribed(recording, "  The boiler is\x00 making a noise.  ")
    flow.transcribed(recording, "A second transcript")
    assert the_call(flow).voicemail_transcript == "The boiler is making a noise."


def test_it_records_a_call_its_voicemail_callbacks_name_when_its_incoming_never_came(
    tenant, twilio
):
    """The incoming webhook never reached the database (an outage): the voicemail's own
    callbacks carry enough to record the call, once, with its message."""
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    assert ends_the_call_politely(xml(flow.recorded(REAL)))
    assert flow.recording_status(REAL).status_code == 204
    assert flow.transcribed(REAL, "hello").status_code == 204
    call = Call.objects.get()
    assert (call.call_sid, call.business, call.recorded_from) == (
        flow.sid,
        tenant.business,
        Call.RecordedFrom.CALLBACK,
    )
    assert (call.recording_sid, call.voicemail_transcript) == (REAL.sid, "hello")


def test_it_answers_success_to_a_recording_status_for_an_unknown_call(tenant, twilio):
    """The recording status callback names no number: nothing to record the call from."""
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    assert flow.recording_status(REAL).status_code == 204
    assert not Call.objects.exists()


def test_it_answers_400_to_voicemail_callbacks_with_a_malformed_call_sid(flow):
    assert flow.twilio.post(VOICE + "recording-status/", {"CallSid": "x"}).status_code == 400
    assert flow.twilio.post(VOICE + "transcribed/", {"CallSid": "x"}).status_code == 400


@pytest.mark.parametrize("path", ["recorded/", "recording-status/", "transcribed/"])
def test_it_refuses_unsigned_voicemail_webhooks(client, flow, path):
    response = client.post(VOICE + path, {"CallSid": flow.sid, "RecordingUrl": REAL.url})
    assert response.status_code == 403


# --- playback ----------------------------------------------------------------------------------
def test_it_streams_the_voicemail_through_lasso_to_members(
    flow, run_on_commit, twilio_api, owner_client, staff_client
):
    recording = Recording()
    twilio_api.add_recording(recording.sid, AUDIO)
    call = voicemail_left(flow, run_on_commit, recording)
    for client in (owner_client, staff_client):
        response = client.get(playback_path(call))
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/mpeg"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == AUDIO
    fetched = twilio_api.requests
    assert [r.path for r in fetched] == [
        f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{recording.sid}.mp3"
    ] * 2
    assert all(r.method == "GET" and r.authorized for r in fetched)


def test_it_gives_an_outsider_404_and_never_asks_twilio(
    flow, run_on_commit, twilio_api, outsider_client
):
    recording = Recording()
    twilio_api.add_recording(recording.sid, AUDIO)
    call = voicemail_left(flow, run_on_commit, recording)
    assert outsider_client.get(playback_path(call)).status_code == 404
    assert twilio_api.requests == []


def test_it_sends_an_anonymous_visitor_to_log_in(flow, run_on_commit, twilio_api):
    call = voicemail_left(flow, run_on_commit, Recording())
    response = Client().get(playback_path(call))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert twilio_api.requests == []


def test_it_answers_404_for_a_call_without_a_recording(
    flow, run_on_commit, twilio_api, owner_client
):
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    assert owner_client.get(playback_path(the_call(flow))).status_code == 404
    assert owner_client.get("/app/calls/not-a-uuid/voicemail/").status_code == 404
    assert twilio_api.requests == []


def test_it_never_plays_a_recording_whose_stored_url_is_not_twilios(
    flow, run_on_commit, twilio_api, owner_client
):
    call = voicemail_left(flow, run_on_commit, Recording())
    # A URL stored earlier, with its SID, but not Twilio's: playback refuses it.
    Call.objects.filter(pk=call.pk).update(recording_url="https://evil.example/x.mp3")
    assert owner_client.get(playback_path(call)).status_code == 404
    assert twilio_api.requests == []


@pytest.mark.parametrize("answer", [Answer.SERVER_ERROR, Answer.TOO_MANY_REQUESTS])
def test_it_answers_502_with_a_short_message_when_twilio_errs(
    flow, run_on_commit, twilio_api, owner_client, answer
):
    recording = Recording()
    twilio_api.add_recording(recording.sid, AUDIO)
    call = voicemail_left(flow, run_on_commit, recording)
    twilio_api.script(answer)
    response = owner_client.get(playback_path(call))
    assert response.status_code == 502
    assert b"Could not fetch this voicemail" in response.content


def test_it_answers_502_for_a_recording_twilio_does_not_have(
    flow, run_on_commit, twilio_api, owner_client
):
    call = voicemail_left(flow, run_on_commit, Recording())  # never given to the stand-in
    assert owner_client.get(playback_path(call)).status_code == 502


def test_it_answers_502_when_twilio_is_unreachable(flow, run_on_commit, settings, owner_client):
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{free_port()}"
    call = voicemail_left(flow, run_on_commit, Recording())
    assert owner_client.get(playback_path(call)).status_code == 502


# --- where it shows ----------------------------------------------------------------------------
def test_it_plays_it_on_the_timeline_through_lasso_with_the_transcript_escaped(
    flow, run_on_commit, owner_client
):
    recording = Recording(seconds=31)
    call = voicemail_left(
        flow, run_on_commit, recording, text="<script>alert('x')</script> leak & drip"
    )
    conversation = Conversation.objects.get(contact__phone_number=flow.caller)
    page = owner_client.get(f"/app/conversations/{conversation.public_id}/").content.decode()
    assert f'<audio controls preload="none" src="{playback_path(call)}"></audio>' in page
    assert "Voicemail (31s)" in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; leak &amp; drip" in page
    assert "<script>alert" not in page
    assert "twilio.com" not in page and recording.sid not in page


def test_it_never_renders_a_poisonous_url_stored_earlier(flow, run_on_commit, owner_client):
    flow.incoming()
    run_on_commit(flow.dial_complete, "no-answer")
    call = the_call(flow)
    Call.objects.filter(pk=call.pk).update(recording_url="javascript:alert(1)", voicemail_seconds=5)
    conversation = Conversation.objects.get(contact__phone_number=flow.caller)
    for path in [f"/app/conversations/{conversation.public_id}/", "/app/calls/"]:
        page = owner_client.get(path).content.decode()
        assert "javascript:" not in page, path
        assert "<audio" not in page, path


def test_it_plays_it_on_the_calls_page_too(flow, run_on_commit, owner_client):
    recording = Recording()
    call = voicemail_left(flow, run_on_commit, recording)
    page = owner_client.get("/app/calls/").content.decode()
    assert f'src="{playback_path(call)}"' in page
    assert "twilio.com" not in page and recording.sid not in page


def test_it_shows_a_stored_url_in_the_admin_as_text_never_as_a_link(
    flow, run_on_commit, admin_client
):
    call = voicemail_left(flow, run_on_commit, Recording())
    Call.objects.filter(pk=call.pk).update(recording_url="javascript:alert(1)")
    page = admin_client.get(f"/admin/calls/call/{call.pk}/change/").content.decode()
    assert "javascript:alert(1)" in page  # shown, as text
    assert 'href="javascript:' not in page
    assert 'name="recording_url"' not in page  # and not editable


def test_it_offers_lassos_playback_url_length_and_transcript_in_the_api_never_twilios(
    tenant, flow, run_on_commit, twilio
):
    from tests.api.conftest import api_client, business_url

    recording = Recording(seconds=17)
    call = voicemail_left(flow, run_on_commit, recording, text="Call me <b>back</b>")
    no_message = missed_without_voicemail(tenant, twilio, run_on_commit)
    response = api_client(tenant.owner).get(business_url(tenant.business, "calls/"))
    assert response.status_code == 200
    rows = {row["call_sid"]: row for row in response.json()["results"]}
    row = rows[call.call_sid]
    assert row["voicemail_url"] == (
        f"http://testserver/api/v1/businesses/{tenant.business.slug}/calls/{call.public_id}/voicemail/"
    )
    assert (row["voicemail_seconds"], row["voicemail_transcript"]) == (17, "Call me <b>back</b>")
    assert rows[no_message.call_sid]["voicemail_url"] is None
    body = response.content.decode()
    assert "twilio.com" not in body and recording.sid not in body
    assert "recording_sid" not in row and "recording_url" not in row


def test_it_names_the_voicemail_url_a_nullable_uri_in_the_schema():
    from django.test import Client as PlainClient

    schema = PlainClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    field = schema.json()["components"]["schemas"]["Call"]["properties"]["voicemail_url"]
    assert field["format"] == "uri" and field["nullable"] is True
    assert "recording_url" not in schema.json()["components"]["schemas"]["Call"]["properties"]


def missed_without_voicemail(tenant, twilio, run_on_commit) -> Call:
    other = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller="+12125550123")
    other.incoming()
    run_on_commit(other.dial_complete, "no-answer")
    return the_call(other)
