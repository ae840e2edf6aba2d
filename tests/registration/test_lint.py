"""Each rule a carrier reviewer applies, with a configuration that fails it and one that
passes. Where a real setting can break a rule (a business name, a support contact, Lasso's
public address), the test changes that setting; where Lasso's own pages and texts cannot be
made to break, the evidence is changed the way a faulty page or text would change it."""

from __future__ import annotations

import dataclasses
import re

import pytest

from consent.registration import evidence as ev
from consent.registration import lint, selectors
from consent.registration.models import CarrierRegistration
from consent.registration.packet import Sample
from tests.registration.conftest import complete_brand

pytestmark = pytest.mark.django_db


@pytest.fixture
def business(tenant, public_site):
    complete_brand(tenant.business)
    return tenant.business


def result(found: lint.Evidence, key: str) -> lint.Check:
    (check,) = [c for c in lint.run(found) if c.key == key]
    return check


def evidence(business) -> lint.Evidence:
    return selectors.evidence_for(business=business)


def with_packet(found: lint.Evidence, **changes) -> lint.Evidence:
    return dataclasses.replace(found, packet=dataclasses.replace(found.packet, **changes))


def with_page(found: lint.Evidence, name: str, **changes) -> lint.Evidence:
    pages = {**found.pages, name: dataclasses.replace(found.pages[name], **changes)}
    return dataclasses.replace(found, pages=pages)


def with_form_html(found: lint.Evidence, change) -> lint.Evidence:
    return with_page(found, ev.FORM, html=change(found.pages[ev.FORM].html))


def test_it_passes_every_rule_for_a_complete_brand_on_a_public_site(business):
    failing = [c for c in lint.run(evidence(business)) if not c.passed]
    assert failing == []


def test_it_fetches_the_real_public_form_as_an_anonymous_visitor(business):
    form = evidence(business).pages[ev.FORM]
    (box,) = ev.checkboxes(form.html)
    assert form.status == 200
    assert (box.name, box.checked, box.required) == ("sms_consent", False, False)
    assert "/privacy/" in box.label_links


# --- brand ------------------------------------------------------------------------------------
def test_it_requires_an_ein_from_a_company_but_not_from_a_sole_proprietor(business):
    complete_brand(business, ein="")
    failed = result(evidence(business), "brand_complete")
    assert not failed.passed and "EIN" in failed.fix

    complete_brand(business, ein="", entity_type=CarrierRegistration.EntityType.SOLE_PROPRIETOR)
    assert result(evidence(business), "brand_complete").passed


def test_it_requires_the_business_type_of_a_company_but_not_of_a_sole_proprietor(business):
    complete_brand(business, business_type="")
    failed = result(evidence(business), "brand_complete")
    assert not failed.passed and "business type" in failed.fix

    complete_brand(
        business,
        business_type="",
        ein="",
        entity_type=CarrierRegistration.EntityType.SOLE_PROPRIETOR,
    )
    assert result(evidence(business), "brand_complete").passed


def test_it_requires_the_representative_s_title_and_position(business):
    complete_brand(business, contact_title="", contact_position="")
    fix = result(evidence(business), "brand_complete").fix
    assert "contact's title" in fix and "contact's position" in fix


def test_it_names_every_missing_brand_fact(business):
    complete_brand(business, street="", contact_email="", website="http://acme.example.com")
    fix = result(evidence(business), "brand_complete").fix
    assert "street" in fix and "contact's email" in fix and "https://" in fix


def test_it_requires_the_texted_name_to_be_the_brand(business):
    complete_brand(business, legal_name="Zenith Holdings LLC")
    failed = result(evidence(business), "brand_name_matches")
    assert not failed.passed and "Acme Plumbing" in failed.fix

    complete_brand(business, legal_name="Zenith Holdings LLC", dba_name="Acme Plumbing")
    assert result(evidence(business), "brand_name_matches").passed
    complete_brand(business, legal_name="ACME Plumbing, Inc.", dba_name="")
    assert result(evidence(business), "brand_name_matches").passed


# --- call to action ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "base", ["http://testserver", "http://lassocalls.com", "https://localhost", "https://10.0.0.5"]
)
def test_it_fails_an_opt_in_page_a_reviewer_cannot_open(business, settings, base):
    settings.PUBLIC_BASE_URL = base
    failed = result(evidence(business), "opt_in_public")
    assert (failed.passed, failed.code) == (False, "30842")


def test_it_fails_an_opt_in_page_that_is_not_found(business):
    found = with_page(evidence(business), ev.FORM, status=404)
    assert not result(found, "opt_in_public").passed
    assert result(evidence(business), "opt_in_public").passed


BOX = re.compile(r'<input type="checkbox"[^>]*>')


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda h: BOX.sub(lambda m: m.group(0)[:-1] + " checked>", h), "unchecked"),
        (lambda h: BOX.sub(lambda m: m.group(0)[:-1] + " required>", h), "required"),
        (lambda h: BOX.sub("", h), "no SMS consent checkbox"),
        (lambda h: h.replace("Reply HELP for assistance. ", ""), "exactly the disclosure"),
        (
            lambda h: h.replace("I agree to receive", "I agree to the Terms and agree to receive"),
            "texts only",
        ),
    ],
)
def test_it_fails_a_consent_box_that_is_not_separate_unchecked_and_sms_only(
    business, change, words
):
    failed = result(with_form_html(evidence(business), change), "opt_in_checkbox")
    assert (failed.passed, failed.code) == (False, "30841")
    assert words in failed.fix


def test_it_fails_a_call_to_action_that_does_not_say_what_the_texts_are_about(business):
    found = evidence(business)
    vague = with_form_html(found, lambda h: h.replace(" related to my request", ""))
    failed = result(vague, "cta_purpose")
    assert (failed.passed, failed.code) == (False, "30544")
    assert result(found, "cta_purpose").passed


@pytest.mark.parametrize(
    "remove, words",
    [
        ("Message frequency varies. ", "frequency"),
        ("Message and data rates may apply. ", "data rates"),
        ("Reply STOP to opt out at any time. ", "how to stop"),
        ("Reply HELP for assistance. ", "help"),
        ('href="/privacy/"', "privacy policy"),
    ],
)
def test_it_fails_a_call_to_action_missing_an_element(business, remove, words):
    found = with_form_html(evidence(business), lambda h: h.replace(remove, ""))
    failed = result(found, "cta_elements")
    assert (failed.passed, failed.code) == (False, "30924")
    assert words in failed.fix.lower()


def test_it_fails_a_message_flow_without_the_form_or_its_exact_disclosure(business):
    found = evidence(business)
    assert result(found, "message_flow").passed
    flow = found.packet.message_flow
    for broken in [
        flow.replace(found.packet.form_url, "our website"),
        flow.replace("Message frequency varies. ", ""),
        flow.replace("calls first", "gets in touch"),
        "Customers opt in.",
    ]:
        failed = result(with_packet(found, message_flow=broken), "message_flow")
        assert (failed.passed, failed.code) == (False, "30896")


# --- campaign ---------------------------------------------------------------------------------
def test_it_fails_a_short_or_promotional_description(business):
    found = evidence(business)
    assert result(found, "description").passed
    for broken in ["We text people.", found.packet.description + " Ask about our spring sale!"]:
        failed = result(with_packet(found, description=broken), "description")
        assert (failed.passed, failed.code) == (False, "30886")


def test_it_fails_samples_inconsistent_with_customer_care(business):
    found = evidence(business)
    assert result(found, "samples").passed
    name = found.packet.business_name
    for broken in [
        found.packet.samples[:1],
        tuple(
            Sample(s.label, s.body.replace("Reply STOP to opt out.", ""))
            for s in found.packet.samples
        ),
        tuple(Sample(s.label, s.body.replace(name, "[Business]")) for s in found.packet.samples),
        found.packet.samples[:4] + (Sample("Promo", f"{name}: 20% off discount this week!"),),
    ]:
        failed = result(with_packet(found, samples=broken), "samples")
        assert (failed.passed, failed.code) == (False, "30893")


def test_it_fails_answers_longer_than_twilio_accepts(tenant, public_site):
    business = tenant.business
    business.name = (
        "Acme Plumbing Heating Cooling and Emergency Drain Services of Greater Springfield"[:80]
    )
    business.support_contact = (
        "call our 24 hour line or email emergencies@" + "x" * 60 + ".example.com"
    )
    business.save()
    complete_brand(business, legal_name=business.name, has_embedded_links=True)
    failed = result(evidence(business), "lengths")
    assert not failed.passed and "The answer to HELP is" in failed.fix

    business.name = "Acme Plumbing"
    business.support_contact = "+15551230000"
    business.save()
    complete_brand(business)
    assert result(evidence(business), "lengths").passed


def test_it_holds_the_embedded_phone_flag_to_the_samples(business):
    # The HELP answer gives the support phone.
    complete_brand(business, has_embedded_phone=False)
    failed = result(evidence(business), "embedded_phone")
    assert (failed.passed, failed.code) == (False, "30889")

    business.support_contact = "help@acmeplumbing.example.com"
    business.save()
    assert result(evidence(business), "embedded_phone").passed
    complete_brand(business, has_embedded_phone=True)
    assert not result(evidence(business), "embedded_phone").passed


def test_it_holds_the_embedded_links_flag_to_the_samples(business):
    assert result(evidence(business), "embedded_links").passed
    business.support_contact = "acmeplumbing.com/help"
    business.save()
    assert not result(evidence(business), "embedded_links").passed
    complete_brand(business, has_embedded_links=True, has_embedded_phone=False)
    assert result(evidence(business), "embedded_links").passed


# --- keywords and answers ---------------------------------------------------------------------
def test_it_fails_an_opt_out_answer_that_does_not_confirm(business):
    found = evidence(business)
    assert result(found, "opt_out").passed
    for changes in [
        {"opt_out_message": "OK, we will send fewer texts from Acme Plumbing."},
        {"opt_out_message": "You're unsubscribed. No more messages will be sent."},
        {"opt_out_keywords": ("CANCEL", "END")},
    ]:
        failed = result(with_packet(found, **changes), "opt_out")
        assert (failed.passed, failed.code) == (False, "30887")


def test_it_fails_a_help_answer_without_a_way_to_reach_the_business(business):
    assert result(evidence(business), "help_answer").passed
    business.support_contact = ""
    business.save()
    failed = result(evidence(business), "help_answer")
    assert not failed.passed and "support phone or email" in failed.fix


def test_it_fails_an_opt_in_answer_without_help_stop_or_frequency(business):
    found = evidence(business)
    assert result(found, "opt_in_answer").passed
    broken = with_packet(found, opt_in_message="Welcome back to Acme Plumbing texts!")
    assert not result(broken, "opt_in_answer").passed


# --- policies ---------------------------------------------------------------------------------
def test_it_fails_a_privacy_policy_that_does_not_rule_out_sharing_for_marketing(business):
    found = evidence(business)
    assert result(found, "privacy_policy").passed
    for changes in [
        {"html": found.pages[ev.PRIVACY].html.replace("never shared", "shared")},
        {"html": "<p>We value your privacy.</p>"},
        {"status": 404},
    ]:
        failed = result(with_page(found, ev.PRIVACY, **changes), "privacy_policy")
        assert (failed.passed, failed.code) == (False, "30896")


def test_it_fails_terms_a_reviewer_cannot_open(business):
    found = evidence(business)
    assert result(found, "terms").passed
    assert not result(with_page(found, ev.TERMS, status=404), "terms").passed


def test_it_fetches_the_pages_over_https_as_production_serves_them(business, settings):
    settings.SECURE_SSL_REDIRECT = True
    found = evidence(business)
    assert {name: page.status for name, page in found.pages.items()} == {
        ev.FORM: 200,
        ev.PRIVACY: 200,
        ev.TERMS: 200,
        ev.SMS_CONSENT: 200,
    }
    assert result(found, "opt_in_public").passed
