"""Celery tasks for Web Push: each takes an id and calls a service."""

from celery import shared_task

from messaging.push import services


@shared_task(ignore_result=True)
def push_missed_call(message_id: int) -> int:
    return services.push_missed_call(message_id=message_id)
