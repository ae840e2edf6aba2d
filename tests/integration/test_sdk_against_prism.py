"""Our send request, made by the real `twilio` SDK, checked against Twilio's own OpenAPI
spec: Prism answers 422 (or 401) to anything the 2010-04-01 API would not accept."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from messaging import gateway
from messaging.models import Message
from tests.integration.conftest import expected_textback, missed_call, use_real_sdk
from tests.integration.processes import Prism

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("prism"),
]

SPEC = Path(settings.BASE_DIR).parent / "shared" / "twilio-oai" / "twilio_api_v2010.yaml"
CALLER = "+12125550177"


@pytest.fixture(scope="module")
def prism(tmp_path_factory):
    executable = os.environ.get("LASSO_PRISM", "")
    assert executable and Path(executable).exists(), (
        "LASSO_PRISM must point at the prism executable (scripts/test installs it)"
    )
    assert SPEC.exists(), f"Twilio's OpenAPI spec is missing at {SPEC}"
    server = Prism(tmp_path_factory.mktemp("prism") / "prism.log", executable=executable, spec=SPEC)
    server.start()
    yield server
    server.stop()


def test_a_missed_call_is_texted_with_a_request_twilios_spec_accepts(
    business_tenant, prism, settings
):
    use_real_sdk(settings, prism.url)
    try:
        call = missed_call(business_tenant, CALLER)
    finally:
        gateway._backends.clear()

    message = Message.objects.get(call__call_sid=call.sid, kind=Message.Kind.TEXTBACK)
    assert message.error_message == ""  # Prism's 4xx would be here, with what it rejected
    assert message.status in {Message.Status.QUEUED, Message.Status.SENT}
    assert re.fullmatch(r"SM[0-9a-fA-F]{32}", message.twilio_sid or "")
    assert message.to_number == CALLER
    assert message.body == expected_textback("Acme Plumbing")
    log = prism.log_since_start()
    assert "post /2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json" in log
    assert "The request passed the validation rules" in log


def test_prism_rejects_a_request_the_spec_does_not_allow(business_tenant, prism, settings):
    """The check above can fail: a send Twilio would refuse (no To) is refused here too."""
    use_real_sdk(settings, prism.url)
    try:
        with pytest.raises(gateway.SendError) as refused:
            gateway.get_backend().send(
                to="", from_="+14155550100", body="hi", status_callback="not a url"
            )
    finally:
        gateway._backends.clear()
    assert refused.value.code == "422"
    assert not refused.value.retryable
