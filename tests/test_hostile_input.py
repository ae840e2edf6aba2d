"""Inputs a stranger can send answer a deliberate status, never a 500, and lose nothing
Twilio signed: repeated keys, NUL characters, and senders Twilio never uses."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from consent.models import ConsentEvent
from consent.services import record_event
from messaging.models import Contact, Conversation, Message
from tests.conftest import CALLER, new_message_sid

pytestmark = pytest.mark.django_db

SMS = "/webhooks/twilio/sms/incoming/"


def post_raw(client, path: str, body: str, *, signed_params: list[tuple[str, str]] | None = None):
    """POST a raw form body; sign it as Twilio would sign these (possibly repeated) params."""
    from django.conf import settings
    from django.http import QueryDict
    from twilio.request_validator import RequestValidator

    headers = {}
    if signed_params is not None:
        query = QueryDict(mutable=True)
        for key, value in signed_params:
            query.appendlist(key, value)
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
            settings.PUBLIC_BASE_URL + path, query
        )
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature
    return client.post(
        path, data=body, content_type="application/x-www-form-urlencoded", **headers
    )


def sms_params(tenant, **changes: str) -> list[tuple[str, str]]:
    params = {
        "MessageSid": new_message_sid(),
        "From": CALLER,
        "To": str(tenant.number.phone_number),
        "Body": "Hello",
        **changes,
    }
    return list(params.items())


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_a_repeated_key_is_refused_cleanly(client, tenant, signed):
    params = [*sms_params(tenant), ("MessageSid", new_message_sid())]
    response = post_raw(client, SMS, urlencode(params), signed_params=params if signed else None)
    if signed:
        assert response.status_code == 400
        assert b"Repeated parameter: MessageSid" in response.content
    else:
        assert response.status_code == 403
    assert not Message.objects.exists()


def test_a_signed_text_with_nul_characters_is_stored_cleaned(client, tenant, mailoutbox):
    params = sms_params(tenant, Body="Leak\x00 in the\x07 kitchen\nupstairs 👨‍👩‍👧")
    response = post_raw(client, SMS, urlencode(params), signed_params=params)
    assert response.status_code == 200
    message = Message.objects.get()
    assert message.body == "Leak in the kitchen\nupstairs 👨‍👩‍👧"
    assert Conversation.objects.get().needs_reply is True


def test_a_signed_sender_with_a_nul_is_stored_cleaned(client, tenant):
    params = sms_params(tenant, From="+1212555\x000199")
    response = post_raw(client, SMS, urlencode(params), signed_params=params)
    assert response.status_code == 200
    assert Contact.objects.get().phone_number == "+12125550199"


@pytest.mark.parametrize("sender", ["AB/CD", "javascript:alert(1)", "+1 212 555 0199", "../x", ""])
def test_a_sender_twilio_never_uses_is_refused(twilio, tenant, sender):
    response = twilio.post(SMS, dict(sms_params(tenant, From=sender)))
    assert response.status_code == 400
    assert not Message.objects.exists()
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize("sender", ["+447911123456", "54321", "ACME Co"])
def test_senders_twilio_does_use_are_stored(twilio, tenant, sender):
    response = twilio.post(SMS, dict(sms_params(tenant, From=sender)))
    assert response.status_code == 200
    assert Message.objects.count() == 1


def test_a_number_stored_before_senders_were_checked_still_renders(tenant, owner_client):
    # Rows like these got in before the sender rule and the ledger keeps them forever.
    from django.utils import timezone

    contact = Contact.objects.create(business=tenant.business, phone_number="AB/CD")
    conversation = Conversation.objects.create(
        business=tenant.business,
        contact=contact,
        business_number=str(tenant.number.phone_number),
        last_activity_at=timezone.now(),
    )
    record_event(
        business=tenant.business,
        phone_number="AB/CD",
        kind=ConsentEvent.Kind.INBOUND_TEXT,
        channel=ConsentEvent.Channel.SMS,
        source_ref="SMold",
        words="<script>alert(1)</script>",
    )
    ledger = owner_client.get("/app/consent/")
    assert ledger.status_code == 200
    assert b"<script>alert(1)</script>" not in ledger.content
    page = owner_client.get(f"/app/conversations/{conversation.public_id}/")
    assert page.status_code == 200
    evidence = owner_client.get("/app/consent/AB/CD/")
    assert evidence.status_code == 200
    assert b"AB/CD" in evidence.content


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/app/switch/", {"business": "acme\x00"}),
        ("/app/tokens/", {"name": "CRM\x00sync"}),
        ("/app/settings/blocked/", {"phone_number": "+1212555\x000199"}),
        ("/request-callback/", {"name": "Dana\x00", "phone_number": "(415) 555-0132"}),
    ],
)
def test_a_nul_in_a_form_is_a_400_not_a_500(owner_client, path, data):
    response = owner_client.post(path, data)
    assert response.status_code == 400
    assert b"cannot be accepted" in response.content


@pytest.mark.parametrize("path", ["/app/conversations/%00/", "/app/inbox/?show=%00", "/b/%00x/"])
def test_a_nul_in_a_url_is_a_400(owner_client, path):
    assert owner_client.get(path).status_code == 400


def test_a_nul_in_a_json_body_is_a_400(tenant):
    from tests.api.conftest import api_client, business_url

    response = api_client(tenant.owner).patch(
        business_url(tenant.business, "settings/"),
        data=json.dumps({"support_contact": "help\u0000desk"}),
        content_type="application/json",
    )
    assert response.status_code == 400


def test_twilio_signature_is_still_checked_before_anything_else(client, tenant):
    params = sms_params(tenant, Body="x\x00y")
    response = post_raw(client, SMS, urlencode(params), signed_params=None)
    assert response.status_code == 403
    assert not Message.objects.exists()
