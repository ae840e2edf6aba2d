"""The overview's set-up checklist for a self-serve business: shown from sign-up until its
first real missed call has been texted back, then never again."""

from __future__ import annotations

from django import template
from django.urls import reverse

from tenants.models import Business, Onboarding
from tenants.onboarding import selectors
from tenants.onboarding.services import STEP_ORDER

register = template.Library()


@register.inclusion_tag("onboarding/_checklist.html")
def onboarding_checklist(business: Business | None) -> dict[str, object]:
    if business is None:
        return {"items": []}
    onboarding = selectors.onboarding_for(business=business)
    if onboarding is None or selectors.first_textback_sent(business=business):
        return {"items": []}
    reached = STEP_ORDER.index(onboarding.step)

    def done(step: str) -> bool:
        return STEP_ORDER.index(step) < reached

    test_call = selectors.test_call_progress(
        business=business, since=onboarding.test_call_started_at
    )
    items = [
        ("Time zone", done(Onboarding.Step.TIME_ZONE), reverse("onboarding:time_zone")),
        ("The phone that rings", done(Onboarding.Step.PHONE), reverse("onboarding:phone")),
        ("The text-back question", done(Onboarding.Step.QUESTION), reverse("onboarding:question")),
        ("Your Lasso number", done(Onboarding.Step.NUMBER), reverse("onboarding:number")),
        ("A test call, rung out", test_call[0].done, reverse("onboarding:test_call")),
        ("Your first missed call texted back", False, ""),
    ]
    return {"items": items}
