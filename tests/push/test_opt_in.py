"""A member opts a device in and out of notifications from the dashboard."""

from __future__ import annotations

import json

import pytest

from messaging.push.models import PushSubscription

pytestmark = pytest.mark.django_db

SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/device-one",
    "keys": {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
}


@pytest.fixture
def vapid(settings):
    settings.VAPID_PUBLIC_KEY = "BPublicKeyForTheTestsOnly"
    settings.VAPID_PRIVATE_KEY = "private-key-for-the-tests-only"
    return settings


def subscribe(client, body=SUBSCRIPTION):
    return client.post(
        "/app/notifications/subscribe/", json.dumps(body), content_type="application/json"
    )


def test_it_subscribes_this_device_for_this_member_and_business(vapid, owner_client, tenant):
    assert subscribe(owner_client).status_code == 201
    assert subscribe(owner_client).status_code == 201  # the same device again: still one row
    [row] = PushSubscription.objects.all()
    assert (row.user, row.business, row.endpoint) == (
        tenant.owner,
        tenant.business,
        SUBSCRIPTION["endpoint"],
    )
    page = owner_client.get("/app/notifications/").content.decode()
    assert 'data-vapid-key="BPublicKeyForTheTestsOnly"' in page
    assert SUBSCRIPTION["endpoint"] not in page  # the endpoint is a secret of the device


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://push.example.com/x", "keys": SUBSCRIPTION["keys"]},
        {"endpoint": SUBSCRIPTION["endpoint"]},
        {"endpoint": SUBSCRIPTION["endpoint"], "keys": {"p256dh": "", "auth": ""}},
        ["not", "an", "object"],
    ],
    ids=["not-https", "no-keys", "empty-keys", "not-an-object"],
)
def test_it_refuses_what_is_not_a_push_subscription(vapid, owner_client, body):
    assert subscribe(owner_client, body).status_code == 400
    assert not PushSubscription.objects.exists()


def test_without_vapid_keys_the_page_says_notifications_are_not_set_up(owner_client, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    page = owner_client.get("/app/notifications/").content.decode()
    assert "not set up on this server" in page and "data-push" not in page
    assert subscribe(owner_client).status_code == 409


def test_the_device_turns_itself_off(vapid, owner_client):
    subscribe(owner_client)
    response = owner_client.post(
        "/app/notifications/unsubscribe/",
        json.dumps({"endpoint": SUBSCRIPTION["endpoint"]}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert not PushSubscription.objects.exists()


def test_a_member_removes_a_device_from_the_list(vapid, owner_client):
    subscribe(owner_client)
    row = PushSubscription.objects.get()
    owner_client.post("/app/notifications/unsubscribe/", {"device": row.pk})
    assert not PushSubscription.objects.exists()


def test_nobody_else_can_remove_a_member_s_device(
    vapid, owner_client, staff_client, outsider_client
):
    subscribe(owner_client)
    row = PushSubscription.objects.get()
    staff_client.post("/app/notifications/unsubscribe/", {"device": row.pk})
    outsider_client.post("/app/notifications/unsubscribe/", {"device": row.pk})
    outsider_client.post(
        "/app/notifications/unsubscribe/",
        json.dumps({"endpoint": SUBSCRIPTION["endpoint"]}),
        content_type="application/json",
    )
    assert PushSubscription.objects.filter(pk=row.pk).exists()
    assert "fcm" not in outsider_client.get("/app/notifications/").content.decode()


def test_signed_out_nothing_is_subscribed(vapid, client):
    assert subscribe(client).status_code == 302
    assert not PushSubscription.objects.exists()


def test_the_service_worker_may_control_the_dashboard_and_is_never_cached(client):
    response = client.get("/app/notifications/sw.js")
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/app/"
    assert "no-cache" in response["Cache-Control"]
    assert b"showNotification" in response.content


def test_every_page_links_the_manifest_and_the_icon(owner_client):
    from pathlib import Path

    from django.contrib.staticfiles import finders

    page = owner_client.get("/app/inbox/").content.decode()
    assert 'rel="manifest" href="/static/manifest.webmanifest"' in page
    assert 'rel="icon" href="/static/icons/favicon.svg"' in page
    assert 'data-service-worker="/app/notifications/sw.js"' in page
    manifest = json.loads(Path(finders.find("manifest.webmanifest")).read_text())
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/app/inbox/"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        found = finders.find(icon["src"].removeprefix("/static/"))
        assert found, icon["src"]
        if icon["type"] == "image/png":
            assert Path(found).read_bytes().startswith(b"\x89PNG")
