"""The inbox filters on each conversation's copy of its consent state. Whatever happens to a
number — STOP, START, HELP, Twilio's own opt-out keywords, a carrier's 21610, the callback
form, a message that only may mean "stop", a conversation that starts after an earlier
opt-out — the copy is what the ledger says, and the inbox's tabs follow it."""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from callback_form.services import submit_callback_request
from consent.models import ConsentEvent
from consent.selectors import STATE_KINDS
from consent.services import record_event
from messaging import gateway, services
from messaging.models import Conversation, Message
from tests.conftest import CALLER, new_message_sid

pytestmark = pytest.mark.django_db

NUMBERS = [CALLER, "+12125550101", "+12125550102"]


def ledger_says(conversation: Conversation) -> str | None:
    return (
        ConsentEvent.objects.filter(
            business=conversation.business,
            phone_number=conversation.contact.phone_number,
            kind__in=STATE_KINDS,
        )
        .order_by("-occurred_at", "-id")
        .values_list("kind", flat=True)
        .first()
    )


def assert_every_copy_matches_the_ledger() -> None:
    for conversation in Conversation.objects.select_related("contact"):
        assert conversation.consent_state == ledger_says(conversation), (
            conversation.contact.phone_number
        )


def state(number: str = CALLER) -> str | None:
    return Conversation.objects.get(contact__phone_number=number).consent_state


def tab(client, show: str) -> str:
    return client.get(f"/app/inbox/list/?show={show}").content.decode()


@pytest.fixture
def missed_call(tenant, twilio, django_capture_on_commit_callbacks):
    from tests.calls.helpers import CallFlow

    def make(caller: str = CALLER) -> None:
        flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=caller)
        flow.incoming()
        with django_capture_on_commit_callbacks(execute=True):
            flow.dial_complete("no-answer")

    return make


@pytest.fixture
def callback_form(tenant, django_capture_on_commit_callbacks):
    def submit(caller: str = CALLER, *, sms_consent: bool = True) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            submit_callback_request(
                business=tenant.business,
                name="Pat",
                phone_number=caller,
                details="Dripping tap",
                preferred_time="",
                sms_consent=sms_consent,
                disclosure_text="I agree to receive texts about my request." if sms_consent else "",
                ip_address="203.0.113.7",
                user_agent="test",
                page_url="https://example.com/request-callback/",
            )

    return submit


@pytest.fixture
def carrier_opt_out(tenant):
    """A reply to the number fails with Twilio's 21610: the carrier says it unsubscribed."""

    def fail(caller: str = CALLER) -> None:
        conversation = Conversation.objects.select_related("contact").get(
            business=tenant.business, contact__phone_number=caller
        )
        message = services.new_outbound(
            conversation=conversation, kind=Message.Kind.REPLY, body="On our way"
        )
        gateway.memory_backend.fail_with.append(
            gateway.SendError("Attempt to send to unsubscribed recipient", code="21610")
        )
        services.deliver(message_id=message.pk)

    return fail


def test_stop_start_and_help_keep_the_state_the_ledger_has(text_in, owner_client):
    text_in("Can someone come today?")
    assert state() is None
    text_in("STOP")
    assert state() == "opt_out"
    assert "555-0199" in tab(owner_client, "opted-out")
    assert "555-0199" not in tab(owner_client, "needs-reply")
    text_in("HELP")
    assert state() == "opt_out"
    text_in("START")
    assert state() == "opt_in"
    assert "555-0199" not in tab(owner_client, "opted-out")
    assert_every_copy_matches_the_ledger()


def test_twilio_s_opt_out_keywords_keep_the_state(text_in, settings):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = False
    text_in("ALTO", OptOutType="STOP")
    assert state() == "opt_out"
    text_in("AYUDA", OptOutType="HELP")
    assert state() == "opt_out"
    text_in("Comenzar", OptOutType="START")
    assert state() == "opt_in"
    assert_every_copy_matches_the_ledger()


def test_a_message_that_may_mean_stop_changes_no_state(text_in, owner_client):
    text_in("who gave you this number?")
    assert state() is None
    assert "555-0199" in tab(owner_client, "needs-reply")
    assert "555-0199" not in tab(owner_client, "opted-out")


def test_a_carrier_opt_out_is_kept(text_in, carrier_opt_out, owner_client):
    text_in("Please call me back")
    carrier_opt_out()
    assert state() == "carrier_opt_out"
    assert "555-0199" in tab(owner_client, "opted-out")
    assert "555-0199" not in tab(owner_client, "needs-reply")


def test_a_new_conversation_starts_with_the_ledger_s_earlier_opt_out(
    tenant, missed_call, owner_client
):
    # The ledger outlives conversations: this number said STOP before it had one.
    record_event(
        business=tenant.business,
        phone_number=CALLER,
        kind="opt_out",
        channel="sms",
        source_ref="SMearlier",
        words="STOP",
    )
    missed_call()
    assert state() == "opt_out"
    assert "555-0199" in tab(owner_client, "opted-out")
    assert "555-0199" not in tab(owner_client, "needs-reply")


def test_a_callback_form_conversation_starts_with_the_ledger_s_state(
    tenant, callback_form, owner_client
):
    callback_form()
    assert state() is None
    assert "Pat" in tab(owner_client, "needs-reply")
    record_event(
        business=tenant.business,
        phone_number="+12125550101",
        kind="opt_out",
        channel="sms",
        source_ref="SMold",
    )
    callback_form("+12125550101", sms_consent=False)
    assert state("+12125550101") == "opt_out"
    assert_every_copy_matches_the_ledger()


def test_the_latest_event_by_when_it_happened_wins_not_the_last_recorded(tenant, text_in):
    text_in("STOP")
    # An opt-in the ledger learns of late, from before the STOP, changes nothing.
    record_event(
        business=tenant.business,
        phone_number=CALLER,
        kind="opt_in",
        channel="sms",
        source_ref="SMlate",
        occurred_at=timezone.now() - timedelta(days=1),
    )
    assert state() == "opt_out"
    assert_every_copy_matches_the_ledger()


def test_a_redelivered_stop_and_another_business_s_events_change_nothing(
    tenant, other_tenant, text_in
):
    sid = new_message_sid()
    text_in("STOP", sid=sid)
    text_in("START")
    text_in("STOP", sid=sid)  # Twilio delivers the same message again
    assert state() == "opt_in"
    # The same person opting out of another business is that business's affair.
    text_in("STOP", to=str(other_tenant.number.phone_number))
    assert Conversation.objects.get(business=tenant.business).consent_state == "opt_in"
    assert Conversation.objects.get(business=other_tenant.business).consent_state == "opt_out"
    assert_every_copy_matches_the_ledger()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_mix_of_events_leaves_every_copy_as_the_ledger_says(
    seed, tenant, text_in, missed_call, callback_form, carrier_opt_out, settings
):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = False
    rng = random.Random(seed)

    def earlier_ledger_event(number: str) -> None:
        record_event(
            business=tenant.business,
            phone_number=number,
            kind=rng.choice(["opt_out", "opt_in", "carrier_opt_out", "help", "inbound_text"]),
            channel="sms",
            source_ref=new_message_sid(),
            occurred_at=timezone.now() - timedelta(minutes=rng.randint(0, 60)),
        )

    def reply_that_fails(number: str) -> None:
        if Conversation.objects.filter(contact__phone_number=number).exists():
            carrier_opt_out(number)

    actions: list[Callable[[str], object]] = [
        lambda n: text_in("STOP", caller=n),
        lambda n: text_in("START", caller=n),
        lambda n: text_in("HELP", caller=n),
        lambda n: text_in("stop texting me", caller=n),
        lambda n: text_in("cancel that", caller=n),
        lambda n: text_in("Is Tuesday OK?", caller=n),
        lambda n: text_in("ALTO", caller=n, OptOutType="STOP"),
        lambda n: text_in("Comenzar", caller=n, OptOutType="START"),
        lambda n: text_in("AYUDA", caller=n, OptOutType="HELP"),
        lambda n: missed_call(n),
        lambda n: callback_form(n, sms_consent=rng.random() < 0.5),
        reply_that_fails,
        earlier_ledger_event,
    ]
    for _ in range(25):
        rng.choice(actions)(rng.choice(NUMBERS))
        assert_every_copy_matches_the_ledger()
    assert Conversation.objects.count() >= 2


def test_the_migration_fills_in_existing_conversations(tenant, text_in, carrier_opt_out):
    text_in("STOP", caller="+12125550101")
    text_in("STOP", caller="+12125550102")
    text_in("START", caller="+12125550102")
    text_in("Hello")
    carrier_opt_out(CALLER)
    text_in("Hello", caller="+12125550103")
    expected = dict(Conversation.objects.values_list("contact__phone_number", "consent_state"))
    assert set(expected.values()) == {"opt_out", "opt_in", "carrier_opt_out", None}
    Conversation.objects.update(consent_state=None)

    migration = importlib.import_module(
        "messaging.migrations.0006_conversation_consent_state_and_inbox_indexes"
    )
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)

    assert dict(Conversation.objects.values_list("contact__phone_number", "consent_state")) == (
        expected
    )
    assert_every_copy_matches_the_ledger()
