"""A message that may mean "stop" but may not ("cancel that", "who gave you this number?")
is a customer message the team must read before replying: the inbox, the conversation, the
reply box and the API all say so, and nothing is sent automatically."""

from __future__ import annotations

import pytest

from consent.models import ConsentEvent
from messaging.models import Conversation, Message
from tests.api.conftest import api_client, business_url
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db

AMBIGUOUS = ["who gave you this number?", "cancel that", "How did you get my number??"]


def conversation() -> Conversation:
    return Conversation.objects.get(contact__phone_number=CALLER)


@pytest.mark.parametrize("body", AMBIGUOUS)
def test_it_flags_the_conversation_and_tells_the_team(text_in, outbox, mailoutbox, body):
    text_in(body)
    c = conversation()
    assert (c.possible_opt_out, c.needs_reply) == (True, True)
    assert outbox == []  # no confirmation, no HELP: a person decides
    assert len(mailoutbox) == 1
    assert list(ConsentEvent.objects.values_list("kind", flat=True)) == ["inbound_text"]


def test_the_inbox_conversation_and_reply_box_warn(text_in, owner_client):
    text_in("who gave you this number?")
    inbox = owner_client.get("/app/inbox/").content.decode()
    assert "possible opt-out — check before replying" in inbox
    page = owner_client.get(f"/app/conversations/{conversation().public_id}/").content.decode()
    assert 'id="possible-opt-out"' in page
    assert 'id="reply-warning"' in page


def test_an_ordinary_reply_is_not_flagged(text_in, owner_client):
    text_in("The kitchen sink is leaking")
    assert conversation().possible_opt_out is False
    page = owner_client.get(f"/app/conversations/{conversation().public_id}/").content.decode()
    assert 'id="reply-warning"' not in page


def test_the_api_shows_the_flag(text_in, tenant):
    text_in("cancel that")
    client = api_client(tenant.owner)
    listing = client.get(business_url(tenant.business, "conversations/")).json()["results"]
    assert [c["possible_opt_out"] for c in listing] == [True]
    detail = client.get(business_url(tenant.business, f"conversations/{conversation().public_id}/"))
    assert detail.json()["possible_opt_out"] is True


def test_a_reply_after_checking_clears_the_flag(text_in, owner_client, outbox):
    text_in("who gave you this number?")
    response = owner_client.post(
        f"/app/conversations/{conversation().public_id}/reply/",
        {"body": "You called us earlier today about a leak. Still need help?"},
    )
    assert response.status_code == 302
    assert conversation().possible_opt_out is False
    assert Message.objects.filter(kind=Message.Kind.REPLY).count() == 1


def test_marking_it_handled_clears_the_flag(text_in, owner_client):
    text_in("cancel that")
    owner_client.post(f"/app/conversations/{conversation().public_id}/done/")
    assert conversation().possible_opt_out is False


def test_a_clear_stop_afterwards_opts_out_and_clears_the_flag(text_in):
    text_in("who gave you this number?")
    text_in("stop texting me")
    c = conversation()
    assert (c.possible_opt_out, c.needs_reply) == (False, False)


def test_an_outsider_cannot_see_the_flagged_conversation(text_in, outsider_client, outsider):
    text_in("cancel that")
    page = outsider_client.get(f"/app/conversations/{conversation().public_id}/")
    assert page.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        "help me please my basement is flooding",
        "Can you help? The furnace is making a banging noise",
        "I need help with my AC",
    ],
)
def test_help_inside_a_request_is_a_customer_message_not_the_help_answer(
    text_in, outbox, mailoutbox, body
):
    text_in(body)
    c = conversation()
    assert c.needs_reply is True
    assert outbox == []
    assert not Message.objects.filter(kind=Message.Kind.HELP).exists()
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("body", ["HELP", "help?", "Help!! 🙏", " info. "])
def test_the_help_keyword_alone_gets_the_help_answer(text_in, outbox, body):
    text_in(body)
    assert len(outbox) == 1 and outbox[0].body.startswith("Acme Plumbing: texts about")
