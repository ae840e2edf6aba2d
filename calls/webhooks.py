"""Twilio voice webhooks: signature checked, strictly parsed, tenant found from our own data
(the To number, or the Call we already stored), then one service call.

Authentic but unknown or repeated events answer success so Twilio stops retrying; they are
logged with their CallSid.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse

from calls import services, twiml
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
    )
    call = incoming_call.call
    business = number.business
    if call.mode == TwilioNumber.Mode.MISSED_ONLY:
        return _twiml(twiml.missed(business=business, voicemail=business.voicemail_enabled))
    if not number.forward_to:
        logger.error("voice/incoming: %s has no forward-to number; treating as missed", number)
        Call.objects.filter(pk=call.pk, call_status="").update(call_status="failed")
        call.refresh_from_db()
        services.decide(business=business, call=call, reason="no-forward-number")
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
    call = (
        Call.objects.select_related("business").filter(call_sid=call_sid).first()
        if call_sid
        else None
    )
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
    call = Call.objects.select_related("business").filter(call_sid=call_sid).first()
    if call is None:
        # The incoming webhook never reached us: the status callback carries enough to
        # record the call and still decide it.
        number = number_for_called(to=request.POST.get("To", "").strip())
        if number is None or "From" not in request.POST:
            logger.warning("voice/status: %s for an unknown call", call_sid)
            return _no_content()
        call = services.record_incoming(
            number=number, call_sid=call_sid, from_raw=request.POST.get("From", "")
        ).call
    business = call.business
    if request.POST.get("RecordingUrl"):
        services.record_voicemail(
            business=business,
            call_sid=call_sid,
            url=request.POST["RecordingUrl"],
            seconds=_int(request.POST.get("RecordingDuration", "")),
        )
        return _no_content()
    call_status = request.POST.get("CallStatus", "").strip()
    if call_status not in services.KNOWN_CALL_STATUSES:
        logger.warning("voice/status: %s unknown CallStatus %r", call_sid, call_status)
        return _no_content()
    services.record_call_status(business=business, call=call, call_status=call_status)
    return _no_content()
