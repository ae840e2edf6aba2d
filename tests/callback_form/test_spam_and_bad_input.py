from __future__ import annotations

import pytest
from pytest_django.asserts import assertInHTML

from callback_form.forms import INVALID_NUMBER_MESSAGE
from callback_form.models import CallbackRequest
from consent.models import ConsentEvent
from tests.callback_form.conftest import CUSTOMER_E164

XSS = '<script>alert("x")</script>'


def test_it_pretends_to_accept_a_bot_that_fills_the_honeypot_and_stores_nothing(
    submit, house, outbox
):
    response = submit("/request-callback/", website="http://spam.example", sms_consent="on")

    assert response.status_code == 302
    assert response["Location"] == "/request-callback/thanks/"
    assert not CallbackRequest.objects.exists()
    assert not ConsentEvent.objects.exists()
    assert outbox == []


def test_it_refuses_a_sixth_submission_from_one_address_within_ten_minutes(submit, client, house):
    for _ in range(5):
        assert submit("/request-callback/").status_code == 302

    response = submit("/request-callback/", name="Sixth Try", sms_consent="on")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many requests have come from your network" in page
    assertInHTML('<input type="checkbox" name="sms_consent" id="id_sms_consent">', page)
    assert 'value="Sixth Try"' in page
    assert CallbackRequest.objects.count() == 5
    assert not ConsentEvent.objects.exists()


def test_the_rate_limit_is_per_address(submit, client, house):
    for _ in range(6):
        submit("/request-callback/")

    response = client.post(
        "/request-callback/",
        {"name": "Someone Else", "phone_number": "(312) 555-0199"},
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 302
    assert CallbackRequest.objects.filter(name="Someone Else").exists()


def test_it_explains_an_invalid_number_and_keeps_everything_but_the_box(submit, house):
    response = submit(
        "/request-callback/",
        phone_number="555-123-456",
        details="Furnace <b>won't</b> start",
        sms_consent="on",
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert INVALID_NUMBER_MESSAGE.replace("'", "&#x27;") in page
    assert 'value="Dana Scully"' in page
    assert 'value="555-123-456"' in page
    assert 'value="Weekday mornings"' in page
    assert "Furnace &lt;b&gt;won&#x27;t&lt;/b&gt; start</textarea>" in page
    assertInHTML('<input type="checkbox" name="sms_consent" id="id_sms_consent">', page)
    assert not CallbackRequest.objects.exists()
    assert not ConsentEvent.objects.exists()


@pytest.mark.parametrize("number", ["12345", "not a number", "+1 555 123 4567"])
def test_it_refuses_numbers_that_cannot_be_called(submit, house, number):
    response = submit("/request-callback/", phone_number=number)

    assert response.status_code == 200
    assert not CallbackRequest.objects.exists()


def test_it_accepts_an_international_mobile_number(submit, house):
    submit("/request-callback/", phone_number="+44 7911 123456")

    assert str(CallbackRequest.objects.get().phone_number) == "+447911123456"


def test_it_requires_a_name_and_number_but_nothing_else(submit, house):
    assert submit("/request-callback/", name="").status_code == 200
    assert submit("/request-callback/", phone_number="").status_code == 200
    assert not CallbackRequest.objects.exists()

    response = submit("/request-callback/", details=None, preferred_time=None)

    assert response.status_code == 302
    assert str(CallbackRequest.objects.get().phone_number) == CUSTOMER_E164


@pytest.mark.parametrize(
    ("field", "limit"), [("name", 80), ("details", 1000), ("preferred_time", 80)]
)
def test_it_refuses_a_field_longer_than_its_limit(submit, house, field, limit):
    response = submit("/request-callback/", **{field: "x" * (limit + 1)})

    assert response.status_code == 200
    assert f"at most {limit} characters" in response.content.decode()
    assert not CallbackRequest.objects.exists()


def test_it_shows_html_typed_into_the_form_as_text_everywhere(client, submit, tenant, owner_client):
    response = submit(
        f"/b/{tenant.business.slug}/request-callback/",
        name=XSS,
        details=XSS,
        preferred_time=XSS,
    )

    thanks = client.get(response["Location"]).content.decode()
    queue = owner_client.get("/app/callbacks/").content.decode()
    for page in (thanks, queue):
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
