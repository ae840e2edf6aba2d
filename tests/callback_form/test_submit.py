from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from callback_form import tasks
from callback_form.models import CallbackRequest
from consent.models import ConsentEvent
from consent.services import disclosure_version
from messaging.models import Message
from tests.callback_form.conftest import (
    BROWSER_UA,
    CUSTOMER_E164,
    SEED_DISCLOSURE,
    disclosure_for,
)

CONFIRMATION = (
    "Thanks — Acme Plumbing got your callback request and will call you soon. Reply STOP to opt out."
)


@pytest.fixture
def form_path(tenant) -> str:
    return f"/b/{tenant.business.slug}/request-callback/"


def texts_to(number: str, outbox) -> tuple[list[Message], list]:
    return (
        list(Message.objects.filter(to_number=number)),
        [sent for sent in outbox if sent.to == number],
    )


def test_it_stores_a_request_without_consent_and_never_texts(submit, form_path, tenant, outbox):
    response = submit(form_path)

    assert response.status_code == 302
    assert response["Location"] == f"/b/{tenant.business.slug}/request-callback/thanks/"
    request = CallbackRequest.objects.get(business=tenant.business)
    assert request.name == "Dana Scully"
    assert str(request.phone_number) == CUSTOMER_E164
    assert request.details == "The boiler is leaking"
    assert request.preferred_time == "Weekday mornings"
    assert request.sms_consent is False
    assert request.disclosure_text == "" and request.disclosure_version == ""
    assert request.ip_address == "127.0.0.1"
    assert request.user_agent == BROWSER_UA
    assert request.status == CallbackRequest.Status.NEW
    assert request.processed_at is not None
    assert not ConsentEvent.objects.filter(phone_number=CUSTOMER_E164).exists()
    assert texts_to(CUSTOMER_E164, outbox) == ([], [])


def test_it_tells_the_team_about_a_request_either_way(submit, form_path, tenant):
    submit(form_path)

    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {tenant.owner.email, tenant.staff.email}
    assert "Dana Scully" in mail.outbox[0].subject


def test_it_records_consent_with_the_exact_disclosure_shown(submit, form_path, tenant):
    submit(form_path, sms_consent="on")

    request = CallbackRequest.objects.get(business=tenant.business)
    shown = disclosure_for("Acme Plumbing")
    event = ConsentEvent.objects.get(business=tenant.business, phone_number=CUSTOMER_E164)
    assert event.kind == ConsentEvent.Kind.CALLBACK_FORM
    assert event.channel == ConsentEvent.Channel.WEB
    assert event.source_ref == str(request.pk)
    assert event.disclosure_text == shown
    assert event.disclosure_version == disclosure_version(shown)
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == BROWSER_UA
    assert event.page_url == f"http://testserver{form_path}"
    assert request.sms_consent is True
    assert request.disclosure_text == shown
    assert request.disclosure_version == event.disclosure_version


def test_it_sends_one_confirmation_text_when_the_box_is_ticked(submit, form_path, tenant, outbox):
    submit(form_path, sms_consent="on")

    messages, sent = texts_to(CUSTOMER_E164, outbox)
    assert [m.kind for m in messages] == [Message.Kind.CALLBACK_CONFIRMATION]
    assert [s.body for s in sent] == [CONFIRMATION]
    assert sent[0].from_ == str(tenant.number.phone_number)


def test_it_records_lassos_own_form_with_the_seed_wording(submit, house):
    submit("/request-callback/", sms_consent="on")

    event = ConsentEvent.objects.get(business=house, phone_number=CUSTOMER_E164)
    assert event.disclosure_text == SEED_DISCLOSURE
    assert event.page_url == "http://testserver/request-callback/"
    assert CallbackRequest.objects.get(business=house).sms_consent is True


def test_it_thanks_a_person_who_asked_for_texts_and_tells_them_how_to_stop(
    client, submit, form_path
):
    response = submit(form_path, sms_consent="on")
    page = html.unescape(client.get(response["Location"]).content.decode())

    assert "Thank you, Dana Scully" in page
    assert "You agreed to receive texts about this request from Acme Plumbing" in page
    assert "Reply STOP at any time to opt out" in page
    assert "+1 415-555-0132" in page


def test_it_thanks_a_person_who_declined_texts_and_promises_a_call_only(client, submit, form_path):
    response = submit(form_path)
    page = html.unescape(client.get(response["Location"]).content.decode())

    assert "Thank you, Dana Scully" in page
    assert "we won't text you about this request" in page


def test_the_thank_you_page_of_a_stranger_reveals_no_one(client, form_path, submit, tenant):
    submit(form_path)
    client.cookies.clear()

    page = client.get(f"/b/{tenant.business.slug}/request-callback/thanks/").content.decode()

    assert "Dana" not in page
    assert "will call you back" in page


def test_it_keeps_the_submission_when_the_broker_is_down_and_the_sweep_hands_it_off(
    submit, form_path, tenant, outbox, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.process_callback_request, "delay", broker_down)
        response = submit(form_path, sms_consent="on")

    assert response.status_code == 302
    request = CallbackRequest.objects.get(business=tenant.business)
    assert request.processed_at is None
    assert ConsentEvent.objects.filter(source_ref=str(request.pk)).exists()
    assert outbox == [] and mail.outbox == []

    # Too recent: its own task may still be on its way.
    assert tasks.sweep_unprocessed_callback_requests() == 0
    CallbackRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(seconds=31)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_unprocessed_callback_requests() == 1

    request.refresh_from_db()
    assert request.processed_at is not None
    assert [sent.body for sent in outbox] == [CONFIRMATION]
    assert len(mail.outbox) == 1


def test_it_hands_a_request_off_once_however_often_it_is_processed(
    submit, form_path, tenant, outbox, django_capture_on_commit_callbacks
):
    submit(form_path, sms_consent="on")
    request = CallbackRequest.objects.get(business=tenant.business)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.process_callback_request(request.pk)
        CallbackRequest.objects.filter(pk=request.pk).update(processed_at=None)
        tasks.process_callback_request(request.pk)

    assert len(outbox) == 1
    assert Message.objects.filter(callback_request_id=request.pk).count() == 1
    assert len(mail.outbox) == 1


def test_a_callback_request_with_line_breaks_alerts_the_team(submit, tenant, mailoutbox):
    response = submit(
        f"/b/{tenant.business.slug}/request-callback/",
        name="Sam\r\nSmith",
        details="Leak\n\nupstairs\r\nBcc: x@example.com",
    )
    assert response.status_code == 302, response.content
    assert len(mailoutbox) == 1
    assert "\n" not in mailoutbox[0].subject and "\r" not in mailoutbox[0].subject
    assert "Leak" in mailoutbox[0].subject
