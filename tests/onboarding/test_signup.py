"""Sign-up: a public page, an account only once the emailed link is confirmed, no second
account for a mailbox that has one (a sign-in link instead), and a rate limit."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tenants.models import Business, Membership, Onboarding, Signup, User
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "business_name": "Bright Sparks Electric",
    "full_name": "Dana Reyes",
    "email": "dana@brightsparks.example",
    "password": "lantern-orchid-basalt",
}


@pytest.fixture
def sign_up(django_capture_on_commit_callbacks):
    def post(client: Client | None = None, **fields: str):
        client = client or Client()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/signup/", {**GOOD, **fields})

    return post


def link_in(message) -> str:
    found = re.search(r"http://testserver(/signup/verify/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_it_makes_the_account_only_when_the_emailed_link_is_confirmed(sign_up, mailoutbox):
    response = sign_up()
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    assert not User.objects.filter(email=GOOD["email"]).exists()
    [email] = mailoutbox
    assert email.to == [GOOD["email"]]
    path = link_in(email)

    client = Client()
    page = client.get(path)  # a mail scanner opening the link makes nothing
    assert page.status_code == 200 and b"Confirm" in page.content
    assert not User.objects.filter(email=GOOD["email"]).exists()

    done = client.post(path)
    assert done.status_code == 302 and done["Location"] == "/app/onboarding/"
    user = User.objects.get(email=GOOD["email"])
    assert user.full_name == "Dana Reyes" and user.check_password(GOOD["password"])
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert membership.business.name == "Bright Sparks Electric"
    assert Onboarding.objects.get(business=membership.business).step == "time-zone"
    # Signed in, straight into the wizard.
    assert client.get("/app/onboarding/time-zone/").status_code == 200

    again = Client().post(path)  # the link works once
    assert again.status_code == 404
    assert Business.objects.filter(name="Bright Sparks Electric").count() == 1


def test_it_refuses_a_forged_or_altered_link(db):
    assert Client().get("/signup/verify/not-a-real-token/").status_code == 404


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("dana@brightsparks.example", "DANA@BrightSparks.example"),
        ("dana@brightsparks.example", "dana+shop@brightsparks.example"),
        ("dana.reyes@gmail.com", "DanaReyes+lasso@gmail.com"),
        ("danareyes@gmail.com", "d.a.n.a.reyes@googlemail.com"),
    ],
)
def test_an_address_that_has_an_account_gets_a_sign_in_link_not_a_second_account(
    sign_up, mailoutbox, existing, typed
):
    UserFactory(email=existing)
    response = sign_up(email=typed)
    # The same page as for a new address: nobody learns who has an account.
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    [email] = mailoutbox
    assert email.to == [existing]  # the account's own address, never the typed one
    assert "already have a Lasso account" in email.body
    assert "http://testserver/accounts/login/" in email.body
    assert "/signup/verify/" not in email.body
    assert User.objects.count() == 1
    assert not Signup.objects.exists()


def test_a_different_mailbox_at_the_same_domain_is_a_new_account(sign_up, mailoutbox):
    UserFactory(email="dana.reyes@brightsparks.example")  # dots count outside Gmail
    sign_up(email="danareyes@brightsparks.example")
    [email] = mailoutbox
    assert "/signup/verify/" in email.body


def test_an_account_made_after_the_sign_up_stops_the_link(sign_up, mailoutbox):
    sign_up()
    path = link_in(mailoutbox[0])
    UserFactory(email="Dana+other@brightsparks.example")
    response = Client().post(path)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert User.objects.count() == 1


def test_it_rate_limits_sign_ups_per_mailbox_and_per_address(sign_up, mailoutbox):
    for _ in range(3):
        assert sign_up(email="dana+x@brightsparks.example").status_code == 302
    refused = sign_up(email="DANA@brightsparks.example")
    assert refused.status_code == 429
    assert b"Too many sign-ups" in refused.content
    assert len(mailoutbox) == 3
    # Another mailbox from the same address goes on until the address's own limit.
    statuses = [sign_up(email=f"person{n}@example.org").status_code for n in range(7)]
    assert statuses == [302] * 6 + [429]


def test_it_refuses_a_weak_password_and_a_business_name_with_a_link(sign_up, mailoutbox):
    weak = sign_up(password="password")
    assert weak.status_code == 200 and b"too common" in weak.content
    linked = sign_up(business_name="Cheap deals at evil.example.com")
    assert linked.status_code == 200
    assert not mailoutbox and not Signup.objects.exists()


def test_a_bot_filling_the_hidden_field_gets_nothing(sign_up, mailoutbox):
    assert sign_up(website="http://spam.example").status_code == 302
    assert not mailoutbox and not Signup.objects.exists()


def test_a_signed_in_person_is_sent_to_the_dashboard(owner_client):
    assert owner_client.get("/signup/")["Location"] == "/app/"


def test_the_existing_account_can_still_sign_in(sign_up, tenant):
    sign_up(email=tenant.owner.email.upper())
    response = Client().post(
        "/accounts/login/", {"username": tenant.owner.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/app/"
