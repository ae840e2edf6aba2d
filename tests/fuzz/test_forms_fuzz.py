"""Property: whatever a visitor types into a public form, or a member (or a stolen
session) into a dashboard form or the settings API, Lasso answers a deliberate status,
never a 500, and a refused change saves nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenants.models import Business, TwilioNumber
from tests.api.conftest import api_client, business_url
from tests.fuzz.strategies import params_for, text
from tests.tenants.test_settings_page import form_data, snapshot

pytestmark = pytest.mark.django_db

FORM_FIELDS = ["name", "phone_number", "details", "preferred_time", "sms_consent", "website"]
SETTINGS_FIELDS = [
    "name",
    "support_contact",
    "time_zone",
    "qualifying_question",
    "textback_plain_hyphen",
    "textback_cooldown_hours",
    "textback_fresh_minutes",
    "reply_window_days",
    "same_country_only",
    "ring_timeout_seconds",
    "screening_enabled",
    "voicemail_enabled",
    "mon_open",
    "mon_close",
    "sun_closed",
    "current_password",
]


@pytest.fixture
def public_paths(tenant) -> list[str]:
    return ["/request-callback/", f"/b/{tenant.business.slug}/request-callback/"]


def test_any_callback_form_input_gets_a_deliberate_answer(client, public_paths):
    Business.objects.get_or_create(slug="lasso", defaults={"name": "Lasso"})  # the house form

    @given(path=st.sampled_from(public_paths), fields=params_for(FORM_FIELDS))
    def run(path: str, fields: dict[str, str]) -> None:
        response = client.post(path, fields)
        assert response.status_code in {200, 302, 400, 429}, response.status_code

    run()


def test_any_settings_input_gets_a_deliberate_answer_and_a_refusal_saves_nothing(
    owner_client, tenant
):
    number = tenant.number
    number_fields = [f"number-{number.pk}-mode", f"number-{number.pk}-forward_to"]

    @given(changes=params_for(SETTINGS_FIELDS + number_fields))
    def run(changes: dict[str, str]) -> None:
        before = snapshot(Business.objects.get(pk=tenant.business.pk))
        routing = TwilioNumber.objects.filter(pk=number.pk).values("mode", "forward_to").get()
        response = owner_client.post("/app/settings/", {**form_data(tenant), **changes})
        assert response.status_code in {200, 302, 400, 403}, response.status_code
        if response.status_code != 302:
            assert snapshot(Business.objects.get(pk=tenant.business.pk)) == before
            assert TwilioNumber.objects.filter(pk=number.pk).values("mode", "forward_to").get() == (
                routing
            )

    run()


def test_any_settings_api_input_gets_a_deliberate_answer(tenant):
    client = api_client(tenant.owner)
    url = business_url(tenant.business, "settings/")
    value = st.one_of(text, st.integers(), st.booleans(), st.none(), st.lists(text, max_size=2))

    @given(payload=st.dictionaries(st.sampled_from(SETTINGS_FIELDS[:12]), value, max_size=5))
    def run(payload: dict) -> None:
        response = client.patch(url, data=json.dumps(payload), content_type="application/json")
        assert response.status_code in {200, 400, 403}, (response.status_code, response.content)

    run()


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/app/settings/blocked/", ["phone_number", "note"]),
        ("/app/settings/blocked/remove/", ["phone_number"]),
        ("/app/team/invite/", ["email", "role", "full_name"]),
        ("/app/team/my-alerts/", ["mobile_number", "sms_alerts"]),
        ("/app/tokens/", ["name"]),
        ("/app/switch/", ["business"]),
    ],
)
def test_any_dashboard_form_input_gets_a_deliberate_answer(owner_client, tenant, path, fields):
    @given(data=params_for(fields))
    def run(data: dict[str, str]) -> None:
        response = owner_client.post(path, data)
        assert response.status_code in {200, 302, 400, 403, 404, 409}, response.status_code

    run()


def test_any_query_string_on_a_dashboard_page_gets_a_deliberate_answer(owner_client):
    pages = ["/app/inbox/", "/app/calls/", "/app/consent/", "/app/callbacks/", "/app/"]

    @given(page=st.sampled_from(pages), query=params_for(["show", "page", "outcome", "days"]))
    def run(page: str, query: dict[str, str]) -> None:
        response = owner_client.get(page, query)
        assert response.status_code in {200, 400, 404}, response.status_code

    run()
