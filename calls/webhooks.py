"""Twilio voice webhooks: signature checked, strictly parsed, tenant found from our own data
(the To number, or the Call we already stored), then one service call.

Authentic but unknown or repeated events answer success so Twilio stops retrying; they are
logged with their CallSid.

A CallSid belongs to one account and one called number. A request naming a stored CallSid
with another `To` (or `AccountSid`) never acts on that call nor gets another business's
forwarding: it is logged as an error, and answered with TwiML that ends the call (webhooks
that answer TwiML) or 409 (callbacks that answer 204), so it shows in Twilio's debugger.

A caller is on the line while the TwiML webhooks (incoming, screen, dial-complete,
recorded) run, so they never answer 500: their database work is bounded
(calls.voice_path) and, when the database cannot answer, they answer from the routing
cache in Redis (calls.routing) and note that they did (calls.outage). With neither, the
incoming webhook answers 503 at once, and Twilio turns to the number's fallback URL,
which needs neither (`fallback`). The callbacks that answer 204 answer 503 instead when
the database is away, so Twilio retries them; what its retries cannot cover is settled
from Twilio's records afterwards (calls.reconcile). A callback about a call Lasso never
stored records it from its own parameters.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from calls import outage, services, twiml, voice_queue, voicemail, webhook_urls
from calls.models import Call
from calls.routing import Routing, cached, routing_for
from calls.routing import store as store_routings
from calls.voice_path import bounded_database
from lasso.rows import load_one
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


def sid_of(request: HttpRequest) -> str:
    """The request's CallSid when it is one, else ""."""
    return _sid(request)


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
        load_one(Call, where="t.call_sid = %s", params=[call_sid], related=["business"])
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


def _ring_as(call: Call, *, screening: bool) -> None:
    if call.screening != screening and services.record_screening(
        business=call.business, call=call, screening=screening
    ):
        call.screening = screening


def _accepted_meanwhile(call: Call) -> None:
    """A screen keypress kept in Redis (it came before its call reached the database)."""
    at = outage.accepted_at(call_sid=call.call_sid)
    if at is not None and services.record_screen_accepted(
        business=call.business, call_sid=call.call_sid, at=at
    ):
        call.accepted_at = at


def _conflict() -> HttpResponse:
    return HttpResponse(
        "This CallSid belongs to another number or account.", status=409, content_type="text/plain"
    )


def _unavailable() -> HttpResponse:
    """For a callback the database could not take: Twilio retries it (the URL's overrides)."""
    return HttpResponse(
        "Lasso cannot take this callback just now.", status=503, content_type="text/plain"
    )


def _record_from_callback(request: HttpRequest, where: str) -> tuple[Call | None, bool]:
    """A callback about a call Lasso never stored (its incoming webhook did not reach the
    database): record the call from the callback's own parameters. (call or None, refused)"""
    call_sid = _sid(request)
    number = number_for_called(to=request.POST.get("To", "").strip())
    if not call_sid or number is None or "From" not in request.POST:
        logger.warning("voice/%s: %s for an unknown call", where, call_sid or "no CallSid")
        return None, False
    incoming_call = services.record_incoming(
        number=number,
        call_sid=call_sid,
        from_raw=request.POST.get("From", ""),
        account=request.POST.get("AccountSid", ""),
        forwarded_from=request.POST.get("ForwardedFrom", ""),
        called_via=request.POST.get("CalledVia", ""),
        recorded_from=Call.RecordedFrom.CALLBACK,
    )
    if incoming_call.conflict:
        return None, True
    call = incoming_call.call
    if incoming_call.created and call.screening:
        # A keypress on the screen while the database was away was kept in Redis.
        _accepted_meanwhile(call)
    logger.info("voice/%s: %s recorded from a callback", where, call_sid)
    return call, False


def _known_call(request: HttpRequest, where: str) -> tuple[Call | None, bool]:
    """The stored call, or one recorded now from the request's own parameters."""
    call, refused = _stored_call(request, where)
    if call is None and not refused:
        call, refused = _record_from_callback(request, where)
    return call, refused


def _forward(routing: Routing) -> str:
    return _forward_for(routing, settings.PUBLIC_BASE_URL)


# The same routing (and public URL) always makes the same TwiML: made once, not per call.
@functools.lru_cache(maxsize=1024)
def _forward_for(routing: Routing, public_base_url: str) -> str:
    # The <Dial> action says whether this call was screened (signed with the rest of the
    # URL), so its dial result is answered as the call was rung, whatever the settings are
    # by the time it ends.
    screened = {"screened": "1"} if routing.screening else {}
    return twiml.forward(
        routing=routing,
        action=webhook_urls.callback("dial-complete", **screened),
        screen=webhook_urls.callback("screen", line=routing.number),
    )


def _missed(*, name: str, voicemail: bool) -> str:
    return _missed_for(name, voicemail, settings.PUBLIC_BASE_URL)


@functools.lru_cache(maxsize=1024)
def _missed_for(name: str, voicemail: bool, public_base_url: str) -> str:
    return twiml.missed(
        name=name,
        voicemail=voicemail,
        recorded=webhook_urls.callback("recorded"),
        recording_status=webhook_urls.callback("recording-status"),
        transcribed=webhook_urls.callback("transcribed"),
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
    to = request.POST.get("To", "").strip()
    if not call_sid or not to or "From" not in request.POST:
        logger.warning(
            "voice/incoming: malformed (CallSid=%r To=%r)", request.POST.get("CallSid"), to
        )
        return _twiml(twiml.bad_request(), status=400)
    queued = voice_queue.append(request, "incoming")
    if queued is not None:
        return _answer_incoming(queued.routing)
    try:
        with bounded_database():
            return record_incoming_request(
                request, call_sid=call_sid, to=to, fill_cache=voice_queue.enabled()
            )
    except Exception:
        logger.exception("voice/incoming: %s: the database did not answer", call_sid)
    routing = cached(to=to)
    if routing is not None:
        outage.note_degraded()  # Redis answered just now: the note costs no wait
    if routing is None:
        # Nothing to ring: Twilio turns to the number's fallback URL on this answer.
        logger.error("voice/incoming: %s: no cached routing for %s; to the fallback", call_sid, to)
        return HttpResponse("Lasso cannot answer this call now.", status=503)
    logger.warning("voice/incoming: %s answered from the routing cache", call_sid)
    return _answer_incoming(routing)


def _answer_incoming(routing: Routing) -> HttpResponse:
    if routing.forwards:
        return _twiml(_forward(routing))
    return _twiml(_missed(name=routing.business_name, voicemail=routing.voicemail))


def record_incoming_request(
    request: HttpRequest,
    *,
    call_sid: str,
    to: str,
    at: datetime | None = None,
    fill_cache: bool = False,
    number: TwilioNumber | None = None,
) -> HttpResponse:
    """Record the incoming call (when it started: `at`, else now) and answer it.
    `fill_cache`: the routing cache did not have the number; store it, so the number's
    next calls are answered from it (calls.voice_queue). `number`: the called number with
    its business, when the caller read it already."""
    if number is None:
        number = number_for_called(to=to)
    if number is None:
        logger.warning("voice/incoming: %s to unknown number %s", call_sid, to)
        return _twiml(twiml.unknown_number())
    if fill_cache:
        # Redis is written once the call is in the database, not while its transaction
        # waits on the round trip.
        transaction.on_commit(functools.partial(store_routings, [routing_for(number=number)]))
    incoming_call = services.record_incoming(
        number=number,
        call_sid=call_sid,
        from_raw=request.POST.get("From", ""),
        call_status=request.POST.get("CallStatus", ""),
        account=request.POST.get("AccountSid", ""),
        forwarded_from=request.POST.get("ForwardedFrom", ""),
        called_via=request.POST.get("CalledVia", ""),
        started_at=at,
    )
    if incoming_call.conflict:
        return _twiml(twiml.refused())
    call = incoming_call.call
    # The screening decided when the call was first recorded holds for its retries too.
    routing = replace(routing_for(number=number), screening=call.screening)
    if call.mode == TwilioNumber.Mode.MISSED_ONLY or not routing.forward_to:
        # Missed already (decided by record_incoming): greet, and take a voicemail.
        return _twiml(_missed(name=routing.business_name, voicemail=routing.voicemail))
    return _twiml(_forward(routing))


@twilio_webhook
def screen(request: HttpRequest) -> HttpResponse:
    """Runs on the forwarded leg: whisper, and require a keypress from a person. The `line`
    in its URL (signed) names the Lasso number, for a call the database does not know."""
    parent_sid = _sid(request, "ParentCallSid")
    if not parent_sid:
        logger.warning(
            "voice/screen: malformed ParentCallSid %r", request.POST.get("ParentCallSid")
        )
        return _twiml(twiml.goodbye())
    accepted = bool(request.POST.get("Digits", "").strip())
    if accepted and voice_queue.enabled():
        # The call's dial result is answered from Redis (calls.voice_queue): keep the
        # keypress there too, whether or not its call is recorded yet.
        outage.mark_accepted(call_sid=parent_sid, seconds=voice_queue.ACCEPTED_SECONDS)
    line = request.GET.get("line", "")
    action = webhook_urls.callback("screen", line=line) if line else webhook_urls.callback("screen")
    try:
        with bounded_database():
            call = Call.objects.select_related("business").filter(call_sid=parent_sid).first()
            if call is not None:
                if accepted:
                    services.record_screen_accepted(business=call.business, call_sid=parent_sid)
                    return _twiml(twiml.screen_accepted())
                return _twiml(twiml.screen_prompt(name=call.business.name, action=action))
    except Exception:
        logger.exception("voice/screen: %s: the database did not answer", parent_sid)
    # A call the database does not have (its incoming webhook was answered from the cache):
    # still let a person take it, and keep the keypress for when the database is back.
    if accepted:
        outage.mark_accepted(call_sid=parent_sid)
        return _twiml(twiml.screen_accepted())
    routing = cached(to=line)
    return _twiml(twiml.screen_prompt(name=routing.business_name if routing else "", action=action))


@twilio_webhook
def dial_complete(request: HttpRequest) -> HttpResponse:
    call_sid = _sid(request)
    dial_status = request.POST.get("DialCallStatus", "").strip()
    if call_sid and dial_status in services.DIAL_STATUSES:
        queued = voice_queue.append(request, "dial-complete")
        if queued is not None:
            # As services.derive_outcome: on a screened call a person took it if and only
            # if they pressed a key (kept in Redis by the screen webhook); otherwise the
            # dial result says.
            screened = request.GET.get("screened")
            if screened is None:
                screened = "1" if queued.routing.screening else ""
            if screened == "1":
                answered = queued.accepted
            else:
                answered = dial_status in {"completed", "answered"}
            if answered:
                return _twiml(twiml.goodbye())
            return _twiml(
                _missed(name=queued.routing.business_name, voicemail=queued.routing.voicemail)
            )
    try:
        with bounded_database():
            return record_dial_complete_request(request, call_sid=call_sid, dial_status=dial_status)
    except Exception:
        logger.exception("voice/dial-complete: %s: the database did not answer", call_sid)
    routing = cached(to=request.POST.get("To", "").strip())
    if routing is not None:
        outage.note_degraded()
    if dial_status in {"completed", "answered"}:
        screened_out = (
            routing is not None
            and routing.screening
            and call_sid
            and outage.accepted_at(call_sid=call_sid) is None
        )
        if not screened_out:
            return _twiml(twiml.goodbye())
    return _twiml(
        _missed(
            name=routing.business_name if routing else "",
            voicemail=routing.voicemail if routing else True,
        )
    )


def record_dial_complete_request(
    request: HttpRequest, *, call_sid: str, dial_status: str, keypress_kept: bool | None = None
) -> HttpResponse:
    """Record the <Dial> result, decide the call, and answer it. `keypress_kept`: whether
    Redis held a screen keypress for the call when its event was queued (None: look)."""
    call, refused = _known_call(request, "dial-complete")
    if refused:
        return _twiml(twiml.refused())
    if call is None:
        return _twiml(twiml.goodbye())
    business = call.business
    screened = request.GET.get("screened")
    if screened is not None and call.outcome == Call.Outcome.PENDING:
        # The <Dial> action's signed URL says how the call was rung: with the whisper and
        # the keypress, or without. That, not the settings when the call was recorded
        # (a moment later, by a drain), decides what its dial result means.
        _ring_as(call, screening=screened == "1")
    if (
        call.screening
        and call.accepted_at is None
        and call.outcome == Call.Outcome.PENDING
        and keypress_kept is not False
    ):
        # A keypress that came before its call reached the database waits in Redis.
        _accepted_meanwhile(call)
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
    return _twiml(_missed(name=business.name, voicemail=business.voicemail_enabled))


@twilio_webhook
def status(request: HttpRequest) -> HttpResponse:
    call_sid = _sid(request)
    if not call_sid:
        logger.warning("voice/status: malformed CallSid %r", request.POST.get("CallSid"))
        return HttpResponse("CallSid is missing or malformed.", status=400)
    try:
        with bounded_database():
            return _status(request, call_sid=call_sid)
    except Exception:
        logger.exception("voice/status: %s: the database did not answer; Twilio retries", call_sid)
    return _unavailable()


def _status(request: HttpRequest, *, call_sid: str) -> HttpResponse:
    call, refused = _known_call(request, "status")
    if refused:
        return _conflict()
    if call is None:
        return _no_content()
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
    so nothing here touches the outcome or the text-back). Without the database the
    recording stays at Twilio, and its status callback brings it later."""
    try:
        with bounded_database():
            call, refused = _known_call(request, "recorded")
            if refused:
                return _twiml(twiml.refused())
            if call is not None:
                _store_recording(request, call, "recorded")
    except Exception:
        logger.exception("voice/recorded: %s: the database did not answer", _sid(request))
    return _twiml(twiml.voicemail_recorded())


@twilio_webhook
def recording_status(request: HttpRequest) -> HttpResponse:
    """<Record recordingStatusCallback>: the recording is stored at Twilio (or failed)."""
    if not _sid(request):
        logger.warning("voice/recording-status: malformed CallSid %r", request.POST.get("CallSid"))
        return HttpResponse("CallSid is missing or malformed.", status=400)
    try:
        with bounded_database():
            return _recording_status(request)
    except Exception:
        logger.exception("voice/recording-status: %s: the database did not answer", _sid(request))
    return _unavailable()


def _recording_status(request: HttpRequest) -> HttpResponse:
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
    try:
        with bounded_database():
            return _transcribed(request)
    except Exception:
        logger.exception("voice/transcribed: %s: the database did not answer", _sid(request))
    return _unavailable()


def _transcribed(request: HttpRequest) -> HttpResponse:
    call, refused = _known_call(request, "transcribed")
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


@twilio_webhook
def fallback(request: HttpRequest) -> HttpResponse:
    """The number's VoiceFallbackUrl: Twilio asks it when the voice URL failed or was too
    slow. It touches neither PostgreSQL nor Redis: the routing rides in its own query
    string, which Twilio's signature covers (checked with the auth token held in memory).
    Its follow-ups (the screen, the <Dial> and <Record> actions) come back here with a
    `step`, so a call started here never depends on the rest of Lasso."""
    routing = webhook_urls.routing_from_fallback(request.GET)
    step = request.GET.get("step", "")
    call_sid = _sid(request) or _sid(request, "ParentCallSid")
    if routing is None:
        logger.error(
            "voice/fallback: %s: a signed URL without a routing: %r", call_sid, request.GET
        )
        return _twiml(twiml.bad_request())
    logger.warning(
        "voice/fallback: %s step %r (Twilio error %s)",
        call_sid,
        step,
        request.POST.get("ErrorCode", "-")[:12],
    )
    if step == "screen":
        if request.POST.get("Digits", "").strip():
            return _twiml(twiml.screen_accepted())
        return _twiml(
            twiml.screen_prompt(
                name=routing.business_name, action=webhook_urls.fallback_url(routing, step="screen")
            )
        )
    if step == "recorded":
        return _twiml(twiml.voicemail_recorded())
    if step == "dial" and request.POST.get("DialCallStatus", "").strip() in {
        "completed",
        "answered",
    }:
        return _twiml(twiml.goodbye())
    if step == "" and routing.forwards:
        return _twiml(
            twiml.forward(
                routing=routing,
                action=webhook_urls.fallback_url(routing, step="dial"),
                screen=webhook_urls.fallback_url(routing, step="screen"),
            )
        )
    # Missed-only mode, or nobody took the forwarded call: greet, and take a voicemail.
    return _twiml(
        twiml.missed(
            name=routing.business_name,
            voicemail=routing.voicemail,
            recorded=webhook_urls.fallback_url(routing, step="recorded"),
            recording_status=webhook_urls.callback("recording-status"),
            transcribed=webhook_urls.callback("transcribed"),
        )
    )
