from __future__ import annotations

import html
import re

import pytest
from pytest_django.asserts import assertInHTML

from tests.callback_form.conftest import SEED_DISCLOSURE, disclosure_for


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def consent_block(page: str) -> str:
    match = re.search(r'<div class="consent">(.*?)</div>', page, re.S)
    assert match, "the consent checkbox and its disclosure are missing"
    return match.group(1)


def test_it_shows_lassos_form_with_an_unchecked_optional_box_and_the_seed_disclosure(client, house):
    response = client.get("/request-callback/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Request a callback from Lasso</h1>" in page
    # Exactly these attributes: no "checked", no "required".
    assertInHTML('<input type="checkbox" name="sms_consent" id="id_sms_consent">', page)
    block = consent_block(page)
    assert re.match(r'\s*<input type="checkbox"[^>]*>\s*<label for="id_sms_consent"', block)
    assert text_of(block) == SEED_DISCLOSURE


def test_it_places_the_disclosure_before_the_submit_button(client, house):
    page = client.get("/request-callback/").content.decode()

    checkbox = page.index('id="id_sms_consent"')
    disclosure = page.index("I agree to receive text messages")
    submit = page.index('<button type="submit">')
    assert checkbox < disclosure < submit


def test_it_links_the_privacy_policy_and_mobile_terms_from_the_disclosure(client, house):
    block = consent_block(client.get("/request-callback/").content.decode())

    assert re.search(r'<a href="/privacy/"[^>]*>Privacy Policy</a>', block)
    assert re.search(r'<a href="/mobile-terms/"[^>]*>Mobile Terms</a>', block)
    assert client.get("/privacy/").status_code == 200
    assert client.get("/mobile-terms/").status_code == 200


def test_it_bundles_no_other_agreement_into_the_form(client, house):
    page = client.get("/request-callback/").content.decode()

    assert page.count('type="checkbox"') == 1
    assert "I agree to the Terms" not in page
    assert 'name="sms_consent"' in page and "required" not in consent_block(page)


def test_it_heads_a_business_form_with_its_name_and_names_it_in_the_disclosure(client, tenant):
    page = client.get(f"/b/{tenant.business.slug}/request-callback/").content.decode()

    assert "<h1>Request a callback from Acme Plumbing</h1>" in page
    assert text_of(consent_block(page)) == disclosure_for("Acme Plumbing")


def test_it_answers_404_for_a_business_that_does_not_exist(client, db):
    assert client.get("/b/no-such-business/request-callback/").status_code == 404


def test_it_escapes_a_business_name_in_the_heading_and_disclosure(client, tenant):
    tenant.business.name = "<i>Acme</i> & Sons"
    tenant.business.save()

    page = client.get(f"/b/{tenant.business.slug}/request-callback/").content.decode()

    assert "<i>Acme</i>" not in page
    assert "&lt;i&gt;Acme&lt;/i&gt; &amp; Sons" in page
    assert text_of(consent_block(page)) == disclosure_for("<i>Acme</i> & Sons")


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 80), ("phone_number", 32), ("details", 1000), ("preferred_time", 80)],
)
def test_it_limits_the_length_of_every_field_in_the_browser(client, house, field, limit):
    page = client.get("/request-callback/").content.decode()

    assert re.search(rf'<(input|textarea)[^>]*name="{field}"[^>]*maxlength="{limit}"', page)


def test_it_hides_the_honeypot_from_people(client, house):
    page = client.get("/request-callback/").content.decode()

    assert re.search(r'<div class="hp" aria-hidden="true">.*name="website"', page, re.S)
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"', page)
