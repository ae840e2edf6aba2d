"""The inbox and an open conversation poll for changes with conditional requests: the
answer is 304 while nothing changed, and the new state as soon as something did."""

from __future__ import annotations

import pytest

from messaging.models import Conversation
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db

INBOX_LIST = "/app/inbox/list/?show=all"


def poll(client, url: str, etag: str | None = None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(url, **headers)


def test_it_answers_304_until_a_customer_writes(owner_client, text_in):
    text_in("Is anyone there?")
    first = poll(owner_client, INBOX_LIST)
    assert first.status_code == 200 and "Is anyone there?" in first.content.decode()
    etag = first["ETag"]
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]

    assert poll(owner_client, INBOX_LIST, etag).status_code == 304

    text_in("Hello? The basement is flooding")
    changed = poll(owner_client, INBOX_LIST, etag)
    assert changed.status_code == 200
    assert "Hello? The basement is flooding" in changed.content.decode()
    assert changed["ETag"] != etag


def test_a_new_caller_and_a_handled_conversation_change_the_inbox(
    owner_client, text_in, missed_call
):
    text_in("hi")
    etag = poll(owner_client, INBOX_LIST)["ETag"]
    missed_call("+12125550155")
    after_call = poll(owner_client, INBOX_LIST, etag)
    assert after_call.status_code == 200 and "(212) 555-0155" in after_call.content.decode()
    etag = after_call["ETag"]
    conversation = Conversation.objects.get(contact__phone_number=CALLER)
    owner_client.post(f"/app/conversations/{conversation.public_id}/done/")
    needs = "/app/inbox/list/?show=needs-reply"
    assert "(212) 555-0199" not in poll(owner_client, needs).content.decode()
    assert poll(owner_client, INBOX_LIST, etag).status_code == 200


def test_the_open_conversation_gets_new_texts_and_status_changes(
    owner_client, text_in, django_capture_on_commit_callbacks
):
    text_in("first")
    conversation = Conversation.objects.get(contact__phone_number=CALLER)
    url = f"/app/conversations/{conversation.public_id}/timeline/"
    etag = poll(owner_client, url)["ETag"]
    assert poll(owner_client, url, etag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            f"/app/conversations/{conversation.public_id}/reply/", {"body": "On our way"}
        )
    changed = poll(owner_client, url, etag)
    assert changed.status_code == 200 and "On our way" in changed.content.decode()
    etag = changed["ETag"]
    text_in("thanks!")
    assert "thanks!" in poll(owner_client, url, etag).content.decode()


def test_another_business_polls_nothing(outsider_client, owner_client, text_in):
    text_in("private")
    conversation = Conversation.objects.get(contact__phone_number=CALLER)
    url = f"/app/conversations/{conversation.public_id}/timeline/"
    assert outsider_client.get(url).status_code == 404
    assert "private" not in outsider_client.get(INBOX_LIST).content.decode()
    # The owner's fingerprint is no key to it either.
    etag = owner_client.get(url)["ETag"]
    assert outsider_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 404


@pytest.mark.parametrize("rows", [10, 300])
def test_an_unchanged_poll_costs_the_same_however_big_the_inbox(
    owner_client, tenant, rows, django_assert_max_num_queries
):
    from tests.dashboard.test_query_counts import build

    build(tenant, conversations=rows, messages_each=1)
    etag = owner_client.get(INBOX_LIST)["ETag"]
    with django_assert_max_num_queries(6):
        assert poll(owner_client, INBOX_LIST, etag).status_code == 304
    with django_assert_max_num_queries(10):
        assert owner_client.get(INBOX_LIST).status_code == 200


def rename(client, number: str, name: str) -> None:
    conversation = Conversation.objects.get(contact__phone_number=number)
    response = client.post(
        f"/app/conversations/{conversation.public_id}/contact/", {"name": name, "notes": ""}
    )
    assert response.status_code == 302


def test_it_shows_a_renamed_contact_at_the_next_poll(owner_client, text_in):
    text_in("hi")
    rename(owner_client, CALLER, "Dana")
    first = poll(owner_client, INBOX_LIST)
    assert "Dana" in first.content.decode()

    rename(owner_client, CALLER, "Dana Whitfield")
    changed = poll(owner_client, INBOX_LIST, first["ETag"])
    assert changed.status_code == 200
    assert "Dana Whitfield" in changed.content.decode()


def test_it_shows_a_name_given_to_an_older_contact_at_the_next_poll(owner_client, text_in):
    text_in("first", caller="+12125550101")
    text_in("second", caller="+12125550102")
    rename(owner_client, "+12125550102", "Sam")  # the newest contact already has a name
    etag = poll(owner_client, INBOX_LIST)["ETag"]

    rename(owner_client, "+12125550101", "Alex")
    changed = poll(owner_client, INBOX_LIST, etag)
    assert changed.status_code == 200 and "Alex" in changed.content.decode()


def test_it_answers_304_when_a_rename_changes_nothing(owner_client, text_in):
    text_in("hi")
    rename(owner_client, CALLER, "Dana")
    etag = poll(owner_client, INBOX_LIST)["ETag"]
    assert poll(owner_client, INBOX_LIST, etag).status_code == 304
