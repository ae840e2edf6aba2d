"""One Twilio subaccount per business, created once, its SID and token stored only
encrypted with FIELD_ENCRYPTION_KEY; texts from its numbers go through it. Every Twilio
request is made by the real SDK, against Prism serving Twilio's own spec (which refuses
anything the spec does not allow) or against the recording stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from messaging import gateway, twilio_accounts
from messaging.models import Message
from tenants.models import TwilioSubaccount
from tenants.onboarding import encryption, services
from tests.calls.helpers import CallFlow
from tests.integration.processes import Prism
from tests.onboarding.helpers import AccountTwilio, make_subaccount
from tests.twilio_stub import TwilioStub

SPEC = Path(settings.BASE_DIR).parent / "shared" / "twilio-oai" / "twilio_api_v2010.yaml"
ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def prism(tmp_path_factory):
    executable = os.environ.get("LASSO_PRISM", "")
    assert executable and Path(executable).exists(), "LASSO_PRISM must point at prism"
    server = Prism(tmp_path_factory.mktemp("prism") / "prism.log", executable=executable, spec=SPEC)
    server.start()
    yield server
    server.stop()


class PrismLog:
    """What Prism logged since this test began."""

    def __init__(self, prism: Prism) -> None:
        self.prism = prism
        self.start = len(prism.log_since_start())

    def log_since_start(self) -> str:
        return self.prism.log_since_start()[self.start :]


@pytest.fixture
def at_prism(prism, settings):
    settings.LASSO_SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE_URL = prism.url
    # Prism answers with its example account (AC + "a" * 32): the platform here is another
    # account, so a request made as the wrong one shows in its path.
    settings.TWILIO_ACCOUNT_SID = "AC" + "c" * 32
    gateway._backends.clear()
    yield PrismLog(prism)
    gateway._backends.clear()


# How Prism's log says it refused a request (never said of its own example answers).
REFUSALS = (
    "Invalid request",
    "Request body property",
    "Request query parameter",
    "violation: request",
)


def refused(log: str) -> bool:
    return any(marker in log for marker in REFUSALS)


def accepted(log: str, method_and_path: str) -> bool:
    """Prism logged this request and found it valid against the spec."""
    return method_and_path in log and "The request passed the validation rules" in log


@pytest.mark.django_db
@pytest.mark.xdist_group("prism")
def test_it_creates_the_subaccount_once_and_stores_it_encrypted(tenant, at_prism):
    first = services.ensure_subaccount(business=tenant.business)
    again = services.ensure_subaccount(business=tenant.business)
    assert again == first
    assert first.sid.startswith("AC") and first.auth_token
    assert first.sid != settings.TWILIO_ACCOUNT_SID
    log = at_prism.log_since_start()
    create = "post /2010-04-01/Accounts.json"
    assert accepted(log, create)
    assert log.count(create) == 1
    assert not refused(log)

    row = TwilioSubaccount.objects.get(business=tenant.business)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sid_digest, sid_encrypted, auth_token_encrypted FROM tenants_twiliosubaccount"
            " WHERE id = %s",
            [row.pk],
        )
        stored = " ".join(cursor.fetchone())
    assert first.sid not in stored and first.auth_token not in stored
    assert encryption.decrypt(row.sid_encrypted) == first.sid
    assert encryption.decrypt(row.auth_token_encrypted) == first.auth_token


@pytest.mark.django_db
@pytest.mark.xdist_group("prism")
def test_it_searches_and_buys_a_number_into_the_subaccount_with_lasso_webhooks(tenant, at_prism):
    tenant.number.delete()
    found = services.search_numbers(business=tenant.business, area_code="415")
    assert found, "Prism's example lists a number for sale"
    assert services.search_numbers(business=tenant.business, city="Oakland")
    with pytest.raises(services.NumberError, match="three digits"):
        services.search_numbers(business=tenant.business, area_code="41")
    bought = services.buy_number(business=tenant.business, phone_number=found[0])
    sub = services.ensure_subaccount(business=tenant.business)
    log = at_prism.log_since_start()
    search = f"get /2010-04-01/Accounts/{sub.sid}/AvailablePhoneNumbers/US/Local.json"
    assert accepted(log, search)
    assert log.count(search) == 2  # by area code, then by city
    assert f"/Accounts/{settings.TWILIO_ACCOUNT_SID}/" not in log  # all as the subaccount
    assert accepted(log, f"post /2010-04-01/Accounts/{sub.sid}/IncomingPhoneNumbers.json")
    assert not refused(log)
    assert bought.number.subaccount.business == tenant.business
    assert bought.sid.startswith("PN")


@pytest.mark.django_db
@pytest.mark.xdist_group("prism")
def test_prism_refuses_a_purchase_the_spec_does_not_allow(tenant, at_prism):
    """The checks above can fail: a purchase with a voice URL that is no URL is refused."""
    sub = services.ensure_subaccount(business=tenant.business)
    hooks = twilio_accounts.Webhooks("not a url", "not a url", "not a url", "not a url")
    with pytest.raises(twilio_accounts.TwilioAccountError):
        twilio_accounts.buy(
            account=twilio_accounts.Credentials(sub.sid, sub.auth_token),
            phone_number="",
            webhooks=hooks,
        )
    # The marker the other tests look for, so their "no request violation" can fail.
    assert refused(at_prism.log_since_start())


@pytest.mark.django_db
@pytest.mark.xdist_group("prism")
def test_it_moves_a_platform_number_into_the_subaccount_and_points_it_at_lasso(
    tenant, other_tenant, at_prism
):
    tenant.number.delete()
    # Prism's example number resource for the platform's numbers list.
    listed = twilio_accounts._client(
        twilio_accounts.Credentials(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    ).incoming_phone_numbers.list(limit=1)
    phone_number = str(listed[0].phone_number)
    moved = services.move_platform_number(business=tenant.business, phone_number=phone_number)
    sub = services.ensure_subaccount(business=tenant.business)
    log = at_prism.log_since_start()
    parent_path = f"/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/IncomingPhoneNumbers/"
    assert accepted(log, f"post {parent_path}{moved.sid}.json")
    assert accepted(
        log, f"post /2010-04-01/Accounts/{sub.sid}/IncomingPhoneNumbers/{moved.sid}.json"
    )
    assert not refused(log)
    assert str(moved.number.phone_number) == phone_number


@pytest.mark.django_db
def test_a_number_of_another_business_cannot_be_moved(tenant, other_tenant, settings):
    settings.LASSO_SMS_BACKEND = "twilio"
    tenant.number.delete()
    with pytest.raises(services.NumberError, match="belongs to a business"):
        services.move_platform_number(
            business=tenant.business, phone_number=str(other_tenant.number.phone_number)
        )


@pytest.fixture
def sub_stub():
    """A recording stand-in that accepts only the subaccount's credentials."""
    stub = TwilioStub(auth_token="subaccount-token-for-the-stub").start()
    yield stub
    stub.stop()


@pytest.mark.django_db(transaction=True)
def test_texts_from_a_subaccount_number_are_sent_with_the_subaccount(tenant, sub_stub, settings):
    sid, _ = make_subaccount(
        tenant.business, numbers=[tenant.number], token="subaccount-token-for-the-stub"
    )
    settings.LASSO_SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE_URL = sub_stub.url
    gateway._backends.clear()
    twilio = AccountTwilio(account_sid=sid, token="subaccount-token-for-the-stub")
    call = CallFlow(twilio=twilio, to=str(tenant.number.phone_number), caller="+12125550123")
    try:
        assert call.incoming().status_code == 200
        assert call.dial_complete("no-answer").status_code == 200
    finally:
        gateway._backends.clear()
    message = Message.objects.get(call__call_sid=call.sid, kind=Message.Kind.TEXTBACK)
    assert message.twilio_sid.startswith("SM"), message.error_message
    [request] = sub_stub.requests
    assert request.path == f"/2010-04-01/Accounts/{sid}/Messages.json"
    assert request.authorized
    assert request.from_ == str(tenant.number.phone_number)


def probe(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"FIELD_ENCRYPTION_KEY", "DEBUG", "SECRET_KEY"}
    }
    clean.update(DJANGO_SETTINGS_MODULE="lasso.settings", SECRET_KEY="x" * 50, **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_start_up_refuses_debug_off_without_a_field_encryption_key():
    result = probe(DEBUG="false")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is not set" in result.stderr


@pytest.mark.parametrize("key", ["short", "bm90LWEtZmVybmV0LWtleQ==", "!" * 44])
def test_start_up_refuses_a_key_that_is_not_a_fernet_key(key):
    result = probe(DEBUG="false", FIELD_ENCRYPTION_KEY=key)
    assert result.returncode != 0
    assert "must be a Fernet key" in result.stderr


def test_start_up_accepts_a_fernet_key_and_a_demo_runs_without_one():
    assert probe(DEBUG="false", FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY).returncode == 0
    assert probe(DEBUG="true").returncode == 0
