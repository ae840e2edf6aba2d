"""Call tasks: each loads an id (or nothing) and calls a service."""

from celery import shared_task

from calls import numbers, reconcile, routing, services, voice_queue
from calls.models import Call


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def settle_call(call_id: int) -> None:
    call = Call.objects.select_related("business").filter(pk=call_id).first()
    if call is not None:
        services.decide(business=call.business, call=call)


@shared_task(ignore_result=True)
def sweep_calls() -> int:
    return services.sweep_undecided_and_unhanded()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def configure_number(number_id: int) -> str:
    return numbers.configure(number_id=number_id)


@shared_task(ignore_result=True)
def sync_numbers() -> int:
    """Every minute: every number's routing into Redis, and Twilio's configuration of any
    number that is out of date."""
    count = routing.refresh_all()
    numbers.configure_later(number_ids=numbers.out_of_date())
    return count


@shared_task(ignore_result=True)
def reconcile_outages() -> int:
    """Every minute: the scheduler's heartbeat, and the calls of any outage that ended."""
    return reconcile.run()


# Acknowledged on receipt: what a drain has read lives on as pending entries of the stream
# (taken again by reclaim_voice_events), so its task message need not; and a drain lingers
# on Redis, where an unacknowledged message at the moment Redis goes away brings the
# worker down in kombu's restore of unacknowledged messages.
@shared_task(ignore_result=True, acks_late=False)
def apply_voice_events() -> int:
    """Published by the webhook that queued an event for an idle stream."""
    return voice_queue.drain()


@shared_task(ignore_result=True, acks_late=False)
def reclaim_voice_events() -> int:
    """Every minute: events a drain read and never applied, and any a lost publish left."""
    return voice_queue.drain(reclaim=True)
