"""The API's voicemail_url is Lasso's own: a token that may list the business's calls may
fetch the audio, streamed through Lasso; anyone else gets 401/404 and Twilio is never asked."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from calls.models import Call
from tests.api.conftest import api_client, business_url
from tests.calls.helpers import CallFlow, Recording
from tests.twilio_stub import TwilioStub

pytestmark = pytest.mark.django_db

AUDIO = b"ID3\x04\x00fake mp3 frames " * 1024


@pytest.fixture
def twilio_api(settings):
    """A local stand-in for Twilio's REST API that serves recordings."""
    stub = TwilioStub().start()
    settings.TWILIO_API_BASE_URL = stub.url
    yield stub
    stub.stop()


@pytest.fixture
def voicemail(tenant, twilio, twilio_api, django_capture_on_commit_callbacks) -> Call:
    recording = Recording()
    twilio_api.add_recording(recording.sid, AUDIO)
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    with django_capture_on_commit_callbacks(execute=True):
        flow.incoming()
        flow.dial_complete("no-answer")
        assert flow.recorded(recording).status_code == 200
    return Call.objects.get(call_sid=flow.sid)


def voicemail_url(tenant, client) -> str:
    rows = client.get(business_url(tenant.business, "calls/")).json()["results"]
    [url] = [row["voicemail_url"] for row in rows if row["voicemail_url"]]
    return url.removeprefix("http://testserver")


def test_a_token_fetches_the_voicemail_it_was_given(tenant, voicemail):
    client = api_client(tenant.staff)
    url = voicemail_url(tenant, client)
    assert url == business_url(tenant.business, f"calls/{voicemail.public_id}/voicemail/")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == AUDIO


def test_an_outsider_s_token_gets_404_and_twilio_is_never_asked(
    tenant, outsider, voicemail, twilio_api
):
    url = voicemail_url(tenant, api_client(tenant.owner))
    twilio_api.reset()
    assert api_client(outsider).get(url).status_code == 404
    assert APIClient().get(url).status_code == 401
    assert twilio_api.requests == []
