"""The after-hours text-back: off until the owner turns it on, the registered sentence
unchanged while off or without hours, the owner's question outside hours when on."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

import pytest
from django.utils import timezone

from messaging import texts
from messaging.after_hours.selectors import DAYS, is_open
from messaging.models import AfterHoursTextback, Message

pytestmark = pytest.mark.django_db

REGISTERED = (
    "Sorry we missed your call — this is Acme Plumbing. What can we help with today? "
    "Reply STOP to opt out."
)
CLOSED_QUESTION = "We're closed — what can we help with when we open?"


def closed_all_today(business) -> None:
    """Hours on another weekday only: whenever the test runs, the business is closed now."""
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(business.time_zone)).weekday()
    business.business_hours = {DAYS[(today + 1) % 7]: ["08:00", "17:00"]}
    business.save(update_fields=["business_hours"])


def textback_body() -> str:
    return Message.objects.filter(kind="textback").latest("created_at").body


def save(client, *, enabled: bool, question: str = CLOSED_QUESTION, action: str = "save"):
    data = {"question": question, "action": action}
    if enabled:
        data["enabled"] = "on"
    return client.post("/app/after-hours/", data)


def test_it_is_off_until_turned_on_and_the_text_back_stays_the_registered_sentence(
    owner_client, tenant, missed_call
):
    assert texts.textback(tenant.business) == REGISTERED
    closed_all_today(tenant.business)
    missed_call()
    assert textback_body() == REGISTERED


def test_when_on_a_caller_outside_hours_gets_the_after_hours_question(
    owner_client, tenant, missed_call
):
    closed_all_today(tenant.business)
    assert save(owner_client, enabled=True).status_code == 302
    missed_call()
    assert textback_body() == (
        f"Sorry we missed your call — this is Acme Plumbing. {CLOSED_QUESTION} "
        "Reply STOP to opt out."
    )


def test_with_no_hours_set_it_cannot_be_turned_on_and_changes_nothing(
    owner_client, tenant, missed_call
):
    response = save(owner_client, enabled=True)
    assert response.status_code == 400
    assert "Set your business hours in Settings first." in response.content.decode()
    # Turned on earlier, then the hours were cleared: the registered sentence again.
    AfterHoursTextback.objects.create(business=tenant.business, enabled=True)
    missed_call()
    assert textback_body() == REGISTERED


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        ("We're closed. See acme.com", "Links are not allowed in the text-back."),
        ("Closed? What do you need?", "Ask one question only."),
        ("We are closed", "End the question with a question mark."),
        ("", "Write one question"),
        # The rules the daytime question and the business name share (messaging.wording).
        ("Closed. Call 415-555-0199 tomorrow?", "Phone numbers are not allowed"),
        ("Closed, see evil dot com?", "Links are not allowed"),
    ],
)
def test_the_after_hours_question_follows_the_question_rules(
    owner_client, tenant, question, problem
):
    closed_all_today(tenant.business)
    response = save(owner_client, enabled=True, question=question)
    assert response.status_code == 400
    page = response.content.decode()
    assert problem in page
    assert f'value="{question}"'.replace("'", "&#x27;") in page  # what was typed stays
    assert not AfterHoursTextback.objects.filter(enabled=True).exists()


def test_the_page_previews_both_texts_without_saving(owner_client, tenant):
    closed_all_today(tenant.business)
    page = save(
        owner_client, enabled=True, question="Closed now, what do you need fixed?", action="preview"
    ).content.decode()
    assert REGISTERED in page
    assert "Acme Plumbing. Closed now, what do you need fixed? Reply STOP" in page
    assert not AfterHoursTextback.objects.exists()


def test_owners_with_saved_hours_are_asked_once(owner_client, staff_client, tenant):
    assert "after-hours-prompt" not in owner_client.get("/app/").content.decode()  # no hours
    closed_all_today(tenant.business)
    assert "after-hours-prompt" in owner_client.get("/app/").content.decode()
    assert "after-hours-prompt" not in staff_client.get("/app/").content.decode()
    owner_client.post("/app/after-hours/prompt/", {"answer": "off"})
    assert "after-hours-prompt" not in owner_client.get("/app/").content.decode()
    assert AfterHoursTextback.objects.get().enabled is False


def test_turning_it_on_from_the_prompt(owner_client, tenant):
    closed_all_today(tenant.business)
    response = owner_client.post("/app/after-hours/prompt/", {"answer": "on"})
    assert response["Location"] == "/app/after-hours/"
    assert AfterHoursTextback.objects.get(business=tenant.business).enabled is True


def test_only_an_owner_changes_it_and_only_for_their_own_business(
    staff_client, outsider_client, tenant, other_tenant
):
    closed_all_today(tenant.business)
    assert staff_client.get("/app/after-hours/").status_code == 403
    assert save(staff_client, enabled=True).status_code == 403
    save(outsider_client, enabled=True)  # the outsider's own business has no hours
    assert not AfterHoursTextback.objects.filter(business=tenant.business).exists()


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        ("2026-03-02 08:00", True),  # a Monday, at opening time
        ("2026-03-02 16:59", True),
        ("2026-03-02 17:00", False),  # closing time is closed
        ("2026-03-02 07:59", False),
        ("2026-03-03 10:00", False),  # Tuesday has no hours: closed all day
        ("2026-03-08 03:30", False),  # the night the clocks change in New York
    ],
)
def test_hours_are_read_in_the_business_s_own_time_zone(tenant, local, open_):
    business = tenant.business
    business.business_hours = {"mon": ["08:00", "17:00"], "sun": ["09:00", "12:00"]}
    zone = zoneinfo.ZoneInfo(business.time_zone)
    at = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    assert is_open(business=business, at=at.astimezone(zoneinfo.ZoneInfo("UTC"))) is open_


def test_it_is_reachable_from_settings_and_says_whether_it_is_on(owner_client, tenant):
    page = owner_client.get("/app/settings/").content.decode()
    assert 'id="after-hours"' in page and 'href="/app/after-hours/"' in page
    assert "Set your business hours above first" in page

    closed_all_today(tenant.business)
    page = owner_client.get("/app/settings/").content.decode()
    assert "Every missed caller gets the same text at all hours." in page

    save(owner_client, enabled=True)
    page = owner_client.get("/app/settings/").content.decode()
    assert "<strong>On.</strong>" in page
    assert "We&#x27;re closed — what can we help with when we open?" in page
    assert "Change the after-hours text-back" in page


def test_settings_show_only_the_business_s_own_after_hours_text_back(
    owner_client, outsider_client, staff_client, tenant
):
    closed_all_today(tenant.business)
    save(owner_client, enabled=True)
    outsider_page = outsider_client.get("/app/settings/").content.decode()
    assert "what can we help with when we open?" not in outsider_page
    assert "Set your business hours above first" in outsider_page  # their own, untouched
    assert staff_client.get("/app/settings/").status_code == 403


def test_the_menu_offers_after_hours_to_owners_only(owner_client, staff_client):
    assert 'href="/app/after-hours/"' in owner_client.get("/app/inbox/").content.decode()
    assert 'href="/app/after-hours/"' not in staff_client.get("/app/inbox/").content.decode()
