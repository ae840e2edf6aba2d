"""The owner's after-hours text-back page, with its own preview, and the one-time prompt's
answer."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from messaging import texts, wording
from messaging.after_hours import selectors, services
from tenants.dashboard import business_view

DAY_LABELS = {
    "mon": "Mon",
    "tue": "Tue",
    "wed": "Wed",
    "thu": "Thu",
    "fri": "Fri",
    "sat": "Sat",
    "sun": "Sun",
}


@business_view(owner_only=True)
def after_hours(request: HttpRequest) -> HttpResponse:
    business = request.business
    saved = selectors.settings_for(business=business)
    enabled, question, errors = saved.enabled, saved.question, []
    if request.method == "POST":
        enabled = request.POST.get("enabled") == "on"
        question = request.POST.get("question", "")
        if request.POST.get("action") == "save":
            try:
                services.save(business=business, enabled=enabled, question=question)
            except ValidationError as exc:
                errors = exc.messages
            else:
                flash.success(request, "After-hours text-back saved.")
                return redirect("messaging:after_hours")
        else:
            errors = wording.question_problems(wording.clean_text(" ".join(question.split())))
    hours = business.business_hours or {}
    return render(
        request,
        "after_hours/after_hours.html",
        {
            "enabled": enabled,
            "question": question,
            "errors": errors,
            "hours": [(DAY_LABELS[d], hours.get(d)) for d in selectors.DAYS],
            "has_hours": bool(hours),
            "registered": texts.textback(business),
            "preview": texts.textback(business, question=" ".join(question.split()) or "?"),
        },
        status=400 if errors else 200,
    )


@require_POST
@business_view(owner_only=True)
def answer_prompt(request: HttpRequest) -> HttpResponse:
    turn_on = request.POST.get("answer") == "on"
    services.answer_prompt(business=request.business, turn_on=turn_on)
    if turn_on:
        flash.success(request, "After-hours text-back is on. Check its wording below.")
        return redirect("messaging:after_hours")
    flash.info(
        request, "The text-back stays the same at all hours. You can change this in After hours."
    )
    return redirect("dashboard:home")
