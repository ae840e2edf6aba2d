"""What the conversation's timeline says about a call, in the words an owner uses ("Missed
call — texted back 4 s later"), never Twilio's statuses ("no-answer"). One place, so the
page, the alert email and the exports can say the same thing."""

from __future__ import annotations

from datetime import timedelta

from calls.models import Call
from messaging.models import Message

DELIVERED_OR_ON_ITS_WAY = {
    Message.Status.PENDING,
    Message.Status.SENDING,
    Message.Status.QUEUED,
    Message.Status.SENT,
    Message.Status.DELIVERED,
}


def short_duration(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def call_summary(call: Call, textback: Message | None) -> str:
    if call.outcome == Call.Outcome.PENDING:
        return "Incoming call (ringing)"
    if call.outcome == Call.Outcome.ANSWERED:
        return "Answered call"
    if call.outcome == Call.Outcome.SKIPPED:
        reason = call.get_skip_reason_display() if call.skip_reason else "no reason recorded"
        return f"Missed call — not texted ({reason})"
    if textback is None:
        if call.is_repeat:
            return "Missed call again — already texted back recently, so not texted twice"
        return "Missed call"
    if textback.status == Message.Status.EXPIRED:
        return "Missed call — too late to text back, so added to the callback queue"
    if textback.status in DELIVERED_OR_ON_ITS_WAY:
        after = (textback.sent_at or textback.created_at) - (call.ended_at or call.started_at)
        state = "texted back" if textback.status != Message.Status.PENDING else "texting back"
        return f"Missed call — {state} {short_duration(after)} later"
    if textback.status == Message.Status.UNKNOWN:
        return "Missed call — text-back sent, delivery being checked with Twilio"
    reason = textback.error_message or textback.get_status_display().lower()
    return f"Missed call — the text-back did not go out ({reason})"
