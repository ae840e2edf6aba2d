"""Every Twilio domain the SDK calls goes to TWILIO_API_BASE_URL (or its own entry in
TWILIO_API_BASE_URLS), and a number in a Messaging Service sends through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from consent.registration import routing
from consent.registration.models import CarrierRegistration
from messaging.gateway import _RebasedHttpClient, messaging_service_for

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ["api", "messaging", "trusthub", "lookups"]
SERVICE = "MG" + "1" * 32


@pytest.mark.parametrize("domain", DOMAINS)
def test_it_sends_every_twilio_domain_to_the_base_url(domain):
    client = _RebasedHttpClient("http://127.0.0.1:4010/", 5, {})

    rebased = client.rebase(f"https://{domain}.twilio.com/v1/Services?PageSize=2")

    assert rebased == "http://127.0.0.1:4010/v1/Services?PageSize=2"


@pytest.mark.parametrize("domain", DOMAINS)
def test_it_sends_a_domain_with_its_own_base_url_there_only(domain):
    client = _RebasedHttpClient("http://127.0.0.1:4010", 5, {domain: "http://127.0.0.1:4099/"})

    assert client.rebase(f"https://{domain}.twilio.com/v1/X") == "http://127.0.0.1:4099/v1/X"
    others = [d for d in DOMAINS if d != domain]
    assert all(
        client.rebase(f"https://{d}.twilio.com/v1/X") == "http://127.0.0.1:4010/v1/X"
        for d in others
    )


def test_it_leaves_twilio_alone_when_no_base_url_is_set():
    client = _RebasedHttpClient("https://api.twilio.com", 5, {})

    for domain in DOMAINS:
        url = f"https://{domain}.twilio.com/v1/Services"
        assert client.rebase(url) == url
    # Not a Twilio domain: never rewritten, even with a base URL set.
    assert (
        _RebasedHttpClient("http://127.0.0.1:4010", 5, {}).rebase("https://example.com/x")
        == "https://example.com/x"
    )


def test_it_reads_the_overrides_from_settings(settings):
    settings.TWILIO_API_BASE_URLS = {"trusthub": "http://127.0.0.1:4012"}

    client = _RebasedHttpClient("https://api.twilio.com", 5)

    assert client.rebase("https://trusthub.twilio.com/v1/EndUsers") == (
        "http://127.0.0.1:4012/v1/EndUsers"
    )
    assert client.rebase("https://api.twilio.com/2010-04-01/Accounts.json") == (
        "https://api.twilio.com/2010-04-01/Accounts.json"
    )


PROBE = "import django, json; django.setup(); from django.conf import settings as s; " + (
    "print(json.dumps(s.TWILIO_API_BASE_URLS))"
)


def load(value: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lasso.settings", "TWILIO_API_BASE_URLS": value}
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_it_parses_one_base_url_per_domain_from_the_environment():
    loaded = load("messaging=http://127.0.0.1:4011/, trusthub=http://127.0.0.1:4012")

    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().splitlines()[-1] == (
        '{"messaging": "http://127.0.0.1:4011", "trusthub": "http://127.0.0.1:4012"}'
    )


@pytest.mark.parametrize(
    "value",
    ["messaging", "sms=http://127.0.0.1:4011", "trusthub=127.0.0.1:4012", "api=ftp://x"],
)
def test_it_refuses_to_start_with_a_malformed_base_url_list(value):
    loaded = load(value)

    assert loaded.returncode != 0
    assert "TWILIO_API_BASE_URLS" in loaded.stderr


# --- sending through the Messaging Service ---------------------------------------------------
@pytest.mark.django_db
def test_it_sends_with_the_messaging_service_once_the_number_is_in_it(
    tenant, missed_call, outbox, registered_brand
):
    number = str(tenant.number.phone_number)
    missed_call("+12125550101")
    CarrierRegistration.objects.filter(pk=registered_brand.pk).update(
        messaging_service_sid=SERVICE, messaging_service_number=number
    )
    routing.forget_all()  # another process added it; this one reads it within a minute
    missed_call("+12125550102")

    before, after = outbox
    assert (before.from_, before.messaging_service_sid) == (number, "")
    # Still from the business's own number, now under its registered campaign.
    assert (after.from_, after.messaging_service_sid) == (number, SERVICE)


@pytest.mark.django_db
def test_it_keeps_other_numbers_out_of_the_service(tenant, other_tenant, registered_brand):
    CarrierRegistration.objects.filter(pk=registered_brand.pk).update(
        messaging_service_sid=SERVICE, messaging_service_number=str(tenant.number.phone_number)
    )

    assert messaging_service_for(str(tenant.number.phone_number)) == SERVICE
    assert messaging_service_for(str(other_tenant.number.phone_number)) == ""


@pytest.mark.django_db
def test_it_answers_the_send_path_from_memory(tenant, registered_brand, django_assert_num_queries):
    number = str(tenant.number.phone_number)
    CarrierRegistration.objects.filter(pk=registered_brand.pk).update(
        messaging_service_sid=SERVICE, messaging_service_number=number
    )
    assert messaging_service_for(number) == SERVICE

    with django_assert_num_queries(0):
        assert messaging_service_for(number) == SERVICE
