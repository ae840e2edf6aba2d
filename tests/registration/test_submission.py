"""Submission through Twilio's APIs, as the owner starts it and the beat task follows it: every
step taken once (a retry continues where a failure stopped), the review followed to approval
or failure, the owner told of every change, and Twilio's reasons shown with what to change.

The real `twilio` SDK talks to a recording stub (tests/registration/registration_stub.py);
test_submission_against_prism checks the same requests against Twilio's specs."""

from __future__ import annotations

import json

import pytest
from django.utils.html import escape

from consent.registration import packet, submission
from consent.registration.models import CarrierRegistration, RegistrationStep
from consent.registration.tasks import poll_carrier_registrations
from messaging.gateway import messaging_service_for
from tests.registration.registration_stub import Scripted

pytestmark = pytest.mark.django_db

URL = "/app/registration/"
SUBMIT = URL + "submit/"

# Every resource a submission creates, and how many of each (three end users, three profile
# attachments and two trust product attachments, two evaluations).
CREATES = {
    r"^/v1/CustomerProfiles$": 1,
    r"^/v1/TrustProducts$": 1,
    r"^/v1/EndUsers$": 3,
    r"/Addresses\.json$": 1,
    r"^/v1/SupportingDocuments$": 1,
    r"^/v1/CustomerProfiles/\w+/EntityAssignments$": 3,
    r"^/v1/TrustProducts/\w+/EntityAssignments$": 2,
    r"/Evaluations$": 2,
    r"^/v1/a2p/BrandRegistrations$": 1,
    r"^/v1/Services$": 1,
    r"/PhoneNumbers$": 1,
}


@pytest.fixture
def submit(owner_client, django_capture_on_commit_callbacks):
    def post(client=owner_client):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SUBMIT)

    return post


@pytest.fixture
def ready(tenant, public_site, registered_brand, twilio_at_stub):
    """A business whose checks all pass, with Twilio (the stub) behind the SDK."""
    return twilio_at_stub


def poll(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        poll_carrier_registrations()


def registration(tenant) -> CarrierRegistration:
    return CarrierRegistration.objects.get(business=tenant.business)


def steps(tenant) -> dict[str, RegistrationStep]:
    return {s.key: s for s in RegistrationStep.objects.filter(business=tenant.business)}


def form(request, name: str) -> str:
    return request.form[name][0]


def created_counts(stub) -> dict[str, int]:
    """What Twilio holds now, by kind (not the requests: a refused one creates nothing)."""
    return {pattern: stub.created(pattern) for pattern in CREATES}


def test_it_submits_the_profile_brand_and_service_and_waits_for_the_brand(
    ready, tenant, submit, mailoutbox
):
    response = submit()

    assert response.status_code == 302
    assert created_counts(ready) == CREATES
    assert ready.creates(r"/Compliance/Usa2p$") == []  # Twilio wants an approved brand first
    assert registration(tenant).status == CarrierRegistration.Status.PENDING

    [profile] = ready.creates(r"^/v1/CustomerProfiles$")
    [trust] = ready.creates(r"^/v1/TrustProducts$")
    assert form(profile, "PolicySid") == "RNdfbf3fae0e1107f8aded0e7cead80bf5"
    assert form(trust, "PolicySid") == "RNb0d4771c2c98518d916a3d4cd70a8f8b"
    end_users = {form(r, "Type"): r for r in ready.creates(r"^/v1/EndUsers$")}
    # What the owner said about the business and its representative, as Twilio asks it.
    business = json.loads(form(end_users["customer_profile_business_information"], "Attributes"))
    person = json.loads(form(end_users["authorized_representative_1"], "Attributes"))
    a2p = json.loads(form(end_users["us_a2p_messaging_profile_information"], "Attributes"))
    assert (business["business_type"], business["business_registration_number"]) == (
        "Limited Liability Corporation",
        "123456789",
    )
    assert (person["business_title"], person["job_position"]) == ("Owner", "Other")
    assert a2p["company_type"] == "private"
    kinds = sorted(end_users)
    assert kinds == [
        "authorized_representative_1",
        "customer_profile_business_information",
        "us_a2p_messaging_profile_information",
    ]
    [brand] = ready.creates(r"^/v1/a2p/BrandRegistrations$")
    profile_sid = ready.sid_of(r"^/v1/CustomerProfiles$")
    trust_sid = ready.sid_of(r"^/v1/TrustProducts$")
    assert form(brand, "CustomerProfileBundleSid") == profile_sid
    assert form(brand, "A2PProfileBundleSid") == trust_sid
    # Both bundles went to review; the trust product carries the customer profile.
    assert [form(r, "Status") for r in ready.posts_to(profile_sid)] == ["pending-review"]
    assert [form(r, "Status") for r in ready.posts_to(trust_sid)] == ["pending-review"]
    attached = [form(r, "ObjectSid") for r in ready.creates(r"^/v1/TrustProducts/\w+/Entity")]
    assert profile_sid in attached
    [service] = ready.creates(r"^/v1/Services$")
    assert form(service, "UseInboundWebhookOnNumber") == "true"
    [number] = ready.creates(r"/PhoneNumbers$")
    assert form(number, "PhoneNumberSid") == ready.numbers[str(tenant.number.phone_number)]

    # From now on the number's texts go through the service.
    assert messaging_service_for(str(tenant.number.phone_number)) == ready.sid_of(r"^/v1/Services$")

    [email] = mailoutbox
    assert email.to == [tenant.owner.email]
    assert "In review" in email.subject


def test_it_sends_the_campaign_built_from_live_configuration_once_the_brand_is_approved(
    ready, tenant, submit, django_capture_on_commit_callbacks
):
    submit()
    ready.set_status(ready.sid_of(r"^/v1/a2p/BrandRegistrations$"), "APPROVED")

    poll(django_capture_on_commit_callbacks)

    [campaign] = ready.creates(r"/Compliance/Usa2p$")
    built = packet.build(business=tenant.business, registration=registration(tenant))
    assert form(campaign, "BrandRegistrationSid") == ready.sid_of(r"BrandRegistrations$")
    assert form(campaign, "Description") == built.description
    assert form(campaign, "MessageFlow") == built.message_flow
    assert campaign.form["MessageSamples"] == [s.body for s in built.samples]
    assert form(campaign, "UsAppToPersonUsecase") == "CUSTOMER_CARE"
    assert form(campaign, "HasEmbeddedPhone") == "true"
    assert form(campaign, "HasEmbeddedLinks") == "false"
    assert form(campaign, "OptOutMessage") == built.opt_out_message
    assert form(campaign, "HelpMessage") == built.help_message
    assert "STOP" in campaign.form["OptOutKeywords"]
    assert "HELP" in campaign.form["HelpKeywords"]
    assert ready.sid_of(r"^/v1/Services$") in campaign.path


def test_it_follows_the_review_to_approval_telling_the_owner_of_each_change_once(
    ready, tenant, submit, mailoutbox, django_capture_on_commit_callbacks, owner_client
):
    submit()
    mailoutbox.clear()
    ready.set_status(ready.sid_of(r"BrandRegistrations$"), "APPROVED")
    poll(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    assert "Brand: PENDING → APPROVED" in mailoutbox[0].body

    poll(django_capture_on_commit_callbacks)  # nothing moved: nothing to tell
    assert len(mailoutbox) == 1

    ready.set_status(ready.sid_of(r"/Compliance/Usa2p$"), "VERIFIED")
    poll(django_capture_on_commit_callbacks)

    assert registration(tenant).status == CarrierRegistration.Status.APPROVED
    assert len(mailoutbox) == 2
    assert "Campaign: PENDING → VERIFIED" in mailoutbox[1].body
    assert "Approved" in mailoutbox[1].subject
    page = owner_client.get(URL).content.decode()
    assert 'id="registration-status">Approved<' in page
    assert "VERIFIED" in page
    poll(django_capture_on_commit_callbacks)  # an approved registration is no longer read
    assert len(mailoutbox) == 2


@pytest.mark.parametrize(
    ("path", "step"),
    [
        (r"^/v1/EndUsers$", "representative"),
        (r"/Addresses\.json$", "address"),
        (r"^/v1/TrustProducts/\w+/Evaluations$", "trust_evaluation"),
        (r"^/v1/a2p/BrandRegistrations$", "brand"),
        (r"/PhoneNumbers$", "service_number"),
    ],
)
def test_it_continues_after_twilio_fails_a_step_without_creating_anything_twice(
    ready, tenant, submit, django_capture_on_commit_callbacks, path, step
):
    if step == "representative":
        # The first end user (the business information) goes through; the second fails.
        ready.fail(path, Scripted(0), Scripted(503, 20503, "Service Unavailable"))
    else:
        ready.fail(path, Scripted(500, 20500, "Internal Server Error"))

    submit()

    stopped = steps(tenant)
    assert stopped[step].state == RegistrationStep.State.TODO
    assert stopped[step].errors[0]["code"] in {"20500", "20503"}
    assert registration(tenant).status == CarrierRegistration.Status.PENDING

    poll(django_capture_on_commit_callbacks)

    assert created_counts(ready) == CREATES
    assert all(s.state == RegistrationStep.State.DONE for s in steps(tenant).values())


@pytest.mark.parametrize(
    "path",
    [r"^/v1/CustomerProfiles$", r"^/v1/Services$", r"/Addresses\.json$", r"BrandRegistrations$"],
)
def test_it_settles_a_lost_answer_from_twilios_records_instead_of_asking_again(
    ready, tenant, submit, django_capture_on_commit_callbacks, path
):
    # Twilio creates it, and the answer never arrives (a gateway in front answers 502).
    ready.fail(path, Scripted(502, 0, "Bad Gateway", create_first=True))

    submit()

    assert RegistrationStep.State.UNKNOWN in {s.state for s in steps(tenant).values()}
    poll(django_capture_on_commit_callbacks)

    assert created_counts(ready) == CREATES
    done = steps(tenant)
    assert all(s.state == RegistrationStep.State.DONE for s in done.values())
    assert done["brand"].sid == ready.sid_of(r"BrandRegistrations$")


def test_it_never_asks_twilio_twice_for_a_step_another_worker_holds(ready, tenant, submit):
    submit_first = submit()
    assert submit_first.status_code == 302
    row = steps(tenant)["brand"]
    RegistrationStep.objects.filter(pk=row.pk).update(
        state=RegistrationStep.State.CLAIMED, sid="", claimed_at=row.updated_at
    )
    before = len(ready.requests)

    assert submission.advance(registration_id=row.registration_id) == "busy"
    assert len(ready.requests) == before


def test_it_shows_a_refused_campaign_with_twilios_codes_and_fixes_and_resubmits_only_it(
    ready, tenant, submit, mailoutbox, django_capture_on_commit_callbacks, owner_client
):
    submit()
    ready.set_status(ready.sid_of(r"BrandRegistrations$"), "APPROVED")
    poll(django_capture_on_commit_callbacks)
    campaign_sid = ready.sid_of(r"/Compliance/Usa2p$")
    mailoutbox.clear()
    ready.set_status(
        campaign_sid,
        "FAILED",
        [
            {
                "error_code": 30897,
                "fields": ["MESSAGE_FLOW"],
                "description": "The campaign submission was rejected due to Disallowed Content.",
            },
            {"error_code": 30886, "description": "Campaign description is insufficient."},
        ],
    )

    poll(django_capture_on_commit_callbacks)

    assert registration(tenant).status == CarrierRegistration.Status.FAILED
    page = owner_client.get(URL).content.decode()
    assert "Twilio 30897" in page and "Disallowed Content" in page
    assert "Describe customer care only" in page
    # 30886 is a rule Lasso checks itself: it passes now, so the fix is to resubmit.
    assert "Twilio 30886" in page
    assert escape("Lasso's check “Campaign description” passes now: resubmit.") in page
    assert 'id="submit-registration"' in page
    [email] = mailoutbox
    assert "Rejected" in email.subject
    assert "Twilio 30897" in email.body and "What to change:" in email.body

    before = created_counts(ready)
    submit()

    assert created_counts(ready) == before  # nothing new: the campaign is updated in place
    assert ready.creates(r"/Compliance/Usa2p$") and len(ready.creates(r"/Usa2p$")) == 1
    updates = ready.posts_to(campaign_sid)
    assert len(updates) == 1
    assert form(updates[0], "Description")
    assert ready.posts_to(ready.sid_of(r"BrandRegistrations$")) == []
    assert registration(tenant).status == CarrierRegistration.Status.PENDING
    assert steps(tenant)["campaign"].state == RegistrationStep.State.DONE


def test_it_fails_an_incomplete_profile_with_twilios_reasons_and_resends_only_its_facts(
    ready, tenant, submit, owner_client
):
    ready.evaluation = "noncompliant"
    ready.evaluation_results = [
        {
            "friendly_name": "Business",
            "object_type": "business",
            "passed": False,
            "failure_reason": "A Business End-User is missing.",
            "error_code": 22214,
            "valid": [],
            "invalid": [],
        }
    ]

    submit()

    assert registration(tenant).status == CarrierRegistration.Status.FAILED
    assert steps(tenant)["profile_evaluation"].state == RegistrationStep.State.FAILED
    assert ready.creates(r"^/v1/TrustProducts$") == []  # stopped where Twilio refused
    page = owner_client.get(URL).content.decode()
    assert "Twilio 22214" in page and "A Business End-User is missing." in page
    assert "Complete the brand facts" in page

    ready.evaluation = "compliant"
    ready.evaluation_results = []
    end_users = {s.key: s.sid for s in steps(tenant).values() if s.sid.startswith("IT")}
    submit()

    assert len(ready.creates(r"^/v1/CustomerProfiles$")) == 1
    assert len(ready.creates(r"^/v1/CustomerProfiles/\w+/EntityAssignments$")) == 3
    for sid in end_users.values():
        assert len(ready.posts_to(sid)) == 1  # updated with the facts as they are now
    assert len(ready.creates(r"^/v1/CustomerProfiles/\w+/Evaluations$")) == 2
    assert registration(tenant).status == CarrierRegistration.Status.PENDING
    assert ready.creates(r"^/v1/a2p/BrandRegistrations$")


def test_it_fails_a_rejected_brand_and_resubmits_it(
    ready, tenant, submit, django_capture_on_commit_callbacks, owner_client
):
    submit()
    brand = ready.sid_of(r"BrandRegistrations$")
    ready.set_status(brand, "FAILED", [{"code": 30794, "description": "TAX_ID mismatch"}])
    poll(django_capture_on_commit_callbacks)
    page = owner_client.get(URL).content.decode()
    assert "TAX_ID mismatch" in page
    assert registration(tenant).status == CarrierRegistration.Status.FAILED

    submit()

    assert len(ready.posts_to(brand)) == 1
    assert len(ready.creates(r"^/v1/a2p/BrandRegistrations$")) == 1
    assert registration(tenant).status == CarrierRegistration.Status.PENDING


def test_it_refuses_to_submit_while_a_check_fails(tenant, registered_brand, twilio_at_stub, submit):
    # Lasso's address is not public here: the opt-in check fails.
    response = submit()

    assert response.status_code == 302
    assert twilio_at_stub.requests == []
    assert registration(tenant).status == CarrierRegistration.Status.DRAFT


def test_it_offers_the_submit_button_only_when_every_check_passes(
    owner_client, tenant, registered_brand, public_site
):
    page = owner_client.get(URL).content.decode()
    assert 'id="submit-registration"' in page

    CarrierRegistration.objects.filter(pk=registered_brand.pk).update(legal_name="")
    page = owner_client.get(URL).content.decode()
    assert 'id="submit-registration"' not in page
    assert "Submitting opens once every check above passes." in page


def test_it_refuses_staff(staff_client, ready, tenant):
    assert staff_client.post(SUBMIT).status_code == 403
    assert ready.requests == []


def test_it_submits_only_the_outsiders_own_business(
    outsider_client, ready, tenant, other_tenant, submit
):
    submit(outsider_client)

    assert ready.requests == []  # the outsider's business has no brand facts yet
    assert registration(tenant).status == CarrierRegistration.Status.DRAFT
    assert not RegistrationStep.objects.filter(business=tenant.business).exists()


def test_it_refuses_the_get_method(owner_client):
    assert owner_client.get(SUBMIT).status_code == 405
