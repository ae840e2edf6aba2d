"""Writes for the after-hours text-back. The question is held to the same rules as the
qualifying question (messaging.wording.question_problems): one short question, printable,
with no link and no phone number."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from messaging import wording
from messaging.models import AfterHoursTextback
from tenants.models import Business


def save(*, business: Business, enabled: bool, question: str) -> AfterHoursTextback:
    question = wording.clean_text(" ".join(question.split()))
    if problems := wording.question_problems(question):
        raise ValidationError(problems)
    if enabled and not business.business_hours:
        raise ValidationError(["Set your business hours in Settings first."])
    row, _ = AfterHoursTextback.objects.update_or_create(
        business=business,
        defaults={"enabled": enabled, "question": question, "prompt_answered_at": timezone.now()},
    )
    return row


def answer_prompt(*, business: Business, turn_on: bool) -> AfterHoursTextback:
    row, _ = AfterHoursTextback.objects.get_or_create(business=business)
    row.prompt_answered_at = timezone.now()
    row.enabled = turn_on and bool(business.business_hours)
    row.save(update_fields=["prompt_answered_at", "enabled", "updated_at"])
    return row
