"""Dashboard: every call with its outcome and what happened about it, and its voicemail.

Voicemail audio is streamed through Lasso to the business's own members only; Twilio's URL
and credentials never reach the browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import requests
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from calls.models import Call
from calls.selectors import calls_for, voicemail_call
from calls.voicemail import recording_of
from messaging import gateway
from tenants.dashboard import business_view

AUDIO_CHUNK_BYTES = 64 * 1024


@require_GET
@business_view()
def call_list(request: HttpRequest) -> HttpResponse:
    outcome = request.GET.get("outcome", "")
    if outcome not in Call.Outcome.values:
        outcome = ""
    page = Paginator(calls_for(business=request.business, outcome=outcome), 50).get_page(
        request.GET.get("page")
    )
    from messaging.selectors import describe_calls

    page.object_list = describe_calls(business=request.business, calls=list(page.object_list))
    return render(
        request,
        "calls/call_list.html",
        {"page": page, "outcome": outcome, "outcomes": Call.Outcome.choices},
    )


class _PassedOn:
    """Twilio's answer passed on as it arrives; Django calls close() when the response is
    done (or the browser went away), which lets go of the connection to Twilio."""

    def __init__(self, upstream: requests.Response) -> None:
        self.upstream = upstream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self.upstream.iter_content(AUDIO_CHUNK_BYTES)
        except requests.exceptions.RequestException:
            return  # Twilio cut the stream off; the headers are out, so it just ends early

    def close(self) -> None:
        self.upstream.close()


@require_GET
@business_view()
def voicemail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    return voicemail_audio(business=request.business, public_id=public_id)


def voicemail_audio(*, business, public_id: UUID) -> HttpResponse:
    """The call's voicemail, streamed from Twilio through Lasso (the dashboard's player and
    the API's `voicemail_url` both answer with this); 404 when the business has no such
    call or it has no recording, 502 when Twilio does not hand it over."""
    call = voicemail_call(business=business, public_id=public_id)
    recording = recording_of(call) if call is not None else None
    if recording is None:
        raise Http404("No voicemail for this call.")
    audio = gateway.open_recording(account_sid=recording.account_sid, recording_sid=recording.sid)
    if audio is None:
        return HttpResponse(
            "Could not fetch this voicemail from Twilio. Try again in a minute.",
            status=502,
            content_type="text/plain",
        )
    response = StreamingHttpResponse(_PassedOn(audio), content_type="audio/mpeg")
    length = audio.headers.get("Content-Length", "")
    if length.isdigit() and not audio.headers.get("Content-Encoding"):
        response["Content-Length"] = length
    response["Cache-Control"] = "private, no-store"
    return response
