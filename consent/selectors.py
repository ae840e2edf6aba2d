"""Reads on the consent ledger, and the one answer to "may we text this number now?"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from consent.models import ConsentEvent
from tenants.models import Business

Kind = ConsentEvent.Kind

OPT_OUT_KINDS = {Kind.OPT_OUT, Kind.CARRIER_OPT_OUT}
STATE_KINDS = OPT_OUT_KINDS | {Kind.OPT_IN}
CONTACT_KINDS = {Kind.INBOUND_CALL, Kind.INBOUND_TEXT, Kind.CALLBACK_FORM, Kind.OPT_IN}


class Purpose(StrEnum):
    """Why the product wants to send. Each purpose has its own rule below."""

    TEXTBACK = "textback"  # the one text after a missed call
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"
    OPT_IN_CONFIRMATION = "opt_in_confirmation"
    HELP = "help"
    CALLBACK_CONFIRMATION = "callback_confirmation"
    CONVERSATION = "conversation"  # anything a person on the team writes
    TEAM_ALERT = "team_alert"  # a member's own cell, which they signed up for alerts on


@dataclass(frozen=True)
class Permission:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def events_for(*, business: Business, phone_number: str) -> QuerySet[ConsentEvent]:
    return ConsentEvent.objects.filter(business=business, phone_number=phone_number)


def is_opted_out(*, business: Business, phone_number: str) -> bool:
    return ledger_facts(business_id=business.pk, phone_number=phone_number)[0] in OPT_OUT_KINDS


def ledger_facts(
    *, business_id: int, phone_number: str, source_kind: str = "", source_ref: str = ""
) -> tuple[str | None, bool]:
    """(the kind of the number's latest opt-out / carrier opt-out / opt-in event or None,
    whether an event of `source_kind` with `source_ref` is recorded), in one hand-written
    statement: it is asked before every text, and the ORM took longer to build the two
    queries than PostgreSQL takes to answer them. Latest means by occurred_at, then id."""
    kinds = sorted(STATE_KINDS)
    marks = ", ".join(["%s"] * len(kinds))
    table = ConsentEvent._meta.db_table
    sql = (
        f"SELECT (SELECT kind FROM {table} WHERE business_id = %s AND phone_number = %s "  # noqa: S608 - our table
        f"AND kind IN ({marks}) ORDER BY occurred_at DESC, id DESC LIMIT 1), "
        f"EXISTS (SELECT 1 FROM {table} WHERE business_id = %s AND phone_number = %s "
        "AND kind = %s AND source_ref = %s)"
    )
    number = str(phone_number)
    params = [business_id, number, *kinds, business_id, number, source_kind, source_ref]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        latest, has_source = cursor.fetchone()
    return latest, bool(has_source) and bool(source_kind)


# The ledger event each purpose's source_ref names.
SOURCE_KIND = {
    Purpose.TEXTBACK: Kind.INBOUND_CALL,
    Purpose.HELP: Kind.HELP,
    Purpose.CALLBACK_CONFIRMATION: Kind.CALLBACK_FORM,
}


def may_text(
    *,
    business: Business,
    phone_number: str,
    purpose: Purpose,
    source_ref: str = "",
) -> Permission:
    """May `business` text `phone_number` now, for `purpose`? Derived from the ledger alone.

    - An opt-out (STOP, or a carrier's 21610) forbids everything but the one confirmation
      of that opt-out and answers to HELP, until the person opts back in.
    - The text-back needs the inbound call it answers (`source_ref` = its CallSid).
    - The callback confirmation needs the form's consent event (`source_ref` = request id).
    - Anything the team writes needs an open conversation: the person texted the business,
      or asked for texts on the callback form, within the business's reply window.
    """
    latest_kind, has_source = ledger_facts(
        business_id=business.pk,
        phone_number=phone_number,
        source_kind=SOURCE_KIND.get(purpose, ""),
        source_ref=source_ref,
    )
    opted_out = latest_kind in OPT_OUT_KINDS

    if purpose == Purpose.OPT_OUT_CONFIRMATION:
        if latest_kind == Kind.OPT_OUT:
            return Permission(True, "confirming the opt-out the person just sent")
        return Permission(False, "there is no opt-out to confirm")
    if purpose == Purpose.HELP:
        if has_source or not source_ref:
            return Permission(True, "answering the person's HELP request")
        return Permission(False, "no HELP request to answer")
    if opted_out:
        events = events_for(business=business, phone_number=phone_number)
        latest_state = events.filter(kind__in=STATE_KINDS).order_by("-occurred_at", "-id").first()
        kind = latest_state.get_kind_display() if latest_state else Kind(latest_kind).label
        when = (
            timezone.localtime(latest_state.occurred_at).strftime("%b %d, %Y %H:%M %Z")
            if latest_state
            else "a moment ago"
        )
        return Permission(False, f"this number opted out ({kind}) on {when}")

    if purpose == Purpose.OPT_IN_CONFIRMATION:
        if latest_kind == Kind.OPT_IN:
            return Permission(True, "confirming the person's opt-in")
        return Permission(False, "there is no opt-in to confirm")
    if purpose == Purpose.TEXTBACK:
        if has_source:
            return Permission(True, "answering a missed call from this number")
        return Permission(False, "no inbound call from this number justifies a text-back")
    if purpose == Purpose.TEAM_ALERT:
        # The member turned alerts on for their own number in the dashboard; a STOP from that
        # phone (handled above) turns them off like any other text.
        return Permission(True, "a team member asked for alerts on this phone")
    if purpose == Purpose.CALLBACK_CONFIRMATION:
        if has_source:
            return Permission(True, "the person asked for texts on the callback form")
        return Permission(False, "the callback request did not include SMS consent")
    if purpose == Purpose.CONVERSATION:
        window = timedelta(days=business.reply_window_days)
        since = timezone.now() - window
        latest_contact = (
            events_for(business=business, phone_number=phone_number)
            .filter(kind__in=[Kind.INBOUND_TEXT, Kind.CALLBACK_FORM, Kind.OPT_IN])
            .order_by("-occurred_at")
            .first()
        )
        if latest_contact is None:
            return Permission(
                False,
                "this person has not texted the business or asked for texts; the team can "
                "reply only after they do",
            )
        if latest_contact.occurred_at < since:
            return Permission(
                False,
                f"the conversation closed: their last message was more than "
                f"{business.reply_window_days} days ago",
            )
        return Permission(True, "the person texted the business or asked for texts recently")
    return Permission(False, f"unknown purpose {purpose!r}")
