"""Calls, callback requests, consent events and the businesses list: what they show, their
filters and their pagination."""

from __future__ import annotations

import pytest

from callback_form.models import CallbackRequest
from calls.models import Call
from messaging.models import Message
from tests.api.conftest import bulk_rows, business_url
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- calls ---------------------------------------------------------------------------------------
def test_it_lists_calls_with_their_outcome_and_text_back_status(tenant, missed_call, owner_api):
    call = missed_call()
    (row,) = results(owner_api.get(business_url(tenant.business, "calls/")))
    assert row["call_sid"] == call.call_sid
    assert (row["from_number"], row["outcome"], row["outcome_reason"]) == (
        CALLER,
        "missed",
        "no-answer",
    )
    assert (row["textback_status"], row["textback_error"]) == ("queued", "")
    assert "id" not in row and "pk" not in row


def test_it_says_why_a_skipped_call_was_not_texted(tenant, missed_call, owner_api):
    missed_call(caller="anonymous")
    (row,) = results(owner_api.get(business_url(tenant.business, "calls/")))
    assert (row["outcome"], row["skip_reason"]) == ("skipped", "anonymous")
    assert row["skip_reason_display"] == "Caller ID withheld"
    assert row["textback_status"] is None


def test_it_filters_calls_by_outcome(tenant, missed_call, owner_api):
    missed_call()
    missed_call(caller="anonymous")
    url = business_url(tenant.business, "calls/")
    assert [c["outcome"] for c in results(owner_api.get(url + "?outcome=skipped"))] == ["skipped"]
    assert [c["outcome"] for c in results(owner_api.get(url + "?outcome=missed"))] == ["missed"]
    assert results(owner_api.get(url + "?outcome=answered")) == []
    bad = owner_api.get(url + "?outcome=lost")
    assert bad.status_code == 400 and "missed" in bad.json()["outcome"][0]


# --- callback requests ---------------------------------------------------------------------------
def test_it_lists_callback_requests_newest_first_and_filters_by_status(
    tenant, callback_request, owner_api
):
    older = callback_request(name="Fox Mulder")
    newer = callback_request(name="Dana Scully", details="Leaking boiler")
    CallbackRequest.objects.filter(pk=older.pk).update(status="called_back")
    url = business_url(tenant.business, "callback-requests/")
    rows = results(owner_api.get(url))
    assert [r["id"] for r in rows] == [str(newer.public_id), str(older.public_id)]
    assert rows[0]["details"] == "Leaking boiler" and rows[0]["phone_number"] == "+14155550132"
    assert [r["name"] for r in results(owner_api.get(url + "?status=new"))] == ["Dana Scully"]
    assert owner_api.get(url + "?status=done").status_code == 400


def test_it_lets_staff_mark_a_request_called_back_and_keeps_the_first_name(
    tenant, callback_request, staff_api, owner_api
):
    request = callback_request()
    url = business_url(tenant.business, f"callback-requests/{request.public_id}/called-back/")
    first = staff_api.post(url)
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["called_back_by"]) == (
        "called_back",
        tenant.staff.email,
    )
    assert first.json()["called_back_at"]
    again = owner_api.post(url)
    assert again.status_code == 200 and again.json()["called_back_by"] == tenant.staff.email


def test_it_is_a_404_to_mark_an_unknown_request(tenant, owner_api):
    url = business_url(
        tenant.business, "callback-requests/00000000-0000-0000-0000-000000000000/called-back/"
    )
    assert owner_api.post(url).status_code == 404


# --- consent events ------------------------------------------------------------------------------
def test_it_lists_the_consent_ledger_and_filters_by_number(
    tenant, other_tenant, text_in, missed_call, owner_api
):
    text_in("Hi", caller="+12125550101")
    text_in("STOP", caller="+12125550101")
    missed_call(caller="+12125550102")
    text_in("Hello", caller="+12125550101", to=other_tenant)
    url = business_url(tenant.business, "consent-events/")

    everything = results(owner_api.get(url))
    assert len(everything) == 3  # the other business's event is not here
    assert {e["kind"] for e in everything} == {"inbound_text", "opt_out", "inbound_call"}

    for query in ["+12125550101", "(212) 555-0101", "212-555-0101"]:
        rows = results(owner_api.get(url, {"phone_number": query}))
        assert [e["kind"] for e in rows] == ["opt_out", "inbound_text"], query
    assert rows[0]["words"] == "STOP" and rows[0]["channel"] == "sms"
    assert rows[0]["kind_display"] == "Opted out"

    bad = owner_api.get(url, {"phone_number": "not a number"})
    assert bad.status_code == 400 and "phone_number" in bad.json()


def test_it_keeps_the_consent_ledger_read_only(tenant, owner_api):
    url = business_url(tenant.business, "consent-events/")
    for method in ("post", "put", "patch", "delete"):
        assert getattr(owner_api, method)(url, {}, format="json").status_code == 405


# --- pagination ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["calls/", "conversations/", "callback-requests/", "consent-events/"]
)
def test_it_paginates_lists(tenant, owner_api, path):
    bulk_rows(tenant.business, 120)
    url = business_url(tenant.business, path)

    first = owner_api.get(url).json()
    assert first["count"] == 120 and len(first["results"]) == 50
    assert first["previous"] is None and "page=2" in first["next"]

    pages = [owner_api.get(url, {"page": n}).json()["results"] for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [50, 50, 20]
    seen = [str(row) for page in pages for row in page]
    assert len(set(seen)) == 120  # no row twice, none left out

    small = owner_api.get(url, {"page_size": 7}).json()
    assert len(small["results"]) == 7
    capped = owner_api.get(url, {"page_size": 10_000}).json()
    assert len(capped["results"]) == 120  # under the 200 cap
    assert owner_api.get(url, {"page": 99}).status_code == 404


def test_it_paginates_messages(tenant, owner_api):
    busy = bulk_rows(tenant.business, 60)
    url = business_url(tenant.business, f"conversations/{busy.public_id}/messages/")
    first = owner_api.get(url).json()
    total = Message.objects.filter(conversation=busy).count()
    assert first["count"] == total and len(first["results"]) == 50
    assert len(owner_api.get(url, {"page": 2}).json()["results"]) == total - 50


def test_it_lists_calls_newest_first(tenant, owner_api):
    bulk_rows(tenant.business, 5)
    rows = results(owner_api.get(business_url(tenant.business, "calls/")))
    started = [r["started_at"] for r in rows]
    assert started == sorted(started, reverse=True)
    assert Call.objects.count() == 5
