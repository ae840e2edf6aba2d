"""The public form cannot be used to text strangers: the confirmation never carries the
visitor's words, consent is taken only for the countries the business texts, and the
confirmations are capped per number and per business, with the owner shown what was held
back and why. A forged X-Forwarded-For never resets a limit."""

from __future__ import annotations

import pytest

from callback_form.models import CallbackRequest
from consent.models import ConsentEvent
from messaging.models import Message
from tests.callback_form.conftest import CUSTOMER_E164

pytestmark = pytest.mark.django_db

CONFIRMATION = (
    "Thanks — Acme Plumbing got your callback request and will call you soon. "
    "Reply STOP to opt out."
)


@pytest.fixture
def form_path(tenant) -> str:
    return f"/b/{tenant.business.slug}/request-callback/"


@pytest.mark.parametrize(
    "name",
    ["https://evil.example/pay", "Call 900-555-0100 now", "Dana <b>", "Ünïcode 😀 name"],
)
def test_the_confirmation_never_quotes_the_visitor(submit, form_path, outbox, name):
    submit(form_path, name=name, details="https://evil.example", sms_consent="on")
    assert [sent.body for sent in outbox] == [CONFIRMATION]


def test_consent_from_a_country_the_business_does_not_text_is_not_taken(
    submit, client, form_path, tenant, outbox
):
    response = submit(form_path, phone_number="+44 7400 123456", sms_consent="on")
    assert response.status_code == 302
    request = CallbackRequest.objects.get(business=tenant.business)
    assert (str(request.phone_number), request.sms_consent) == ("+447400123456", False)
    assert not ConsentEvent.objects.filter(kind=ConsentEvent.Kind.CALLBACK_FORM).exists()
    assert outbox == []
    thanks = client.get(response["Location"]).content.decode()
    assert "only texts numbers in US" in thanks
    assert "Expect a phone call" in thanks


def test_a_business_that_texts_more_countries_lists_them(submit, form_path, tenant, outbox):
    tenant.business.texted_countries = ["US", "GB"]
    tenant.business.save(update_fields=["texted_countries"])
    submit(form_path, phone_number="+44 7400 123456", sms_consent="on")
    assert CallbackRequest.objects.get().sms_consent is True
    assert [sent.to for sent in outbox] == ["+447400123456"]


def test_one_confirmation_per_number_a_day_and_the_owner_sees_why(
    submit, form_path, tenant, outbox, owner_client
):
    submit(form_path, sms_consent="on")
    submit(form_path, sms_consent="on", details="Second try")
    assert [sent.to for sent in outbox] == [CUSTOMER_E164]
    held = Message.objects.get(status=Message.Status.CANCELED)
    assert "already got a confirmation text in the last 24 hours" in held.error_message
    # Both requests reach the team.
    assert CallbackRequest.objects.filter(business=tenant.business).count() == 2
    queue = owner_client.get("/app/callbacks/").content.decode()
    assert "Confirmation text held back: this number already got" in queue


def test_the_business_s_daily_cap_holds_back_the_rest(submit, form_path, tenant, outbox):
    tenant.business.callback_confirmations_per_day = 2
    tenant.business.save(update_fields=["callback_confirmations_per_day"])
    for number in ["(415) 555-0101", "(415) 555-0102", "(415) 555-0103"]:
        submit(form_path, phone_number=number, sms_consent="on")
    assert len(outbox) == 2
    held = Message.objects.get(status=Message.Status.CANCELED)
    assert held.to_number == "+14155550103"
    assert "daily limit of 2 confirmation texts" in held.error_message


def test_a_forged_forwarded_for_does_not_reset_the_rate_limit(client, form_path, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = []
    for n in range(7):
        response = client.post(
            form_path,
            {"name": "Bot", "phone_number": f"(415) 555-01{n:02d}"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429, 429]


def test_behind_one_proxy_the_client_is_the_address_it_appended(
    client, form_path, settings, tenant
):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = []
    for n in range(6):
        response = client.post(
            form_path,
            {"name": "Bot", "phone_number": f"(415) 555-02{n:02d}", "sms_consent": "on"},
            # The left part is the client's own claim and changes every time.
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 198.51.100.7",
        )
        statuses.append(response.status_code)
    assert statuses == [302] * 5 + [429]
    event = ConsentEvent.objects.filter(kind=ConsentEvent.Kind.CALLBACK_FORM).first()
    assert event.ip_address == "198.51.100.7"
    assert CallbackRequest.objects.first().ip_address == "198.51.100.7"


def test_the_countries_setting_is_saved_and_checked(owner_client, tenant):
    from tests.tenants.test_settings_page import URL, form_data

    response = owner_client.post(URL, form_data(tenant, texted_countries="us, ca, XX"))
    assert response.status_code == 200
    assert "Not a country code: XX" in response.content.decode()
    response = owner_client.post(URL, form_data(tenant, texted_countries="us, ca"))
    assert response.status_code == 302
    tenant.business.refresh_from_db()
    assert tenant.business.texted_countries == ["US", "CA"]
