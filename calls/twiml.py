"""The TwiML Lasso answers voice webhooks with. Words callers hear live here."""

from __future__ import annotations

from django.conf import settings
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from tenants.models import Business, TwilioNumber

VOICE = "Polly.Joanna"


def url(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/voice/{path}/"


def unknown_number() -> str:
    response = VoiceResponse()
    response.say("Sorry, this number is not in service. Goodbye.", voice=VOICE)
    response.hangup()
    return str(response)


def forward(*, business: Business, number: TwilioNumber, screening: bool) -> str:
    response = VoiceResponse()
    dial = Dial(
        answer_on_bridge=True,
        timeout=business.ring_timeout_seconds,
        action=url("dial-complete"),
        method="POST",
        caller_id=None,
    )
    if screening:
        dial.number(str(number.forward_to), url=url("screen"), method="POST")
    else:
        dial.number(str(number.forward_to))
    response.append(dial)
    return str(response)


def screen_prompt(*, business: Business) -> str:
    response = VoiceResponse()
    gather = Gather(num_digits=1, timeout=6, action=url("screen"), method="POST")
    gather.say(f"Call for {business.name}. Press any key to accept.", voice=VOICE)
    response.append(gather)
    # No key: hang up this leg only, so a voicemail box can never "answer" the call.
    response.hangup()
    return str(response)


def screen_accepted() -> str:
    return str(VoiceResponse())  # empty: Twilio bridges the two legs


def missed(*, business: Business, voicemail: bool) -> str:
    response = VoiceResponse()
    if voicemail:
        response.say(
            f"Sorry we missed your call. This is {business.name}. "
            "Please leave a message after the tone.",
            voice=VOICE,
        )
        # With an action, Twilio goes on to it once the message is recorded (without one it
        # re-requests this page and the caller hears the greeting again). No audio at all:
        # Twilio skips the action and runs the <Hangup> below.
        response.record(
            action=url("recorded"),
            method="POST",
            max_length=120,
            play_beep=True,
            recording_status_callback=url("recording-status"),
            recording_status_callback_method="POST",
            transcribe=True,
            transcribe_callback=url("transcribed"),
        )
    else:
        response.say(
            f"Sorry we missed your call. This is {business.name}. We will get back to you soon.",
            voice=VOICE,
        )
    response.hangup()
    return str(response)


def voicemail_recorded() -> str:
    response = VoiceResponse()
    response.say("Thank you, we'll get back to you soon. Goodbye.", voice=VOICE)
    response.hangup()
    return str(response)


def refused() -> str:
    """For a request about a call that belongs to another line: end it, connect nothing."""
    response = VoiceResponse()
    response.say("Sorry, this call cannot be connected. Goodbye.", voice=VOICE)
    response.hangup()
    return str(response)


def goodbye() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def bad_request() -> str:
    response = VoiceResponse()
    response.say("Sorry, something went wrong with this call. Goodbye.", voice=VOICE)
    response.hangup()
    return str(response)
