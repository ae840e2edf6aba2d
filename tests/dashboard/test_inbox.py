"""The inbox and a conversation's timeline, as the team sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import Conversation, Message
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


def conversation():
    return Conversation.objects.get(contact__phone_number=CALLER)


def test_it_lists_conversations_needing_a_reply_with_unread_counts(owner_client, text_in):
    text_in("Is anyone available today?")
    text_in("It's urgent")
    page = owner_client.get("/app/inbox/").content.decode()
    assert "(212) 555-0199" in page  # the business's own country: national format
    assert "2 new" in page
    assert "needs reply" in page
    assert "It&#x27;s urgent" in page  # the last message's first line


def test_the_filters_separate_needs_reply_all_and_opted_out(owner_client, text_in, missed_call):
    text_in("Need a plumber", caller="+12125550101")
    missed_call("+12125550102")  # texted back, no reply yet: still a task
    text_in("STOP", caller="+12125550103")
    needs = owner_client.get("/app/inbox/?show=needs-reply").content.decode()
    everything = owner_client.get("/app/inbox/?show=all").content.decode()
    opted = owner_client.get("/app/inbox/?show=opted-out").content.decode()
    assert "555-0101" in needs and "555-0102" in needs and "555-0103" not in needs
    assert all(n in everything for n in ["555-0101", "555-0102", "555-0103"])
    assert "555-0103" in opted and "555-0101" not in opted


def test_a_texted_back_caller_stays_in_needs_reply_until_handled(owner_client, missed_call):
    missed_call()
    needs = owner_client.get("/app/inbox/?show=needs-reply").content.decode()
    assert "(212) 555-0199" in needs and "no reply yet" in needs
    owner_client.post(f"/app/conversations/{conversation().public_id}/done/")
    needs = owner_client.get("/app/inbox/?show=needs-reply").content.decode()
    assert "555-0199" not in needs


def test_a_texted_back_caller_who_answers_needs_a_reply_not_a_nudge(
    owner_client, missed_call, text_in
):
    missed_call()
    text_in("Yes please call me")
    needs = owner_client.get("/app/inbox/?show=needs-reply").content.decode()
    assert "Yes please call me" in needs and "no reply yet" not in needs


def test_the_inbox_is_ordered_by_last_activity(owner_client, text_in):
    text_in("first", caller="+12125550101")
    text_in("second", caller="+12125550102")
    page = owner_client.get("/app/inbox/?show=all").content.decode()
    assert page.index("555-0102") < page.index("555-0101")


def test_the_timeline_shows_calls_texts_and_consent_in_order(owner_client, missed_call, text_in):
    missed_call()
    text_in("My basement is flooding")
    page = owner_client.get(f"/app/conversations/{conversation().public_id}/").content.decode()
    call_at = page.index("Missed call — texted back")
    textback_at = page.index("Sorry we missed your call")
    reply_at = page.index("My basement is flooding")
    assert call_at < textback_at < reply_at
    # Each event once: the consent ledger's "called / texted the business" records and the
    # text-back's own row would only repeat the call and the text.
    assert "Called the business" not in page and "Texted the business" not in page
    assert page.count("Sorry we missed your call") == 1
    assert "no-answer" not in page


def test_opening_a_conversation_marks_it_read(owner_client, text_in):
    text_in("hello")
    owner_client.get(f"/app/conversations/{conversation().public_id}/")
    assert conversation().unread_count == 0


def test_a_reply_is_sent_when_the_customer_texted_in(
    owner_client, text_in, outbox, tenant, django_capture_on_commit_callbacks
):
    text_in("Can you come Tuesday?")
    url = f"/app/conversations/{conversation().public_id}/"
    page = owner_client.get(url).content.decode()
    assert 'name="body"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url + "reply/", {"body": "Yes, 10am works."})
    assert response.status_code == 302
    reply = Message.objects.get(kind="reply")
    assert (reply.sent_by, reply.status) == (tenant.owner, "queued")
    assert outbox[-1].body == "Yes, 10am works."
    assert conversation().needs_reply is False


def test_after_only_a_call_the_reply_box_explains_why_it_is_closed(
    owner_client, missed_call, outbox
):
    missed_call()
    url = f"/app/conversations/{conversation().public_id}/"
    page = owner_client.get(url).content.decode()
    assert 'name="body"' not in page
    assert "has not texted the business or asked for texts" in page
    response = owner_client.post(url + "reply/", {"body": "Hi! Following up"})
    assert response.status_code == 409
    assert "has not texted the business" in response.content.decode()
    assert Message.objects.filter(kind="reply").count() == 0
    assert len(outbox) == 1  # only the text-back


def test_after_stop_the_reply_box_is_closed(owner_client, text_in):
    text_in("hi")
    text_in("STOP")
    page = owner_client.get(f"/app/conversations/{conversation().public_id}/").content.decode()
    assert 'name="body"' not in page
    assert "opted out" in page


def test_after_the_reply_window_the_reply_box_is_closed(owner_client, tenant):
    from consent.services import record_event
    from messaging.services import contact_and_conversation

    long_ago = timezone.now() - timedelta(days=31)
    contact_and_conversation(
        business=tenant.business,
        phone_number=CALLER,
        business_number=str(tenant.number.phone_number),
        at=long_ago,
    )
    record_event(
        business=tenant.business,
        phone_number=CALLER,
        kind="inbound_text",
        channel="sms",
        source_ref="SMold",
        occurred_at=long_ago,
    )
    page = owner_client.get(f"/app/conversations/{conversation().public_id}/").content.decode()
    assert 'name="body"' not in page
    assert "more than 30 days ago" in page


def test_the_timeline_fragment_polls_new_messages(owner_client, text_in):
    text_in("first")
    url = f"/app/conversations/{conversation().public_id}/timeline/"
    text_in("a brand new message")
    fragment = owner_client.get(url).content.decode()
    assert "a brand new message" in fragment
    assert "<html" not in fragment


def test_html_in_a_customer_text_is_escaped(owner_client, text_in):
    text_in("<script>alert(1)</script>")
    page = owner_client.get(f"/app/conversations/{conversation().public_id}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_staff_can_read_and_reply_too(staff_client, text_in):
    text_in("hello")
    url = f"/app/conversations/{conversation().public_id}/"
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url + "reply/", {"body": "Hi there"}).status_code == 302


@pytest.mark.parametrize("suffix", ["", "timeline/", "reply/", "done/"])
def test_an_outsider_gets_404_on_another_business_s_conversation(outsider_client, text_in, suffix):
    text_in("private")
    url = f"/app/conversations/{conversation().public_id}/{suffix}"
    response = (
        outsider_client.post(url, {"body": "x"})
        if suffix in {"reply/", "done/"}
        else outsider_client.get(url)
    )
    assert response.status_code == 404
    assert Message.objects.filter(kind="reply").count() == 0


def test_an_outsider_s_inbox_does_not_show_other_businesses(outsider_client, text_in):
    text_in("private")
    assert CALLER not in outsider_client.get("/app/inbox/?show=all").content.decode()


def test_pages_require_login(client, db):
    for url in ["/app/inbox/", "/app/calls/", "/app/consent/", "/app/overview/"]:
        assert client.get(url).status_code == 302
