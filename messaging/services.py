"""Writes for messaging: the text-back, the send pipeline, delivery status, conversations.

Every outbound message is first a row (status "pending"), created inside the transaction
that justifies it and enqueued on commit. The worker claims the row with a conditional
update, asks the consent ledger, and only then calls the gateway. Uniqueness lives in the
database (one text-back per call, one answer per keyword message), so duplicate webhooks,
duplicate tasks and redelivered tasks cannot send twice.
"""

from __future__ import annotations

import logging
import random
import zoneinfo
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from callback_form.models import CallbackRequest
from calls.models import Call
from consent.models import ConsentEvent
from consent.selectors import Permission, Purpose, may_text
from consent.services import record_event
from lasso.rows import insert_new, load_one
from messaging import gateway, texts
from messaging.consent_state import ledger_state, state_now
from messaging.encoding import clean_body, segment_info
from messaging.models import TEXTED_STATUSES, Alert, Contact, Conversation, Message
from tenants.models import TEXTBACK_FRESH_MINUTES_MIN, Business
from tenants.selectors import default_number

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 300.0
# A claimed row older than this was abandoned by a worker that died mid-send.
CLAIM_STALE_AFTER = timedelta(seconds=120)

PURPOSE_FOR_KIND = {
    Message.Kind.TEXTBACK: Purpose.TEXTBACK,
    Message.Kind.HELP: Purpose.HELP,
    Message.Kind.CALLBACK_CONFIRMATION: Purpose.CALLBACK_CONFIRMATION,
    Message.Kind.REPLY: Purpose.CONVERSATION,
}

# Forward-only delivery status: a callback may only move a message to a higher rank.
STATUS_RANK = {
    Message.Status.PENDING: 0,
    Message.Status.SENDING: 1,
    Message.Status.UNKNOWN: 2,
    Message.Status.QUEUED: 3,
    Message.Status.SENT: 4,
    Message.Status.DELIVERED: 5,
    Message.Status.UNDELIVERED: 5,
    Message.Status.FAILED: 5,
}
TWILIO_STATUS = {
    "accepted": Message.Status.QUEUED,
    "scheduled": Message.Status.QUEUED,
    "queued": Message.Status.QUEUED,
    "sending": Message.Status.QUEUED,
    "sent": Message.Status.SENT,
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.DELIVERED,
    "undelivered": Message.Status.UNDELIVERED,
    "failed": Message.Status.FAILED,
}


class ReplyRefused(Exception):
    """The reply rule forbids this message; `reason` says why, for a person to read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- contacts and conversations -------------------------------------------------------------
def contact_and_conversation(
    *,
    business: Business,
    phone_number: str,
    business_number: str,
    at: datetime,
    name: str = "",
) -> tuple[Contact, Conversation]:
    """Get or create the contact and its conversation, locking the contact row so decisions
    about one caller (cooldown, handoff bursts) are made one at a time."""
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(business=business, phone_number=phone_number)
        .first()
    )
    if contact is None or not hasattr(contact, "conversation"):
        # INSERT … ON CONFLICT DO NOTHING: a concurrent first contact from the same number
        # neither fails nor needs a savepoint; the locking read below settles who is first.
        Contact.objects.bulk_create(
            [Contact(business=business, phone_number=phone_number, name=name[:80])],
            ignore_conflicts=True,
        )
        contact = Contact.objects.select_for_update().get(
            business=business, phone_number=phone_number
        )
        Conversation.objects.bulk_create(
            [
                Conversation(
                    business=business,
                    contact=contact,
                    business_number=business_number,
                    last_activity_at=at,
                    # The number may have a consent history already (the ledger outlives
                    # conversations): the copy starts as the ledger says, in this INSERT.
                    consent_state=ledger_state(business=business, phone_number=phone_number),
                )
            ],
            ignore_conflicts=True,
        )
        contact.conversation = Conversation.objects.get(contact=contact)
    if name and not contact.name:
        contact.name = name[:80]
        contact.save(update_fields=["name"])
    return contact, contact.conversation


def new_outbound(
    *,
    conversation: Conversation,
    kind: str,
    body: str,
    status: str = Message.Status.PENDING,
    **links: object,
) -> Message:
    body = clean_body(body)
    info = segment_info(body)
    now = timezone.now()
    return Message.objects.create(
        business_id=conversation.business_id,
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        kind=kind,
        body=body,
        from_number=conversation.business_number,
        to_number=conversation.contact.phone_number,
        status=status,
        segments=info.segments,
        encoding=info.encoding,
        created_at=now,
        # Optimistic: publishing happens on commit; enqueue_send clears this if it fails.
        enqueued_at=now if status == Message.Status.PENDING else None,
        **links,
    )


def enqueue_send(message_id: int) -> None:
    """Publish the send task. If the broker is down the row stays pending and the
    once-a-minute sweep publishes it later: a Redis outage delays a text, never loses it."""
    from messaging.tasks import send_message

    try:
        send_message.apply_async((message_id,), retry=False)
    except Exception:  # broker unreachable: any kombu/redis error
        logger.warning(
            "send of message %s not enqueued (broker down); sweep will retry", message_id
        )
        # Rows are created marked as enqueued (it saves a write per message); clear the
        # mark so the sweep publishes this one within seconds.
        Message.objects.filter(pk=message_id, status=Message.Status.PENDING).update(
            enqueued_at=None
        )


def send_on_commit(message: Message) -> None:
    message_id = message.pk
    transaction.on_commit(lambda: enqueue_send(message_id))


# --- the text-back --------------------------------------------------------------------------
def local_time(business: Business, at: datetime) -> datetime:
    return at.astimezone(zoneinfo.ZoneInfo(business.time_zone))


def fresh_until(*, business: Business, call: Call) -> datetime:
    """After this moment a text-back for the call would arrive too late to make sense: it
    is not sent, and the caller is queued for a callback instead."""
    return call.started_at + timedelta(minutes=business.textback_fresh_minutes)


def last_texted_textback(
    *, business: Business, conversation: Conversation, since: datetime
) -> Message | None:
    """The newest text-back to this caller since `since` that reached Twilio, may have, or
    is on its way. Refused, expired and failed-before-Twilio text-backs start no cooldown."""
    return (
        Message.objects.filter(
            business=business,
            conversation=conversation,
            kind=Message.Kind.TEXTBACK,
            status__in=TEXTED_STATUSES,
            created_at__gte=since,
        )
        .order_by("-created_at")
        .first()
    )


def _first_contact(
    *, business: Business, call: Call, at: datetime, **conversation_fields: object
) -> tuple[Contact, Conversation] | None:
    """A caller Lasso has never heard from (the common case on the missed-call path): their
    contact and conversation, each written with one INSERT, or None when the contact exists.

    The new contact row stays locked by this transaction until it commits (a concurrent
    first call from the same number waits on its unique constraint, then finds it), so a
    new caller's decisions are serialised exactly as `contact_and_conversation` locks an
    existing one. A contact inserted just now cannot have a conversation yet."""
    contact = Contact(business=business, phone_number=call.from_number)
    if insert_new(contact) is None:
        return None
    conversation = Conversation(
        business=business,
        contact=contact,
        business_number=call.to_number,
        last_activity_at=at,
        # The number may have a consent history already (the ledger outlives contacts).
        consent_state=state_now(business_id=business.pk, phone_number=call.from_number),
        **conversation_fields,
    )
    if insert_new(conversation) is None:
        raise IntegrityError(f"a conversation already exists for new contact {contact.pk}")
    contact.conversation = conversation
    return contact, conversation


def _record_call_contact(
    *, business: Business, call: Call, **new_conversation_fields: object
) -> tuple[Contact, Conversation, bool]:
    """The caller's contact and conversation (the contact row locked), and the call in the
    consent ledger; True when the conversation was created now with `new_conversation_fields`.
    Inside the caller's transaction."""
    first = _first_contact(
        business=business, call=call, at=call.started_at, **new_conversation_fields
    )
    if first is None:
        contact, conversation = contact_and_conversation(
            business=business,
            phone_number=call.from_number,
            business_number=call.to_number,
            at=call.started_at,
        )
    else:
        contact, conversation = first
    record_event(
        business=business,
        phone_number=call.from_number,
        kind=ConsentEvent.Kind.INBOUND_CALL,
        channel=ConsentEvent.Channel.VOICE,
        source_ref=call.call_sid,
        occurred_at=call.started_at,
    )
    return contact, conversation, first is not None


def record_inbound_call(*, business: Business, call: Call) -> tuple[Contact, Conversation]:
    """A call is an inbound contact: the caller's contact and conversation (the contact row
    locked), and the call in the consent ledger. Inside the caller's transaction."""
    contact, conversation, _ = _record_call_contact(business=business, call=call)
    return contact, conversation


def _new_textback(
    *, business: Business, conversation: Conversation, call: Call, at: datetime, **fields: object
) -> Message:
    """The call's one text-back row, written with one INSERT; the unique constraint on its
    call refuses a second (IntegrityError, as Message.objects.create would raise)."""
    body = clean_body(texts.textback(business, at=call.started_at))
    info = segment_info(body)
    message = Message(
        business_id=business.pk,
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        kind=Message.Kind.TEXTBACK,
        body=body,
        from_number=conversation.business_number,
        to_number=call.from_number,
        segments=info.segments,
        encoding=info.encoding,
        created_at=at,
        call=call,
        **fields,
    )
    if insert_new(message) is None:
        raise IntegrityError(f"call {call.pk} already has its text-back")
    return message


def handle_missed_call(*, business: Business, call_id: int) -> Message | None:
    """Hand off a missed call (see `hand_off`) and publish its text-back's send."""
    message = hand_off(call_id=call_id, business=business)
    if message is not None and message.status == Message.Status.PENDING:
        send_on_commit(message)
    return message


def hand_off(
    *, call_id: int, business: Business | None = None, decided: Call | None = None
) -> Message | None:
    """A missed, not-skipped call: record the inbound contact, then either create the one
    text-back or, within the cooldown of a text-back that was actually sent, raise a
    "called again" alert instead. A call handed off after its freshness window (an outage
    backlog) is not texted late: its text-back is recorded expired and the caller joins
    the callback queue. Returns the text-back row (pending: for the caller to send), or
    None. One transaction; the call row's lock and its `handed_off_at` make it once.

    `decided`: the call as the enclosing transaction just decided it missed (a drain of
    queued webhooks, calls.voice_queue): its row is locked by that decision already, so it
    is not read again, and the hand-off is part of that transaction (no savepoint: if it
    fails, the whole transaction does). That decision wrote `handed_off_at` already
    (calls.services.decide), in the transaction this hand-off completes."""
    with transaction.atomic(savepoint=decided is None):
        if decided is not None:
            missed = decided.pk == call_id and decided.outcome == Call.Outcome.MISSED
            call = decided if missed else None
            marked = call is not None and call.handed_off_at is not None
        else:
            call = load_one(
                Call,
                where="t.id = %s AND t.outcome = %s",
                params=[call_id, Call.Outcome.MISSED],
                related=["business"],
                lock=True,
            )
            if call is not None and call.handed_off_at is not None:
                return None  # handed off already
            marked = False
        if call is None:
            return None
        if business is not None and call.business_id != business.pk:
            return None
        business = business or call.business
        now = timezone.now()
        expired = now > fresh_until(business=business, call=call)
        # A caller Lasso has never heard from gets their conversation written once, already
        # in the state the text-back leaves it in: no earlier text-back can exist for it.
        contact, conversation, new = _record_call_contact(
            business=business,
            call=call,
            needs_reply=True,
            last_textback_at=None if expired else now,
        )
        cooldown = timedelta(hours=business.textback_cooldown_hours)
        message = None
        earlier = (
            None
            if new
            else last_texted_textback(
                business=business, conversation=conversation, since=now - cooldown
            )
        )
        if earlier is not None:
            conversation.repeat_calls = F("repeat_calls") + 1
            conversation.needs_reply = True
            alert = Alert.objects.create(
                business=business,
                conversation=conversation,
                call=call,
                kind=Alert.Kind.CALLED_AGAIN,
                summary=f"{contact} called again and was missed (already texted "
                f"{local_time(business, earlier.created_at):%b %d %H:%M}).",
            )
            from messaging.handoff import notify_on_commit

            notify_on_commit(alert)
        elif expired:
            message = _new_textback(
                business=business,
                conversation=conversation,
                call=call,
                at=now,
                status=Message.Status.EXPIRED,
                error_message=EXPIRED_REASON,
            )
            conversation.needs_reply = True
            queue_for_callback(
                business=business,
                call=call,
                conversation=conversation,
                source=CallbackRequest.Source.TEXTBACK_EXPIRED,
            )
        else:
            # Marked enqueued: whoever called this sends it next (the sweep re-publishes a
            # pending row whose send never happened).
            message = _new_textback(
                business=business,
                conversation=conversation,
                call=call,
                at=now,
                status=Message.Status.PENDING,
                enqueued_at=now,
            )
            conversation.last_textback_at = now
            # A texted-back caller is a task until someone handles it or the caller answers.
            conversation.needs_reply = True
            from messaging.push.services import push_missed_call_on_commit

            push_missed_call_on_commit(message_id=message.pk)
        if not new:
            conversation.business_number = call.to_number
            conversation.last_activity_at = max(conversation.last_activity_at, call.started_at)
            conversation.save(
                update_fields=[
                    "business_number",
                    "last_activity_at",
                    "repeat_calls",
                    "needs_reply",
                    "last_textback_at",
                ]
            )
        if not marked:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Call._meta.db_table} SET handed_off_at = %s "  # noqa: S608 - our table
                    "WHERE id = %s AND business_id = %s",
                    [now, call.pk, business.pk],
                )
            call.handed_off_at = now
        if message is not None:
            message.business, message.call = business, call
        return message


def text_back(*, call_id: int) -> str:
    """The worker's whole job for one missed call: hand it off, then send its text-back in
    the same task (the claim, the freshness check and the ledger's permission run as for
    any send). Returns the text-back's resulting status, or "" when there was none."""
    message = hand_off(call_id=call_id)
    if message is None:
        # Handed off already: a redelivered task, or the sweep's hand-off. Its text-back may
        # still be waiting, or claimed by a worker that died (the claim marks that one
        # unknown); the claim keeps it to one send either way.
        pending = (
            Message.objects.filter(
                call_id=call_id,
                kind=Message.Kind.TEXTBACK,
                status__in=[Message.Status.PENDING, Message.Status.SENDING],
            )
            .values_list("pk", flat=True)
            .first()
        )
        return deliver(message_id=pending) if pending else ""
    if message.status != Message.Status.PENDING:
        return message.status
    return deliver(message_id=message.pk, loaded=message)


# --- the send pipeline ----------------------------------------------------------------------
def _claim(message_id: int) -> int | None:
    """Claim a pending, due message for sending: its attempt number, or None when it was
    not there to claim. One conditional UPDATE, hand-written (it runs for every text)."""
    now = timezone.now()
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 "  # noqa: S608 - our table
            "WHERE id = %s AND status = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s) "
            "RETURNING attempts",
            [Message.Status.SENDING, now, message_id, Message.Status.PENDING, now],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    # A worker died between claiming and finishing: whether Twilio got the request is
    # unknowable, so the message is marked unknown and never resent.
    abandoned = Message.objects.filter(
        pk=message_id, status=Message.Status.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER
    ).update(
        status=Message.Status.UNKNOWN,
        error_message="worker stopped mid-send; not resent until Twilio's records are checked",
    )
    if abandoned:
        logger.warning("message %s abandoned mid-send; marked unknown", message_id)
    return None


def permission_for(message: Message) -> Permission:
    purpose = PURPOSE_FOR_KIND.get(message.kind)
    source_ref = ""
    if message.kind == Message.Kind.TEXTBACK:
        source_ref = message.call.call_sid if message.call else ""
    elif message.kind == Message.Kind.CALLBACK_CONFIRMATION:
        source_ref = str(message.callback_request_id or "")
    elif message.kind == Message.Kind.HELP:
        source_ref = message.in_reply_to.twilio_sid if message.in_reply_to else ""
    elif message.kind == Message.Kind.KEYWORD:
        is_stop = message.body.startswith("You're unsubscribed")
        purpose = Purpose.OPT_OUT_CONFIRMATION if is_stop else Purpose.OPT_IN_CONFIRMATION
    return may_text(
        business=message.business,
        phone_number=message.to_number,
        purpose=purpose,
        source_ref=source_ref,
    )


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with full jitter."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2**attempt))
    return random.uniform(ceiling / 2, ceiling)


def deliver(*, message_id: int, loaded: Message | None = None) -> str:
    """Send one claimed message; returns its resulting status. `loaded`: the row as its
    creator just wrote it, with its business and call (the text-back's own task), so it is
    not read again; the claim still decides whether it is sent.

    Only what may have reached Twilio is ever marked unknown: a failure before the gateway
    is called (a database error, a soft time limit) puts the message back to pending, to be
    tried again, because nothing went out."""
    attempts = _claim(message_id)
    if attempts is None:
        return "not-claimed"
    try:
        prepared = _prepare(message_id, loaded=loaded)
    except Exception as exc:
        logger.exception("message %s failed before reaching Twilio; will retry", message_id)
        _release_unsent(message_id, exc)
        return Message.Status.PENDING
    if isinstance(prepared, str):
        return prepared
    message = prepared
    message.attempts = attempts
    rows = _StillSending(message_id)

    try:
        result = gateway.get_backend().send(
            to=message.to_number,
            from_=message.from_number,
            body=message.body,
            status_callback=gateway.status_callback_url(),
            messaging_service_sid=gateway.messaging_service_for(message.from_number),
        )
    except gateway.OutcomeUnknown as exc:
        rows.update(status=Message.Status.UNKNOWN, error_message=str(exc)[:300])
        return Message.Status.UNKNOWN
    except gateway.SendError as exc:
        if exc.retryable and message.attempts < MAX_ATTEMPTS:
            # Twilio's own "wait this long" (a 429's Retry-After) wins over our backoff.
            delay = max(
                backoff_seconds(message.attempts),
                min(exc.retry_after or 0.0, BACKOFF_CAP_SECONDS),
            )
            rows.update(
                status=Message.Status.PENDING,
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
                error_code=exc.code,
                error_message=str(exc)[:300],
            )
            _schedule_retry(message_id, delay)
            return Message.Status.PENDING
        rows.update(status=Message.Status.FAILED, error_code=exc.code, error_message=str(exc)[:300])
        if exc.code == gateway.CARRIER_OPT_OUT:
            record_event(
                business=message.business,
                phone_number=message.to_number,
                kind=ConsentEvent.Kind.CARRIER_OPT_OUT,
                channel=ConsentEvent.Channel.CARRIER,
                source_ref=f"msg-{message.pk}",
                words=str(exc)[:300],
            )
        return Message.Status.FAILED

    status = TWILIO_STATUS.get(result.status, Message.Status.QUEUED)
    now = timezone.now()
    with connection.cursor() as cursor:
        # Hand-written: it runs for every text. Still only from "sending" (this claim).
        cursor.execute(
            f"UPDATE {Message._meta.db_table} SET status = %s, twilio_sid = %s, sent_at = %s, "  # noqa: S608 - our table
            "status_updated_at = %s, error_code = '', error_message = '' "
            "WHERE id = %s AND status = %s",
            [status, result.sid, now, now, message_id, Message.Status.SENDING],
        )
    return status


class _StillSending:
    """The claimed row, still "sending" (this claim's), for a conditional update. The
    queryset is built only when one is made: a send that goes as planned needs none, and
    this runs for every text."""

    def __init__(self, message_id: int) -> None:
        self.message_id = message_id

    def update(self, **fields: object) -> int:
        return Message.objects.filter(pk=self.message_id, status=Message.Status.SENDING).update(
            **fields
        )


def _prepare(message_id: int, *, loaded: Message | None = None) -> Message | str:
    """Everything before the gateway call: the claimed row, its freshness and the ledger's
    permission. Returns the message to send, or the status it ended in."""
    # Only what every send reads (freshness, the ledger's question): a HELP answer's
    # inbound message and an expiring text-back's conversation are loaded when needed.
    message = loaded or Message.objects.select_related("business", "call").get(pk=message_id)
    rows = _StillSending(message_id)

    if is_stale_textback(message):
        # Nothing went to Twilio for this row (it was pending, not unknown), so expiring it
        # can never turn into a second text.
        if rows.update(status=Message.Status.EXPIRED, error_message=EXPIRED_REASON):
            expire_to_callback_queue(message=message)
        return Message.Status.EXPIRED

    permission = permission_for(message)
    if not permission:
        rows.update(status=Message.Status.CANCELED, error_message=permission.reason[:300])
        logger.info("message %s not sent: %s", message_id, permission.reason)
        return Message.Status.CANCELED
    return message


def _release_unsent(message_id: int, exc: Exception) -> None:
    """Put a claimed message that never reached the gateway back in the queue. If even
    that fails (the database is gone), the stale claim becomes "unknown" and the
    reconciliation finds nothing at Twilio and sends it then."""
    try:
        row = Message.objects.filter(pk=message_id, status=Message.Status.SENDING)
        attempts = row.values_list("attempts", flat=True).first() or MAX_ATTEMPTS
        reason = f"not sent: {type(exc).__name__}: {exc}"[:300]
        if attempts >= MAX_ATTEMPTS:
            row.update(status=Message.Status.FAILED, error_message=reason)
            return
        delay = backoff_seconds(attempts)
        row.update(
            status=Message.Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            error_message=reason,
        )
        _schedule_retry(message_id, delay)
    except Exception:
        logger.exception("message %s could not be released; the sweeps will settle it", message_id)


def is_stale_textback(message: Message) -> bool:
    return (
        message.kind == Message.Kind.TEXTBACK
        and message.call is not None
        and timezone.now() > fresh_until(business=message.business, call=message.call)
    )


EXPIRED_REASON = "not sent within the freshness window; caller queued for a callback"


def expire_to_callback_queue(*, message: Message) -> None:
    """The text-back for this call will never go out: put the caller in the callback queue
    and tell the team."""
    with transaction.atomic():
        conversation = Conversation.objects.select_related("contact").get(
            pk=message.conversation_id
        )
        Conversation.objects.filter(pk=conversation.pk).update(needs_reply=True)
        queue_for_callback(
            business=message.business,
            call=message.call,
            conversation=conversation,
            source=CallbackRequest.Source.TEXTBACK_EXPIRED,
        )


def queue_for_callback(
    *, business: Business, call: Call, conversation: Conversation, source: str
) -> CallbackRequest | None:
    """Put a missed caller in the business's callback queue, once per call, and raise one
    alert. Returns None when the call was already queued."""
    from messaging.handoff import notify_on_commit

    now = timezone.now()
    try:
        with transaction.atomic():
            entry = CallbackRequest.objects.create(
                business=business,
                source=source,
                call=call,
                name=conversation.contact.name,
                phone_number=call.from_number,
                created_at=now,
                processed_at=now,  # nothing for the form's pipeline to do
            )
    except IntegrityError:
        return None  # this call is already in the queue
    label = CallbackRequest.Source(source).label.lower()
    alert = Alert.objects.create(
        business=business,
        conversation=conversation,
        call=call,
        kind=Alert.Kind.CALLBACK_REQUEST,
        callback_request_id=entry.pk,
        summary=f"Call back {conversation.contact}: missed call at "
        f"{local_time(business, call.started_at):%b %d %H:%M} ({label}).",
    )
    notify_on_commit(alert)
    return entry


def _schedule_retry(message_id: int, delay: float) -> None:
    from messaging.tasks import send_message

    try:
        send_message.apply_async((message_id,), countdown=delay, retry=False)
    except Exception:
        logger.warning("retry of message %s not enqueued (broker down); sweep will", message_id)


def sweep_due_messages(*, limit: int = 500) -> int:
    """Publish pending messages that no queued task will pick up: never enqueued (broker
    down when they were created) or whose retry is long overdue. Claims make a duplicate
    publish harmless."""
    now = timezone.now()
    due = list(
        Message.objects.filter(status=Message.Status.PENDING, direction=Message.Direction.OUTBOUND)
        .filter(
            Q(enqueued_at__isnull=True, created_at__lte=now - timedelta(seconds=5))
            | Q(next_attempt_at__lte=now - timedelta(seconds=30))
            | Q(next_attempt_at__isnull=True, enqueued_at__lte=now - timedelta(minutes=5))
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    # Marked first, published second: a failed publish clears its own mark again.
    Message.objects.filter(pk__in=due, status=Message.Status.PENDING).update(enqueued_at=now)
    for message_id in due:
        enqueue_send(message_id)
    expire_stale_textbacks(limit=limit)
    # Rows stuck in "sending" past the stale limit: mark unknown, never resend.
    stale = list(
        Message.objects.filter(
            status=Message.Status.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER
        ).values_list("pk", flat=True)[:limit]
    )
    for message_id in stale:
        _claim(message_id)
    return len(due)


def expire_stale_textbacks(*, limit: int = 500) -> int:
    """Pending text-backs (waiting on a retry, or never published) whose freshness window
    has passed: expire them now and queue their callers, rather than at the next attempt."""
    candidates = Message.objects.filter(
        status=Message.Status.PENDING,
        kind=Message.Kind.TEXTBACK,
        call__started_at__lt=timezone.now() - timedelta(minutes=TEXTBACK_FRESH_MINUTES_MIN),
    ).select_related("business", "call")[:limit]
    expired = 0
    for message in candidates:
        if not is_stale_textback(message):
            continue
        if Message.objects.filter(pk=message.pk, status=Message.Status.PENDING).update(
            status=Message.Status.EXPIRED, error_message=EXPIRED_REASON
        ):
            expire_to_callback_queue(message=message)
            expired += 1
    return expired


# --- delivery status ------------------------------------------------------------------------
def apply_status_callback(
    *, sid: str, twilio_status: str, error_code: str = "", message_id: int | None = None
) -> bool:
    """Move a message's status forward only. Returns False when the SID is unknown."""
    new = TWILIO_STATUS.get(twilio_status)
    if new is None:
        raise ValueError(f"unknown MessageStatus {twilio_status!r}")
    lower = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK[new]]
    now = timezone.now()
    updates = {"status": new, "status_updated_at": now}
    if error_code:
        updates["error_code"] = error_code[:10]
    updated = Message.objects.filter(twilio_sid=sid, status__in=lower).update(**updates)
    if updated:
        return True
    # A late or repeated callback for a known message changes nothing.
    return Message.objects.filter(twilio_sid=sid).exists()


# --- team replies -----------------------------------------------------------------------------
def send_reply(
    *, business: Business, conversation: Conversation, body: str, sent_by=None
) -> Message:
    """A message written by the team. Allowed only while the conversation is open."""
    body = clean_body(body.strip())
    if not body:
        raise ReplyRefused("Write a message first.")
    if len(body) > 1600:
        raise ReplyRefused("Messages can be at most 1,600 characters.")
    if conversation.business_id != business.pk:
        raise ReplyRefused("That conversation belongs to another business.")
    with transaction.atomic():
        permission = may_text(
            business=business,
            phone_number=conversation.contact.phone_number,
            purpose=Purpose.CONVERSATION,
        )
        if not permission:
            raise ReplyRefused(f"You can't text this number: {permission.reason}.")
        message = new_outbound(
            conversation=conversation,
            kind=Message.Kind.REPLY,
            body=body,
            sent_by=sent_by,
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            last_activity_at=message.created_at,
            needs_reply=False,
            possible_opt_out=False,  # the member read it and chose to answer
            unread_count=0,
            last_read_at=message.created_at,
        )
        send_on_commit(message)
    return message


def reply_permission(*, business: Business, conversation: Conversation) -> Permission:
    return may_text(
        business=business,
        phone_number=conversation.contact.phone_number,
        purpose=Purpose.CONVERSATION,
    )


# --- the callback form ------------------------------------------------------------------------
def open_callback_conversation(
    *,
    business: Business,
    callback_request_id: int,
    phone_number: str,
    name: str,
    details: str = "",
    sms_consent: bool,
) -> Message | None:
    """A callback request: open the conversation, tell the team, and — only when the person
    ticked the SMS box and the ledger shows it — send one confirmation text. Idempotent."""
    from messaging.handoff import notify_on_commit

    number_row = default_number(business=business)
    business_number = str(number_row.phone_number) if number_row else ""
    with transaction.atomic():
        now = timezone.now()
        contact, conversation = contact_and_conversation(
            business=business,
            phone_number=phone_number,
            business_number=business_number,
            at=now,
            name=name,
        )
        conversation.last_activity_at = now
        conversation.needs_reply = True
        conversation.save(update_fields=["last_activity_at", "needs_reply"])
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    business=business,
                    conversation=conversation,
                    kind=Alert.Kind.CALLBACK_REQUEST,
                    callback_request_id=callback_request_id,
                    summary=f"{name or phone_number} asked for a callback"
                    + (f": {details[:200]}" if details else "."),
                )
        except IntegrityError:
            alert = None  # already processed
        if alert is not None:
            notify_on_commit(alert)
        if not sms_consent or not business_number:
            return None
        existing = Message.objects.filter(
            business=business,
            kind=Message.Kind.CALLBACK_CONFIRMATION,
            callback_request_id=callback_request_id,
        ).first()
        if existing:
            return existing
        held_back = confirmation_held_back(business=business, phone_number=phone_number, at=now)
        message = new_outbound(
            conversation=conversation,
            kind=Message.Kind.CALLBACK_CONFIRMATION,
            body=texts.callback_confirmation(business),
            callback_request_id=callback_request_id,
            status=Message.Status.CANCELED if held_back else Message.Status.PENDING,
            error_message=held_back,
        )
        if held_back:
            logger.info("callback confirmation to %s held back: %s", phone_number, held_back)
        else:
            send_on_commit(message)
        return message


CONFIRMATION_WINDOW = timedelta(hours=24)


def confirmation_held_back(*, business: Business, phone_number: str, at: datetime) -> str:
    """Why a callback-form confirmation must not go out now, or "". The form can be filled
    in by anyone with anyone's number, so confirmations are capped: one per number a day,
    and the business's own daily total. The caller holds the contact row's lock, so two
    submissions for one number are counted one after the other; the business row is locked
    here for the daily total."""
    since = at - CONFIRMATION_WINDOW
    confirmations = Message.objects.filter(
        business=business,
        kind=Message.Kind.CALLBACK_CONFIRMATION,
        status__in=TEXTED_STATUSES,  # went out, may have, or is on its way
        created_at__gte=since,
    )
    if confirmations.filter(to_number=phone_number).exists():
        return "held back: this number already got a confirmation text in the last 24 hours"
    Business.objects.select_for_update().filter(pk=business.pk).first()
    cap = business.callback_confirmations_per_day
    if confirmations.count() >= cap:
        return f"held back: the daily limit of {cap} confirmation texts was reached"
    return ""


# --- handled: one state for "marked handled" in the inbox and "called back" in the queue ------
def mark_handled(*, business: Business, conversation: Conversation, user: object) -> None:
    """The team dealt with this customer (called back or sorted it some other way): the
    conversation leaves "Needs reply" and the customer's open callback requests count as
    called back, so the inbox and the callback queue never disagree."""
    now = timezone.now()
    with transaction.atomic():
        Conversation.objects.filter(business=business, pk=conversation.pk).update(
            needs_reply=False, possible_opt_out=False, unread_count=0, last_read_at=now
        )
        CallbackRequest.objects.filter(
            business=business,
            phone_number=conversation.contact.phone_number,
            status=CallbackRequest.Status.NEW,
        ).update(status=CallbackRequest.Status.CALLED_BACK, called_back_at=now, called_back_by=user)


def mark_number_handled(*, business: Business, phone_number: str) -> None:
    """A callback request was marked called back: the caller's conversation is handled too."""
    Conversation.objects.filter(business=business, contact__phone_number=phone_number).update(
        needs_reply=False, possible_opt_out=False
    )


# --- owner tools: the contact's name and notes, saved quick replies ----------------------------
class ContactRefused(ValueError):
    """The name or notes cannot be saved; the message says why in one sentence."""


def update_contact(
    *, business: Business, conversation: Conversation, name: str, notes: str
) -> None:
    name, notes = " ".join(name.split()), notes.strip()
    if len(name) > 80:
        raise ContactRefused("A name can be at most 80 characters.")
    if len(notes) > 2000:
        raise ContactRefused("Notes can be at most 2,000 characters.")
    Contact.objects.filter(business=business, pk=conversation.contact_id).update(
        name=name, notes=notes, edited_at=timezone.now()
    )


class QuickReplyRefused(ValueError):
    """The quick reply cannot be saved; the message says why in one sentence."""


QUICK_REPLY_MAX = 480  # three SMS segments of plain text; longer belongs in a conversation


def save_quick_reply(*, business: Business, title: str, body: str) -> None:
    from messaging.models import QuickReply

    title, body = " ".join(title.split()), clean_body(body.strip())
    if not title or not body:
        raise QuickReplyRefused("Give the quick reply a short name and its text.")
    if len(title) > 40:
        raise QuickReplyRefused("The name can be at most 40 characters.")
    if len(body) > QUICK_REPLY_MAX:
        raise QuickReplyRefused(f"A quick reply can be at most {QUICK_REPLY_MAX} characters.")
    try:
        with transaction.atomic():
            QuickReply.objects.create(business=business, title=title, body=body)
    except IntegrityError:
        raise QuickReplyRefused(f"There is already a quick reply called “{title}”.") from None


def delete_quick_reply(*, business: Business, quick_reply_id: int) -> bool:
    from messaging.models import QuickReply

    deleted, _ = QuickReply.objects.filter(business=business, pk=quick_reply_id).delete()
    return bool(deleted)
