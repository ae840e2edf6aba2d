"""The Settings page's text-back preview follows what the owner types, in Chromium on a phone."""

from __future__ import annotations

import pytest

from tenants.models import Business
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_updates_the_preview_as_the_owner_types_and_saves(
    page, live_server, tenant, csp_violations
):
    page.goto(f"{live_server.url}/accounts/login/?next=/app/settings/")
    page.fill("#id_username", tenant.owner.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/settings/")
    preview = page.locator("#textback-preview")
    in_use = preview.locator(".variant.in-use")
    assert in_use.get_attribute("data-encoding") == "UCS-2"  # the dash, by default

    page.fill("#id_qualifying_question", "Which room needs work 🔧?")
    page.wait_for_selector("#textback-preview >> text=UCS-2 because of “—” “🔧”")
    assert "Which room needs work 🔧? Reply STOP to opt out." in in_use.inner_text()

    page.fill("#id_qualifying_question", "Which room needs work?")
    page.check("#id_textback_plain_hyphen")
    page.wait_for_selector("#textback-preview .variant.in-use >> text=Fits one GSM-7 segment")
    assert in_use.get_attribute("data-encoding") == "GSM-7"
    assert in_use.get_attribute("data-segments") == "1"

    page.fill("#id_name", "Acme Drains")
    page.wait_for_selector("#textback-preview >> text=this is Acme Drains. Which room needs work?")
    # The page fits a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A day with no hours yet is closed; giving it times opens it.
    assert page.is_checked("#id_mon_closed")
    page.fill("#id_mon_open", "08:00")
    page.fill("#id_mon_close", "17:30")
    assert not page.is_checked("#id_mon_closed")

    page.click("text=Save settings")
    page.wait_for_selector("text=Settings saved.")
    business = Business.objects.get(pk=tenant.business.pk)
    assert (business.name, business.qualifying_question, business.textback_plain_hyphen) == (
        "Acme Drains",
        "Which room needs work?",
        True,
    )
    assert business.business_hours == {"mon": ["08:00", "17:30"]}
    assert csp_violations == []  # static/tenants/settings.js ran under the policy
