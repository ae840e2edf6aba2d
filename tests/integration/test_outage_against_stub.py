"""Twilio's side of an outage, through the real `twilio` SDK and the recording stub: the
number's configuration (voice URL with connection overrides, a fallback URL carrying the
forward-to, kept in step with the routing), and the calls of an outage settled afterwards
from Twilio's Calls list: each recorded once, a fresh missed call texted once, a stale one
queued for a callback, one nobody can say was answered queued and never texted."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from callback_form.models import CallbackRequest
from calls import outage, reconcile
from calls.models import Call, Checkpoint, Outage
from calls.numbers import configure
from tenants.models import TwilioNumber
from tenants.services import NumberRouting, update_business_settings
from tests.conftest import new_call_sid
from tests.twilio_stub import TwilioStub

pytestmark = [pytest.mark.django_db(transaction=True)]


def fallback_query(stub: TwilioStub, number: str) -> dict[str, str]:
    url = stub.number_config(number)["VoiceFallbackUrl"]
    parts = urlsplit(url)
    assert parts.path == "/webhooks/twilio/voice/fallback/"
    return {k: v[-1] for k, v in parse_qs(parts.query).items()}


def test_it_configures_a_number_with_overrides_and_a_fallback_that_follows_the_forward_to(
    business_tenant, real_sdk_at_stub, django_capture_on_commit_callbacks
):
    stub = real_sdk_at_stub
    number = str(business_tenant.number.phone_number)
    stub.add_number(number)
    assert configure(number_id=business_tenant.number.pk) == "configured"
    config = stub.number_config(number)
    assert config["VoiceUrl"] == "http://testserver/webhooks/twilio/voice/incoming/#ct=2000&tt=6000"
    assert config["VoiceMethod"] == "POST"
    assert config["StatusCallback"].startswith("http://testserver/webhooks/twilio/voice/status/#")
    assert "rc=5&rp=all" in config["StatusCallback"]
    assert config["SmsUrl"].startswith("http://testserver/webhooks/twilio/sms/incoming/")
    assert fallback_query(stub, number)["to"] == str(business_tenant.number.forward_to)

    # Nothing changed: Twilio is not asked again.
    before = len(stub.requests)
    assert configure(number_id=business_tenant.number.pk) == "unchanged"
    assert len(stub.requests) == before

    with django_capture_on_commit_callbacks(execute=True):
        update_business_settings(
            business=business_tenant.business,
            routing=[
                NumberRouting(
                    number_id=business_tenant.number.pk,
                    mode=TwilioNumber.Mode.FORWARD,
                    forward_to="+13125550177",
                )
            ],
            password_confirmed=True,
        )
    query = fallback_query(stub, number)
    assert (query["to"], query["mode"], query["name"]) == (
        "+13125550177",
        "forward",
        "Acme Plumbing",
    )


def test_it_keeps_trying_a_number_twilio_does_not_have(business_tenant, real_sdk_at_stub):
    assert configure(number_id=business_tenant.number.pk) == "failed"
    from calls.numbers import out_of_date

    assert business_tenant.number.pk in out_of_date()


# --- after an outage -----------------------------------------------------------------------
CALLERS = {
    "fresh": "+12125550101",
    "stale": "+12125550102",
    "voicemail?": "+12125550103",
    "accepted": "+12125550104",
    "answered": "+12125550105",
    "unscreened": "+12125550106",
}


def add_forwarded_call(stub, tenant, *, caller: str, ago: timedelta, leg: str) -> str:
    sid = new_call_sid()
    start = timezone.now() - ago
    to = str(tenant.number.phone_number)
    stub.add_call(sid=sid, to=to, from_=caller, status="completed", start_time=start, duration=40)
    stub.add_call(
        sid=new_call_sid(),
        parent_sid=sid,
        to=str(tenant.number.forward_to),
        from_=caller,
        status=leg,
        direction="outbound-dial",
        start_time=start,
        duration=30 if leg == "completed" else 0,
    )
    return sid


def texts_to(stub: TwilioStub, number: str) -> list:
    return [r for r in stub.requests if r.method == "POST" and r.form.get("To") == number]


def test_it_settles_every_call_of_an_outage_from_twilios_records_once(
    business_tenant, other_tenant, real_sdk_at_stub, django_capture_on_commit_callbacks
):
    stub, tenant = real_sdk_at_stub, business_tenant
    sids = {
        "fresh": add_forwarded_call(
            stub, tenant, caller=CALLERS["fresh"], ago=timedelta(minutes=3), leg="no-answer"
        ),
        "stale": add_forwarded_call(
            stub, tenant, caller=CALLERS["stale"], ago=timedelta(minutes=40), leg="busy"
        ),
        "voicemail?": add_forwarded_call(
            stub, tenant, caller=CALLERS["voicemail?"], ago=timedelta(minutes=5), leg="completed"
        ),
        "accepted": add_forwarded_call(
            stub, tenant, caller=CALLERS["accepted"], ago=timedelta(minutes=4), leg="completed"
        ),
    }
    # A call whose webhooks did reach Lasso: already decided, left alone.
    Call.objects.create(
        business=tenant.business,
        twilio_number=tenant.number,
        call_sid=add_forwarded_call(
            stub, tenant, caller=CALLERS["answered"], ago=timedelta(minutes=6), leg="completed"
        ),
        from_raw=CALLERS["answered"],
        from_number=CALLERS["answered"],
        to_number=str(tenant.number.phone_number),
        mode="forward",
        started_at=timezone.now() - timedelta(minutes=6),
        outcome=Call.Outcome.ANSWERED,
    )
    # The other business screens nothing: an answered leg is an answered call.
    add_forwarded_call(
        stub, other_tenant, caller=CALLERS["unscreened"], ago=timedelta(minutes=5), leg="completed"
    )
    other_tenant.business.screening_enabled = False
    other_tenant.business.save(update_fields=["screening_enabled"])
    # During the outage: the webhooks answered from the cache, and one screen keypress was
    # kept in Redis; the scheduler could not beat.
    outage.mark_accepted(call_sid=sids["accepted"])
    Checkpoint.objects.create(name=outage.HEARTBEAT, at=timezone.now() - timedelta(minutes=45))
    outage.note_degraded()

    for _ in range(2):  # the second run finds nothing new: nothing is done twice
        with django_capture_on_commit_callbacks(execute=True):
            reconcile.run()

    found = Outage.objects.get()
    assert found.reconciled_at is not None
    assert found.calls_recorded == 5
    calls = {name: Call.objects.get(call_sid=sid) for name, sid in sids.items()}
    assert {name: c.recorded_from for name, c in calls.items()} == dict.fromkeys(
        sids, Call.RecordedFrom.RECONCILED
    )
    assert {name: c.outcome for name, c in calls.items()} == {
        "fresh": "missed",
        "stale": "missed",
        "voicemail?": "missed",
        "accepted": "answered",
    }
    # Texted once, and only within the freshness window.
    assert len(texts_to(stub, CALLERS["fresh"])) == 1
    for name in ("stale", "voicemail?", "accepted", "answered", "unscreened"):
        assert texts_to(stub, CALLERS[name]) == [], name
    queue = dict(CallbackRequest.objects.values_list("phone_number", "source"))
    assert queue == {
        CALLERS["stale"]: CallbackRequest.Source.TEXTBACK_EXPIRED,
        CALLERS["voicemail?"]: CallbackRequest.Source.OUTAGE_UNVERIFIED,
    }
    unscreened = Call.objects.get(from_number=CALLERS["unscreened"])
    assert (unscreened.business, unscreened.outcome) == (other_tenant.business, "answered")


def test_it_reads_twilios_records_again_next_minute_when_they_were_unreadable(
    business_tenant, settings, stub
):
    from tests.integration.conftest import use_real_sdk

    use_real_sdk(settings, "http://127.0.0.1:9")  # nothing listens: Twilio unreachable
    outage.note_degraded()
    assert reconcile.run() == 0
    assert Outage.objects.get().reconciled_at is None
    use_real_sdk(settings, stub.url)
    assert reconcile.run() == 1
    assert Outage.objects.get().reconciled_at is not None
