"""The business's settings: members read them with the text-back preview; only owners
change them, and every bad value is a 400 that says what is wrong."""

from __future__ import annotations

import pytest

from tests.api.conftest import business_url
from tests.tenants.test_business_name import BAD_NAMES, PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(tenant) -> str:
    return business_url(tenant.business, "settings/")


def test_it_shows_members_the_settings_with_the_text_back_preview(tenant, staff_api, url):
    response = staff_api.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Acme Plumbing" and body["slug"] == tenant.business.slug
    assert body["qualifying_question"] == "What can we help with today?"
    assert body["numbers"] == [
        {
            "phone_number": str(tenant.number.phone_number),
            "mode": "forward",
            "forward_to": str(tenant.number.forward_to),
        }
    ]
    preview = body["textback_preview"]
    assert preview["text"] == (
        "Sorry we missed your call — this is Acme Plumbing. What can we help with today? "
        "Reply STOP to opt out."
    )
    # The dash is outside GSM-7: the whole text goes as UCS-2, and 102 characters is more
    # than one UCS-2 segment (70) holds.
    assert (preview["encoding"], preview["characters"], preview["segments"]) == ("UCS-2", 102, 2)


def test_it_lets_an_owner_update_settings_and_shows_the_new_preview(tenant, owner_api, url):
    response = owner_api.patch(
        url,
        {
            "name": "  Acme Plumbing & Heating ",
            "qualifying_question": "Is it a leak or no hot water?",
            "textback_plain_hyphen": True,
            "ring_timeout_seconds": 30,
            "screening_enabled": False,
            "textback_cooldown_hours": 48,
            "reply_window_days": 14,
            "same_country_only": False,
            "support_contact": "help@acme.example",
            "time_zone": "America/Chicago",
            "voicemail_enabled": False,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    preview = response.json()["textback_preview"]
    assert preview["text"] == (
        "Sorry we missed your call - this is Acme Plumbing & Heating. "
        "Is it a leak or no hot water? Reply STOP to opt out."
    )
    assert (preview["encoding"], preview["segments"]) == ("GSM-7", 1)
    business = tenant.business
    business.refresh_from_db()
    assert business.name == "Acme Plumbing & Heating"
    assert (business.ring_timeout_seconds, business.textback_cooldown_hours) == (30, 48)
    assert (business.reply_window_days, business.time_zone) == (14, "America/Chicago")
    assert not (
        business.screening_enabled or business.same_country_only or business.voicemail_enabled
    )
    assert business.support_contact == "help@acme.example"


def test_it_leaves_settings_not_sent_alone(tenant, owner_api, url):
    response = owner_api.patch(url, {"ring_timeout_seconds": 45}, format="json")
    assert response.status_code == 200
    tenant.business.refresh_from_db()
    assert tenant.business.ring_timeout_seconds == 45
    assert tenant.business.qualifying_question == "What can we help with today?"


def test_it_lists_every_problem_with_the_qualifying_question(tenant, owner_api, url):
    response = owner_api.patch(
        url, {"qualifying_question": "See acme.com for prices. Need help? Call?"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "qualifying_question": ["Ask one question only.", "Links are not allowed in the text-back."]
    }
    tenant.business.refresh_from_db()
    assert tenant.business.qualifying_question == "What can we help with today?"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("qualifying_question", "Tell us what you need", "End the question with a question mark."),
        ("qualifying_question", "", "This field may not be blank."),
        ("name", "   ", "This field may not be blank."),
        (
            "name",
            "x" * 81,
            "Keep the name to 50 characters (this is 81): it goes into every text-back, and "
            "a longer one makes each cost two texts.",
        ),
        ("ring_timeout_seconds", 3, "Ensure this value is greater than or equal to 5."),
        ("ring_timeout_seconds", 61, "Ensure this value is less than or equal to 60."),
        ("textback_cooldown_hours", 0, "Ensure this value is greater than or equal to 1."),
        ("textback_cooldown_hours", 169, "Ensure this value is less than or equal to 168."),
        ("textback_fresh_minutes", 4, "Ensure this value is greater than or equal to 5."),
        ("reply_window_days", 91, "Ensure this value is less than or equal to 90."),
        (
            "time_zone",
            "Mars/Olympus_Mons",
            "'Mars/Olympus_Mons' is not a known time zone (e.g. America/Chicago).",
        ),
        ("screening_enabled", "maybe", "Must be a valid boolean."),
        ("support_contact", "x" * 121, "Ensure this field has no more than 120 characters."),
    ],
)
def test_it_rejects_bad_values_with_a_clear_400(tenant, owner_api, url, field, value, message):
    response = owner_api.patch(url, {field: value}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_it_reports_several_bad_values_together(owner_api, url):
    response = owner_api.patch(
        url, {"ring_timeout_seconds": 0, "qualifying_question": "Help?? www.x.io"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"ring_timeout_seconds", "qualifying_question"}


def test_it_never_changes_the_slug(tenant, owner_api, url):
    response = owner_api.patch(url, {"slug": "stolen"}, format="json")
    assert response.status_code == 200 and response.json()["slug"] == tenant.business.slug


def test_it_forbids_staff_to_change_settings(tenant, staff_api, url):
    response = staff_api.patch(url, {"name": "Staff Plumbing"}, format="json")
    assert response.status_code == 403
    tenant.business.refresh_from_db()
    assert tenant.business.name == "Acme Plumbing"


def test_it_does_not_offer_put(owner_api, url):
    assert owner_api.put(url, {"name": "X"}, format="json").status_code == 405


# --- the business name and the question share the text-back rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "message"), BAD_NAMES)
def test_the_api_refuses_the_same_names_with_a_400(tenant, owner_api, name, message):
    response = owner_api.patch(
        business_url(tenant.business, "settings/"), {"name": name}, format="json"
    )
    assert response.status_code == 400
    assert any(message in problem for problem in response.json()["name"])
    tenant.business.refresh_from_db()
    assert tenant.business.name == "Acme Plumbing"


def test_the_api_stores_the_name_cleaned(tenant, owner_api):
    response = owner_api.patch(
        business_url(tenant.business, "settings/"),
        {"name": "Cafe\u0301\u00a0Bar\u200b"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["textback_preview"]["text"].startswith(
        "Sorry we missed your call — this is Café Bar. "
    )
    tenant.business.refresh_from_db()
    assert tenant.business.name == "Café Bar"


def test_the_api_refuses_a_question_with_a_phone_number(tenant, owner_api):
    response = owner_api.patch(
        business_url(tenant.business, "settings/"),
        {"qualifying_question": "Call 312 555 0100 now?"},
        format="json",
    )
    assert response.status_code == 400
    assert PHONE in response.json()["qualifying_question"][0]


# --- where calls ring is never changed with a token ----------------------------------------------
ROUTING_REFUSED = (
    "Where calls ring (a number's mode or forward-to) cannot be changed over the API. "
    "Change it on the dashboard's Settings page, which asks for your password."
)


@pytest.mark.parametrize(
    "body",
    [
        {"numbers": [{"phone_number": "+14155550001", "forward_to": "+19005550100"}]},
        {"forward_to": "+19005550100"},
        {"mode": "missed-only"},
        {"name": "Acme Plumbing & Heating", "numbers": []},
    ],
)
def test_it_refuses_any_change_to_where_calls_ring_with_a_403(tenant, owner_api, url, body):
    before = (tenant.number.mode, str(tenant.number.forward_to))
    response = owner_api.patch(url, body, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": ROUTING_REFUSED}
    tenant.number.refresh_from_db()
    tenant.business.refresh_from_db()
    assert (tenant.number.mode, str(tenant.number.forward_to)) == before
    assert tenant.business.name == "Acme Plumbing"


def test_it_refuses_a_form_encoded_routing_change_too(tenant, owner_api, url):
    response = owner_api.patch(url, {"forward_to": "+19005550100"})
    assert response.status_code == 403


def test_an_outsider_asking_to_reroute_gets_404(tenant, outsider_api, url):
    response = outsider_api.patch(url, {"forward_to": "+19005550100"}, format="json")
    assert response.status_code == 404
    tenant.number.refresh_from_db()
    assert tenant.number.forward_to != "+19005550100"


def test_the_schema_says_routing_is_changed_only_on_the_dashboard(owner_api):
    schema = owner_api.get("/api/schema/", {"format": "json"}).json()
    patch = schema["paths"]["/api/v1/businesses/{slug}/settings/"]["patch"]
    assert "a PATCH naming any of them is refused with 403" in patch["description"]
    assert "403" in patch["responses"]
    name = schema["components"]["schemas"]["PatchedBusinessSettings"]["properties"]["name"]
    assert "no links, email addresses or phone numbers" in name["description"]
