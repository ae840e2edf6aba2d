from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from consent.models import ConsentEvent
from consent.selectors import Purpose, may_text
from consent.services import disclosure_version, record_event
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


def event(tenant, kind, ref="", **extra):
    return record_event(
        business=tenant.business,
        phone_number=CALLER,
        kind=kind,
        channel="sms",
        source_ref=ref,
        **extra,
    )


def test_the_database_rejects_updates(tenant):
    row = event(tenant, "opt_out", "SM1", words="STOP")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ConsentEvent.objects.filter(pk=row.pk).update(kind="opt_in")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        row.words = "START"
        row.save()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE consent_consentevent SET words = 'x'")
    row.refresh_from_db()
    assert (row.kind, row.words) == ("opt_out", "STOP")


def test_the_database_rejects_deletes(tenant):
    row = event(tenant, "opt_out", "SM1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        row.delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM consent_consentevent")
    assert ConsentEvent.objects.filter(pk=row.pk).exists()


def test_the_same_source_is_recorded_once(tenant):
    first = event(tenant, "inbound_text", "SM1")
    again = event(tenant, "inbound_text", "SM1")
    assert first.pk == again.pk
    assert ConsentEvent.objects.count() == 1


def test_form_consent_keeps_the_disclosure_and_its_version(tenant):
    row = record_event(
        business=tenant.business,
        phone_number=CALLER,
        kind="callback_form",
        channel="web",
        source_ref="42",
        disclosure_text="I agree…",
        ip_address="203.0.113.9",
        user_agent="Mozilla",
        page_url="https://lassocalls.com/request-callback/",
    )
    assert row.disclosure_version == disclosure_version("I agree…")
    assert len(row.disclosure_version) == 64


def test_a_textback_needs_the_call_it_answers(tenant):
    assert not may_text(
        business=tenant.business, phone_number=CALLER, purpose=Purpose.TEXTBACK, source_ref="CA1"
    )
    event(tenant, "inbound_call", "CA1")
    assert may_text(
        business=tenant.business, phone_number=CALLER, purpose=Purpose.TEXTBACK, source_ref="CA1"
    )


def test_a_call_alone_does_not_open_a_conversation(tenant):
    event(tenant, "inbound_call", "CA1")
    permission = may_text(
        business=tenant.business, phone_number=CALLER, purpose=Purpose.CONVERSATION
    )
    assert not permission
    assert "has not texted the business" in permission.reason


def test_a_text_opens_the_conversation_for_the_reply_window(tenant):
    event(tenant, "inbound_text", "SM1")
    assert may_text(business=tenant.business, phone_number=CALLER, purpose=Purpose.CONVERSATION)


def test_the_conversation_closes_after_the_reply_window(tenant):
    event(tenant, "inbound_text", "SM1", occurred_at=timezone.now() - timedelta(days=31))
    permission = may_text(
        business=tenant.business, phone_number=CALLER, purpose=Purpose.CONVERSATION
    )
    assert not permission
    assert "more than 30 days ago" in permission.reason


def test_stop_forbids_everything_but_its_confirmation_and_help(tenant):
    event(tenant, "inbound_text", "SM1")
    event(tenant, "inbound_call", "CA1")
    event(tenant, "opt_out", "SM2", words="STOP")
    for purpose, ref in [(Purpose.CONVERSATION, ""), (Purpose.TEXTBACK, "CA1")]:
        permission = may_text(
            business=tenant.business, phone_number=CALLER, purpose=purpose, source_ref=ref
        )
        assert not permission and "opted out" in permission.reason
    assert may_text(
        business=tenant.business, phone_number=CALLER, purpose=Purpose.OPT_OUT_CONFIRMATION
    )
    # HELP after STOP is answered, and answering it opens nothing else.
    event(tenant, "help", "SM3", words="HELP")
    help_answer = may_text(
        business=tenant.business, phone_number=CALLER, purpose=Purpose.HELP, source_ref="SM3"
    )
    assert help_answer, help_answer.reason
    unasked = may_text(
        business=tenant.business, phone_number=CALLER, purpose=Purpose.HELP, source_ref="SM9"
    )
    assert not unasked and "no HELP request" in unasked.reason
    after_help = may_text(
        business=tenant.business, phone_number=CALLER, purpose=Purpose.CONVERSATION
    )
    assert not after_help and "opted out" in after_help.reason


def test_start_after_stop_allows_texts_again(tenant):
    event(tenant, "inbound_text", "SM1")
    event(tenant, "opt_out", "SM2")
    event(tenant, "opt_in", "SM3")
    assert may_text(business=tenant.business, phone_number=CALLER, purpose=Purpose.CONVERSATION)


def test_one_business_s_stop_does_not_affect_another(tenant, other_tenant):
    event(tenant, "opt_out", "SM1")
    record_event(
        business=other_tenant.business,
        phone_number=CALLER,
        kind="inbound_call",
        channel="voice",
        source_ref="CA9",
    )
    assert may_text(
        business=other_tenant.business,
        phone_number=CALLER,
        purpose=Purpose.TEXTBACK,
        source_ref="CA9",
    )
