"""The consent ledger cannot be emptied in place, and its export cannot carry a formula
into the owner's spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction

from consent.models import ConsentEvent
from consent.services import record_event

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_without_the_explicit_bypass(tenant):
    record_event(
        business=tenant.business,
        phone_number="+12125550199",
        kind=ConsentEvent.Kind.INBOUND_TEXT,
        channel=ConsentEvent.Channel.SMS,
        source_ref="SM1",
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # This connection carries the test database's bypass; a production one does not.
        cursor.execute("SET LOCAL lasso.ledger_truncate = ''")
        with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic():
            cursor.execute("TRUNCATE consent_consentevent CASCADE")
    assert ConsentEvent.objects.count() == 1


def test_the_test_database_s_flush_may_truncate(tenant):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SHOW lasso.ledger_truncate")
        assert cursor.fetchone() == ("allow",)


@pytest.mark.parametrize(
    "words",
    [
        '=HYPERLINK("https://evil.example","Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_the_csv_export_neutralises_formulas_and_keeps_numbers_as_they_are(
    owner_client, tenant, words
):
    record_event(
        business=tenant.business,
        phone_number="+12125550199",
        kind=ConsentEvent.Kind.INBOUND_TEXT,
        channel=ConsentEvent.Channel.SMS,
        source_ref="SM2",
        words=words,
    )
    response = owner_client.get("/app/consent/export.csv")
    content = b"".join(response.streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(content, newline="")))
    assert row["words"] == "'" + words
    assert row["phone_number"] == "+12125550199"


def test_ordinary_words_are_exported_unchanged(owner_client, tenant):
    record_event(
        business=tenant.business,
        phone_number="+12125550199",
        kind=ConsentEvent.Kind.INBOUND_TEXT,
        channel=ConsentEvent.Channel.SMS,
        source_ref="SM3",
        words="The sink = leaking, 2-3 inches",
    )
    content = b"".join(owner_client.get("/app/consent/export.csv").streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(content, newline="")))
    assert row["words"] == "The sink = leaking, 2-3 inches"
