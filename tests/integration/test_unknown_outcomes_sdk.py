"""Unknown outcomes on the real SDK path: a 502/504 or a lost answer is never retried
blindly; Twilio's own Messages list (the recording stand-in, and Prism on Twilio's spec)
settles it."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from messaging import gateway, reconcile
from messaging.models import Message
from tests.integration.conftest import missed_call, use_real_sdk
from tests.integration.processes import Prism
from tests.twilio_stub import Answer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("twilio-stub"),
]

CALLER = "+12125550166"
SPEC = Path(settings.BASE_DIR).parent / "shared" / "twilio-oai" / "twilio_api_v2010.yaml"


def textback_for(call) -> Message:
    return Message.objects.get(call__call_sid=call.sid, kind=Message.Kind.TEXTBACK)


def settle_all() -> None:
    Message.objects.filter(status=Message.Status.UNKNOWN).update(
        claimed_at=timezone.now() - reconcile.SETTLE - timedelta(seconds=1)
    )


@pytest.mark.parametrize("answer", [Answer.BAD_GATEWAY, Answer.GATEWAY_TIMEOUT])
def test_a_502_or_504_is_unknown_and_sent_once_when_twilio_has_no_record(
    business_tenant, real_sdk_at_stub, answer
):
    stub = real_sdk_at_stub
    stub.script(answer, to=CALLER)
    call = missed_call(business_tenant, CALLER)
    assert textback_for(call).status == Message.Status.UNKNOWN
    assert [r.status for r in stub.sent_to(CALLER)] == [int(answer.value)]

    settle_all()
    reconcile.resolve_unknown_messages()  # lists Twilio's messages: none; sends it once
    message = textback_for(call)
    assert message.status == Message.Status.QUEUED
    created = [r for r in stub.sent_to(CALLER) if r.method == "POST" and r.succeeded]
    assert len(created) == 1 and message.twilio_sid == created[0].sid
    settle_all()
    reconcile.resolve_unknown_messages()
    assert len([r for r in stub.sent_to(CALLER) if r.method == "POST"]) == 2


def test_a_lost_answer_is_adopted_from_twilio_s_list(business_tenant, real_sdk_at_stub, settings):
    stub = real_sdk_at_stub
    settings.TWILIO_REQUEST_TIMEOUT_SECONDS = 1
    stub.script(Answer.CREATED_THEN_HANG, to=CALLER)
    call = missed_call(business_tenant, CALLER)
    assert textback_for(call).status == Message.Status.UNKNOWN
    stub.release_hangs()

    settle_all()
    assert reconcile.resolve_unknown_messages() == 1
    message = textback_for(call)
    [created] = [r for r in stub.sent_to(CALLER) if r.method == "POST"]
    assert (message.status, message.twilio_sid) == (Message.Status.QUEUED, created.sid)


def test_the_lookup_is_a_request_twilio_s_spec_accepts(business_tenant, settings, tmp_path):
    executable = os.environ.get("LASSO_PRISM", "")
    assert executable and Path(executable).exists(), "scripts/test installs Prism"
    prism = Prism(tmp_path / "prism.log", executable=executable, spec=SPEC)
    prism.start()
    try:
        use_real_sdk(settings, prism.url)
        found = gateway.get_backend().find_sent(
            to=CALLER,
            from_=str(business_tenant.number.phone_number),
            body="Sorry we missed your call",
            created_since=timezone.now(),
        )
    finally:
        gateway._backends.clear()
        log = prism.log_since_start()
        prism.stop()
    # Prism's example messages are not ours: nothing matches, and nothing was refused.
    assert found == []
    assert "get /2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json" in log
    assert "The request passed the validation rules" in log
