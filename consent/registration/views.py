"""The owner's carrier registration page and its printable version (owners only: staff 403,
anyone else's business unreachable, as the page names no business but the session's)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from consent.registration import selectors, services
from consent.registration.forms import BrandForm
from tenants.dashboard import business_view


@require_http_methods(["GET", "POST"])
@business_view(owner_only=True)
def registration(request: HttpRequest) -> HttpResponse:
    business = request.business  # type: ignore[attr-defined]
    current = selectors.registration_for(business=business)
    form = BrandForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.save_brand(business=business, facts=form.cleaned_data)
        messages.success(request, "Brand facts saved; the checks below are up to date.")
        return redirect("registration:home")
    review = selectors.review(business=business)
    return render(
        request,
        "consent/registration/registration.html",
        {"form": form, "review": review, "packet": review.packet},
        status=400 if form.errors else 200,
    )


@require_GET
@business_view(owner_only=True)
def printable(request: HttpRequest) -> HttpResponse:
    review = selectors.review(business=request.business)  # type: ignore[attr-defined]
    return render(
        request,
        "consent/registration/print.html",
        {"review": review, "packet": review.packet, "registration": review.registration},
    )
