"""Every answer carries one Content-Security-Policy: the browser runs, styles and loads only
what Lasso serves from its own origin.

No page may hold an inline <script>, an on…= handler, a javascript: link or a style="…"
attribute: behaviour lives in static/*.js (wired up with addEventListener and data-
attributes), looks in static/*.css. A business name or a customer's text that slips past
escaping then still cannot run. The policy is set in settings (CONTENT_SECURITY_POLICY), in
one place for the dashboard, the public pages, the API docs, error pages and static files
alike; a view that has set its own header keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def policy_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = policy_header(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(HEADER, self.header)
        return response
