"""Getting a token for a password, and using it: Bearer or Token, revoked and wrong keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from tenants.models import ApiToken
from tenants.tokens import create_token, hash_key, revoke_token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
BUSINESSES = "/api/v1/businesses/"


def with_header(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=value)
    return client


@pytest.fixture
def private_cache(settings):
    """The throttles count in production's cache, on Redis; this run's own key prefix
    (tests/conftest.py) keeps their counters apart from any other suite on the machine."""
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert settings.CACHES["default"]["KEY_PREFIX"]


def test_it_gives_a_working_token_for_the_right_email_and_password(tenant):
    response = APIClient().post(
        TOKEN_URL,
        {"email": tenant.owner.email.upper(), "password": PASSWORD, "name": "Zapier"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["name"] == "Zapier" and body["created_at"]
    key = body["token"]
    token = ApiToken.objects.get(user=tenant.owner)
    assert token.key_hash == hash_key(key) and key not in (token.key_hash, token.prefix)
    assert key.startswith("lasso_" + token.prefix) and body["prefix"] == token.prefix

    listed = with_header(f"Bearer {key}").get(BUSINESSES)
    assert listed.status_code == 200
    assert [b["slug"] for b in listed.json()["results"]] == [tenant.business.slug]


def test_it_names_the_token_when_no_name_is_given(tenant):
    response = APIClient().post(
        TOKEN_URL, {"email": tenant.staff.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["name"] == "API token"


@pytest.mark.parametrize(
    "email, password",
    [("owner", "wrong-password"), ("nobody@example.com", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_it_refuses_wrong_credentials_with_a_clear_400(tenant, email, password):
    email = tenant.owner.email if email == "owner" else email
    response = APIClient().post(TOKEN_URL, {"email": email, "password": password}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Wrong email or password (or the account is deactivated)."}
    assert not ApiToken.objects.exists()


def test_it_refuses_a_deactivated_account(tenant):
    tenant.owner.is_active = False
    tenant.owner.save()
    response = APIClient().post(
        TOKEN_URL, {"email": tenant.owner.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_it_lists_missing_fields(db):
    response = APIClient().post(TOKEN_URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_it_locks_one_account_after_five_wrong_passwords_but_not_its_neighbours(
    tenant, private_cache
):
    client = APIClient()
    wrong = {"email": tenant.owner.email, "password": "guess"}
    responses = [client.post(TOKEN_URL, wrong, format="json") for _ in range(5)]
    assert [r.status_code for r in responses] == [400] * 4 + [429]
    assert responses[-1].json() == {"detail": "Too many failed sign-ins. Try again in 15 minutes."}
    right = {"email": tenant.owner.email, "password": PASSWORD}
    assert client.post(TOKEN_URL, right, format="json").status_code == 429
    # Another account from the same address is not locked out by those five.
    other = {"email": tenant.staff.email, "password": PASSWORD}
    assert client.post(TOKEN_URL, other, format="json").status_code == 201


def test_it_throttles_one_address_trying_many_accounts(tenant, private_cache):
    client = APIClient()
    codes = [
        client.post(
            TOKEN_URL, {"email": f"guess{i}@example.com", "password": "x"}, format="json"
        ).status_code
        for i in range(11)
    ]
    assert codes == [400] * 10 + [429]


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_forged_forwarded_for_opens_no_fresh_bucket(tenant, private_cache, settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    client = APIClient()
    codes = [
        client.post(
            TOKEN_URL,
            {"email": f"guess{i}@example.com", "password": "x"},
            format="json",
            # The client's own claim changes every time; the proxy's entry does not.
            HTTP_X_FORWARDED_FOR=f"10.9.8.{i}" + (", 198.51.100.9" if proxies else ""),
        ).status_code
        for i in range(11)
    ]
    assert codes == [400] * 10 + [429]


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_it_accepts_bearer_and_token_headers(tenant, keyword):
    key = create_token(user=tenant.owner, name="ci").key
    assert with_header(f"{keyword} {key}").get(BUSINESSES).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer lasso_not-a-real-key", "Bearer", "Bearer two parts", "Token "],
)
def test_it_refuses_a_wrong_or_malformed_key_with_401(tenant, header):
    create_token(user=tenant.owner, name="ci")
    response = with_header(header).get(BUSINESSES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_it_refuses_a_request_without_credentials_with_401(db):
    response = APIClient().get(BUSINESSES)
    assert response.status_code == 401


def test_it_refuses_a_revoked_token(tenant):
    new = create_token(user=tenant.owner, name="ci")
    client = with_header(f"Bearer {new.key}")
    assert client.get(BUSINESSES).status_code == 200
    revoke_token(user=tenant.owner, key_hash=new.token.key_hash)
    response = client.get(BUSINESSES)
    assert response.status_code == 401
    assert response.json()["detail"] == "This token was revoked; create a new one."


def test_it_refuses_the_token_of_a_deactivated_user(tenant):
    key = create_token(user=tenant.owner, name="ci").key
    tenant.owner.is_active = False
    tenant.owner.save()
    assert with_header(f"Bearer {key}").get(BUSINESSES).status_code == 401


def test_it_records_last_use_at_most_once_a_minute(tenant, django_assert_num_queries):
    new = create_token(user=tenant.owner, name="ci")
    client = with_header(f"Bearer {new.key}")
    client.get(BUSINESSES)
    first = ApiToken.objects.get(pk=new.token.pk).last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=5)

    recent = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(pk=new.token.pk).update(last_used_at=recent)
    # token, membership list, count: no write.
    with django_assert_num_queries(3):
        client.get(BUSINESSES)
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at == recent

    stale = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=new.token.pk).update(last_used_at=stale)
    client.get(BUSINESSES)
    assert ApiToken.objects.get(pk=new.token.pk).last_used_at > stale + timedelta(minutes=1)


def test_a_password_reset_revokes_every_token_of_that_user(client, tenant):
    key = create_token(user=tenant.owner, name="ci").key
    colleague = create_token(user=tenant.staff, name="ci").key
    client.post("/accounts/password-reset/", {"email": tenant.owner.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    opened = client.get(link[link.index("/accounts/") :].strip(), follow=True)
    form_url = opened.redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "new-pass-4242-x", "new_password2": "new-pass-4242-x"})
    response = with_header(f"Bearer {key}").get(BUSINESSES)
    assert response.status_code == 401
    assert response.json()["detail"] == "This token was revoked; create a new one."
    assert with_header(f"Bearer {colleague}").get(BUSINESSES).status_code == 200
