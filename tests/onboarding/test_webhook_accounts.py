"""Each webhook is checked with the auth token of the account its AccountSid names: the
parent's for the numbers it owns, a subaccount's for that subaccount's numbers. Anything
else is refused and stores nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from calls.models import Call
from messaging.models import Message
from tenants.onboarding import credentials
from tests.calls.helpers import VOICE
from tests.conftest import CALLER, new_call_sid, new_message_sid
from tests.factories import TwilioNumberFactory
from tests.onboarding.helpers import AccountTwilio, make_subaccount, new_account_sid

pytestmark = pytest.mark.django_db

SMS = "/webhooks/twilio/sms/incoming/"


def ring(twilio: AccountTwilio, to: str, **extra: str):
    return twilio.post(
        VOICE + "incoming/",
        {
            "CallSid": extra.pop("CallSid", new_call_sid()),
            "From": CALLER,
            "To": to,
            "CallStatus": "ringing",
            "Direction": "inbound",
            **extra,
        },
    )


def text(twilio: AccountTwilio, to: str):
    return twilio.post(
        SMS,
        {"MessageSid": new_message_sid(), "From": CALLER, "To": to, "Body": "hi", "NumMedia": "0"},
    )


@pytest.fixture
def sub(tenant):
    """The tenant's number belongs to its own subaccount."""
    sid, token = make_subaccount(tenant.business, numbers=[tenant.number])
    return AccountTwilio(account_sid=sid, token=token)


@pytest.fixture
def parent():
    return AccountTwilio(account_sid=settings.TWILIO_ACCOUNT_SID, token=settings.TWILIO_AUTH_TOKEN)


def test_it_answers_a_call_signed_by_the_subaccount_that_owns_the_number(tenant, sub):
    response = ring(sub, str(tenant.number.phone_number))
    assert response.status_code == 200, response.content
    assert ET.fromstring(response.content).find("Dial") is not None
    assert Call.objects.get(business=tenant.business).account_sid == sub.account_sid


def test_it_takes_a_text_signed_by_the_subaccount_that_owns_the_number(tenant, sub):
    assert text(sub, str(tenant.number.phone_number)).status_code == 200
    assert Message.objects.filter(business=tenant.business, body="hi").exists()


def test_it_refuses_a_subaccount_request_signed_with_another_token(tenant, sub):
    forged = AccountTwilio(account_sid=sub.account_sid, token=settings.TWILIO_AUTH_TOKEN)
    assert ring(forged, str(tenant.number.phone_number)).status_code == 403
    assert text(forged, str(tenant.number.phone_number)).status_code == 403
    assert not Call.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("token", ["platform", "its own"])
def test_it_refuses_an_account_lasso_does_not_know_and_stores_nothing(tenant, token):
    unknown = new_account_sid()
    twilio = AccountTwilio(
        account_sid=unknown,
        token=settings.TWILIO_AUTH_TOKEN if token == "platform" else "some-token",
    )
    to = str(tenant.number.phone_number)
    assert ring(twilio, to).status_code == 403
    assert text(twilio, to).status_code == 403
    status = twilio.post(VOICE + "status/", {"CallSid": new_call_sid(), "CallStatus": "busy"})
    assert status.status_code == 403
    assert not Call.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("account_sid", ["not-a-sid", "AC123", "ac" + "a" * 32 + "0"])
def test_it_refuses_a_malformed_account_sid(tenant, account_sid):
    twilio = AccountTwilio(account_sid=account_sid, token=settings.TWILIO_AUTH_TOKEN)
    assert ring(twilio, str(tenant.number.phone_number)).status_code == 403
    assert not Call.objects.exists()


def test_it_refuses_a_subaccount_calling_or_texting_a_number_it_does_not_own(
    tenant, other_tenant, sub
):
    # The other business's number is the parent's; a third is another subaccount's.
    third = TwilioNumberFactory()
    make_subaccount(third.business, numbers=[third])
    for to in (str(other_tenant.number.phone_number), str(third.phone_number), "+14155550000"):
        assert ring(sub, to).status_code == 403, to
        assert text(sub, to).status_code == 403, to
    assert not Call.objects.exists()
    assert not Message.objects.exists()


def test_it_refuses_the_parent_calling_a_subaccounts_number(tenant, sub, parent):
    credentials.load()  # as at start (lasso.wsgi)
    assert ring(parent, str(tenant.number.phone_number)).status_code == 403
    assert text(parent, str(tenant.number.phone_number)).status_code == 403
    assert not Call.objects.exists()


def test_the_parent_signs_for_the_numbers_it_owns_with_or_without_account_sid(
    tenant, other_tenant, sub, parent
):
    credentials.load()
    to = str(other_tenant.number.phone_number)
    assert ring(parent, to).status_code == 200
    # Twilio always sends AccountSid; a request without one is taken as the parent's.
    no_sid = AccountTwilio(account_sid=None, token=settings.TWILIO_AUTH_TOKEN)
    assert ring(no_sid, to).status_code == 200
    assert Call.objects.filter(business=other_tenant.business).count() == 2


def test_a_signed_call_to_a_number_lasso_does_not_know_is_not_in_service(db, parent):
    response = ring(parent, "+14155550000")
    assert response.status_code == 200
    assert b"not in service" in response.content
    assert not Call.objects.exists()


def test_a_subaccount_made_by_another_process_is_found_on_its_first_webhook(tenant, sub):
    credentials.load()
    later = TwilioNumberFactory()
    sid, token = make_subaccount(later.business, numbers=[later])  # also forgets memory
    credentials.load()
    third = TwilioNumberFactory()
    sid3, token3 = make_subaccount(third.business, numbers=[third])
    # Nothing held in memory now: the first webhook of each account reads it once.
    assert (
        ring(AccountTwilio(account_sid=sid3, token=token3), str(third.phone_number)).status_code
        == 200
    )
    assert (
        ring(AccountTwilio(account_sid=sid, token=token), str(later.phone_number)).status_code
        == 200
    )


def test_a_number_given_to_the_subaccount_since_it_was_loaded_is_accepted(tenant, sub):
    assert ring(sub, str(tenant.number.phone_number)).status_code == 200  # loads the account
    extra = TwilioNumberFactory(business=tenant.business, subaccount=tenant.number.subaccount)
    assert ring(sub, str(extra.phone_number)).status_code == 200


def test_checking_a_subaccount_signature_does_not_touch_the_database_once_loaded(
    tenant, sub, django_assert_num_queries
):
    credentials.load()
    with django_assert_num_queries(0):
        response = sub.post(
            "/webhooks/twilio/voice/fallback/?"
            "line=%2B14155550100&to=%2B13125550100&mode=forward&name=Acme&timeout=20"
            "&screen=0&vm=0",
            {"CallSid": new_call_sid(), "From": CALLER, "To": str(tenant.number.phone_number)},
        )
    assert response.status_code == 200
    assert ET.fromstring(response.content).find("Dial") is not None


def test_a_known_subaccount_cannot_settle_another_accounts_call(tenant, other_tenant, parent):
    """A CallSid is its account's: another (known) account's status callback for it is
    refused by the calls rules, and the call stays as it was."""
    theirs = TwilioNumberFactory()
    sid, token = make_subaccount(theirs.business, numbers=[theirs])
    call_sid = new_call_sid()
    assert ring(parent, str(tenant.number.phone_number), CallSid=call_sid).status_code == 200
    other = AccountTwilio(account_sid=sid, token=token)
    response = other.post(
        VOICE + "status/",
        {"CallSid": call_sid, "To": str(tenant.number.phone_number), "CallStatus": "no-answer"},
    )
    assert response.status_code == 409
    assert Call.objects.get(call_sid=call_sid).outcome == Call.Outcome.PENDING


def test_forged_requests_naming_a_real_subaccount_cost_no_database_query(
    tenant, sub, django_assert_num_queries
):
    credentials.load()
    forged = AccountTwilio(account_sid=sub.account_sid, token="guessed-token")
    with django_assert_num_queries(0):
        for _ in range(5):
            response = forged.post(
                VOICE + "status/", {"CallSid": new_call_sid(), "CallStatus": "busy"}
            )
            assert response.status_code == 403
