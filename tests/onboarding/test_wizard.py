"""The onboarding wizard: time zone from a list, the phone that rings and the mode (with
what missed-only needs at the carrier), the text-back question with its live preview, a
number (here with no Twilio account: simulated, and saying so), and a test call followed
live through the signed webhooks of the business's own subaccount."""

from __future__ import annotations

import pytest
from django.test import Client

from calls.models import NumberSetup
from messaging.gateway import memory_backend
from tenants.models import Business, Membership, Onboarding, TwilioNumber
from tenants.onboarding import selectors
from tests.calls.helpers import CallFlow
from tests.conftest import TwilioClient, client_for, new_message_sid
from tests.factories import BusinessFactory, MembershipFactory, UserFactory
from tests.onboarding.helpers import AccountTwilio

pytestmark = pytest.mark.django_db

CALLER = "+12125550188"


@pytest.fixture
def newcomer(db):
    """An owner who just confirmed their sign-up: a business with no number yet."""
    business = BusinessFactory(name="Bright Sparks Electric")
    owner = UserFactory()
    MembershipFactory(user=owner, business=business, role=Membership.Role.OWNER)
    Onboarding.objects.create(business=business)
    return business, client_for(owner)


def through_the_number_step(client: Client) -> None:
    assert (
        client.post("/app/onboarding/time-zone/", {"time_zone": "America/Chicago"}).status_code
        == 302
    )
    assert (
        client.post(
            "/app/onboarding/phone/", {"mode": "forward", "forward_to": "+13125550147"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/app/onboarding/question/", {"qualifying_question": "What needs fixing?"}
        ).status_code
        == 302
    )


def test_it_walks_sign_up_to_a_test_call_followed_live(
    newcomer, django_capture_on_commit_callbacks
):
    business, client = newcomer
    assert client.get("/app/onboarding/")["Location"] == "/app/onboarding/time-zone/"
    through_the_number_step(client)
    business.refresh_from_db()
    assert business.time_zone == "America/Chicago"
    assert business.qualifying_question == "What needs fixing?"

    search = client.get("/app/onboarding/number/", {"area_code": "415"})
    assert search.status_code == 200
    assert b"numbers are simulated" in search.content  # no Twilio account here: it says so
    offered = search.context["found"]
    assert offered and all(number.startswith("+1415") for number in offered)
    bought = client.post("/app/onboarding/number/", {"action": "buy", "phone_number": offered[0]})
    assert bought["Location"] == "/app/onboarding/test-call/"
    number = TwilioNumber.objects.get(business=business)
    assert str(number.phone_number) == offered[0]
    assert str(number.forward_to) == "+13125550147" and number.mode == "forward"
    assert number.subaccount.business == business
    assert NumberSetup.objects.get(number=number).twilio_sid.startswith("PN")

    page = client.get("/app/onboarding/test-call/")
    assert b"Call your Lasso number now and let it ring out" in page.content
    assert offered[0].encode() in page.content
    assert not any(step.done for step in page.context["progress"])

    # Twilio's side of the call, signed as the business's own subaccount signs it.
    sub = selectors.subaccount_of(business=business)
    twilio = AccountTwilio(account_sid=sub.sid, token=sub.auth_token)
    flow = CallFlow(twilio=twilio, to=offered[0], caller=CALLER)
    assert flow.incoming().status_code == 200
    assert done_steps(client) == ["received"]
    with django_capture_on_commit_callbacks(execute=True):
        assert flow.dial_complete("no-answer").status_code == 200
    assert done_steps(client) == ["received", "missed", "sent"]
    [sent] = memory_backend.outbox
    assert sent.to == CALLER and "What needs fixing?" in sent.body
    delivered = twilio.post(
        "/webhooks/twilio/sms/status/",
        {"MessageSid": sent.sid, "MessageStatus": "delivered", "To": CALLER, "From": offered[0]},
    )
    assert delivered.status_code == 204
    assert done_steps(client) == ["received", "missed", "sent", "delivered"]

    assert client.post("/app/onboarding/finish/")["Location"] == "/app/"
    assert Onboarding.objects.get(business=business).step == Onboarding.Step.DONE
    assert selectors.first_textback_sent(business=business)


def done_steps(client: Client) -> list[str]:
    response = client.get("/app/onboarding/test-call/progress/")
    assert response.status_code == 200
    return [step.key for step in response.context["progress"] if step.done]


def test_the_time_zone_is_chosen_from_a_list(newcomer):
    business, client = newcomer
    page = client.get("/app/onboarding/time-zone/")
    assert b'<select name="time_zone"' in page.content
    assert b'value="America/Chicago"' in page.content
    refused = client.post("/app/onboarding/time-zone/", {"time_zone": "Mars/Olympus_Mons"})
    assert refused.status_code == 200 and b"Select a valid choice" in refused.content
    business.refresh_from_db()
    assert business.time_zone == "America/New_York"


def test_the_modes_are_explained_and_forward_needs_a_phone(newcomer):
    _, client = newcomer
    client.post("/app/onboarding/time-zone/", {"time_zone": "America/Denver"})
    page = client.get("/app/onboarding/phone/")
    assert b"conditional call forwarding" in page.content
    assert b"forward when unanswered" in page.content
    refused = client.post("/app/onboarding/phone/", {"mode": "forward", "forward_to": ""})
    assert refused.status_code == 200 and b"Forward mode needs the phone" in refused.content
    premium = client.post(
        "/app/onboarding/phone/", {"mode": "forward", "forward_to": "+19005550100"}
    )
    assert premium.status_code == 200
    assert (
        client.post("/app/onboarding/phone/", {"mode": "missed-only", "forward_to": ""})["Location"]
        == "/app/onboarding/question/"
    )


def test_the_preview_shows_the_text_back_as_typed(newcomer):
    _, client = newcomer
    preview = client.get(
        "/app/onboarding/question/preview/", {"qualifying_question": "Which room is it?"}
    )
    assert preview.status_code == 200
    assert b"Bright Sparks Electric. Which room is it? Reply STOP to opt out." in preview.content
    client.post("/app/onboarding/time-zone/", {"time_zone": "America/Denver"})
    client.post("/app/onboarding/phone/", {"mode": "missed-only"})
    refused = client.post(
        "/app/onboarding/question/", {"qualifying_question": "Visit http://evil.example now"}
    )
    assert refused.status_code == 200 and b"Links are not allowed" in refused.content


def test_later_steps_wait_for_the_earlier_ones(newcomer):
    _, client = newcomer
    for step in ("phone", "question", "number", "test-call"):
        assert client.get(f"/app/onboarding/{step}/")["Location"] == "/app/onboarding/", step
    bought = client.post(
        "/app/onboarding/number/", {"action": "buy", "phone_number": "+14155550123"}
    )
    assert bought.status_code == 302 and not TwilioNumber.objects.exists()


def test_a_business_gets_one_number_only(newcomer):
    business, client = newcomer
    through_the_number_step(client)
    client.post("/app/onboarding/number/", {"action": "buy", "phone_number": "+14155550101"})
    second = client.post(
        "/app/onboarding/number/", {"action": "buy", "phone_number": "+14155550102"}
    )
    assert second.status_code == 400
    assert TwilioNumber.objects.filter(business=business).count() == 1


def test_without_twilio_a_platform_number_cannot_be_moved_and_it_says_why(newcomer):
    _, client = newcomer
    through_the_number_step(client)
    moved = client.post(
        "/app/onboarding/number/", {"action": "move", "phone_number": "+14155550199"}
    )
    assert moved.status_code == 400
    assert b"needs Lasso&#x27;s Twilio account" in moved.content
    assert not TwilioNumber.objects.exists()


WIZARD = [
    "/app/onboarding/",
    "/app/onboarding/time-zone/",
    "/app/onboarding/phone/",
    "/app/onboarding/question/",
    "/app/onboarding/question/preview/",
    "/app/onboarding/number/",
    "/app/onboarding/test-call/",
    "/app/onboarding/test-call/progress/",
    "/app/number-check/",
]


@pytest.mark.parametrize("path", WIZARD)
def test_staff_cannot_run_the_wizard(staff_client, path):
    assert staff_client.get(path).status_code == 403


def test_an_outsider_only_ever_sets_up_their_own_business(tenant, outsider, outsider_client):
    outsider_client.post("/app/onboarding/time-zone/", {"time_zone": "Europe/Lisbon"})
    tenant.business.refresh_from_db()
    assert tenant.business.time_zone == "America/New_York"
    theirs = Business.objects.get(memberships__user=outsider)
    assert theirs.time_zone == "Europe/Lisbon"
    fix = outsider_client.post(
        "/app/number-check/fix/", {"phone_number": str(tenant.number.phone_number)}
    )
    assert fix.status_code == 404


def test_the_number_check_says_when_it_cannot_check(owner_client, tenant):
    page = owner_client.get("/app/number-check/")
    assert page.status_code == 200
    assert b"Simulated" in page.content


def test_anonymous_visitors_are_sent_to_sign_in():
    for path in WIZARD:
        assert Client().get(path)["Location"].startswith("/accounts/login/"), path


def test_the_platform_account_cannot_speak_for_a_bought_number(
    newcomer, django_capture_on_commit_callbacks
):
    _, client = newcomer
    through_the_number_step(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/app/onboarding/number/", {"action": "buy", "phone_number": "+14155550104"})
    response = TwilioClient().post(
        "/webhooks/twilio/sms/incoming/",
        {
            "MessageSid": new_message_sid(),
            "From": CALLER,
            "To": "+14155550104",
            "Body": "hi",
            "NumMedia": "0",
        },
    )
    assert response.status_code == 403


def test_the_overview_shows_a_checklist_until_the_first_missed_call_is_texted(
    newcomer, django_capture_on_commit_callbacks
):
    business, client = newcomer
    overview = client.get("/app/")
    assert b"Getting started" in overview.content
    assert b'href="/app/onboarding/time-zone/"' in overview.content
    through_the_number_step(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/app/onboarding/number/", {"action": "buy", "phone_number": "+14155550105"})
    assert b'href="/app/onboarding/time-zone/"' not in client.get("/app/").content
    assert b"Getting started" in client.get("/app/").content

    sub = selectors.subaccount_of(business=business)
    flow = CallFlow(
        twilio=AccountTwilio(account_sid=sub.sid, token=sub.auth_token),
        to="+14155550105",
        caller=CALLER,
    )
    flow.incoming()
    with django_capture_on_commit_callbacks(execute=True):
        flow.dial_complete("no-answer")
    assert b"Getting started" not in client.get("/app/").content


def test_a_business_made_by_an_operator_has_no_checklist(owner_client):
    assert b"Getting started" not in owner_client.get("/app/").content
