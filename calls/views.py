"""Dashboard: every call with its outcome and what happened about it."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from calls.models import Call
from calls.selectors import calls_for
from tenants.dashboard import business_view


@require_GET
@business_view()
def call_list(request: HttpRequest) -> HttpResponse:
    outcome = request.GET.get("outcome", "")
    if outcome not in Call.Outcome.values:
        outcome = ""
    page = Paginator(calls_for(business=request.business, outcome=outcome), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "calls/call_list.html",
        {"page": page, "outcome": outcome, "outcomes": Call.Outcome.choices},
    )
