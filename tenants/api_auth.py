"""API authentication with personal tokens: `Authorization: Bearer <key>` (or `Token <key>`)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from tenants import tokens
from tenants.models import ApiToken, User

KEYWORDS = {b"bearer", b"token"}


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None  # not ours: let the next authenticator (the session) try
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: send 'Bearer <token>' with no spaces in it."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = tokens.token_for_key(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token was revoked; create a new one.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token's user is deactivated.")
        tokens.mark_used(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes unauthenticated requests a 401 (with this challenge) rather than a 403.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema (registered on import)."""

    target_class = "tenants.api_auth.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token: `Authorization: Bearer <token>`. Create one "
            "with POST /api/v1/auth/token/ or on the dashboard's API tokens page.",
        }
