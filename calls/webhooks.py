"""Twilio voice webhooks: signature checked, strictly parsed, tenant found from our own data
(the To number, or the Call we already stored), then one service call.

Authentic but unknown or repeated events answer success so Twilio stops retrying; they are
logged with their CallSid.

A CallSid belongs to one account and one called number. A request naming a stored CallSid
with another `To` (or `AccountSid`) never acts on that call nor gets another business's
forwarding: it is logged as an error, and answered with TwiML that ends the call (webhooks
that answer TwiML) or 409 (callbacks that answer 204), so it shows in Twilio's debugger.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse

from calls import services, twiml, voicemail
from calls.models import Call
from lasso.twilio_webhooks import twilio_webhook
from tenants.models import TwilioNumber
from tenants.selectors import number_for_called

logger = logging.getLogger(__name__)

SID = re.compile(r"^CA[0-9a-fA-F]{32}$")


def _twiml(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml", status=status)


def _no_content() -> HttpResponse:
    return HttpResponse(status=204)


def _sid(request: HttpRequest, name: str = "CallSid") -> str:
    value = request.POST.get(name, "").strip()
    return value if SID.match(value) else ""


def _int(value: str) -> int | None:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None


def _stored_call(request: HttpRequest, where: str) -> tuple[Call | None, bool]:
    """The stored call this request is about (or None), and whether it must be refused
    because the request names another called number or account."""
    call_sid = _sid(request)
    call = (
        Call.objects.select_related("business").filter(call_sid=call_sid).first()
        if call_sid
        else None
    )
    if call is None:
        return None, False
    to, account = request.POST.get("To", ""), request.POST.get("AccountSid", "")
    if services.is_other_line(call=call, to=to, account=account):
        logger.error(
            "voice/%s: %s is stored for %s (account %r) but came for To=%r AccountSid=%r; refused",
            where,
            call_sid,
            call.to_number,
            call.account_sid,
            to[:40],
            account[:40],
        )
        return call, True
    return call, False


def _conflict() -> HttpResponse:
    return HttpResponse(
        "This CallSid belongs to another number or account.", status=409, content_type="text/plain"
    )


def _store_recording(request: HttpRequest, call: Call, where: str) -> None:
    url = request.POST.get("RecordingUrl", "")
    if not url:
        logger.warning("voice/%s: %s came without a RecordingUrl", where, call.call_sid)
        return
    voicemail.record_voicemail(
        business=call.business,
        call=call,
        url=url,
        sid=request.POST.get("RecordingSid", ""),
        account=request.POST.get("AccountSid", ""),
        seconds=_int(request.POST.get("RecordingDuration", "")),
    )


@twilio_webhook
def incoming(request: HttpRequest) -> HttpResponse:
    call_sid = _sid(request)
    from_raw = request.POST.get("From", "")
    to = request.POST.get("To", "").strip()
    if not call_sid or not to or "From" not in request.POST:
        logger.warning(
            "voice/incoming: malformed (CallSid=%r To=%r)", request.POST.get("CallSid"), to
        )
        return _twiml(twiml.bad_request(), status=400)
    number = number_for_called(to=to)
    if number is None:
        logger.warning("voice/incoming: %s to unknown number %s", call_sid, to)
        return _twiml(twiml.unknown_number())
    incoming_call = services.record_incoming(
        number=number,
        call_sid=call_sid,
        from_raw=from_raw,
        call_status=request.POST.get("CallStatus", ""),
        account=request.POST.get("AccountSid", ""),
        forwarded_from=request.POST.get("ForwardedFrom", ""),
        called_via=request.POST.get("CalledVia", ""),
    )
    if incoming_call.conflict:
        return _twiml(twiml.refused())
    call = incoming_call.call
    business = number.business
    if call.mode == TwilioNumber.Mode.MISSED_ONLY or not number.forward_to:
        # Missed already (decided by record_incoming): greet, and take a voicemail.
        return _twiml(twiml.missed(business=business, voicemail=business.voicemail_enabled))
    return _twiml(twiml.forward(business=business, number=number, screening=call.screening))


@twilio_webhook
def screen(request: HttpRequest) -> HttpResponse:
    """Runs on the forwarded leg: whisper, and require a keypress from a person."""
    parent_sid = _sid(request, "ParentCallSid")
    call = (
        Call.objects.select_related("business").filter(call_sid=parent_sid).first()
        if parent_sid
        else None
    )
    if call is None:
        logger.warning("voice/screen: unknown parent call %r", request.POST.get("ParentCallSid"))
        return _twiml(twiml.goodbye())
    if request.POST.get("Digits", "").strip():
        services.record_screen_accepted(business=call.business, call_sid=call.call_sid)
        return _twiml(twiml.screen_accepted())
    return _twiml(twiml.screen_prompt(business=call.business))


@twilio_webhook
def dial_complete(request: HttpRequest) -> HttpResponse:
    call_sid = _sid(request)
    dial_status = request.POST.get("DialCallStatus", "").strip()
    call, refused = _stored_call(request, "dial-complete")
    if refused:
        return _twiml(twiml.refused())
    if call is None:
        logger.warning("voice/dial-complete: unknown call %r", request.POST.get("CallSid"))
        return _twiml(twiml.goodbye())
    business = call.business
    if dial_status not in services.DIAL_STATUSES:
        logger.warning("voice/dial-complete: %s unknown DialCallStatus %r", call_sid, dial_status)
    else:
        call = services.record_dial_result(
            business=business,
            call=call,
            dial_status=dial_status,
            duration=_int(request.POST.get("DialCallDuration", "")),
        )
    if call.outcome == Call.Outcome.ANSWERED:
        return _twiml(twiml.goodbye())
    return _twiml(twiml.missed(business=business, voicemail=business.voicemail_enabled))


@twilio_webhook
def status(request: HttpRequest) -> HttpResponse:
    call_sid = _sid(request)
    if not call_sid:
        logger.warning("voice/status: malformed CallSid %r", request.POST.get("CallSid"))
        return HttpResponse("CallSid is missing or malformed.", status=400)
    call, refused = _stored_call(request, "status")
    if refused:
        return _conflict()
    if call is None:
        # The incoming webhook never reached us: the status callback carries enough to
        # record the call and still decide it.
        number = number_for_called(to=request.POST.get("To", "").strip())
        if number is None or "From" not in request.POST:
            logger.warning("voice/status: %s for an unknown call", call_sid)
            return _no_content()
        incoming_call = services.record_incoming(
            number=number,
            call_sid=call_sid,
            from_raw=request.POST.get("From", ""),
            account=request.POST.get("AccountSid", ""),
            forwarded_from=request.POST.get("ForwardedFrom", ""),
            called_via=request.POST.get("CalledVia", ""),
        )
        if incoming_call.conflict:
            return _conflict()
        call = incoming_call.call
    business = call.business
    if request.POST.get("RecordingUrl"):
        # Calls greeted before <Record> had its own callbacks report their recording here.
        _store_recording(request, call, "status")
        return _no_content()
    call_status = request.POST.get("CallStatus", "").strip()
    if call_status not in services.KNOWN_CALL_STATUSES:
        logger.warning("voice/status: %s unknown CallStatus %r", call_sid, call_status)
        return _no_content()
    services.record_call_status(business=business, call=call, call_status=call_status)
    return _no_content()


@twilio_webhook
def recorded(request: HttpRequest) -> HttpResponse:
    """<Record action>: the caller left a message. Keep it and end the call politely; the
    caller hears the same goodbye whatever came (the decision was made before the greeting,
    so nothing here touches the outcome or the text-back)."""
    call, refused = _stored_call(request, "recorded")
    if refused:
        return _twiml(twiml.refused())
    if call is None:
        logger.warning("voice/recorded: unknown call %r", request.POST.get("CallSid", "")[:40])
    else:
        _store_recording(request, call, "recorded")
    return _twiml(twiml.voicemail_recorded())


@twilio_webhook
def recording_status(request: HttpRequest) -> HttpResponse:
    """<Record recordingStatusCallback>: the recording is stored at Twilio (or failed)."""
    if not _sid(request):
        logger.warning("voice/recording-status: malformed CallSid %r", request.POST.get("CallSid"))
        return HttpResponse("CallSid is missing or malformed.", status=400)
    call, refused = _stored_call(request, "recording-status")
    if refused:
        return _conflict()
    recording_status = request.POST.get("RecordingStatus", "").strip()
    if call is None:
        logger.warning("voice/recording-status: unknown call %s", _sid(request))
    elif recording_status == "completed":
        _store_recording(request, call, "recording-status")
    else:
        logger.info("voice/recording-status: %s recording %r", call.call_sid, recording_status)
    return _no_content()


@twilio_webhook
def transcribed(request: HttpRequest) -> HttpResponse:
    """<Record transcribeCallback>: the voicemail's transcript, kept when completed."""
    if not _sid(request):
        logger.warning("voice/transcribed: malformed CallSid %r", request.POST.get("CallSid"))
        return HttpResponse("CallSid is missing or malformed.", status=400)
    call, refused = _stored_call(request, "transcribed")
    if refused:
        return _conflict()
    transcription_status = request.POST.get("TranscriptionStatus", "").strip()
    if call is None:
        logger.warning("voice/transcribed: unknown call %s", _sid(request))
    elif transcription_status != "completed":
        logger.info("voice/transcribed: %s transcription %r", call.call_sid, transcription_status)
    else:
        # The transcription also names the recording: keep it if its action never came.
        _store_recording(request, call, "transcribed")
        voicemail.record_transcript(
            business=call.business,
            call=call,
            recording_sid=request.POST.get("RecordingSid", "").strip(),
            text=request.POST.get("TranscriptionText", ""),
        )
    return _no_content()
