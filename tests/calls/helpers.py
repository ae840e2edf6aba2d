from __future__ import annotations

from dataclasses import dataclass, field

from tests.conftest import CALLER, TwilioClient, new_call_sid

VOICE = "/webhooks/twilio/voice/"


@dataclass
class CallFlow:
    """Plays Twilio's side of one call through the signed voice webhooks."""

    twilio: TwilioClient
    to: str
    caller: str = CALLER
    sid: str = field(default_factory=new_call_sid)
    child_sid: str = field(default_factory=new_call_sid)

    def incoming(self, **extra: str):
        return self.twilio.post(
            VOICE + "incoming/",
            {
                "CallSid": self.sid,
                "From": self.caller,
                "To": self.to,
                "CallStatus": "ringing",
                "Direction": "inbound",
                **extra,
            },
        )

    def screen(self, digits: str | None = None):
        params = {"CallSid": self.child_sid, "ParentCallSid": self.sid, "CallStatus": "in-progress"}
        if digits is not None:
            params["Digits"] = digits
        return self.twilio.post(VOICE + "screen/", params)

    def dial_complete(self, dial_status: str, duration: str = "0"):
        return self.twilio.post(
            VOICE + "dial-complete/",
            {
                "CallSid": self.sid,
                "From": self.caller,
                "To": self.to,
                "DialCallStatus": dial_status,
                "DialCallDuration": duration,
                "DialCallSid": self.child_sid,
            },
        )

    def status(self, call_status: str):
        return self.twilio.post(
            VOICE + "status/",
            {"CallSid": self.sid, "From": self.caller, "To": self.to, "CallStatus": call_status},
        )
