"""The phone simulator (DEBUG only): play a caller against the running system through
signed Twilio webhooks, so the whole flow can be seen without a Twilio account."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from twilio.request_validator import RequestValidator

from calls.services import normalize_caller
from messaging.models import Conversation, Message
from messaging.simulator_phone import phone_lines
from tenants.dashboard import business_view

DEFAULT_CALLER = "+14155550142"


def post_signed(path: str, params: dict[str, str], *, to: str = "") -> requests.Response:
    """POST to our own webhook exactly as Twilio would: same URL, the AccountSid of the
    account that owns the number `to` (a business's subaccount, or the platform's), signed
    with that account's auth token."""
    from tenants.onboarding import credentials

    account = credentials.account_for_number(to or params.get("To", ""))
    if account.sid:
        params = {**params, "AccountSid": account.sid}
    url = settings.PUBLIC_BASE_URL + path
    signature = RequestValidator(account.auth_token).compute_signature(url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)


def _sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def play(action: str, *, caller: str, to: str, body: str = "") -> list[str]:
    """Run one scripted action; returns a line per webhook with its HTTP status."""
    call_sid, child_sid = _sid("CA"), _sid("CA")
    base = {"CallSid": call_sid, "From": caller, "To": to}
    steps: list[tuple[str, dict[str, str]]]
    if action == "call-missed":
        steps = [
            ("/webhooks/twilio/voice/incoming/", {**base, "CallStatus": "ringing"}),
            ("/webhooks/twilio/voice/dial-complete/", {**base, "DialCallStatus": "no-answer"}),
            ("/webhooks/twilio/voice/status/", {**base, "CallStatus": "completed"}),
        ]
    elif action == "call-answered":
        steps = [
            ("/webhooks/twilio/voice/incoming/", {**base, "CallStatus": "ringing"}),
            (
                "/webhooks/twilio/voice/screen/",
                {"CallSid": child_sid, "ParentCallSid": call_sid, "Digits": "1"},
            ),
            (
                "/webhooks/twilio/voice/dial-complete/",
                {**base, "DialCallStatus": "completed", "DialCallDuration": "42"},
            ),
            ("/webhooks/twilio/voice/status/", {**base, "CallStatus": "completed"}),
        ]
    elif action in {"text", "stop", "help", "start"}:
        text = {"stop": "STOP", "help": "HELP", "start": "START"}.get(action, body)
        steps = [
            (
                "/webhooks/twilio/sms/incoming/",
                {"MessageSid": _sid("SM"), "From": caller, "To": to, "Body": text, "NumMedia": "0"},
            )
        ]
    else:
        raise ValueError(f"unknown action {action!r}")
    return [f"{path} → {post_signed(path, params, to=to).status_code}" for path, params in steps]


@business_view()
def simulator(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG:
        raise Http404("The phone simulator exists only with DEBUG on.")
    business = request.business
    numbers = list(business.numbers.all())
    caller = request.POST.get("caller") or request.GET.get("caller") or DEFAULT_CALLER
    if request.method == "POST":
        caller_e164 = normalize_caller(caller)
        to = request.POST.get("to", "")
        if not caller_e164:
            flash.error(request, f"{caller!r} is not a valid phone number.")
        elif to not in {str(n.phone_number) for n in numbers}:
            flash.error(request, "Choose one of this business's numbers.")
        elif not settings.TWILIO_AUTH_TOKEN:
            flash.error(request, "Set TWILIO_AUTH_TOKEN so the simulator can sign webhooks.")
        else:
            try:
                lines = play(
                    request.POST.get("action", ""),
                    caller=caller_e164,
                    to=to,
                    body=request.POST.get("body", "")[:1600],
                )
            except (ValueError, requests.RequestException) as exc:
                flash.error(request, f"Simulation failed: {exc}")
            else:
                for line in lines:
                    flash.info(request, line)
        return redirect(f"{request.path}?{urlencode({'caller': caller_e164 or caller})}")
    conversation = (
        Conversation.objects.filter(business=business, contact__phone_number=caller)
        .select_related("contact")
        .first()
    )
    phone = (
        list(
            Message.objects.filter(business=business, conversation=conversation).order_by(
                "created_at", "id"
            )
        )
        if conversation
        else []
    )
    return render(
        request,
        "messaging/simulator.html",
        {
            "numbers": numbers,
            "caller": caller,
            "conversation": conversation,
            "phone": phone_lines(messages=phone, business_name=business.name),
        },
    )
