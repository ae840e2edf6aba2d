from __future__ import annotations

import csv
import io

import pytest

from calls.models import Call
from messaging.models import Conversation
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
    assert "Missed call — texted back" in page  # the first call's text-back
    assert "already texted back recently, so not texted twice" in page
    assert "Caller ID withheld" in page
    assert "call #2" in page and "call #3" not in page
    assert "no-answer" not in page and "busy" not in page
    conversation = Conversation.objects.get(contact__phone_number=CALLER)
    assert f'data-href="/app/conversations/{conversation.public_id}/"' in page
    assert f'href="tel:{CALLER}"' in page
    missed_only = owner_client.get("/app/calls/?outcome=skipped").content.decode()
    assert "Caller ID withheld" in missed_only and "555-0199" not in missed_only


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


def test_the_evidence_page_shows_each_text_once_and_no_flash_banners(owner_client, text_in):
    text_in("Hello, do you do boilers?")
    page = owner_client.get(f"/app/consent/{CALLER}/").content.decode()
    assert '<td data-label="Text">Hello, do you do boilers?</td>' in page
    assert 'class="flash"' not in page  # texts are not Django's flash messages


def test_the_evidence_page_answers_for_a_callback_customer_who_did_not_tick_the_box(
    owner_client, tenant, django_capture_on_commit_callbacks
):
    from callback_form.models import CallbackRequest
    from callback_form.services import process_callback_request

    request = CallbackRequest.objects.create(
        business=tenant.business, name="Dana", phone_number="+12125550122", sms_consent=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        process_callback_request(callback_request_id=request.pk)
    conversation = Conversation.objects.get(contact__phone_number="+12125550122")
    page = owner_client.get(f"/app/conversations/{conversation.public_id}/").content.decode()
    assert 'href="/app/consent/+12125550122/"' in page
    evidence = owner_client.get("/app/consent/+12125550122/")
    assert evidence.status_code == 200
    assert "did not tick the box: no consent to texts was given" in evidence.content.decode()


def test_the_overview_shows_missed_calls_by_hour_of_the_week(owner_client, missed_call, tenant):
    tenant.business.time_zone = "Europe/London"
    tenant.business.save(update_fields=["time_zone"])
    missed_call()
    missed_call("+12125550101")
    page = owner_client.get("/app/").content.decode()
    assert "2 missed calls in the last 7 days, by hour of the week (Europe/London)" in page
    assert page.count('class="l4"') == 1  # both in the same hour: one darkest cell
    assert page.count('class="l0"') == 7 * 24 - 1


def test_handled_in_the_inbox_and_called_back_in_the_queue_are_one_state(
    owner_client, tenant, django_capture_on_commit_callbacks
):
    from callback_form.models import CallbackRequest
    from callback_form.services import process_callback_request

    requests = [
        CallbackRequest.objects.create(
            business=tenant.business, name=name, phone_number=number, sms_consent=False
        )
        for name, number in [("Dana", "+12125550122"), ("Lee", "+12125550133")]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for request in requests:
            process_callback_request(callback_request_id=request.pk)
    dana = Conversation.objects.get(contact__phone_number="+12125550122")
    owner_client.post(f"/app/conversations/{dana.public_id}/done/")
    requests[0].refresh_from_db()
    assert requests[0].status == "called_back" and requests[0].called_back_by == tenant.owner
    owner_client.post(f"/app/callbacks/{requests[1].public_id}/called-back/")
    lee = Conversation.objects.get(contact__phone_number="+12125550133")
    assert lee.needs_reply is False


def test_times_are_the_business_s_own_on_pages_emails_and_exports(
    owner_client, tenant, text_in, mailoutbox
):
    tenant.business.time_zone = "America/Los_Angeles"
    tenant.business.save(update_fields=["time_zone"])
    text_in("What time do you open?")
    zone_labels = ("PST", "PDT")
    conversation = Conversation.objects.get(contact__phone_number=CALLER)
    page = owner_client.get(f"/app/conversations/{conversation.public_id}/").content.decode()
    assert any(f"M {label}</time>" in page for label in zone_labels)
    assert any(label in mailoutbox[0].body for label in zone_labels)
    response = owner_client.get("/app/consent/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][0].endswith(("-08:00", "-07:00"))
