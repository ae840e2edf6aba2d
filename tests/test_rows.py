"""lasso.rows writes and reads rows as the ORM would, in one statement each."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from calls.models import Call
from consent.models import ConsentEvent
from lasso import rows
from lasso.rows import insert_new, load_one
from tenants.models import BlockedNumber, TwilioNumber
from tests.conftest import new_call_sid

pytestmark = pytest.mark.django_db


def event(tenant, source_ref: str) -> ConsentEvent:
    return ConsentEvent(
        business=tenant.business,
        phone_number="+12125550199",
        kind=ConsentEvent.Kind.INBOUND_CALL,
        channel=ConsentEvent.Channel.VOICE,
        source_ref=source_ref,
        occurred_at=tenant.business.created_at,
    )


def test_it_inserts_a_row_with_its_defaults_and_sets_its_key(tenant):
    call = Call(
        business=tenant.business,
        twilio_number=tenant.number,
        call_sid=new_call_sid(),
        from_raw="+12125550199",
        from_number="+12125550199",
        to_number=str(tenant.number.phone_number),
        mode=tenant.number.mode,
        started_at=tenant.business.created_at,
    )
    assert insert_new(call) == (call.pk,)
    stored = Call.objects.get(pk=call.pk)
    assert (stored.call_sid, stored.public_id, stored.outcome) == (
        call.call_sid,
        call.public_id,
        Call.Outcome.PENDING,
    )


def test_a_row_whose_unique_twin_is_there_is_not_written(tenant):
    assert insert_new(event(tenant, "CA-one")) is not None
    twin = event(tenant, "CA-one")
    with transaction.atomic():  # no exception, so nothing to roll back
        assert insert_new(twin) is None
    assert twin.pk is None
    assert ConsentEvent.objects.filter(source_ref="CA-one").count() == 1


def test_it_loads_a_row_and_its_foreign_key_as_the_orm_does(tenant, django_assert_num_queries):
    to = str(tenant.number.phone_number)
    expected = TwilioNumber.objects.select_related("business").get(phone_number=to)
    with django_assert_num_queries(1):
        number = load_one(
            TwilioNumber, where="t.phone_number = %s", params=[to], related=["business"]
        )
        business = number.business  # attached: no second query
    assert number == expected
    assert (number.phone_number, number.forward_to, number.mode) == (
        expected.phone_number,
        expected.forward_to,
        expected.mode,
    )
    assert business.name == expected.business.name
    assert business.created_at == expected.business.created_at
    assert load_one(TwilioNumber, where="t.phone_number = %s", params=["+19999999999"]) is None


@pytest.mark.django_db(transaction=True)
def test_it_locks_the_row_it_loads_for_update(tenant):
    with transaction.atomic():
        number = load_one(
            TwilioNumber,
            where="t.id = %s",
            params=[tenant.number.pk],
            related=["business"],
            lock=True,
        )
        assert number is not None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = %s AND l.mode = 'RowShareLock' AND l.pid = pg_backend_pid()",
                [TwilioNumber._meta.db_table],
            )
            assert cursor.fetchone()[0] == 1


def test_it_refuses_a_model_whose_columns_the_database_fills_in(monkeypatch):
    field = BlockedNumber._meta.get_field("phone_number")
    monkeypatch.setattr(field, "has_db_default", lambda: True)
    rows._insert_sql.cache_clear()
    try:
        with pytest.raises(TypeError, match="phone_number"):
            insert_new(BlockedNumber(phone_number="+12125550199"))
    finally:
        monkeypatch.undo()
        rows._insert_sql.cache_clear()
