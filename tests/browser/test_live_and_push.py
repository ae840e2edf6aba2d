"""In Chromium: a new customer appears on the open inbox without a reload, and a member opts
this device in to notifications and out again. Chromium cannot reach a push service from
here, so the browser's PushManager is stubbed to hand back a subscription; everything else
(the service worker, the page's script, the subscribe endpoint) is real."""

from __future__ import annotations

import pytest

from messaging.push.models import PushSubscription
from tests.conftest import PASSWORD, TwilioClient, new_message_sid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENDPOINT = "https://push.example.test/device-1"
STUB_PUSH = """
(() => {
  const subscription = {
    endpoint: "ENDPOINT",
    toJSON() {
      return { endpoint: this.endpoint, keys: {
        p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        auth: "tBHItJI5svbpez7KI4CCXg" } };
    },
    unsubscribe() { sessionStorage.removeItem("subscribed"); return Promise.resolve(true); },
  };
  if (!window.PushManager) return;
  Notification.requestPermission = () => Promise.resolve("granted");
  PushManager.prototype.subscribe = function (options) {
    window.askedWithKeyBytes = options.applicationServerKey.length;
    sessionStorage.setItem("subscribed", "1");
    return Promise.resolve(subscription);
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(sessionStorage.getItem("subscribed") ? subscription : null);
  };
})();
""".replace("ENDPOINT", ENDPOINT)


def sign_in(page, live_server, user, then: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={then}")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{then}")


def test_a_new_customer_appears_on_the_open_inbox(page, live_server, tenant, csp_violations):
    sign_in(page, live_server, tenant.owner, "/app/inbox/")
    assert page.locator("text=Nothing waiting for a reply").is_visible()
    TwilioClient().post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": "+12125550177",
            "To": str(tenant.number.phone_number),
            "Body": "Do you fix tankless heaters?\nAsking for my mum",
        },
    )
    row = page.locator("#inbox-list li", has_text="(212) 555-0177")
    row.wait_for(timeout=10_000)
    assert "Do you fix tankless heaters?" in row.inner_text()
    assert "Asking for my mum" not in row.inner_text()  # the first line only
    assert "just now" in row.inner_text()  # how long ago
    assert csp_violations == []


def test_a_member_turns_notifications_on_and_off_on_this_device(
    page, live_server, tenant, settings, csp_violations
):
    # A real P-256 public key, as `vapid --applicationServerKey` prints it.
    settings.VAPID_PUBLIC_KEY = (
        "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"
    )
    settings.VAPID_PRIVATE_KEY = "not-used-by-this-test"
    page.add_init_script(STUB_PUSH)
    sign_in(page, live_server, tenant.owner, "/app/notifications/")
    page.wait_for_selector("text=Notifications are off for this device.")
    page.click("text=Turn on notifications on this device")
    page.wait_for_selector("text=Notifications are on for this device.")
    assert page.evaluate("() => window.askedWithKeyBytes") == 65  # the decoded VAPID key
    row = PushSubscription.objects.get()
    assert (row.user_id, row.business_id, row.endpoint) == (
        tenant.owner.pk,
        tenant.business.pk,
        ENDPOINT,
    )
    page.reload()
    page.wait_for_selector("text=Notifications are on for this device.")
    assert page.locator(".devices li").count() == 1

    page.click("text=Turn them off on this device")
    page.wait_for_selector("text=Notifications are off for this device.")
    assert not PushSubscription.objects.exists()
    assert csp_violations == []
