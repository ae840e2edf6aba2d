"""Every endpoint, for the owner, staff of the same business, and an outsider: outsiders get
404 (on the business's URLs and on any URL naming its objects), staff get 403 only on
owner-only changes."""

from __future__ import annotations

import pytest

from callback_form.models import CallbackRequest
from messaging.models import Message
from tests.api.conftest import api_client, business_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant, other_tenant, text_in, missed_call, callback_request):
    """One customer who texted each business, a missed call and a callback request each."""
    conversation = text_in("Can you come Tuesday?")
    missed_call(caller="+12125550111")
    request = callback_request()
    other_conversation = text_in("Hello?", caller="+13125550177", to=other_tenant)
    missed_call(caller="+13125550178", to=other_tenant)
    other_request = callback_request(business=other_tenant.business, phone_number="+13125550179")
    return {
        "conversation": conversation.public_id,
        "request": request.public_id,
        "other_conversation": other_conversation.public_id,
        "other_request": other_request.public_id,
    }


def endpoints(world: dict) -> list[tuple[str, str, dict | None]]:
    conversation, request = world["conversation"], world["request"]
    return [
        ("get", "calls/", None),
        ("get", "conversations/", None),
        ("get", f"conversations/{conversation}/", None),
        ("get", f"conversations/{conversation}/messages/", None),
        ("post", f"conversations/{conversation}/messages/", {"body": "On our way"}),
        ("get", "callback-requests/", None),
        ("post", f"callback-requests/{request}/called-back/", None),
        ("get", "consent-events/", None),
        ("get", "settings/", None),
        ("patch", "settings/", {"ring_timeout_seconds": 25}),
    ]


OWNER_ONLY = {("patch", "settings/")}


def call(client, method: str, url: str, data: dict | None):
    return getattr(client, method)(url, data, format="json")


def test_it_serves_every_endpoint_to_the_owner(tenant, world, owner_api):
    for method, path, data in endpoints(world):
        response = call(owner_api, method, business_url(tenant.business, path), data)
        assert response.status_code in {200, 201}, (method, path, response.content)


def test_it_serves_staff_everything_but_owner_only_changes(tenant, world, staff_api):
    for method, path, data in endpoints(world):
        response = call(staff_api, method, business_url(tenant.business, path), data)
        if (method, path) in OWNER_ONLY:
            assert response.status_code == 403, (method, path)
            assert response.json()["detail"] == "Only an owner of this business can do that."
        else:
            assert response.status_code in {200, 201}, (method, path, response.content)
    tenant.business.refresh_from_db()
    assert tenant.business.ring_timeout_seconds == 20


def test_it_is_a_404_to_an_outsider_on_every_endpoint(tenant, world, outsider_api, outbox):
    for method, path, data in endpoints(world):
        response = call(outsider_api, method, business_url(tenant.business, path), data)
        assert response.status_code == 404, (method, path, response.content)
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()
    assert not CallbackRequest.objects.filter(status="called_back").exists()
    tenant.business.refresh_from_db()
    assert tenant.business.ring_timeout_seconds == 20


def test_it_is_a_404_for_a_business_that_does_not_exist(owner_api):
    assert owner_api.get("/api/v1/businesses/no-such-business/calls/").status_code == 404


def test_it_is_a_404_to_name_another_business_s_objects_under_your_own(
    tenant, world, owner_api, outbox
):
    """The owner of one business uses their own slug with the other business's UUIDs."""
    other_conversation, other_request = world["other_conversation"], world["other_request"]
    attempts = [
        ("get", f"conversations/{other_conversation}/", None),
        ("get", f"conversations/{other_conversation}/messages/", None),
        ("post", f"conversations/{other_conversation}/messages/", {"body": "Hi"}),
        ("post", f"callback-requests/{other_request}/called-back/", None),
    ]
    sent_before = len(outbox)
    for method, path, data in attempts:
        response = call(owner_api, method, business_url(tenant.business, path), data)
        assert response.status_code == 404, (method, path)
    assert len(outbox) == sent_before
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()
    assert CallbackRequest.objects.get(public_id=other_request).status == "new"


def test_it_lists_only_your_businesses_with_your_role(tenant, other_tenant, outsider):
    from tenants.models import Membership

    Membership.objects.create(user=outsider, business=tenant.business, role="staff")
    response = api_client(outsider).get("/api/v1/businesses/")
    assert response.status_code == 200
    listed = {(b["slug"], b["role"]) for b in response.json()["results"]}
    assert listed == {(tenant.business.slug, "staff"), (other_tenant.business.slug, "owner")}
    assert api_client(tenant.staff).get("/api/v1/businesses/").json()["count"] == 1
