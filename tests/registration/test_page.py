"""The owner's registration page: the packet from live configuration, its checks, the
printable version, and who may open them."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from callback_form.disclosure import disclosure_text
from consent.registration import lint
from consent.registration.models import CarrierRegistration
from messaging import texts
from messaging.models import AfterHoursTextback
from tests.registration.conftest import PUBLIC

pytestmark = pytest.mark.django_db

URL = "/app/registration/"


def test_it_shows_the_campaign_built_from_what_the_business_sends(
    owner_client, tenant, public_site, registered_brand
):
    page = owner_client.get(URL).content.decode()

    business = tenant.business
    assert escape(texts.textback(business)) in page
    assert escape(texts.help_reply(business)) in page
    assert escape(texts.opt_out_confirmation(business)) in page
    form_url = f"{PUBLIC}/b/{business.slug}/request-callback/"
    assert form_url in page
    assert f"{PUBLIC}/privacy/" in page and f"{PUBLIC}/terms/" in page
    assert escape(disclosure_text(sender=business.name)) in page
    assert f"All {len(lint.RULES)} checks pass." in page


def test_it_names_the_failing_checks_with_twilio_codes_and_fixes(owner_client, tenant):
    # Nothing entered yet, and Lasso's address here is not public.
    page = owner_client.get(URL).content.decode()

    assert "would fail" in page
    assert "30842" in page
    assert "Fill in the legal name" in page
    assert "PUBLIC_BASE_URL" in page


def test_it_saves_the_brand_facts(owner_client, tenant, public_site):
    response = owner_client.post(
        URL,
        {
            "legal_name": "Acme Plumbing LLC",
            "entity_type": "company",
            "ein": "12-3456789",
            "business_type": "Limited Liability Corporation",
            "street": "1 Main St",
            "city": "Springfield",
            "region": "il",
            "postal_code": "62701",
            "website": "https://acme.example.com",
            "vertical": "CONSTRUCTION",
            "contact_first_name": "Ada",
            "contact_last_name": "Lovelace",
            "contact_title": "Owner",
            "contact_position": "Other",
            "contact_email": "ada@acme.example.com",
            "contact_phone": "+12175550100",
            "has_embedded_phone": "on",
        },
    )

    assert response.status_code == 302
    saved = CarrierRegistration.objects.get(business=tenant.business)
    assert (saved.legal_name, saved.region, saved.has_embedded_phone) == (
        "Acme Plumbing LLC",
        "IL",
        True,
    )
    assert f"All {len(lint.RULES)} checks pass." in owner_client.get(URL).content.decode()


def test_it_refuses_an_invalid_email_and_keeps_the_page(owner_client, tenant):
    response = owner_client.post(URL, {"entity_type": "company", "contact_email": "nope"})

    assert response.status_code == 400
    assert not CarrierRegistration.objects.filter(business=tenant.business).exists()


def test_it_adds_the_after_hours_text_back_when_it_is_on(owner_client, tenant):
    business = tenant.business
    business.business_hours = {"mon": ["08:00", "17:00"]}
    business.save()
    AfterHoursTextback.objects.create(
        business=business, enabled=True, question="Shall we call you first thing tomorrow?"
    )

    page = owner_client.get(URL).content.decode()

    assert (
        escape(texts.textback(business, question="Shall we call you first thing tomorrow?")) in page
    )
    assert "No after-hours sample" not in page


def test_it_says_why_there_is_no_after_hours_sample(owner_client, tenant):
    page = owner_client.get(URL).content.decode()
    assert "No after-hours sample: the after-hours text-back is off" in page


def test_it_prints_the_packet_with_the_brand(owner_client, tenant, public_site, registered_brand):
    response = owner_client.get(URL + "print/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "12-3456789" in page and registered_brand.legal_name in page
    assert escape(texts.textback(tenant.business)) in page
    assert "data-print" in page


@pytest.mark.parametrize("path", [URL, URL + "print/"])
def test_it_refuses_staff(staff_client, path):
    assert staff_client.get(path).status_code == 403


@pytest.mark.parametrize("path", [URL, URL + "print/"])
def test_it_shows_an_outsider_only_their_own_business(outsider_client, tenant, other_tenant, path):
    page = outsider_client.get(path).content.decode()
    assert tenant.business.name not in page
    assert other_tenant.business.name in page


def test_it_does_not_save_into_another_business(outsider_client, tenant, other_tenant):
    outsider_client.post(URL, {"entity_type": "company", "legal_name": "Hijack Inc"})
    assert not CarrierRegistration.objects.filter(business=tenant.business).exists()


def test_it_links_the_page_from_the_owners_menu_only(owner_client, staff_client):
    assert f'href="{URL}"' in owner_client.get("/app/overview/").content.decode()
    assert f'href="{URL}"' not in staff_client.get("/app/overview/").content.decode()


@pytest.mark.parametrize("path", [URL, URL + "print/", "/app/overview/"])
def test_it_serves_its_pages_without_inline_code(owner_client, tenant, path):
    from tests.test_security_headers import assert_secured, inline_code

    response = owner_client.get(path)

    assert response.status_code == 200
    assert_secured(response)
    assert inline_code(response.content.decode()) == []


def test_it_proposes_the_embedded_flags_the_samples_need(owner_client, tenant):
    # The HELP answer gives the support phone; nothing the business sends has a link.
    from consent.registration.evidence import checkboxes

    page = owner_client.get(URL).content.decode()
    ticked = {box.name: box.checked for box in checkboxes(page)}
    assert ticked == {"has_embedded_links": False, "has_embedded_phone": True}
