"""Lasso's own /request-callback/ reaches the people running Lasso (LASSO_OPERATOR_EMAILS),
through the same queue, consent ledger and team alert as any business's form."""

from __future__ import annotations

import pytest

from callback_form.models import CallbackRequest
from consent.models import ConsentEvent
from tenants.models import Business, Membership, User
from tests.callback_form.conftest import CUSTOMER_E164, submit  # noqa: F401
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OPERATORS = ["ops@lassocalls.example", "founder@lassocalls.example"]


@pytest.fixture
def operators(settings):
    settings.LASSO_OPERATOR_EMAILS = OPERATORS


def test_a_request_reaches_every_operator_and_waits_in_their_queue(
    submit,  # noqa: F811
    operators,
    mailoutbox,
):
    existing = UserFactory(email="Founder@LassoCalls.example")
    page = submit("/request-callback/")
    assert page.status_code == 302 and page["Location"] == "/request-callback/thanks/"

    house = Business.objects.get(slug="lasso")
    request = CallbackRequest.objects.get(business=house)
    assert request.name == "Dana Scully" and request.processed_at is not None
    [alert] = mailoutbox
    assert sorted(alert.to) == sorted(["ops@lassocalls.example", existing.email])
    assert "Dana Scully asked for a callback" in alert.subject
    # The operator without an account got one, with no usable password (reset to sign in).
    made = User.objects.get(email="ops@lassocalls.example")
    assert not made.has_usable_password()
    assert Membership.objects.get(user=made, business=house).role == Membership.Role.OWNER
    queue = client_for(existing).get("/app/callbacks/")
    assert queue.status_code == 200 and b"Dana Scully" in queue.content


def test_the_house_form_keeps_the_consent_rules(submit, operators):  # noqa: F811
    submit("/request-callback/")
    assert not ConsentEvent.objects.filter(phone_number=CUSTOMER_E164).exists()


def test_an_operator_taken_off_the_list_leaves_the_house_team(submit, settings):  # noqa: F811
    settings.LASSO_OPERATOR_EMAILS = OPERATORS
    submit("/request-callback/")
    settings.LASSO_OPERATOR_EMAILS = ["ops@lassocalls.example"]
    submit("/request-callback/", phone_number="+12125550177")
    house = Business.objects.get(slug="lasso")
    assert [m.user.email for m in Membership.objects.filter(business=house)] == [
        "ops@lassocalls.example"
    ]


def test_an_outsider_never_sees_the_house_queue(submit, operators, outsider_client):  # noqa: F811
    submit("/request-callback/")
    assert b"Dana Scully" not in outsider_client.get("/app/callbacks/").content


def test_a_business_signing_up_as_lasso_does_not_take_the_house_slug(db):
    from tenants.onboarding.services import _free_slug

    assert _free_slug("Lasso") == "lasso-2"
