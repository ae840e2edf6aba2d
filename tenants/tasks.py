"""Celery tasks of tenants: each takes plain values and calls a service."""

from celery import shared_task

from tenants.accounts import services as accounts


@shared_task(ignore_result=True)
def send_password_reset(email: str) -> int:
    # On a worker, so the SMTP exchange (only for an address that has an account) never
    # shows in the time the reset page takes to answer.
    return accounts.send_password_reset(email=email)
