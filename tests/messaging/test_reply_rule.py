"""The reply rule, enforced by the service every sender goes through (dashboard and API)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.services import record_event
from messaging.models import Message
from messaging.services import ReplyRefused, contact_and_conversation, send_reply
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(tenant):
    _, conversation = contact_and_conversation(
        business=tenant.business,
        phone_number=CALLER,
        business_number=str(tenant.number.phone_number),
        at=timezone.now(),
    )
    return conversation


def ledger(tenant, kind, ref, **extra):
    record_event(
        business=tenant.business,
        phone_number=CALLER,
        kind=kind,
        channel="sms",
        source_ref=ref,
        **extra,
    )


def refused(tenant, conversation, body="Hello from the team"):
    with pytest.raises(ReplyRefused) as caught:
        send_reply(business=tenant.business, conversation=conversation, body=body)
    assert not Message.objects.filter(kind="reply").exists()
    return caught.value.reason


def test_it_refuses_a_number_that_never_contacted_the_business(tenant, conversation):
    assert "has not texted the business" in refused(tenant, conversation)


def test_it_refuses_a_number_that_only_called(tenant, conversation):
    ledger(tenant, "inbound_call", "CA1")
    assert "has not texted the business" in refused(tenant, conversation)


def test_it_refuses_an_opted_out_number(tenant, conversation):
    ledger(tenant, "inbound_text", "SM1")
    ledger(tenant, "opt_out", "SM2", words="STOP")
    assert "opted out" in refused(tenant, conversation)


def test_it_refuses_a_carrier_opted_out_number(tenant, conversation):
    ledger(tenant, "inbound_text", "SM1")
    ledger(tenant, "carrier_opt_out", "msg-1")
    assert "opted out" in refused(tenant, conversation)


def test_it_refuses_once_the_reply_window_has_closed(tenant, conversation):
    ledger(tenant, "inbound_text", "SM1", occurred_at=timezone.now() - timedelta(days=31))
    assert "more than 30 days ago" in refused(tenant, conversation)


def test_the_window_is_a_business_setting(tenant, conversation):
    tenant.business.reply_window_days = 60
    tenant.business.save()
    ledger(tenant, "inbound_text", "SM1", occurred_at=timezone.now() - timedelta(days=31))
    send_reply(business=tenant.business, conversation=conversation, body="Still here!")
    assert Message.objects.filter(kind="reply").count() == 1


def test_it_refuses_another_business_s_conversation(tenant, other_tenant, conversation):
    ledger(tenant, "inbound_text", "SM1")
    with pytest.raises(ReplyRefused, match="another business"):
        send_reply(business=other_tenant.business, conversation=conversation, body="hi")


def test_it_refuses_empty_and_overlong_messages(tenant, conversation):
    ledger(tenant, "inbound_text", "SM1")
    assert "Write a message" in refused(tenant, conversation, body="   ")
    assert "1,600" in refused(tenant, conversation, body="x" * 1601)


def test_it_allows_a_reply_after_a_callback_form_consent(tenant, conversation):
    ledger(tenant, "callback_form", "42", disclosure_text="I agree…")
    message = send_reply(
        business=tenant.business, conversation=conversation, body="We'll call at 3"
    )
    assert (message.kind, message.status, message.to_number) == ("reply", "pending", CALLER)
