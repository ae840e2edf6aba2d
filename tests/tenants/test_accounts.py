"""Passwords: a reset or a change signs the person out everywhere and revokes their API
tokens; asking for a reset is rate-limited, answers the same way (doing the same work) for
every address, and mails a link built from PUBLIC_BASE_URL whatever Host the request named."""

from __future__ import annotations

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tenants import services, tasks
from tenants.accounts import rate_limit
from tenants.accounts.services import revoke_credentials
from tenants.models import ApiToken
from tenants.tokens import create_token, revoke_token
from tests.conftest import PASSWORD, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = reverse("password_reset")
SENT = reverse("password_reset_done")
CHANGE = reverse("password_change")
NEW_PASSWORD = "a-brand-new-pass-42"


@pytest.fixture
def fixed_clock(monkeypatch):
    """Every request in one rate-limit window, 45 minutes before it ends."""
    monkeypatch.setattr(rate_limit, "now", lambda: 1_800_000_000.0 + 15 * 60 + 1)


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get("/api/v1/businesses/").status_code


def reset_link(message) -> str:
    return next(line for line in message.body.splitlines() if "/accounts/reset/" in line).strip()


def choose_new_password(client: Client, link: str):
    path = link[link.index("/accounts/reset/") :]
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    return client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )


# --- a new password revokes everything that carried the old one ------------------------------


def test_a_reset_signs_out_every_session_and_revokes_every_api_token(client, tenant):
    first = create_token(user=tenant.owner, name="Zapier")
    second = create_token(user=tenant.owner, name="CRM sync")
    old = create_token(user=tenant.owner, name="Old")
    revoke_token(user=tenant.owner, key_hash=old.token.key_hash)
    colleague = create_token(user=tenant.staff, name="Colleague's")
    elsewhere = client_for(tenant.owner)  # say, a stolen session
    assert elsewhere.get("/app/").status_code == 200

    client.post(RESET, {"email": tenant.owner.email})
    response = choose_new_password(client, reset_link(mail.outbox[0]))

    page = response.content.decode()
    assert "Your password was changed; you were signed out everywhere and your 2 API tokens " in (
        page
    )
    assert "were revoked." in page
    assert api_status(first.key) == 401
    assert api_status(second.key) == 401
    assert api_status(colleague.key) == 200
    assert elsewhere.get("/app/").status_code == 302
    tenant.owner.refresh_from_db()
    assert tenant.owner.check_password(NEW_PASSWORD)


def test_a_reset_with_no_tokens_says_only_that_sessions_ended(client, tenant):
    client.post(RESET, {"email": tenant.staff.email})
    page = choose_new_password(client, reset_link(mail.outbox[0])).content.decode()
    assert "Your password was changed; you were signed out everywhere." in page


def test_changing_the_password_keeps_this_session_and_ends_the_others(tenant):
    token = create_token(user=tenant.owner, name="Zapier")
    here, elsewhere = client_for(tenant.owner), client_for(tenant.owner)
    response = here.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    page = response.content.decode()
    assert (
        "Your password was changed; you were signed out everywhere else and your 1 API token "
        "was revoked."
    ) in page
    assert here.get("/app/").status_code == 200
    assert elsewhere.get("/app/").status_code == 302
    assert api_status(token.key) == 401


def test_a_wrong_old_password_changes_and_revokes_nothing(tenant):
    token = create_token(user=tenant.owner, name="Zapier")
    response = client_for(tenant.owner).post(
        CHANGE,
        {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert api_status(token.key) == 200
    tenant.owner.refresh_from_db()
    assert tenant.owner.check_password(PASSWORD)


def test_the_change_password_page_needs_a_login(client):
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_admin_setting_a_password_revokes_the_tokens(tenant):
    token = create_token(user=tenant.owner, name="Zapier")
    admin = client_for(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:auth_user_password_change", args=[tenant.owner.pk])
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    if "usable_password" in AdminPasswordChangeForm.base_fields:
        data["usable_password"] = "true"
    assert admin.post(url, data).status_code == 302
    assert api_status(token.key) == 401


def test_create_business_setting_an_existing_owner_s_password_revokes_the_tokens(tenant):
    token = create_token(user=tenant.owner, name="Zapier")
    services.create_business(
        name="Acme Heating",
        number="+15005550007",
        forward_to="+13125550100",
        owner_email=tenant.owner.email,
        password=NEW_PASSWORD,
    )
    assert api_status(token.key) == 401


# --- asking for a reset -------------------------------------------------------------------------


def test_it_answers_the_same_for_a_known_and_an_unknown_address(client, tenant):
    known = client.post(RESET, {"email": tenant.owner.email.upper()})
    unknown = client.post(RESET, {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (302, SENT)
    assert (unknown.status_code, unknown["Location"]) == (302, SENT)
    assert [m.to for m in mail.outbox] == [[tenant.owner.email]]


def test_it_does_the_same_work_on_the_request_whether_or_not_an_account_exists(
    client, tenant, monkeypatch
):
    """The lookup and the email happen in a task on a worker; the request itself only
    queues it, so its time says nothing about the address."""
    queued: list[str] = []
    monkeypatch.setattr(tasks.send_password_reset, "delay", lambda *, email: queued.append(email))
    work = []
    for email in (tenant.owner.email, "nobody@example.com"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(RESET, {"email": email})
        assert response.status_code == 302
        work.append([query["sql"] for query in queries.captured_queries])
    assert work[0] == work[1]
    assert not any("tenants_user" in sql for sql in work[0])
    assert queued == [tenant.owner.email, "nobody@example.com"]
    assert mail.outbox == []


def test_the_reset_link_comes_from_public_base_url_whatever_the_host_header(
    client, tenant, settings
):
    settings.PUBLIC_BASE_URL = "https://app.lassocalls.com"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    response = client.post(RESET, {"email": tenant.owner.email}, HTTP_HOST="evil.example")
    assert response.status_code == 302
    link = reset_link(mail.outbox[0])
    assert link.startswith("https://app.lassocalls.com/accounts/reset/")
    assert "evil.example" not in mail.outbox[0].body


def test_the_reset_link_ignores_an_allowed_host_that_is_not_the_public_one(client, tenant):
    client.post(RESET, {"email": tenant.owner.email}, HTTP_HOST="localhost")
    assert reset_link(mail.outbox[0]).startswith("http://testserver/accounts/reset/")


def test_it_refuses_a_malformed_address_without_sending_anything(client, tenant):
    response = client.post(RESET, {"email": "not an address"})
    assert response.status_code == 400
    assert "That is not an email address" in response.content.decode()
    assert mail.outbox == []


def test_it_limits_reset_requests_for_one_address(client, tenant, fixed_clock):
    for _ in range(5):
        assert client.post(RESET, {"email": tenant.owner.email}).status_code == 302
    response = client.post(RESET, {"email": tenant.owner.email})
    assert response.status_code == 429
    assert "Too many reset requests; try again in 45 minutes." in response.content.decode()
    assert len(mail.outbox) == 5
    # Another account is not held up by those.
    assert client.post(RESET, {"email": tenant.staff.email}).status_code == 302


def test_an_unknown_address_is_limited_the_same_way(client, db, fixed_clock):
    codes = [client.post(RESET, {"email": "nobody@example.com"}).status_code for _ in range(6)]
    assert codes == [302] * 5 + [429]


def test_it_limits_reset_requests_from_one_client(tenant, fixed_clock):
    here = Client(REMOTE_ADDR="203.0.113.7")
    codes = [here.post(RESET, {"email": f"guess{i}@example.com"}).status_code for i in range(11)]
    assert codes == [302] * 10 + [429]
    assert Client(REMOTE_ADDR="198.51.100.2").post(
        RESET, {"email": "x@example.com"}
    ).status_code == (302)


def test_behind_a_proxy_it_counts_the_address_the_proxy_saw(tenant, settings, fixed_clock):
    """Rotating the left of X-Forwarded-For, which the client writes, escapes nothing."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    codes = [
        proxy.post(
            RESET,
            {"email": f"guess{i}@example.com"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.7",
        ).status_code
        for i in range(11)
    ]
    assert codes == [302] * 10 + [429]
    other = proxy.post(RESET, {"email": "x@example.com"}, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302


def test_the_reset_page_explains_what_a_new_password_does(client, db):
    page = client.get(RESET).content.decode()
    assert "signs you out everywhere and revokes your API tokens" in page


def test_the_token_page_links_to_changing_the_password(owner_client):
    page = owner_client.get("/app/tokens/").content.decode()
    assert f'href="{CHANGE}"' in page
    assert "A new password revokes all your tokens" in page


def test_a_revoked_token_stays_revoked_and_counts_once(tenant):
    create_token(user=tenant.owner, name="Zapier")
    assert revoke_credentials(user=tenant.owner) == 1
    assert revoke_credentials(user=tenant.owner) == 0
    assert ApiToken.objects.filter(user=tenant.owner, revoked_at__isnull=True).count() == 0
