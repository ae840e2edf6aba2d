"""Twilio messaging webhooks: inbound SMS and delivery status callbacks."""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse
from twilio.twiml.messaging_response import MessagingResponse

from lasso.twilio_webhooks import twilio_webhook
from messaging import inbound, services
from tenants.selectors import number_for_called

logger = logging.getLogger(__name__)

MESSAGE_SID = re.compile(r"^(SM|MM|SMS|MG)[0-9a-zA-Z]{30,34}$")
# The senders Twilio delivers texts from: a phone number in E.164, a short code, or an
# alphanumeric sender ID (up to 11 letters, digits and spaces, at least one letter).
SENDER = re.compile(
    r"^(\+[1-9][0-9]{6,14}|[0-9]{3,8}|(?=[A-Za-z0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11})$"
)


def _empty_twiml() -> HttpResponse:
    # Replies go out through the REST API (so each is a Message row with consent checked);
    # the webhook itself answers with nothing.
    return HttpResponse(str(MessagingResponse()), content_type="text/xml")


@twilio_webhook
def sms_incoming(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid", "").strip()
    to = request.POST.get("To", "").strip()
    from_raw = request.POST.get("From", "").strip()
    if not MESSAGE_SID.match(sid) or not to or not from_raw:
        logger.warning("sms/incoming: malformed (MessageSid=%r To=%r)", sid, to)
        return HttpResponse("MessageSid, From and To are required.", status=400)
    if not SENDER.match(from_raw):
        logger.warning("sms/incoming: %s from a sender Twilio never uses: %r", sid, from_raw)
        return HttpResponse(
            "From must be a phone number in E.164, a short code or a sender ID.", status=400
        )
    number = number_for_called(to=to)
    if number is None:
        logger.warning("sms/incoming: %s to unknown number %s; nothing stored", sid, to)
        return _empty_twiml()
    try:
        num_media = max(0, min(int(request.POST.get("NumMedia", "0") or 0), 10))
    except ValueError:
        num_media = 0
    received = inbound.receive_sms(
        number=number,
        message_sid=sid,
        from_raw=from_raw,
        body=request.POST.get("Body", ""),
        num_media=num_media,
        opt_out_type=request.POST.get("OptOutType", "").strip().upper(),
    )
    if received.duplicate:
        logger.info("sms/incoming: duplicate delivery of %s ignored", sid)
    return _empty_twiml()


@twilio_webhook
def sms_status(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid", "").strip()
    status = request.POST.get("MessageStatus", "").strip().lower()
    if not MESSAGE_SID.match(sid) or status not in services.TWILIO_STATUS:
        logger.warning("sms/status: malformed (MessageSid=%r MessageStatus=%r)", sid, status)
        return HttpResponse("MessageSid and a known MessageStatus are required.", status=400)
    error_code = request.POST.get("ErrorCode", "").strip()
    if error_code and not error_code.isdigit():
        return HttpResponse("ErrorCode must be numeric.", status=400)
    if not services.apply_status_callback(sid=sid, twilio_status=status, error_code=error_code):
        logger.info("sms/status: %s for unknown message %s", status, sid)
    return HttpResponse(status=204)
