"""A subaccount's numbers are configured and read through the subaccount: the parent's
IncomingPhoneNumbers and Calls paths do not see them (Twilio answers 404 there)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calls import numbers
from calls.routing import routing_for
from messaging import twilio_numbers
from tests.integration.conftest import use_real_sdk
from tests.integration.test_voice_sdk_against_prism import (  # noqa: F401 - fixture
    CALL_SID,
    NUMBER_SID,
    SPEC,
    prism,
)
from tests.onboarding.helpers import make_subaccount

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("prism")]


def test_a_subaccount_number_is_configured_and_read_through_its_subaccount(
    tenant,
    prism,  # noqa: F811 - the fixture imported above
    settings,
):
    sid, _ = make_subaccount(tenant.business, numbers=[tenant.number])
    use_real_sdk(settings, prism.url)
    phone = str(tenant.number.phone_number)
    start = len(prism.log_since_start())

    twilio_numbers.configure_number(
        phone_number=phone,
        webhooks=numbers.webhooks_for(routing_for(number=tenant.number)),
        sid=NUMBER_SID,
    )
    twilio_numbers.calls_to(
        phone_number=phone, started_after=datetime.now(UTC) - timedelta(hours=1), limit=1
    )
    twilio_numbers.child_calls(parent_sid=CALL_SID, phone_number=phone, limit=1)

    log = prism.log_since_start()[start:]
    assert f"/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers/{NUMBER_SID}.json" in log
    assert log.count(f"/2010-04-01/Accounts/{sid}/Calls.json") == 2
    assert f"/Accounts/{settings.TWILIO_ACCOUNT_SID}/" not in log
