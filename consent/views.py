"""The consent ledger in the dashboard: search, CSV export, and a printable evidence page."""

from __future__ import annotations

import csv
import zoneinfo

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from callback_form.models import CallbackRequest
from calls.models import Call
from consent.models import ConsentEvent
from consent.selectors import Purpose, events_for, may_text
from messaging.models import Message
from tenants.dashboard import business_view

CSV_COLUMNS = [
    "occurred_at",
    "phone_number",
    "kind",
    "channel",
    "source_ref",
    "words",
    "disclosure_version",
    "disclosure_text",
    "ip_address",
    "user_agent",
    "page_url",
    "recorded_at",
]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A free-text cell a spreadsheet will show as text: a customer's "=HYPERLINK(…)" must
    not become a formula in the owner's Excel. A leading apostrophe is what spreadsheets
    themselves use to mean "this is text"."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _ledger(request: HttpRequest):
    events = ConsentEvent.objects.filter(business=request.business).order_by("-occurred_at", "-id")
    query = request.GET.get("q", "").strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        events = events.filter(phone_number__contains=digits) if digits else events.none()
    return events, query


@require_GET
@business_view()
def ledger(request: HttpRequest) -> HttpResponse:
    events, query = _ledger(request)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "consent/ledger.html", {"page": page, "q": query})


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@business_view()
def ledger_csv(request: HttpRequest) -> StreamingHttpResponse:
    events, _ = _ledger(request)
    writer = csv.writer(_Echo())
    # The business's wall-clock time, its UTC offset included (the rows are streamed after
    # the view returns, so the zone is named here rather than taken from the request).
    zone = zoneinfo.ZoneInfo(request.business.time_zone)

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    event.occurred_at.astimezone(zone).isoformat(),
                    event.phone_number,  # E.164 ("+1…"), exactly as stored
                    event.kind,
                    event.channel,
                    spreadsheet_safe(event.source_ref),
                    spreadsheet_safe(event.words),
                    spreadsheet_safe(event.disclosure_version),
                    spreadsheet_safe(event.disclosure_text),
                    event.ip_address or "",
                    spreadsheet_safe(event.user_agent),
                    spreadsheet_safe(event.page_url),
                    event.recorded_at.astimezone(zone).isoformat(),
                ]
            )

    stamp = timezone.now().strftime("%Y%m%d")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="consent-{request.business.slug}-{stamp}.csv"'
    )
    return response


@require_GET
@business_view()
def evidence(request: HttpRequest, number: str) -> HttpResponse:
    """Everything this business holds about one number's permission to be texted."""
    business = request.business
    events = list(events_for(business=business, phone_number=number).order_by("occurred_at", "id"))
    texts = list(
        Message.objects.filter(
            business=business, conversation__contact__phone_number=number
        ).order_by("created_at", "id")
    )
    calls = list(Call.objects.filter(business=business, from_number=number).order_by("started_at"))
    # A callback request is evidence too, including of consent not given (the box unticked).
    callbacks = list(
        CallbackRequest.objects.filter(business=business, phone_number=number).order_by(
            "created_at", "id"
        )
    )
    if not (events or texts or calls or callbacks):
        raise Http404("No record of this number.")
    return render(
        request,
        "consent/evidence.html",
        {
            "number": number,
            "events": events,
            # Not "messages": that name belongs to Django's flash messages in base.html.
            "texts": texts,
            "calls": calls,
            "callbacks": callbacks,
            "permission": may_text(
                business=business, phone_number=number, purpose=Purpose.CONVERSATION
            ),
            "generated_at": timezone.now(),
        },
    )
