"""Web Push, delivered for real: pywebpush encrypts and signs each notification and POSTs
it to the subscription's endpoint, here a push service run by the test on the loopback
interface. The test decrypts what arrived with the device's own keys, as a browser would."""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from callback_form.models import CallbackRequest
from callback_form.services import process_callback_request
from messaging.push.models import PushSubscription
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@pytest.fixture
def vapid(settings):
    """A VAPID key pair as the environment would give it (base64url strings)."""
    key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    settings.VAPID_PUBLIC_KEY = b64url(public_bytes(key))
    settings.VAPID_SUBJECT = "mailto:ops@lasso.example"
    return settings


@dataclass
class PushService:
    """A push service on 127.0.0.1 that records every POST and answers `status`."""

    url: str
    received: list[dict] = field(default_factory=list)
    status: int = 201


@pytest.fixture
def push_service():
    service = PushService(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            service.received.append({"path": self.path, "headers": headers, "body": body})
            self.send_response(service.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    service.url = f"http://127.0.0.1:{server.server_port}"
    yield service
    server.shutdown()
    server.server_close()


@dataclass
class Device:
    subscription: PushSubscription
    key: ec.EllipticCurvePrivateKey
    auth: bytes

    def read(self, delivery: dict) -> dict:
        """Decrypt one delivered push with this device's keys."""
        plain = http_ece.decrypt(
            delivery["body"], private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def make_device(*, push_service: PushService, business, user, name: str = "phone") -> Device:
    key = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    subscription = PushSubscription.objects.create(
        business=business,
        user=user,
        endpoint=f"{push_service.url}/send/{name}",
        p256dh=b64url(public_bytes(key)),
        auth=b64url(auth),
        device=name,
    )
    return Device(subscription=subscription, key=key, auth=auth)


@pytest.fixture
def device(vapid, push_service, tenant) -> Device:
    return make_device(push_service=push_service, business=tenant.business, user=tenant.owner)


def test_it_pushes_a_new_customer_message_once_per_burst(device, push_service, text_in, mailoutbox):
    for body in ["Hi, is this the plumber?", "my pipe burst", "please call"]:
        text_in(body)
    assert len(push_service.received) == 1
    delivery = push_service.received[0]
    assert delivery["path"] == "/send/phone"
    assert delivery["headers"]["content-encoding"] == "aes128gcm"
    assert delivery["headers"]["authorization"].startswith("vapid t=")
    notice = device.read(delivery)
    assert notice["title"] == "New message · (212) 555-0199"
    assert "Hi, is this the plumber?" in notice["body"]
    assert "/app/conversations/" in notice["url"]
    assert len(mailoutbox) == 1  # the email still goes out, once
    device.subscription.refresh_from_db()
    assert device.subscription.last_pushed_at is not None


def test_it_pushes_a_missed_call_that_was_texted_back_and_a_call_back_again(
    device, push_service, missed_call
):
    missed_call()
    [first] = push_service.received
    assert device.read(first)["title"] == "Missed call · (212) 555-0199"
    assert "texted them back" in device.read(first)["body"]
    missed_call()  # again, within the cooldown: not texted twice, but the team hears
    assert len(push_service.received) == 2
    assert device.read(push_service.received[1])["title"] == "Called again · (212) 555-0199"


def test_it_pushes_a_callback_request(
    device, push_service, tenant, django_capture_on_commit_callbacks
):
    request = CallbackRequest.objects.create(
        business=tenant.business,
        name="Dana",
        phone_number="+12125550122",
        details="Boiler is making a noise",
        sms_consent=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        process_callback_request(callback_request_id=request.pk)
    [delivery] = push_service.received
    notice = device.read(delivery)
    assert notice["title"] == "Callback request · Dana"
    assert "Boiler is making a noise" in notice["body"]


def test_every_member_device_gets_it_and_no_other_business_does(
    vapid, push_service, tenant, other_tenant, text_in
):
    mine = make_device(
        push_service=push_service, business=tenant.business, user=tenant.owner, name="a"
    )
    staffs = make_device(
        push_service=push_service, business=tenant.business, user=tenant.staff, name="b"
    )
    make_device(
        push_service=push_service,
        business=other_tenant.business,
        user=other_tenant.owner,
        name="outsider",
    )
    text_in("hello")
    assert sorted(d["path"] for d in push_service.received) == ["/send/a", "/send/b"]
    assert (
        mine.read(push_service.received[0])["body"] == staffs.read(push_service.received[1])["body"]
    )


def test_a_device_the_push_service_says_is_gone_is_forgotten_and_email_still_goes(
    device, push_service, text_in, mailoutbox
):
    push_service.status = 410
    text_in("hello")
    assert len(push_service.received) == 1
    assert not PushSubscription.objects.filter(pk=device.subscription.pk).exists()
    assert len(mailoutbox) == 1


def test_a_failing_push_service_does_not_hold_up_or_repeat_the_alert(
    device, push_service, text_in, mailoutbox
):
    push_service.status = 500
    text_in("hello")
    assert len(mailoutbox) == 1
    device.subscription.refresh_from_db()
    assert device.subscription.failures == 1


def test_without_vapid_keys_nothing_is_pushed(push_service, tenant, text_in, settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    make_device(push_service=push_service, business=tenant.business, user=tenant.owner)
    text_in("hello")
    assert push_service.received == []


def test_a_member_who_left_gets_nothing(device, push_service, tenant, text_in):
    from tenants.models import Membership

    Membership.objects.filter(user=tenant.owner, business=tenant.business).delete()
    text_in("hello")
    assert push_service.received == []


def test_the_caller_s_words_never_travel_unencrypted(device, push_service, text_in):
    text_in("my door code is 4321")
    assert b"4321" not in push_service.received[0]["body"]
    assert CALLER not in json.dumps(push_service.received[0]["headers"])


def test_a_pem_private_key_from_the_environment_works_too(device, push_service, text_in, settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    text_in("hello")
    assert len(push_service.received) == 1
    assert device.read(push_service.received[0])["title"].startswith("New message")
