"""Alert texts carry customer details, so they go only to a number its member proved is
theirs: a 6-digit code texted to it (consent ledger asked first), typed back within 10
minutes, 5 wrong tries at most, 3 codes an hour at most; a changed number starts over, and
numbers saved before this existed stay unverified until their member verifies them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tenants.models import Membership, MobileVerification
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db

MY_ALERTS = "/app/team/my-alerts/"
VERIFY = "/app/team/my-alerts/verify/"
NEW_CODE = "/app/team/my-alerts/new-code/"
CELL = "+13125550188"
OTHER_CELL = "+13125550177"


def save_alerts(client, number=CELL, on=True):
    data = {"mobile_number": number, **({"sms_alerts": "on"} if on else {})}
    return client.post(MY_ALERTS, data, follow=True)


def codes_to(outbox, number=CELL) -> list[str]:
    found = []
    for sent in outbox:
        match = re.search(r"\b(\d{6}) is your code", sent.body)
        if sent.to == number and match:
            found.append(match.group(1))
    return found


def alerts_to(outbox, number=CELL) -> list:
    return [m for m in outbox if m.to == number and "is your code" not in m.body]


def mine(tenant, user=None) -> Membership:
    return Membership.objects.get(business=tenant.business, user=user or tenant.owner)


def age_codes(by: timedelta) -> None:
    for code in MobileVerification.objects.all():
        MobileVerification.objects.filter(pk=code.pk).update(
            created_at=code.created_at - by, expires_at=code.expires_at - by
        )


def test_it_texts_a_code_and_the_code_verifies_the_number(owner_client, tenant, outbox):
    page = save_alerts(owner_client).content.decode()
    assert f"We texted a 6-digit code to {CELL}" in page
    assert "Alerts are not texted to" in page and 'name="code"' in page
    [code] = codes_to(outbox)
    assert outbox[0].from_ == str(tenant.number.phone_number)
    assert "Acme Plumbing alerts" in outbox[0].body and "expires in 10 minutes" in outbox[0].body
    assert not mine(tenant).mobile_verified

    page = owner_client.post(VERIFY, {"code": f"{code[:3]} {code[3:]}"}, follow=True)
    assert f"{CELL} is verified: alerts will be texted there." in page.content.decode()
    assert mine(tenant).mobile_verified_at is not None


def test_alerts_wait_for_the_code_then_reach_the_phone(owner_client, text_in, outbox, mailoutbox):
    save_alerts(owner_client)
    text_in("Hi, is this the plumber?")
    assert alerts_to(outbox) == []
    assert len(mailoutbox) == 1  # the email alert goes regardless

    owner_client.post(VERIFY, {"code": codes_to(outbox)[0]})
    text_in("Hello? Need a plumber", caller="+12125550111")
    [alert] = alerts_to(outbox)
    assert "+12125550111 replied" in alert.body


def test_only_verified_members_get_alert_texts(owner_client, staff_client, tenant, text_in, outbox):
    save_alerts(owner_client, CELL)
    save_alerts(staff_client, OTHER_CELL)
    owner_client.post(VERIFY, {"code": codes_to(outbox, CELL)[0]})
    text_in("anyone there?")
    assert len(alerts_to(outbox, CELL)) == 1
    assert alerts_to(outbox, OTHER_CELL) == []


def test_it_keeps_only_a_keyed_hash_of_the_code(owner_client, tenant, outbox):
    save_alerts(owner_client)
    [code] = codes_to(outbox)
    stored = MobileVerification.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert stored.business == tenant.business


def test_wrong_codes_are_counted_and_five_end_the_code(owner_client, tenant, outbox):
    save_alerts(owner_client)
    [code] = codes_to(outbox)
    wrong = "000000" if code != "000000" else "111111"
    pages = [owner_client.post(VERIFY, {"code": wrong}).content.decode() for _ in range(5)]
    assert "That is not the code we texted. 4 tries left." in pages[0]
    assert "That is not the code we texted. 1 try left." in pages[3]
    assert "that was the last try. Ask for a new code." in pages[4]
    page = owner_client.post(VERIFY, {"code": code}).content.decode()
    assert "That code expired or was used up. Ask for a new code." in page
    assert not mine(tenant).mobile_verified


def test_a_code_expires_after_ten_minutes(owner_client, tenant, outbox):
    save_alerts(owner_client)
    [code] = codes_to(outbox)
    age_codes(timedelta(minutes=10, seconds=1))
    assert "expired" in owner_client.post(VERIFY, {"code": code}).content.decode()
    assert not mine(tenant).mobile_verified


def test_a_code_works_once_and_a_new_code_ends_the_old_one(owner_client, tenant, outbox):
    save_alerts(owner_client)
    owner_client.post(NEW_CODE)
    first, second = codes_to(outbox)
    if first != second:
        page = owner_client.post(VERIFY, {"code": first}).content.decode()
        assert "That is not the code we texted." in page
    owner_client.post(VERIFY, {"code": second})
    assert mine(tenant).mobile_verified


def test_at_most_three_codes_an_hour(owner_client, tenant, outbox):
    save_alerts(owner_client)
    owner_client.post(NEW_CODE)
    owner_client.post(NEW_CODE)
    page = owner_client.post(NEW_CODE).content.decode()
    assert "You asked for 3 codes in the last hour. Try again in 60 minutes." in page
    assert len(codes_to(outbox)) == 3
    # Saving the form again does not get around it.
    save_alerts(owner_client)
    assert len(codes_to(outbox)) == 3

    age_codes(timedelta(minutes=61))
    owner_client.post(NEW_CODE)
    assert len(codes_to(outbox)) == 4


def test_changing_the_number_clears_verification(owner_client, tenant, text_in, outbox):
    save_alerts(owner_client)
    owner_client.post(VERIFY, {"code": codes_to(outbox)[0]})
    save_alerts(owner_client)  # the same number: still verified, no new code
    assert mine(tenant).mobile_verified and len(codes_to(outbox)) == 1

    save_alerts(owner_client, OTHER_CELL)
    assert not mine(tenant).mobile_verified
    assert len(codes_to(outbox, OTHER_CELL)) == 1
    text_in("hello")
    assert alerts_to(outbox, CELL) == [] and alerts_to(outbox, OTHER_CELL) == []
    # The old number's code cannot verify the new number.
    old = codes_to(outbox, CELL)[0]
    if old != codes_to(outbox, OTHER_CELL)[0]:
        owner_client.post(VERIFY, {"code": old})
        assert not mine(tenant).mobile_verified


def test_a_phone_that_opted_out_gets_no_code(owner_client, tenant, text_in, outbox, settings):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = True
    text_in("STOP", caller=CELL)
    outbox.clear()
    page = save_alerts(owner_client).content.decode()
    assert f"Lasso may not text {CELL}: this number opted out" in page
    assert f"Text START to {tenant.number.phone_number}" in page
    assert [m for m in outbox if m.to == CELL] == []


def test_a_code_verifies_only_the_member_it_was_sent_to(
    owner_client, staff_client, outsider_client, tenant, outbox
):
    save_alerts(owner_client)
    [code] = codes_to(outbox)
    save_alerts(staff_client, OTHER_CELL)
    staff_client.post(VERIFY, {"code": code})
    outsider_client.post(VERIFY, {"code": code})
    assert not mine(tenant).mobile_verified
    assert not mine(tenant, tenant.staff).mobile_verified


def test_the_code_pages_answer_only_post_and_only_to_members(owner_client, client, tenant):
    assert owner_client.get(VERIFY).status_code == 405
    assert owner_client.get(NEW_CODE).status_code == 405
    assert client.post(VERIFY, {"code": "123456"}).status_code == 302  # to the login page


def test_alerts_off_sends_no_code(owner_client, tenant, outbox):
    save_alerts(owner_client, on=False)
    assert outbox == []
    assert str(mine(tenant).mobile_number) == CELL


@pytest.mark.django_db(transaction=True)
def test_numbers_saved_before_verification_stay_unverified(tenant):
    """Members' numbers from before verification existed: still skipped as callers (the calls
    rule reads mobile_number), but texted no alert until verified."""
    executor = MigrationExecutor(connection)
    before = [("tenants", "0005_texted_countries_and_confirmation_cap")]
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        OldMembership = old_apps.get_model("tenants", "Membership")  # noqa: N806
        OldMembership.objects.filter(
            business_id=tenant.business.pk, user_id=tenant.owner.pk
        ).update(mobile_number=CELL, sms_alerts=True)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        # Forward to every app's latest, so the database is as the rest of the suite needs.
        executor.migrate(executor.loader.graph.leaf_nodes())
    member = mine(tenant)
    assert (str(member.mobile_number), member.sms_alerts) == (CELL, True)
    assert member.mobile_verified_at is None and not member.mobile_verified


def test_an_unverified_member_number_is_not_texted_alerts(tenant, text_in, outbox):
    Membership.objects.filter(user=tenant.owner).update(mobile_number=CELL, sms_alerts=True)
    text_in("hi there", caller=CALLER)
    assert alerts_to(outbox) == []
