"""The dashboard's API tokens page: your tokens only, the key shown once, revoke yours."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tenants.models import ApiToken
from tenants.tokens import create_token

pytestmark = pytest.mark.django_db

PAGE = "/app/tokens/"


def revoke_url(token: ApiToken) -> str:
    return f"/app/tokens/{token.key_hash}/revoke/"


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get("/api/v1/businesses/").status_code


def test_it_lists_only_your_tokens(tenant, staff_client):
    create_token(user=tenant.staff, name="Zapier")
    create_token(user=tenant.owner, name="Owner's invoicing bridge")
    response = staff_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zapier" in html and "invoicing bridge" not in html
    assert "Never" in html  # not used yet


def test_it_shows_a_new_key_once_and_the_key_works(tenant, staff_client):
    response = staff_client.post(PAGE, {"name": "Zapier"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=tenant.staff)
    key = response.context["new_key"]
    assert key in response.content.decode() and token.prefix in key
    assert api_status(key) == 200

    again = staff_client.get(PAGE).content.decode()
    assert key not in again and "Zapier" in again
    assert "Never" not in again  # last used is shown once it was used


def test_it_needs_a_name_for_a_token(tenant, owner_client):
    response = owner_client.post(PAGE, {"name": "  "})
    assert response.status_code == 400
    assert "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_revokes_your_token(tenant, owner_client):
    new = create_token(user=tenant.owner, name="Old integration")
    response = owner_client.post(revoke_url(new.token), follow=True)
    assert response.status_code == 200
    assert "Revoked “Old integration”" in response.content.decode()
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None
    assert api_status(new.key) == 401


def test_it_is_a_404_to_revoke_someone_else_s_token(tenant, owner_client, outsider):
    theirs = create_token(user=outsider, name="Theirs")
    colleague = create_token(user=tenant.staff, name="Colleague's")
    for token in (theirs, colleague):
        assert owner_client.post(revoke_url(token.token)).status_code == 404
        token.token.refresh_from_db()
        assert token.token.revoked_at is None
        assert api_status(token.key) == 200


def test_it_revokes_only_on_post(tenant, owner_client):
    new = create_token(user=tenant.owner, name="x")
    assert owner_client.get(revoke_url(new.token)).status_code == 405


def test_it_needs_a_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
