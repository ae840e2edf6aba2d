"""Pages use a fixed number of queries however much data a business has."""

from __future__ import annotations

import pytest
from django.utils import timezone

from calls.models import Call
from consent.models import ConsentEvent
from messaging.models import Contact, Conversation, Message

pytestmark = pytest.mark.django_db


def build(tenant, conversations: int, messages_each: int) -> Conversation:
    business = tenant.business
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [Contact(business=business, phone_number=f"+1212555{i:04d}") for i in range(conversations)]
    )
    convs = Conversation.objects.bulk_create(
        [
            Conversation(
                business=business,
                contact=c,
                business_number=str(tenant.number.phone_number),
                last_activity_at=now,
                needs_reply=True,
                unread_count=1,
            )
            for c in contacts
        ]
    )
    Message.objects.bulk_create(
        [
            Message(
                business=business,
                conversation=conv,
                direction="in",
                kind="inbound",
                body=f"message {j}",
                from_number=conv.contact.phone_number,
                to_number=str(tenant.number.phone_number),
                status="received",
                twilio_sid=f"SM{conv.pk:08d}{j:024d}",
                created_at=now,
            )
            for conv in convs
            for j in range(messages_each)
        ]
    )
    ConsentEvent.objects.bulk_create(
        [
            ConsentEvent(
                business=business,
                phone_number=conv.contact.phone_number,
                kind="inbound_text",
                channel="sms",
                occurred_at=now,
            )
            for conv in convs
        ]
    )
    Call.objects.bulk_create(
        [
            Call(
                business=business,
                call_sid=f"CA{i:032d}",
                from_raw=c.phone_number,
                from_number=c.phone_number,
                to_number=str(tenant.number.phone_number),
                mode="forward",
                started_at=now,
                outcome="missed",
            )
            for i, c in enumerate(contacts)
        ]
    )
    return convs[0]


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_inbox_query_count_is_flat(owner_client, tenant, rows, django_assert_max_num_queries):
    build(tenant, conversations=rows, messages_each=1)
    # The page's last texts (the one-line previews) are one query for the whole page.
    with django_assert_max_num_queries(11):
        assert owner_client.get("/app/inbox/?show=all").status_code == 200


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_conversation_page_query_count_is_flat(
    owner_client, tenant, rows, django_assert_max_num_queries
):
    conversation = build(tenant, conversations=2, messages_each=rows)
    with django_assert_max_num_queries(16):
        response = owner_client.get(f"/app/conversations/{conversation.public_id}/")
    assert response.status_code == 200
    page = response.content.decode()
    # The newest 200 timeline entries (texts and the call) are shown; the "texted the
    # business" consent record only echoes a text, so it stays in the ledger.
    assert page.count('<li class="entry') == min(rows + 1, 200)
    assert f"message {rows - 1}" in page


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_calls_and_consent_pages_query_counts_are_flat(
    owner_client, tenant, rows, django_assert_max_num_queries
):
    build(tenant, conversations=rows, messages_each=1)
    # A page of calls also loads its text-backs and its conversations (two queries, whatever
    # the page holds) and the business's country for national number format (one).
    with django_assert_max_num_queries(12):
        assert owner_client.get("/app/calls/").status_code == 200
    with django_assert_max_num_queries(10):
        assert owner_client.get("/app/consent/").status_code == 200
