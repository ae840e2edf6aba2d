"""A business signs up, confirms its email, walks the wizard and takes its test call, in
Chromium on a phone: the call is played through the signed webhooks of the business's own
(simulated) Twilio subaccount, and the test-call page shows each step as it happens."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import requests
from django.conf import settings
from django.core import mail
from twilio.request_validator import RequestValidator

from messaging.gateway import memory_backend
from tenants.models import Business
from tenants.onboarding import credentials, selectors
from tests.conftest import new_call_sid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLER = "+12125550166"


def signed_post(base_url: str, path: str, params: dict[str, str], *, sid: str, token: str):
    """POST as Twilio does for the account: its AccountSid, signed with its token over the
    public URL."""
    body = {**params, "AccountSid": sid}
    signature = RequestValidator(token).compute_signature(settings.PUBLIC_BASE_URL + path, body)
    return requests.post(
        base_url + path,
        data=urlencode(body),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=10,
    )


@pytest.fixture(autouse=True)
def _fresh_credentials():
    credentials.forget_all()
    yield
    credentials.forget_all()


def test_it_signs_up_verifies_walks_the_wizard_and_follows_the_test_call(
    page, live_server, csp_violations
):
    page.goto(f"{live_server.url}/signup/")
    page.fill("#id_business_name", "Bright Sparks Electric")
    page.fill("#id_full_name", "Dana Reyes")
    page.fill("#id_email", "dana@brightsparks.example")
    page.fill("#id_password", "lantern-orchid-basalt")
    page.click("text=Sign up")
    page.wait_for_selector("text=Check your email")

    [email] = mail.outbox
    link = re.search(r"http://testserver(/signup/verify/\S+/)", email.body).group(1)
    page.goto(live_server.url + link)
    page.click("text=Confirm and continue")
    page.wait_for_url("**/app/onboarding/time-zone/")

    page.select_option("#id_time_zone", "America/Chicago")
    page.click("button:has-text('Next')")
    page.wait_for_url("**/app/onboarding/phone/")
    page.check("input[name=mode][value=forward]")
    page.fill("#id_forward_to", "+13125550147")
    page.click("button:has-text('Next')")
    page.wait_for_url("**/app/onboarding/question/")
    page.fill("#id_qualifying_question", "Which room has the fault?")
    page.wait_for_selector("#textback-preview >> text=Which room has the fault? Reply STOP")
    page.click("button:has-text('Next')")
    page.wait_for_url("**/app/onboarding/number/")
    page.wait_for_selector("#simulated-notice")
    page.fill("#id_area_code", "415")
    page.click("#number-search button")
    page.locator(".found-numbers button").first.click()
    page.wait_for_selector("text=Call your Lasso number now and let it ring out")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    business = Business.objects.get(name="Bright Sparks Electric")
    assert business.time_zone == "America/Chicago"
    lasso_number = str(business.numbers.get().phone_number)
    sub = selectors.subaccount_of(business=business)
    call = {"CallSid": new_call_sid(), "From": CALLER, "To": lasso_number}

    def post(path: str, params: dict[str, str]):
        response = signed_post(live_server.url, path, params, sid=sub.sid, token=sub.auth_token)
        assert response.status_code in {200, 204}, (path, response.status_code)

    post("/webhooks/twilio/voice/incoming/", {**call, "CallStatus": "ringing"})
    page.wait_for_selector('[data-step="received"].done')
    post("/webhooks/twilio/voice/dial-complete/", {**call, "DialCallStatus": "no-answer"})
    page.wait_for_selector('[data-step="missed"].done')
    page.wait_for_selector('[data-step="sent"].done')
    [sent] = memory_backend.outbox
    assert sent.to == CALLER and "Which room has the fault?" in sent.body
    post(
        "/webhooks/twilio/sms/status/",
        {"MessageSid": sent.sid, "MessageStatus": "delivered", "To": CALLER, "From": lasso_number},
    )
    page.wait_for_selector('[data-step="delivered"].done')

    # Signed with the platform's token instead, the same number's call is refused.
    forged = signed_post(
        live_server.url,
        "/webhooks/twilio/voice/incoming/",
        {**call, "CallSid": new_call_sid(), "CallStatus": "ringing"},
        sid=sub.sid,
        token=settings.TWILIO_AUTH_TOKEN,
    )
    assert forged.status_code == 403

    page.click("text=Go to the overview")
    page.wait_for_url(f"{live_server.url}/app/")
    assert csp_violations == []  # static/onboarding/onboarding.js ran under the policy
