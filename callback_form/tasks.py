from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from callback_form import selectors, services

# A request still unprocessed after this long was not enqueued (broker down) or its task was
# lost; younger ones are most likely still in the queue.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 200


@shared_task
def process_callback_request(callback_request_id: int) -> None:
    services.process_callback_request(callback_request_id=callback_request_id)


@shared_task
def sweep_unprocessed_callback_requests() -> int:
    """Enqueue again every request whose hand-off has not happened; the claim in
    services.process_callback_request makes a duplicate harmless."""
    ids = selectors.unprocessed_callback_request_ids(
        created_before=timezone.now() - SWEEP_GRACE, limit=SWEEP_BATCH
    )
    for callback_request_id in ids:
        process_callback_request.delay(callback_request_id)
    return len(ids)
