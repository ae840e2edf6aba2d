"""The TwiML Lasso answers voice webhooks with. Words callers hear live here."""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from calls.routing import Routing

VOICE = "Polly.Joanna"


def unknown_number() -> str:
    response = VoiceResponse()
    response.say("Sorry, this number is not in service. Goodbye.", voice=VOICE)
    response.hangup()
    return str(response)


def forward(*, routing: Routing, action: str, screen: str) -> str:
    """Ring the business: `action` hears how the <Dial> ended, `screen` whispers to the
    answering phone (when screening is on)."""
    response = VoiceResponse()
    dial = Dial(
        answer_on_bridge=True,
        timeout=routing.ring_timeout,
        action=action,
        method="POST",
        caller_id=None,
    )
    if routing.screening:
        dial.number(routing.forward_to, url=screen, method="POST")
    else:
        dial.number(routing.forward_to)
    response.append(dial)
    return str(response)


def screen_prompt(*, name: str, action: str) -> str:
    response = VoiceResponse()
    gather = Gather(num_digits=1, timeout=6, action=action, method="POST")
    whom = f"Call for {name}." if name else "You have a call."
    gather.say(f"{whom} Press any key to accept.", voice=VOICE)
    response.append(gather)
    # No key: hang up this leg only, so a voicemail box can never "answer" the call.
    response.hangup()
    return str(response)


def screen_accepted() -> str:
    return str(VoiceResponse())  # empty: Twilio bridges the two legs


def missed(
    *,
    name: str,
    voicemail: bool,
    recorded: str = "",
    recording_status: str = "",
    transcribed: str = "",
) -> str:
    """The greeting for a caller nobody answered; with `voicemail`, a message is taken and
    `recorded` (the <Record action>) hears of it, the other two when Twilio has stored and
    transcribed it."""
    response = VoiceResponse()
    this_is = f" This is {name}." if name else ""
    if voicemail:
        response.say(
            f"Sorry we missed your call.{this_is} Please leave a message after the tone.",
            voice=VOICE,
        )
        # With an action, Twilio goes on to it once the message is recorded (without one it
        # re-requests this page and the caller hears the greeting again). No audio at all:
        # Twilio skips the action and runs the <Hangup> below.
        response.record(
            action=recorded,
            method="POST",
            max_length=120,
            play_beep=True,
            recording_status_callback=recording_status,
            recording_status_callback_method="POST",
            transcribe=True,
            transcribe_callback=transcribed,
        )
    else:
        response.say(
            f"Sorry we missed your call.{this_is} We will get back to you soon.",
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
