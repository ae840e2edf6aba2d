"""The OpenAPI schema: it generates with no warnings and lists every endpoint."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/businesses/": {"get"},
    "/api/v1/businesses/{slug}/calls/": {"get"},
    "/api/v1/businesses/{slug}/calls/{call_id}/voicemail/": {"get"},
    "/api/v1/businesses/{slug}/conversations/": {"get"},
    "/api/v1/businesses/{slug}/conversations/{conversation_id}/": {"get"},
    "/api/v1/businesses/{slug}/conversations/{conversation_id}/messages/": {"get", "post"},
    "/api/v1/businesses/{slug}/callback-requests/": {"get"},
    "/api/v1/businesses/{slug}/callback-requests/{request_id}/called-back/": {"post"},
    "/api/v1/businesses/{slug}/consent-events/": {"get"},
    "/api/v1/businesses/{slug}/settings/": {"get", "patch"},
}


def test_it_serves_a_schema_listing_every_endpoint_and_method():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    listed = {
        path: set(operations) - {"parameters"}
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
    }
    assert listed == PATHS
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    reply = schema["paths"]["/api/v1/businesses/{slug}/conversations/{conversation_id}/messages/"]
    assert set(reply["post"]["responses"]) >= {"201", "400", "409"}
    assert {
        p["name"] for p in schema["paths"]["/api/v1/businesses/{slug}/calls/"]["get"]["parameters"]
    } >= {"outcome", "page", "page_size"}


def test_it_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any warning (an unresolvable view, a missing serializer) into an
    # error; --validate checks the result against the OpenAPI specification.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yaml"))
    assert "/api/v1/businesses/{slug}/settings/" in (tmp_path / "s.yaml").read_text()


def test_it_serves_the_browsable_docs_page():
    response = Client().get("/api/schema/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" in page.lower()
    # Its assets are our own static files, so the page works without any CDN.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr.net" not in page
