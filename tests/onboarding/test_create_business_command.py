"""create_business keeps working for operators and scripts: the number is the platform
account's, attached without a subaccount and without calling Twilio; --configure-webhooks
asks Twilio (the real SDK, against the recording stand-in) to point it at Lasso."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from calls.models import Call
from tenants.models import TwilioNumber, TwilioSubaccount
from tests.calls.helpers import CallFlow
from tests.conftest import TwilioClient

pytestmark = pytest.mark.django_db

NUMBER = "+14155550170"
ARGS = [
    "--name",
    "Harbor Locksmiths",
    "--number",
    NUMBER,
    "--forward-to",
    "+13125550171",
    "--owner-email",
    "owner@harbor.example",
]


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("create_business", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_it_attaches_the_platform_number_without_calling_twilio(real_sdk_at_stub):
    lines = run(*ARGS)
    assert lines[-1] == "harbor-locksmiths"
    assert real_sdk_at_stub.requests == []
    number = TwilioNumber.objects.get(phone_number=NUMBER)
    assert number.subaccount is None
    assert not TwilioSubaccount.objects.exists()
    # Its webhooks are checked with the platform's token.
    flow = CallFlow(twilio=TwilioClient(), to=NUMBER)
    assert flow.incoming(AccountSid="AC" + "a" * 32).status_code == 200
    assert Call.objects.filter(business=number.business).exists()


def test_configure_webhooks_points_the_number_at_lasso(real_sdk_at_stub):
    real_sdk_at_stub.add_number(NUMBER)
    lines = run(*ARGS, "--configure-webhooks")
    assert lines[-1] == "harbor-locksmiths"  # scripts still read the slug last
    config = real_sdk_at_stub.number_config(NUMBER)
    assert config["VoiceUrl"].startswith("http://testserver/webhooks/twilio/voice/incoming/")
    assert config["SmsUrl"].startswith("http://testserver/webhooks/twilio/sms/incoming/")
    assert config["StatusCallback"].startswith("http://testserver/webhooks/twilio/voice/status/")
    assert config["VoiceFallbackUrl"].startswith(
        "http://testserver/webhooks/twilio/voice/fallback/"
    )
    assert all(request.authorized for request in real_sdk_at_stub.requests)
    assert all("ACaaaa" in request.path for request in real_sdk_at_stub.requests)


def test_configure_webhooks_says_so_when_twilio_has_no_such_number(real_sdk_at_stub):
    with pytest.raises(CommandError, match="did not take the webhooks"):
        run(*ARGS, "--configure-webhooks")
    assert TwilioNumber.objects.filter(phone_number=NUMBER).exists()  # created all the same


def test_configure_webhooks_needs_twilio(db):
    with pytest.raises(CommandError, match="needs Twilio"):
        run(*ARGS, "--configure-webhooks")
