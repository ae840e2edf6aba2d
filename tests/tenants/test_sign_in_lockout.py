"""Failed sign-ins lock the account (5) and the address (20) for 15 minutes, on the login
page and the API's token endpoint alike; the person is told when to try again, and a
forged X-Forwarded-For does not start them over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tenants.models import ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
TOKEN_URL = "/api/v1/auth/token/"
LOCKED_15 = "Too many failed sign-ins. Try again in 15 minutes."


def sign_in(client: Client, email: str, password: str, **extra: str):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return client.get("/app/").status_code == 200


def fail(client: Client, email: str, times: int, **extra: str) -> list[int]:
    return [sign_in(client, email, "wrong-guess", **extra).status_code for _ in range(times)]


def age_failures(by: timedelta) -> None:
    """As if the failures so far had happened `by` earlier (instead of waiting)."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - by)


def test_it_locks_an_account_after_five_failed_sign_ins_and_says_for_how_long(client, tenant):
    assert fail(client, tenant.owner.email, 4) == [200] * 4
    fifth = sign_in(client, tenant.owner.email, "wrong-guess")
    assert fifth.status_code == 429
    assert LOCKED_15 in fifth.content.decode()
    assert 14 * 60 < int(fifth["Retry-After"]) <= 15 * 60

    right = sign_in(client, tenant.owner.email, PASSWORD)
    assert right.status_code == 429
    page = right.content.decode()
    assert LOCKED_15 in page and 'name="username"' in page
    assert tenant.owner.email in page  # what they typed is kept
    assert not signed_in(client)


def test_it_counts_the_minutes_down(client, tenant):
    fail(client, tenant.owner.email, 5)
    age_failures(timedelta(minutes=1))
    response = sign_in(client, tenant.owner.email, PASSWORD)
    assert "Too many failed sign-ins. Try again in 14 minutes." in response.content.decode()
    age_failures(timedelta(minutes=13, seconds=30))
    response = sign_in(client, tenant.owner.email, PASSWORD)
    assert "Too many failed sign-ins. Try again in 1 minute." in response.content.decode()


def test_tries_while_locked_do_not_push_the_time_back(client, tenant):
    fail(client, tenant.owner.email, 5)
    age_failures(timedelta(minutes=10))
    fail(client, tenant.owner.email, 3)
    response = sign_in(client, tenant.owner.email, PASSWORD)
    assert "Try again in 5 minutes." in response.content.decode()


def test_the_cool_off_passing_unlocks_the_account(client, tenant):
    fail(client, tenant.owner.email, 5)
    age_failures(timedelta(minutes=15, seconds=1))
    response = sign_in(client, tenant.owner.email, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_lock_holds_whatever_case_the_email_is_typed_in(client, tenant):
    email = tenant.owner.email
    for typed in [email.upper(), email.title(), email, f"  {email}  ", email.upper()]:
        sign_in(client, typed, "wrong-guess")
    assert sign_in(client, email, PASSWORD).status_code == 429


def test_it_locks_the_account_from_every_address_but_not_its_neighbours(tenant):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    fail(attacker, tenant.owner.email, 5)
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(owner, tenant.owner.email, PASSWORD).status_code == 429
    colleague = Client(REMOTE_ADDR="203.0.113.7")
    assert sign_in(colleague, tenant.staff.email, PASSWORD).status_code == 302


def test_signing_in_resets_the_account_count(client, tenant):
    fail(client, tenant.owner.email, 4)
    assert sign_in(client, tenant.owner.email, PASSWORD).status_code == 302
    client.logout()
    assert fail(client, tenant.owner.email, 4) == [200] * 4


def test_signing_into_an_account_of_ones_own_does_not_reset_the_address_count(tenant):
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    assert (
        fail(guesser, "victim1@example.com", 4) + fail(guesser, "victim2@example.com", 4)
        == [200] * 8
    )
    for i in range(11):
        sign_in(guesser, f"victim-{i}@example.com", "x")
    assert sign_in(guesser, tenant.staff.email, PASSWORD).status_code == 302  # 19 so far
    guesser.logout()
    response = sign_in(guesser, "victim3@example.com", "x")
    assert response.status_code == 429
    assert LOCKED_15 in response.content.decode()


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_x_forwarded_for_does_not_escape_the_address_lock(settings, tenant, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    real = "203.0.113.7"

    def via(address: str, forged: str) -> dict[str, str]:
        # With no proxy, the socket's peer is the client; with one, our proxy is the peer
        # and appends the address it saw to whatever the client sent.
        if proxies == 0:
            return {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": forged}
        return {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": f"{forged}, {address}"}

    guesser = Client()
    codes = [
        sign_in(guesser, f"guess{i}@example.com", "x", **via(real, f"192.0.2.{i}")).status_code
        for i in range(20)
    ]
    assert codes == [200] * 19 + [429]
    response = sign_in(guesser, tenant.owner.email, PASSWORD, **via(real, "192.0.2.250"))
    assert response.status_code == 429
    assert not signed_in(guesser)
    # Someone at another address signs in as usual.
    other = Client()
    assert (
        sign_in(other, tenant.owner.email, PASSWORD, **via("198.51.100.9", real)).status_code == 302
    )


# --- the API's token endpoint ------------------------------------------------------------------


def token(email: str, password: str, **extra: str):
    return APIClient().post(
        TOKEN_URL, {"email": email, "password": password}, format="json", **extra
    )


def test_failed_token_requests_lock_the_account_everywhere(client, tenant):
    codes = [token(tenant.owner.email, "guess").status_code for _ in range(4)]
    assert codes == [400] * 4
    fifth = token(tenant.owner.email, "guess")
    assert fifth.status_code == 429
    assert fifth.json() == {"detail": LOCKED_15}
    assert 14 * 60 < int(fifth["Retry-After"]) <= 15 * 60
    assert sign_in(client, tenant.owner.email, PASSWORD).status_code == 429


def test_a_lock_from_the_login_page_refuses_a_token_for_the_right_password(client, tenant):
    fail(client, tenant.owner.email, 5)
    age_failures(timedelta(minutes=5))
    response = token(tenant.owner.email, PASSWORD)
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed sign-ins. Try again in 10 minutes."}
    assert 9 * 60 < int(response["Retry-After"]) <= 10 * 60
    assert not ApiToken.objects.exists()

    age_failures(timedelta(minutes=10, seconds=1))
    assert token(tenant.owner.email, PASSWORD).status_code == 201


def test_the_token_endpoint_finds_the_address_as_the_login_page_does(client, tenant):
    for i in range(20):
        sign_in(client, f"guess{i}@example.com", "x", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    response = token(tenant.owner.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429
    assert token(tenant.owner.email, PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 201


# --- a password reset --------------------------------------------------------------------------


def test_a_password_reset_does_not_lift_the_lock_and_says_when_the_new_password_works(
    client, tenant
):
    fail(Client(REMOTE_ADDR="203.0.113.7"), tenant.owner.email, 5)
    client.post(reverse("password_reset"), {"email": tenant.owner.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    form_url = client.get(link[link.index("/accounts/") :].strip(), follow=True).redirect_chain[-1][
        0
    ]
    done = client.post(
        form_url,
        {"new_password1": "new-pass-4242-x", "new_password2": "new-pass-4242-x"},
        follow=True,
    )
    assert "your new password works in 15 minutes" in done.content.decode()
    assert sign_in(client, tenant.owner.email, "new-pass-4242-x").status_code == 429
    age_failures(timedelta(minutes=15, seconds=1))
    assert sign_in(client, tenant.owner.email, "new-pass-4242-x").status_code == 302


def test_a_reset_request_is_not_a_failed_sign_in(client, tenant):
    for _ in range(6):
        client.post(reverse("password_reset"), {"email": tenant.owner.email})
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, tenant.owner.email, PASSWORD).status_code == 302
