"""Every answer carries the security headers, no page holds inline code the policy would
block, and error pages (DEBUG off, as here) are Lasso's own and say nothing about the error.

This module is also the URLconf of the error-page tests (ROOT_URLCONF=__name__): views that
fail in each way a real view can, with details a visitor must never see.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from lasso import urls as site_urls
from messaging.models import Conversation
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory

ROOT = Path(settings.BASE_DIR)
SECRET = "hunter2 at /srv/lasso/calls/services.py line 42"


def _fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"database password is {SECRET}")


def _not_found(request: HttpRequest) -> HttpResponse:
    raise Http404(f"No Conversation matches {SECRET}")


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(f"read-only member of {SECRET}")


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(f"tampered with {SECRET}")


urlpatterns = [
    *site_urls.urlpatterns,
    path("fails/", _fails),
    path("not-found/", _not_found),
    path("forbidden/", _forbidden),
    path("suspicious/", _suspicious),
]


def policy(response: HttpResponse) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def assert_secured(response: HttpResponse) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["media-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


# --- inline code -------------------------------------------------------------------------

TAG = re.compile(r"<[a-zA-Z][^>]*>")
INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
IN_TAG = {
    "on…= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
}


def inline_code(html: str) -> list[str]:
    found = [f"{kind}: {m.group(0)}" for kind, rx in INLINE.items() for m in rx.finditer(html)]
    for tag in TAG.findall(html):
        found += [f"{kind}: {tag}" for kind, rx in IN_TAG.items() if rx.search(tag)]
    return found


def our_templates() -> list[Path]:
    skip = {".venv", ".tools", "build", "staticfiles", "node_modules", "tests"}
    return sorted(
        p
        for p in ROOT.glob("**/templates/**/*.html")
        if not skip.intersection(p.relative_to(ROOT).parts)
    )


def test_it_finds_inline_code_of_every_kind():
    page = (
        '<script>alert(1)</script><script src="/static/ok.js"></script>'
        '<select onchange="this.form.submit()"><p STYLE="color:red"><style>p{}</style>'
        '<a href="javascript:void(0)">'
    )
    assert len(inline_code(page)) == 5
    assert inline_code('<script src="/static/lasso.js" defer></script><p data-on="x">') == []


def test_it_keeps_every_template_free_of_inline_code():
    templates = our_templates()
    assert ROOT / "templates" / "base.html" in templates
    assert ROOT / "tenants" / "templates" / "tenants" / "tokens.html" in templates
    offenders = {
        str(t.relative_to(ROOT)): found for t in templates if (found := inline_code(t.read_text()))
    }
    assert offenders == {}


# --- headers on every kind of answer -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/app/",
        "/app/overview/",
        "/app/inbox/",
        "/app/calls/",
        "/app/consent/",
        "/app/callbacks/",
        "/app/team/",
        "/app/settings/",
        "/app/tokens/",
        "/api/schema/docs/",
    ],
)
def test_it_secures_every_dashboard_page_and_serves_it_without_inline_code(path, owner_client):
    response = owner_client.get(path)

    assert response.status_code == 200
    assert_secured(response)
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize(
    "path",
    [
        "/sms-consent/",
        "/privacy/",
        "/terms/",
        "/mobile-terms/",
        "/accounts/login/",
        "/accounts/password-reset/",
    ],
)
def test_it_secures_the_public_pages(path, db):
    response = Client().get(path)

    assert response.status_code == 200
    assert_secured(response)
    assert inline_code(response.content.decode()) == []


def test_it_secures_a_business_callback_form(tenant):
    response = Client().get(f"/b/{tenant.business.slug}/request-callback/")

    assert response.status_code == 200
    assert_secured(response)
    assert inline_code(response.content.decode()) == []


def test_it_secures_the_api_and_a_redirect(db):
    assert_secured(Client().get("/api/v1/"))
    assert_secured(Client().get("/app/"))  # the redirect to sign in
    assert_secured(Client().get("/healthz"))


def test_it_serves_the_api_docs_script_as_a_file_not_inline(db):
    page = Client().get("/api/schema/docs/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in scripts
    own = [src for src in scripts if src.startswith("/api/schema/docs/")]
    assert len(own) == 1

    script = Client().get(own[0].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert_secured(script)


def test_it_shows_a_new_token_and_its_revoke_confirmation_without_inline_code(owner_client):
    response = owner_client.post("/app/tokens/", {"name": 'Zapier "sync" <b>'})

    html = response.content.decode()
    assert 'id="new-token-key"' in html and "data-select-on-click" in html
    assert 'data-confirm="Revoke “Zapier &quot;sync&quot; &lt;b&gt;”?' in html
    assert inline_code(html) == []


def test_it_shows_the_business_switcher_without_inline_code(tenant, other_tenant):
    MembershipFactory(user=tenant.owner, business=other_tenant.business)
    client = Client()
    client.force_login(tenant.owner)

    html = client.get("/app/").content.decode()
    assert '<select id="business-switch" name="business" data-autosubmit>' in html
    assert inline_code(html) == []


# --- error pages -------------------------------------------------------------------------


def assert_branded_and_silent(response: HttpResponse, *, heading: str) -> str:
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert '<a class="button" href="/">Go to the Lasso home page</a>' in html
    assert "hunter2" not in html and "/srv/lasso" not in html
    assert "Traceback" not in html and "DEBUG" not in html
    assert_secured(response)
    assert inline_code(html) == []
    return html


def test_it_shows_the_branded_404_for_an_unknown_address_without_naming_it(db):
    assert settings.DEBUG is False
    response = Client().get("/no-such-page/where-the-admin-hides/")

    assert response.status_code == 404
    html = assert_branded_and_silent(response, heading="We can't find that page")
    assert "where-the-admin-hides" not in html


def test_it_shows_the_same_404_to_a_member_asking_for_an_unknown_object(owner_client):
    missing = "/app/calls/00000000-0000-4000-8000-000000000000/voicemail/"
    response = owner_client.get(missing)

    assert response.status_code == 404
    html = assert_branded_and_silent(response, heading="We can't find that page")
    assert "00000000-0000" not in html


def test_it_shows_a_conversation_to_its_business_and_the_same_404_to_an_outsider(
    text_in, owner_client, outsider_client
):
    text_in("The kitchen sink is leaking")
    url = f"/app/conversations/{Conversation.objects.get().public_id}/"

    mine = owner_client.get(url)
    assert mine.status_code == 200
    assert_secured(mine)
    assert inline_code(mine.content.decode()) == []
    theirs = outsider_client.get(url)
    assert theirs.status_code == 404
    html = assert_branded_and_silent(theirs, heading="We can't find that page")
    assert "kitchen sink" not in html


@override_settings(ROOT_URLCONF=__name__)
def test_it_keeps_the_message_of_a_views_404_to_itself():
    response = Client().get("/not-found/")

    assert response.status_code == 404
    assert_branded_and_silent(response, heading="We can't find that page")


@override_settings(ROOT_URLCONF=__name__)
def test_it_shows_the_branded_500_without_the_error_or_the_database():
    # No database access is allowed in this test: the page renders when the database is
    # what failed.
    response = Client(raise_request_exception=False).get("/fails/")

    assert response.status_code == 500
    assert_branded_and_silent(response, heading="Something went wrong on our side")


@override_settings(ROOT_URLCONF=__name__)
def test_it_shows_the_branded_403_without_the_reason(db):
    response = Client().get("/forbidden/")

    assert response.status_code == 403
    assert_branded_and_silent(response, heading="You can't do that here")


@override_settings(ROOT_URLCONF=__name__)
def test_it_shows_the_branded_400_without_the_reason():
    response = Client().get("/suspicious/")

    assert response.status_code == 400
    assert_branded_and_silent(response, heading="We couldn't read that request")


def test_it_explains_an_expired_form_without_the_csrf_details(tenant):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": tenant.owner.email, "password": PASSWORD}
    )

    assert response.status_code == 403
    html = assert_branded_and_silent(response, heading="This form has expired")
    assert "CSRF" not in html
