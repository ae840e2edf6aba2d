"""After an outage, every call of it is settled from Twilio's own records, once.

For each Lasso number, Twilio's Calls list is read from a little before the outage began
(`StartTime>`), and each inbound call that has ended is looked at:
- stored and decided: nothing to do (its webhooks reached Lasso);
- not stored: recorded from Twilio's record (its caller, its start), marked as reconciled;
- then, while undecided, decided like any other call, from what Twilio knows. In forward
  mode the legs the call spawned (`ParentCallSid`) tell whether the business's phone
  answered: no answered leg is a missed call, texted back only within the business's
  freshness window (messaging.services.handle_missed_call queues it for a callback after
  that). An answered leg with screening off is an answered call, as it is live.

Twilio's records cannot tell a person from a voicemail box. With screening on, the
keypress says which; when it never reached Lasso (neither the database nor the Redis note
the screen leaves during an outage) the call is neither texted nor called answered: it is
settled as missed, not verified, and the caller goes straight to the callback queue.

Nothing is done twice: the CallSid is unique, `decide` settles a call once, and the
callback queue holds one entry per call.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from callback_form.models import CallbackRequest
from calls import outage as outages
from calls import services
from calls.models import Call, Outage
from messaging import twilio_numbers
from messaging.twilio_numbers import TwilioCall
from tenants.models import TwilioNumber

logger = logging.getLogger(__name__)

# Webhooks may have failed a little before the first one that was noted.
LEAD = timedelta(minutes=2)
UNVERIFIED = "unverified-after-outage"
CHILD_MISSED = {"busy", "no-answer", "failed", "canceled"}


def verdict_for(*, call: Call, legs: list[TwilioCall]) -> tuple[str, str]:
    """(outcome, reason) of an ended forward-mode call, from its legs and what Lasso knows."""
    if any(leg.status == "completed" for leg in legs):
        if not call.screening or call.accepted_at is not None:
            return Call.Outcome.ANSWERED, "answered"
        return Call.Outcome.MISSED, UNVERIFIED
    missed = [leg.status for leg in legs if leg.status in CHILD_MISSED]
    return Call.Outcome.MISSED, missed[0] if missed else "caller-hung-up-while-ringing"


def _queue_unverified(*, call: Call) -> None:
    """The caller of a call nobody can say was answered: into the callback queue, untexted."""
    from messaging.services import queue_for_callback, record_inbound_call

    business = call.business
    with transaction.atomic():
        _, conversation = record_inbound_call(business=business, call=call)
        conversation.needs_reply = True
        conversation.save(update_fields=["needs_reply"])
        queue_for_callback(
            business=business,
            call=call,
            conversation=conversation,
            source=CallbackRequest.Source.OUTAGE_UNVERIFIED,
        )


def settle(*, number: TwilioNumber, record: TwilioCall) -> str:
    """Settle one ended inbound call from Twilio's record. Returns what was done:
    "known" (already decided), "refused" (the CallSid belongs to another line), or the
    call's outcome, prefixed "recorded " when Lasso had not stored it."""
    business = number.business
    call = Call.objects.filter(call_sid=record.sid).first()
    if call is not None and call.outcome != Call.Outcome.PENDING:
        return "known"
    recorded = ""
    if call is None:
        incoming = services.record_incoming(
            number=number,
            call_sid=record.sid,
            from_raw=record.from_,
            call_status=record.status,
            started_at=record.start_time,
            recorded_from=Call.RecordedFrom.RECONCILED,
        )
        if incoming.conflict:
            return "refused"
        call, recorded = incoming.call, "recorded " if incoming.created else ""
    if call.business_id != business.pk:
        return "refused"
    if call.screening and call.accepted_at is None:
        at = outages.accepted_at(call_sid=call.call_sid)
        if at is not None and services.record_screen_accepted(
            business=business, call_sid=call.call_sid, at=at
        ):
            call.accepted_at = at
    if call.outcome != Call.Outcome.PENDING:
        return recorded + call.outcome  # missed-only: decided (and handed off) on record
    legs = twilio_numbers.child_calls(parent_sid=record.sid, phone_number=call.to_number)
    outcome, why = verdict_for(call=call, legs=legs)
    now = timezone.now()
    also: dict[str, object] = {
        "call_status": record.status,
        "ended_at": record.end_time or now,
    }
    answered_leg = next((leg for leg in legs if leg.status == "completed"), None)
    if not call.dial_status and legs:
        leg = answered_leg or legs[0]
        also["dial_status"] = leg.status
        also["dial_duration"] = leg.duration
    if why == UNVERIFIED:
        # Handed off here, not to the text-back: the decision and the queue entry commit
        # together, and messaging's hand-off finds the call already handed off.
        also["handed_off_at"] = now
        with transaction.atomic():
            call = services.decide(business=business, call=call, verdict=(outcome, why), also=also)
            if call.outcome == Call.Outcome.MISSED and call.outcome_reason == UNVERIFIED:
                _queue_unverified(call=call)
    else:
        call = services.decide(business=business, call=call, verdict=(outcome, why), also=also)
    return recorded + call.outcome


def reconcile_window(*, started_at: datetime, ended_at: datetime) -> Counter[str]:
    """Settle every ended inbound call of every number that started in the window.
    Raises twilio_numbers.TwilioUnavailable when Twilio's records cannot be read."""
    done: Counter[str] = Counter()
    since = started_at - LEAD
    for number in TwilioNumber.objects.select_related("business").order_by("pk"):
        for record in twilio_numbers.calls_to(
            phone_number=str(number.phone_number), started_after=since
        ):
            if record.direction != "inbound" or record.parent_sid:
                continue  # the forwarded legs are read with their parent
            if record.start_time is not None and record.start_time > ended_at:
                continue  # after the outage: its webhooks reached Lasso
            if record.status not in services.FINAL_CALL_STATUSES:
                continue  # still going: its own callbacks will settle it
            done[settle(number=number, record=record)] += 1
    return done


def run(*, now: datetime | None = None) -> int:
    """Find an outage that ended, and settle the calls of every outage not yet reconciled.
    Returns how many outages were reconciled. Without Twilio (development), outages are
    recorded but their calls cannot be read."""
    outages.detect(now=now)
    count = 0
    for outage in Outage.objects.filter(reconciled_at__isnull=True).order_by("started_at"):
        if not twilio_numbers.enabled():
            logger.warning("outage %s: no Twilio to read calls from; not reconciled", outage)
            Outage.objects.filter(pk=outage.pk).update(reconciled_at=timezone.now())
            continue
        try:
            done = reconcile_window(started_at=outage.started_at, ended_at=outage.ended_at)
        except twilio_numbers.TwilioUnavailable as exc:
            logger.warning("outage %s: Twilio's records unreadable, trying later: %s", outage, exc)
            break
        recorded = sum(n for what, n in done.items() if what.startswith("recorded "))
        Outage.objects.filter(pk=outage.pk).update(
            reconciled_at=timezone.now(), calls_recorded=recorded
        )
        logger.warning("outage %s reconciled: %s", outage, dict(done))
        count += 1
    return count
