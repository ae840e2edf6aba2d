"""Members may also get alerts as texts on their own phone, once they verified it with the
code texted to it; STOP from it turns them off."""

from __future__ import annotations

import re

import pytest

from tenants.models import Membership
from tests.conftest import CALLER

pytestmark = pytest.mark.django_db

OWNER_CELL = "+13125550188"


def turn_on(client, number=OWNER_CELL, enabled=True):
    data = {"mobile_number": number}
    if enabled:
        data["sms_alerts"] = "on"
    return client.post("/app/team/my-alerts/", data)


def turn_on_verified(client, number=OWNER_CELL):
    """Alerts on, and the number verified with the code texted to it (which is then
    cleared from the outbox, so the tests see alerts only)."""
    from messaging.gateway import memory_backend

    turn_on(client, number)
    [code] = [
        match.group(1)
        for sent in memory_backend.outbox
        if sent.to == number and (match := re.search(r"\b(\d{6}) is your code", sent.body))
    ]
    assert client.post("/app/team/my-alerts/verify/", {"code": code}).status_code == 302
    memory_backend.outbox.clear()


def test_it_saves_a_member_s_own_cell_and_alert_choice(owner_client, tenant):
    response = turn_on(owner_client, "(312) 555-0188")
    assert response.status_code == 302
    mine = Membership.objects.get(user=tenant.owner, business=tenant.business)
    assert (str(mine.mobile_number), mine.sms_alerts) == (OWNER_CELL, True)


def test_staff_set_their_own_alerts_too(staff_client, tenant):
    turn_on(staff_client, "+13125550177")
    staff = Membership.objects.get(user=tenant.staff, business=tenant.business)
    owner = Membership.objects.get(user=tenant.owner, business=tenant.business)
    assert staff.sms_alerts and not owner.sms_alerts


@pytest.mark.parametrize(
    ("number", "enabled", "error"),
    [("12", True, "is not a valid phone number"), ("", True, "Add your mobile number")],
)
def test_it_refuses_bad_input_and_saves_nothing(owner_client, tenant, number, enabled, error):
    page = turn_on(owner_client, number, enabled).content.decode()
    assert error in page
    mine = Membership.objects.get(user=tenant.owner, business=tenant.business)
    assert (str(mine.mobile_number), mine.sms_alerts) == ("", False)


def test_a_customer_reply_texts_the_member_once_per_burst(owner_client, text_in, outbox):
    turn_on_verified(owner_client)
    for body in ["Hi, is this the plumber?", "my pipe burst", "please call"]:
        text_in(body)
    alerts = [m for m in outbox if m.to == OWNER_CELL]
    assert len(alerts) == 1
    assert alerts[0].body.startswith(f"Lasso for Acme Plumbing: {CALLER} replied: Hi, is this")
    assert "/app/conversations/" in alerts[0].body


def test_alerts_off_means_email_only(owner_client, text_in, outbox, mailoutbox):
    turn_on(owner_client, enabled=False)
    text_in("hello")
    assert [m for m in outbox if m.to == OWNER_CELL] == []
    assert len(mailoutbox) == 1


def test_stop_from_the_member_s_phone_turns_alert_texts_off(
    owner_client, text_in, outbox, settings
):
    settings.TWILIO_HANDLES_STANDARD_OPT_OUT = True
    turn_on_verified(owner_client)
    text_in("Is this the plumber?", caller="+12125550111")
    assert len([m for m in outbox if m.to == OWNER_CELL]) == 1
    text_in("STOP", caller=OWNER_CELL)
    outbox.clear()
    text_in("Anyone there?")
    assert [m for m in outbox if m.to == OWNER_CELL] == []
