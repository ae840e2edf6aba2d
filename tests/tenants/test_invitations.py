"""Nobody joins a business from the dashboard without accepting: an existing user accepts
or declines on their Invitations page; only the invited account sees or answers an
invitation; owners withdraw their own business's only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tenants.dashboard import SESSION_KEY
from tenants.models import Invitation, Membership
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INVITE = reverse("dashboard:team_invite")
INVITATIONS = reverse("dashboard:invitations")
TEAM = reverse("dashboard:team")


def accept_url(invitation: Invitation) -> str:
    return reverse("dashboard:invitation_accept", args=[invitation.public_id])


def decline_url(invitation: Invitation) -> str:
    return reverse("dashboard:invitation_decline", args=[invitation.public_id])


def withdraw_url(invitation: Invitation) -> str:
    return reverse("dashboard:invitation_withdraw", args=[invitation.public_id])


@pytest.fixture
def person():
    """Someone who already uses Lasso but is in no business."""
    return UserFactory(email="robin@example.com")


@pytest.fixture
def invited(owner_client, tenant, person) -> Invitation:
    owner_client.post(INVITE, {"email": "Robin@Example.com", "role": "staff"})
    return Invitation.objects.get(business=tenant.business)


def joined(tenant, user) -> bool:
    return Membership.objects.filter(business=tenant.business, user=user).exists()


def test_an_existing_user_sees_the_invitation_and_joins_by_accepting(tenant, person, invited):
    assert not joined(tenant, person)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["robin@example.com"]
    client = client_for(person)
    # With no business yet, the dashboard points them to their invitations.
    assert INVITATIONS in client.get("/app/").content.decode()
    page = client.get(INVITATIONS).content.decode()
    assert "<strong>Acme Plumbing</strong> invited you as staff" in page
    assert accept_url(invited) in page and decline_url(invited) in page

    response = client.post(accept_url(invited), follow=True)
    assert "You joined Acme Plumbing as staff." in response.content.decode()
    assert Membership.objects.get(business=tenant.business, user=person).role == "staff"
    assert client.session[SESSION_KEY] == tenant.business.slug
    assert client.get(INVITATIONS).content.decode().count("Accept") == 0


def test_a_member_of_another_business_is_shown_the_invitation_on_the_team_page(
    owner_client, tenant, other_tenant
):
    owner_client.post(INVITE, {"email": other_tenant.staff.email, "role": "owner"})
    page = client_for(other_tenant.staff).get(TEAM).content.decode()
    assert "You have 1 invitation to another business." in page
    assert not joined(tenant, other_tenant.staff)


def test_declining_joins_nothing(tenant, person, invited):
    client = client_for(person)
    response = client.post(decline_url(invited), follow=True)
    assert "You declined the invitation to Acme Plumbing." in response.content.decode()
    assert not joined(tenant, person)
    assert client.post(accept_url(invited)).status_code == 404


def test_nobody_else_may_answer_an_invitation(tenant, other_tenant, invited, person):
    for user in [other_tenant.owner, tenant.owner, tenant.staff, UserFactory()]:
        client = client_for(user)
        assert invited.public_id.hex not in client.get(INVITATIONS).content.decode()
        assert client.post(accept_url(invited)).status_code == 404
        assert client.post(decline_url(invited)).status_code == 404
    assert (
        not Membership.objects.filter(business=tenant.business)
        .exclude(user__in=[tenant.owner, tenant.staff])
        .exists()
    )
    invited.refresh_from_db()
    assert invited.accepted_at is None and invited.declined_at is None


def test_answering_needs_a_signed_in_post(client, invited, person):
    response = client.post(accept_url(invited))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client_for(person).get(accept_url(invited)).status_code == 405


def test_an_expired_invitation_cannot_be_accepted(tenant, person, invited):
    Invitation.objects.filter(pk=invited.pk).update(expires_at=timezone.now() - timedelta(1))
    client = client_for(person)
    assert "No invitations are waiting" in client.get(INVITATIONS).content.decode()
    assert client.post(accept_url(invited)).status_code == 404
    assert not joined(tenant, person)


def test_inviting_again_renews_an_expired_invitation(owner_client, tenant, person, invited):
    Invitation.objects.filter(pk=invited.pk).update(expires_at=timezone.now() - timedelta(1))
    owner_client.post(INVITE, {"email": person.email, "role": "owner"})
    assert len(mail.outbox) == 2
    assert client_for(person).post(accept_url(invited)).status_code == 302
    assert Membership.objects.get(business=tenant.business, user=person).role == "staff"


def test_an_owner_withdraws_an_invitation(owner_client, tenant, person, invited):
    assert withdraw_url(invited) in owner_client.get(TEAM).content.decode()
    response = owner_client.post(withdraw_url(invited), follow=True)
    assert "The invitation to robin@example.com was withdrawn." in response.content.decode()
    assert client_for(person).post(accept_url(invited)).status_code == 404
    assert not joined(tenant, person)


def test_staff_cannot_withdraw_and_see_no_invitations(staff_client, invited):
    assert "robin@example.com" not in staff_client.get(TEAM).content.decode()
    assert staff_client.post(withdraw_url(invited)).status_code == 403
    assert Invitation.objects.filter(pk=invited.pk).exists()


def test_an_outsider_gets_404_withdrawing_another_business_invitation(outsider_client, invited):
    assert outsider_client.post(withdraw_url(invited)).status_code == 404
    assert Invitation.objects.filter(pk=invited.pk).exists()


def test_an_accepted_invitation_cannot_be_withdrawn_or_accepted_again(
    owner_client, tenant, person, invited
):
    client = client_for(person)
    client.post(accept_url(invited))
    assert owner_client.post(withdraw_url(invited)).status_code == 404
    assert client.post(accept_url(invited)).status_code == 404
    assert Membership.objects.filter(business=tenant.business, user=person).count() == 1


def test_the_newcomer_link_expires_and_joins_nothing_once_used(owner_client, tenant, client):
    owner_client.post(INVITE, {"email": "sam@example.com", "role": "staff"})
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/accounts/invitation/" in line)
    path = link.removeprefix("http://testserver")
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "sam-pass-4242-x", "new_password2": "sam-pass-4242-x"})
    assert joined(tenant, Membership.objects.get(user__email="sam@example.com").user)
    again = client.get(path, follow=True).content.decode()
    assert "This link has expired" in again


def test_the_operator_command_still_adds_the_first_owner_directly(db):
    from django.core.management import call_command

    call_command(
        "create_business",
        "--name",
        "Bob's Boilers",
        "--number",
        "+14155550100",
        "--forward-to",
        "+13125550100",
        "--owner-email",
        "bob@example.com",
        "--password",
        "bob-pass-4242-x",
    )
    assert Membership.objects.filter(user__email="bob@example.com", role="owner").exists()
    assert not Invitation.objects.exists()
