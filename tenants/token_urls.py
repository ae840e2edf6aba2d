"""/app/tokens/…, included from tenants.urls (so names are in the "dashboard" namespace)."""

from django.urls import path

from tenants import token_views

urlpatterns = [
    path("", token_views.api_tokens, name="api_tokens"),
    path("<slug:key_hash>/revoke/", token_views.revoke_api_token, name="revoke_api_token"),
]
