"""The public Request-a-Callback form and the members' callback queue."""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from callback_form import house, services
from callback_form.disclosure import disclosure_html, disclosure_text
from callback_form.forms import CallbackRequestForm
from callback_form.ratelimit import allow_submission
from callback_form.selectors import (
    HOUSE_BUSINESS_SLUG,
    business_for_form,
    callback_queue,
    callback_request_for,
    find_callback_request,
)
from lasso.client_address import client_ip
from tenants.countries import texted_countries_label, texts_number
from tenants.dashboard import business_view
from tenants.models import Business
from tenants.selectors import default_number

logger = logging.getLogger(__name__)

# The thank-you page reads the request just submitted from the session, so its URL carries
# nothing about the person.
SESSION_KEY = "callback_form:submitted"
# Set when the visitor ticked the SMS box for a number in a country the business does not
# text: the thank-you page says so (and that a call will come).
SESSION_NO_TEXTS_KEY = "callback_form:no-texts-to"
QUEUE_PAGE_SIZE = 50


def _urls(business: Business) -> tuple[str, str]:
    """The form's and the thank-you page's paths for this business."""
    if business.slug == HOUSE_BUSINESS_SLUG:
        return reverse("callback_form:request"), reverse("callback_form:thanks")
    return (
        reverse("callback_form:business_request", args=[business.slug]),
        reverse("callback_form:business_thanks", args=[business.slug]),
    )


@require_http_methods(["GET", "POST"])
def request_callback(
    request: HttpRequest, business_slug: str = HOUSE_BUSINESS_SLUG
) -> HttpResponse:
    if business_slug == HOUSE_BUSINESS_SLUG:
        business = house.house_business()
        if request.method == "POST":
            house.sync_operators(business=business)
    else:
        business = business_for_form(slug=business_slug)
    _, thanks_url = _urls(business)
    status = 200
    rate_limited = False
    if request.method != "POST":
        form = CallbackRequestForm()
    else:
        form = CallbackRequestForm(request.POST)
        ip_address = client_ip(request)
        if not allow_submission(ip_address=ip_address):
            logger.warning("Callback form rate limit hit by %s on %s", ip_address, business.slug)
            rate_limited = True
            status = 429
        elif form.is_bot:
            # Look like success, so the bot has no reason to try again differently.
            logger.info("Callback form honeypot filled from %s on %s", ip_address, business.slug)
            return redirect(thanks_url)
        elif form.is_valid():
            data = form.cleaned_data
            own = default_number(business=business)
            own_number = str(own.phone_number) if own else ""
            sms_consent = data["sms_consent"]
            if sms_consent and not texts_number(
                business=business, number=data["phone_number"], own_number=own_number
            ):
                # Consent is taken only for the countries the business texts; everyone
                # else still gets the voice callback they asked for.
                sms_consent = False
                request.session[SESSION_NO_TEXTS_KEY] = texted_countries_label(
                    business=business, own_number=own_number
                )
            else:
                request.session.pop(SESSION_NO_TEXTS_KEY, None)
            callback_request = services.submit_callback_request(
                business=business,
                name=data["name"],
                phone_number=data["phone_number"],
                details=data["details"],
                preferred_time=data["preferred_time"],
                sms_consent=sms_consent,
                disclosure_text=disclosure_text(sender=business.name),
                ip_address=ip_address,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                page_url=request.build_absolute_uri(request.path),
            )
            request.session[SESSION_KEY] = str(callback_request.public_id)
            return redirect(thanks_url)
    return render(
        request,
        "callback_form/request.html",
        {
            "business": business,
            "form": form,
            "disclosure": disclosure_html(sender=business.name),
            "rate_limited": rate_limited,
        },
        status=status,
    )


@require_http_methods(["GET"])
def thanks(request: HttpRequest, business_slug: str = HOUSE_BUSINESS_SLUG) -> HttpResponse:
    business = (
        house.house_business()
        if business_slug == HOUSE_BUSINESS_SLUG
        else business_for_form(slug=business_slug)
    )
    form_url, _ = _urls(business)
    callback_request = None
    submitted = request.session.get(SESSION_KEY)
    if submitted:
        callback_request = find_callback_request(business=business, public_id=uuid.UUID(submitted))
    return render(
        request,
        "callback_form/thanks.html",
        {
            "business": business,
            "callback_request": callback_request,
            "form_url": form_url,
            "texts_only_to": request.session.get(SESSION_NO_TEXTS_KEY, ""),
        },
    )


@business_view()
def queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(callback_queue(business=request.business), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "callback_form/queue.html", {"page": page})


@require_POST
@business_view()
def mark_called_back(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    callback_request = callback_request_for(business=request.business, public_id=public_id)
    if services.mark_called_back(
        business=request.business, callback_request=callback_request, user=request.user
    ):
        messages.success(request, f"Marked {callback_request.name} as called back.")
    else:
        messages.info(request, f"{callback_request.name} was already marked as called back.")
    return redirect("callback_form:queue")
