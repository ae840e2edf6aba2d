"""In Chromium, on a phone: the owner finds a customer by what they wrote, and answers with
a saved quick reply (it fills the box; the owner still presses Send)."""

from __future__ import annotations

import pytest

from messaging.models import Message, QuickReply
from tests.conftest import CALLER, PASSWORD, TwilioClient, new_message_sid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def text(tenant, body: str, caller: str = CALLER) -> None:
    TwilioClient().post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": caller,
            "To": str(tenant.number.phone_number),
            "Body": body,
        },
    )


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/app/inbox/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/inbox/")


def test_it_finds_a_customer_by_what_they_wrote(page, live_server, tenant, csp_violations):
    text(tenant, "The radiator in the hallway is cold", caller="+12125550101")
    text(tenant, "Do you install heat pumps?", caller="+12125550102")
    sign_in(page, live_server, tenant.owner)
    page.fill("#inbox-search", "radiat")
    page.press("#inbox-search", "Enter")
    page.wait_for_selector("#search-summary")
    rows = page.locator("#inbox-list li")
    assert rows.count() == 1
    assert "(212) 555-0101" in rows.first.inner_text()
    assert "1 conversation matching “radiat”" in page.locator("#search-summary").inner_text()
    assert csp_violations == []


def test_a_quick_reply_fills_the_box_and_goes_out_when_sent(
    page, live_server, tenant, outbox, csp_violations
):
    QuickReply.objects.create(
        business=tenant.business, title="On our way", body="On our way — about 20 minutes."
    )
    text(tenant, "Are you still coming today?")
    sign_in(page, live_server, tenant.owner)
    page.click("text=(212) 555-0199")
    page.click("button[data-quick-reply]")
    assert page.input_value("#reply-body") == "On our way — about 20 minutes."
    assert not Message.objects.filter(kind="reply").exists()  # nothing sent by the tap itself
    page.click("text=Send reply")
    page.wait_for_selector("text=Reply queued.")
    assert Message.objects.get(kind="reply").body == "On our way — about 20 minutes."
    assert outbox[-1].to == CALLER
    assert csp_violations == []
