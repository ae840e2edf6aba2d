"""Celery tasks: each takes an id and calls a service. Claims live in the services."""

from celery import shared_task

from messaging import handoff, services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_message(message_id: int) -> str:
    return services.deliver(message_id=message_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def text_back(call_id: int) -> str:
    return services.text_back(call_id=call_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def notify_alert(alert_id: int) -> bool:
    # A failed email (SMTP down, a bad header) raises: the alert is left unnotified and
    # retried with backoff here, then by the sweep.
    return handoff.notify(alert_id=alert_id)


@shared_task(ignore_result=True)
def sweep_due_messages() -> int:
    return services.sweep_due_messages()


@shared_task(ignore_result=True)
def resolve_unknown_messages() -> int:
    from messaging import reconcile

    return reconcile.resolve_unknown_messages()


@shared_task(ignore_result=True)
def sweep_due_handoffs() -> int:
    return handoff.sweep_due_handoffs()
