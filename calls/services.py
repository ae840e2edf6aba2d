"""The missed / answered / skipped decision, made exactly once per CallSid.

Twilio tells us about a call in several requests (incoming, the screen on the forwarded
leg, the <Dial> action, the status callback), possibly repeated and in any order. Each
request records what it saw in fields that only fill in; then `decide` derives the outcome
from everything known so far and writes it with a conditional update from "pending", so
the first decision stands and every later request agrees with it or changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from calls.models import Call
from tenants.models import BlockedNumber, Business, Membership, TwilioNumber

logger = logging.getLogger(__name__)

FINAL_CALL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
KNOWN_CALL_STATUSES = FINAL_CALL_STATUSES | {"queued", "initiated", "ringing", "in-progress"}
DIAL_STATUSES = {"completed", "answered", "busy", "no-answer", "failed", "canceled"}
ANONYMOUS_IDS = {
    "anonymous",
    "restricted",
    "unavailable",
    "unknown",
    "private",
    "blocked",
    "266696687",  # "ANONYMOUS" on a keypad, as some carriers send it
    "7378742833",  # "RESTRICTED"
    "86282452253",  # "UNAVAILABLE"
    "8656696",  # "UNKNOWN"
}
# With screening off, a completed call with no <Dial> result yet might still be answered:
# wait this long for the dial result before calling it missed (caller hung up ringing).
DIAL_RESULT_GRACE = timedelta(seconds=20)


def normalize_caller(raw: str) -> str:
    """The caller in E.164 if it is a valid phone number, else ""."""
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _digits(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


def _caller_facts(*, business: Business, call: Call) -> dict[str, bool]:
    """Everything the decision needs to know about the caller, in one query.

    Written as SQL because it runs on every missed call: the ORM spent ten times longer
    compiling the four EXISTS clauses than PostgreSQL spends running them.
    """
    number = call.from_number
    since = call.started_at - timedelta(hours=business.textback_cooldown_hours)
    sql = f"""
        SELECT
          EXISTS (SELECT 1 FROM {TwilioNumber._meta.db_table}
                  WHERE business_id = %s AND (phone_number = %s OR forward_to = %s)),
          EXISTS (SELECT 1 FROM {Membership._meta.db_table}
                  WHERE business_id = %s AND mobile_number = %s),
          EXISTS (SELECT 1 FROM {BlockedNumber._meta.db_table}
                  WHERE business_id = %s AND phone_number = %s),
          EXISTS (SELECT 1 FROM {Call._meta.db_table}
                  WHERE business_id = %s AND from_number = %s AND outcome IN (%s, %s)
                    AND started_at >= %s AND started_at < %s AND id <> %s)
    """  # noqa: S608 - table names come from our models; values are parameters
    params = [
        business.pk,
        number,
        number,
        business.pk,
        number,
        business.pk,
        number,
        business.pk,
        number,
        Call.Outcome.MISSED,
        Call.Outcome.SKIPPED,
        since,
        call.started_at,
        call.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        own, member, blocked, repeat = cursor.fetchone()
    return {
        "is_own": bool(own),
        "is_member": bool(member),
        "is_blocked": bool(blocked),
        "is_repeat": bool(repeat),
    }


def skip_reason(*, business: Business, call: Call, facts: dict[str, bool] | None = None) -> str:
    """Why this missed call must not be texted, or "" when it may be."""
    raw = call.from_raw.strip()
    if not raw or raw.lower().lstrip("+") in ANONYMOUS_IDS or _digits(raw) in ANONYMOUS_IDS:
        return Call.SkipReason.ANONYMOUS
    digits = _digits(raw)
    if not raw.startswith("+") and 3 <= len(digits) <= 8:
        return Call.SkipReason.SHORT_CODE
    if not call.from_number:
        return Call.SkipReason.INVALID_NUMBER
    facts = facts or _caller_facts(business=business, call=call)
    if facts["is_own"]:
        return Call.SkipReason.OWN_NUMBER
    if facts["is_member"]:
        return Call.SkipReason.MEMBER
    if facts["is_blocked"]:
        return Call.SkipReason.BLOCKED
    if business.same_country_only:
        caller = phonenumbers.parse(call.from_number)
        ours = phonenumbers.parse(call.to_number)
        if caller.country_code != ours.country_code:
            return Call.SkipReason.OTHER_COUNTRY
    return ""


@dataclass(frozen=True)
class IncomingCall:
    call: Call
    created: bool


def record_incoming(
    *,
    number: TwilioNumber,
    call_sid: str,
    from_raw: str,
    call_status: str = "",
    started_at: datetime | None = None,
) -> IncomingCall:
    """The Call row for this CallSid: created once, however often Twilio retries."""
    business = number.business
    defaults = {
        "business": business,
        "twilio_number": number,
        "from_raw": from_raw[:64],
        "from_number": normalize_caller(from_raw),
        "to_number": str(number.phone_number),
        "mode": number.mode,
        "screening": business.screening_enabled and number.mode == TwilioNumber.Mode.FORWARD,
        "started_at": started_at or timezone.now(),
        "call_status": call_status if call_status in KNOWN_CALL_STATUSES else "",
    }
    try:
        # Insert first: a new call is the common case, and a retry hits the unique CallSid.
        with transaction.atomic():
            call, created = Call.objects.create(call_sid=call_sid, **defaults), True
    except IntegrityError:
        call, created = Call.objects.get(call_sid=call_sid), False
    if call.business_id != business.pk:
        logger.warning("CallSid %s seen for two businesses; keeping the first", call_sid)
    if created and number.mode == TwilioNumber.Mode.MISSED_ONLY:
        # The carrier forwards only unanswered calls here: every call is missed.
        decide(business=business, call=call, reason="forwarded-unanswered")
    return IncomingCall(call=call, created=created)


def record_screen_accepted(*, business: Business, call_sid: str) -> bool:
    """A person on the forwarded leg pressed a key: a human, not a voicemail, took it."""
    updated = Call.objects.filter(
        business=business, call_sid=call_sid, accepted_at__isnull=True
    ).update(accepted_at=timezone.now())
    return bool(updated)


def record_dial_result(
    *, business: Business, call: Call, dial_status: str, duration: int | None
) -> Call:
    """The <Dial> result, kept once; then decide with it. When it settles the call, the
    result is written with the decision, in one statement."""
    if call.dial_status:
        return decide(business=business, call=call)
    call.dial_status, call.dial_duration = dial_status, duration
    decided = decide(
        business=business,
        call=call,
        also={"dial_status": dial_status, "dial_duration": duration},
    )
    if decided.outcome == Call.Outcome.PENDING or not decided.dial_status:
        # Not settled by this result (or another request settled it first): keep it anyway.
        Call.objects.filter(business=business, pk=call.pk, dial_status="").update(
            dial_status=dial_status, dial_duration=duration
        )
    return decided


def record_call_status(*, business: Business, call: Call, call_status: str) -> Call:
    if call_status in FINAL_CALL_STATUSES and call.call_status not in FINAL_CALL_STATUSES:
        updated = (
            Call.objects.filter(business=business, pk=call.pk)
            .exclude(call_status__in=FINAL_CALL_STATUSES)
            .update(call_status=call_status)
        )
        if updated:
            call.call_status = call_status
        else:
            call.refresh_from_db()
    call = decide(business=business, call=call)
    if call.outcome == Call.Outcome.PENDING and call_status == "completed":
        # Ended with no <Dial> result yet: look again once the grace period is over.
        _settle_later(call.pk)
    return call


def record_voicemail(*, business: Business, call_sid: str, url: str, seconds: int | None) -> None:
    Call.objects.filter(business=business, call_sid=call_sid, voicemail_url="").update(
        voicemail_url=url[:500], voicemail_seconds=seconds
    )


def derive_outcome(call: Call, *, now: datetime) -> tuple[str, str] | None:
    """(outcome, reason) from what is known, or None while it cannot be told yet."""
    if call.mode == TwilioNumber.Mode.MISSED_ONLY:
        return Call.Outcome.MISSED, "forwarded-unanswered"
    human = call.accepted_at is not None if call.screening else None
    dial = call.dial_status
    if dial in {"completed", "answered"}:
        if call.screening and not human:
            return Call.Outcome.MISSED, "not-accepted-on-screen"
        return Call.Outcome.ANSWERED, "answered"
    if dial in {"busy", "no-answer", "failed", "canceled"}:
        if human:
            # The answering phone accepted, then the bridge failed: still a person took it.
            return Call.Outcome.ANSWERED, "answered"
        return Call.Outcome.MISSED, dial
    status = call.call_status
    if status in {"busy", "no-answer", "failed", "canceled"}:
        return Call.Outcome.MISSED, status
    if status == "completed":
        if human:
            return Call.Outcome.ANSWERED, "answered"
        if call.screening:
            # The screen runs during the call, so a keypress would already be recorded.
            return Call.Outcome.MISSED, "caller-hung-up-while-ringing"
        if now - call.started_at >= DIAL_RESULT_GRACE:
            return Call.Outcome.MISSED, "caller-hung-up-while-ringing"
        return None
    return None


def decide(
    *, business: Business, call: Call, reason: str = "", also: dict[str, object] | None = None
) -> Call:
    """Settle a pending call if enough is known. Exactly one request wins the conditional
    update from "pending"; that one hands a missed call to messaging, on commit."""
    if call.outcome != Call.Outcome.PENDING:
        return call
    now = timezone.now()
    derived = derive_outcome(call, now=now)
    if derived is None:
        return call
    outcome, why = derived
    skip, is_repeat = "", False
    if outcome == Call.Outcome.MISSED:
        facts = _caller_facts(business=business, call=call) if call.from_number else None
        skip = skip_reason(business=business, call=call, facts=facts)
        is_repeat = bool(facts and facts["is_repeat"])
        if skip:
            outcome = Call.Outcome.SKIPPED
    fields = {
        **(also or {}),
        "outcome": outcome,
        "outcome_reason": reason or why,
        "skip_reason": skip,
        "decided_at": now,
        "is_repeat": is_repeat,
    }
    with transaction.atomic():
        won = Call.objects.filter(pk=call.pk, outcome=Call.Outcome.PENDING).update(**fields)
        if won and outcome == Call.Outcome.MISSED:
            call_id = call.pk
            transaction.on_commit(lambda: hand_off_missed_call(business=business, call_id=call_id))
    if not won:
        call.refresh_from_db()  # another request decided first; its decision stands
        return call
    for name, value in fields.items():
        setattr(call, name, value)
    logger.info(
        "call %s decided %s (%s%s)", call.call_sid, outcome, why, f", {skip}" if skip else ""
    )
    return call


def _settle_later(call_id: int) -> None:
    from calls.tasks import settle_call

    def publish() -> None:
        try:
            settle_call.apply_async((call_id,), countdown=DIAL_RESULT_GRACE.total_seconds() + 1)
        except Exception:
            logger.warning("settle of call %s not enqueued (broker down); sweep will", call_id)

    transaction.on_commit(publish)


def hand_off_missed_call(*, business: Business, call_id: int) -> None:
    from messaging.services import handle_missed_call

    try:
        handle_missed_call(business=business, call_id=call_id)
    except Exception:
        # The sweep retries calls that were missed but never handed off.
        logger.exception("hand-off of missed call %s failed; the sweep will retry", call_id)


def sweep_undecided_and_unhanded(*, limit: int = 500) -> int:
    """Settle calls stuck undecided (a callback never came) and hand off missed calls whose
    hand-off never ran (the process died between commit and hand-off)."""
    now = timezone.now()
    count = 0
    for call in Call.objects.filter(
        outcome=Call.Outcome.PENDING,
        call_status="completed",
        started_at__lte=now - DIAL_RESULT_GRACE,
    ).select_related("business")[:limit]:
        decide(business=call.business, call=call)
        count += 1
    for call in Call.objects.filter(
        outcome=Call.Outcome.MISSED,
        handed_off_at__isnull=True,
        decided_at__lte=now - timedelta(seconds=10),
    ).select_related("business")[:limit]:
        hand_off_missed_call(business=call.business, call_id=call.pk)
        count += 1
    return count
