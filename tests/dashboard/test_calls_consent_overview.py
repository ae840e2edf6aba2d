from __future__ import annotations

import csv
import io

import pytest

from calls.models import Call
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db


def test_the_calls_page_shows_outcomes_and_whether_a_textback_went_out(
    owner_client, missed_call, twilio, tenant
):
    missed_call()
    missed_call()  # again, within the cooldown
    from tests.calls.helpers import CallFlow

    anon = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller="anonymous")
    anon.incoming()
    anon.dial_complete("busy")
    page = owner_client.get("/app/calls/").content.decode()
    assert "queued" in page  # the first call's text-back
    assert "already texted within the cooldown" in page
    assert "Caller ID withheld" in page
    assert "repeat" in page
    assert "call #2" in page and "call #3" not in page
    missed_only = owner_client.get("/app/calls/?outcome=skipped").content.decode()
    assert "anonymous" in missed_only and CALLER not in missed_only


def test_an_outsider_sees_none_of_another_business_s_calls(outsider_client, missed_call):
    missed_call()
    assert CALLER not in outsider_client.get("/app/calls/").content.decode()


def test_the_consent_ledger_lists_and_searches_by_number(owner_client, missed_call, text_in):
    missed_call()
    text_in("STOP", caller="+12125550150")
    page = owner_client.get("/app/consent/").content.decode()
    assert CALLER in page and "+12125550150" in page
    found = owner_client.get("/app/consent/?q=(212) 555-0150").content.decode()
    assert "+12125550150" in found and CALLER not in found


def test_the_consent_ledger_exports_csv(owner_client, text_in):
    text_in("STOP")
    response = owner_client.get("/app/consent/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["phone_number"], r["kind"], r["words"]) for r in rows] == [
        (CALLER, "opt_out", "STOP")
    ]


def test_the_evidence_page_shows_every_event_and_message(owner_client, missed_call, text_in):
    missed_call()
    text_in("Please fix my boiler")
    text_in("STOP")
    page = owner_client.get(f"/app/consent/{CALLER}/").content.decode()
    for expected in [
        "Called the business",
        "Texted the business",
        "Opted out",
        "Please fix my boiler",
        "Sorry we missed your call",
        "may not be texted",
    ]:
        assert expected in page, expected


def test_evidence_for_another_business_s_number_is_404(outsider_client, text_in):
    text_in("hello")
    assert outsider_client.get(f"/app/consent/{CALLER}/").status_code == 404
    assert CALLER not in outsider_client.get("/app/consent/").content.decode()
    rows = b"".join(outsider_client.get("/app/consent/export.csv").streaming_content).decode()
    assert CALLER not in rows


def test_the_overview_counts_missed_calls_textbacks_replies_and_opt_outs(
    owner_client, missed_call, text_in, django_capture_on_commit_callbacks
):
    missed_call("+12125550101")
    missed_call("+12125550102")
    text_in("yes please call me", caller="+12125550101")
    text_in("STOP", caller="+12125550102")
    from messaging.models import Conversation

    conversation = Conversation.objects.get(contact__phone_number="+12125550101")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            f"/app/conversations/{conversation.public_id}/reply/", {"body": "On my way"}
        )
    from messaging.selectors import overview

    figures = overview(business=conversation.business, days=7)
    assert figures.missed_calls == 2
    assert figures.textbacks_sent == 2
    assert figures.reply_rate == 1.0  # both texted-back callers answered (one with STOP)
    assert figures.median_first_reply_minutes is not None and figures.median_first_reply_minutes < 1
    assert figures.opt_out_rate == 0.5
    page = owner_client.get("/app/overview/?days=30").content.decode()
    assert "Missed calls" in page and "50%" in page and page.count("<svg") == 5


def test_overview_shows_dashes_with_no_data(owner_client):
    page = owner_client.get("/app/overview/").content.decode()
    assert "Reply rate" in page and "—" in page


def test_the_simulator_is_404_without_debug(owner_client):
    assert owner_client.get("/app/simulator/").status_code == 404


def test_calls_are_scoped_by_business_in_the_selector(tenant, other_tenant, missed_call):
    from calls.selectors import calls_for

    missed_call()
    assert calls_for(business=other_tenant.business).count() == 0
    assert calls_for(business=tenant.business).count() == Call.objects.count() == 1
