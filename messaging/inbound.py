"""Inbound texts: store, then act on what the person meant (STOP, START, HELP or a reply)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from calls.services import normalize_caller
from consent.keywords import Intent, classify, is_bare_keyword
from consent.models import ConsentEvent
from consent.selectors import is_opted_out
from consent.services import record_event
from messaging import texts
from messaging.handoff import open_reply_alert
from messaging.models import Conversation, Message
from messaging.services import contact_and_conversation, new_outbound, send_on_commit
from tenants.models import TwilioNumber

logger = logging.getLogger(__name__)

MAX_BODY = 1600


@dataclass(frozen=True)
class Received:
    message: Message
    intent: Intent
    duplicate: bool


def twilio_already_answered(*, body: str, opt_out_type: str) -> bool:
    """Twilio's Advanced Opt-Out replies to bare standard keywords itself; a second
    confirmation from us would be noise."""
    if opt_out_type:
        return True
    return settings.TWILIO_HANDLES_STANDARD_OPT_OUT and is_bare_keyword(body)


def receive_sms(
    *,
    number: TwilioNumber,
    message_sid: str,
    from_raw: str,
    body: str,
    num_media: int = 0,
    opt_out_type: str = "",
) -> Received:
    business = number.business
    existing = Message.objects.filter(twilio_sid=message_sid).first()
    if existing is not None:
        return Received(existing, Intent.MESSAGE, duplicate=True)
    phone = normalize_caller(from_raw) or from_raw.strip()[:20]
    body = body[:MAX_BODY]
    now = timezone.now()
    try:
        with transaction.atomic():
            contact, conversation = contact_and_conversation(
                business=business,
                phone_number=phone,
                business_number=str(number.phone_number),
                at=now,
            )
            message = Message.objects.create(
                business=business,
                conversation=conversation,
                direction=Message.Direction.INBOUND,
                kind=Message.Kind.INBOUND,
                body=body,
                media_count=num_media,
                from_number=phone,
                to_number=str(number.phone_number),
                status=Message.Status.RECEIVED,
                twilio_sid=message_sid,
                created_at=now,
            )
            intent = classify(body)
            if intent == Intent.OPT_IN and not is_opted_out(business=business, phone_number=phone):
                intent = Intent.MESSAGE  # "Yes" to a question is an answer, not an opt-in
            Conversation.objects.filter(pk=conversation.pk).update(
                business_number=str(number.phone_number),
                last_activity_at=now,
                last_inbound_at=now,
                unread_count=F("unread_count") + 1,
            )
            _act(
                message=message, conversation=conversation, intent=intent, opt_out_type=opt_out_type
            )
    except IntegrityError:
        # The same MessageSid raced in on another request and won.
        message = Message.objects.get(twilio_sid=message_sid)
        return Received(message, Intent.MESSAGE, duplicate=True)
    return Received(message, intent, duplicate=False)


# Twilio's Advanced Opt-Out names the keyword class it matched (its own other-language and
# custom keywords included) and has already answered the person itself.
TWILIO_OPT_OUT_TYPES = {"STOP": Intent.OPT_OUT, "START": Intent.OPT_IN, "HELP": Intent.HELP}


def _act(
    *, message: Message, conversation: Conversation, intent: Intent, opt_out_type: str
) -> None:
    business = message.business
    if opt_out_type in TWILIO_OPT_OUT_TYPES:
        _act_on_twilio_keyword(
            message=message, conversation=conversation, opt_out_type=opt_out_type
        )
        return
    event = _consent_event(message)
    answered_by_twilio = twilio_already_answered(body=message.body, opt_out_type=opt_out_type)
    if intent == Intent.OPT_OUT:
        record_event(kind=ConsentEvent.Kind.OPT_OUT, **event)
        Conversation.objects.filter(pk=conversation.pk).update(
            needs_reply=False, possible_opt_out=False
        )
        if not answered_by_twilio:
            _answer(
                message, conversation, Message.Kind.KEYWORD, texts.opt_out_confirmation(business)
            )
    elif intent == Intent.OPT_IN:
        record_event(kind=ConsentEvent.Kind.OPT_IN, **event)
        Conversation.objects.filter(pk=conversation.pk).update(possible_opt_out=False)
        if not answered_by_twilio:
            _answer(
                message, conversation, Message.Kind.KEYWORD, texts.opt_in_confirmation(business)
            )
    elif intent == Intent.HELP:
        record_event(kind=ConsentEvent.Kind.HELP, **event)
        if opt_out_type != "HELP":
            _answer(message, conversation, Message.Kind.HELP, texts.help_reply(business))
    else:
        _customer_message(
            message=message,
            conversation=conversation,
            possible_opt_out=intent == Intent.POSSIBLE_OPT_OUT,
        )


def _consent_event(message: Message) -> dict:
    return {
        "business": message.business,
        "phone_number": message.from_number,
        "channel": ConsentEvent.Channel.SMS,
        "source_ref": message.twilio_sid,
        "words": message.body,
        "occurred_at": message.created_at,
    }


def _customer_message(
    *, message: Message, conversation: Conversation, possible_opt_out: bool
) -> None:
    """A message for a person to read and answer: it opens the conversation for replies,
    and one that may mean "stop" flags it to be checked before anyone replies."""
    record_event(kind=ConsentEvent.Kind.INBOUND_TEXT, **_consent_event(message))
    changes: dict[str, bool] = {"needs_reply": True}
    if possible_opt_out:
        changes["possible_opt_out"] = True
    Conversation.objects.filter(pk=conversation.pk).update(**changes)
    conversation.refresh_from_db()
    open_reply_alert(conversation=conversation, inbound=message)


def _act_on_twilio_keyword(
    *, message: Message, conversation: Conversation, opt_out_type: str
) -> None:
    """Twilio matched one of its opt-out, opt-in or help keywords and answered the person:
    the ledger records what Twilio acted on, whatever the words were, and Lasso sends no
    second answer. A START from a number that was not opted out ("Yes" answering a
    question) is also a customer message for the team."""
    kind = {
        Intent.OPT_OUT: ConsentEvent.Kind.OPT_OUT,
        Intent.OPT_IN: ConsentEvent.Kind.OPT_IN,
        Intent.HELP: ConsentEvent.Kind.HELP,
    }[TWILIO_OPT_OUT_TYPES[opt_out_type]]
    was_opted_out = is_opted_out(business=message.business, phone_number=message.from_number)
    record_event(kind=kind, **_consent_event(message))
    if kind == ConsentEvent.Kind.OPT_OUT:
        Conversation.objects.filter(pk=conversation.pk).update(
            needs_reply=False, possible_opt_out=False
        )
    elif kind == ConsentEvent.Kind.OPT_IN:
        Conversation.objects.filter(pk=conversation.pk).update(possible_opt_out=False)
        if not was_opted_out:
            _customer_message(message=message, conversation=conversation, possible_opt_out=False)


def _answer(message: Message, conversation: Conversation, kind: str, body: str) -> None:
    conversation.refresh_from_db()
    answer = new_outbound(conversation=conversation, kind=kind, body=body, in_reply_to=message)
    send_on_commit(answer)
