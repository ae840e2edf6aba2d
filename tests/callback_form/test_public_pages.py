from __future__ import annotations

import html
import re

import pytest
from django.contrib.staticfiles import finders

from tests.callback_form.conftest import SEED_DISCLOSURE


def text_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.mark.parametrize("path", ["/sms-consent/", "/privacy/", "/terms/", "/mobile-terms/"])
def test_it_serves_each_policy_page_to_anyone_on_a_phone(client, db, path):
    response = client.get(path)

    assert response.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in (
        response.content.decode()
    )


def test_the_sms_consent_page_describes_the_program_and_its_opt_in_flow(client, db):
    text = " ".join(text_of(client, "/sms-consent/").replace(" .", ".").split())

    assert "Program name Lasso Messaging Service." in text
    assert "Effective date: May 1, 2026" in text
    assert "sends a single follow-up text to the number that called" in text
    assert "Lasso does not use this program for marketing blasts, list imports" in text
    for step in (
        "Customer calls [Business Name]",
        "Business misses the call",
        "Lasso sends one follow-up text",
        "Conversation continues only if the recipient replies",
    ):
        assert step in text
    assert "Messages are sent to people who called, texted, submitted a service request" in text
    assert "with a separate, unchecked SMS consent checkbox" in text
    assert "users who decline SMS consent may still receive a voice callback" in text
    assert "Recipients can reply STOP to opt out and HELP for help." in text


def test_the_sms_consent_page_quotes_the_disclosure_exactly(client, db):
    page = client.get("/sms-consent/").content.decode()
    block = re.search(r'<p class="disclosure" id="form-disclosure">(.*?)</p>', page, re.S)

    assert " ".join(html.unescape(re.sub(r"<[^>]+>", "", block.group(1))).split()) == (
        SEED_DISCLOSURE
    )


def test_the_sms_consent_page_shows_the_messages_the_product_really_sends(client, db):
    text = text_of(client, "/sms-consent/")

    assert (
        "Sorry we missed your call — this is [Business Name]. What can we help with today? "
        "Reply STOP to opt out." in text
    )
    assert (
        "Thanks — [Business Name] got your callback request and will call you soon. "
        "Reply STOP to opt out." in text
    )
    assert (
        "You're unsubscribed from [Business Name] texts. No more messages will be sent. "
        "Reply START to resubscribe." in text
    )
    assert "Msg frequency varies. Msg & data rates may apply." in text


def test_the_sms_consent_page_shows_a_screenshot_of_the_live_form(client, db):
    page = client.get("/sms-consent/").content.decode()

    match = re.search(r'<img src="/static/(public/callback-form\.png)" alt="([^"]+)"', page)
    assert match
    assert "unchecked SMS consent checkbox" in match.group(2)
    image = finders.find(match.group(1))
    assert image is not None
    with open(image, "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_sms_consent_page_links_the_form_and_every_policy(client, db):
    page = client.get("/sms-consent/").content.decode()

    for path in ("/request-callback/", "/privacy/", "/mobile-terms/", "/terms/"):
        assert f'href="{path}"' in page


def test_the_privacy_policy_never_shares_or_sells_numbers_or_consent_for_marketing(client, db):
    text = text_of(client, "/privacy/")

    assert (
        "Mobile numbers and SMS consent are never shared with or sold to third parties or "
        "affiliates for marketing or promotional purposes." in text
    )
    assert "opt-in data and consent are not shared with any third parties" in text


def test_the_mobile_terms_give_everything_a_carrier_asks_for(client, db):
    text = text_of(client, "/mobile-terms/")

    assert "Lasso Messaging Service" in text
    assert "one follow-up text after a missed call" in text
    assert "Message frequency varies" in text
    assert "Message and data rates may apply." in text
    assert "Reply STOP to any message to opt out" in text
    assert "Reply HELP for help" in text
    assert "support@lassocalls.com" in text
    assert "Carriers are not liable for delayed or undelivered messages." in text


def test_the_terms_do_not_make_texts_a_condition_of_a_callback(client, db):
    text = text_of(client, "/terms/")

    assert "does not require agreeing to receive text messages" in text
