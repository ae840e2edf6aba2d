"""An owner signs in, opens a conversation from the inbox and replies, in Chromium."""

from __future__ import annotations

import pytest

from messaging.models import Message
from tests.conftest import CALLER, PASSWORD, TwilioClient, new_message_sid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_opens_a_conversation_and_sends_a_reply(page, live_server, tenant, outbox):
    TwilioClient().post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": CALLER,
            "To": str(tenant.number.phone_number),
            "Body": "Hi, my water heater is leaking",
            "NumMedia": "0",
        },
    )
    page.goto(f"{live_server.url}/app/inbox/")
    page.fill("#id_username", tenant.owner.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/inbox/")
    page.click("text=(212) 555-0199")  # the inbox shows numbers in national format
    page.wait_for_selector("text=Hi, my water heater is leaking")
    page.fill("#reply-body", "We can be there at 3pm today.")
    page.click("text=Send reply")
    page.wait_for_selector("text=Reply queued.")
    assert page.locator(".bubble", has_text="We can be there at 3pm today.").is_visible()
    reply = Message.objects.get(kind="reply")
    assert (reply.body, reply.sent_by_id, reply.status) == (
        "We can be there at 3pm today.",
        tenant.owner.pk,
        "queued",
    )
    assert outbox[-1].to == CALLER


def test_new_messages_appear_without_a_reload(page, live_server, tenant, csp_violations):
    twilio = TwilioClient()
    twilio.post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": CALLER,
            "To": str(tenant.number.phone_number),
            "Body": "first message",
            "NumMedia": "0",
        },
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/app/inbox/")
    page.fill("#id_username", tenant.owner.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.click("text=(212) 555-0199")  # the inbox shows numbers in national format
    page.wait_for_selector("text=first message")
    twilio.post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": CALLER,
            "To": str(tenant.number.phone_number),
            "Body": "are you still there?",
            "NumMedia": "0",
        },
    )
    page.wait_for_selector("text=are you still there?", timeout=10_000)
    # static/poll.js fetched the timeline under the Content-Security-Policy.
    assert csp_violations == []
