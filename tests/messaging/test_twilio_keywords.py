"""Twilio's Advanced Opt-Out: when the webhook carries OptOutType, Twilio matched one of
its keywords (its other-language and custom ones included) and already answered. The
ledger records exactly that event whatever the words, and Lasso never answers on top."""

from __future__ import annotations

import pytest

from consent.models import ConsentEvent
from consent.selectors import is_opted_out
from messaging.models import Conversation, Message
from tests.calls.helpers import CallFlow
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lasso_answers_bare_keywords(settings):
    # Even where Lasso would answer a bare keyword itself, Twilio's answer is the only one.
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = False


def ledger(kind: str) -> list[str]:
    return list(ConsentEvent.objects.filter(kind=kind).values_list("words", flat=True))


@pytest.mark.parametrize("body", ["ALTO", "Arrêt", "parar por favor", "STOP", "basta ya"])
def test_twilio_s_stop_opts_out_whatever_the_words(
    text_in, tenant, outbox, body, twilio, django_capture_on_commit_callbacks
):
    text_in(body, OptOutType="STOP")
    assert ledger("opt_out") == [body]
    assert is_opted_out(business=tenant.business, phone_number=CALLER)
    assert outbox == []
    conversation = Conversation.objects.get(contact__phone_number=CALLER)
    assert conversation.needs_reply is False
    # And a later missed call from them is not texted.
    flow = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller=CALLER)
    with django_capture_on_commit_callbacks(execute=True):
        flow.incoming()
        flow.dial_complete("no-answer")
    assert outbox == []


def test_twilio_s_start_opts_back_in_without_a_second_confirmation(text_in, tenant, outbox):
    text_in("ALTO", OptOutType="STOP")
    text_in("Comenzar", OptOutType="START")
    assert ledger("opt_in") == ["Comenzar"]
    assert not is_opted_out(business=tenant.business, phone_number=CALLER)
    assert outbox == []


def test_twilio_s_help_is_recorded_and_not_answered_twice(text_in, outbox):
    text_in("AYUDA", OptOutType="HELP")
    assert ledger("help") == ["AYUDA"]
    assert outbox == []
    assert not Message.objects.filter(kind=Message.Kind.HELP).exists()


def test_a_yes_that_twilio_counted_as_start_still_reaches_the_team(text_in, mailoutbox, outbox):
    # "Yes" from someone who never opted out answers the team's question; Twilio's
    # Advanced Opt-Out still reports it as START.
    text_in("Yes", OptOutType="START")
    conversation = Conversation.objects.get(contact__phone_number=CALLER)
    assert conversation.needs_reply is True
    assert len(mailoutbox) == 1
    assert outbox == []


def test_an_unknown_opt_out_type_is_never_answered(text_in, outbox):
    text_in("STOP", OptOutType="SOMETHING-NEW")
    assert outbox == []
    assert ledger("opt_out") == ["STOP"]
