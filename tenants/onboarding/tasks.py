"""Sign-up emails go out on a worker, so the sign-up page answers in the same time whether
or not the address has an account (tenants.onboarding.services)."""

from __future__ import annotations

from celery import shared_task

from tenants.onboarding import services


@shared_task(ignore_result=True)
def send_signup_email(signup_id: int) -> str:
    return services.send_signup_email(signup_id=signup_id)
