"""The missed / answered / skipped decision, made exactly once per CallSid.

Twilio tells us about a call in several requests (incoming, the screen on the forwarded
leg, the <Dial> action, the status callback), possibly repeated and in any order. Each
request records what it saw in fields that only fill in; then `decide` derives the outcome
from everything known so far and writes it with a conditional update from "pending", so
the first decision stands and every later request agrees with it or changes nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from calls.models import Call
from lasso.rows import insert_new
from messaging.models import TEXTED_STATUSES, Message
from tenants.countries import texts_number
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
# wait this long after the call ended for the dial result before calling it missed
# (caller hung up ringing). It runs from the end, so a long answered call whose <Dial>
# action comes in a little after the status callback is still answered.
DIAL_RESULT_GRACE = timedelta(seconds=20)

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# The North American numbering plan's own shape (NXX-NXX-XXXX, no N11 area code): it holds
# for area codes the phonenumbers metadata has not heard of yet, and rules out nonsense.
NANP_NATIONAL = re.compile(r"[2-9](?!11)[0-9]{2}[2-9][0-9]{6}")
ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
# ForwardedFrom / CalledVia: a phone number, with or without "+", as carriers send it.
FORWARDING_NUMBER = re.compile(r"\+?[0-9]{3,15}")


def normalize_caller(raw: str) -> str:
    """The caller in E.164 if it is a possible phone number for its country, else "".

    Possible, not "valid": phonenumbers learns of new ranges only with a release, and a
    real caller from a range it does not know yet must still be texted. Twilio's 21211
    ("not a valid phone number") stays the final word, as a permanent send failure.
    """
    raw = raw.strip()
    if not E164.fullmatch(raw):
        return ""
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return ""
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
        return ""  # too short or long for its country, or dialable only locally
    if parsed.country_code == 1 and not NANP_NATIONAL.fullmatch(str(parsed.national_number)):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def forwarding_number(raw: str) -> str:
    """ForwardedFrom / CalledVia as stored: digits with an optional "+", else ""."""
    raw = raw.strip()
    return raw if FORWARDING_NUMBER.fullmatch(raw) else ""


def account_sid(raw: str) -> str:
    raw = raw.strip()
    return raw if ACCOUNT_SID.fullmatch(raw) else ""


def is_other_line(*, call: Call, to: str, account: str) -> bool:
    """True when a request about this CallSid names another called number or account.

    A CallSid belongs to one account and one called number; a request that says otherwise
    is never allowed to act on (or for) another business's call.
    """
    to, account = to.strip(), account.strip()
    if to and to != call.to_number:
        return True
    return bool(account and call.account_sid and account != call.account_sid)


def _digits(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


def _caller_facts(*, business: Business, call: Call) -> dict[str, bool]:
    """Everything the decision needs to know about the caller, in one query.

    Written as SQL because it runs on every missed call: the ORM spent ten times longer
    compiling the four EXISTS clauses than PostgreSQL spends running them.

    A repeat is a call after an earlier one, within the cooldown, that was actually texted
    (its text-back reached Twilio, may have, or is on its way: TEXTED_STATUSES). A text-back
    that was refused, expired or failed before Twilio started no cooldown.
    """
    number = call.from_number
    since = call.started_at - timedelta(hours=business.textback_cooldown_hours)
    texted = list(TEXTED_STATUSES)
    texted_in = ", ".join(["%s"] * len(texted))
    sql = f"""
        SELECT
          EXISTS (SELECT 1 FROM {TwilioNumber._meta.db_table}
                  WHERE business_id = %s AND (phone_number = %s OR forward_to = %s)),
          EXISTS (SELECT 1 FROM {Membership._meta.db_table}
                  WHERE business_id = %s AND mobile_number = %s),
          EXISTS (SELECT 1 FROM {BlockedNumber._meta.db_table}
                  WHERE business_id = %s AND phone_number = %s),
          EXISTS (SELECT 1 FROM {Call._meta.db_table} c
                  JOIN {Message._meta.db_table} m ON m.call_id = c.id
                  WHERE c.business_id = %s AND c.from_number = %s
                    AND c.started_at >= %s AND c.started_at < %s AND c.id <> %s
                    AND m.business_id = %s AND m.kind = %s AND m.status IN ({texted_in}))
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
        since,
        call.started_at,
        call.pk,
        business.pk,
        Message.Kind.TEXTBACK,
        *texted,
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
    if business.same_country_only and not texts_number(
        business=business, number=call.from_number, own_number=call.to_number
    ):
        return Call.SkipReason.OTHER_COUNTRY
    return ""


@dataclass(frozen=True)
class IncomingCall:
    call: Call
    created: bool
    # The CallSid is already stored for another business, number or account: nothing was
    # recorded or decided, and the caller must not be given this number's forwarding.
    conflict: bool = False


def record_incoming(
    *,
    number: TwilioNumber,
    call_sid: str,
    from_raw: str,
    call_status: str = "",
    account: str = "",
    forwarded_from: str = "",
    called_via: str = "",
    started_at: datetime | None = None,
    recorded_from: str = Call.RecordedFrom.INCOMING,
) -> IncomingCall:
    """The Call row for this CallSid: created once, however often Twilio retries. A call
    that cannot be forwarded (missed-only mode, or no forward-to number) is decided now."""
    business = number.business
    now = timezone.now()
    status = call_status if call_status in KNOWN_CALL_STATUSES else ""
    defaults = {
        "business": business,
        "twilio_number": number,
        "account_sid": account_sid(account),
        "from_raw": from_raw[:64],
        "from_number": normalize_caller(from_raw),
        "to_number": number.e164,
        "forwarded_from": forwarding_number(forwarded_from),
        "called_via": forwarding_number(called_via),
        "mode": number.mode,
        "screening": business.screening_enabled and number.mode == TwilioNumber.Mode.FORWARD,
        "started_at": started_at or now,
        "call_status": status,
        "ended_at": now if status in FINAL_CALL_STATUSES else None,
        "recorded_from": recorded_from,
    }
    # Insert first: a new call is the common case, and a retry meets the unique CallSid
    # (nothing written, no savepoint needed: ON CONFLICT DO NOTHING).
    call = Call(call_sid=call_sid, **defaults)
    created = insert_new(call) is not None
    if not created:
        call = Call.objects.get(call_sid=call_sid)
    if call.business_id != business.pk or is_other_line(
        call=call, to=number.e164, account=account_sid(account)
    ):
        logger.error(
            "CallSid %s is stored for business %s (to %s) but came for business %s (to %s); "
            "refused",
            call_sid,
            call.business_id,
            call.to_number,
            business.pk,
            number.phone_number,
        )
        return IncomingCall(call=call, created=False, conflict=True)
    if number.mode == TwilioNumber.Mode.MISSED_ONLY:
        # The carrier forwards only unanswered calls here: every call is missed.
        decide(business=business, call=call, verdict=(Call.Outcome.MISSED, "forwarded-unanswered"))
    elif not number.forward_to_e164:
        # Nothing to ring: waiting for a status callback would only delay the text-back.
        logger.error("number %s has no forward-to number; call %s is missed", number, call_sid)
        decide(business=business, call=call, verdict=(Call.Outcome.MISSED, "no-forward-number"))
    return IncomingCall(call=call, created=created)


def record_screen_accepted(
    *, business: Business, call_sid: str, at: datetime | None = None
) -> bool:
    """A person on the forwarded leg pressed a key: a human, not a voicemail, took it
    (`at`: when, if it was kept elsewhere while the database was away)."""
    updated = Call.objects.filter(
        business=business, call_sid=call_sid, accepted_at__isnull=True
    ).update(accepted_at=at or timezone.now())
    return bool(updated)


def record_screening(*, business: Business, call: Call, screening: bool) -> bool:
    """Whether the call was rung with the screen, as the <Dial> action's URL says; only
    while the call is undecided."""
    return bool(
        Call.objects.filter(business=business, pk=call.pk, outcome=Call.Outcome.PENDING).update(
            screening=screening
        )
    )


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
    """The call's status; the first final status also records when the call ended, which
    starts the grace period for a <Dial> result."""
    if call_status in FINAL_CALL_STATUSES and call.call_status not in FINAL_CALL_STATUSES:
        now = timezone.now()
        updated = (
            Call.objects.filter(business=business, pk=call.pk)
            .exclude(call_status__in=FINAL_CALL_STATUSES)
            .update(call_status=call_status, ended_at=now)
        )
        if updated:
            call.call_status, call.ended_at = call_status, now
        else:
            call.refresh_from_db()
    call = decide(business=business, call=call)
    if call.outcome == Call.Outcome.PENDING and call_status == "completed":
        # Ended with no <Dial> result yet: look again once the grace period is over.
        _settle_later(call.pk)
    return call


def _grace_start(call: Call) -> datetime:
    # Calls that ended before `ended_at` was recorded have only their start to go by.
    return call.ended_at or call.started_at


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
        if now - _grace_start(call) >= DIAL_RESULT_GRACE:
            return Call.Outcome.MISSED, "caller-hung-up-while-ringing"
        return None
    return None


def decide(
    *,
    business: Business,
    call: Call,
    verdict: tuple[str, str] | None = None,
    also: dict[str, object] | None = None,
) -> Call:
    """Settle a pending call if enough is known (or with `verdict`, an (outcome, reason)
    known without waiting for Twilio). Exactly one request wins the conditional update from
    "pending"; that one hands a missed call to messaging, on commit."""
    if call.outcome != Call.Outcome.PENDING:
        return call
    now = timezone.now()
    derived = verdict or derive_outcome(call, now=now)
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
        "outcome_reason": why,
        "skip_reason": skip,
        "decided_at": now,
        "is_repeat": is_repeat,
    }
    from calls import voice_queue

    # A drain applying a batch hands a missed call off in this same transaction, before it
    # commits (or the whole batch fails): the decision writes handed_off_at with the outcome,
    # one statement instead of two (messaging.services.hand_off).
    here = outcome == Call.Outcome.MISSED and voice_queue.collecting_hand_offs()
    if here:
        fields["handed_off_at"] = now
    # No savepoint: inside a webhook's transaction a failed UPDATE fails the whole request
    # anyway, and on its own this is one statement in its own transaction.
    with transaction.atomic(savepoint=False):
        won = _update_if_pending(business.pk, call.pk, fields)
        if won and here:
            voice_queue.hand_off_in_batch(call=call, business=business)
        elif won and outcome == Call.Outcome.MISSED:
            # A worker hands it off, once this commits.
            call_id = call.pk
            transaction.on_commit(lambda: text_back_later(call_id))
    if not won:
        call.refresh_from_db()  # another request decided first; its decision stands
        return call
    for name, value in fields.items():
        setattr(call, name, value)
    logger.info(
        "call %s decided %s (%s%s)", call.call_sid, outcome, why, f", {skip}" if skip else ""
    )
    return call


def _update_if_pending(business_id: int, call_id: int, fields: dict[str, object]) -> int:
    """UPDATE … WHERE outcome = 'pending', hand-written: it runs for every call, and the
    ORM compiled it anew each time. Values are prepared by the fields themselves."""
    columns = [Call._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{field.column} = %s" for field in columns)
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(columns, fields.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Call._meta.db_table} SET {assignments} "  # noqa: S608 - our columns
            "WHERE id = %s AND business_id = %s AND outcome = %s",
            [*params, call_id, business_id, Call.Outcome.PENDING],
        )
        return cursor.rowcount


def _settle_later(call_id: int) -> None:
    from calls.tasks import settle_call

    def publish() -> None:
        try:
            settle_call.apply_async((call_id,), countdown=DIAL_RESULT_GRACE.total_seconds() + 1)
        except Exception:
            logger.warning("settle of call %s not enqueued (broker down); sweep will", call_id)

    transaction.on_commit(publish)


def text_back_later(call_id: int) -> None:
    """Publish the missed call's hand-off and text-back, one task, to a worker: the webhook
    answers Twilio without waiting on either. If the broker is down, hand the call off here
    instead, so the caller's conversation and pending text-back are in the database (and on
    the dashboard) during the outage; the sweep publishes the send when Redis is back."""
    from calls import voice_queue
    from messaging.tasks import text_back

    if voice_queue.take_text_back(call_id):
        return  # decided by a drain of queued webhooks, which texts it on its own threads
    try:
        text_back.apply_async((call_id,), retry=False)
    except Exception:
        logger.warning("text-back of missed call %s not enqueued; handed off here", call_id)
        call = Call.objects.select_related("business").filter(pk=call_id).first()
        if call is not None:
            hand_off_missed_call(business=call.business, call_id=call_id)


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
    grace_over = Q(ended_at__lte=now - DIAL_RESULT_GRACE) | Q(
        ended_at__isnull=True, started_at__lte=now - DIAL_RESULT_GRACE
    )
    for call in (
        Call.objects.filter(grace_over, outcome=Call.Outcome.PENDING, call_status="completed")
        .select_related("business")
        .order_by("pk")[:limit]
    ):
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
