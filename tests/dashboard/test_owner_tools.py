"""Search, the contact's name and notes, saved quick replies, and a refused reply that
keeps what was typed."""

from __future__ import annotations

import pytest
from django.db import connection

from messaging.models import Contact, Conversation, Message, QuickReply
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


def conversation(number: str = CALLER) -> Conversation:
    return Conversation.objects.get(contact__phone_number=number)


def found(client, query: str) -> str:
    return client.get("/app/inbox/", {"q": query}).content.decode()


@pytest.fixture
def customers(text_in):
    text_in("My water heater is leaking in the basement", caller="+12125550101")
    text_in("Can you quote for a new boiler?", caller="+12125550102")
    text_in("Hello", caller="+13125550103")
    Contact.objects.filter(phone_number="+13125550103").update(name="Maria Lopez")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("leak", ["555-0101"]),  # a word's beginning finds the word
        ("BOILER", ["555-0102"]),
        ("water basement", ["555-0101"]),  # every word must match
        ("maria", ["555-0103"]),  # by name
        ("(312) 555-0103", ["555-0103"]),  # by number, as the owner types it
        ("5550102", ["555-0102"]),
        ("roof", []),
    ],
)
def test_it_finds_conversations_by_name_number_or_message(owner_client, customers, query, expected):
    page = found(owner_client, query)
    shown = [n for n in ["555-0101", "555-0102", "555-0103"] if n in page]
    assert shown == expected


def test_search_never_shows_another_business_s_customers(outsider_client, customers):
    assert "555-0101" not in found(outsider_client, "leaking")


def test_search_asks_for_exactly_the_expression_the_full_text_index_holds(tenant, customers):
    """Not LIKE over every message: the query's text condition is the indexed expression,
    so PostgreSQL can answer it from the GIN index once a business has many messages (a
    test database this small is scanned whichever way, so the plan itself proves nothing)."""
    from messaging.selectors import search

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'message_body_search'")
        [(definition,)] = cursor.fetchall()
        sql, params = search(business=tenant.business, query="leak").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "USING gin" in definition
    indexed = definition[definition.index("(to_tsvector") + 1 : definition.rindex(")")]
    assert indexed in plan  # the same expression, as PostgreSQL itself prints both
    assert 'body"::text) LIKE' not in sql and 'body" LIKE' not in sql  # no LIKE on texts


def test_a_member_names_a_contact_and_keeps_notes(owner_client, staff_client, text_in):
    text_in("hi")
    url = f"/app/conversations/{conversation().public_id}/"
    staff_client.post(url + "contact/", {"name": "  Sam   Carter ", "notes": "Gate code 1234"})
    contact = conversation().contact
    assert (contact.name, contact.notes) == ("Sam Carter", "Gate code 1234")
    page = owner_client.get(url).content.decode()
    assert "<h1>Sam Carter</h1>" in page and "Gate code 1234" in page
    assert "Sam Carter" in owner_client.get("/app/inbox/").content.decode()


def test_a_contact_s_name_has_a_limit_and_says_so(owner_client, text_in):
    text_in("hi")
    url = f"/app/conversations/{conversation().public_id}/"
    page = owner_client.post(url + "contact/", {"name": "x" * 81, "notes": ""}, follow=True)
    assert "A name can be at most 80 characters." in page.content.decode()
    assert conversation().contact.name == ""


def test_an_outsider_cannot_rename_or_read_a_contact(outsider_client, text_in):
    text_in("hi")
    url = f"/app/conversations/{conversation().public_id}/contact/"
    assert outsider_client.post(url, {"name": "Hacked", "notes": ""}).status_code == 404
    assert conversation().contact.name == ""


def test_quick_replies_are_saved_per_business_and_offered_in_the_reply_box(
    owner_client, outsider_client, text_in
):
    text_in("Are you coming today?")
    owner_client.post(
        "/app/quick-replies/", {"title": "On our way", "body": "On our way — 20 min."}
    )
    [saved] = QuickReply.objects.all()
    page = owner_client.get(f"/app/conversations/{conversation().public_id}/").content.decode()
    assert 'data-quick-reply="On our way — 20 min."' in page
    assert "On our way — 20 min." not in outsider_client.get("/app/quick-replies/").content.decode()
    assert outsider_client.post(f"/app/quick-replies/{saved.pk}/delete/").status_code == 404
    owner_client.post(f"/app/quick-replies/{saved.pk}/delete/")
    assert not QuickReply.objects.exists()


@pytest.mark.parametrize(
    ("title", "body", "reason"),
    [
        ("", "text", "Give the quick reply a short name and its text."),
        ("x" * 41, "text", "The name can be at most 40 characters."),
        ("Long", "y" * 481, "A quick reply can be at most 480 characters."),
    ],
)
def test_a_refused_quick_reply_keeps_what_was_typed_and_says_why(owner_client, title, body, reason):
    response = owner_client.post("/app/quick-replies/", {"title": title, "body": body})
    assert response.status_code == 400
    page = response.content.decode()
    assert reason in page and body in page
    assert not QuickReply.objects.exists()


def test_two_quick_replies_cannot_share_a_name(owner_client):
    owner_client.post("/app/quick-replies/", {"title": "Hours", "body": "8 to 5."})
    page = owner_client.post("/app/quick-replies/", {"title": "Hours", "body": "9 to 6."})
    assert "There is already a quick reply called “Hours”." in page.content.decode()


def test_a_refused_reply_keeps_the_text_and_explains_in_one_sentence(owner_client, text_in, outbox):
    text_in("Need a quote")
    text_in("STOP")
    url = f"/app/conversations/{conversation().public_id}/"
    response = owner_client.post(url + "reply/", {"body": "Here is your quote: $450"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Here is your quote: $450" in page  # what was typed is still there
    [reason] = [line for line in page.splitlines() if 'id="reply-error"' in line]
    assert "can&#x27;t text this number" in reason and reason.count(". ") == 0
    assert not Message.objects.filter(kind="reply").exists()
