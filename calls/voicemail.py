"""Voicemail: what Twilio's <Record> callbacks carry, kept only when it is exactly what
Twilio sends, and never shown to anyone as Twilio's URL.

A recording URL is accepted only when it is https on Twilio's API host (``api.twilio.com``
or a regional ``api.<edge>.<region>.twilio.com``) with a path under
``/2010-04-01/Accounts/AC…/Recordings/RE…`` naming the same recording SID (and account) as
the request. Anything else is refused and logged, and nothing of it is stored. Playback
never follows a stored URL: it builds the address from the recording SID and the account
(see messaging.gateway.open_recording) and streams through Lasso to the business's members.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from calls.models import Call
from tenants.models import Business

logger = logging.getLogger(__name__)

RECORDING_SID = re.compile(r"RE[0-9a-fA-F]{32}")
RECORDING_URL = re.compile(
    r"https://api(?:\.[a-z0-9-]+){0,2}\.twilio\.com"
    r"/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})"
    r"/Recordings/(?P<sid>RE[0-9a-fA-F]{32})(?:\.(?:mp3|wav|json))?"
)
MAX_TRANSCRIPT_CHARS = 4000
# Control characters other than line breaks and tabs have no place in a transcript.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Recording:
    account_sid: str
    sid: str
    url: str


def parse_recording(*, url: str, sid: str = "", account: str = "") -> Recording | None:
    """The recording Twilio told us about, or None unless `url` is one of Twilio's
    recording URLs for this SID (and this account, when the request names one)."""
    # Exactly as sent: no stripping, so nothing but Twilio's own form gets through.
    match = RECORDING_URL.fullmatch(url) if len(url) <= 500 else None
    if match is None:
        return None
    if sid and sid != match["sid"]:
        return None
    if account and account != match["account"]:
        return None
    return Recording(account_sid=match["account"], sid=match["sid"], url=url)


def recording_of(call: Call) -> Recording | None:
    """The call's playable recording: a recording SID, and a stored URL that is Twilio's
    (rows stored before the check may hold anything; those cannot be played)."""
    if not call.recording_sid:
        return None
    return parse_recording(url=call.recording_url, sid=call.recording_sid)


def record_voicemail(
    *, business: Business, call: Call, url: str, sid: str, account: str, seconds: int | None
) -> bool:
    """Keep the call's recording, once. False (and logged) when what came is not a Twilio
    recording of this call's account."""
    recording = parse_recording(url=url, sid=sid, account=account or call.account_sid)
    if recording is None:
        logger.warning(
            "voicemail for call %s refused: not a Twilio recording URL (%r, sid %r)",
            call.call_sid,
            url[:200],
            sid[:40],
        )
        return False
    updated = Call.objects.filter(business=business, pk=call.pk, recording_sid="").update(
        recording_sid=recording.sid, recording_url=recording.url, voicemail_seconds=seconds
    )
    if not updated:
        # Twilio tells us about one recording several times (action, status, transcription);
        # only a duration missing so far is filled in.
        Call.objects.filter(
            business=business,
            pk=call.pk,
            recording_sid=recording.sid,
            voicemail_seconds__isnull=True,
        ).update(voicemail_seconds=seconds)
    return True


def record_transcript(*, business: Business, call: Call, recording_sid: str, text: str) -> bool:
    """The transcript of the call's recording (the one with this SID), kept once."""
    text = CONTROL_CHARS.sub("", text).strip()[:MAX_TRANSCRIPT_CHARS]
    if not text or not RECORDING_SID.fullmatch(recording_sid):
        return False
    updated = Call.objects.filter(
        business=business, pk=call.pk, recording_sid=recording_sid, voicemail_transcript=""
    ).update(voicemail_transcript=text)
    return bool(updated)
