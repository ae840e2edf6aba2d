"""Lasso, not the owner, keeps the number's webhooks: the number check page reads them
from Twilio (the real SDK, against the recording stand-in) and one button points them back
at Lasso, with the credentials of the account that owns the number."""

from __future__ import annotations

import pytest

from tests.onboarding.helpers import make_subaccount
from tests.twilio_stub import TwilioStub

pytestmark = pytest.mark.django_db


def test_a_number_pointing_elsewhere_is_fixed_with_one_button(
    owner_client, tenant, real_sdk_at_stub
):
    phone = str(tenant.number.phone_number)
    real_sdk_at_stub.add_number(phone)
    page = owner_client.get("/app/number-check/")
    assert b"Your number points somewhere else" in page.content
    assert b"Fix it" in page.content

    fixed = owner_client.post("/app/number-check/fix/", {"phone_number": phone}, follow=True)
    assert b"points at Lasso again" in fixed.content
    config = real_sdk_at_stub.number_config(phone)
    assert config["VoiceUrl"].startswith("http://testserver/webhooks/twilio/voice/incoming/")
    assert config["SmsUrl"].startswith("http://testserver/webhooks/twilio/sms/incoming/")
    assert b"Calls and texts reach Lasso" in owner_client.get("/app/number-check/").content


@pytest.fixture
def sub_stub(settings):
    stub = TwilioStub(auth_token="the-subaccounts-own-token").start()
    settings.LASSO_SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE_URL = stub.url
    yield stub
    stub.stop()


def test_a_subaccount_number_is_checked_and_fixed_as_the_subaccount(owner_client, tenant, sub_stub):
    sid, _ = make_subaccount(
        tenant.business, numbers=[tenant.number], token="the-subaccounts-own-token"
    )
    phone = str(tenant.number.phone_number)
    sub_stub.add_number(phone)
    assert b"Your number points somewhere else" in owner_client.get("/app/number-check/").content
    owner_client.post("/app/number-check/fix/", {"phone_number": phone})
    assert sub_stub.number_config(phone)["VoiceUrl"].startswith("http://testserver/webhooks/")
    assert sub_stub.requests and all(r.authorized for r in sub_stub.requests)
    assert all(f"/Accounts/{sid}/" in r.path for r in sub_stub.requests)


def test_staff_cannot_fix_the_number(staff_client, tenant):
    response = staff_client.post(
        "/app/number-check/fix/", {"phone_number": str(tenant.number.phone_number)}
    )
    assert response.status_code == 403
