"""The voice side of Twilio's API as Lasso calls it (a number's webhooks, the Calls list by
number and by parent call), made by the real `twilio` SDK and checked against Twilio's own
OpenAPI spec: Prism answers 422 to anything the 2010-04-01 API would not accept."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calls import numbers
from calls.routing import routing_for
from messaging import twilio_numbers
from tests.integration.conftest import use_real_sdk
from tests.integration.processes import Prism
from tests.integration.test_sdk_against_prism import SPEC

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db,
    pytest.mark.xdist_group("prism"),
]


@pytest.fixture(scope="module")
def prism(tmp_path_factory):
    executable = os.environ.get("LASSO_PRISM", "")
    assert executable and Path(executable).exists(), "LASSO_PRISM must point at prism"
    server = Prism(tmp_path_factory.mktemp("prism") / "prism.log", executable=executable, spec=SPEC)
    server.start()
    yield server
    server.stop()


NUMBER_SID = "PN" + "0" * 32
CALL_SID = "CA" + "1" * 32


def test_configuring_a_number_is_a_request_twilios_spec_accepts(
    business_tenant,
    prism,
    settings,
):
    use_real_sdk(settings, prism.url)
    webhooks = numbers.webhooks_for(routing_for(number=business_tenant.number))
    sid = twilio_numbers.configure_number(
        phone_number=str(business_tenant.number.phone_number), webhooks=webhooks, sid=NUMBER_SID
    )
    assert sid == NUMBER_SID
    log = prism.log_since_start()
    assert f"post /2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/IncomingPhoneNumbers" in log
    assert "The request passed the validation rules" in log
    # (Prism's own example answers break the spec in places: only our requests count.)
    assert "Violation: request" not in log


def test_reading_an_outages_calls_is_a_request_twilios_spec_accepts(
    business_tenant,
    prism,
    settings,
):
    use_real_sdk(settings, prism.url)
    since = datetime.now(UTC) - timedelta(hours=1)
    passed_before = prism.log_since_start().count("The request passed the validation rules")
    # One record each: Prism's example page links a next page its own spec refuses.
    calls = twilio_numbers.calls_to(
        phone_number=str(business_tenant.number.phone_number), started_after=since, limit=1
    )
    legs = twilio_numbers.child_calls(
        parent_sid=CALL_SID, phone_number=str(business_tenant.number.phone_number), limit=1
    )
    # Prism answers with the spec's example call: the SDK read it into our record.
    assert calls and legs
    assert calls[0].sid.startswith("CA") and calls[0].status
    log = prism.log_since_start()
    assert "get /2010-04-01/Accounts/" in log and "Calls.json" in log
    assert log.count("The request passed the validation rules") == passed_before + 2
    # (Prism's own example answers break the spec in places: only our requests count.)
    assert "Violation: request" not in log
