"""/app/team/: owners invite, change and remove members; staff only look; a business never
touches another's members; the last owner stays."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from tenants.models import Invitation, Membership, User
from tests.conftest import PASSWORD, Tenant, client_for
from tests.factories import MembershipFactory, UserFactory

TEAM = reverse("dashboard:team")
INVITE = reverse("dashboard:team_invite")


def role_url(membership: Membership) -> str:
    return reverse("dashboard:team_role", args=[membership.public_id])


def remove_url(membership: Membership) -> str:
    return reverse("dashboard:team_remove", args=[membership.public_id])


def member(tenant: Tenant, user: User) -> Membership:
    return Membership.objects.get(business=tenant.business, user=user)


def team_state(tenant: Tenant) -> list[tuple[str, str]]:
    return sorted(
        Membership.objects.filter(business=tenant.business).values_list("user__email", "role")
    )


def test_it_lists_the_team_with_controls_for_an_owner(owner_client, tenant):
    page = owner_client.get(TEAM).content.decode()
    assert tenant.owner.email in page
    assert tenant.staff.email in page
    assert INVITE in page
    assert remove_url(member(tenant, tenant.staff)) in page
    assert role_url(member(tenant, tenant.staff)) in page


def test_staff_see_the_team_but_no_controls(staff_client, tenant):
    response = staff_client.get(TEAM)
    assert response.status_code == 200
    page = response.content.decode()
    assert tenant.owner.email in page
    assert tenant.staff.email in page
    assert "Only an owner of Acme Plumbing can invite" in page
    assert INVITE not in page
    assert remove_url(member(tenant, tenant.staff)) not in page
    assert role_url(member(tenant, tenant.owner)) not in page


def test_an_outsider_sees_only_their_own_team(outsider_client, tenant, other_tenant):
    page = outsider_client.get(TEAM).content.decode()
    assert other_tenant.staff.email in page
    assert tenant.owner.email not in page
    assert tenant.staff.email not in page


def test_the_team_page_requires_login(client, tenant):
    response = client.get(TEAM)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- invite ----------------------------------------------------------------------------------


def test_it_invites_a_new_person_who_joins_by_choosing_a_password_from_the_email(
    owner_client, tenant, client
):
    response = owner_client.post(INVITE, {"email": " Sam@Example.com ", "role": "staff"})
    assert response.status_code == 302
    user = User.objects.get(email="sam@example.com")
    assert not user.has_usable_password()
    # Not a member until they accept, by choosing a password.
    assert not Membership.objects.filter(user=user).exists()
    page = owner_client.get(TEAM).content.decode()
    assert "We emailed sam@example.com a link to choose a password and join" in page
    assert "Waiting for an answer" in page

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.com"]
    assert message.subject == "You're invited to Acme Plumbing on Lasso"
    assert f"{tenant.owner.email} invited you to join Acme Plumbing on Lasso as staff" in (
        message.body
    )
    link = next(line for line in message.body.splitlines() if "/accounts/invitation/" in line)
    assert link.startswith("http://testserver/accounts/invitation/")

    response = client.get(link.removeprefix("http://testserver"), follow=True)
    assert "invited you to <strong>Acme Plumbing</strong> as staff" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "a-brand-new-pass-42", "new_password2": "a-brand-new-pass-42"},
        follow=True,
    )
    assert "Your password is set and you joined Acme Plumbing. Sign in below." in (
        response.content.decode()
    )
    assert member(tenant, user).role == Membership.Role.STAFF
    signed_in = client.post(
        reverse("login"), {"username": "sam@example.com", "password": "a-brand-new-pass-42"}
    )
    assert signed_in.status_code == 302
    assert b"Acme Plumbing" in client.get("/app/").content


def test_it_invites_an_owner(owner_client, tenant, client):
    owner_client.post(INVITE, {"email": "pat@example.com", "role": "owner"})
    link = next(
        line for line in mail.outbox[0].body.splitlines() if "/accounts/invitation/" in line
    )
    form_url = client.get(link.removeprefix("http://testserver"), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "pat-pass-4242-x", "new_password2": "pat-pass-4242-x"})
    assert member(tenant, User.objects.get(email="pat@example.com")).is_owner


def test_an_existing_user_is_invited_not_added(owner_client, tenant, other_tenant):
    person = other_tenant.staff
    users = User.objects.count()
    response = owner_client.post(INVITE, {"email": person.email.upper(), "role": "staff"})
    assert response.status_code == 302
    assert User.objects.count() == users
    assert not Membership.objects.filter(business=tenant.business, user=person).exists()
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "sign in and accept the invitation here:" in body
    assert "http://testserver/app/invitations/" in body
    assert "/accounts/" not in body  # no password to choose: they have one
    page = owner_client.get(TEAM).content.decode()
    assert "they join Acme Plumbing when they accept it" in page


def test_inviting_again_someone_who_never_chose_a_password_resends_the_link(owner_client, tenant):
    owner_client.post(INVITE, {"email": "sam@example.com", "role": "staff"})
    response = owner_client.post(INVITE, {"email": "sam@example.com", "role": "owner"})
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert "/accounts/invitation/" in mail.outbox[1].body
    assert "the invitation to Acme Plumbing again" in owner_client.get(TEAM).content.decode()
    invitations = Invitation.objects.filter(email="sam@example.com")
    # Resending is not a way to change a role.
    assert [i.role for i in invitations] == ["staff"]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter their email address, e.g. sam@example.com."),
        ("sam@", "That is not an email address; e.g. sam@example.com."),
        ("sam at example.com", "That is not an email address; e.g. sam@example.com."),
    ],
)
def test_it_refuses_a_bad_email_keeping_what_was_typed(owner_client, tenant, email, message):
    users, before = User.objects.count(), team_state(tenant)
    response = owner_client.post(INVITE, {"email": email, "role": "owner"})
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    if email:
        assert f'value="{email}"' in page
    assert '<option value="owner" selected>' in page
    assert User.objects.count() == users
    assert team_state(tenant) == before
    assert mail.outbox == []


def test_it_refuses_to_invite_a_member_twice(owner_client, tenant):
    before = team_state(tenant)
    response = owner_client.post(INVITE, {"email": tenant.staff.email, "role": "owner"})
    assert response.status_code == 200
    assert (
        f"{tenant.staff.email} is already a member of Acme Plumbing." in response.content.decode()
    )
    assert team_state(tenant) == before
    assert mail.outbox == []


def test_it_refuses_a_role_that_does_not_exist(owner_client, tenant):
    response = owner_client.post(INVITE, {"email": "sam@example.com", "role": "admin"})
    assert "Choose Owner or Staff." in response.content.decode()
    assert not User.objects.filter(email="sam@example.com").exists()


# --- roles and removal -----------------------------------------------------------------------


def test_it_makes_staff_an_owner_and_back(owner_client, tenant):
    staff = member(tenant, tenant.staff)
    assert owner_client.post(role_url(staff), {"role": "owner"}).status_code == 302
    staff.refresh_from_db()
    assert staff.is_owner
    assert owner_client.post(role_url(staff), {"role": "staff"}).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_owner


def test_an_owner_may_step_down_when_another_owner_remains(owner_client, tenant):
    MembershipFactory(business=tenant.business, role=Membership.Role.OWNER)
    me = member(tenant, tenant.owner)
    assert owner_client.post(role_url(me), {"role": "staff"}).status_code == 302
    me.refresh_from_db()
    assert me.role == Membership.Role.STAFF
    # Now staff: the next change is refused.
    assert owner_client.post(role_url(me), {"role": "owner"}).status_code == 403


def test_the_last_owner_cannot_be_made_staff(owner_client, tenant):
    before = team_state(tenant)
    response = owner_client.post(role_url(member(tenant, tenant.owner)), {"role": "staff"})
    assert response.status_code == 200
    assert (
        f"{tenant.owner.email} is the only owner of Acme Plumbing and cannot be made staff. "
        "Make someone else an owner first."
    ) in response.content.decode()
    assert team_state(tenant) == before


def test_the_last_owner_cannot_be_removed(owner_client, tenant):
    before = team_state(tenant)
    response = owner_client.post(remove_url(member(tenant, tenant.owner)))
    assert response.status_code == 200
    assert "is the only owner of Acme Plumbing and cannot be removed" in response.content.decode()
    assert team_state(tenant) == before


def test_it_refuses_an_unknown_role(owner_client, tenant):
    before = team_state(tenant)
    response = owner_client.post(role_url(member(tenant, tenant.staff)), {"role": "boss"})
    assert "Choose Owner or Staff." in response.content.decode()
    assert team_state(tenant) == before


def test_it_removes_a_member_but_keeps_their_user(owner_client, tenant):
    response = owner_client.post(remove_url(member(tenant, tenant.staff)), follow=True)
    assert f"{tenant.staff.email} was removed from Acme Plumbing." in response.content.decode()
    assert not Membership.objects.filter(user=tenant.staff).exists()
    assert User.objects.filter(pk=tenant.staff.pk).exists()
    # The removed person's session no longer reaches the business.
    assert client_for(tenant.staff).get("/app/").status_code == 403


def test_an_owner_may_remove_another_owner(owner_client, tenant):
    other_owner = MembershipFactory(business=tenant.business, role=Membership.Role.OWNER)
    assert owner_client.post(remove_url(other_owner)).status_code == 302
    assert not Membership.objects.filter(pk=other_owner.pk).exists()


def test_an_owner_who_removes_themselves_leaves_the_business(owner_client, tenant):
    MembershipFactory(business=tenant.business, role=Membership.Role.OWNER)
    response = owner_client.post(remove_url(member(tenant, tenant.owner)))
    assert response.status_code == 302
    assert owner_client.get(TEAM).status_code == 403


# --- who may ---------------------------------------------------------------------------------


def test_staff_get_403_on_every_team_change_and_change_nothing(staff_client, tenant):
    before, users = team_state(tenant), User.objects.count()
    owner, staff = member(tenant, tenant.owner), member(tenant, tenant.staff)
    for url, data in [
        (INVITE, {"email": "sam@example.com", "role": "staff"}),
        (role_url(staff), {"role": "owner"}),
        (role_url(owner), {"role": "staff"}),
        (remove_url(owner), {}),
        (remove_url(staff), {}),
    ]:
        assert staff_client.post(url, data).status_code == 403, url
    assert team_state(tenant) == before
    assert User.objects.count() == users
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def test_an_outsider_gets_404_on_the_member_ids_of_another_business(
    outsider_client, tenant, other_tenant
):
    before = team_state(tenant)
    for membership in Membership.objects.filter(business=tenant.business):
        assert outsider_client.post(role_url(membership), {"role": "staff"}).status_code == 404
        assert outsider_client.post(role_url(membership), {"role": "boss"}).status_code == 404
        assert outsider_client.post(remove_url(membership)).status_code == 404
    assert team_state(tenant) == before


def test_an_owner_cannot_touch_another_business_members_by_id(owner_client, other_tenant):
    before = team_state(other_tenant)
    theirs = member(other_tenant, other_tenant.staff)
    assert owner_client.post(role_url(theirs), {"role": "owner"}).status_code == 404
    assert owner_client.post(remove_url(theirs)).status_code == 404
    assert (
        owner_client.post(
            reverse("dashboard:team_remove", args=["00000000-0000-4000-8000-000000000000"])
        ).status_code
        == 404
    )
    assert team_state(other_tenant) == before


def test_team_changes_answer_only_post(owner_client, tenant):
    staff = member(tenant, tenant.staff)
    for url in (INVITE, role_url(staff), remove_url(staff)):
        assert owner_client.get(url).status_code == 405


def test_a_person_in_two_businesses_is_removed_from_one_only(owner_client, tenant, other_tenant):
    person = UserFactory()
    here = MembershipFactory(user=person, business=tenant.business, role="staff")
    MembershipFactory(user=person, business=other_tenant.business, role="staff")
    owner_client.post(remove_url(here))
    assert list(Membership.objects.filter(user=person).values_list("business", flat=True)) == [
        other_tenant.business.pk
    ]
