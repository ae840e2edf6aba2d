"""The dashboard's API tokens page: list your tokens, create one (its key shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tenants.dashboard import business_view
from tenants.tokens import (
    KEY_PREFIX,
    NAME_MAX_LENGTH,
    TokenError,
    create_token,
    revoke_token,
    tokens_for,
)


@require_http_methods(["GET", "POST"])
@business_view()
def api_tokens(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "name_max_length": NAME_MAX_LENGTH,
        "key_prefix": KEY_PREFIX,
        "name": "",
    }
    status = 200
    if request.method == "POST":
        try:
            new = create_token(user=request.user, name=request.POST.get("name", ""))
        except TokenError as exc:
            context.update(error=str(exc), name=request.POST.get("name", ""))
            status = 400
        else:
            # Rendered straight from the POST, never redirected through the session: the key
            # is not stored anywhere on our side, not even for a moment.
            context.update(new_token=new.token, new_key=new.key)
    context["tokens"] = tokens_for(user=request.user)
    response = render(request, "tenants/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@business_view()
def revoke_api_token(request: HttpRequest, key_hash: str) -> HttpResponse:
    token = revoke_token(user=request.user, key_hash=key_hash)
    messages.success(request, f"Revoked “{token.name}”: requests with it are now refused.")
    return redirect("dashboard:api_tokens")
