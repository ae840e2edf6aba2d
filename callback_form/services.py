"""Writes for callback requests: taking one from the form, handing it to messaging, and
marking it called back."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from callback_form.models import CallbackRequest
from consent.models import ConsentEvent
from consent.services import disclosure_version, record_event
from messaging.services import open_callback_conversation
from tenants.models import Business, User

logger = logging.getLogger(__name__)


def submit_callback_request(
    *,
    business: Business,
    name: str,
    phone_number: str,
    details: str,
    preferred_time: str,
    sms_consent: bool,
    disclosure_text: str,
    ip_address: str | None,
    user_agent: str,
    page_url: str,
) -> CallbackRequest:
    """Store the request and, only if the person ticked the box, its consent evidence.

    `phone_number` is E.164; `disclosure_text` is the exact wording shown beside the box.
    The hand-off to messaging happens after commit, and a broker outage must not lose the
    submission: the sweep finds unprocessed requests and hands them off later.
    """
    evidence = {
        "disclosure_text": disclosure_text if sms_consent else "",
        "disclosure_version": disclosure_version(disclosure_text) if sms_consent else "",
    }
    with transaction.atomic():
        callback_request = CallbackRequest.objects.create(
            business=business,
            name=name,
            phone_number=phone_number,
            details=details,
            preferred_time=preferred_time,
            sms_consent=sms_consent,
            ip_address=ip_address or None,
            user_agent=user_agent[:400],
            page_url=page_url[:500],
            **evidence,
        )
        if sms_consent:
            record_event(
                business=business,
                phone_number=phone_number,
                kind=ConsentEvent.Kind.CALLBACK_FORM,
                channel=ConsentEvent.Channel.WEB,
                source_ref=str(callback_request.pk),
                disclosure_text=disclosure_text,
                ip_address=ip_address,
                user_agent=user_agent,
                page_url=page_url,
                occurred_at=callback_request.created_at,
            )
        request_id = callback_request.pk
        transaction.on_commit(lambda: enqueue_processing(callback_request_id=request_id))
    return callback_request


def enqueue_processing(*, callback_request_id: int) -> None:
    from callback_form.tasks import process_callback_request

    try:
        process_callback_request.delay(callback_request_id)
    except Exception:
        # The request is committed; sweep_unprocessed_callback_requests will hand it off.
        logger.exception(
            "Could not enqueue callback request %s; the sweep will retry it", callback_request_id
        )


def process_callback_request(*, callback_request_id: int) -> bool:
    """Hand one request to messaging exactly once; False when there was nothing to do.

    The row lock (skipping rows another worker holds) keeps the task and the sweep from
    handing the same request off twice; processed_at is set in the same transaction, so
    a failure leaves the request for the sweep to retry.
    """
    with transaction.atomic():
        callback_request = (
            CallbackRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("business")
            .filter(pk=callback_request_id, processed_at__isnull=True)
            .first()
        )
        if callback_request is None:
            return False
        open_callback_conversation(
            business=callback_request.business,
            callback_request_id=callback_request.pk,
            phone_number=str(callback_request.phone_number),
            name=callback_request.name,
            details=callback_request.details,
            sms_consent=callback_request.sms_consent,
        )
        callback_request.processed_at = timezone.now()
        callback_request.save(update_fields=["processed_at"])
    return True


def mark_called_back(*, business: Business, callback_request: CallbackRequest, user: User) -> bool:
    """Mark a request called back; False when someone already had (their name stays)."""
    if callback_request.business_id != business.pk:
        raise ValueError("That callback request belongs to another business.")
    from messaging.services import mark_number_handled

    marked = bool(
        CallbackRequest.objects.filter(
            pk=callback_request.pk, business=business, status=CallbackRequest.Status.NEW
        ).update(
            status=CallbackRequest.Status.CALLED_BACK,
            called_back_at=timezone.now(),
            called_back_by=user,
        )
    )
    if marked:  # called back and handled are one state: the inbox agrees with the queue
        mark_number_handled(business=business, phone_number=str(callback_request.phone_number))
    return marked
