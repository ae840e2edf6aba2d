"""The signature guard in front of every Twilio webhook, and bad input that must not 500."""

from __future__ import annotations

import pytest
from django.test import Client

from calls.models import Call
from tests.calls.helpers import VOICE, CallFlow
from tests.conftest import CALLER, new_call_sid, twilio_signature

pytestmark = pytest.mark.django_db

WEBHOOKS = [
    VOICE + "incoming/",
    VOICE + "screen/",
    VOICE + "dial-complete/",
    VOICE + "status/",
    "/webhooks/twilio/sms/incoming/",
    "/webhooks/twilio/sms/status/",
]


@pytest.fixture
def params(tenant):
    return {"CallSid": new_call_sid(), "From": CALLER, "To": str(tenant.number.phone_number)}


@pytest.mark.parametrize("path", WEBHOOKS)
def test_an_unsigned_request_is_refused_and_nothing_is_stored(client, params, path):
    response = client.post(path, params)
    assert response.status_code == 403
    assert not Call.objects.exists()


@pytest.mark.parametrize("path", WEBHOOKS)
def test_a_forged_signature_is_refused(twilio, params, path):
    response = twilio.post(path, params, signature="bm90IGEgcmVhbCBzaWduYXR1cmU=")
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_a_signature_for_other_parameters_is_refused(twilio, params):
    good = twilio_signature(VOICE + "incoming/", params)
    tampered = dict(params, From="+13125550123")
    assert twilio.post(VOICE + "incoming/", tampered, signature=good).status_code == 403


@pytest.mark.parametrize(
    ("public", "signed_for"),
    [
        ("https://lasso.example", "https://lasso.example:443"),
        ("https://lasso.example:443", "https://lasso.example"),
        ("https://lasso.example", "https://lasso.example"),
        ("http://lasso.example:8080", "http://lasso.example:8080"),
    ],
)
def test_a_signature_of_the_url_with_or_without_its_port_is_accepted(
    twilio, params, settings, public, signed_for
):
    """Twilio signs some requests with the URL's default port written out and some
    without it; either one is Twilio's."""
    from twilio.request_validator import RequestValidator

    settings.PUBLIC_BASE_URL = public
    sig = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        signed_for + VOICE + "incoming/", params
    )
    assert twilio.post(VOICE + "incoming/", params, signature=sig).status_code == 200
    assert Call.objects.filter(call_sid=params["CallSid"]).exists()
    retry = dict(params, CallSid=new_call_sid())
    other_port = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        "https://lasso.example:8443" + VOICE + "incoming/", retry
    )
    assert twilio.post(VOICE + "incoming/", retry, signature=other_port).status_code == 403


def test_a_signature_for_another_host_is_refused(params, settings):
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "attacker.example"]
    sig = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        "https://attacker.example" + VOICE + "incoming/", params
    )
    response = Client().post(
        VOICE + "incoming/",
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=sig,
        HTTP_HOST="attacker.example",
    )
    assert response.status_code == 403


def test_the_signed_url_includes_the_query_string(twilio, params):
    path = VOICE + "incoming/?source=console"
    assert twilio.post(path, params).status_code == 200
    # Signed without the query, received with it: refused.
    sig = twilio_signature(VOICE + "incoming/", params)
    assert twilio.post(path, params, signature=sig).status_code == 403


def test_a_connection_override_fragment_does_not_break_validation(twilio, params):
    # The number is configured as ".../incoming/#rc=3&rt=2000" (retry count, timeout). An
    # HTTP client never sends the fragment, and Twilio signs the URL without it.
    configured = VOICE + "incoming/#rc=3&rt=2000"
    signature = twilio_signature(configured.partition("#")[0], params)
    response = twilio.post(configured, params, signature=signature)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == VOICE + "incoming/"
    assert Call.objects.get().call_sid == params["CallSid"]
    # Signed over the URL with its fragment, the same request is someone else's.
    forged = twilio_signature(configured, params)
    assert twilio.post(configured, params, signature=forged).status_code == 403


@pytest.mark.parametrize("path", WEBHOOKS)
def test_other_methods_get_405(client, path):
    assert client.get(path).status_code == 405
    assert client.put(path).status_code == 405


def test_a_body_over_64_kib_gets_413(twilio, params):
    params["Body"] = "x" * (65 * 1024)
    assert twilio.post(VOICE + "incoming/", params).status_code == 413
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    "drop",
    ["CallSid", "From", "To"],
)
def test_missing_required_fields_get_400_not_500(twilio, params, drop):
    del params[drop]
    response = twilio.post(VOICE + "incoming/", params)
    assert response.status_code == 400
    assert not Call.objects.exists()


def test_a_malformed_call_sid_is_refused(twilio, params):
    params["CallSid"] = "CA'; DROP TABLE calls_call;--"
    assert twilio.post(VOICE + "incoming/", params).status_code == 400


def test_unknown_enum_values_change_nothing_and_do_not_500(tenant, twilio):
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    flow.incoming()
    assert flow.dial_complete("exploded").status_code == 200
    assert flow.status("teleported").status_code == 204
    assert Call.objects.get(call_sid=flow.sid).outcome == "pending"


def test_callbacks_for_an_unknown_call_answer_success(tenant, twilio):
    flow = CallFlow(twilio=twilio, to="+13105550100")
    assert flow.dial_complete("no-answer").status_code == 200
    assert flow.status("completed").status_code == 204
    assert not Call.objects.exists()


def test_a_status_callback_for_a_call_whose_incoming_webhook_was_lost_still_records_it(
    tenant, twilio
):
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number))
    assert flow.status("no-answer").status_code == 204
    call = Call.objects.get(call_sid=flow.sid)
    assert (call.business, call.outcome) == (tenant.business, "missed")
