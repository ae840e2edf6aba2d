"""History for the benches, written by PostgreSQL itself (INSERT … SELECT over
generate_series): hundreds of thousands of rows take seconds, not minutes.

A bench measures a business that has been running a while, as production's are: tables with
rows and statistics. On a new, empty database PostgreSQL plans each prepared statement while
its tables look empty, and keeps that plan as they grow (until autovacuum's first ANALYZE, a
minute or more in): the text-back's updates by primary key then walked the business's whole
index of calls, a cost per call that grew with every call (bench/README.md).

Run inside Django (manage.py shell -c, or a process that called django.setup()).
"""

from __future__ import annotations

from django.db import connection, models

# The earlier callers: a block of numbers no bench caller uses (bench/textback.py calls
# from 212, 646 and, in its throughput phases, 718).
HISTORY_AREA = "347"


def insert_select(
    model: type[models.Model], chosen: dict[str, str], source: str, params: dict[str, object]
) -> None:
    """INSERT INTO the model's table SELECT the `chosen` expression per column FROM `source`.
    Columns not chosen get NULL or their model default, so a field added to the model later
    does not break the seeding."""
    columns, values = [], []
    params = dict(params)
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in chosen:
            values.append(chosen[field.column])
        elif field.null:
            values.append("NULL")
        else:
            key = f"default_{field.column}"
            params[key] = field.get_default()
            values.append(f"%({key})s")
    sql = f"""
        INSERT INTO {model._meta.db_table} ({", ".join(columns)})
        SELECT {", ".join(values)} FROM {source}
    """  # noqa: S608 - table and column names come from our models
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def seed_missed_callers(*, our_number: str, callers: int) -> None:
    """`callers` earlier missed callers of the business that owns `our_number`, one call
    each, days ago (outside any cooldown): the call, its text-back (delivered), the contact,
    the conversation and the ledger's entry for the call; then VACUUM ANALYZE, as
    autovacuum would have long since."""
    from calls.models import Call
    from consent.models import ConsentEvent
    from messaging.models import Contact, Conversation, Message
    from tenants.models import TwilioNumber

    number = TwilioNumber.objects.get(phone_number=our_number)
    params = {
        "business": number.business_id,
        "number": number.pk,
        "ours": our_number,
        "area": f"+1{HISTORY_AREA}",
        "count": callers,
    }
    # Valid numbers, as bench/textback.py's callers: exchange 201 and up, then the line.
    caller = "%(area)s || (201 + i / 10000)::text || lpad((i %% 10000)::text, 4, '0')"
    # Call i started i minutes before two days ago.
    started = "now() - interval '2 days' - make_interval(mins => i)"
    series = "generate_series(1, %(count)s) AS i"
    # The rows below hang off the earlier calls just written (one caller each).
    calls = f"{Call._meta.db_table} c"
    earlier = "c.business_id = %(business)s AND c.from_number LIKE %(area)s || '%%'"
    with_contact = (
        f"JOIN {Contact._meta.db_table} ct"
        " ON ct.business_id = c.business_id AND ct.phone_number = c.from_number"
    )
    with_conversation = f"JOIN {Conversation._meta.db_table} cv ON cv.contact_id = ct.id"
    insert_select(
        Call,
        {
            "business_id": "%(business)s",
            "public_id": "gen_random_uuid()",
            "twilio_number_id": "%(number)s",
            "call_sid": "'CA' || md5('history-' || i)",
            "account_sid": "'AC' || md5('history')",
            "from_raw": caller,
            "from_number": caller,
            "to_number": "%(ours)s",
            "started_at": started,
            "call_status": "'completed'",
            "ended_at": f"{started} + interval '20 seconds'",
            "dial_status": "'no-answer'",
            "dial_duration": "20",
            "outcome": f"'{Call.Outcome.MISSED}'",
            "outcome_reason": "'no-answer'",
            "decided_at": f"{started} + interval '20 seconds'",
            "handed_off_at": f"{started} + interval '20 seconds'",
        },
        series,
        params,
    )
    insert_select(
        Contact,
        {"business_id": "%(business)s", "phone_number": caller, "created_at": started},
        series,
        params,
    )
    insert_select(
        Conversation,
        {
            "business_id": "%(business)s",
            "contact_id": "ct.id",
            "public_id": "gen_random_uuid()",
            "business_number": "%(ours)s",
            "last_activity_at": "c.started_at",
            "last_textback_at": "c.started_at",
        },
        f"{calls} {with_contact} WHERE {earlier}",
        params,
    )
    insert_select(
        Message,
        {
            "business_id": "%(business)s",
            "conversation_id": "cv.id",
            "direction": f"'{Message.Direction.OUTBOUND}'",
            "kind": f"'{Message.Kind.TEXTBACK}'",
            "body": "'Sorry we missed your call. What can we help with today? "
            "Reply STOP to opt out.'",
            "from_number": "%(ours)s",
            "to_number": "c.from_number",
            "status": f"'{Message.Status.DELIVERED}'",
            "twilio_sid": "'SM' || md5(c.call_sid)",
            "call_id": "c.id",
            "attempts": "1",
            "sent_at": "c.started_at + interval '21 seconds'",
            "status_updated_at": "c.started_at + interval '25 seconds'",
            "created_at": "c.started_at + interval '20 seconds'",
        },
        f"{calls} {with_contact} {with_conversation} WHERE {earlier}",
        params,
    )
    insert_select(
        ConsentEvent,
        {
            "business_id": "%(business)s",
            "phone_number": "c.from_number",
            "kind": f"'{ConsentEvent.Kind.INBOUND_CALL}'",
            "channel": "'voice'",
            "source_ref": "c.call_sid",
            "occurred_at": "c.started_at",
            "recorded_at": "c.started_at",
        },
        f"{calls} WHERE {earlier}",
        params,
    )
    vacuum_analyze()


def vacuum_analyze() -> None:
    """VACUUM as well as ANALYZE: left to autovacuum, fresh rows are vacuumed a minute later,
    in the middle of the measurement. Production tables were vacuumed long ago, their
    visibility maps set: measure that state."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
