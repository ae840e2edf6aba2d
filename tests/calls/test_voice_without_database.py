"""When the database cannot answer, the voice webhooks still ring the business: from the
routing cache in Redis, and with neither, through the number's fallback URL, which carries
its routing in its own (signed) query string.

"Cannot answer" here is a database that is there but stuck: another connection holds an
exclusive lock on the table the webhook reads, so only the voice path's own deadline
(lock_timeout) gets the caller through. tests/integration/test_outage.py stops a real
PostgreSQL instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection

from calls import outage, routing, webhook_urls
from calls.models import Call
from tenants.models import TwilioNumber
from tenants.services import NumberRouting, update_business_settings
from tests.calls.helpers import VOICE, CallFlow
from tests.conftest import CALLER, TwilioClient

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def locked(*models):
    """Another session holds an exclusive lock on these tables: every read of them waits."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
    ) as other:
        for model in models:
            other.execute(f"LOCK TABLE {model._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            other.rollback()


def xml(response) -> ET.Element:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


@pytest.fixture
def flow(tenant, twilio):
    routing.refresh(numbers=[tenant.number])
    return CallFlow(twilio=twilio, to=str(tenant.number.phone_number))


def test_it_rings_the_business_from_the_routing_cache_when_the_database_is_stuck(flow, tenant):
    with locked(TwilioNumber, Call):
        root = xml(flow.incoming())
    dial = root.find("Dial")
    assert dial.find("Number").text == str(tenant.number.forward_to)
    assert dial.get("timeout") == "20"
    assert dial.find("Say") is None
    # The whisper still runs on the answering phone, with the line in its (signed) URL.
    assert dial.find("Number").get("url").startswith(VOICE.join(["http://testserver", "screen/"]))
    assert not Call.objects.filter(call_sid=flow.sid).exists()
    noted = outage.degraded_answers()
    assert noted is not None and noted.answers == 1


def test_it_greets_and_takes_a_voicemail_from_the_cache_on_a_missed_only_number(flow, tenant):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(mode=TwilioNumber.Mode.MISSED_ONLY)
    tenant.number.refresh_from_db()
    routing.refresh(numbers=[tenant.number])
    with locked(TwilioNumber, Call):
        root = xml(flow.incoming())
    assert root.find("Dial") is None
    assert "This is Acme Plumbing" in root.find("Say").text
    assert root.find("Record") is not None


def test_it_hands_the_call_to_twilios_fallback_when_nothing_knows_the_route(tenant, twilio):
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))  # nothing cached
    with locked(TwilioNumber, Call):
        response = flow.incoming()
    # Not a 500 with "an application error has occurred": Twilio asks the fallback URL.
    assert response.status_code == 503


def test_a_screened_call_still_connects_and_its_keypress_is_kept_for_later(
    flow, tenant, django_capture_on_commit_callbacks, outbox
):
    with locked(TwilioNumber, Call):
        flow.incoming()
        root = xml(flow.screen())
        assert root.find("Gather").find("Say").text == (
            "Call for Acme Plumbing. Press any key to accept."
        )
        assert xml(flow.screen(digits="5")).find("Gather") is None  # bridged
        assert flow.dial_complete("completed", "80").content.count(b"<Hangup") == 1
        assert flow.status("completed").status_code == 503  # Twilio retries it
    # The database is back before Twilio's retries run out: the call is recorded from the
    # status callback, answered by a person (the keypress kept in Redis), never texted.
    with django_capture_on_commit_callbacks(execute=True):
        assert flow.status("completed").status_code == 204
    call = Call.objects.get(call_sid=flow.sid)
    assert call.recorded_from == Call.RecordedFrom.CALLBACK
    assert call.accepted_at is not None
    assert call.outcome == Call.Outcome.ANSWERED
    assert outbox == []


def test_a_voicemail_box_on_a_screened_call_gets_the_greeting_without_the_database(flow):
    with locked(TwilioNumber, Call):
        flow.incoming()
        root = xml(flow.dial_complete("completed", "30"))  # nobody pressed a key
    assert "Sorry we missed your call. This is Acme Plumbing." in root.find("Say").text
    assert root.find("Record") is not None


def test_an_unanswered_call_gets_the_greeting_without_the_database(flow):
    with locked(TwilioNumber, Call):
        flow.incoming()
        root = xml(flow.dial_complete("no-answer"))
    assert "Sorry we missed your call" in root.find("Say").text


def test_a_dial_result_for_a_call_lasso_never_stored_records_and_decides_it(
    flow, tenant, django_capture_on_commit_callbacks, outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        root = xml(flow.dial_complete("no-answer"))
    assert "Sorry we missed your call" in root.find("Say").text
    call = Call.objects.get(call_sid=flow.sid)
    assert (call.recorded_from, call.outcome) == (Call.RecordedFrom.CALLBACK, Call.Outcome.MISSED)
    assert [m.to for m in outbox] == [CALLER]


# --- the fallback URL ----------------------------------------------------------------------
def fallback(tenant, *, step: str = "") -> str:
    """The path and query Twilio requests for the number's VoiceFallbackUrl (or a step)."""
    url = webhook_urls.fallback_url(
        routing.routing_for(number=tenant.number), step=step, overrides=False
    )
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def no_redis(settings):
    """A Redis that is not there (nothing listens on port 9)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }


def call_params(tenant, **extra: str) -> dict[str, str]:
    flow = CallFlow(twilio=TwilioClient(), to=str(tenant.number.phone_number))
    return {
        "CallSid": flow.sid,
        "From": CALLER,
        "To": flow.to,
        "CallStatus": "ringing",
        "ErrorCode": "11200",
        **extra,
    }


def test_the_fallback_dials_the_forward_to_without_database_or_redis(
    tenant, twilio, no_redis, django_assert_num_queries
):
    path = fallback(tenant)
    with django_assert_num_queries(0):
        root = xml(twilio.post(path, call_params(tenant)))
    dial = root.find("Dial")
    assert dial.find("Number").text == str(tenant.number.forward_to)
    assert dial.get("timeout") == "20"
    # The screen and the <Dial> action come back to the fallback too.
    assert dial.find("Number").get("url").startswith("http://testserver" + path + "&step=screen")
    assert dial.get("action").startswith("http://testserver" + path + "&step=dial")


def test_the_fallback_refuses_a_forward_to_twilio_did_not_sign(tenant, twilio):
    path = fallback(tenant)
    params = call_params(tenant)
    signed = twilio.post(path, params)
    assert signed.status_code == 200
    forged = path.replace("to=%2B1312", "to=%2B1900")
    assert forged != path
    from tests.conftest import twilio_signature

    response = twilio.post(forged, params, signature=twilio_signature(path, params))
    assert response.status_code == 403


def test_the_fallback_follows_the_call_to_its_end_without_database_or_redis(
    tenant, twilio, no_redis, django_assert_num_queries
):
    params = call_params(tenant)
    with django_assert_num_queries(0):
        prompt = xml(twilio.post(fallback(tenant, step="screen"), params))
        accepted = xml(twilio.post(fallback(tenant, step="screen"), {**params, "Digits": "1"}))
        talked = xml(
            twilio.post(fallback(tenant, step="dial"), {**params, "DialCallStatus": "completed"})
        )
        unanswered = xml(
            twilio.post(fallback(tenant, step="dial"), {**params, "DialCallStatus": "no-answer"})
        )
        thanked = xml(twilio.post(fallback(tenant, step="recorded"), params))
    assert "Call for Acme Plumbing" in prompt.find("Gather").find("Say").text
    assert list(accepted) == []
    assert [child.tag for child in talked] == ["Hangup"]
    assert "This is Acme Plumbing" in unanswered.find("Say").text
    record = unanswered.find("Record")
    assert record.get("action").startswith("http://testserver" + fallback(tenant, step="recorded"))
    assert "Thank you" in thanked.find("Say").text


def test_the_fallback_greets_and_takes_a_voicemail_on_a_missed_only_number(tenant, twilio):
    TwilioNumber.objects.filter(pk=tenant.number.pk).update(mode=TwilioNumber.Mode.MISSED_ONLY)
    tenant.number.refresh_from_db()
    root = xml(twilio.post(fallback(tenant), call_params(tenant)))
    assert root.find("Dial") is None
    assert "Sorry we missed your call. This is Acme Plumbing." in root.find("Say").text
    assert root.find("Record") is not None


# --- the routing cache follows the settings -------------------------------------------------
def test_the_cached_routing_follows_a_change_of_forward_to_and_settings(
    tenant, django_capture_on_commit_callbacks
):
    routing.refresh(numbers=[tenant.number])
    with django_capture_on_commit_callbacks(execute=True):
        update_business_settings(
            business=tenant.business,
            name="Acme Plumbing & Heating",
            ring_timeout_seconds=30,
            screening_enabled=False,
            routing=[
                NumberRouting(
                    number_id=tenant.number.pk,
                    mode=TwilioNumber.Mode.FORWARD,
                    forward_to="+13125550188",
                )
            ],
            password_confirmed=True,
        )
    cached = routing.cached(to=str(tenant.number.phone_number))
    assert (cached.forward_to, cached.ring_timeout, cached.screening, cached.business_name) == (
        "+13125550188",
        30,
        False,
        "Acme Plumbing & Heating",
    )


def test_the_minute_writes_every_numbers_routing(tenant, other_tenant):
    from calls.tasks import sync_numbers

    assert routing.cached(to=str(other_tenant.number.phone_number)) is None
    sync_numbers()
    for t in (tenant, other_tenant):
        assert routing.cached(to=str(t.number.phone_number)) == routing.routing_for(number=t.number)
