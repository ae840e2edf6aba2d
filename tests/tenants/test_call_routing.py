"""Where a business's calls ring: only an ordinary landline or mobile in the country of the
Lasso number (no premium-rate, toll-free, VoIP, international-network or foreign number —
each a way to run up charges), and, on the dashboard, only with the owner's password typed
in the same submission. A member's alert cell, which Lasso texts, keeps the same rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from tenants import services
from tenants.accounts import rate_limit
from tenants.models import Membership, TwilioNumber
from tests.conftest import PASSWORD, make_tenant
from tests.tenants.test_settings_page import URL, form_data, snapshot

pytestmark = pytest.mark.django_db

US_ONLY = "Lasso forwards calls only to ordinary landlines and mobiles in the United States."

REFUSED_FOR_A_US_NUMBER = [
    # (typed, what the refusal says before US_ONLY)
    ("+1 900 555 0100", "+19005550100 is a premium-rate number, charged far above"),
    ("+1 800 555 0100", "+18005550100 is a toll-free number: give the phone behind it instead."),
    ("+1 500 555 0100", "+15005550100 is a personal “follow-me” number"),
    ("+882 123 456 789", "+882123456789 is an international network number (+882"),
    ("+883 123 456 789", "+883123456789 is an international network number (+883"),
    ("+870 123 456 789", "+870123456789 is an international network number (+870"),
    ("+1 876 555 0100", "+18765550100 is a number in Jamaica."),
    ("+1 242 555 0100", "+12425550100 is a number in the Bahamas."),
    ("+1 416 555 0100", "+14165550100 is a number in Canada."),
    ("+44 20 7123 4567", "+442071234567 is a number in the United Kingdom."),
    ("+44 843 123 4567", "+448431234567 is a premium-rate number"),
    ("+1 555 123 0000", "+15551230000 is not a number in use in the United States"),
]


def route(tenant, forward_to: str, *, mode: str = TwilioNumber.Mode.FORWARD, **more: str):
    number = tenant.number
    return form_data(
        tenant,
        **{f"number-{number.pk}-mode": mode, f"number-{number.pk}-forward_to": forward_to},
        **more,
    )


# --- which numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "message"), REFUSED_FOR_A_US_NUMBER)
def test_it_refuses_a_forward_to_number_that_is_not_an_ordinary_us_line(
    owner_client, tenant, typed, message
):
    before = snapshot(tenant.business)
    response = owner_client.post(URL, route(tenant, typed))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    assert escape(US_ONLY) in page
    assert "Nothing was saved." in page
    assert snapshot(tenant.business) == before


def test_it_refuses_such_a_number_in_missed_only_mode_too(owner_client, tenant):
    before = snapshot(tenant.business)
    page = owner_client.post(URL, route(tenant, "+19005550100", mode="missed-only")).content
    assert b"is a premium-rate number" in page
    assert snapshot(tenant.business) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("+1 312 555 0177", "+13125550177"), ("(415) 555-0123", "+14155550123")],
)
def test_it_saves_an_ordinary_us_number(owner_client, tenant, typed, stored):
    assert owner_client.post(URL, route(tenant, typed)).status_code == 302
    tenant.number.refresh_from_db()
    assert tenant.number.forward_to == stored


ABROAD = [
    # (the Lasso number, typed forward-to, what the refusal says; None: accepted)
    ("+442071234500", "+44 20 7123 4567", None),  # landline
    ("+442071234500", "+44 7400 123456", None),  # mobile
    ("+442071234500", "+1 312 555 0177", "+13125550177 is a number in the United States."),
    ("+442071234500", "+44 56 1234 5678", "+445612345678 is an internet (VoIP) service number."),
    ("+442071234500", "+44 300 123 4567", "+443001234567 is a company-wide (UAN) number."),
    ("+442071234500", "+44 7640 123456", "+447640123456 is a pager number."),
    ("+442071234500", "+44 70 1234 5678", "+447012345678 is a personal “follow-me” number"),
    ("+442071234500", "+44 800 123 4567", "+448001234567 is a toll-free number"),
    ("+442071234500", "+44 909 123 4567", "+449091234567 is a premium-rate number"),
    ("+49301234567", "+49 170 1234567", None),
    ("+49301234567", "+49 180 12345", "+4918012345 is a shared-cost number"),
    ("+49301234567", "+49 177 991234567", "+49177991234567 is a voicemail access number."),
]


@pytest.mark.parametrize(("lasso_number", "typed", "message"), ABROAD)
def test_a_number_abroad_forwards_only_to_landlines_and_mobiles_of_its_country(
    lasso_number, typed, message
):
    abroad = make_tenant(name="Abroad Plumbing")
    abroad.number.phone_number = lasso_number
    abroad.number.save()
    change = services.NumberRouting(number_id=abroad.number.pk, mode="forward", forward_to=typed)
    if message is None:
        services.update_business_settings(
            business=abroad.business, routing=[change], password_confirmed=True
        )
        abroad.number.refresh_from_db()
        assert abroad.number.forward_to == typed.replace(" ", "")
        return
    with pytest.raises(ValidationError) as refused:
        services.update_business_settings(
            business=abroad.business, routing=[change], password_confirmed=True
        )
    [problem] = refused.value.message_dict["numbers"]
    assert message in problem
    home = "the United Kingdom" if lasso_number.startswith("+44") else "Germany"
    assert problem.endswith(
        f"Lasso forwards calls only to ordinary landlines and mobiles in {home}."
    )


def test_create_business_refuses_a_premium_forward_to_and_writes_nothing():
    before = TwilioNumber.objects.count()
    with pytest.raises(services.BusinessSetupError) as refused:
        services.create_business(
            name="Acme Plumbing",
            number="+15005550006",
            forward_to="+1 900 555 0100",
            owner_email="owner@example.com",
        )
    assert str(refused.value).startswith("Forward-to number: +19005550100 is a premium-rate")
    assert TwilioNumber.objects.count() == before


# --- the password, asked again before calls ring somewhere else -------------------------------


def test_it_asks_for_the_password_before_changing_the_forward_to_number(owner_client, tenant):
    before = snapshot(tenant.business)
    response = owner_client.post(URL, route(tenant, "+13125550177", current_password=None))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter your password to change where calls ring." in page
    assert "Nothing was saved." in page
    # What the owner typed is kept, the password field is offered in the Calls section.
    assert 'value="+13125550177"' in page
    assert 'name="current_password"' in page
    assert snapshot(tenant.business) == before


def test_it_asks_for_the_password_before_changing_only_the_mode(owner_client, tenant):
    before = snapshot(tenant.business)
    stored = str(tenant.number.forward_to)
    data = route(tenant, stored, mode="missed-only", current_password=None)
    page = owner_client.post(URL, data).content.decode()
    assert "Enter your password to change where calls ring." in page
    assert snapshot(tenant.business) == before


def test_it_refuses_a_wrong_password_and_still_shows_every_other_problem(owner_client, tenant):
    before = snapshot(tenant.business)
    data = route(
        tenant, "+13125550177", current_password="not-my-password", ring_timeout_seconds="99"
    )
    page = owner_client.post(URL, data).content.decode()
    assert "That is not your password." in page
    assert "from 5 to 60" in page
    assert "not-my-password" not in page  # never echoed back
    assert snapshot(tenant.business) == before


def test_it_shows_a_missing_password_next_to_a_bad_forward_to_number(owner_client, tenant):
    page = owner_client.post(URL, route(tenant, "+19005550100", current_password=None)).content
    assert b"Enter your password to change where calls ring." in page
    assert b"is a premium-rate number" in page


def test_it_saves_other_settings_without_a_password_when_calls_ring_where_they_did(
    owner_client, tenant
):
    national = tenant.number.forward_to.as_national  # the same number, typed differently
    data = route(tenant, national, current_password=None)
    assert owner_client.post(URL, data).status_code == 302
    after = snapshot(tenant.business)
    assert after["name"] == "Acme Plumbing & Drains"
    assert after["numbers"] == [
        (str(tenant.number.phone_number), "forward", str(tenant.number.forward_to))
    ]


def test_it_saves_the_new_forward_to_number_with_the_right_password(owner_client, tenant):
    assert owner_client.post(URL, route(tenant, "+13125550177")).status_code == 302
    tenant.number.refresh_from_db()
    assert tenant.number.forward_to == "+13125550177"


@pytest.fixture
def fixed_clock(monkeypatch):
    """Every attempt in one window, 45 minutes before it ends."""
    monkeypatch.setattr(rate_limit, "now", lambda: 1_800_000_000.0 + 15 * 60 + 1)


def test_it_stops_a_session_guessing_the_password(owner_client, tenant, fixed_clock):
    before = snapshot(tenant.business)
    for _ in range(10):
        data = route(tenant, "+13125550177", current_password="guess")
        assert "That is not your password." in owner_client.post(URL, data).content.decode()
    page = owner_client.post(URL, route(tenant, "+13125550177")).content.decode()
    assert "Too many wrong passwords; try again in 45 minutes." in page
    assert snapshot(tenant.business) == before


def test_the_service_refuses_a_routing_change_not_confirmed_with_the_password(tenant):
    before = snapshot(tenant.business)
    with pytest.raises(ValidationError) as refused:
        services.update_business_settings(
            business=tenant.business,
            name="Renamed",
            routing=[
                services.NumberRouting(
                    number_id=tenant.number.pk, mode="forward", forward_to="+13125550177"
                )
            ],
        )
    assert refused.value.message_dict == {
        "current_password": ["Enter your password to change where calls ring."]
    }
    assert snapshot(tenant.business) == before


def test_an_outsider_cannot_reroute_another_business_number_with_their_own_password(
    outsider_client, tenant, other_tenant
):
    theirs = tenant.number
    before = snapshot(tenant.business)
    data = form_data(other_tenant, current_password=PASSWORD)
    data[f"number-{theirs.pk}-mode"] = "forward"
    data[f"number-{theirs.pk}-forward_to"] = "+13125550177"
    outsider_client.post(URL, data)
    assert snapshot(tenant.business) == before


# --- a member's alert cell ---------------------------------------------------------------------


def alerts(client, number: str, *, on: bool = True):
    data = {"mobile_number": number, **({"sms_alerts": "on"} if on else {})}
    return client.post("/app/team/my-alerts/", data)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("+1 900 555 0100", "+19005550100 is a premium-rate number"),
        ("+882 123 456 789", "+882123456789 is an international network number"),
        ("+44 7400 123456", "+447400123456 is a number in the United Kingdom."),
    ],
)
def test_it_texts_alerts_only_to_a_mobile_in_the_business_country(
    staff_client, tenant, typed, message
):
    page = alerts(staff_client, typed).content.decode()
    assert escape(message) in page
    assert "Lasso texts alerts only to mobiles in the United States." in page
    mine = Membership.objects.get(user=tenant.staff, business=tenant.business)
    assert (str(mine.mobile_number), mine.sms_alerts) == ("", False)


def test_it_refuses_alerts_to_a_uk_landline_for_a_uk_business(client):
    uk = make_tenant(name="Mayfair Plumbing")
    uk.number.phone_number = "+442071234500"
    uk.number.save()
    with pytest.raises(ValidationError) as refused:
        services.set_member_alerts(
            business=uk.business, user=uk.staff, mobile_number="+442071234567", sms_alerts=True
        )
    assert "+442071234567 is a landline, which cannot receive texts." in str(refused.value)
    services.set_member_alerts(
        business=uk.business, user=uk.staff, mobile_number="+447400123456", sms_alerts=True
    )


def test_a_foreign_cell_is_kept_when_alerts_are_off(staff_client, tenant):
    """Then Lasso never texts it; it only recognises the member's own calls."""
    assert alerts(staff_client, "+44 7400 123456", on=False).status_code == 302
    mine = Membership.objects.get(user=tenant.staff, business=tenant.business)
    assert (str(mine.mobile_number), mine.sms_alerts) == ("+447400123456", False)
