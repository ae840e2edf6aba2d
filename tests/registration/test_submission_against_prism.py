"""The whole submission, made by the real `twilio` SDK, checked against Twilio's own OpenAPI
specs: one Prism per spec (api_v2010, trusthub_v1, messaging_v1), each answering 422 to any
request its spec does not allow, which fails the step and so the test."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from consent.registration import submission
from consent.registration.models import CarrierRegistration, RegistrationStep
from consent.registration.tasks import poll_carrier_registrations
from messaging import gateway, twilio_registration
from tests.integration.processes import Prism

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("prism"),
]

SPECS = Path(settings.BASE_DIR).parent / "shared" / "twilio-oai"
# The number the API spec's IncomingPhoneNumbers example holds.
SPEC_NUMBER = "+18089255327"
SERVICE = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
# Prism answers a spec's first example unless asked for another: these are the examples of
# Twilio's answers when the bundle is complete and the brand approved, so the flow goes on.
EXAMPLES = [
    (re.compile(r"/CustomerProfiles/\w+/Evaluations$"), "createCompliantStarterCustomerProfile"),
    (re.compile(r"/TrustProducts/\w+/Evaluations$"), "createCompliantSoleProprietorA2PProfile"),
    (re.compile(r"/a2p/BrandRegistrations/BN\w+$"), "fetchSoleProprietorRegisteredVerified"),
]


def prism_for(tmp_path_factory, spec: str) -> Prism:
    executable = os.environ.get("LASSO_PRISM", "")
    assert executable and Path(executable).exists(), "LASSO_PRISM must point at prism"
    path = SPECS / f"twilio_{spec}.yaml"
    assert path.exists(), f"Twilio's OpenAPI spec is missing at {path}"
    server = Prism(tmp_path_factory.mktemp(spec) / "prism.log", executable=executable, spec=path)
    server.start()
    return server


@pytest.fixture(scope="module")
def prisms(tmp_path_factory):
    servers = {
        spec: prism_for(tmp_path_factory, spec)
        for spec in ("api_v2010", "trusthub_v1", "messaging_v1")
    }
    yield servers
    for server in servers.values():
        server.stop()


class AskingForExamples(twilio_registration._RebasedHttpClient):
    """Asks Prism for Twilio's "complete" and "approved" examples: a Prefer header only, the
    request itself is validated as sent."""

    def request(self, method, url, *args, headers=None, **kwargs):  # type: ignore[no-untyped-def]
        headers = dict(headers or {})
        for pattern, example in EXAMPLES:
            if pattern.search(url.split("?")[0]):
                headers["Prefer"] = f"example={example}"
        return super().request(method, url, *args, headers=headers, **kwargs)


def spec_arrays() -> set[str]:
    """The campaign parameters Twilio's spec declares as lists."""
    spec = yaml.safe_load((SPECS / "twilio_messaging_v1.yaml").read_text())
    body = spec["paths"]["/v1/Services/{MessagingServiceSid}/Compliance/Usa2p"]["post"]
    schema = body["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    return {name for name, prop in schema["properties"].items() if prop.get("type") == "array"}


@pytest.fixture
def twilio_at_prisms(settings, prisms, monkeypatch, tenant):
    settings.LASSO_SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE_URL = prisms["api_v2010"].url
    settings.TWILIO_API_BASE_URLS = {
        "trusthub": prisms["trusthub_v1"].url,
        "messaging": prisms["messaging_v1"].url,
    }
    monkeypatch.setattr(twilio_registration, "_RebasedHttpClient", AskingForExamples)
    monkeypatch.setattr(twilio_registration, "_local", type(twilio_registration._local)())
    tenant.number.phone_number = SPEC_NUMBER
    tenant.number.save(update_fields=["phone_number"])
    gateway._backends.clear()
    # Each test reads only its own requests in the module's Prisms' logs.
    starts = {spec: len(prism.log_since_start()) for spec, prism in prisms.items()}
    yield {spec: (prism, starts[spec]) for spec, prism in prisms.items()}
    gateway._backends.clear()


def refused(log: str) -> list[str]:
    """Prism's lines about requests it found against the spec (not its own example answers,
    which it also checks against the spec: "Violation: response…")."""
    return [line for line in log.splitlines() if "✖" in line and "Violation: response" not in line]


def since(prism: Prism, start: int) -> str:
    return prism.log_since_start()[start:]


def test_a_registration_is_submitted_with_requests_twilios_specs_accept(
    twilio_at_prisms,
    tenant,
    public_site,
    registered_brand,
    owner_client,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post("/app/registration/submit/").status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        poll_carrier_registrations()  # the brand is approved: the campaign goes in

    steps = {s.key: s for s in RegistrationStep.objects.filter(business=tenant.business)}
    assert set(steps) == {s.key for s in submission.STEPS if s.key != "profile_primary"}
    not_done = {k: (s.state, s.errors) for k, s in steps.items() if s.state != "done"}
    # Prism 5 cannot read a list from a form body in any spelling (the SDK repeats the key,
    # as Twilio and OpenAPI's form encoding expect; stoplightio/prism#2473), so it refuses
    # the campaign for exactly that and nothing else: every list the spec declares, and no
    # other objection, is checked below.
    assert list(not_done) == ["campaign"]
    assert steps["brand"].twilio_status == "APPROVED"
    registration = CarrierRegistration.objects.get(business=tenant.business)
    assert (registration.messaging_service_sid, registration.messaging_service_number) == (
        SERVICE,
        SPEC_NUMBER,
    )
    logs = {spec: since(*prism) for spec, prism in twilio_at_prisms.items()}
    for spec in ("api_v2010", "trusthub_v1"):
        assert refused(logs[spec]) == [], spec
    campaign_path = f"post /v1/Services/{SERVICE}/Compliance/Usa2p "
    messaging_refusals = [
        line for line in refused(logs["messaging_v1"]) if campaign_path not in line
    ]
    lists = {"MessageSamples", "OptInKeywords", "OptOutKeywords", "HelpKeywords"}
    assert lists <= spec_arrays()
    assert sorted(messaging_refusals) == sorted(
        next(line for line in messaging_refusals if name in line) for name in lists
    )
    assert all(line.endswith(" must be array") for line in messaging_refusals)
    for spec, log in logs.items():
        assert "The request passed the validation rules" in log, spec
    assert (
        "post /2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Addresses.json"
        in (logs["api_v2010"])
    )
    for path in (
        "/v1/CustomerProfiles",
        "/v1/TrustProducts",
        "/v1/EndUsers",
        "/v1/SupportingDocuments",
    ):
        assert f"post {path}" in logs["trusthub_v1"], path
    for path in (
        "/v1/a2p/BrandRegistrations",
        "/v1/Services",
        f"/v1/Services/{SERVICE}/PhoneNumbers",
        f"/v1/Services/{SERVICE}/Compliance/Usa2p",
    ):
        assert f"post {path}" in logs["messaging_v1"], path
    # Submitted; the brand approved; the campaign refused (by Prism, as above).
    assert len(mailoutbox) == 3


def test_a_text_with_the_messaging_service_is_accepted_by_the_api_spec(twilio_at_prisms):
    sent = gateway.get_backend().send(
        to="+12125550177",
        from_=SPEC_NUMBER,
        body="Sorry we missed your call. Reply STOP to opt out.",
        status_callback="https://lassocalls.com/webhooks/twilio/sms/status/",
        messaging_service_sid=SERVICE,
    )

    assert re.fullmatch(r"SM[0-9a-fA-F]{32}", sent.sid)
    log = since(*twilio_at_prisms["api_v2010"])
    assert refused(log) == []
    assert "The request passed the validation rules" in log


def test_the_api_spec_refuses_a_malformed_messaging_service(twilio_at_prisms):
    """The check above can fail: a service SID Twilio would refuse is refused here too."""
    with pytest.raises(gateway.SendError) as refusal:
        gateway.get_backend().send(
            to="+12125550177",
            from_=SPEC_NUMBER,
            body="Sorry we missed your call. Reply STOP to opt out.",
            status_callback="https://lassocalls.com/webhooks/twilio/sms/status/",
            messaging_service_sid="MG-not-a-service",
        )
    assert refusal.value.code == "422"
    assert any(
        "MessagingServiceSid" in line for line in refused(since(*twilio_at_prisms["api_v2010"]))
    )
