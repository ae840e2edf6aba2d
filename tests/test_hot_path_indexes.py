"""The tables every missed call writes carry only the indexes a query uses.

A missed call inserts a call, a contact, a conversation, a ledger entry and a text, and
updates the call and the text twice more; each of those writes goes into every index of its
table. An index no query can use is CPU on every call and nothing else.
"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

HOT_TABLES = [
    "calls_call",
    "messaging_contact",
    "messaging_conversation",
    "messaging_message",
    "consent_consentevent",
]


def indexes(table: str) -> list[tuple[str, list[str], bool, bool, str]]:
    """(name, columns, unique, partial, definition) of each index on the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, ARRAY(
                     SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                     JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                     ORDER BY k.n),
                   x.indisunique, x.indpred IS NOT NULL, pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = %s
            """,
            [table],
        )
        return [(name, list(cols), unique, partial, sql) for name, cols, unique, partial, sql in cursor]


@pytest.mark.parametrize("table", HOT_TABLES)
def test_no_index_is_only_for_like_prefix_searches(table):
    # Django adds one beside every unique=True / db_index=True text column; nothing here
    # searches by prefix (the admin's and the inbox's searches are substring searches).
    assert [name for name, *_, sql in indexes(table) if "pattern_ops" in sql] == []


@pytest.mark.parametrize("table", HOT_TABLES)
def test_no_plain_index_repeats_the_leading_columns_of_another(table):
    found = indexes(table)
    redundant = [
        (name, other)
        for name, columns, unique, partial, _ in found
        if columns and not unique and not partial
        for other, other_columns, _, other_partial, _ in found
        if other != name
        and not other_partial
        and len(other_columns) > len(columns)
        and other_columns[: len(columns)] == columns
    ]
    assert redundant == []


def test_the_lookups_the_text_back_makes_still_have_their_index():
    """What the trimming kept: each lookup on the missed-call path has an index to use."""
    wanted = {
        "calls_call": [["call_sid"], ["business_id", "from_number", "started_at"], ["outcome"]],
        "messaging_contact": [["business_id", "phone_number"]],
        "messaging_conversation": [["contact_id"], ["business_id", "last_activity_at", "id"]],
        "messaging_message": [["twilio_sid"], ["conversation_id", "created_at"], ["status"]],
        "consent_consentevent": [["business_id", "phone_number", "occurred_at"]],
    }
    for table, lookups in wanted.items():
        available = [columns for _, columns, *_ in indexes(table)]
        missing = [lookup for lookup in lookups if lookup not in available]
        assert missing == [], table
