"""The phone simulator drives the running site through signed webhooks (DEBUG only)."""

from __future__ import annotations

import pytest

from calls.models import Call
from consent.models import ConsentEvent
from messaging.models import Message
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "+14155550142"


@pytest.fixture
def simulator_client(tenant, live_server, settings):
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    return client_for(tenant.owner)


def act(client, tenant, action, body=""):
    return client.post(
        "/app/simulator/",
        {"caller": CUSTOMER, "to": str(tenant.number.phone_number), "action": action, "body": body},
        follow=True,
    )


def test_it_plays_a_missed_call_a_reply_and_stop_through_the_real_webhooks(
    simulator_client, tenant, outbox
):
    page = act(simulator_client, tenant, "call-missed").content.decode()
    assert "/webhooks/twilio/voice/incoming/ → 200" in page
    assert Call.objects.get(from_number=CUSTOMER).outcome == "missed"
    assert "Sorry we missed your call — this is Acme Plumbing." in page
    act(simulator_client, tenant, "text", body="Can you fix a leaking tap?")
    page = act(simulator_client, tenant, "stop").content.decode()
    assert "Can you fix a leaking tap?" in page
    kinds = list(
        ConsentEvent.objects.filter(phone_number=CUSTOMER)
        .order_by("occurred_at")
        .values_list("kind", flat=True)
    )
    assert kinds == ["inbound_call", "inbound_text", "opt_out"]
    assert [m.to for m in outbox] == [CUSTOMER]  # STOP's confirmation came from Twilio itself


def test_an_answered_call_is_not_texted(simulator_client, tenant, outbox):
    act(simulator_client, tenant, "call-answered")
    assert Call.objects.get(from_number=CUSTOMER).outcome == "answered"
    assert not Message.objects.exists()


def test_it_refuses_a_number_that_is_not_the_business_s(simulator_client, other_tenant):
    response = simulator_client.post(
        "/app/simulator/",
        {"caller": CUSTOMER, "to": str(other_tenant.number.phone_number), "action": "call-missed"},
        follow=True,
    )
    assert "Choose one of this business" in response.content.decode()
    assert not Call.objects.exists()


def test_the_phone_shows_twilio_s_own_stop_and_start_replies(simulator_client, tenant, outbox):
    act(simulator_client, tenant, "call-missed")
    page = act(simulator_client, tenant, "stop").content.decode()
    assert "You have successfully been unsubscribed." in page
    assert "automatic reply from Twilio" in page
    page = act(simulator_client, tenant, "start").content.decode()
    assert "You have successfully been re-subscribed" in page
    # Shown on the simulated phone only: Lasso itself sent nothing more.
    assert [m.to for m in outbox] == [CUSTOMER]


def test_a_stop_inside_a_sentence_gets_no_twilio_reply():
    from messaging.simulator_phone import twilio_reply_to

    assert twilio_reply_to("Stop.").startswith("You have successfully been unsubscribed")
    assert twilio_reply_to("please stop texting me") == ""
    assert twilio_reply_to("Help") == "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
