"""/app/settings/: owners change their business's settings; every bad value is refused with
a message a person can act on, keeping what they typed and changing nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from messaging.encoding import segment_info
from tenants import services
from tenants.models import BlockedNumber, Business, Membership, TwilioNumber
from tests.conftest import PASSWORD, Tenant, client_for

URL = reverse("dashboard:settings")
PREVIEW = reverse("dashboard:settings_preview")
NEW_NAME = "Acme Plumbing & Drains"


def snapshot(business: Business) -> dict[str, object]:
    """Everything the settings page can change, as stored."""
    business = Business.objects.get(pk=business.pk)
    fields = {
        field.name: getattr(business, field.name)
        for field in Business._meta.concrete_fields
        if field.name not in {"id", "created_at"}
    }
    fields["numbers"] = sorted(
        (str(n.phone_number), n.mode, str(n.forward_to))
        for n in TwilioNumber.objects.filter(business=business)
    )
    fields["blocked"] = sorted(
        str(b.phone_number) for b in BlockedNumber.objects.filter(business=business)
    )
    return fields


def form_data(tenant: Tenant, **changes: str | None) -> dict[str, str]:
    """A complete, valid submission of the settings form; None removes a key (unticked)."""
    number = tenant.number
    data = {
        "name": NEW_NAME,
        "support_contact": "help@acme.example.com",
        "time_zone": "America/Chicago",
        "qualifying_question": "Which room needs work?",
        "textback_plain_hyphen": "on",
        "textback_cooldown_hours": "12",
        "textback_fresh_minutes": "30",
        "texted_countries": "",
        "callback_confirmations_per_day": "150",
        "reply_window_days": "14",
        "same_country_only": "on",
        "ring_timeout_seconds": "25",
        "screening_enabled": "on",
        "voicemail_enabled": "on",
        f"number-{number.pk}-mode": TwilioNumber.Mode.FORWARD,
        f"number-{number.pk}-forward_to": "+13125550142",
        # The forward-to above differs from the stored one: changing it needs the password.
        "current_password": PASSWORD,
    }
    for day in ("mon", "tue", "wed", "thu", "fri"):
        data[f"{day}_open"] = "08:00"
        data[f"{day}_close"] = "17:30"
    data["sat_open"], data["sat_close"] = "09:00", "12:00"
    data["sun_closed"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_it_shows_an_owner_the_current_settings_and_the_text_back(owner_client, tenant):
    page = owner_client.get(URL).content.decode()
    assert f'value="{tenant.business.name}"' in page
    assert tenant.business.qualifying_question in page
    assert str(tenant.number.phone_number) in page
    assert str(tenant.number.forward_to) in page
    assert "Sorry we missed your call — this is Acme Plumbing. What can we help with today?" in page
    # The Twilio number itself is shown, never offered as an input.
    assert f'value="{tenant.number.phone_number}"' not in page


def test_it_saves_a_good_change(owner_client, tenant):
    data = form_data(tenant, support_contact="(312) 555-0199", screening_enabled=None)
    response = owner_client.post(URL, data)
    assert response.status_code == 302
    assert response["Location"] == URL
    business = Business.objects.get(pk=tenant.business.pk)
    assert business.name == NEW_NAME
    assert business.qualifying_question == "Which room needs work?"
    assert business.textback_plain_hyphen is True
    assert business.ring_timeout_seconds == 25
    assert business.screening_enabled is False
    assert business.voicemail_enabled is True
    assert business.textback_cooldown_hours == 12
    assert business.textback_fresh_minutes == 30
    assert business.reply_window_days == 14
    assert business.same_country_only is True
    assert business.time_zone == "America/Chicago"
    assert business.support_contact == "+13125550199"
    assert business.business_hours == {
        "mon": ["08:00", "17:30"],
        "tue": ["08:00", "17:30"],
        "wed": ["08:00", "17:30"],
        "thu": ["08:00", "17:30"],
        "fri": ["08:00", "17:30"],
        "sat": ["09:00", "12:00"],
    }
    tenant.number.refresh_from_db()
    assert tenant.number.forward_to == "+13125550142"
    assert "Settings saved." in owner_client.get(URL).content.decode()


def test_it_saves_missed_only_mode_without_a_forward_to_number(owner_client, tenant):
    number = tenant.number
    data = form_data(
        tenant,
        **{
            f"number-{number.pk}-mode": TwilioNumber.Mode.MISSED_ONLY,
            f"number-{number.pk}-forward_to": "",
        },
    )
    assert owner_client.post(URL, data).status_code == 302
    number.refresh_from_db()
    assert number.mode == TwilioNumber.Mode.MISSED_ONLY
    assert not number.forward_to


def test_it_saves_every_day_closed_as_no_hours(owner_client, tenant):
    tenant.business.business_hours = {"mon": ["08:00", "17:00"]}
    tenant.business.save()
    data = form_data(tenant)
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        data[f"{day}_closed"] = "on"
    assert owner_client.post(URL, data).status_code == 302
    tenant.business.refresh_from_db()
    assert tenant.business.business_hours == {}


def test_it_shows_saved_hours_and_closed_days_when_the_page_opens_again(owner_client, tenant):
    owner_client.post(URL, form_data(tenant))
    page = owner_client.get(URL).content.decode()
    assert 'name="sat_open" value="09:00"' in page
    assert 'name="sat_close" value="12:00"' in page
    assert 'name="sun_closed" id="id_sun_closed" checked' in page
    assert 'name="mon_closed" id="id_mon_closed" checked' not in page


def test_it_strips_invisible_characters_that_would_force_ucs2_from_the_question(
    owner_client, tenant
):
    owner_client.post(
        URL, form_data(tenant, qualifying_question="Which\u00a0room needs work?\u200b")
    )
    tenant.business.refresh_from_db()
    assert tenant.business.qualifying_question == "Which room needs work?"


BAD_VALUES = [
    # (what the owner typed, the field it went in, what the page must say)
    ("", "qualifying_question", "Write one question"),
    ("   ", "qualifying_question", "Write one question"),
    ("Tell us what you need.", "qualifying_question", "End the question with a question mark."),
    ("Is it a leak? Or a clog?", "qualifying_question", "Ask one question only."),
    ("See www.acme.com for prices?", "qualifying_question", "Links are not allowed"),
    ("Which room?\nAnd when?", "qualifying_question", "Keep the question on one line."),
    ("W" * 130 + "?", "qualifying_question", "Keep it to 120 characters (this is 131)."),
    ("", "name", "Give the business a name."),
    ("4", "ring_timeout_seconds", "from 5 to 60"),
    ("61", "ring_timeout_seconds", "from 5 to 60"),
    ("twenty", "ring_timeout_seconds", "from 5 to 60"),
    ("0", "textback_cooldown_hours", "from 1 to 168"),
    ("169", "textback_cooldown_hours", "from 1 to 168"),
    ("", "textback_cooldown_hours", "from 1 to 168"),
    ("4", "textback_fresh_minutes", "from 5 to 240"),
    ("241", "textback_fresh_minutes", "from 5 to 240"),
    ("0", "reply_window_days", "from 1 to 90"),
    ("91", "reply_window_days", "from 1 to 90"),
    ("Mars/Olympus_Mons", "time_zone", "is not a known time zone (e.g. America/Chicago)"),
    ("central", "time_zone", "is not a known time zone"),
    ("bob@", "support_contact", "is not an email address"),
    ("call bob", "support_contact", "is not a phone number or an email address"),
    ("12", "support_contact", "is not a phone number or an email address"),
]


@pytest.mark.parametrize(("typed", "field", "message"), BAD_VALUES)
def test_it_refuses_a_bad_value_keeps_what_was_typed_and_changes_nothing(
    owner_client, tenant, typed, field, message
):
    before = snapshot(tenant.business)
    response = owner_client.post(URL, form_data(tenant, **{field: typed}))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    assert "Nothing was saved." in page
    if typed.strip():
        assert escape(typed) in page
    # Everything else the owner typed is still in the form.
    assert escape(NEW_NAME) in page or field == "name"
    assert 'name="sat_open" value="09:00"' in page
    assert "+13125550142" in page
    assert snapshot(tenant.business) == before


@pytest.mark.parametrize(
    ("open_", "close", "message"),
    [
        ("17:00", "08:00", "Monday: closing time 08:00 must be after opening time 17:00."),
        ("09:00", "09:00", "Monday: closing time 09:00 must be after opening time 09:00."),
        ("25:00", "17:00", "Monday opening: “25:00” is not a time; use 24-hour HH:MM"),
        ("9am", "17:00", "Monday opening: “9am” is not a time"),
        ("08:00", "", "Monday: give a closing time, or tick Closed."),
        ("", "", "Monday: give an opening time, or tick Closed."),
    ],
)
def test_it_refuses_bad_business_hours_and_changes_nothing(
    owner_client, tenant, open_, close, message
):
    before = snapshot(tenant.business)
    response = owner_client.post(URL, form_data(tenant, mon_open=open_, mon_close=close))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    if open_:
        assert f'name="mon_open" value="{open_}"' in page
    assert escape(NEW_NAME) in page
    assert snapshot(tenant.business) == before


def test_it_ignores_the_hours_of_a_day_ticked_closed(owner_client, tenant):
    data = form_data(tenant, mon_open="17:00", mon_close="08:00", mon_closed="on")
    assert owner_client.post(URL, data).status_code == 302
    tenant.business.refresh_from_db()
    assert "mon" not in tenant.business.business_hours


@pytest.mark.parametrize(
    ("mode", "forward_to", "message"),
    [
        ("forward", "", "Forward mode needs the phone Lasso should ring"),
        ("forward", "12345", "“12345” is not a complete phone number"),
        ("forward", "call the shop", "“call the shop” is not a phone number"),
        ("missed-only", "+1", "is not a phone number"),
        ("teleport", "+13125550142", "Choose Forward or Missed only."),
    ],
)
def test_it_refuses_a_bad_forward_to_number_or_mode_and_changes_nothing(
    owner_client, tenant, mode, forward_to, message
):
    number = tenant.number
    before = snapshot(tenant.business)
    data = form_data(
        tenant,
        **{f"number-{number.pk}-mode": mode, f"number-{number.pk}-forward_to": forward_to},
    )
    response = owner_client.post(URL, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    if forward_to:
        assert f'value="{escape(forward_to)}"' in page
    assert snapshot(tenant.business) == before


def test_it_refuses_to_forward_a_number_to_itself(owner_client, tenant):
    before = snapshot(tenant.business)
    own = str(tenant.number.phone_number)
    response = owner_client.post(
        URL, form_data(tenant, **{f"number-{tenant.number.pk}-forward_to": own})
    )
    assert "not this Lasso number itself" in response.content.decode()
    assert snapshot(tenant.business) == before


def test_it_refuses_to_forward_to_any_lasso_number(owner_client, tenant, other_tenant):
    before = snapshot(tenant.business)
    lasso_number = str(other_tenant.number.phone_number)
    response = owner_client.post(
        URL, form_data(tenant, **{f"number-{tenant.number.pk}-forward_to": lasso_number})
    )
    assert f"{lasso_number} is a Lasso number" in response.content.decode()
    assert snapshot(tenant.business) == before


def test_it_never_changes_another_business_number_named_in_the_post(
    owner_client, tenant, other_tenant
):
    theirs = other_tenant.number
    before = snapshot(other_tenant.business)
    data = form_data(
        tenant,
        **{
            f"number-{theirs.pk}-mode": TwilioNumber.Mode.MISSED_ONLY,
            f"number-{theirs.pk}-forward_to": "+13125550177",
        },
    )
    assert owner_client.post(URL, data).status_code == 302
    assert snapshot(other_tenant.business) == before


# --- the live text-back preview -------------------------------------------------------------


def preview(client, **params: str) -> str:
    response = client.get(PREVIEW, params)
    assert response.status_code == 200
    return response.content.decode()


def test_it_previews_a_gsm7_question_and_shows_the_plain_hyphen_fits_one_segment(
    owner_client, tenant
):
    page = preview(
        owner_client,
        name="Acme Plumbing",
        qualifying_question="Which room needs work?",
        textback_plain_hyphen="on",
    )
    plain = (
        "Sorry we missed your call - this is Acme Plumbing. Which room needs work? "
        "Reply STOP to opt out."
    )
    dashed = plain.replace(" - ", " — ")
    assert plain in page
    assert dashed in page
    assert segment_info(plain).units == 96
    # The variant in use comes first, with its encoding and cost.
    assert page.index(plain) < page.index(dashed)
    assert 'data-encoding="GSM-7" data-segments="1"' in page
    assert "1 segment · 96 characters" in page
    assert "Fits one GSM-7 segment" in page
    # The dash alone makes the other variant UCS-2 (96 > 70 units: two segments).
    assert 'data-encoding="UCS-2" data-segments="2"' in page
    assert "UCS-2 because of “—”" in page


def test_it_previews_a_ucs2_question_naming_the_characters_to_blame(owner_client, tenant):
    question = "Which room needs work 🔧?"
    page = preview(owner_client, name="Acme Plumbing", qualifying_question=question)
    dashed = f"Sorry we missed your call — this is Acme Plumbing. {question} Reply STOP to opt out."
    plain = dashed.replace(" — ", " - ")
    assert dashed in page
    assert plain in page
    assert segment_info(dashed).units == 99  # the emoji is two UTF-16 units
    assert 'data-encoding="UCS-2" data-segments="2"' in page
    assert "2 segments · 99 characters" in page
    assert "UCS-2 because of “—” “🔧”" in page
    # Even with the plain hyphen the emoji keeps it UCS-2: no "fits" promise.
    assert "UCS-2 because of “🔧”" in page
    assert page.count('data-encoding="UCS-2"') == 2
    assert "Fits one GSM-7 segment" not in page


def test_it_previews_what_is_typed_with_its_problems_and_saves_nothing(owner_client, tenant):
    before = snapshot(tenant.business)
    page = preview(owner_client, name="Bob's Boilers", qualifying_question="Call www.bob.com now")
    assert escape("Sorry we missed your call — this is Bob's Boilers. Call www.bob.com now") in page
    assert "Links are not allowed in the text-back." in page
    assert "End the question with a question mark." in page
    assert "Question: 20/120 characters" in page
    assert snapshot(tenant.business) == before


def test_it_previews_a_long_question_as_several_segments(owner_client, tenant):
    question = "W" * 118 + "?"
    page = preview(
        owner_client, name="Acme Plumbing", qualifying_question=question, textback_plain_hyphen="1"
    )
    assert 'data-encoding="GSM-7" data-segments="2"' in page
    assert "Over 160 characters" in page


def test_it_serves_the_preview_script_from_our_own_static_files(owner_client):
    page = owner_client.get(URL).content.decode()
    assert '<script src="/static/tenants/settings.js"' in page
    assert "https://" not in page.split("<main>")[1]


# --- block list -----------------------------------------------------------------------------


def test_it_blocks_a_number_in_e164(owner_client, tenant):
    response = owner_client.post(
        reverse("dashboard:block_number"), {"phone_number": "(212) 555-0199", "note": "Supplier"}
    )
    assert response.status_code == 302
    blocked = BlockedNumber.objects.get(business=tenant.business)
    assert blocked.phone_number == "+12125550199"
    assert blocked.note == "Supplier"
    page = owner_client.get(URL).content.decode()
    assert "+12125550199" in page
    assert "Supplier" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the number to block"),
        ("555", "“555” is not a complete phone number"),
        ("not a number", "“not a number” is not a phone number"),
    ],
)
def test_it_refuses_a_bad_number_to_block_keeping_what_was_typed(
    owner_client, tenant, typed, message
):
    response = owner_client.post(
        reverse("dashboard:block_number"), {"phone_number": typed, "note": "Spam caller"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    assert 'value="Spam caller"' in page
    if typed:
        assert f'value="{typed}"' in page
    assert not BlockedNumber.objects.exists()


def test_it_refuses_to_block_a_number_twice(owner_client, tenant):
    BlockedNumber.objects.create(business=tenant.business, phone_number="+12125550199")
    response = owner_client.post(
        reverse("dashboard:block_number"), {"phone_number": "+1 212 555 0199"}
    )
    assert "+12125550199 is already on the block list." in response.content.decode()
    assert BlockedNumber.objects.count() == 1


def test_the_same_number_may_be_blocked_by_two_businesses(owner_client, tenant, other_tenant):
    BlockedNumber.objects.create(business=other_tenant.business, phone_number="+12125550199")
    response = owner_client.post(
        reverse("dashboard:block_number"), {"phone_number": "+12125550199"}
    )
    assert response.status_code == 302
    assert BlockedNumber.objects.filter(phone_number="+12125550199").count() == 2


def test_it_unblocks_a_number(owner_client, tenant):
    BlockedNumber.objects.create(business=tenant.business, phone_number="+12125550199")
    response = owner_client.post(
        reverse("dashboard:unblock_number"), {"phone_number": "+12125550199"}, follow=True
    )
    assert "+12125550199 is no longer blocked." in response.content.decode()
    assert not BlockedNumber.objects.exists()


def test_an_outsider_cannot_unblock_a_number_of_another_business(
    outsider_client, tenant, other_tenant
):
    BlockedNumber.objects.create(business=tenant.business, phone_number="+12125550199")
    response = outsider_client.post(
        reverse("dashboard:unblock_number"), {"phone_number": "+12125550199"}, follow=True
    )
    assert "was not on the block list" in response.content.decode()
    assert BlockedNumber.objects.filter(business=tenant.business).count() == 1


def test_an_outsider_sees_only_their_own_settings(outsider_client, tenant, other_tenant):
    BlockedNumber.objects.create(business=tenant.business, phone_number="+12125550199")
    page = outsider_client.get(URL).content.decode()
    assert "Rival Heating" in page
    assert "Acme Plumbing" not in page
    assert str(tenant.number.phone_number) not in page
    assert "+12125550199" not in page


# --- who may -------------------------------------------------------------------------------


def owner_actions(tenant: Tenant) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("get", URL, {}),
        ("post", URL, form_data(tenant)),
        ("get", PREVIEW, {"qualifying_question": "Which room?"}),
        ("post", reverse("dashboard:block_number"), {"phone_number": "+12125550123"}),
        ("post", reverse("dashboard:unblock_number"), {"phone_number": "+12125550199"}),
    ]


def test_staff_get_403_on_every_settings_action_and_change_nothing(staff_client, tenant):
    BlockedNumber.objects.create(business=tenant.business, phone_number="+12125550199")
    before = snapshot(tenant.business)
    for method, url, data in owner_actions(tenant):
        response = getattr(staff_client, method)(url, data)
        assert response.status_code == 403, (method, url)
    assert snapshot(tenant.business) == before


def test_staff_are_not_offered_a_settings_link(staff_client, owner_client):
    settings_link = f'href="{URL}"'
    assert settings_link not in staff_client.get("/app/").content.decode()
    assert settings_link in owner_client.get("/app/").content.decode()


def test_settings_require_login(client, tenant):
    for method, url, data in owner_actions(tenant):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_an_owner_of_two_businesses_changes_only_the_active_one(tenant, other_tenant):
    Membership.objects.create(
        user=tenant.owner, business=other_tenant.business, role=Membership.Role.OWNER
    )
    before = snapshot(other_tenant.business)
    client = client_for(tenant.owner)
    assert client.post(URL, form_data(tenant)).status_code == 302
    assert snapshot(other_tenant.business) == before
    assert Business.objects.get(pk=tenant.business.pk).name == NEW_NAME


# --- the services, as the API or a script would call them ------------------------------------


def test_the_service_saves_nothing_when_a_number_is_refused_after_good_settings(tenant):
    before = snapshot(tenant.business)
    with pytest.raises(ValidationError) as refused:
        services.update_business_settings(
            business=tenant.business,
            name="Renamed",
            routing=[
                services.NumberRouting(number_id=tenant.number.pk, mode="forward", forward_to="")
            ],
        )
    assert "Forward mode needs" in refused.value.message_dict["numbers"][0]
    assert snapshot(tenant.business) == before


def test_the_service_checks_what_the_form_checks(tenant):
    before = snapshot(tenant.business)
    with pytest.raises(ValidationError) as refused:
        services.update_business_settings(
            business=tenant.business,
            name="  ",
            qualifying_question="No question here",
            ring_timeout_seconds=99,
            textback_cooldown_hours=0,
            time_zone="Nowhere/Special",
            business_hours={"mon": ["17:00", "08:00"], "funday": ["08:00", "09:00"]},
            support_contact="nobody",
        )
    errors = refused.value.message_dict
    assert errors["name"] == ["Give the business a name."]
    assert errors["qualifying_question"] == ["End the question with a question mark."]
    assert set(errors) == {
        "name",
        "qualifying_question",
        "ring_timeout_seconds",
        "textback_cooldown_hours",
        "time_zone",
        "business_hours",
        "support_contact",
    }
    assert (
        "Monday: closing time 08:00 must be after opening time 17:00." in errors["business_hours"]
    )
    assert snapshot(tenant.business) == before


def test_the_service_changes_only_what_it_is_given(tenant):
    services.update_business_settings(business=tenant.business, ring_timeout_seconds=30)
    after = Business.objects.get(pk=tenant.business.pk)
    assert after.ring_timeout_seconds == 30
    assert after.name == "Acme Plumbing"
    assert after.qualifying_question == tenant.business.qualifying_question


def test_the_routing_service_refuses_a_number_of_another_business(tenant, other_tenant):
    with pytest.raises(TwilioNumber.DoesNotExist):
        services.update_number_routing(
            business=tenant.business,
            number_id=other_tenant.number.pk,
            mode="missed-only",
            forward_to="",
        )
    number = services.update_number_routing(
        business=tenant.business,
        number_id=tenant.number.pk,
        mode="missed-only",
        forward_to="",
        password_confirmed=True,
    )
    assert number.mode == "missed-only"
