from celery import shared_task

from calls import services
from calls.models import Call


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def settle_call(call_id: int) -> None:
    call = Call.objects.select_related("business").filter(pk=call_id).first()
    if call is not None:
        services.decide(business=call.business, call=call)


@shared_task(ignore_result=True)
def sweep_calls() -> int:
    return services.sweep_undecided_and_unhanded()
