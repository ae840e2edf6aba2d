"""The owner's carrier registration page, its printable version and its submission to
Twilio (owners only: staff 403, anyone else's business unreachable, as the pages name no
business but the session's). Submitting is refused while any of Lasso's checks fails."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consent.registration import selectors, services, submission
from consent.registration.forms import BrandForm
from consent.registration.models import CarrierRegistration
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
        {
            "form": form,
            "review": review,
            "packet": review.packet,
            "progress": selectors.progress(business=business, checks=review.checks),
            "submittable": _submittable(review),
        },
        status=400 if form.errors else 200,
    )


def _submittable(review: selectors.Review) -> bool:
    return (
        not review.failing
        and review.registration.pk is not None
        and review.registration.status
        in {CarrierRegistration.Status.DRAFT, CarrierRegistration.Status.FAILED}
    )


@require_POST
@business_view(owner_only=True)
def submit(request: HttpRequest) -> HttpResponse:
    business = request.business  # type: ignore[attr-defined]
    review = selectors.review(business=business)
    if review.failing:
        messages.error(
            request,
            f"Not submitted: {len(review.failing)} check(s) would fail. Fix them first.",
        )
        return redirect("registration:home")
    try:
        submission.submit(business=business, registration=review.registration)
    except submission.NotSubmittable as exc:
        messages.error(request, f"Not submitted: {exc}")
        return redirect("registration:home")
    messages.success(
        request, "Submitted to Twilio. You will get an email each time its review moves."
    )
    return redirect("registration:home")


@require_GET
@business_view(owner_only=True)
def printable(request: HttpRequest) -> HttpResponse:
    review = selectors.review(business=request.business)  # type: ignore[attr-defined]
    return render(
        request,
        "consent/registration/print.html",
        {"review": review, "packet": review.packet, "registration": review.registration},
    )
