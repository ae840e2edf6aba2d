from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

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
        # As the forwarding TwiML names it: the Lasso number rides in the (signed) query.
        return self.twilio.post(VOICE + "screen/?" + urlencode({"line": self.to}), params)

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

    # --- voicemail: what Twilio sends after <Record> ------------------------------------
    def recorded(self, recording: Recording, **extra: str):
        """<Record action>, once the caller has left a message."""
        return self.twilio.post(
            VOICE + "recorded/",
            {
                "CallSid": self.sid,
                "From": self.caller,
                "To": self.to,
                "CallStatus": "in-progress",
                "RecordingSid": recording.sid,
                "RecordingUrl": recording.url,
                "RecordingDuration": str(recording.seconds),
                "Digits": "hangup",
                **extra,
            },
        )

    def recording_status(self, recording: Recording, status: str = "completed", **extra: str):
        """<Record recordingStatusCallback> (it carries no From or To)."""
        return self.twilio.post(
            VOICE + "recording-status/",
            {
                "CallSid": self.sid,
                "RecordingSid": recording.sid,
                "RecordingUrl": recording.url,
                "RecordingStatus": status,
                "RecordingDuration": str(recording.seconds),
                "RecordingChannels": "1",
                "RecordingSource": "RecordVerb",
                **extra,
            },
        )

    def transcribed(self, recording: Recording, text: str, status: str = "completed", **extra):
        """<Record transcribeCallback>."""
        return self.twilio.post(
            VOICE + "transcribed/",
            {
                "CallSid": self.sid,
                "From": self.caller,
                "To": self.to,
                "TranscriptionSid": "TR" + uuid.uuid4().hex,
                "TranscriptionText": text,
                "TranscriptionStatus": status,
                "TranscriptionUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}"
                f"/Recordings/{recording.sid}/Transcriptions/TR{uuid.uuid4().hex}",
                "RecordingSid": recording.sid,
                "RecordingUrl": recording.url,
                **extra,
            },
        )


ACCOUNT = "AC" + "a" * 32  # scripts/test's TWILIO_ACCOUNT_SID


@dataclass(frozen=True)
class Recording:
    """A voicemail as Twilio names it."""

    sid: str = field(default_factory=lambda: "RE" + uuid.uuid4().hex)
    seconds: int = 14
    account: str = ACCOUNT
    host: str = "api.twilio.com"

    @property
    def url(self) -> str:
        return f"https://{self.host}/2010-04-01/Accounts/{self.account}/Recordings/{self.sid}"
