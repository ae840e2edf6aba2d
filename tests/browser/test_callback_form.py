from __future__ import annotations

import pytest

from callback_form.models import CallbackRequest
from consent.models import ConsentEvent
from consent.services import disclosure_version
from messaging.models import Message
from tenants.models import Business
from tests.callback_form.conftest import SEED_DISCLOSURE, disclosure_for
from tests.conftest import make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CUSTOMER_E164 = "+14155550132"


@pytest.fixture
def house() -> Business:
    business, _ = Business.objects.get_or_create(slug="lasso", defaults={"name": "Lasso"})
    return business


@pytest.fixture
def acme():
    return make_tenant(name="Acme Plumbing", slug="acme-plumbing")


def fill_in(page, *, name: str = "Dana Scully", number: str = "(415) 555-0132") -> None:
    page.fill("#id_name", name)
    page.fill("#id_phone_number", number)
    page.fill("#id_details", "The boiler is leaking")


def test_it_shows_an_unchecked_box_with_the_disclosure_beside_it(live_server, page, house):
    page.goto(f"{live_server.url}/request-callback/")

    box = page.locator("#id_sms_consent")
    disclosure = page.locator("label[for=id_sms_consent]")
    submit = page.locator("button[type=submit]")
    assert box.is_visible() and not box.is_checked()
    assert box.get_attribute("required") is None
    assert disclosure.is_visible()
    assert " ".join(disclosure.inner_text().split()) == SEED_DISCLOSURE
    box_at, text_at, submit_at = (
        box.bounding_box(),
        disclosure.bounding_box(),
        submit.bounding_box(),
    )
    # Beside the box (to its right, starting on the same line), and above the submit button.
    assert text_at["x"] >= box_at["x"] + box_at["width"]
    assert abs(text_at["y"] - box_at["y"]) < box_at["height"]
    assert text_at["y"] + text_at["height"] <= submit_at["y"]
    # The honeypot sits off-screen, where a person never sees or tabs to it.
    assert page.locator(".hp").bounding_box()["x"] < 0


def test_it_takes_a_request_without_consent_and_stores_no_consent(live_server, page, acme, outbox):
    page.goto(f"{live_server.url}/b/acme-plumbing/request-callback/")
    fill_in(page)
    page.click("button[type=submit]")

    page.wait_for_url("**/b/acme-plumbing/request-callback/thanks/")
    assert page.locator("h1").inner_text() == "Thank you, Dana Scully"
    assert "we won't text you about this request" in page.locator("#sms-outcome").inner_text()
    request = CallbackRequest.objects.get(business=acme.business)
    assert request.sms_consent is False
    assert str(request.phone_number) == CUSTOMER_E164
    assert not ConsentEvent.objects.filter(phone_number=CUSTOMER_E164).exists()
    assert not Message.objects.filter(to_number=CUSTOMER_E164).exists()
    assert outbox == []


def test_it_takes_a_request_with_consent_and_stores_the_evidence(live_server, page, acme, outbox):
    form_url = f"{live_server.url}/b/acme-plumbing/request-callback/"
    page.goto(form_url)
    fill_in(page)
    page.check("#id_sms_consent")
    page.click("button[type=submit]")

    page.wait_for_url("**/b/acme-plumbing/request-callback/thanks/")
    outcome = page.locator("#sms-outcome").inner_text()
    assert "You agreed to receive texts about this request from Acme Plumbing" in outcome
    request = CallbackRequest.objects.get(business=acme.business)
    assert request.sms_consent is True
    event = ConsentEvent.objects.get(business=acme.business, phone_number=CUSTOMER_E164)
    shown = disclosure_for("Acme Plumbing")
    assert event.kind == ConsentEvent.Kind.CALLBACK_FORM
    assert event.source_ref == str(request.pk)
    assert event.disclosure_text == shown
    assert event.disclosure_version == disclosure_version(shown)
    assert event.page_url == form_url
    assert event.ip_address == "127.0.0.1"
    assert "Chrome" in event.user_agent
    assert [sent.body for sent in outbox] == [
        "Thanks — Acme Plumbing got your callback request and will call you soon. "
        "Reply STOP to opt out."
    ]


def test_a_ticked_box_comes_back_unticked_after_a_mistake(live_server, page, house):
    page.goto(f"{live_server.url}/request-callback/")
    fill_in(page, number="555-123-456")
    page.check("#id_sms_consent")
    page.click("button[type=submit]")

    assert "doesn't look like a mobile number" in page.locator(".errorlist").inner_text()
    assert page.input_value("#id_name") == "Dana Scully"
    assert page.input_value("#id_phone_number") == "555-123-456"
    assert not page.locator("#id_sms_consent").is_checked()
    assert not CallbackRequest.objects.exists()
