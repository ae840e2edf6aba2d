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


def _act(
    *, message: Message, conversation: Conversation, intent: Intent, opt_out_type: str
) -> None:
    business = message.business
    event = {
        "business": business,
        "phone_number": message.from_number,
        "channel": ConsentEvent.Channel.SMS,
        "source_ref": message.twilio_sid,
        "words": message.body,
        "occurred_at": message.created_at,
    }
    answered_by_twilio = twilio_already_answered(body=message.body, opt_out_type=opt_out_type)
    if intent == Intent.OPT_OUT:
        record_event(kind=ConsentEvent.Kind.OPT_OUT, **event)
        Conversation.objects.filter(pk=conversation.pk).update(needs_reply=False)
        if not answered_by_twilio:
            _answer(
                message, conversation, Message.Kind.KEYWORD, texts.opt_out_confirmation(business)
            )
    elif intent == Intent.OPT_IN:
        record_event(kind=ConsentEvent.Kind.OPT_IN, **event)
        if not answered_by_twilio:
            _answer(
                message, conversation, Message.Kind.KEYWORD, texts.opt_in_confirmation(business)
            )
    elif intent == Intent.HELP:
        record_event(kind=ConsentEvent.Kind.HELP, **event)
        if opt_out_type != "HELP":
            _answer(message, conversation, Message.Kind.HELP, texts.help_reply(business))
    else:
        record_event(kind=ConsentEvent.Kind.INBOUND_TEXT, **event)
        Conversation.objects.filter(pk=conversation.pk).update(needs_reply=True)
        conversation.refresh_from_db()
        open_reply_alert(conversation=conversation, inbound=message)


def _answer(message: Message, conversation: Conversation, kind: str, body: str) -> None:
    conversation.refresh_from_db()
    answer = new_outbound(conversation=conversation, kind=kind, body=body, in_reply_to=message)
    send_on_commit(answer)
