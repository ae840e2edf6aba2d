"""A person in two businesses sees, and changes, only the active one; the session holds it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenants.dashboard import SESSION_KEY
from tenants.models import BlockedNumber, Membership
from tests.conftest import Tenant, client_for, make_tenant

SETTINGS = reverse("dashboard:settings")
PREVIEW = reverse("dashboard:settings_preview")
TEAM = reverse("dashboard:team")
SWITCH = reverse("dashboard:switch")


@pytest.fixture
def both(tenant: Tenant, other_tenant: Tenant):
    """The owner of Acme Plumbing is also an owner of Rival Heating."""
    Membership.objects.create(
        user=tenant.owner, business=other_tenant.business, role=Membership.Role.OWNER
    )
    tenant.business.qualifying_question = "Which tap is dripping?"
    tenant.business.save()
    other_tenant.business.qualifying_question = "Which radiator is cold?"
    other_tenant.business.save()
    BlockedNumber.objects.create(business=tenant.business, phone_number="+12125550101")
    BlockedNumber.objects.create(business=other_tenant.business, phone_number="+12125550202")
    return client_for(tenant.owner)


@pytest.fixture
def make_third_business(db) -> Tenant:
    return make_tenant(name="Third Roofing")


def switch(client, tenant: Tenant) -> None:
    response = client.post(SWITCH, {"business": tenant.business.slug})
    assert response.status_code == 302


def test_it_offers_the_switcher_only_to_people_in_several_businesses(both, staff_client):
    assert 'name="business"' in both.get("/app/").content.decode()
    assert 'name="business"' not in staff_client.get("/app/").content.decode()


def test_each_page_shows_only_the_active_business(both, tenant, other_tenant):
    pages = {
        "/app/": [tenant.number.phone_number.as_national],  # the owner's own country
        SETTINGS: ["Which tap is dripping?", "+12125550101", str(tenant.number.forward_to)],
        TEAM: [tenant.staff.email],
    }
    theirs = {
        "/app/": [other_tenant.number.phone_number.as_national],
        SETTINGS: ["Which radiator is cold?", "+12125550202", str(other_tenant.number.forward_to)],
        TEAM: [other_tenant.staff.email],
    }
    for active, hidden in ((pages, theirs), (theirs, pages)):
        for url in pages:
            page = both.get(url).content.decode()
            for text in active[url]:
                assert text in page, (url, text)
            for text in hidden[url]:
                assert text not in page, (url, text)
        switch(both, other_tenant)


def test_the_preview_uses_the_active_business_name(both, other_tenant):
    switch(both, other_tenant)
    page = both.get(PREVIEW, {"qualifying_question": "When can we come?"}).content.decode()
    assert "this is Rival Heating. When can we come?" in page


def test_a_change_goes_to_the_active_business_only(both, tenant, other_tenant):
    switch(both, other_tenant)
    both.post(reverse("dashboard:block_number"), {"phone_number": "+12125550303"})
    assert BlockedNumber.objects.filter(business=other_tenant.business, phone_number="+12125550303")
    assert not BlockedNumber.objects.filter(business=tenant.business, phone_number="+12125550303")
    # Unblocking a number of the inactive business does nothing to it.
    both.post(reverse("dashboard:unblock_number"), {"phone_number": "+12125550101"})
    assert BlockedNumber.objects.filter(business=tenant.business, phone_number="+12125550101")


def test_members_of_the_inactive_business_are_404_even_to_its_owner(both, tenant, other_tenant):
    acme_staff = Membership.objects.get(business=tenant.business, user=tenant.staff)
    switch(both, other_tenant)
    url = reverse("dashboard:team_remove", args=[acme_staff.public_id])
    assert both.post(url).status_code == 404
    switch(both, tenant)
    assert both.post(url).status_code == 302
    assert not Membership.objects.filter(pk=acme_staff.pk).exists()


def test_the_role_is_the_one_held_in_the_active_business(tenant, other_tenant):
    Membership.objects.create(
        user=tenant.owner, business=other_tenant.business, role=Membership.Role.STAFF
    )
    client = client_for(tenant.owner)
    assert client.get(SETTINGS).status_code == 200
    switch(client, other_tenant)
    assert client.get(SETTINGS).status_code == 403
    assert (
        client.post(reverse("dashboard:team_invite"), {"email": "x@example.com"}).status_code == 403
    )
    team = client.get(TEAM)
    assert team.status_code == 200
    assert reverse("dashboard:team_invite") not in team.content.decode()
    switch(client, tenant)
    assert client.get(SETTINGS).status_code == 200


def test_the_choice_survives_between_requests_and_is_per_session(both, tenant, other_tenant):
    switch(both, other_tenant)
    assert both.session[SESSION_KEY] == other_tenant.business.slug
    for _ in range(2):
        assert "Which radiator is cold?" in both.get(SETTINGS).content.decode()
    # Another session of the same person starts on their first business.
    assert "Which tap is dripping?" in client_for(tenant.owner).get(SETTINGS).content.decode()


def test_switching_to_a_business_you_are_not_in_is_404_and_keeps_the_active_one(
    both, tenant, make_third_business
):
    response = both.post(SWITCH, {"business": make_third_business.business.slug})
    assert response.status_code == 404
    assert "Which tap is dripping?" in both.get(SETTINGS).content.decode()


def test_losing_the_active_business_falls_back_to_another(both, tenant, other_tenant):
    switch(both, other_tenant)
    Membership.objects.filter(user=tenant.owner, business=other_tenant.business).delete()
    page = both.get(SETTINGS).content.decode()
    assert "Which tap is dripping?" in page
    assert "Which radiator is cold?" not in page
    assert both.session[SESSION_KEY] == tenant.business.slug
