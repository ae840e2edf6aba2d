"""What the simulated customer's phone shows: Lasso's texts and the customer's, plus the
replies Twilio's own opt-out handling sends to a bare STOP, START or HELP (Lasso stays
silent then, so without them a STOP would look unanswered)."""

from __future__ import annotations

from dataclasses import dataclass

from consent.keywords import STANDARD_HELP, STANDARD_OPT_IN, STANDARD_OPT_OUT, _bare_words
from messaging.inbound import twilio_already_answered
from messaging.models import Message

# Twilio's default Advanced Opt-Out replies (a Messaging Service can change them).
TWILIO_REPLIES = {
    "stop": "You have successfully been unsubscribed. You will not receive any more messages "
    "from this number. Reply START to resubscribe.",
    "start": "You have successfully been re-subscribed to messages from this number. Reply "
    "HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
    "help": "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
}


@dataclass(frozen=True)
class PhoneLine:
    body: str
    from_customer: bool
    note: str  # who sent it and what became of it


def twilio_reply_to(body: str) -> str:
    if not twilio_already_answered(body=body, opt_out_type=""):
        return ""
    words = _bare_words(body)
    word = words[0] if words else ""
    if word in STANDARD_OPT_OUT:
        return TWILIO_REPLIES["stop"]
    if word in STANDARD_OPT_IN:
        return TWILIO_REPLIES["start"]
    if word in STANDARD_HELP:
        return TWILIO_REPLIES["help"]
    return ""


def phone_lines(*, messages: list[Message], business_name: str) -> list[PhoneLine]:
    lines = []
    for m in messages:
        if m.direction == Message.Direction.INBOUND:
            lines.append(PhoneLine(m.body, True, "sent by the customer"))
            if reply := twilio_reply_to(m.body):
                lines.append(
                    PhoneLine(
                        reply, False, "automatic reply from Twilio (carrier opt-out handling)"
                    )
                )
        else:
            note = f"from {business_name} · {m.get_status_display()}"
            if m.error_message:
                note += f" — {m.error_message}"
            lines.append(PhoneLine(m.body, False, note))
    return lines
