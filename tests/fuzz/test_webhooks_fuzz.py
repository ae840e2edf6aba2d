"""Property: whatever Twilio (or anyone holding a valid signature) posts to any webhook,
Lasso answers a deliberate status, never a 500, and the pages that show what was stored
keep working. Unsigned requests are always refused."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TwilioClient
from tests.fuzz.strategies import params_for, text

pytestmark = pytest.mark.django_db

TWILIO_PARAMS = [
    "AccountSid",
    "CallSid",
    "ParentCallSid",
    "From",
    "To",
    "CallStatus",
    "Direction",
    "DialCallStatus",
    "DialCallDuration",
    "DialCallSid",
    "Digits",
    "ForwardedFrom",
    "CalledVia",
    "RecordingUrl",
    "RecordingSid",
    "RecordingDuration",
    "RecordingStatus",
    "TranscriptionText",
    "TranscriptionStatus",
    "MessageSid",
    "SmsSid",
    "Body",
    "NumMedia",
    "MessageStatus",
    "ErrorCode",
    "OptOutType",
]
ALLOWED = {200, 204, 400, 404, 409, 413}
PAGES = ["/app/inbox/?show=all", "/app/consent/", "/app/calls/", "/app/callbacks/", "/app/"]


def _webhook_paths() -> list[str]:
    """Every URL under /webhooks/twilio/, read from the URL configuration so a new webhook
    is fuzzed without anyone remembering to add it here."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("webhooks/twilio/"):
                found.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return sorted(found)


WEBHOOKS = _webhook_paths()


def sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def realistic(tenant) -> st.SearchStrategy[dict[str, str]]:
    """Mostly well-formed ids and our own number, so the fuzzing gets past the first check
    and into the services; any field may still be replaced by arbitrary text."""
    base = st.fixed_dictionaries(
        {
            "CallSid": st.builds(lambda: sid("CA")),
            "ParentCallSid": st.builds(lambda: sid("CA")),
            "MessageSid": st.builds(lambda: sid("SM")),
            "RecordingSid": st.builds(lambda: sid("RE")),
            "To": st.just(str(tenant.number.phone_number)),
            "From": st.sampled_from(["+12125550199", "anonymous", "+447911123456", "12345"]),
            "CallStatus": st.sampled_from(["ringing", "completed", "no-answer", "busy"]),
            "DialCallStatus": st.sampled_from(["completed", "no-answer", "busy", "failed"]),
            "MessageStatus": st.sampled_from(["queued", "sent", "delivered", "failed"]),
        }
    )
    return st.builds(lambda a, b: {**a, **b}, base, params_for(TWILIO_PARAMS))


@pytest.mark.parametrize("path", WEBHOOKS)
def test_it_finds_every_webhook(path):
    assert path.endswith("/")


def test_the_webhook_list_is_not_empty():
    assert "/webhooks/twilio/sms/incoming/" in WEBHOOKS
    assert "/webhooks/twilio/voice/incoming/" in WEBHOOKS


@pytest.mark.parametrize("path", WEBHOOKS)
def test_any_signed_parameters_get_a_deliberate_answer(path, tenant, owner_client):
    twilio = TwilioClient()

    @given(data=st.data())
    def run(data) -> None:
        params = data.draw(st.one_of(realistic(tenant), params_for(TWILIO_PARAMS)))
        response = twilio.post(path, params)
        if params.get("AccountSid") not in {None, "", settings.TWILIO_ACCOUNT_SID}:
            # Signed with the platform's token but naming another account: Lasso knows no
            # such account (this test makes no subaccounts), so it is refused.
            assert response.status_code == 403, (response.status_code, params["AccountSid"])
        else:
            assert response.status_code in ALLOWED, (
                response.status_code,
                response.content[:300],
            )
            assert response.status_code != 403, "a valid signature was refused"
        for page in PAGES:
            shown = owner_client.get(page)
            assert shown.status_code == 200, (page, shown.status_code)

    run()


@pytest.mark.parametrize("path", WEBHOOKS)
@given(params=params_for(TWILIO_PARAMS), signature=text)
def test_unsigned_or_badly_signed_requests_are_refused(path, params, signature, client):
    response = client.post(
        path,
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature.encode("utf-8", "replace").decode("latin-1"),
    )
    assert response.status_code in {403, 413}
