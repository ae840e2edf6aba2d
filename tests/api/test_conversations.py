"""Conversations and messages: filters, the reply rule in the API (201 when the customer
texted in, 409 with the reason otherwise), and nothing sent that the rule forbids."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from messaging.models import Conversation, Message
from tests.api.conftest import business_url
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


def conversation_url(tenant, conversation: Conversation, rest: str = "") -> str:
    return business_url(tenant.business, f"conversations/{conversation.public_id}/{rest}")


def reply(client, tenant, conversation, body, capture):
    with capture(execute=True):
        return client.post(
            conversation_url(tenant, conversation, "messages/"), {"body": body}, format="json"
        )


def test_it_sends_a_reply_to_a_customer_who_texted_in(
    tenant, text_in, staff_api, outbox, django_capture_on_commit_callbacks
):
    conversation = text_in("Do you fix boilers?")
    assert conversation.needs_reply

    response = reply(
        staff_api, tenant, conversation, "Yes! Tomorrow at 9?", django_capture_on_commit_callbacks
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["direction"], body["kind"], body["body"]) == (
        "out",
        "reply",
        "Yes! Tomorrow at 9?",
    )
    assert body["sent_by"] == tenant.staff.email and body["to_number"] == CALLER
    assert [(m.to, m.body) for m in outbox] == [(CALLER, "Yes! Tomorrow at 9?")]
    assert Message.objects.get(kind="reply").status == Message.Status.QUEUED
    conversation.refresh_from_db()
    assert not conversation.needs_reply and conversation.unread_count == 0


def test_it_says_a_reply_is_allowed_after_the_customer_texted(tenant, text_in, owner_api):
    conversation = text_in("Are you open Saturday?")
    body = owner_api.get(conversation_url(tenant, conversation)).json()
    assert body["id"] == str(conversation.public_id)
    assert body["contact_number"] == CALLER
    assert (body["can_reply"], body["reply_blocked_reason"]) == (True, None)
    assert body["needs_reply"] and body["unread_count"] == 1 and not body["opted_out"]


def test_it_refuses_with_409_when_the_person_only_called(
    tenant, missed_call, owner_api, outbox, django_capture_on_commit_callbacks
):
    missed_call()
    assert [m.body for m in outbox] == [Message.objects.get(kind="textback").body]
    conversation = Conversation.objects.get(business=tenant.business)

    detail = owner_api.get(conversation_url(tenant, conversation)).json()
    assert detail["can_reply"] is False
    assert "has not texted the business" in detail["reply_blocked_reason"]

    response = reply(
        owner_api, tenant, conversation, "Hi, it's Acme", django_capture_on_commit_callbacks
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"You can't text this number: {detail['reply_blocked_reason']}."
    }
    assert len(outbox) == 1  # only the text-back
    assert not Message.objects.filter(kind="reply").exists()


def test_it_refuses_with_409_after_the_person_opted_out(
    tenant, text_in, owner_api, outbox, django_capture_on_commit_callbacks
):
    text_in("Need a quote")
    conversation = text_in("STOP")
    sent_before = len(outbox)

    detail = owner_api.get(conversation_url(tenant, conversation)).json()
    assert detail["opted_out"] is True and detail["can_reply"] is False

    response = reply(
        owner_api, tenant, conversation, "Are you sure?", django_capture_on_commit_callbacks
    )
    assert response.status_code == 409
    assert "this number opted out" in response.json()["detail"]
    assert len(outbox) == sent_before


def test_it_refuses_with_409_when_the_reply_window_has_closed(
    tenant, text_in, owner_api, outbox, django_capture_on_commit_callbacks
):
    conversation = text_in("Call me back sometime")
    later = timezone.now() + timedelta(days=tenant.business.reply_window_days + 1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        detail = owner_api.get(conversation_url(tenant, conversation)).json()
        response = reply(
            owner_api, tenant, conversation, "Still need us?", django_capture_on_commit_callbacks
        )
    assert detail["can_reply"] is False
    assert response.status_code == 409
    assert "the conversation closed" in response.json()["detail"]
    assert "30 days" in response.json()["detail"]
    assert outbox == []


@pytest.mark.parametrize(
    "data, problem",
    [
        ({}, "This field is required."),
        ({"body": "   "}, "This field may not be blank."),
        ({"body": "x" * 1601}, "Ensure this field has no more than 1600 characters."),
    ],
    ids=["missing", "blank", "too-long"],
)
def test_it_rejects_a_missing_blank_or_too_long_reply_with_400(
    tenant, text_in, owner_api, outbox, data, problem
):
    conversation = text_in("Hi")
    response = owner_api.post(
        conversation_url(tenant, conversation, "messages/"), data, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"body": [problem]}
    assert outbox == []


def test_it_offers_no_way_to_start_a_conversation_or_text_a_number(tenant, owner_api):
    for path in ["conversations/", "messages/", "contacts/", "calls/"]:
        response = owner_api.post(
            business_url(tenant.business, path), {"to": CALLER, "body": "Hi"}, format="json"
        )
        assert response.status_code in {404, 405}, path
    assert not Message.objects.exists()


def test_it_lists_messages_oldest_first_with_delivery_status(
    tenant, text_in, owner_api, django_capture_on_commit_callbacks
):
    conversation = text_in("First")
    reply(owner_api, tenant, conversation, "Second", django_capture_on_commit_callbacks)
    text_in("Third")
    body = owner_api.get(conversation_url(tenant, conversation, "messages/")).json()
    assert body["count"] == 3
    assert [(m["direction"], m["body"], m["status"]) for m in body["results"]] == [
        ("in", "First", "received"),
        ("out", "Second", "queued"),
        ("in", "Third", "received"),
    ]
    assert body["results"][1]["sent_by"] == tenant.owner.email
    assert body["results"][0]["sent_by"] is None


def test_it_filters_conversations_by_needs_reply_all_and_opted_out(tenant, text_in, owner_api):
    waiting = text_in("Can you quote a water heater?", caller="+12125550101")
    stopped = text_in("STOP", caller="+12125550102")
    answered = text_in("Thanks!", caller="+12125550103")
    Conversation.objects.filter(pk=answered.pk).update(needs_reply=False)

    def ids(show: str | None) -> list[str]:
        query = f"?show={show}" if show else ""
        response = owner_api.get(business_url(tenant.business, "conversations/" + query))
        assert response.status_code == 200
        return [c["id"] for c in response.json()["results"]]

    assert ids("needs-reply") == [str(waiting.public_id)]
    assert ids("opted-out") == [str(stopped.public_id)]
    everyone = {str(c.public_id) for c in (waiting, stopped, answered)}
    assert set(ids("all")) == everyone and set(ids(None)) == everyone
    # Most recent activity first.
    assert ids("all")[0] == str(answered.public_id)

    bad = owner_api.get(business_url(tenant.business, "conversations/?show=unread"))
    assert bad.status_code == 400
    assert bad.json() == {"show": ["Use one of: needs-reply, all, opted-out."]}


def test_it_is_a_404_for_a_malformed_conversation_id(tenant, owner_api):
    assert (
        owner_api.get(business_url(tenant.business, "conversations/not-a-uuid/")).status_code == 404
    )
