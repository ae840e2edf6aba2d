"""Every dashboard page on a 390×844 phone and a 1280×900 desktop: nothing scrolls sideways,
the menu stays out of the way on the phone, and the reply box is on screen in a long
conversation. The document's scrollWidth is compared with the screen's width: under mobile
emulation innerWidth grows to fit the content, so it would hide an overflow."""

from __future__ import annotations

import pytest

from callback_form.models import CallbackRequest
from messaging.models import Conversation
from tests.calls.helpers import CallFlow
from tests.conftest import CALLER, PASSWORD, TwilioClient, new_message_sid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_WORD = "https://example.com/" + "a-very-long-link-without-spaces-" * 6


def seed(tenant) -> Conversation:
    """A business with some of everything: calls missed and texted back, a long text, a
    STOP from another number, callback requests."""
    twilio = TwilioClient()
    to = str(tenant.number.phone_number)
    for caller in (CALLER, "+442071838750"):
        flow = CallFlow(twilio=twilio, to=to, caller=caller)
        flow.incoming()
        flow.dial_complete("no-answer")
    for body in ("Hi, my water heater is leaking", LONG_WORD, "Also the\nsecond line"):
        twilio.post(
            "/webhooks/twilio/sms/incoming/",
            {"MessageSid": new_message_sid(), "From": CALLER, "To": to, "Body": body},
        )
    twilio.post(
        "/webhooks/twilio/sms/incoming/",
        {"MessageSid": new_message_sid(), "From": "+12125550111", "To": to, "Body": "STOP"},
    )
    CallbackRequest.objects.create(
        business=tenant.business,
        name="Dana " + "Longname" * 8,
        phone_number="+12125550122",
        details="Please call about the " + LONG_WORD,
        sms_consent=False,
    )
    return Conversation.objects.get(contact__phone_number=CALLER)


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/app/inbox/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/inbox/")


def overflow(page) -> int:
    """How many CSS pixels the document is wider than the screen (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - screen.width"
    )


def dashboard_pages(conversation: Conversation) -> list[str]:
    return [
        "/app/",
        "/app/?days=30",
        "/app/inbox/",
        "/app/inbox/?show=all",
        "/app/inbox/?show=opted-out",
        f"/app/conversations/{conversation.public_id}/",
        "/app/calls/",
        "/app/calls/?outcome=missed",
        "/app/callbacks/",
        "/app/consent/",
        f"/app/consent/{CALLER}/",
        "/app/team/",
        "/app/settings/",
        "/app/tokens/",
        "/app/notifications/",
        "/app/invitations/",
    ]


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_it_fits_every_dashboard_page_on_the_screen(page, live_server, tenant, screen):
    conversation = seed(tenant)
    page.set_viewport_size(screen)
    sign_in(page, live_server, tenant.owner)
    too_wide = {}
    for path in dashboard_pages(conversation):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        if (extra := overflow(page)) > 0:
            too_wide[path] = extra
    assert too_wide == {}


def test_on_a_phone_the_menu_is_one_line_until_opened(page, live_server, tenant):
    seed(tenant)
    sign_in(page, live_server, tenant.owner)
    header = page.locator("header.top")
    assert header.bounding_box()["height"] < 80
    calls_link = page.locator("header nav a", has_text="Calls")
    assert not calls_link.is_visible()
    page.click("header button[data-menu-toggle]")
    calls_link.click()
    page.wait_for_url("**/app/calls/")
    assert page.locator("header nav a", has_text="API docs").get_attribute("href") == (
        "/api/schema/docs/"
    )


def test_the_reply_box_is_on_screen_at_the_end_of_a_long_conversation(page, live_server, tenant):
    conversation = seed(tenant)
    to = str(tenant.number.phone_number)
    for n in range(30):
        TwilioClient().post(
            "/webhooks/twilio/sms/incoming/",
            {"MessageSid": new_message_sid(), "From": CALLER, "To": to, "Body": f"line {n}"},
        )
    sign_in(page, live_server, tenant.owner)
    page.goto(f"{live_server.url}/app/conversations/{conversation.public_id}/")
    box = page.locator("#reply-body").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    # The newest text sits just above it, and the caller is one tap away.
    assert page.locator(".bubble", has_text="line 29").is_visible()
    assert page.locator("a.call").get_attribute("href") == f"tel:{CALLER}"
    assert page.locator("h1").inner_text() == "(212) 555-0199"


def test_a_calls_row_opens_the_conversation(page, live_server, tenant):
    conversation = seed(tenant)
    sign_in(page, live_server, tenant.owner)
    page.goto(f"{live_server.url}/app/calls/")
    page.locator("tr[data-href]", has_text="(212) 555-0199").first.locator(
        "td[data-label=When]"
    ).click()
    page.wait_for_url(f"**/app/conversations/{conversation.public_id}/")
    # A caller from another country is shown in international format.
    page.goto(f"{live_server.url}/app/calls/")
    assert page.locator("text=+44 20 7183 8750").first.is_visible()
