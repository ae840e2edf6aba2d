"""The public compliance pages carriers' reviewers read: plain HTML, no login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from callback_form.disclosure import HOUSE_SENDER, disclosure_html
from messaging import texts
from tenants.models import DEFAULT_QUALIFYING_QUESTION

PROGRAM_NAME = "Lasso Messaging Service"
EFFECTIVE_DATE = "May 1, 2026"
SUPPORT_EMAIL = "support@lassocalls.com"

_COMMON = {
    "program_name": PROGRAM_NAME,
    "effective_date": EFFECTIVE_DATE,
    "support_email": SUPPORT_EMAIL,
}


# The samples are rendered from the very templates messaging sends, with placeholders,
# so the page cannot promise one wording while the product sends another.
BUSINESS_PLACEHOLDER = "[Business Name]"
SAMPLE_MESSAGES = {
    "textback": texts.TEXTBACK.format(
        business=BUSINESS_PLACEHOLDER, question=DEFAULT_QUALIFYING_QUESTION
    ),
    "callback_confirmation": texts.CALLBACK_CONFIRMATION.format(business=BUSINESS_PLACEHOLDER),
    "opt_out_confirmation": texts.OPT_OUT_CONFIRMATION.format(business=BUSINESS_PLACEHOLDER),
    "help_reply": texts.HELP_REPLY.format(
        business=BUSINESS_PLACEHOLDER, support="[the business's support contact]"
    ),
}


@require_GET
def sms_consent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/sms_consent.html",
        {
            **_COMMON,
            "disclosure": disclosure_html(sender=HOUSE_SENDER),
            "samples": SAMPLE_MESSAGES,
        },
    )


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "public/privacy.html", _COMMON)


@require_GET
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "public/terms.html", _COMMON)


@require_GET
def mobile_terms(request: HttpRequest) -> HttpResponse:
    return render(request, "public/mobile_terms.html", _COMMON)
