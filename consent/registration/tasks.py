"""Carrier registration on a worker: the submission runs its steps (consent.registration.
submission), and a beat task follows Twilio's review of every registration in review. A step
Twilio could not take, or whose answer was lost, is taken up again by the next poll."""

from __future__ import annotations

import logging

from celery import shared_task

from consent.registration import submission
from consent.registration.models import CarrierRegistration

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def submit_registration(registration_id: int) -> str:
    return submission.advance(registration_id=registration_id)


@shared_task(ignore_result=True)
def poll_carrier_registrations() -> int:
    """Every registration in review, read once; returns how many were read."""
    ids = list(
        CarrierRegistration.objects.filter(status=CarrierRegistration.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for registration_id in ids:
        try:
            submission.poll(registration_id=registration_id)
        except Exception:
            # One registration's surprise must not stop the others being followed.
            logger.exception("carrier registration %s not polled", registration_id)
    return len(ids)


def enqueue_submission(registration_id: int) -> None:
    """Publish the submission; with the broker down the next poll runs it instead."""
    try:
        submit_registration.apply_async((registration_id,), retry=False)
    except Exception:  # broker unreachable: any kombu/redis error
        logger.warning("registration %s not enqueued; the next poll submits it", registration_id)
