"""Lasso's URLs plus one bare view, for the benches only (settings.ROOT_URLCONF points here
when LASSO_BENCH_BARE_VIEW is set): the webhook throughput is measured against a view that
does nothing, behind the same middleware and served by the same gunicorn configuration.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from lasso.urls import urlpatterns as lasso_urlpatterns


@csrf_exempt
def bare(request: HttpRequest) -> HttpResponse:
    """Answers a POST like a webhook would, without reading it: the floor of a request."""
    return HttpResponse("<Response/>", content_type="text/xml")


urlpatterns = [path("_bench/bare/", bare, name="bench-bare"), *lasso_urlpatterns]
