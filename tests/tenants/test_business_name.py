"""The business name goes into every text-back, so it keeps the text-back's rule wherever it
is set — the dashboard, the API, create_business: no links or phone numbers however they
are written, printable and on one line, at most 50 characters; invisible characters that
would force UCS-2 are fixed silently. The question shares the same rule."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils.html import escape

from messaging.encoding import GSM7, segment_info
from messaging.texts import textback
from tenants.models import Business
from tests.tenants.test_settings_page import PREVIEW, URL, form_data, snapshot

pytestmark = pytest.mark.django_db

LINK = "looks like a web or email address."
PHONE = "Phone numbers are not allowed in the text-back"

BAD_NAMES = [
    # (name, what the refusal says)
    ("Acme. Pay at https://evil.example/pay", f"“https://evil.example/pay” {LINK}"),
    ("Acme hxxp://evil", f"“hxxp://evil” {LINK}"),
    ("Acme evil . example", f"“evil . example” {LINK}"),
    ("Acme bit.ly/x", f"“bit.ly/x” {LINK}"),
    ("www.x.com Plumbing", f"“www.x.com” {LINK}"),
    ("Acme x.co", f"“x.co” {LINK}"),
    ("Acme evil.example", f"“evil.example” {LINK}"),
    ("Acme, pay@evil", f"“pay@evil” {LINK}"),
    ("Acme evil dot com", f"“evil dot com” {LINK}"),
    ("Acme evil[.]com", f"“evil.com” {LINK}"),
    ("Acme ｅｖｉｌ．ｃｏｍ", f"“evil.com” {LINK}"),
    ("Acme 203.0.113.9", f"“203.0.113.9” {LINK}"),
    ("Acme, call 312-555-0100", f"{PHONE}: “312-555-0100” looks like one."),
    ("Acme +1 (900) 555 0100", f"{PHONE}: “+1 (900) 555 0100” looks like one."),
    ("Acme\nPay now", "Keep it on one line."),
    ("Acme\tPlumbing", "Remove the invisible control characters (U+0009)"),
    ("Acme\u202egnibmulP", "Remove the invisible control characters (U+202E)"),
    ("A" * 51, "Keep the name to 50 characters (this is 51)"),
    ("!!! ???", "Write the business's name as callers know it, not only punctuation."),
]

GOOD_NAMES = [
    # (typed, stored)
    ("Acme\u00a0Plumbing\u200b", "Acme Plumbing"),
    ("  Acme   Plumbing  ", "Acme Plumbing"),
    ("Cafe\u0301 Bar", "Café Bar"),  # e + combining accent: composed, so it stays GSM-7
    ("St. Louis Heating & Co.", "St. Louis Heating & Co."),
    ("A.J. Smith & Sons", "A.J. Smith & Sons"),
    ("1-800-GOT-JUNK", "1-800-GOT-JUNK"),
    ("Route 66 Diner, open 24/7", "Route 66 Diner, open 24/7"),
    ("Zoë's Café", "Zoë's Café"),
    ("B" * 50, "B" * 50),
]


# --- the dashboard's settings form -------------------------------------------------------------


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_it_refuses_a_name_that_breaks_the_text_back_rule_and_saves_nothing(
    owner_client, tenant, name, message
):
    before = snapshot(tenant.business)
    response = owner_client.post(URL, form_data(tenant, name=name))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    assert "Nothing was saved." in page
    assert snapshot(tenant.business) == before


@pytest.mark.parametrize(("typed", "stored"), GOOD_NAMES)
def test_it_saves_a_good_name_cleaned_of_invisible_characters(owner_client, tenant, typed, stored):
    response = owner_client.post(URL, form_data(tenant, name=typed))
    assert response.status_code == 302
    business = Business.objects.get(pk=tenant.business.pk)
    assert business.name == stored


def test_it_shows_the_name_problems_in_the_live_preview(owner_client, tenant):
    page = owner_client.get(
        PREVIEW, {"name": "Acme bit.ly/pay", "qualifying_question": "Which room?"}
    ).content.decode()
    assert escape(
        f"Business name: Links are not allowed in the text-back: “bit.ly/pay” {LINK}"
    ) in (page)


def test_a_50_character_name_keeps_the_plain_text_back_in_one_segment_and_51_is_refused(tenant):
    """Why 50: with it the plain-hyphen text-back is one GSM-7 segment for any question of up
    to 49 characters (the default one included); the column's 80 would make it two."""
    longest = Business(name="B" * 50, qualifying_question="Q" * 48 + "?")
    info = segment_info(textback(longest, plain=True))
    assert (info.encoding, info.segments) == (GSM7, 1)
    column = Business(name="B" * 80, qualifying_question="What can we help with today?")
    assert segment_info(textback(column, plain=True)).segments == 2


# --- the question shares the rule --------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("Is it urgent, see evil . example?", f"“evil . example” {LINK}"),
        ("Should we call 312-555-0100 back?", f"{PHONE}: “312-555-0100” looks like one."),
        ("Which room\u202e needs work?", "Remove the invisible control characters (U+202E)"),
        ("Email bob@evil?", f"“bob@evil?” {LINK}"),
    ],
)
def test_the_question_keeps_the_same_rule_as_the_name(owner_client, tenant, question, message):
    before = snapshot(tenant.business)
    page = owner_client.post(URL, form_data(tenant, qualifying_question=question)).content
    assert escape(message) in page.decode()
    assert snapshot(tenant.business) == before


# --- create_business ----------------------------------------------------------------------------


def create(name: str) -> str:
    out = StringIO()
    call_command(
        "create_business",
        "--name",
        name,
        "--number",
        "+15005550006",
        "--forward-to",
        "+13125550100",
        "--owner-email",
        "owner@example.com",
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "message"),
    [*BAD_NAMES, ("Acme\x00", "Remove the invisible control characters (U+0000)")],
)
def test_create_business_refuses_the_same_names_and_writes_nothing(name, message):
    before = Business.objects.count()
    with pytest.raises(CommandError, match="Business name: ") as refused:
        create(name)
    assert message in str(refused.value)
    assert Business.objects.count() == before


def test_create_business_stores_the_name_cleaned():
    create("Acme\u00a0Plumbing\u200b")
    assert Business.objects.get(slug="acme-plumbing").name == "Acme Plumbing"
